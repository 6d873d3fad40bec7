# SPDX-License-Identifier: Apache-2.0
"""The man pages that meson generated with scdoc: each exists with a NAME section; oci-injector-hook(1)
names every command and option of 'oci-injector-hook --help' and its default config folders;
oci-injector-runtime(1) every option of 'oci-injector-runtime --injector-help' and its default config;
oci-injector-hook.json(5) names every key and mount option of the JSON Schema; with groff, both render
without a warning.

Usage: test-man.py --page1 PAGE --page5 PAGE --schema SCHEMA [--page-runtime PAGE --runtime EXE]
                   [--groff GROFF]"""
import argparse
import json
import re
import subprocess

from catalogue import Tap, run_hook


def text_of(roff):
    """The words of a roff page without font changes, zero-width marks (scdoc puts one after each
    period) and escaped hyphens."""
    return re.sub(r"\\f[BIRP]", "", roff).replace("\\&", "").replace("\\-", "-").replace("\\(aq", "'")


def schema_words(schema):
    """Every key of the config format, and every mount option."""
    defs = schema["$defs"]
    words = set(schema["properties"])
    for name in ("device_entry", "file_entry", "directory_entry"):
        words |= set(next(b for b in defs[name]["anyOf"] if b.get("type") == "object")["properties"])
    words |= set(defs["mount"]["properties"])
    words |= set(defs["mount_option"]["enum"])
    return words


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--page1", required=True)
    ap.add_argument("--page5", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--page-runtime")
    ap.add_argument("--runtime")
    ap.add_argument("--groff")
    args = ap.parse_args()
    t = Tap()

    pages = {}
    named = [(args.page1, "oci-injector-hook"), (args.page5, "oci-injector-hook.json")]
    if args.page_runtime:
        named.append((args.page_runtime, "oci-injector-runtime"))
    for path, name in named:
        try:
            with open(path) as f:
                roff = f.read()
        except OSError as e:
            roff = ""
            t.ok(False, f"{path}: generated", e)
            continue
        pages[path] = text_of(roff)
        has_name = re.search(rf"^\.SH NAME\s*\n(\.P\s*\n)?{re.escape(name)} - \S", pages[path], re.M)
        t.ok(has_name is not None, f"{path}: generated, with a NAME section for {name}")

    help_text = run_hook("--help").stdout
    page1 = pages.get(args.page1, "")
    options = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", help_text)))
    t.ok(len(options) >= 10, f"--help names {len(options)} options", help_text)
    # Each option is a term of the OPTIONS section ("-c, --config-dir DIR" at the start of a line).
    section = re.search(r"^\.SH OPTIONS\s*$(.*?)^\.SH ", page1, re.M | re.S)
    section = section.group(1) if section else ""
    missing = [o for o in options if not re.search(rf"^(-\w, )?{o}(?![\w-])", section, re.M)]
    t.ok(not missing, "oci-injector-hook(1) describes every option of --help under OPTIONS", f"missing: {missing}")
    commands = ["validate", "plan", "cdi", "ldcache"]
    missing = [c for c in commands if not re.search(rf"oci-injector-hook {c}\b", page1)]
    t.ok(not missing, "oci-injector-hook(1) documents every command", f"missing: {missing}")
    defaults = re.search(r"default: (\S+), then (\S+)\)", help_text)
    t.ok(defaults is not None and defaults.group(1) in page1 and defaults.group(2) in page1,
         "oci-injector-hook(1) names the hook's default config folders",
         f"--help says: {defaults.group(0) if defaults else help_text}")

    with open(args.schema) as f:
        schema = json.load(f)
    page5 = pages.get(args.page5, "")
    missing = sorted(w for w in schema_words(schema) if not re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", page5))
    t.ok(not missing, "oci-injector-hook.json(5) documents every key and mount option of the schema",
         f"missing: {missing}")

    if args.page_runtime:
        help_text = subprocess.run([args.runtime, "--injector-help"], capture_output=True, text=True).stdout
        page = pages.get(args.page_runtime, "")
        options = sorted(set(re.findall(r"(?<![\w-])--injector-[a-z-]+", help_text)))
        section = re.search(r"^\.SH OPTIONS\s*$(.*?)^\.SH ", page, re.M | re.S)
        section = section.group(1) if section else ""
        missing = [o for o in options if not re.search(rf"^{o}(?![\w-])", section, re.M)]
        t.ok(len(options) >= 5 and not missing,
             "oci-injector-runtime(1) describes every option of --injector-help under OPTIONS",
             f"options: {options}, missing: {missing}")
        default = re.search(r"default: (/\S+);", help_text)
        t.ok(default is not None and default.group(1) in page, "oci-injector-runtime(1) names its default config",
             help_text)

    if args.groff:
        for path in [p for p, _ in named]:
            r = subprocess.run([args.groff, "-man", "-Tutf8", "-ww", "-z", path], capture_output=True, text=True)
            t.ok(r.returncode == 0 and not r.stderr.strip(), f"{path}: groff renders it without a warning",
                 r.stderr)

    return t.finish()


if __name__ == "__main__":
    raise SystemExit(main())
