"""Validates the committed accepted-deviations files (ci/accepted/*.json) against scenarios/accepted-deviations.schema.json
(run by ctest when jsonschema exists); the C++ loader's own checks run in the runner tests."""
import glob
import json
import os
import sys

import jsonschema

root = sys.argv[1]
schema = json.load(open(os.path.join(root, "scenarios", "accepted-deviations.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
errors = 0
files = sorted(glob.glob(os.path.join(root, "ci", "accepted", "*.json")))
if not files:
    errors += 1
    print("no accepted-deviations file in ci/accepted/")
for path in files:
    for error in validator.iter_errors(json.load(open(path, encoding="utf-8"))):
        errors += 1
        print(f"{os.path.basename(path)}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
# The schema must refuse an entry without a reason, or it checks nothing.
if validator.is_valid({"accepted": [{"statement": "MQTT-2.2.2-2"}]}):
    errors += 1
    print("schema accepts an entry without a reason")
sys.exit(1 if errors else 0)
