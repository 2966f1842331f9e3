"""Validates the example target profiles against scenarios/profiles/schema.json, checks the schema refuses what the
loader refuses, and that docs/profiles.md documents every key of the schema (run by ctest when jsonschema exists)."""
import glob
import json
import os
import sys

import jsonschema

root = sys.argv[1]
folder = os.path.join(root, "scenarios", "profiles")
schema = json.load(open(os.path.join(folder, "schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
errors = 0
examples = [p for p in sorted(glob.glob(os.path.join(folder, "*.json"))) if os.path.basename(p) != "schema.json"]
if len(examples) < 4:
    errors += 1
    print(f"expected at least 4 example profiles, found {len(examples)}")
for path in examples:
    for error in validator.iter_errors(json.load(open(path, encoding="utf-8"))):
        errors += 1
        print(f"{os.path.basename(path)}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
# What the loader refuses, the schema must refuse too, or an editor would bless a profile that fails to load.
for refused in [{"limits": {"packet_size": 10}}, {"max_packet_size": 10}, {"max_qos": 3},
                {"zero_length_client_id": "maybe"}, {"credentials": {"username": "u"}}, {"acl_denied_topic": ""}]:
    if validator.is_valid(refused):
        errors += 1
        print(f"schema accepts {json.dumps(refused)}")
documentation = open(os.path.join(root, "docs", "profiles.md"), encoding="utf-8").read()
keys = [k for k in schema["properties"] if k != "$schema"]
keys += ["limits." + k for k in schema["properties"]["limits"]["properties"]]
for key in keys:
    if f"`{key}`" not in documentation:
        errors += 1
        print(f"docs/profiles.md does not document `{key}`")
for path in examples:
    if os.path.basename(path) not in documentation:
        errors += 1
        print(f"docs/profiles.md does not mention {os.path.basename(path)}")
sys.exit(1 if errors else 0)
