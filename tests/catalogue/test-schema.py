# SPDX-License-Identifier: Apache-2.0
"""The JSON Schema itself: a valid schema of its draft, with patterns that compile, and with the same keys
and mount options as the parser. The parser's lists are asked from the built hook (the "known: ..." of
its messages, and what validate accepts), so a key added to lib/configs/config.c fails here until the schema
has it too.

Usage: test-schema.py SCHEMA"""
import json
import re
import sys

from catalogue import Tap, load_schema, validate_text


def patterns(node):
    """Every "pattern" of the schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from patterns(value)


def known_keys(config):
    """The keys the parser knows where `config` has the unknown key "oih_probe", from its message."""
    status, problems, _ = validate_text("probe.json", json.dumps(config))
    for p in problems:
        m = re.search(r'unknown key "oih_probe" \(known: ([^)]*)\)', p)
        if m:
            return {k.strip() for k in m.group(1).split(",")}, problems
    return None, problems


def object_branch(schema, name):
    """The object form of an entry definition."""
    return next(b for b in schema["$defs"][name]["anyOf"] if b.get("type") == "object")


def main():
    path = sys.argv[1]
    t = Tap()
    validator, no_schema = load_schema(path)
    if validator is None:
        print(f"1..0 # SKIP {no_schema}")
        return 0
    schema = validator.schema

    try:
        type(validator).check_schema(schema)
        t.ok(True, f"the schema is valid against its metaschema ({schema['$schema']})")
    except Exception as e:  # jsonschema.SchemaError, with the path of the mistake
        t.ok(False, f"the schema is valid against its metaschema ({schema.get('$schema')})", e)

    bad = []
    for p in patterns(schema):
        try:
            re.compile(p)
        except re.error as e:
            bad.append(f"{p}: {e}")
    t.ok(not bad and any(True for _ in patterns(schema)), "every pattern of the schema compiles", "\n".join(bad))

    probe = {"activation_flag": "OIH_PROBE"}
    cases = [
        ("top-level keys", dict(probe, oih_probe=1), schema["properties"]),
        ("keys of a devices entry", dict(probe, devices=[{"path": "/dev/null", "oih_probe": 1}]),
         object_branch(schema, "device_entry")["properties"]),
        ("keys of a binaries entry", dict(probe, binaries=[{"path": "/usr/bin/env", "oih_probe": 1}]),
         object_branch(schema, "lookup_entry")["properties"]),
        ("keys of a libraries entry", dict(probe, libraries=[{"path": "libc.so.6", "oih_probe": 1}]),
         object_branch(schema, "lookup_entry")["properties"]),
        ("keys of a miscellaneous entry", dict(probe, miscellaneous=[{"path": "/etc/hostname", "oih_probe": 1}]),
         object_branch(schema, "file_entry")["properties"]),
        ("keys of a directories entry", dict(probe, directories=[{"path": "/tmp", "oih_probe": 1}]),
         object_branch(schema, "directory_entry")["properties"]),
        ("keys of a mounts entry",
         dict(probe, mounts=[{"source": "/tmp", "destination": "/mnt", "oih_probe": 1}]),
         schema["$defs"]["mount"]["properties"]),
    ]
    for what, config, properties in cases:
        parser, problems = known_keys(config)
        t.ok(parser == set(properties), f"{what}: the schema and the parser know the same",
             f"parser: {sorted(parser) if parser else problems}\nschema: {sorted(properties)}")

    # Mount options: every one of the schema is accepted by the hook, in one list and in one string.
    options = schema["$defs"]["mount_option"]["enum"]
    mount = {"source": "/tmp", "destination": "/mnt"}
    for form, value in (("an array", options), ("a string", ",".join(options))):
        status, problems, err = validate_text(
            "options.json", json.dumps(dict(probe, mounts=[dict(mount, options=value)])))
        t.ok(status == 0 and not problems, f"mount options: the hook accepts every option of the schema, as {form}",
             "\n".join(problems) + err)
        t.ok(validator.is_valid(dict(probe, mounts=[dict(mount, options=value)])),
             f"mount options: the schema accepts every option of its list, as {form}")

    # ... and the options the hook names when it refuses one are all in the schema.
    status, problems, _ = validate_text("bogus.json", json.dumps(dict(probe, mounts=[dict(mount, options=["oih_probe"])])))
    m = re.search(r"is not a known option \(([^)]*)\)", "\n".join(problems))
    named = {o.strip() for o in m.group(1).split(",")} if m else None
    t.ok(named is not None and named <= set(options), "mount options: every option the hook names is in the schema",
         f"hook: {sorted(named) if named else problems}\nschema: {sorted(options)}")

    # Propagation is refused by both, in both forms.
    for option in ("shared", "rshared", "unbindable", "runbindable"):
        for value in ([option], f"ro,{option}"):
            config = dict(probe, mounts=[dict(mount, options=value)])
            status, problems, _ = validate_text("shared.json", json.dumps(config))
            refused = status == 1 and any("propagate" in p for p in problems)
            t.ok(refused and not validator.is_valid(config),
                 f"mount option {json.dumps(value)}: refused by the hook and by the schema",
                 f"hook: exit status {status}, {problems}; schema accepts: {validator.is_valid(config)}")

    return t.finish()


if __name__ == "__main__":
    raise SystemExit(main())
