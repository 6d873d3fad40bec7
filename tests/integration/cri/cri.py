#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small CRI client that plays the kubelet against containerd's CRI plugin, over the CRI gRPC API
(runtime.v1), for the integration tests. The messages come from cri.proto beside it, compiled with
protoc into a temporary folder on each run.

  cri.py SOCKET version
  cri.py SOCKET up --name N --log-dir DIR [--handler H] [--annotation K=V]... [--env K=V]...
                   --image IMAGE -- COMMAND...
      RunPodSandbox (host network: no CNI), CreateContainer, StartContainer, then waits for the
      container to exit. Prints one JSON object: sandbox_id, sandbox_pid, container_id, exit_code,
      log (the container's output); or sandbox_id and error when a call failed (exit status 1).
      The pod stays: `down` removes it.
  cri.py SOCKET down SANDBOX_ID
      StopPodSandbox and RemovePodSandbox (which removes its containers)."""
import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))


def load_messages():
    with tempfile.TemporaryDirectory(prefix="oih-cri-") as out:
        subprocess.run(["protoc", f"--proto_path={HERE}", f"--python_out={out}", "cri.proto"], check=True)
        sys.path.insert(0, out)
        module = importlib.import_module("cri_pb2")
        sys.path.remove(out)
        return module


class Runtime:
    """The calls of RuntimeService, made by name: no generated stubs needed."""

    def __init__(self, pb, socket):
        self.pb = pb
        self.channel = grpc.insecure_channel(f"unix://{socket}")

    def call(self, name, request):
        response = getattr(self.pb, name + "Response")
        method = self.channel.unary_unary(f"/runtime.v1.RuntimeService/{name}",
                                          request_serializer=request.SerializeToString,
                                          response_deserializer=response.FromString)
        return method(request, timeout=120)


def key_values(pairs):
    return dict(p.split("=", 1) for p in pairs)


def up(rt, pb, a):
    annotations = key_values(a.annotation)
    os.makedirs(a.log_dir, exist_ok=True)
    sandbox_config = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=a.name, uid=a.name + "-uid", namespace="oih-test"),
        hostname="",
        log_directory=a.log_dir,
        annotations=annotations,
        linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
            namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD))),
    )
    sandbox_id = rt.call("RunPodSandbox", pb.RunPodSandboxRequest(config=sandbox_config,
                                                                   runtime_handler=a.handler)).pod_sandbox_id
    result = {"sandbox_id": sandbox_id}
    try:
        status = rt.call("PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id, verbose=True))
        result["sandbox_pid"] = json.loads(status.info["info"])["pid"]
        config = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name="app"),
            image=pb.ImageSpec(image=a.image),
            command=a.command,
            envs=[pb.KeyValue(key=k, value=v) for k, v in key_values(a.env).items()],
            log_path="app.log",
        )
        cid = rt.call("CreateContainer", pb.CreateContainerRequest(pod_sandbox_id=sandbox_id, config=config,
                                                                   sandbox_config=sandbox_config)).container_id
        result["container_id"] = cid
        rt.call("StartContainer", pb.StartContainerRequest(container_id=cid))
        deadline = time.monotonic() + 60
        while True:
            s = rt.call("ContainerStatus", pb.ContainerStatusRequest(container_id=cid)).status
            if s.state == pb.CONTAINER_EXITED or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        result["exit_code"] = s.exit_code if s.state == pb.CONTAINER_EXITED else None
        with open(os.path.join(a.log_dir, "app.log")) as f:
            # CRI log lines: "TIME STREAM TAG TEXT".
            result["log"] = "".join(line.split(" ", 3)[3] for line in f if line.count(" ") >= 3)
    except grpc.RpcError as e:
        result["error"] = e.details()
        print(json.dumps(result))
        return 1
    print(json.dumps(result))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("version")
    u = sub.add_parser("up")
    u.add_argument("--name", required=True)
    u.add_argument("--log-dir", required=True)
    u.add_argument("--handler", default="")
    u.add_argument("--annotation", action="append", default=[])
    u.add_argument("--env", action="append", default=[])
    u.add_argument("--image", required=True)
    u.add_argument("command", nargs="+")
    d = sub.add_parser("down")
    d.add_argument("sandbox_id")
    a = p.parse_args()

    pb = load_messages()
    rt = Runtime(pb, a.socket)
    try:
        if a.what == "version":
            v = rt.call("Version", pb.VersionRequest(version="v1"))
            print(v.runtime_name, v.runtime_version, v.runtime_api_version)
            return 0
        if a.what == "down":
            rt.call("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=a.sandbox_id))
            rt.call("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=a.sandbox_id))
            return 0
        return up(rt, pb, a)
    except grpc.RpcError as e:
        print(json.dumps({"error": e.details()}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
