# SPDX-License-Identifier: Apache-2.0
"""Config files that 'oci-injector-hook validate' and the JSON Schema must judge alike: valid/*.json are
accepted by both, invalid/*.json (one malformed form each) rejected by both. validate must reject an
invalid case with exactly one problem, the one EXPECTED names (its start), so that a case cannot pass
for a reason it was not written for. The rules the schema cannot express are in SCHEMA_CANNOT, with the reason;
for those the schema must still disagree, so that the list stays true.

Usage: test-cases.py VALID_DIR INVALID_DIR SCHEMA"""
import glob
import json
import os
import re
import sys

from catalogue import Tap, config_dir, load_schema, schema_verdict, validate

# invalid/NAME.json: the one problem validate prints for it, after the file's name and ": ", starts with
# this; "…" stands for any text (a long path). Together with the files, the specification of every
# error a config can have: the parser's unit test (tests/unit/test-config.c) keeps only what a file
# cannot show (a parsed config's insides, every problem of a file in order).
EXPECTED = {
    "activation-annotation-array": "activation_annotation: expected a string",
    "activation-annotation-empty-name": 'activation_annotation: the name before "=" is empty',
    "activation-empty-name": 'activation_flag: the name before "=" is empty',
    "activation-empty": "activation_annotation: is empty",
    "activation-flag-empty": 'activation_flag: is empty; write "NAME" or "NAME=value"',
    "activation-flag-null": "activation_flag: expected a string",
    "activation-flag-number": 'activation_flag: expected a string such as "NAME" or "NAME=value", got a number',
    "bad-module-name": 'modules[0]: "fuse.ko" is not a module name',
    "bare-file": 'miscellaneous[0]: "os-release" is not an absolute path',
    "bare-glob-with-container-path": 'devices[0]: a glob ("/dev/nvidia[0-9]*") matches several files and cannot have one container_path',
    "bare-library-dotdot": 'libraries[0]: ".." is not a file name',
    "bare-program-glob": 'binaries[0]: "nvidia-*" is a glob without a folder',
    "case-duplicate-key": '"Devices" is given twice, also as "devices" (keys are matched without regard to case)',
    "container-path-dotdot-trailing": 'binaries[0].container_path: "/usr/.." has a ".." component',
    "container-path-dotdot": 'miscellaneous[0].container_path: "/etc/../os-release" has a ".." component',
    "container-path-empty": 'binaries[0].container_path: "" is empty',
    "container-path-number": "binaries[0].container_path: expected a string, got a number",
    "container-path-relative": 'binaries[0].container_path: "usr/bin/env" is not an absolute path',
    "container-path-root": 'directories[0].container_path: cannot inject onto the container\'s root "/"',
    "container-path-slashes": "directories[0].container_path: cannot inject onto the container's root",
    "control-character": 'libraries[0]: "lib\\x0a\\x1b[2Jother.json: all good" has a control character',
    "description-number": "description: expected a string, got a number",
    "device-name-dotdot": 'devices[0]: "/dev/.." has a ".." component',
    "device-relative-with-slash": 'devices[0]: "net/tun" is not an absolute path',
    "devices-number": "devices: expected an array (or one path as a string), got a number",
    "devices-object": "devices: expected an array (or one path as a string), got an object",
    "directory-bare-name": 'directories[0]: "x" is not an absolute',
    "directory-root": 'directories[0]: "/" is the container\'s root',
    "dot-component": 'miscellaneous[0]: "/etc/./os-release" has a "." component',
    "dot-trailing": 'directories[0]: "/tmp/." has a "." component',
    "dotdot-component": 'directories[0]: "/etc/../tmp" has a ".." component',
    "dotdot-trailing": 'directories[0]: "/usr/bin/.." has a ".." component',
    "duplicate-key-in-entry": 'binaries[0]: "path" is given twice',
    "duplicate-key-in-mount": 'mounts[0]: "source" is given twice',
    "duplicate-key": '"activation_flag" is given twice',
    "empty-device": 'devices[0]: "" is empty',
    "empty-file-path": 'miscellaneous[0]: "" is empty',
    "empty-file": "not valid JSON: line 1, column 1: ",
    "empty-module": 'modules[0]: "" is not a module name',
    "empty-object": 'neither "activation_flag" nor "activation_annotation" is given',
    "empty-path-object": 'binaries[0]: "" is empty',
    "empty-path": 'binaries[0]: "" is empty',
    "entry-array": "miscellaneous[0]: expected a path or an object",
    "entry-null": 'miscellaneous[0]: expected a path or an object with "path", got null',
    "entry-number": 'binaries[0]: expected a path or an object with "path", got a number',
    "entry-unknown-key": 'binaries[0]: unknown key "optinal"',
    "entry-without-path": 'binaries[0]: "path" is missing',
    "glob-with-container-path": 'devices[0]: a glob ("/dev/dri/*") matches several files and cannot have one container_path',
    "host-root-object": 'binaries[0]: cannot inject the host\'s root "/"',
    "inject-number": 'inject: expected "bind" or "copy"',
    "inject-other": 'inject: expected "bind" or "copy"',
    "inject-uppercase": 'inject: expected "bind" or "copy"',
    "libraries-object": "libraries: expected an array (or one path as a string), got an object",
    "major-as-real": "devices[0].major: expected a device number",
    "major-fraction": "devices[0].major: expected a device number",
    "major-negative": "devices[0].major: expected a device number from 0 to 4294967295",
    "major-on-binary": 'binaries[0]: unknown key "major"',
    "major-string": "devices[0].major: expected a device number",
    "minor-string": "devices[0].minor: expected a device number",
    "minor-too-large": "devices[0].minor: expected a device number",
    "module-name-path": 'modules[0]: "../fuse" is not a module name',
    "module-name-space": 'modules[1]: "a b" is not a module name',
    "module-number": "modules[0]: expected a module name, got a number",
    "modules-object": "modules: expected an array of module names (or one name), got an object",
    "mount-as-string": 'mounts[0]: expected an object with "source" and "destination"',
    "mount-destination-dotdot": 'mounts[0].destination: "/mnt/../tmp" has a ".." component',
    "mount-onto-root": "mounts[0].destination: cannot mount onto the container's root",
    "mount-option-comma-item": 'mounts[0].options[0]: "ro,nosuid" is not a known option',
    "mount-option-empty-item": 'mounts[0].options[1]: "" is not a known option',
    "mount-option-number": "mounts[0].options[0]: expected a string",
    "mount-option-string-empty-item": 'mounts[0].options: an empty option in "ro,,nosuid"',
    "mount-option-uppercase": 'mounts[0].options[0]: "RO" is not a known option',
    "mount-optional-number": "mounts[0].optional: expected true or false",
    "mount-options-number": "mounts[0].options: expected an array of strings",
    "mount-options-spaces": 'mounts[0].options: " nosuid" is not a known option',
    "mount-relative-destination": 'mounts[0].destination: "mnt/tmp" is not an absolute path',
    "mount-relative-source": 'mounts[0].source: "tmp" is not an absolute path',
    "mount-source-number": "mounts[0].source: expected a string, got a number",
    "mount-source-root": 'mounts[0].source: "/" is the host\'s whole root',
    "mount-unknown-key": 'mounts[0]: unknown key "readonly"',
    "mount-without-destination": 'mounts[0]: "destination" is missing',
    "mount-without-source": 'mounts[0]: "source" is missing',
    "mounts-object": "mounts: expected an array, got an object",
    "no-activation": 'neither "activation_flag" nor "activation_annotation" is given',
    "nul-in-path": "not valid JSON: line 3, column 39: a string contains a NUL",
    "optional-not-boolean": "binaries[0].optional: expected true or false, got a string",
    "path-not-string": "binaries[0].path: expected a string, got an array",
    "path-number": "binaries[0].path: expected a string, got a number",
    "path-too-long-multibyte": 'directories[0]: "…" is longer than PATH_MAX',
    "path-too-long": 'directories[0]: "…" is longer than PATH_MAX',
    "relative-path": 'libraries[0]: "lib/x86_64-linux-gnu/libc.so.6" is not an absolute path',
    "rshared-in-string": 'mounts[0].options: "rshared" would let mounts propagate',
    "rshared-mount-option": 'mounts[0].options[1]: "rshared" would let mounts propagate',
    "schema-key": 'unknown key "$schema"',
    "shared-in-string": 'mounts[0].options: "shared" would let mounts propagate',
    "shared-mount-option": 'mounts[0].options[0]: "shared" would let mounts propagate',
    "top-level-array": "expected a JSON object, got an array",
    "truncated": "not valid JSON: line 4, column 1: ",
    "unbindable-mount-option": 'mounts[0].options[0]: "unbindable" would let mounts propagate',
    "unknown-key": 'unknown key "device"',
    "unknown-mount-option-in-string": 'mounts[0].options: "bogus" is not a known option',
    "unknown-mount-option": 'mounts[0].options[1]: "nosymfollow" is not a known option',
}

# Rules of the parser that a JSON Schema cannot express: validate alone decides these cases.
SCHEMA_CANNOT = {
    "invalid/duplicate-key.json": "a key given twice: JSON tools keep the last value, the schema never sees the first",
    "invalid/duplicate-key-in-entry.json": "a key given twice, in an entry",
    "invalid/duplicate-key-in-mount.json": "a key given twice, in a mount",
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


def starts_as(problem, expected):
    """The problem starts with the expectation, in which "…" stands for any text."""
    pattern = ".*".join(re.escape(piece) for piece in expected.split("…"))
    return re.match(pattern, problem, re.S) is not None


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
                 and starts_as(problems[0][len(prefix):], expected),
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
