//! cosign's signature formats: the "simple signing" payload stored as a layer of the
//! `sha256-<digest>.sig` manifest (signature and certificate in layer annotations, the Rekor entry as
//! the `dev.sigstore.cosign/bundle` annotation), and DSSE attestation layers of `sha256-<digest>.att`.
//!
//! Key-based signatures without a Rekor entry are verified directly with the key (sigstore-crypto's
//! verifier: ECDSA P-256/P-384, Ed25519, RSA). Signatures that carry a Rekor entry (always the case
//! for keyless ones) are converted to the equivalent Sigstore v0.1 bundle — the certificate chain, the
//! log entry with its signed entry timestamp, the signature — and verified by the bundle verifier, so
//! the Fulcio chain, SCT and SET checks are the same code as for bundles.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use crate::verify::{Rejection, Subject, Verified, verify_bundle};
use crate::{Signers, TrustRoot};

/// Annotation holding the base64 signature over the layer (the payload).
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Annotation holding the PEM signing certificate (keyless).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Annotation holding the PEM certificate chain (keyless).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Annotation holding the Rekor entry (`{SignedEntryTimestamp, Payload}`).
pub const REKOR_BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// The simple-signing payload media type.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The DSSE envelope media type of cosign attestation layers.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

/// The claim of a simple-signing payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleSigning {
    /// `critical.identity.docker-reference`.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`: what was signed.
    pub manifest_digest: String,
    /// `critical.type` (`cosign container image signature`).
    pub kind: String,
    /// `optional` annotations.
    pub optional: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct RawPayload {
    critical: RawCritical,
    #[serde(default)]
    optional: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct RawCritical {
    identity: RawIdentity,
    image: RawImage,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct RawIdentity {
    #[serde(rename = "docker-reference", default)]
    docker_reference: String,
}

#[derive(Deserialize)]
struct RawImage {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// Parses a simple-signing payload. Never panics.
pub fn parse_simple_signing(bytes: &[u8]) -> Result<SimpleSigning, String> {
    let raw: RawPayload =
        serde_json::from_slice(bytes).map_err(|e| format!("simple-signing payload: {e}"))?;
    if raw.critical.kind != "cosign container image signature"
        && raw.critical.kind != "atomic container signature"
    {
        return Err(format!("simple-signing payload: unknown type {:?}", raw.critical.kind));
    }
    Ok(SimpleSigning {
        docker_reference: raw.critical.identity.docker_reference,
        manifest_digest: raw.critical.image.docker_manifest_digest,
        kind: raw.critical.kind,
        optional: raw.optional.unwrap_or_default(),
    })
}

/// The Rekor entry cosign stores in the `dev.sigstore.cosign/bundle` annotation.
#[derive(Deserialize)]
struct RekorBundle {
    #[serde(rename = "SignedEntryTimestamp")]
    set: String,
    #[serde(rename = "Payload")]
    payload: RekorPayload,
}

#[derive(Deserialize)]
struct RekorPayload {
    body: String,
    #[serde(rename = "integratedTime")]
    integrated_time: i64,
    #[serde(rename = "logIndex")]
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// DER certificates from a PEM string (certificate, then chain).
fn pem_certs(pem: &str) -> Result<Vec<String>, Rejection> {
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let after = &rest[start + "-----BEGIN CERTIFICATE-----".len()..];
        let end =
            after.find("-----END CERTIFICATE-----").ok_or_else(|| Rejection::invalid("unterminated PEM"))?;
        let body: String = after[..end].chars().filter(|c| !c.is_whitespace()).collect();
        b64().decode(&body).map_err(|e| Rejection::invalid(format!("certificate PEM: {e}")))?;
        out.push(body);
        rest = &after[end..];
    }
    if out.is_empty() {
        return Err(Rejection::invalid("no certificate in PEM"));
    }
    Ok(out)
}

/// The Sigstore v0.1 bundle equivalent to a cosign signature with a Rekor entry.
fn to_bundle(
    content: serde_json::Value,
    annotations: &BTreeMap<String, String>,
    rekor: &str,
) -> Result<String, Rejection> {
    let rb: RekorBundle = serde_json::from_str(rekor)
        .map_err(|e| Rejection::invalid(format!("Rekor bundle annotation: {e}")))?;
    let body =
        b64().decode(&rb.payload.body).map_err(|e| Rejection::invalid(format!("Rekor entry body: {e}")))?;
    let body_json: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| Rejection::invalid(format!("Rekor entry body: {e}")))?;
    let kind = body_json.get("kind").and_then(|v| v.as_str()).unwrap_or_default();
    let version = body_json.get("apiVersion").and_then(|v| v.as_str()).unwrap_or_default();
    let log_id =
        hex::decode(&rb.payload.log_id).map_err(|e| Rejection::invalid(format!("Rekor log ID: {e}")))?;
    let material = match annotations.get(CERTIFICATE_ANNOTATION) {
        Some(cert) => {
            // Only the leaf: the chain up to the root comes from the trusted root, never from the
            // signature (a bundle carrying its own root must not be trusted; cosign's chain annotation
            // usually ends in the root).
            let leaf =
                pem_certs(cert)?.into_iter().next().ok_or_else(|| Rejection::invalid("no certificate"))?;
            json!({"x509CertificateChain": {"certificates": [{"rawBytes": leaf}]}})
        }
        None => json!({"publicKey": {"hint": ""}}),
    };
    let mut bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": material,
    });
    bundle["verificationMaterial"]["tlogEntries"] = json!([{
        "logIndex": rb.payload.log_index.to_string(),
        "logId": {"keyId": b64().encode(log_id)},
        "kindVersion": {"kind": kind, "version": version},
        "integratedTime": rb.payload.integrated_time.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": rb.set},
        "canonicalizedBody": rb.payload.body,
    }]);
    if let (Some(obj), serde_json::Value::Object(c)) = (bundle.as_object_mut(), content) {
        obj.extend(c);
    }
    serde_json::to_string(&bundle).map_err(|e| Rejection::invalid(e.to_string()))
}

/// Verifies one simple-signing layer (`payload` = the layer blob) with its annotations, and that it
/// names `image_digest`. Returns the verified signer and the parsed claim.
pub fn verify_simple_signing(
    payload: &[u8],
    annotations: &BTreeMap<String, String>,
    image_digest: &str,
    signers: &Signers,
    root: &TrustRoot,
) -> Result<(Verified, SimpleSigning), Rejection> {
    let sig_b64 = annotations
        .get(SIGNATURE_ANNOTATION)
        .ok_or_else(|| Rejection::invalid(format!("layer has no {SIGNATURE_ANNOTATION} annotation")))?;
    let sig =
        b64().decode(sig_b64.trim()).map_err(|e| Rejection::invalid(format!("signature base64: {e}")))?;
    let verified = match annotations.get(REKOR_BUNDLE_ANNOTATION) {
        Some(rekor) => {
            let digest = crate::sha256_bytes(payload);
            let content = json!({"messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64().encode(digest)},
                "signature": b64().encode(&sig),
            }});
            let bundle = to_bundle(content, annotations, rekor)?;
            verify_bundle(&bundle, Subject::Bytes(payload), signers, root)?
        }
        None if annotations.contains_key(CERTIFICATE_ANNOTATION) => {
            return Err(Rejection::invalid(
                "keyless signature without a transparency-log entry (no dev.sigstore.cosign/bundle annotation)",
            ));
        }
        None => verify_with_keys(payload, &sig, signers)?,
    };
    let claim = parse_simple_signing(payload).map_err(Rejection::invalid)?;
    if claim.manifest_digest != image_digest {
        return Err(Rejection::invalid(format!(
            "the signed payload names manifest {}, the image is {image_digest}",
            claim.manifest_digest
        )));
    }
    Ok((verified, claim))
}

/// Verifies a raw signature over `data` with each accepted key (no transparency log).
pub(crate) fn verify_with_keys(data: &[u8], sig: &[u8], signers: &Signers) -> Result<Verified, Rejection> {
    use sigstore_verify::crypto::VerificationKey;
    use sigstore_verify::types::SignatureBytes;
    if signers.keys.is_empty() {
        return Err(Rejection::not_accepted(format!(
            "signed with a public key; no key is accepted (accepted: {})",
            signers.describe()
        )));
    }
    let sig = SignatureBytes::new(sig.to_vec());
    for key in &signers.keys {
        let Ok(vk) = VerificationKey::from_spki(&key.der) else { continue };
        if vk.verify(data, &sig).is_ok() {
            return Ok(Verified {
                signer: format!("key {}", key.name),
                tlog: false,
                signed_at: None,
                dsse_payload: None,
            });
        }
    }
    Err(Rejection::not_accepted(format!(
        "the signature does not verify with any accepted key ({})",
        signers.describe()
    )))
}

/// A DSSE envelope as cosign stores it (several signatures allowed).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// The payload type (`application/vnd.in-toto+json`).
    pub payload_type: String,
    /// The base64 payload.
    pub payload: String,
    /// Signatures over PAE(payloadType, payload).
    #[serde(default)]
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature.
#[derive(Debug, Clone, Deserialize)]
pub struct EnvelopeSignature {
    /// Key hint (unauthenticated).
    #[serde(default)]
    pub keyid: String,
    /// The base64 signature.
    pub sig: String,
}

/// Parses a DSSE envelope; returns it with its decoded payload. Never panics.
pub fn parse_envelope(bytes: &[u8]) -> Result<(Envelope, Vec<u8>), String> {
    let env: Envelope = serde_json::from_slice(bytes).map_err(|e| format!("DSSE envelope: {e}"))?;
    let payload = b64().decode(env.payload.trim()).map_err(|e| format!("DSSE payload base64: {e}"))?;
    Ok((env, payload))
}

/// Verifies a cosign attestation layer (a DSSE envelope) and returns the verified payload.
pub fn verify_attestation_layer(
    envelope: &[u8],
    annotations: &BTreeMap<String, String>,
    signers: &Signers,
    root: &TrustRoot,
) -> Result<Verified, Rejection> {
    let (env, payload) = parse_envelope(envelope).map_err(Rejection::invalid)?;
    if env.signatures.is_empty() {
        return Err(Rejection::invalid("DSSE envelope without signatures"));
    }
    if let Some(rekor) = annotations.get(REKOR_BUNDLE_ANNOTATION) {
        let first = &env.signatures[0];
        let content = json!({"dsseEnvelope": {
            "payload": env.payload,
            "payloadType": env.payload_type,
            "signatures": [{"sig": first.sig, "keyid": first.keyid}],
        }});
        let bundle = to_bundle(content, annotations, rekor)?;
        // The statement's subject is checked by the caller against the image digest.
        let stmt = crate::intoto::parse_statement(&payload).map_err(Rejection::invalid)?;
        let subject = stmt
            .sha256_subjects()
            .into_iter()
            .next()
            .ok_or_else(|| Rejection::invalid("statement has no sha256 subject"))?;
        return verify_bundle(&bundle, Subject::Sha256(subject), signers, root);
    }
    if annotations.contains_key(CERTIFICATE_ANNOTATION) {
        return Err(Rejection::invalid("keyless attestation without a transparency-log entry"));
    }
    let pae = sigstore_verify::types::dsse::pae(&env.payload_type, &payload);
    let mut last = None;
    for s in &env.signatures {
        let Ok(sig) = b64().decode(s.sig.trim()) else { continue };
        match verify_with_keys(&pae, &sig, signers) {
            Ok(mut v) => {
                v.dsse_payload = Some((env.payload_type.clone(), payload));
                return Ok(v);
            }
            Err(r) => last = Some(r),
        }
    }
    Err(last.unwrap_or_else(|| Rejection::invalid("no decodable DSSE signature")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_signing_payload() {
        let p = br#"{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:ab"},"type":"cosign container image signature"},"optional":null}"#;
        let s = parse_simple_signing(p).unwrap();
        assert_eq!(s.manifest_digest, "sha256:ab");
        assert!(
            parse_simple_signing(
                br#"{"critical":{"identity":{},"image":{"docker-manifest-digest":"x"},"type":"other"}}"#
            )
            .is_err()
        );
        assert!(parse_simple_signing(b"[]").is_err());
    }
}
