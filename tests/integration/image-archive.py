#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a container image archive in the format of `docker save` (manifest.json, the image config,
one layer), which `docker load` and `ctr images import` read, from a root folder: the tests' images
without a registry.

Usage: image-archive.py ROOTFS NAME:TAG OUT.tar [--env K=V]... [CMD...]"""
import argparse
import hashlib
import io
import json
import tarfile

p = argparse.ArgumentParser()
p.add_argument("rootfs")
p.add_argument("name")
p.add_argument("out")
p.add_argument("--env", action="append", default=["PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
p.add_argument("cmd", nargs="*")
a = p.parse_args()

layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    t.add(a.rootfs, arcname=".")
layer_bytes = layer.getvalue()
diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()

config = {
    "architecture": "amd64",
    "os": "linux",
    "config": {"Env": a.env, "Cmd": a.cmd or ["/bin/sh"]},
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    "history": [{"created_by": "oci-injector-hook tests/integration/image-archive.py"}],
}
config_bytes = json.dumps(config).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
layer_name = diff_id[len("sha256:"):] + "/layer.tar"
manifest = [{"Config": config_name, "RepoTags": [a.name], "Layers": [layer_name]}]


def add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    t.addfile(info, io.BytesIO(data))


with tarfile.open(a.out, mode="w") as t:
    add(t, layer_name, layer_bytes)
    add(t, config_name, config_bytes)
    add(t, "manifest.json", json.dumps(manifest).encode())
