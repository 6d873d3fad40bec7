# SPDX-License-Identifier: Apache-2.0
"""Config files that 'oci-injector-hook validate' and the JSON Schema must judge alike: valid/*.json are
accepted by both, invalid/*.json (one malformed form each) rejected by both. validate must reject an
invalid case with exactly one problem, the one EXPECTED names, so that a case cannot pass for a reason
it was not written for. The rules the schema cannot express are in SCHEMA_CANNOT, with the reason;
for those the schema must still disagree, so that the list stays true.

Usage: test-cases.py VALID_DIR INVALID_DIR SCHEMA"""
import glob
import json
import os
import re
import sys

from catalogue import Tap, config_dir, load_schema, schema_verdict, validate

# invalid/NAME.json: a piece of the one problem line validate prints for it.
EXPECTED = {
    "activation-annotation-array": "activation_annotation: expected a string",
    "activation-empty": "activation_annotation: is empty",
    "activation-empty-name": 'activation_flag: the name before "=" is empty',
    "activation-flag-null": "activation_flag: expected a string",
    "activation-flag-number": "activation_flag: expected a string",
    "bad-module-name": '"fuse.ko" is not a module name',
    "bare-glob-with-container-path": "cannot have one container_path",
    "bare-file": '"os-release" is not an absolute path',
    "bare-library-dotdot": '".." is not a file name',
    "bare-program-glob": '"nvidia-*" is a glob without a folder',
    "case-duplicate-key": '"Devices" is given twice, also as "devices"',
    "container-path-dotdot": 'container_path: "/etc/../os-release" has a ".." component',
    "container-path-relative": 'container_path: "usr/bin/env" is not an absolute path',
    "container-path-root": "cannot inject onto the container's root",
    "container-path-slashes": "cannot inject onto the container's root",
    "description-number": "description: expected a string",
    "device-name-dotdot": '"/dev/.." has a ".." component',
    "device-relative-with-slash": '"net/tun" is not an absolute path',
    "devices-object": "devices: expected an array (or one path as a string), got an object",
    "dot-component": 'has a "." component',
    "dot-trailing": '"/tmp/." has a "." component',
    "dotdot-component": 'has a ".." component',
    "dotdot-trailing": '"/usr/bin/.." has a ".." component',
    "duplicate-key": '"activation_flag" is given twice',
    "duplicate-key-in-entry": 'binaries[0]: "path" is given twice',
    "empty-device": 'devices[0]: "" is empty',
    "empty-module": 'modules[0]: "" is not a module name',
    "empty-path": 'binaries[0]: "" is empty',
    "entry-array": "miscellaneous[0]: expected a path or an object",
    "entry-number": "binaries[0]: expected a path or an object",
    "entry-unknown-key": 'binaries[0]: unknown key "optinal"',
    "entry-without-path": 'binaries[0]: "path" is missing',
    "glob-with-container-path": "cannot have one container_path",
    "directory-root": '"/" is the container\'s root',
    "host-root-object": "cannot inject the host's root",
    "inject-other": 'inject: expected "bind" or "copy"',
    "inject-uppercase": 'inject: expected "bind" or "copy"',
    "major-as-real": "devices[0].major: expected a device number",
    "major-fraction": "devices[0].major: expected a device number",
    "major-negative": "devices[0].major: expected a device number",
    "major-on-binary": 'binaries[0]: unknown key "major"',
    "major-string": "devices[0].major: expected a device number",
    "minor-too-large": "devices[0].minor: expected a device number",
    "modules-object": "modules: expected an array of module names (or one name), got an object",
    "mounts-object": "mounts: expected an array, got an object",
    "mount-as-string": "mounts[0]: expected an object",
    "mount-onto-root": "cannot mount onto the container's root",
    "mount-option-comma-item": '"ro,nosuid" is not a known option',
    "mount-option-empty-item": 'options[1]: "" is not a known option',
    "mount-option-string-empty-item": 'mounts[0].options: an empty option in "ro,,nosuid"',
    "mount-source-root": "mounts[0].source: \"/\" is the host's whole root",
    "mount-optional-number": "mounts[0].optional: expected true or false",
    "mount-options-number": "mounts[0].options: expected an array",
    "mount-options-spaces": '" nosuid" is not a known option',
    "mount-relative-destination": 'destination: "mnt/tmp" is not an absolute path',
    "mount-unknown-key": 'mounts[0]: unknown key "readonly"',
    "mount-without-destination": '"destination" is missing',
    "mount-without-source": '"source" is missing',
    "no-activation": 'neither "activation_flag" nor "activation_annotation"',
    "nul-in-path": "NUL",
    "optional-not-boolean": "binaries[0].optional: expected true or false",
    "path-not-string": "binaries[0].path: expected a string",
    "path-too-long": "is longer than PATH_MAX",
    "path-too-long-multibyte": "is longer than PATH_MAX",
    "relative-path": "is not an absolute path",
    "rshared-in-string": '"rshared" would let mounts propagate',
    "schema-key": 'unknown key "$schema"',
    "shared-mount-option": '"shared" would let mounts propagate',
    "top-level-array": "expected a JSON object",
    "truncated": "not valid JSON",
    "unknown-key": 'unknown key "device"',
    "unknown-mount-option": '"nosymfollow" is not a known option',
}

# Rules of the parser that a JSON Schema cannot express: validate alone decides these cases.
SCHEMA_CANNOT = {
    "invalid/duplicate-key.json": "a key given twice: JSON tools keep the last value, the schema never sees the first",
    "invalid/duplicate-key-in-entry.json": "a key given twice, in an entry",
    "invalid/major-as-real.json": "1.0 is an integer to JSON Schema; the hook wants an integer written as one",
    "invalid/path-too-long-multibyte.json": "maxLength counts characters, the hook's PATH_MAX limit bytes",
    "valid/comments.json": "the hook accepts comments; JSON tools, and so the schema, do not",
    "valid/keys-in-any-case.json": "the hook matches keys without regard to case, as the Go hook's viper did; "
                                   "the schema knows each key in lowercase, the spelling to write",
}


# Valid cases whose keys are not all lowercase (the hook matches keys without regard to case).
KEY_CASE = {"valid/keys-in-any-case.json"}


def lowercase_keys(doc):
    """The document with every object key in lowercase."""
    if isinstance(doc, dict):
        return {k.lower(): lowercase_keys(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [lowercase_keys(v) for v in doc]
    return doc


def jsonschema_errors(validator, doc):
    return "\n".join(e.message for e in validator.iter_errors(doc))


def hook_place(problem):
    """Where validate's problem line points, as a JSON pointer without the leading "/":
    "mounts[0].options[1]: ..." -> "mounts/0/options/1"; "" for the whole file."""
    head = problem.split(": ", 1)[0]
    if not re.fullmatch(r"[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*", head):
        return ""
    return head.replace("[", "/").replace("]", "").replace(".", "/")


def same_place(a, b):
    """The two places are one, or one holds the other: the schema may stop at the entry ("devices/0") where
    the hook names the key in it ("devices/0/path"), or the other way round."""
    a, b = [p for p in a.split("/") if p], [p for p in b.split("/") if p]
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def main():
    valid_dir, invalid_dir, schema_path = sys.argv[1:4]
    t = Tap()
    validator, no_schema = load_schema(schema_path)

    invalid = sorted(glob.glob(os.path.join(invalid_dir, "*.json")))
    valid = sorted(glob.glob(os.path.join(valid_dir, "*.json")))
    names = {os.path.basename(p)[: -len(".json")] for p in invalid}
    t.ok(names == set(EXPECTED), "every invalid case has an expected problem, and every expectation a case",
         f"cases without an expectation: {sorted(names - set(EXPECTED))}\n"
         f"expectations without a case: {sorted(set(EXPECTED) - names)}")
    t.ok(len(valid) >= 10 and len(invalid) >= 40, f"{len(valid)} valid and {len(invalid)} invalid cases")
    listed = {os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p)) for p in valid + invalid}
    t.ok(set(SCHEMA_CANNOT) <= listed, "every exception of the schema names a case",
         f"not found: {sorted(set(SCHEMA_CANNOT) - listed)}")

    for path in valid + invalid:
        kind = os.path.basename(os.path.dirname(path))
        case = f"{kind}/{os.path.basename(path)}"
        want_valid = kind == "valid"

        with config_dir([path]) as d:
            status, problems, err = validate(d)
            prefix = os.path.join(d, os.path.basename(path)) + ": "
        place = hook_place(problems[0][len(prefix):]) if len(problems) == 1 else ""
        if want_valid:
            t.ok(status == 0 and not problems, f"{case}: validate accepts it",
                 f"exit status {status}\n" + "\n".join(problems) + "\n" + err)
        else:
            expected = EXPECTED.get(os.path.basename(path)[: -len(".json")], "(no expectation)")
            t.ok(status == 1 and len(problems) == 1 and problems[0].startswith(prefix)
                 and expected in problems[0],
                 f"{case}: validate rejects it with one problem: {expected}",
                 f"exit status {status}\n" + "\n".join(problems) + "\n" + err)

        if validator is None:
            t.skip(f"{case}: the schema agrees", no_schema)
            continue
        accepted, where, why = schema_verdict(validator, path)
        if want_valid and case in KEY_CASE:
            # The only difference may be the case of keys: in lowercase, the schema accepts the file.
            with open(path) as f:
                lowered = lowercase_keys(json.load(f))
            t.ok(validator.is_valid(lowered), f"{case}: with its keys in lowercase, the schema accepts it",
                 jsonschema_errors(validator, lowered))
        if case in SCHEMA_CANNOT:
            t.ok(accepted != want_valid,
                 f"{case}: the schema cannot tell ({SCHEMA_CANNOT[case]}): it still "
                 f"{'accepts' if accepted else 'rejects'} it; validate decides",
                 "the schema now agrees with validate: remove the case from SCHEMA_CANNOT")
        elif want_valid:
            t.ok(accepted, f"{case}: the schema accepts it", why)
        elif where is None:
            t.ok(not accepted, f"{case}: the schema rejects it ({why[:100]})")
        else:
            t.ok(not accepted and same_place(where, place),
                 f"{case}: the schema rejects it at the same place, /{place} ({why[:100]})",
                 f"schema: {why}\nvalidate: {problems}")

    return t.finish()


if __name__ == "__main__":
    raise SystemExit(main())
