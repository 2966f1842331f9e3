// What the model keeps of a 5.0 connection besides what every connection has (model_state.hpp's Connection holds
// one): the properties of its CONNECT and CONNACK, topic aliases, the 5.0 DISCONNECT and AUTH exchanges, reused
// packet ids and copies through overlapping identified subscriptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::model::detail {

// What a 5.0 connection declared in CONNECT and was granted in CONNACK, and the topic aliases in force on it
// (v5_connect.cpp reads them; the other v5_ units judge by them). Absent properties take the spec's defaults.
// A message whose overlapping, identified subscriptions of a 5.0 session sent copies that carried identifiers, not
// yet proven complete (v5_subs_identifiers.cpp).
struct IdentifiedOverlap {
  std::size_t message = 0;
  std::string topic;
  std::string publisher;
  std::uint64_t publish_sequence = 0;
  QoS qos = QoS::at_most_once;            // of the copies
  std::set<std::uint32_t> required;        // the identifiers of every matching subscription
  std::set<std::uint32_t> carried;         // the union of those the copies carried
  int copies = 0;
  std::vector<std::uint64_t> copy_sequences;
};

// What an UNSUBSCRIBE's filter was in the session when it was sent (v5_flow_acknowledgements.cpp).
enum class FilterHeld : std::uint8_t { unknown, held, not_held };

struct V5Connection {
  // The client's CONNECT.
  std::uint32_t session_expiry = 0;  // seconds; the CONNACK's value replaces it, a DISCONNECT's changes it
  std::uint16_t client_receive_maximum = 65535;
  std::optional<std::uint32_t> client_maximum_packet_size;
  std::uint16_t client_topic_alias_maximum = 0;
  bool request_response_information = false;
  bool request_problem_information = true;
  bool authentication_method = false;
  std::uint32_t will_delay = 0;  // seconds
  // The server's CONNACK: what it declared binds what the checker expects afterwards.
  std::uint8_t maximum_qos = 2;
  bool retain_available = true;
  std::uint16_t server_topic_alias_maximum = 0;
  // Topic aliases in force on this connection, in each direction; they never outlive it [MQTT-3.3.2-7].
  std::map<std::uint16_t, std::string> server_aliases;
  std::map<std::uint16_t, std::string> client_aliases;
  // DISCONNECT from the client: reason 0x00 discards the will [MQTT-3.14.4-3], any other reason keeps it.
  bool will_discarded = false;
  // DISCONNECT from the server: it must send nothing more and close [MQTT-3.14.4-1, MQTT-3.14.4-2].
  bool server_disconnected = false;
  std::uint8_t server_disconnect_reason = 0;
  std::uint64_t server_disconnect_sequence = 0;
  std::int64_t server_disconnect_time = 0;
  // The client's last PUBLISH that used a topic alias the server had allowed, for a DISCONNECT that refuses it.
  std::uint64_t last_aliased_publish_sequence = 0;
  // UNSUBSCRIBE packet id -> per filter, whether the session held it (the UNSUBACK's order [MQTT-3.11.3-1]).
  std::map<std::uint16_t, std::vector<FilterHeld>> unsubscribe_filters_held;
  // The server's last AUTH to a CONNECT that named an Authentication Method: it took the method up (v5_auth).
  std::uint64_t server_auth_sequence = 0;
  // The client's AUTH 0x19 whose re-authentication has not yet succeeded (AUTH 0x00), and whether the server ended
  // it with DISCONNECT: then the close is owed under MQTT-4.12.1-2.
  std::uint64_t reauthentication_sequence = 0;
  bool reauthentication_failed = false;
  // Packet identifiers reused by the client (v5_qos2_identifiers.cpp): the id of the client's last QoS 1/2 exchange
  // the server ended (PUBACK, PUBCOMP, or a PUBREC of 0x80 or above) and the statement that makes a later PUBLISH
  // with it a new message; then such a PUBLISH, until the server accepts it.
  std::uint16_t ended_exchange_id = 0;
  std::string_view ended_exchange_statement;
  std::uint16_t reused_id = 0;
  std::size_t reused_id_message = std::numeric_limits<std::size_t>::max();  // no_message
  std::string_view reused_id_statement;
  // Copies of messages through overlapping identified subscriptions, waiting for proof that all arrived.
  std::vector<IdentifiedOverlap> identified_overlaps;
};

}  // namespace mqtt::model::detail
