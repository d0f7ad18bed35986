#!/usr/bin/env python3
"""Validate a seawall output against an official JSON schema with Python `jsonschema`.

usage: validate_schema.py SCHEMA_DIR {sarif|cyclonedx|spdx} FILE
Prints "N errors" (and the first errors) and exits 0 when N == 0, 1 otherwise, 3 when jsonschema is missing.
"""
import json
import os
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError:
    print("python jsonschema/referencing not installed")
    sys.exit(3)

SCHEMAS = {
    "sarif": "sarif-schema-2.1.0.json",
    "cyclonedx": "bom-1.6.schema.json",
    "spdx": "spdx-schema.json",
}


def main():
    schema_dir, kind, path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(os.path.join(schema_dir, SCHEMAS[kind])) as f:
        schema = json.load(f)
    registry = Registry()
    if kind == "cyclonedx":
        for extra in ("spdx.schema.json", "jsf-0.82.schema.json"):
            with open(os.path.join(schema_dir, extra)) as f:
                doc = json.load(f)
            res = Resource.from_contents(doc)
            registry = registry.with_resource(doc["$id"], res).with_resource(extra, res)
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
    with open(path) as f:
        instance = json.load(f)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    try:
        import rfc3987  # noqa: F401  (enables the uri / iri-reference format checks)
        formats = "uri formats checked"
    except ImportError:
        formats = "uri formats NOT checked (pip install rfc3987)"
    print(f"{len(errors)} errors ({formats})")
    for e in errors[:20]:
        print(f"  at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}")
    sys.exit(0 if not errors else 1)


if __name__ == "__main__":
    main()
