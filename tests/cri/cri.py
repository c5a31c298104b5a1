#!/usr/bin/python3
"""A Kubernetes CRI v1 client for the tests: the calls the kubelet makes, one per subcommand.

    cri.py --socket SOCK [--timeout SECONDS] COMMAND ARGS...

The gRPC stubs are compiled from api.proto (beside this file, k8s.io/cri-api v0.25.16, Apache-2.0: see
LICENSE) with Debian's python3-grpc-tools the first time they are needed, into $SKIFF_CRI_GEN (default
~/.cache/skiff-cri/<hash of api.proto>). They are not committed: protoc's Python output is tied to the
protobuf runtime it was made for, and compiling from the one .proto keeps them matched to the host's.
The gogoproto lines of api.proto are Go code-generation options only and are dropped before compiling.

Configs are read as JSON in the proto's field names (PodSandboxConfig, ContainerConfig,
LinuxContainerResources); answers are printed as JSON in the proto's field names, default values included,
with the JSON strings of a verbose answer's `info` map decoded. A failed call prints
`cri.py: METHOD: CODE: DETAILS` on stderr and exits 1.

Commands:
  version                          Version
  runp POD.json [HANDLER]          RunPodSandbox (runtime_handler HANDLER); prints the sandbox id
  inspectp [-v] POD_ID             PodSandboxStatus
  pods                             ListPodSandbox
  stopp POD_ID / rmp POD_ID        StopPodSandbox / RemovePodSandbox
  create POD_ID CTR.json POD.json  CreateContainer; prints the container id
  start ID                         StartContainer
  inspect [-v] ID                  ContainerStatus
  ps                               ListContainers
  exec [-t SECONDS] ID CMD...      ExecSync: the command's stdout and stderr, exits with its exit code
  stats ID                         ContainerStats
  update ID RESOURCES.json         UpdateContainerResources (linux resources)
  stop [-t SECONDS] ID / rm ID     StopContainer / RemoveContainer
  images / imagestatus REF         ListImages / ImageStatus
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "api.proto")


def die(message):
    print(f"cri.py: {message}", file=sys.stderr)
    sys.exit(1)


def stubs_dir():
    with open(PROTO, "rb") as f:
        source = f.read()
    gen = os.environ.get("SKIFF_CRI_GEN") or os.path.join(
        os.path.expanduser("~/.cache/skiff-cri"), hashlib.sha256(source).hexdigest()[:16])
    if os.path.exists(os.path.join(gen, "api_pb2_grpc.py")):
        return gen
    os.makedirs(os.path.dirname(gen) or ".", exist_ok=True)
    # compiled beside the final place and renamed into it: concurrent first uses do not see half a module
    work = tempfile.mkdtemp(prefix=".cri-gen-", dir=os.path.dirname(gen) or ".")
    kept = [line for line in source.decode().splitlines(keepends=True)
            if not line.startswith('import "github.com/gogo/') and not line.startswith("option (gogoproto.")]
    with open(os.path.join(work, "api.proto"), "w") as f:
        f.writelines(kept)
    result = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", work, "--python_out", work,
                             "--grpc_python_out", work, os.path.join(work, "api.proto")],
                            capture_output=True, text=True)
    if result.returncode != 0:
        die(f"protoc failed on {PROTO}: {result.stderr.strip()}")
    try:
        os.rename(work, gen)
    except OSError:
        # another first use got there before: its stubs are the same
        shutil.rmtree(work, ignore_errors=True)
        if not os.path.exists(os.path.join(gen, "api_pb2_grpc.py")):
            raise
    return gen


sys.path.insert(0, stubs_dir())
import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
import api_pb2 as pb  # noqa: E402
import api_pb2_grpc as pb_grpc  # noqa: E402


def to_json(message):
    answer = json_format.MessageToDict(message, preserving_proto_field_name=True,
                                       including_default_value_fields=True)
    info = answer.get("info")
    if isinstance(info, dict):
        for key, value in info.items():
            try:
                info[key] = json.loads(value)
            except ValueError:
                pass
    print(json.dumps(answer, indent=1, sort_keys=True))


def load(path, message):
    with open(path) as f:
        return json_format.Parse(f.read(), message)


def options(args, flags):
    """Takes the leading flags off args: flags maps each to whether it takes a value."""
    found = {}
    while args and args[0] in flags:
        flag = args.pop(0)
        if flags[flag]:
            if not args:
                die(f"{flag} needs a value")
            found[flag] = args.pop(0)
        else:
            found[flag] = True
    return found


class Client:
    def __init__(self, socket, timeout):
        self.channel = grpc.insecure_channel("unix:" + socket)
        self.runtime = pb_grpc.RuntimeServiceStub(self.channel)
        self.images = pb_grpc.ImageServiceStub(self.channel)
        self.timeout = timeout

    def call(self, method, request, timeout=None, service=None):
        try:
            stub = service or self.runtime
            return getattr(stub, method)(request, timeout=timeout or self.timeout)
        except grpc.RpcError as e:
            die(f"{method}: {e.code().name}: {e.details()}")


def exec_sync(client, flags, args):
    seconds = int(flags.get("-t", 0))
    request = pb.ExecSyncRequest(container_id=args[0], cmd=args[1:], timeout=seconds)
    # the call outlives the command's own timeout
    answer = client.call("ExecSync", request, timeout=seconds + client.timeout)
    sys.stdout.buffer.write(answer.stdout)
    sys.stderr.buffer.write(answer.stderr)
    sys.stdout.flush()
    sys.exit(answer.exit_code)


def stop(client, flags, args):
    seconds = int(flags.get("-t", 0))
    client.call("StopContainer", pb.StopContainerRequest(container_id=args[0], timeout=seconds),
                timeout=seconds + client.timeout)


# name: (flags (taking a value or not), least number of arguments, what it does)
COMMANDS = {
    "version": ({}, 0, lambda c, f, a: to_json(c.call("Version", pb.VersionRequest(version="v1")))),
    "runp": ({}, 1, lambda c, f, a: print(c.call("RunPodSandbox", pb.RunPodSandboxRequest(
        config=load(a[0], pb.PodSandboxConfig()), runtime_handler=a[1] if len(a) > 1 else "")).pod_sandbox_id)),
    "inspectp": ({"-v": False}, 1, lambda c, f, a: to_json(c.call("PodSandboxStatus", pb.PodSandboxStatusRequest(
        pod_sandbox_id=a[0], verbose="-v" in f)))),
    "pods": ({}, 0, lambda c, f, a: to_json(c.call("ListPodSandbox", pb.ListPodSandboxRequest()))),
    "stopp": ({}, 1, lambda c, f, a: c.call("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=a[0]))),
    "rmp": ({}, 1, lambda c, f, a: c.call("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=a[0]))),
    "create": ({}, 3, lambda c, f, a: print(c.call("CreateContainer", pb.CreateContainerRequest(
        pod_sandbox_id=a[0], config=load(a[1], pb.ContainerConfig()),
        sandbox_config=load(a[2], pb.PodSandboxConfig()))).container_id)),
    "start": ({}, 1, lambda c, f, a: c.call("StartContainer", pb.StartContainerRequest(container_id=a[0]))),
    "inspect": ({"-v": False}, 1, lambda c, f, a: to_json(c.call("ContainerStatus", pb.ContainerStatusRequest(
        container_id=a[0], verbose="-v" in f)))),
    "ps": ({}, 0, lambda c, f, a: to_json(c.call("ListContainers", pb.ListContainersRequest()))),
    "exec": ({"-t": True}, 2, exec_sync),
    "stats": ({}, 1, lambda c, f, a: to_json(c.call("ContainerStats", pb.ContainerStatsRequest(container_id=a[0])))),
    "update": ({}, 2, lambda c, f, a: c.call("UpdateContainerResources", pb.UpdateContainerResourcesRequest(
        container_id=a[0], linux=load(a[1], pb.LinuxContainerResources())))),
    "stop": ({"-t": True}, 1, stop),
    "rm": ({}, 1, lambda c, f, a: c.call("RemoveContainer", pb.RemoveContainerRequest(container_id=a[0]))),
    "images": ({}, 0, lambda c, f, a: to_json(c.call("ListImages", pb.ListImagesRequest(), service=c.images))),
    "imagestatus": ({}, 1, lambda c, f, a: to_json(c.call("ImageStatus", pb.ImageStatusRequest(
        image=pb.ImageSpec(image=a[0])), service=c.images))),
}


def main():
    args = sys.argv[1:]
    flags = options(args, {"--socket": True, "--timeout": True})
    if "--socket" not in flags or not args:
        die(f"usage: {sys.argv[0]} --socket SOCK [--timeout SECONDS] COMMAND ARGS... (see {__file__})")
    command = args.pop(0)
    if command not in COMMANDS:
        die(f"unknown command {command!r} (see the top of {__file__})")
    command_flags, needed, action = COMMANDS[command]
    found = options(args, command_flags)
    if len(args) < needed:
        die(f"{command}: needs {needed} argument(s)")
    action(Client(flags["--socket"], float(flags.get("--timeout", 60))), found, args)


if __name__ == "__main__":
    main()
