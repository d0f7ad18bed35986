#!/usr/bin/env python3
"""Writes small single-layer OCI image layouts for the Harbor / push e2e (tests/e2e/test-harbor.sh).

usage: harbor-images.py OUT_DIR NAME...

Each NAME is one of the kinds below; OUT_DIR/NAME becomes an OCI layout (oci-layout, index.json,
blobs/) with the tag "v1", ready for `skopeo copy oci:OUT_DIR/NAME:v1 docker://…`. Every image has a
Debian 12 /etc/os-release and a marker file unique to its name (so no two images share a digest).

  vuln      a Python package with known advisories (jinja2 2.10 → PYSEC-2019-217 / CVE-2019-10906 in the
            bundled OSV export)
  model     a pickle that calls os.system when loaded
  secret    a GitHub token in /app/.env
  root      a container config that runs as root with a secret-looking environment variable
  plain     nothing but the marker
  pushN     like `vuln` (push-driven scanning test)
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

OUT = sys.argv[1]
NAMES = sys.argv[2:]


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def dist_info(name, version):
    d = f"usr/lib/python3/dist-packages/{name}-{version}.dist-info"
    return {
        f"{d}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{d}/RECORD": b"",
        f"{d}/INSTALLER": b"pip\n",
    }


# A protocol-2 pickle whose loading runs os.system("id"): GLOBAL os.system, a one-tuple, REDUCE.
EVIL_PICKLE = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."


def files_for(name):
    files = {
        "etc/os-release": b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
        b'VERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
        f"app/{name}.txt": f"seawall harbor e2e image {name}\n".encode(),
    }
    env = ["PATH=/usr/local/bin:/usr/bin:/bin"]
    user = "1000:1000"
    if name == "vuln":
        files.update(dist_info("jinja2", "2.10"))
    elif name == "model":
        files["models/evil.pkl"] = EVIL_PICKLE
    elif name == "secret":
        files["app/.env"] = b"GITHUB_TOKEN=ghp_R8fQz2XwL5mN7pK3vT9yB4cD6hJ1sA0eUuGg\n"
    elif name == "root":
        user = ""
        env.append("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY")
    elif name.startswith("push"):
        files.update(dist_info("jinja2", "2.10"))
    elif name != "plain":
        sys.exit(f"unknown image kind {name}")
    return files, env, user


def layer(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        dirs = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                    t.addfile(ti)
            ti = tarfile.TarInfo(path)
            ti.size, ti.mode, ti.mtime = len(files[path]), 0o644, 1700000000
            t.addfile(ti, io.BytesIO(files[path]))
    tar = raw.getvalue()
    return gzip.compress(tar, compresslevel=6, mtime=0), sha(tar)


def write_blob(root, data):
    d = sha(data)
    path = os.path.join(root, "blobs", "sha256", d.split(":")[1])
    with open(path, "wb") as f:
        f.write(data)
    return d


def main():
    for name in NAMES:
        root = os.path.join(OUT, name)
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        files, env, user = files_for(name)
        blob, diff_id = layer(files)
        layer_digest = write_blob(root, blob)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": env, "Cmd": ["python3", "-c", "print(1)"], "WorkingDir": "/app", "User": user},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created_by": f"COPY {name} /"}],
        }
        cfg = json.dumps(config, sort_keys=True).encode()
        cfg_digest = write_blob(root, cfg)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": len(cfg)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                        "size": len(blob)}],
        }
        m = json.dumps(manifest, sort_keys=True).encode()
        m_digest = write_blob(root, m)
        index = {"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m_digest, "size": len(m),
            "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}
        with open(os.path.join(root, "index.json"), "w") as f:
            json.dump(index, f)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        print(f"{name}\t{m_digest}")


main()
