"""Offline checks of deploy/kubernetes/ and the Containerfile (no cluster, no network, no container engine):
every manifest validates against the committed schemas of its kind (deploy/kubernetes/schemas/, written for the
fields we use, closed against misspelt keys), the objects refer to each other consistently (the Secret, ConfigMap
and claim the Jobs name exist; SHARDS equals completions and parallelism; the shards' results directory is the one
the merge reads), the ConfigMap's scenario validates against scenarios/schema.json, and the Containerfile is a
Debian 12 build that installs the package and runs as a non-root user. Also checks that the schemas refuse what
they must, or they check nothing. Usage: validate_manifests.py SOURCE_DIR"""
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

root = sys.argv[1]
folder = os.path.join(root, "deploy", "kubernetes")
errors = []

schemas = {}
for path in glob.glob(os.path.join(folder, "schemas", "*.schema.json")):
    schema = json.load(open(path))
    jsonschema.Draft202012Validator.check_schema(schema)
    schemas[os.path.basename(path)] = schema
store = {**schemas, **{schema["$id"]: schema for schema in schemas.values()}}
schema_of_kind = {"Job": "job.schema.json", "ConfigMap": "configmap.schema.json", "Secret": "secret.schema.json",
                  "PersistentVolumeClaim": "persistentvolumeclaim.schema.json"}


def validator(kind):
    schema = schemas[schema_of_kind[kind]]
    try:  # jsonschema >= 4.18 resolves references through `referencing`; Debian 12's 4.10 through RefResolver
        from referencing import Registry, Resource
        registry = Registry().with_resources([(uri, Resource.from_contents(value)) for uri, value in store.items()])
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


objects = {}
for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
    for document in yaml.safe_load_all(open(path)):
        if document is None:
            continue
        kind = document.get("kind")
        if kind not in schema_of_kind:
            errors.append(f"{os.path.basename(path)}: kind {kind!r} has no schema here")
            continue
        for error in validator(kind).iter_errors(document):
            location = "/".join(map(str, error.absolute_path))
            errors.append(f"{os.path.basename(path)}: {location}: {error.message}")
        objects[(kind, document["metadata"]["name"])] = document

# The schemas must refuse what Kubernetes refuses, or they check nothing.
for kind, bad in [("Job", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
                           "spec": {"template": {"spec": {"restartPolicy": "Always",
                                                          "containers": [{"name": "c", "image": "i"}]}}}}),
                  ("Job", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
                           "spec": {"completionMode": "Indexed", "template": {"spec": {
                               "restartPolicy": "Never", "containers": [{"name": "c", "image": "i", "enviroment": []}]}}}}),
                  ("PersistentVolumeClaim", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                             "metadata": {"name": "Bad_Name"},
                                             "spec": {"accessModes": ["ReadWriteMany"],
                                                      "resources": {"requests": {"storage": "5Gi"}}}})]:
    if validator(kind).is_valid(bad):
        errors.append(f"the {kind} schema accepts {json.dumps(bad)}")

shards = objects.get(("Job", "mqtt-harness-shards"))
merge = objects.get(("Job", "mqtt-harness-merge"))
if not shards or not merge:
    errors.append("expected Jobs mqtt-harness-shards and mqtt-harness-merge")
else:
    def env_of(job):
        container = job["spec"]["template"]["spec"]["containers"][0]
        return {item["name"]: item.get("value") for item in container.get("env", [])}, container

    shard_env, shard_container = env_of(shards)
    spec = shards["spec"]
    if spec.get("completionMode") != "Indexed":
        errors.append("the shards Job must be Indexed (JOB_COMPLETION_INDEX is the shard)")
    if not (str(spec.get("completions")) == str(spec.get("parallelism")) == shard_env.get("SHARDS")):
        errors.append("SHARDS, completions and parallelism of the shards Job must be equal (the shards run at once)")
    if "$JOB_COMPLETION_INDEX/$SHARDS" not in " ".join(shard_container["args"]):
        errors.append("the shards Job must run --shard $JOB_COMPLETION_INDEX/$SHARDS")
    merge_env, merge_container = env_of(merge)
    if merge_env.get("RESULTS") != shard_env.get("RESULTS"):
        errors.append("the merge must read the RESULTS the shards write")
    for job in (shards, merge):
        pod = job["spec"]["template"]["spec"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            errors.append(f"{job['metadata']['name']}: pods must run as non-root")
        for volume in pod.get("volumes", []):
            if "configMap" in volume and ("ConfigMap", volume["configMap"]["name"]) not in objects:
                errors.append(f"{job['metadata']['name']}: ConfigMap {volume['configMap']['name']} is not in deploy/")
            if "persistentVolumeClaim" in volume and \
                    ("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]) not in objects:
                errors.append(f"{job['metadata']['name']}: claim {volume['persistentVolumeClaim']['claimName']} missing")
        for source in pod["containers"][0].get("envFrom", []):
            name = source.get("secretRef", {}).get("name")
            if name and ("Secret", name) not in objects:
                errors.append(f"{job['metadata']['name']}: Secret {name} is not in deploy/")
    secret = objects.get(("Secret", "mqtt-harness-target"), {})
    for key in ("MQTT_TARGET", "MQTT_USERNAME", "MQTT_HARNESS_PASSWORD"):
        if key not in secret.get("stringData", {}):
            errors.append(f"the Secret lacks {key}")
    if any("PASSWORD" in argument for argument in shard_container["args"]):
        errors.append("a password must come from the environment, never the command line")

claim = objects.get(("PersistentVolumeClaim", "mqtt-harness-results"), {})
if "ReadWriteMany" not in claim.get("spec", {}).get("accessModes", []):
    errors.append("the results volume is mounted by every pod at once: ReadWriteMany")

scenario_map = objects.get(("ConfigMap", "mqtt-harness-scenario"), {})
scenario_schema = json.load(open(os.path.join(root, "scenarios", "schema.json")))
scenario_schema.pop("$id", None)  # its references are all local; a relative $id trips jsonschema 4.10 (Debian 12)
try:
    scenario = json.loads(scenario_map.get("data", {}).get("fleet.json", ""))
    for error in jsonschema.Draft202012Validator(scenario_schema).iter_errors(scenario):
        errors.append(f"scenario-configmap.yaml fleet.json: {'/'.join(map(str, error.absolute_path))}: {error.message}")
except json.JSONDecodeError as error:
    errors.append(f"scenario-configmap.yaml fleet.json: not JSON: {error}")

# The Containerfile: parsed instruction by instruction (continuation lines joined).
text = open(os.path.join(root, "Containerfile")).read()
instructions = []
for line in re.sub(r"\\\n", " ", text).splitlines():
    line = line.strip()
    if line and not line.startswith("#"):
        word, _, rest = line.partition(" ")
        instructions.append((word.upper(), rest.strip()))
known = {"FROM", "RUN", "COPY", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "ENV", "ARG", "LABEL"}
for word, rest in instructions:
    if word not in known:
        errors.append(f"Containerfile: unknown instruction {word}")
    if word in ("ENTRYPOINT", "CMD"):
        try:
            if not isinstance(json.loads(rest), list):
                raise ValueError
        except ValueError:
            errors.append(f"Containerfile: {word} must be in exec form (a JSON array): {rest}")
froms = [rest for word, rest in instructions if word == "FROM"]
if not froms or any(not base.startswith("debian:12") for base in froms):
    errors.append(f"Containerfile: every stage must be FROM debian:12: {froms}")
final = instructions[max(i for i, (word, _) in enumerate(instructions) if word == "FROM"):]
users = [rest for word, rest in final if word == "USER"]
if not users or users[-1].split(":")[0] in ("0", "root"):
    errors.append("Containerfile: the final stage must switch to a non-root USER")
if not any(word == "RUN" and "apt-get install" in rest and "mqtt-harness_" in rest for word, rest in final):
    errors.append("Containerfile: the final stage must install the mqtt-harness package")
job_user = shards["spec"]["template"]["spec"]["securityContext"]["runAsUser"] if shards else None
if users and job_user is not None and users[-1].split(":")[0] != str(job_user):
    errors.append(f"the Jobs run as {job_user} but the image's USER is {users[-1]}")

for error in errors:
    print(error)
print(f"validate_manifests: {len(objects)} objects, {len(instructions)} Containerfile instructions, "
      f"{len(errors)} problem(s)")
sys.exit(1 if errors else 0)
