#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Counts the individual TAP results of meson test runs (meson-logs/testlog.json) and of plain TAP
files (*.tap), and prints the closing line "N passed, N failed" (", N skipped" when some were).
Arguments may be LABEL:PATH; the label prefixes the names of failures. With CI=true a skip counts as
a failure: a CI run must exercise everything. A plain TAP file counts as whole only with its plan and
as many results as the plan says, and without "Bail out!": otherwise the program that wrote it stopped
early, which is one more failure. Exits 1 when anything failed, or a result file is missing."""
import json
import os
import re
import sys

ci = os.environ.get("CI") == "true"
passed = failed = skipped = 0
failures = []

def tap_file_verdict(text):
    """"OK" for a whole TAP file, else what is wrong with it, in meson's words for a failed test."""
    bail = re.search(r"^Bail out!(.*)$", text, re.M)
    if bail:
        return f"ERROR (Bail out!{bail.group(1)})"
    plan = re.search(r"^1\.\.(\d+)", text, re.M)
    results = len(re.findall(r"^(not )?ok\b", text, re.M))
    if not plan:
        return f"ERROR (no plan after {results} results: it stopped before its end)"
    if int(plan.group(1)) != results:
        return f"ERROR ({results} results of a plan of {plan.group(1)})"
    return "OK"


def tests_of(path):
    """(name, meson result, TAP text, return code) of each test in a result file."""
    if path.endswith(".tap"):
        with open(path) as f:
            text = f.read()
        yield (os.path.basename(path), tap_file_verdict(text), text, None)
        return
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            yield (t["name"], t["result"], t.get("stdout") or "", t.get("returncode"))


for arg in sys.argv[1:]:
    label, path = ("", arg)
    if ":" in arg and not arg.startswith("/"):
        label, path = arg.split(":", 1)
    prefix = f"{label}: " if label else ""
    if not os.path.exists(path):
        failed += 1
        failures.append(f"{prefix}{path}: no results (the build or the run failed)")
        continue
    for name, result, out, returncode in tests_of(path):
        name = prefix + name
        tap = [l for l in out.splitlines() if re.match(r"^(not )?ok\b", l)]
        plan_skip = re.search(r"^1\.\.0 # SKIP (.*)$", out, re.M)
        if result == "SKIP" or plan_skip:
            why = plan_skip.group(1) if plan_skip else "skipped"
            if ci:
                failed += 1
                failures.append(f"{name}: skipped under CI=true ({why})")
            else:
                skipped += 1
            continue
        if not tap:
            # Not a TAP program, or it died before printing: judge by meson's verdict. A whole TAP file
            # without results (a plan of 0) has nothing to count.
            if result == "OK" and path.endswith(".tap"):
                continue
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
                failures.append(f"{name}: {result}")
            continue
        for l in tap:
            desc = l.split(" - ", 1)[-1]
            if re.search(r"#\s*SKIP", l, re.I):
                if ci:
                    failed += 1
                    failures.append(f"{name}: {desc} (skipped under CI=true)")
                else:
                    skipped += 1
            elif l.startswith("not ok") and not re.search(r"#\s*TODO", l, re.I):
                failed += 1
                failures.append(f"{name}: {desc}")
            else:
                passed += 1
        if result not in ("OK", "EXPECTEDFAIL") and not any(l.startswith("not ok") for l in tap):
            # Every line said ok but the program failed (a crash after the last test, a leak report).
            failed += 1
            failures.append(f"{name}: {result}" + (f" (exit status {returncode})" if returncode is not None else ""))

for f in failures:
    print(f"FAILED: {f}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
