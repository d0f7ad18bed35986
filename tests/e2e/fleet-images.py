#!/usr/bin/env python3
"""Builds N small images that share a debootstrap base layer and pushes them to a registry over the
distribution API (no engine needed): layers are tars made here, exactly what a layer is.

usage: fleet-images.py ROOTFS_TAR REGISTRY(host:port) COUNT OUT_DIR [REPO_PREFIX]

Every image = [base (the rootfs tar, gzip -1, pushed once and mounted into other repositories),
shared middle layer (half of the images), a unique top layer (a marker file, a Python package with an
image-specific version, for some images a planted token)]. Writes OUT_DIR/images.tsv:
"reference<TAB>manifest digest<TAB>config digest<TAB>jinja2 version".
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.error
import urllib.request

ROOTFS, REGISTRY, COUNT, OUT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
PREFIX = sys.argv[5] if len(sys.argv) > 5 else "fleet/app"
os.makedirs(OUT, exist_ok=True)
BASE = f"http://{REGISTRY}"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def push_blob(repo, blob, digest, mount_from=None):
    status, _, _ = request("HEAD", f"{BASE}/v2/{repo}/blobs/{digest}")
    if status == 200:
        return
    if mount_from:
        status, h, _ = request("POST", f"{BASE}/v2/{repo}/blobs/uploads/?mount={digest}&from={mount_from}")
        if status == 201:
            return
    else:
        status, h, _ = request("POST", f"{BASE}/v2/{repo}/blobs/uploads/")
    assert status == 202, (status, repo)
    loc = h.get("Location") or h.get("location")
    if loc.startswith("/"):
        loc = BASE + loc
    sep = "&" if "?" in loc else "?"
    status, _, body = request("PUT", f"{loc}{sep}digest={digest}", data=blob,
                              headers={"Content-Type": "application/octet-stream"})
    assert status == 201, (status, body[:200])


def layer(files):
    """A gzip layer from {path: bytes}; returns (blob, digest, diff_id, size)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        dirs = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d and d not in dirs:
                    dirs.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                    t.addfile(ti)
            ti = tarfile.TarInfo(path)
            ti.size, ti.mode, ti.mtime = len(files[path]), 0o644, 1700000000
            t.addfile(ti, io.BytesIO(files[path]))
    tar = raw.getvalue()
    blob = gzip.compress(tar, compresslevel=1, mtime=0)
    return blob, sha(blob), sha(tar), len(blob)


def base_layer():
    cache = ROOTFS + ".gz"
    if not os.path.exists(cache) or os.path.getmtime(cache) < os.path.getmtime(ROOTFS):
        with open(ROOTFS, "rb") as f, open(cache + ".tmp", "wb") as o:
            with gzip.GzipFile(fileobj=o, mode="wb", compresslevel=1, mtime=0) as g:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    g.write(b)
        os.replace(cache + ".tmp", cache)
    h = hashlib.sha256()
    with open(ROOTFS, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    blob = open(cache, "rb").read()
    return blob, sha(blob), "sha256:" + h.hexdigest(), len(blob)


def dist_info(name, version):
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    d = f"usr/lib/python3/dist-packages/{name}-{version}.dist-info"
    return {f"{d}/METADATA": meta, f"{d}/RECORD": b"", f"{d}/INSTALLER": b"pip\n"}


def main():
    base = base_layer()
    middle_files = {"opt/shared/README": b"shared middle layer\n"}
    middle_files.update(dist_info("requests", "2.28.1"))
    middle = layer(middle_files)
    jinja_versions = ["3.1.2", "3.1.3", "3.1.4", "2.11.2", "2.10"]
    rows = []
    first_repo = {}
    for i in range(COUNT):
        repo = f"{PREFIX}{i % 4}"
        tag = f"v{i:02d}"
        jv = jinja_versions[i % len(jinja_versions)]
        top_files = {f"app/image-{i:02d}.txt": f"{PREFIX} image {i}\n".encode()}
        top_files.update(dist_info("jinja2", jv))
        if i % 5 == 0:
            top_files["app/.env"] = b"GITHUB_TOKEN=ghp_R8fQz2XwL5mN7pK3vT9yB4cD6hJ1sA0eUuGg\n"
        top = layer(top_files)
        layers = [base] + ([middle] if i % 2 == 0 else []) + [top]
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["python3", "-c", f"print({i})"], "WorkingDir": "/app"},
            "rootfs": {"type": "layers", "diff_ids": [l[2] for l in layers]},
            "history": [{"created_by": f"layer {n}"} for n in range(len(layers))],
        }
        cfg = json.dumps(config, sort_keys=True).encode()
        for (blob, digest, _, _) in layers:
            push_blob(repo, blob, digest, mount_from=first_repo.get(digest))
            first_repo.setdefault(digest, repo)
        push_blob(repo, cfg, sha(cfg))
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": len(cfg), "digest": sha(cfg)},
            "layers": [{"mediaType": LAYER_TYPE, "size": l[3], "digest": l[1]} for l in layers],
        }
        mbytes = json.dumps(manifest, sort_keys=True).encode()
        status, _, body = request("PUT", f"{BASE}/v2/{repo}/manifests/{tag}", data=mbytes,
                                  headers={"Content-Type": MANIFEST_TYPE})
        assert status == 201, (status, body[:300])
        rows.append((f"{REGISTRY}/{repo}:{tag}", sha(mbytes), sha(cfg), jv))
    with open(os.path.join(OUT, "images.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"pushed {len(rows)} images; base layer {base[1]} ({base[3]} bytes gz)", file=sys.stderr)


main()
