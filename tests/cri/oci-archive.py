#!/usr/bin/python3
"""Writes a one-layer OCI image archive (an image layout in a tar) from a directory, without a registry:

    oci-archive.py [--user USER] OUT.tar NAME ROOTFS-DIR [ENTRYPOINT...]

NAME (e.g. localhost/skiff-pause:1) is the annotation `io.containerd.image.name`, the name
`ctr images import` gives the image. The layer is an uncompressed tar of ROOTFS-DIR (owners, modes and
symlinks kept); the config is for this machine's architecture, with ENTRYPOINT, a default PATH and
USER (the image's `User`, e.g. 65535:65535) when given.
"""

import hashlib
import io
import json
import os
import sys
import tarfile

ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
                 "s390x": "s390x", "riscv64": "riscv64"}


def blob(archive, data, media_type):
    """Adds DATA as a blob; returns its descriptor."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    add_file(archive, "blobs/sha256/" + digest.split(":")[1], data)
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def add_file(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def layer_of(rootfs):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w", format=tarfile.PAX_FORMAT) as layer:
        for entry in sorted(os.listdir(rootfs)):
            layer.add(os.path.join(rootfs, entry), arcname=entry)
    return data.getvalue()


def main():
    args = sys.argv[1:]
    user = ""
    if args[:1] == ["--user"] and len(args) > 1:
        user, args = args[1], args[2:]
    if len(args) < 3:
        sys.exit(f"usage: {sys.argv[0]} [--user USER] OUT.tar NAME ROOTFS-DIR [ENTRYPOINT...]")
    out, name, rootfs, entrypoint = args[0], args[1], args[2], args[3:]
    layer = layer_of(rootfs)
    config = {
        "architecture": ARCHITECTURES.get(os.uname().machine, os.uname().machine),
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Entrypoint": entrypoint or None, "WorkingDir": "/", "User": user},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
    }
    with tarfile.open(out, "w") as archive:
        add_file(archive, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(archive, json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
            "layers": [blob(archive, layer, "application/vnd.oci.image.layer.v1.tar")],
        }
        descriptor = blob(archive, json.dumps(manifest).encode(), manifest["mediaType"])
        descriptor["annotations"] = {"io.containerd.image.name": name}
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [descriptor]}
        add_file(archive, "index.json", json.dumps(index).encode())


if __name__ == "__main__":
    main()
