# SPDX-License-Identifier: Apache-2.0
"""The Kubernetes manifests of deploy/kubernetes, checked without a cluster: kubectl (a client only, no
server) reads every document as it would send it (`kubectl annotate --local`); then the fields these
manifests use are checked against the API's shape (required fields, types, unknown keys that a server's
strict validation would refuse), the references between them (selector and labels, volumes and mounts,
the RuntimeClass's handler and install.sh's, the example pod's annotation and a config's
activation_annotation), and the hook configs of the ConfigMap with `oci-injector-hook validate`.

Usage: test-deploy.py DEPLOY_DIR [--kubectl KUBECTL]"""
import argparse
import json
import os
import re
import subprocess
import tempfile

import yaml

from catalogue import Tap, run_hook

STR, INT, BOOL, LIST, MAP = str, int, bool, list, dict

# The fields of the API objects (core/v1, apps/v1, node.k8s.io/v1) that the manifests may use, with their
# types; an object's nested shape is a dict of its own. Keys not listed are refused: a typo there is a
# field a server ignores or refuses.
META = {"name": STR, "namespace": STR, "labels": MAP, "annotations": MAP}
ENV = {"name": STR, "value": STR}
MOUNT = {"name": STR, "mountPath": STR, "readOnly": BOOL, "mountPropagation": STR}
RESOURCES = {"requests": MAP, "limits": MAP}
CONTAINER = {"name": STR, "image": STR, "imagePullPolicy": STR, "command": [STR], "args": [STR], "env": [ENV],
             "securityContext": {"privileged": BOOL, "runAsUser": INT}, "volumeMounts": [MOUNT],
             "resources": RESOURCES}
VOLUME = {"name": STR, "hostPath": {"path": STR, "type": STR}, "configMap": {"name": STR, "defaultMode": INT}}
TOLERATION = {"operator": STR, "key": STR, "effect": STR, "value": STR}
POD_SPEC = {"containers": [CONTAINER], "initContainers": [CONTAINER], "volumes": [VOLUME], "hostPID": BOOL,
            "priorityClassName": STR, "tolerations": [TOLERATION], "runtimeClassName": STR,
            "restartPolicy": STR, "nodeSelector": MAP, "serviceAccountName": STR}
KINDS = {
    ("v1", "Namespace"): {"metadata": META},
    ("v1", "ConfigMap"): {"metadata": META, "data": MAP},
    ("v1", "Pod"): {"metadata": META, "spec": POD_SPEC},
    ("apps/v1", "DaemonSet"): {"metadata": META, "spec": {
        "selector": {"matchLabels": MAP}, "updateStrategy": {"type": STR},
        "template": {"metadata": META, "spec": POD_SPEC}}},
    ("node.k8s.io/v1", "RuntimeClass"): {"metadata": META, "handler": STR},
}
REQUIRED = {"metadata": ["name"], "container": ["name", "image"], "volume": ["name"], "mount": ["name", "mountPath"]}
HOST_PATH_TYPES = {"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice",
                   "BlockDevice"}


def shape_problems(value, shape, where):
    """Every place where value does not have the shape."""
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        return [p for i, v in enumerate(value) for p in shape_problems(v, shape[0], f"{where}[{i}]")]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        problems = [f"{where}.{k}: not a field of this object" for k in value if k not in shape]
        for k, v in value.items():
            if k in shape:
                problems += shape_problems(v, shape[k], f"{where}.{k}")
        return problems
    if shape is MAP:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return [f"{where}: expected a map of strings"]
        return []
    if not isinstance(value, shape) or (shape is INT and isinstance(value, bool)):
        return [f"{where}: expected {shape.__name__}, got {type(value).__name__}"]
    return []


def json_stream(text):
    """The JSON values of a text that holds several, one after another (kubectl prints one per object)."""
    decoder, i = json.JSONDecoder(), 0
    while i < len(text):
        value, i = decoder.raw_decode(text, i)
        yield value
        while i < len(text) and text[i].isspace():
            i += 1


def pod_spec_problems(spec, where, configmaps):
    problems = []
    containers = spec.get("initContainers", []) + spec.get("containers", [])
    if not spec.get("containers"):
        problems.append(f"{where}.containers: a pod needs at least one")
    volumes = {v.get("name"): v for v in spec.get("volumes", [])}
    for c in containers:
        problems += [f"{where}: a container without {k}" for k in REQUIRED["container"] if not c.get(k)]
        for m in c.get("volumeMounts", []):
            if m.get("name") not in volumes:
                problems.append(f"{where}: container {c.get('name')} mounts {m.get('name')}, which is no volume")
            if not str(m.get("mountPath", "")).startswith("/"):
                problems.append(f"{where}: mountPath {m.get('mountPath')} is not absolute")
    for name, v in volumes.items():
        sources = [k for k in v if k != "name"]
        if len(sources) != 1:
            problems.append(f"{where}: volume {name} has {len(sources)} sources")
        if "hostPath" in v:
            if not v["hostPath"].get("path", "").startswith("/"):
                problems.append(f"{where}: volume {name}: hostPath is not absolute")
            if v["hostPath"].get("type", "") not in HOST_PATH_TYPES:
                problems.append(f"{where}: volume {name}: unknown hostPath type")
        if "configMap" in v and v["configMap"].get("name") not in configmaps:
            problems.append(f"{where}: volume {name} names ConfigMap {v['configMap'].get('name')}, defined nowhere")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("deploy")
    ap.add_argument("--kubectl")
    args = ap.parse_args()
    t = Tap()

    files = sorted(f for f in os.listdir(args.deploy) if f.endswith(".yaml"))
    t.ok({"daemonset.yaml", "runtimeclass.yaml", "example-pod.yaml"} <= set(files), f"the manifests: {files}")
    docs = []
    for f in files:
        path = os.path.join(args.deploy, f)
        with open(path) as fh:
            loaded = [d for d in yaml.safe_load_all(fh) if d is not None]
        docs += [(f, d) for d in loaded]
        if args.kubectl:
            # A client without a server: annotate --local reads the file as kubectl sends it (YAML, the
            # documents, apiVersion and kind of each) and prints what it would send.
            r = subprocess.run([args.kubectl, "annotate", "--local", "-f", path, "oih-check=1", "-o", "json"],
                               capture_output=True, text=True, env={"PATH": os.environ.get("PATH", ""),
                                                                     "KUBECONFIG": "/nonexistent"})
            out, count = r.stdout.strip(), 0
            if r.returncode == 0:
                for obj in json_stream(out):
                    count += len(obj.get("items", [])) if obj.get("kind") == "List" else 1
            t.ok(r.returncode == 0 and count == len(loaded), f"{f}: kubectl reads its {len(loaded)} objects",
                 r.stderr or out[:500])
        else:
            t.skip(f"{f}: kubectl reads it", "no kubectl")

    configmaps, by_kind = {}, {}
    for f, d in docs:
        key = (d.get("apiVersion"), d.get("kind"))
        by_kind.setdefault(d.get("kind"), []).append(d)
        if d.get("kind") == "ConfigMap":
            configmaps[d.get("metadata", {}).get("name")] = d
        shape = KINDS.get(key)
        if not t.ok(shape is not None, f"{f}: {key[1]} {key[0]} is a kind these checks know", json.dumps(d)[:300]):
            continue
        name = d.get("metadata", {}).get("name", "")
        problems = shape_problems({k: v for k, v in d.items() if k not in ("apiVersion", "kind")}, shape, key[1])
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name or ""):
            problems.append(f"metadata.name {name!r} is not a DNS name")
        t.ok(not problems, f"{f}: {key[1]} {name}: every field is the API's, with its type", "\n".join(problems))

    ds = by_kind.get("DaemonSet", [{}])[0]
    spec = ds.get("spec", {})
    template = spec.get("template", {})
    labels = template.get("metadata", {}).get("labels", {})
    selector = spec.get("selector", {}).get("matchLabels", {})
    t.ok(selector and all(labels.get(k) == v for k, v in selector.items()),
         "DaemonSet: the selector matches the template's labels", f"{selector} / {labels}")
    problems = pod_spec_problems(template.get("spec", {}), "DaemonSet", configmaps)
    t.ok(not problems, "DaemonSet: every mount has its volume, host paths are absolute, ConfigMaps exist",
         "\n".join(problems))
    init = {c["name"]: c for c in template.get("spec", {}).get("initContainers", [])}.get("install", {})
    env = {e["name"]: e.get("value", "") for e in init.get("env", [])}
    t.ok(init.get("command", [""])[0] == "/opt/oci-injector-hook/install.sh"
         and init.get("securityContext", {}).get("privileged") is True,
         "DaemonSet: the privileged init container runs install.sh from the image", json.dumps(init)[:300])
    with open(os.path.join(args.deploy, "install.sh")) as fh:
        install = fh.read()
    settings = set(re.findall(r"^#   ([A-Z_]+) ", install, re.M))
    t.ok(set(env) <= settings, "DaemonSet: every setting given to install.sh is one it documents",
         f"unknown: {sorted(set(env) - settings)}")
    mounts = {m.get("mountPath") for m in init.get("volumeMounts", [])}
    host_root = env.get("HOST_ROOT", "/host")
    needed = {host_root + "/etc", host_root + "/opt/oci-injector-hook"}
    t.ok(needed <= mounts, "DaemonSet: the node folders install.sh writes are mounted under HOST_ROOT",
         f"needed {sorted(needed)}, mounted {sorted(mounts)}")

    rc = by_kind.get("RuntimeClass", [{}])[0]
    default_handler = re.search(r"^HANDLER=\$\{HANDLER:-([^}]+)\}", install, re.M)
    t.ok(rc.get("handler") == env.get("HANDLER") == (default_handler and default_handler.group(1)),
         "RuntimeClass: its handler is the one install.sh registers",
         f"{rc.get('handler')} / {env.get('HANDLER')} / {default_handler and default_handler.group(1)}")

    pod = by_kind.get("Pod", [{}])[0]
    t.ok(pod.get("spec", {}).get("runtimeClassName") == rc.get("metadata", {}).get("name"),
         "the example pod names the RuntimeClass")
    problems = pod_spec_problems(pod.get("spec", {}), "Pod", configmaps)
    t.ok(not problems, "the example pod's spec holds together", "\n".join(problems))

    configs = {}
    for cm in configmaps.values():
        configs.update(cm.get("data", {}))
    activations = {json.loads(text).get("activation_annotation") for text in configs.values()}
    pod_annotations = pod.get("metadata", {}).get("annotations", {})
    opted = [f"{k}={v}" for k, v in pod_annotations.items() if f"{k}={v}" in activations]
    t.ok(opted, "the example pod's annotation activates a config of the ConfigMap",
         f"{pod_annotations} / {activations}")
    allowed = env.get("POD_ANNOTATIONS", "").split()
    t.ok(all(any(re.fullmatch(re.escape(p).replace(r"\*", ".*"), a.split("=")[0]) for p in allowed) for a in opted),
         "the annotation is one the handler passes to containers (pod_annotations)", f"{allowed} / {opted}")

    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        for name, text in configs.items():
            with open(os.path.join(d, name), "w") as fh:
                fh.write(text)
        r = run_hook("validate", "--config-dir", d)
        t.ok(r.returncode == 0, f"the ConfigMap's {len(configs)} hook configs validate", r.stdout + r.stderr)

    return t.finish()


if __name__ == "__main__":
    raise SystemExit(main())
