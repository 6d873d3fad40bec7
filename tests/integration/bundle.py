#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes an OCI bundle's config.json for the integration tests, starting from `runc spec` (the
defaults runc itself uses: namespaces, /proc, /dev, /sys mounts, capabilities, masked paths)."""
import argparse
import json
import os
import subprocess

p = argparse.ArgumentParser()
p.add_argument("bundle")
p.add_argument("--rootfs", default="rootfs")
p.add_argument("--cmd", required=True, help="shell command run by /bin/sh -c in the container")
p.add_argument("--env", action="append", default=[])
p.add_argument("--annotation", action="append", default=[])
p.add_argument("--hook", action="append", default=[],
               help="STAGE=PATH[,ARG...]: one hook; args[0] is PATH's basename")
p.add_argument("--hook-env", action="append", default=[],
               help="VAR=VALUE added to every hook's env, after PATH")
p.add_argument("--readonly", action="store_true")
p.add_argument("--userns", action="store_true", help="map container ids 0-65535 to host 100000-165535")
p.add_argument("--propagation", help="rootfsPropagation")
p.add_argument("--no-mount-namespace", action="store_true")
p.add_argument("--volume", action="append", default=[],
               help="HOST:CONTAINER: a bind mount of a host folder or file, as a volume of Docker, podman or Kubernetes")
p.add_argument("--cgroups-path", help="linux.cgroupsPath")
a = p.parse_args()

config = os.path.join(a.bundle, "config.json")
if os.path.exists(config):
    os.unlink(config)
subprocess.run(["runc", "spec", "--bundle", a.bundle], check=True)
with open(config) as f:
    c = json.load(f)

c["root"] = {"path": a.rootfs, "readonly": a.readonly}
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/sh", "-c", a.cmd]
c["process"]["env"] += a.env
c["hostname"] = "oih-test"
if a.annotation:
    c["annotations"] = dict(kv.split("=", 1) for kv in a.annotation)
if a.propagation:
    c["linux"]["rootfsPropagation"] = a.propagation
if a.cgroups_path:
    c["linux"]["cgroupsPath"] = a.cgroups_path
if a.no_mount_namespace:
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "mount"]
if a.userns:
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    # sysfs cannot be mounted from a user namespace without a network namespace of its own: bind it.
    for m in c["mounts"]:
        if m["destination"] == "/sys":
            m.update({"type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]})
for v in a.volume:
    source, destination = v.split(":", 1)
    c["mounts"].append({"destination": destination, "type": "bind", "source": source, "options": ["rbind", "rw"]})
hooks = {}
for h in a.hook:
    stage, spec = h.split("=", 1)
    parts = spec.split(",")
    hooks.setdefault(stage, []).append(
        {"path": parts[0], "args": [os.path.basename(parts[0])] + parts[1:],
         "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] + a.hook_env})
if hooks:
    c["hooks"] = hooks
with open(config, "w") as f:
    json.dump(c, f, indent=1)
