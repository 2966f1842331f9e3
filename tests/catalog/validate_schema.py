"""Validates every conformance case file against scenarios/conformance/schema.json (run by ctest when jsonschema exists)."""
import glob
import json
import os
import sys

import jsonschema

folder = os.path.join(sys.argv[1], "scenarios", "conformance")
schema = json.load(open(os.path.join(folder, "schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
errors = 0
for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
    if os.path.basename(path) == "schema.json":
        continue
    for error in validator.iter_errors(json.load(open(path, encoding="utf-8"))):
        errors += 1
        print(f"{os.path.basename(path)}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
# The schema must also refuse what the format forbids, or it checks nothing.
forbidden = {"suite": "mqtt-3.1.1", "cases": [{"id": "a.b", "title": "t", "section": "3.1",
             "statements": ["MQTT-3.1.0-1"], "expect": "close", "steps": [{"connect": "x", "drop": "x"}]}]}
if validator.is_valid(forbidden):
    errors += 1
    print("schema accepts a case with an expected answer and a two-action step")
sys.exit(1 if errors else 0)
