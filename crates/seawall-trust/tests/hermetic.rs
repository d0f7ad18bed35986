//! Hermetic tests: signatures made in test code (sigstore-crypto's ECDSA P-256 signer, the same
//! formats cosign and model_signing write) and verified through seawall-trust's public API.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::collections::BTreeMap;

use base64::Engine as _;
use seawall_trust::cosign::{SIGNATURE_ANNOTATION, verify_simple_signing};
use seawall_trust::image::{Evidence, ImageEvidence, evaluate};
use seawall_trust::intoto::ProvenancePolicy;
use seawall_trust::{AcceptedKey, RejectionKind, Signers, Subject, TrustRoot, verify_bundle};
use sha2::Digest as _;
use sigstore_verify::crypto::KeyPair;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

struct Key {
    pair: KeyPair,
    accepted: AcceptedKey,
}

fn key(name: &str) -> Key {
    let pair = KeyPair::generate_ecdsa_p256().unwrap();
    let pem = pair.public_key_der().unwrap().to_pem();
    Key { accepted: AcceptedKey::from_pem(name, &pem).unwrap(), pair }
}

fn signers(k: &Key) -> Signers {
    Signers { keys: vec![k.accepted.clone()], identities: vec![] }
}

fn sign(k: &Key, data: &[u8]) -> Vec<u8> {
    k.pair.sign(data).unwrap().as_bytes().to_vec()
}

const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn payload(digest: &str) -> Vec<u8> {
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"registry.example/acme/app"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#
    )
    .into_bytes()
}

fn pae(t: &str, p: &[u8]) -> Vec<u8> {
    let mut v = format!("DSSEv1 {} {} {} ", t.len(), t, p.len()).into_bytes();
    v.extend_from_slice(p);
    v
}

fn dsse_bundle(k: &Key, statement: &[u8]) -> String {
    let t = "application/vnd.in-toto+json";
    serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": "x"}, "tlogEntries": []},
        "dsseEnvelope": {"payload": b64(statement), "payloadType": t,
                         "signatures": [{"sig": b64(&sign(k, &pae(t, statement))), "keyid": ""}]}
    })
    .to_string()
}

fn slsa(digest_hex: &str, builder: &str) -> Vec<u8> {
    serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "registry.example/acme/app", "digest": {"sha256": digest_hex}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "bt", "externalParameters": {"workflow": {"repository": "https://github.com/acme/app"}}},
                      "runDetails": {"builder": {"id": builder}}}
    })
    .to_string()
    .into_bytes()
}

#[test]
fn cosign_simple_signing_valid_wrong_key_tampered() {
    let root = TrustRoot::embedded().unwrap();
    let (k, other) = (key("release.pub"), key("other.pub"));
    let p = payload(DIGEST);
    let ann = BTreeMap::from([(SIGNATURE_ANNOTATION.to_string(), b64(&sign(&k, &p)))]);
    let (v, claim) = verify_simple_signing(&p, &ann, DIGEST, &signers(&k), &root).unwrap();
    assert_eq!((v.signer.as_str(), v.tlog), ("key release.pub", false));
    assert_eq!(claim.manifest_digest, DIGEST);
    // Wrong key: not accepted.
    let e = verify_simple_signing(&p, &ann, DIGEST, &signers(&other), &root).unwrap_err();
    assert_eq!(e.kind, RejectionKind::SignerNotAccepted);
    // Valid signature, other image: invalid (the signature names another manifest).
    let other_digest = DIGEST.replace('1', "2");
    let e = verify_simple_signing(&p, &ann, &other_digest, &signers(&k), &root).unwrap_err();
    assert_eq!(e.kind, RejectionKind::Invalid);
    assert!(e.reason.contains("names manifest"), "{}", e.reason);
    // Tampered payload: the signature no longer verifies.
    let tampered = payload(&other_digest);
    let e = verify_simple_signing(&tampered, &ann, &other_digest, &signers(&k), &root).unwrap_err();
    assert_eq!(e.kind, RejectionKind::SignerNotAccepted);
    // No signature annotation at all.
    assert_eq!(
        verify_simple_signing(&p, &BTreeMap::new(), DIGEST, &signers(&k), &root).unwrap_err().kind,
        RejectionKind::Invalid
    );
}

#[test]
fn key_only_dsse_bundle_checks_the_subject() {
    let root = TrustRoot::embedded().unwrap();
    let k = key("k");
    let digest = [7u8; 32];
    let bundle = dsse_bundle(&k, &slsa(&hex::encode(digest), "b"));
    let v = verify_bundle(&bundle, Subject::Sha256(digest), &signers(&k), &root).unwrap();
    assert!(v.dsse_payload.is_some() && !v.tlog);
    let e = verify_bundle(&bundle, Subject::Sha256([8u8; 32]), &signers(&k), &root).unwrap_err();
    assert_eq!(e.kind, RejectionKind::Invalid);
    // A keyless policy does not accept a key-signed bundle.
    let e = verify_bundle(&bundle, Subject::Sha256(digest), &Signers::default(), &root).unwrap_err();
    assert_eq!(e.kind, RejectionKind::SignerNotAccepted);
}

#[test]
fn message_signature_bundle_over_bytes_and_digest() {
    let root = TrustRoot::embedded().unwrap();
    let k = key("k");
    let data = b"manifest bytes";
    let d: [u8; 32] = sha2::Sha256::digest(data).into();
    let bundle = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": "x"}, "tlogEntries": []},
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": b64(&d)}, "signature": b64(&sign(&k, data))}
    })
    .to_string();
    assert!(verify_bundle(&bundle, Subject::Bytes(data), &signers(&k), &root).is_ok());
    assert!(verify_bundle(&bundle, Subject::Sha256(d), &signers(&k), &root).is_ok());
    assert_eq!(
        verify_bundle(&bundle, Subject::Bytes(b"other"), &signers(&k), &root).unwrap_err().kind,
        RejectionKind::Invalid
    );
}

#[test]
fn image_verdict_signatures_and_provenance_policy() {
    let root = TrustRoot::embedded().unwrap();
    let k = key("release.pub");
    let p = payload(DIGEST);
    let hexd = DIGEST.trim_start_matches("sha256:");
    let ev = ImageEvidence {
        digest: DIGEST.into(),
        items: vec![
            Evidence::CosignSignature {
                payload: p.clone(),
                annotations: BTreeMap::from([(SIGNATURE_ANNOTATION.to_string(), b64(&sign(&k, &p)))]),
            },
            Evidence::Bundle {
                json: dsse_bundle(&k, &slsa(hexd, "https://evil.example/b")),
                referrer: "sha256:r".into(),
            },
        ],
        problems: vec![],
    };
    let policy =
        ProvenancePolicy { builders: vec!["https://github.com/actions/*".into()], ..Default::default() };
    let v = evaluate(&ev, &signers(&k), &root, &policy);
    assert!(v.signed());
    assert!(!v.provenance_ok());
    let f = seawall_trust::apply::image_findings(&v, "registry.example/acme/app:1", true, true);
    let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["SW-TRUST-006"], "{f:?}");
    // Unsigned where required.
    let empty = ImageEvidence { digest: DIGEST.into(), items: vec![], problems: vec![] };
    let v = evaluate(&empty, &signers(&k), &root, &policy);
    let ids: Vec<String> =
        seawall_trust::apply::image_findings(&v, "x", true, true).into_iter().map(|f| f.id).collect();
    assert_eq!(ids, ["SW-TRUST-001", "SW-TRUST-005"]);
    assert!(seawall_trust::apply::image_findings(&v, "x", false, false).is_empty());
}

/// Writes a model dir, signs it the way `model_signing sign key` does (v1.0 predicate, files/sha256).
fn signed_model(k: &Key) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("model");
    fs_err::create_dir_all(m.join("sub")).unwrap();
    fs_err::write(m.join("weights.bin"), vec![3u8; 5000]).unwrap();
    fs_err::write(m.join("sub/config.json"), b"{}").unwrap();
    let mut resources = Vec::new();
    let mut root = sha2::Sha256::new();
    for name in ["sub/config.json", "weights.bin"] {
        let d = sha2::Sha256::digest(fs_err::read(m.join(name)).unwrap());
        root.update(d);
        resources.push(serde_json::json!({"name": name, "algorithm": "sha256", "digest": hex::encode(d)}));
    }
    let stmt = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "model", "digest": {"sha256": hex::encode(root.finalize())}}],
        "predicateType": "https://model_signing/signature/v1.0",
        "predicate": {"serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": false,
                                        "ignore_paths": [".git"]}, "resources": resources}
    })
    .to_string();
    fs_err::write(m.join("model.sig"), dsse_bundle(k, stmt.as_bytes())).unwrap();
    (dir, m)
}

#[test]
fn model_signing_valid_tampered_extra_missing_wrong_key() {
    let root = TrustRoot::embedded().unwrap();
    let (k, other) = (key("k"), key("other"));
    let (_d, m) = signed_model(&k);
    let v = seawall_trust::model::verify_model(&m, None, &signers(&k), &root).unwrap();
    assert!(v.verified(), "{v:?}");
    assert_eq!(v.files_checked, 2);
    fs_err::create_dir_all(m.join(".git")).unwrap();
    fs_err::write(m.join(".git/HEAD"), b"x").unwrap();
    assert!(seawall_trust::model::verify_model(&m, None, &signers(&k), &root).unwrap().verified());
    let v = seawall_trust::model::verify_model(&m, None, &signers(&other), &root).unwrap();
    assert_eq!(v.rejection, Some(RejectionKind::SignerNotAccepted));
    fs_err::write(m.join("weights.bin"), vec![4u8; 5000]).unwrap();
    fs_err::write(m.join("extra.py"), b"import os").unwrap();
    fs_err::remove_file(m.join("sub/config.json")).unwrap();
    let v = seawall_trust::model::verify_model(&m, None, &signers(&k), &root).unwrap();
    assert_eq!(
        (v.modified.as_slice(), v.missing.as_slice(), v.unsigned.as_slice()),
        (
            &["weights.bin".to_string()][..],
            &["sub/config.json".to_string()][..],
            &["extra.py".to_string()][..]
        )
    );
    let (findings, check) = seawall_trust::apply::model_findings(&v, true);
    let mut ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["SW-TRUST-011", "SW-TRUST-011", "SW-TRUST-012"]);
    assert_eq!(check.status, "invalid");
}

#[test]
fn model_manifest_inconsistent_root_is_invalid() {
    let stmt = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"00"}}],
        "predicateType":"https://model_signing/signature/v1.0",
        "predicate":{"serialization":{"method":"files","hash_type":"sha256"},"resources":[{"name":"a","algorithm":"sha256","digest":"aa"}]}}"#;
    let e = seawall_trust::model::parse_manifest(stmt).unwrap_err();
    assert!(e.contains("inconsistent"), "{e}");
}
