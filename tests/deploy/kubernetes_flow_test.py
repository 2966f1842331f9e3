"""Runs the Kubernetes shard/merge flow of deploy/kubernetes/ with local processes, exactly as the Jobs would: the
container's command and args are read from shards-job.yaml and merge-job.yaml and run with /bin/sh, with the
environment the pods get (the Job's env, the Secret's keys through envFrom, JOB_COMPLETION_INDEX per pod), one
process per completion index, all at once. Only what a cluster provides differs: the mount paths (SCENARIO and
RESULTS point into a temporary folder), the Secret's values (a local broker requiring the Secret's user and
password: the embedded broker, `mqtt-harness broker --user`), the image (mqtt-harness from the build on PATH) and
the scenario (a small one instead of the ConfigMap's 2000 devices; the ConfigMap's is schema-checked by
validate_manifests.py). Checks that every shard wrote its results, that the merge judged them as one fleet with
its exit code, and that the password never reached a command line or an output.
Usage: kubernetes_flow_test.py SOURCE_DIR MQTT_HARNESS_BINARY"""
import json
import os
import socket
import subprocess
import sys
import tempfile

import yaml

source, binary = sys.argv[1], os.path.realpath(sys.argv[2])
folder = os.path.join(source, "deploy", "kubernetes")


def load(name):
    return yaml.safe_load(open(os.path.join(folder, name)))


def fail(message):
    print(f"kubernetes_flow_test: {message}")
    sys.exit(1)


def container_of(job):
    container = job["spec"]["template"]["spec"]["containers"][0]
    if container.get("command") != ["/bin/sh", "-c"] or len(container.get("args", [])) != 1:
        fail(f"{job['metadata']['name']}: expected command [/bin/sh, -c] with one script")
    return container


def pod_environment(container, secret, overrides):
    environment = {"PATH": os.path.dirname(binary) + ":/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}
    for source_ in container.get("envFrom", []):
        if "secretRef" in source_:
            environment.update(secret["stringData"])
    for item in container.get("env", []):
        environment[item["name"]] = item["value"]
    environment.update(overrides)
    return environment


shards_job, merge_job, secret = load("shards-job.yaml"), load("merge-job.yaml"), load("secret.yaml")
shard_container, merge_container = container_of(shards_job), container_of(merge_job)
completions = shards_job["spec"]["completions"]
password = "k8s-flow-Pw-7731"
user = secret["stringData"]["MQTT_USERNAME"]

with tempfile.TemporaryDirectory(prefix="mqtt-k8s-flow-") as work:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    broker = subprocess.Popen([binary, "broker", "--listen", f"127.0.0.1:{port}", "--user", f"{user}:{password}"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        broker.stdout.readline()  # the broker prints its listening line once it accepts connections
        scenario = os.path.join(work, "fleet.json")
        with open(scenario, "w") as out:
            json.dump({"name": "k8s-flow", "duration_ms": 1500, "settle_ms": 500,
                       "observers": [{"name": "backend", "count": 1,
                                      "subscriptions": [{"filter": "site/+/telemetry", "qos": 1}]}],
                       "groups": [{"name": "site", "count": 8, "connect_rate": 0,
                                   "publish": {"rate": 4, "qos": 1, "topic": "site/{id}/telemetry"}}]}, out)
        results = os.path.join(work, "results")
        os.makedirs(results)  # the mount point of the results volume
        secret["stringData"]["MQTT_TARGET"] = f"mqtt://127.0.0.1:{port}"
        secret["stringData"]["MQTT_HARNESS_PASSWORD"] = password
        script = shard_container["args"][0]
        if password in script:
            fail("the password is on the command line")
        pods = []
        for index in range(completions):
            environment = pod_environment(shard_container, secret, {"SCENARIO": scenario, "RESULTS": results,
                                                                    "JOB_COMPLETION_INDEX": str(index)})
            pods.append(subprocess.Popen(["/bin/sh", "-c", script], env=environment, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True))
        for index, pod in enumerate(pods):
            output, _ = pod.communicate(timeout=120)
            if pod.returncode != 0:
                fail(f"shard pod {index} exited {pod.returncode}: {output}")
            if password in output:
                fail(f"shard pod {index} printed the password")
            shard_results = os.path.join(results, f"shard-{index}", "results.json")
            if not os.path.exists(shard_results):
                fail(f"shard pod {index} wrote no {shard_results}")
            fleet = json.load(open(shard_results))["stats"]["fleet"]
            if fleet.get("shard") != f"{index}/{completions}" or "clock" not in fleet:
                fail(f"shard {index}: stats.fleet.shard {fleet.get('shard')}, clock record {'clock' in fleet}")

        environment = pod_environment(merge_container, secret, {"RESULTS": results})
        merged = subprocess.run(["/bin/sh", "-c", merge_container["args"][0]], env=environment, capture_output=True,
                                text=True, timeout=120)
        whole = json.load(open(os.path.join(results, "merged", "results.json")))
        if merged.returncode != 0:
            fail(f"the merge exited {merged.returncode} (the embedded broker is sound): {merged.stdout}{merged.stderr}")
        if whole["stats"]["fleet"]["shards"] != completions:
            fail(f"merged {whole['stats']['fleet']['shards']} shards, expected {completions}")
        alignment = whole["stats"]["fleet"]["clock_alignment"]
        if len(alignment) != completions or any(entry["bound_ns"] < 0 for entry in alignment):
            fail(f"every shard's clock should be placed by the markers: {alignment}")
        for name in os.listdir(os.path.join(results, "merged")):
            if password in open(os.path.join(results, "merged", name), errors="replace").read():
                fail(f"merged/{name} holds the password")
        print(f"kubernetes_flow_test: {completions} shard pods and the merge ran as the Jobs would; "
              f"merged exit {merged.returncode}, {len(whole['cases'][0]['history'])} events, clocks: "
              + ", ".join(entry["method"] for entry in alignment))
    finally:
        broker.terminate()
        broker.wait(timeout=10)
