#!/bin/sh
# The tshark equivalent of inspect's per-connection summary: per TCP stream the client id, packet counts by type,
# the PUBLISH QoS mix and the topics. Usage: tshark_summary.sh CAPTURE [OUTPUT]
tshark -r "$1" -Y mqtt -T fields -E separator=/t -e tcp.stream -e mqtt.msgtype -e mqtt.qos -e mqtt.clientid \
    -e mqtt.topic 2> /dev/null |
  awk -F'\t' '{ n = split($2, types, ","); split($3, qos, ","); split($5, topics, ",");
               for (i = 1; i <= n; i++) { count[$1 " type " types[i]]++; if (types[i] == 3) mix[$1 " qos " qos[i]]++;
                                           if (topics[i] != "") topic[$1 " " topics[i]] = 1 }
               if ($4 != "") id[$1] = $4 }
       END { for (k in id) print k, "client", id[k]; for (k in count) print k, count[k];
             for (k in mix) print k, mix[k]; for (k in topic) print k }' | sort > "${2:-/dev/null}"
