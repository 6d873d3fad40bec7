# SPDX-License-Identifier: Apache-2.0
"""The ready configs of conf.d/: each passes 'oci-injector-hook validate' on this machine and the JSON
Schema, follows the catalogue's conventions, is listed in conf.d/README.md, and is activated by its own
flag alone; all of them together plan without a conflict.

Usage: test-conf-d.py --schema SCHEMA --readme README CONFIG...  (the configs meson installs)"""
import argparse
import glob
import json
import os
import re
import tempfile

from catalogue import Tap, config_dir, load_schema, run_hook, schema_verdict, validate


def flag_of(path):
    """fuse.json -> OCI_INJECT_FUSE, machine-id.json -> OCI_INJECT_MACHINE_ID."""
    stem = os.path.basename(path)[: -len(".json")]
    return "OCI_INJECT_" + stem.upper().replace("-", "_")


def plan(folder, env):
    """The configs that 'plan' activates for a container with environment `env`: (status, files, stderr)."""
    with tempfile.TemporaryDirectory(prefix="oih-bundle-") as bundle:
        os.mkdir(os.path.join(bundle, "rootfs"))
        spec = {"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"env": env}}
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f)
        r = run_hook("plan", "--config-dir", folder, "--bundle", bundle, "--json")
    try:
        configs = json.loads(r.stdout)["configs"] if r.returncode == 0 else None
    except ValueError:
        configs = None
    return r.returncode, configs, r.stderr + r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("configs", nargs="+")
    args = ap.parse_args()
    t = Tap()
    validator, no_schema = load_schema(args.schema)
    with open(args.readme) as f:
        readme = f.read()

    folder = os.path.dirname(args.configs[0])
    installed = sorted(os.path.basename(c) for c in args.configs)
    present = sorted(os.path.basename(c) for c in glob.glob(os.path.join(folder, "*.json")))
    t.ok(installed == present, "conf.d/meson.build installs every *.json of conf.d",
         f"installed: {installed}\nin the folder: {present}")

    for path in sorted(args.configs):
        name = os.path.basename(path)
        with open(path) as f:
            doc = json.load(f)
        t.ok(isinstance(doc.get("description"), str) and doc["description"].strip()
             and doc.get("activation_flag") == flag_of(path),
             f"conf.d/{name}: has a description, and activation_flag {flag_of(path)}",
             f"description: {doc.get('description')!r}, activation_flag: {doc.get('activation_flag')!r}")

        with config_dir([path]) as d:
            status, problems, err = validate(d)
            t.ok(status == 0 and not problems, f"conf.d/{name}: oci-injector-hook validate accepts it",
                 f"exit status {status}\n" + "\n".join(problems) + "\n" + err)

        if validator is None:
            t.skip(f"conf.d/{name}: the JSON Schema accepts it", no_schema)
        else:
            accepted, _, why = schema_verdict(validator, path)
            t.ok(accepted, f"conf.d/{name}: the JSON Schema accepts it", why)

        row = rf"^\| `{re.escape(name)}` \| `{flag_of(path)}` \| \S"
        t.ok(re.search(row, readme, re.M) is not None,
             f"conf.d/{name}: the table of conf.d/README.md lists it with its flag")

    # Activation, as a container would do it: each flag activates its own config and no other.
    with config_dir(args.configs) as d:
        for path in sorted(args.configs):
            name = os.path.basename(path)
            status, configs, out = plan(d, [f"{flag_of(path)}=1", "PATH=/usr/bin:/bin"])
            t.ok(status == 0 and configs == [os.path.join(d, name)],
                 f"conf.d/{name}: {flag_of(path)}=1 activates it, and only it (plan)",
                 f"exit status {status}, activated: {configs}\n{out}")

        everything = [f"{flag_of(p)}=1" for p in args.configs]
        status, configs, out = plan(d, everything)
        t.ok(status == 0 and configs is not None and len(configs) == len(args.configs),
             "conf.d: all configs activated at once plan without a conflict on this host",
             f"exit status {status}, activated: {configs}\n{out}")

        status, configs, out = plan(d, ["PATH=/usr/bin:/bin", "OCI_INJECT=1", "oci_inject_fuse=1"])
        t.ok(status == 0 and configs == [], "conf.d: a container without the flags activates nothing",
             f"exit status {status}, activated: {configs}\n{out}")

    return t.finish()


if __name__ == "__main__":
    raise SystemExit(main())
