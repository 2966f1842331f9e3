"""Validates every fleet scenario (scenarios/fleet, bench/simulator) against scenarios/schema.json, which editors
use, so a key the fleet parser accepts cannot be missing from the schema (run by ctest when jsonschema exists)."""
import glob
import json
import os
import sys

import jsonschema

root = sys.argv[1]
schema = json.load(open(os.path.join(root, "scenarios", "schema.json"), encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
errors = 0
paths = sorted(glob.glob(os.path.join(root, "scenarios", "fleet", "*.json")) +
               glob.glob(os.path.join(root, "bench", "simulator", "*.json")))
for path in paths:
    for error in validator.iter_errors(json.load(open(path, encoding="utf-8"))):
        errors += 1
        print(f"{os.path.relpath(path, root)}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
# The schema must also refuse a key the parser refuses, or it checks nothing.
unknown_key = {"name": "x", "duration_ms": 1000, "groups": [{"name": "g", "sessions": 3}]}
if validator.is_valid(unknown_key):
    errors += 1
    print("schema accepts a group with an unknown key")
print(f"{len(paths)} fleet scenarios checked, {errors} problems")
sys.exit(1 if errors or not paths else 0)
