# SPDX-License-Identifier: Apache-2.0
"""What the catalogue tests share: TAP output, the built hook run on temporary config folders, and the
JSON Schema. The hook comes from $OIH_HOOK (meson sets it to the build's binary)."""
import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile


class Tap:
    """TAP version 12 as meson reads it: one line per check, the plan at the end."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, passed, description, diagnostics=""):
        self.count += 1
        # '#' starts a TAP directive, and a description is one line.
        description = " ".join(description.replace("#", "%23").split())
        print(f"{'ok' if passed else 'not ok'} {self.count} - {description}")
        if not passed:
            self.failed += 1
            for line in str(diagnostics).splitlines():
                print(f"#   {line}")
        sys.stdout.flush()
        return passed

    def skip(self, description, reason):
        self.count += 1
        print(f"ok {self.count} - {description} # SKIP {reason}")
        sys.stdout.flush()

    def finish(self):
        print(f"1..{self.count}")
        return 1 if self.failed else 0


def bail(why):
    print(f"Bail out! {why}")
    sys.exit(1)


def hook():
    path = os.environ.get("OIH_HOOK")
    if not path or not os.access(path, os.X_OK):
        bail(f"OIH_HOOK is not the built oci-injector-hook ({path!r}); run through 'meson test'")
    return path


@contextlib.contextmanager
def config_dir(files):
    """A temporary config folder holding copies of `files` (paths), mode 0755 and 0644: the hook refuses
    folders and files that group or others can write, whatever modes the checkout gave them."""
    with tempfile.TemporaryDirectory(prefix="oih-catalogue-") as d:
        os.chmod(d, 0o755)
        for f in files:
            target = os.path.join(d, os.path.basename(f))
            shutil.copyfile(f, target)
            os.chmod(target, 0o644)
        yield d


def run_hook(*args, stdin=None):
    return subprocess.run([hook(), *args], input=stdin, capture_output=True, text=True, errors="replace",
                          timeout=60)


_modules_dir = None


def modules_dir():
    """A modules folder for libkmod in which the modules the sample configs name are built in: validate
    looks modules up (these machines' kernel has no modules folder). Made once, with the host's depmod."""
    global _modules_dir
    if _modules_dir is None:
        base = tempfile.mkdtemp(prefix="oih-catalogue-modules-")
        atexit.register(shutil.rmtree, base, True)
        version = "1.0.0-oihtest"
        d = os.path.join(base, "lib", "modules", version)
        os.makedirs(d)
        names = ["fuse", "tun", "nvidia-uvm", "snd_hda_intel"]
        with open(os.path.join(d, "modules.builtin"), "w") as f:
            f.writelines(f"kernel/drivers/misc/{n}.ko\n" for n in names)
        # What a kernel build writes about built-in modules: here, fuse's alias for its device number.
        with open(os.path.join(d, "modules.builtin.modinfo"), "wb") as f:
            f.write(b"fuse.alias=char-major-10-229\0")
        open(os.path.join(d, "modules.order"), "w").close()
        subprocess.run(["depmod", "-b", base, version], check=True, stderr=subprocess.DEVNULL)
        _modules_dir = d
    return _modules_dir


def validate(folder):
    """Runs 'oci-injector-hook validate' on one folder: (exit status, problem lines, stderr)."""
    r = run_hook("validate", "--config-dir", folder, "--modules-dir", modules_dir())
    return r.returncode, r.stdout.splitlines(), r.stderr


def validate_text(name, text):
    """validate on a folder holding one file `name` with `text`."""
    with tempfile.TemporaryDirectory(prefix="oih-catalogue-") as d:
        os.chmod(d, 0o755)
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return validate(d)


def load_schema(path):
    """(validator, None), or (None, why) when python3-jsonschema is missing."""
    try:
        import jsonschema
    except ImportError:
        return None, "python3-jsonschema is not installed (tests/deps.sh installs it)"
    with open(path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema), None


def schema_verdict(validator, path):
    """(accepted, where, why) of the JSON Schema for one file: `where` is the place of the most relevant
    error ("mounts/0/options"; "" for the top), or None when the file is not JSON, which is not accepted."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except ValueError as e:
        return False, None, f"not JSON: {e}"
    import jsonschema

    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is None:
        return True, "", "accepted"
    where = "/".join(map(str, error.absolute_path))
    return False, where, f"{where or '(top)'}: {error.message}"
