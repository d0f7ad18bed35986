#!/usr/bin/env python3
"""Independent test signer for seawall's trust end-to-end tests (tests/e2e/test-trust.sh).

Written from the published formats only, sharing no code with seawall's verifier:
  * cosign's signature spec (github.com/sigstore/cosign specs/SIGNATURE_SPEC.md): a "simple signing"
    payload pushed as the single layer of the manifest tagged `sha256-<hex>.sig`, with the base64
    signature in the `dev.cosignproject.cosign/signature` layer annotation (and, keyless, the PEM
    certificate in `dev.sigstore.cosign/certificate` and the Rekor entry in `dev.sigstore.cosign/bundle`);
  * the Sigstore bundle format (protobuf-specs, `application/vnd.dev.sigstore.bundle.v0.3+json`),
    attached as an OCI 1.1 referrer (manifest with `subject` and `artifactType`) plus the referrers
    tag-schema index `sha256-<hex>` for registries without the referrers API;
  * DSSE (PAE) with an in-toto v1 statement carrying SLSA provenance v1;
  * for keyless: a test CA acting as Fulcio (issuer OID 1.3.6.1.4.1.57264.1.8, code-signing EKU, an
    embedded SCT from a test CT log per RFC 6962) and a test Rekor key signing the entry timestamp (SET)
    over the canonical JSON of {body, integratedTime, logID, logIndex}; a trusted_root.json naming them.

Only the Python standard library and `cryptography` are used. Registry access is plain HTTP on loopback.
"""

import argparse
import base64
import datetime
import gzip
import hashlib
import io
import json
import struct
import sys
import tarfile
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
B64 = lambda b: base64.b64encode(b).decode()


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------- registry (OCI distribution API)
class Registry:
    def __init__(self, addr, repo):
        self.base = f"http://{addr}/v2/{repo}"

    def _req(self, method, url, data=None, headers=None):
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def push_blob(self, data):
        d = sha256(data)
        st, _, _ = self._req("HEAD", f"{self.base}/blobs/{d}")
        if st == 200:
            return d
        st, h, body = self._req("POST", f"{self.base}/blobs/uploads/")
        if st != 202:
            sys.exit(f"upload start: {st} {body[:200]!r}")
        loc = h.get("Location") or h.get("location")
        if loc.startswith("/"):
            loc = self.base.split("/v2/")[0] + loc
        sep = "&" if "?" in loc else "?"
        st, _, body = self._req("PUT", f"{loc}{sep}digest={d}", data, {"Content-Type": "application/octet-stream"})
        if st != 201:
            sys.exit(f"upload {d}: {st} {body[:200]!r}")
        return d

    def push_manifest(self, ref, manifest_bytes, media_type):
        st, h, body = self._req("PUT", f"{self.base}/manifests/{ref}", manifest_bytes, {"Content-Type": media_type})
        if st != 201:
            sys.exit(f"manifest {ref}: {st} {body[:300]!r}")
        return sha256(manifest_bytes)

    def get_manifest(self, ref):
        accept = ", ".join([OCI_MANIFEST, OCI_INDEX, "application/vnd.docker.distribution.manifest.v2+json"])
        st, h, body = self._req("GET", f"{self.base}/manifests/{ref}", headers={"Accept": accept})
        return (body if st == 200 else None), h.get("Content-Type", OCI_MANIFEST)


def descriptor(media_type, data, **extra):
    d = {"mediaType": media_type, "digest": sha256(data), "size": len(data)}
    d.update(extra)
    return d


def canon(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


# ---------------------------------------------------------------- images
def push_image(reg, tag, layer_files, annotations=None):
    """Pushes an image whose layers are the given uncompressed tar files (stored gzip-compressed)."""
    layers, diff_ids = [], []
    for f in layer_files:
        raw = open(f, "rb").read()
        diff_ids.append(sha256(raw))
        gz = f + ".gz"  # compressed once per layer file (deterministic: mtime 0)
        try:
            blob = open(gz, "rb").read()
        except FileNotFoundError:
            blob = gzip.compress(raw, compresslevel=1, mtime=0)
            open(gz, "wb").write(blob)
        reg.push_blob(blob)
        layers.append(descriptor(LAYER_GZIP, blob))
    config = canon({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"layer {i}"} for i in range(len(diff_ids))],
    })
    reg.push_blob(config)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(OCI_CONFIG, config), "layers": layers}
    if annotations:
        m["annotations"] = annotations
    mb = canon(m)
    return reg.push_manifest(tag, mb, OCI_MANIFEST)


def load_key(path):
    return serialization.load_pem_private_key(open(path, "rb").read(), password=None)


def sign(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256()))  # ASN.1 DER, as cosign


def keygen(prefix):
    k = ec.generate_private_key(ec.SECP256R1())
    open(prefix + ".key", "wb").write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(prefix + ".pub", "wb").write(k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def simple_signing_payload(docker_ref, digest):
    return canon({
        "critical": {
            "identity": {"docker-reference": docker_ref},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    })


def push_cosign_signature(reg, digest, payload, annotations):
    """The `sha256-<hex>.sig` manifest: one simple-signing layer carrying the signature annotations."""
    reg.push_blob(payload)
    config = canon({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": [sha256(payload)]}})
    reg.push_blob(config)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(OCI_CONFIG, config),
         "layers": [descriptor(SIMPLE_SIGNING, payload, annotations=annotations)]}
    return reg.push_manifest(digest.replace(":", "-") + ".sig", canon(m), OCI_MANIFEST)


def push_referrer(reg, subject_digest, bundle_json):
    """A Sigstore bundle as an OCI 1.1 referrer, plus the tag-schema fallback index."""
    subj_manifest, subj_type = reg.get_manifest(subject_digest)
    if subj_manifest is None:
        sys.exit(f"no manifest {subject_digest}")
    empty = b"{}"
    reg.push_blob(empty)
    reg.push_blob(bundle_json)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_V03,
         "config": descriptor(OCI_EMPTY, empty), "layers": [descriptor(BUNDLE_V03, bundle_json)],
         "subject": {"mediaType": subj_type.split(";")[0], "digest": subject_digest, "size": len(subj_manifest)},
         "annotations": {"dev.sigstore.bundle.content": "message-signature" if b"messageSignature" in bundle_json else "dsse-envelope"}}
    mb = canon(m)
    rd = reg.push_manifest(sha256(mb), mb, OCI_MANIFEST)
    # Tag schema: the index under `sha256-<hex>` lists every referrer (kept up to date by the client).
    tag = subject_digest.replace(":", "-")
    old, _ = reg.get_manifest(tag)
    entries = json.loads(old)["manifests"] if old else []
    entries = [e for e in entries if e["digest"] != rd]
    entries.append({"mediaType": OCI_MANIFEST, "digest": rd, "size": len(mb), "artifactType": BUNDLE_V03,
                    "annotations": m["annotations"]})
    idx = canon({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
    reg.push_manifest(tag, idx, OCI_INDEX)
    return rd


def public_key_hint(key):
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def bundle_message_signature(key, manifest_bytes):
    return canon({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {"publicKey": {"hint": public_key_hint(key)}, "tlogEntries": []},
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": B64(hashlib.sha256(manifest_bytes).digest())},
            "signature": B64(sign(key, manifest_bytes)),
        },
    })


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def slsa_statement(name, digest, builder, repo):
    return canon({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": name, "digest": {"sha256": digest.split(":", 1)[1]}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
                "externalParameters": {"workflow": {"repository": repo, "ref": "refs/heads/main", "path": ".github/workflows/release.yml"}},
                "resolvedDependencies": [{"uri": f"git+{repo}@refs/heads/main", "digest": {"gitCommit": "0" * 40}}],
            },
            "runDetails": {"builder": {"id": builder}, "metadata": {"invocationId": "e2e"}},
        },
    })


def bundle_dsse(key, statement):
    ptype = "application/vnd.in-toto+json"
    return canon({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {"publicKey": {"hint": public_key_hint(key)}, "tlogEntries": []},
        "dsseEnvelope": {"payload": B64(statement), "payloadType": ptype,
                         "signatures": [{"sig": B64(sign(key, pae(ptype, statement))), "keyid": ""}]},
    })


# ---------------------------------------------------------------- keyless: test Fulcio, CT log, Rekor
def _pub_der(k):
    return k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def keyless_setup(d):
    """A trusted root for the test: CA (as Fulcio), CT log key, Rekor key."""
    import os
    os.makedirs(d, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "seawall-e2e"), x509.NameAttribute(NameOID.COMMON_NAME, "seawall-e2e test fulcio")])
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA384()))
    ct_key = ec.generate_private_key(ec.SECP256R1())
    rekor_key = ec.generate_private_key(ec.SECP256R1())
    for n, k in [("ca", ca_key), ("ct", ct_key), ("rekor", rekor_key)]:
        open(f"{d}/{n}.key", "wb").write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    open(f"{d}/ca.pem", "wb").write(ca.public_bytes(serialization.Encoding.PEM))
    start = (now - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": "https://rekor.e2e.invalid", "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": B64(_pub_der(rekor_key)), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": start}},
                   "logId": {"keyId": B64(hashlib.sha256(_pub_der(rekor_key)).digest())}}],
        "certificateAuthorities": [{"subject": {"organization": "seawall-e2e", "commonName": "seawall-e2e test fulcio"},
                                    "uri": "https://fulcio.e2e.invalid",
                                    "certChain": {"certificates": [{"rawBytes": B64(ca.public_bytes(serialization.Encoding.DER))}]},
                                    "validFor": {"start": start}}],
        "ctlogs": [{"baseUrl": "https://ctfe.e2e.invalid", "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": B64(_pub_der(ct_key)), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": start}},
                    "logId": {"keyId": B64(hashlib.sha256(_pub_der(ct_key)).digest())}}],
        "timestampAuthorities": [],
    }
    open(f"{d}/trusted_root.json", "w").write(json.dumps(root, indent=1))


def _sct(ct_key, issuer_key_hash, tbs_precert, ts_ms):
    """RFC 6962 v1 SCT over a precertificate entry; returns the serialized SCT."""
    log_id = hashlib.sha256(_pub_der(ct_key)).digest()
    signed = (struct.pack(">BBQH", 0, 0, ts_ms, 1) + issuer_key_hash
              + struct.pack(">I", len(tbs_precert))[1:] + tbs_precert + struct.pack(">H", 0))
    sig = ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
    return (struct.pack(">B", 0) + log_id + struct.pack(">QH", ts_ms, 0)
            + struct.pack(">BBH", 4, 3, len(sig)) + sig)


def keyless_cert(d, identity, issuer, expired=False):
    """A leaf certificate for `identity` from the test CA, with an embedded SCT. Returns (key, cert DER)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    ca_key = load_pem_private_key(open(f"{d}/ca.key", "rb").read(), None)
    ct_key = load_pem_private_key(open(f"{d}/ct.key", "rb").read(), None)
    ca = x509.load_pem_x509_certificate(open(f"{d}/ca.pem", "rb").read())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    nb = now - datetime.timedelta(minutes=30 if expired else 1)
    na = now - datetime.timedelta(minutes=20) if expired else now + datetime.timedelta(minutes=10)
    san = x509.RFC822Name(identity) if "@" in identity and "://" not in identity else x509.UniformResourceIdentifier(identity)
    # Fulcio issuer (v2, 1.3.6.1.4.1.57264.1.8): DER UTF8String.
    iss = issuer.encode()
    issuer_ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8"), b"\x0c" + bytes([len(iss)]) + iss)

    def builder():
        return (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca.subject)
                .public_key(leaf_key.public_key()).serial_number(serial).not_valid_before(nb).not_valid_after(na)
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
                .add_extension(x509.SubjectAlternativeName([san]), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                .add_extension(issuer_ext, critical=False))

    serial = x509.random_serial_number()
    # Precertificate TBS (RFC 6962 §3.2): the final TBS without the SCT list extension.
    pre = builder().sign(ca_key, hashes.SHA384())
    tbs = pre.tbs_certificate_bytes
    issuer_key_hash = hashlib.sha256(_pub_der(ca_key)).digest()
    ts_ms = int(nb.timestamp() * 1000) + 1000
    sct = _sct(ct_key, issuer_key_hash, tbs, ts_ms)
    sct_list = struct.pack(">H", len(sct) + 2) + struct.pack(">H", len(sct)) + sct
    octet = b"\x04" + _der_len(len(sct_list)) + sct_list
    sct_ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), octet)
    # The SCT extension is added last, so removing it gives back exactly the precertificate TBS.
    cert = builder().add_extension(sct_ext, critical=False).sign(ca_key, hashes.SHA384())
    # Signed "now": inside the validity window, or (expired) after notAfter.
    return leaf_key, cert, int(now.timestamp())


def _der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def rekor_entry(d, payload, sig, cert, integrated_time, log_index=1):
    """A hashedrekord v0.0.1 entry and its signed entry timestamp from the test Rekor key."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    rk = load_pem_private_key(open(f"{d}/rekor.key", "rb").read(), None)
    body = canon({
        "apiVersion": "0.0.1", "kind": "hashedrekord",
        "spec": {"data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
                 "signature": {"content": B64(sig), "publicKey": {"content": B64(cert.public_bytes(serialization.Encoding.PEM))}}},
    })
    log_id = hashlib.sha256(_pub_der(rk)).hexdigest()
    body_b64 = B64(body)
    set_payload = canon({"body": body_b64, "integratedTime": integrated_time, "logID": log_id, "logIndex": log_index})
    set_sig = rk.sign(set_payload, ec.ECDSA(hashes.SHA256()))
    return json.dumps({"SignedEntryTimestamp": B64(set_sig),
                       "Payload": {"body": body_b64, "integratedTime": integrated_time, "logIndex": log_index, "logID": log_id}})


# ---------------------------------------------------------------- CLI
def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("keygen"); p.add_argument("prefix")
    p = sub.add_parser("push-image"); p.add_argument("registry"); p.add_argument("repo"); p.add_argument("tag"); p.add_argument("layers", nargs="+")
    p.add_argument("--annotation", action="append", default=[])
    p = sub.add_parser("make-layer", help="a tar with one file"); p.add_argument("out"); p.add_argument("path"); p.add_argument("content")
    p = sub.add_parser("filter-layer", help="copy a tar without members under the given prefixes"); p.add_argument("src"); p.add_argument("out"); p.add_argument("drop", nargs="+")
    for name in ("sign-cosign", "sign-bundle", "attest"):
        p = sub.add_parser(name); p.add_argument("registry"); p.add_argument("repo"); p.add_argument("digest"); p.add_argument("--key", required=True)
        p.add_argument("--builder", default="https://github.com/actions/runner/github-hosted")
        p.add_argument("--source", default="https://github.com/acme/app")
    p = sub.add_parser("copy-sig"); p.add_argument("registry"); p.add_argument("repo"); p.add_argument("src_digest"); p.add_argument("dst_digest")
    p = sub.add_parser("retag-manifest", help="push the manifest of REF again under TAG with an extra annotation (new digest)")
    p.add_argument("registry"); p.add_argument("repo"); p.add_argument("ref"); p.add_argument("tag")
    p = sub.add_parser("push-index", help="a multi-platform index listing one manifest (linux/amd64)")
    p.add_argument("registry"); p.add_argument("repo"); p.add_argument("tag"); p.add_argument("manifest_digest")
    p = sub.add_parser("keyless-setup"); p.add_argument("dir")
    p = sub.add_parser("sign-keyless"); p.add_argument("registry"); p.add_argument("repo"); p.add_argument("digest")
    p.add_argument("--dir", required=True); p.add_argument("--identity", required=True); p.add_argument("--issuer", required=True)
    p.add_argument("--expired", action="store_true")
    a = ap.parse_args()

    if a.cmd == "keygen":
        keygen(a.prefix)
    elif a.cmd == "make-layer":
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            data = a.content.encode()
            ti = tarfile.TarInfo(a.path.lstrip("/")); ti.size = len(data); ti.mtime = 0; ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
        open(a.out, "wb").write(buf.getvalue())
    elif a.cmd == "filter-layer":
        with tarfile.open(a.src) as src, tarfile.open(a.out, "w", format=tarfile.PAX_FORMAT) as dst:
            for m in src:
                n = m.name.lstrip("./")
                if any(n == p or n.startswith(p.rstrip("/") + "/") for p in a.drop):
                    continue
                dst.addfile(m, src.extractfile(m) if m.isreg() else None)
    elif a.cmd == "push-image":
        ann = dict(x.split("=", 1) for x in a.annotation)
        print(push_image(Registry(a.registry, a.repo), a.tag, a.layers, ann or None))
    elif a.cmd == "sign-cosign":
        key = load_key(a.key)
        payload = simple_signing_payload(f"{a.registry}/{a.repo}", a.digest)
        print(push_cosign_signature(Registry(a.registry, a.repo), a.digest, payload,
                                    {"dev.cosignproject.cosign/signature": B64(sign(key, payload))}))
    elif a.cmd == "sign-bundle":
        reg = Registry(a.registry, a.repo)
        mb, _ = reg.get_manifest(a.digest)
        print(push_referrer(reg, a.digest, bundle_message_signature(load_key(a.key), mb)))
    elif a.cmd == "attest":
        reg = Registry(a.registry, a.repo)
        st = slsa_statement(f"{a.registry}/{a.repo}", a.digest, a.builder, a.source)
        print(push_referrer(reg, a.digest, bundle_dsse(load_key(a.key), st)))
    elif a.cmd == "copy-sig":
        reg = Registry(a.registry, a.repo)
        mb, mt = reg.get_manifest(a.src_digest.replace(":", "-") + ".sig")
        print(reg.push_manifest(a.dst_digest.replace(":", "-") + ".sig", mb, mt.split(";")[0]))
    elif a.cmd == "retag-manifest":
        reg = Registry(a.registry, a.repo)
        mb, mt = reg.get_manifest(a.ref)
        m = json.loads(mb); m.setdefault("annotations", {})["e2e.tampered"] = "true"
        print(reg.push_manifest(a.tag, canon(m), mt.split(";")[0]))
    elif a.cmd == "push-index":
        reg = Registry(a.registry, a.repo)
        mb, mt = reg.get_manifest(a.manifest_digest)
        idx = canon({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": mt.split(";")[0], "digest": a.manifest_digest, "size": len(mb),
             "platform": {"architecture": "amd64", "os": "linux"}}]})
        print(reg.push_manifest(a.tag, idx, OCI_INDEX))
    elif a.cmd == "keyless-setup":
        keyless_setup(a.dir)
    elif a.cmd == "sign-keyless":
        reg = Registry(a.registry, a.repo)
        key, cert, itime = keyless_cert(a.dir, a.identity, a.issuer, a.expired)
        payload = simple_signing_payload(f"{a.registry}/{a.repo}", a.digest)
        sig = sign(key, payload)
        print(push_cosign_signature(reg, a.digest, payload, {
            "dev.cosignproject.cosign/signature": B64(sig),
            "dev.sigstore.cosign/certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "dev.sigstore.cosign/chain": open(f"{a.dir}/ca.pem").read(),
            "dev.sigstore.cosign/bundle": rekor_entry(a.dir, payload, sig, cert, itime),
        }))


if __name__ == "__main__":
    main()
