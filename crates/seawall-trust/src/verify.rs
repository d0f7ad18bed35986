//! Sigstore bundle verification (v0.1, v0.2, v0.3; message signatures and DSSE envelopes; key-based
//! and keyless), offline against a [`TrustRoot`].
//!
//! The cryptography and the Sigstore verification flow (Fulcio chain to the trusted CAs at signing
//! time, SCT against the CT log keys, Rekor inclusion proof with a signed checkpoint or the signed
//! entry timestamp, RFC 3161 timestamps, log-entry consistency with the bundle, DSSE PAE, in-toto
//! subject digests) come from `sigstore-verify` (sigstore-rust, the Sigstore project's Rust verifier).
//! We do not use the older `sigstore` crate: its `verify` feature pulls an OAuth/browser/Fulcio client
//! stack, it only verifies message-signature bundles (no DSSE, which attestations and OpenSSF model
//! signatures need) and it needs OpenSSL or a second TLS stack. seawall adds only policy on top: which
//! keys and identities are accepted, and what a failure means (invalid, not accepted, expired).

use sigstore_verify::types::{Bundle, SignatureContent, bundle::VerificationMaterialContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, Verifier};

use crate::{Signers, TrustRoot};

/// What a signature covers, as given to the verifier.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// The signed bytes themselves (a file, a simple-signing payload).
    Bytes(&'a [u8]),
    /// A SHA-256 digest of the signed artifact (an image manifest, a model manifest).
    Sha256([u8; 32]),
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectionKind {
    /// The signature, its certificate chain, log proof or the signed claim does not verify, or the
    /// bundle is malformed.
    Invalid,
    /// The signature verifies, but with a key or identity the policy does not accept.
    SignerNotAccepted,
    /// The signing certificate was not valid at the (authenticated) signing time.
    CertificateExpired,
}

impl RejectionKind {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionKind::Invalid => "invalid",
            RejectionKind::SignerNotAccepted => "signer-not-accepted",
            RejectionKind::CertificateExpired => "certificate-expired",
        }
    }
}

/// A signature that was not accepted, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The class of failure.
    pub kind: RejectionKind,
    /// What exactly failed.
    pub reason: String,
}

impl Rejection {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::Invalid, reason: reason.into() }
    }
    pub(crate) fn not_accepted(reason: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::SignerNotAccepted, reason: reason.into() }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.reason)
    }
}

/// A verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Who signed: `key NAME` or `SUBJECT (ISSUER)`.
    pub signer: String,
    /// Whether a transparency-log entry was verified (inclusion proof or signed entry timestamp).
    pub tlog: bool,
    /// The authenticated signing time (Rekor integrated time or RFC 3161 timestamp), Unix seconds.
    pub signed_at: Option<i64>,
    /// For DSSE envelopes: the payload type and the payload (an in-toto statement).
    pub dsse_payload: Option<(String, Vec<u8>)>,
}

/// Parses a bundle without verifying it (for inspection and fuzzing). Never panics.
pub fn parse_bundle(json: &str) -> Result<Bundle, String> {
    Bundle::from_json(json).map_err(|e| e.to_string())
}

/// Verifies a Sigstore bundle over `subject`, accepting only `signers`.
pub fn verify_bundle(
    bundle_json: &str,
    subject: Subject<'_>,
    signers: &Signers,
    root: &TrustRoot,
) -> Result<Verified, Rejection> {
    let bundle =
        Bundle::from_json(bundle_json).map_err(|e| Rejection::invalid(format!("malformed bundle: {e}")))?;
    verify_parsed(&bundle, subject, signers, root)
}

fn dsse_payload(bundle: &Bundle) -> Option<(String, Vec<u8>)> {
    match &bundle.content {
        SignatureContent::DsseEnvelope(env) => {
            Some((env.payload_type.clone(), env.payload.as_bytes().to_vec()))
        }
        _ => None,
    }
}

fn artifact(subject: Subject<'_>) -> sigstore_verify::types::Artifact<'_> {
    match subject {
        Subject::Bytes(b) => sigstore_verify::types::Artifact::from_blob(b),
        Subject::Sha256(d) => {
            sigstore_verify::types::Artifact::from_digest(sigstore_verify::types::Sha256Hash::new(d))
        }
    }
}

fn classify(e: &sigstore_verify::Error) -> Rejection {
    use sigstore_verify::{CertificateError, Error};
    match e {
        Error::Certificate(CertificateError::Expired { .. } | CertificateError::NotYetValid { .. }) => {
            Rejection { kind: RejectionKind::CertificateExpired, reason: e.to_string() }
        }
        // The chain validation (webpki, at the authenticated signing time) reports a leaf outside its
        // validity window as a chain error whose text carries webpki's CertExpired/CertNotValidYet.
        Error::Certificate(CertificateError::ChainInvalid(m))
            if m.contains("CertExpired") || m.contains("CertNotValidYet") =>
        {
            Rejection { kind: RejectionKind::CertificateExpired, reason: e.to_string() }
        }
        _ => Rejection::invalid(e.to_string()),
    }
}

/// Verifies an already parsed bundle; see [`verify_bundle`].
pub fn verify_parsed(
    bundle: &Bundle,
    subject: Subject<'_>,
    signers: &Signers,
    root: &TrustRoot,
) -> Result<Verified, Rejection> {
    let verifier =
        Verifier::new(&root.root).map_err(|e| Rejection::invalid(format!("trusted root unusable: {e}")))?;
    let keyless = !matches!(bundle.verification_material.content, VerificationMaterialContent::PublicKey(_));
    let has_tlog = !bundle.verification_material.tlog_entries.is_empty();
    if keyless {
        // Cryptography first (chain, SCT, log, signature), with no identity constraint; then our own
        // identity policy (sigstore-verify matches exact strings only, we also accept patterns).
        let policy = VerificationPolicy::any_identity();
        let res = verifier.verify(artifact(subject), bundle, &policy).map_err(|e| classify(&e))?;
        let subject_name = res.identity().map(|s| s.as_str().to_string()).unwrap_or_default();
        let issuer = res.issuer().unwrap_or_default().to_string();
        if !res.certificate_verified() {
            return Err(Rejection::invalid("signing certificate not verified"));
        }
        if !signers.identities.iter().any(|i| i.accepts(&subject_name, &issuer)) {
            return Err(Rejection::not_accepted(format!(
                "signed by {subject_name} ({issuer}); accepted: {}",
                signers.describe()
            )));
        }
        let signed_at = res
            .integrated_time()
            .or_else(|| res.verified_timestamps().first().copied())
            .map(|t| t.as_second());
        return Ok(Verified {
            signer: format!("{subject_name} ({issuer})"),
            tlog: res.tlog_verified(),
            signed_at,
            dsse_payload: dsse_payload(bundle),
        });
    }
    if signers.keys.is_empty() {
        return Err(Rejection::not_accepted(format!(
            "signed with a public key; no key is accepted (accepted: {})",
            signers.describe()
        )));
    }
    if !has_tlog && bundle.verification_material.timestamp_verification_data.rfc3161_timestamps.is_empty() {
        return verify_key_only(bundle, subject, signers);
    }
    let mut last: Option<Rejection> = None;
    for key in &signers.keys {
        let mut policy = PublicKeyVerificationPolicy::new(key.der.clone());
        if !has_tlog {
            // Key-based signatures made without a transparency log (cosign --tlog-upload=false,
            // model_signing sign key): the signature is all there is; reported as tlog: false.
            policy = policy.skip_tlog_unsafe();
        }
        match verifier.verify(artifact(subject), bundle, &policy) {
            Ok(res) => {
                let signed_at = res
                    .integrated_time()
                    .or_else(|| res.verified_timestamps().first().copied())
                    .map(|t| t.as_second());
                return Ok(Verified {
                    signer: format!("key {}", key.name),
                    tlog: res.tlog_verified(),
                    signed_at,
                    dsse_payload: dsse_payload(bundle),
                });
            }
            Err(e @ sigstore_verify::Error::SignatureInvalid(_)) => {
                last.get_or_insert_with(|| {
                    Rejection::not_accepted(format!(
                        "the signature does not verify with any accepted key ({}): {e}",
                        signers.describe()
                    ))
                });
            }
            Err(e) => last = Some(classify(&e)),
        }
    }
    Err(last.unwrap_or_else(|| Rejection::invalid("no key tried")))
}

/// A key-based bundle with neither a transparency-log entry nor a timestamp (`model_signing sign key`,
/// cosign with `--tlog-upload=false`): sigstore-verify rejects these as structurally incomplete (the
/// Sigstore bundle spec wants a time source), yet for a managed key the signature is the whole claim.
/// Verified here with the same primitives: the DSSE signature over PAE(type, payload) and the subject
/// digest in the in-toto statement, or the message signature over the artifact (or its digest,
/// prehashed). Reported with `tlog: false`.
fn verify_key_only(bundle: &Bundle, subject: Subject<'_>, signers: &Signers) -> Result<Verified, Rejection> {
    use sigstore_verify::crypto::VerificationKey;
    let want = match subject {
        Subject::Bytes(b) => crate::sha256_bytes(b),
        Subject::Sha256(d) => d,
    };
    match &bundle.content {
        SignatureContent::DsseEnvelope(env) => {
            let payload = env.payload.as_bytes();
            let pae = sigstore_verify::types::dsse::pae(&env.payload_type, payload);
            let mut v = crate::cosign::verify_with_keys(&pae, env.signature.sig.as_bytes(), signers)?;
            let stmt = crate::intoto::parse_statement(payload).map_err(Rejection::invalid)?;
            if !stmt.sha256_subjects().contains(&want) {
                return Err(Rejection::invalid(format!(
                    "the signed statement's subjects do not name sha256:{}",
                    hex::encode(want)
                )));
            }
            v.dsse_payload = Some((env.payload_type.clone(), payload.to_vec()));
            Ok(v)
        }
        SignatureContent::MessageSignature(ms) => {
            if let Some(md) = &ms.message_digest
                && md.digest.as_bytes() != want.as_slice()
            {
                return Err(Rejection::invalid("the bundle's message digest does not match the artifact"));
            }
            match subject {
                Subject::Bytes(b) => crate::cosign::verify_with_keys(b, ms.signature.as_bytes(), signers),
                Subject::Sha256(d) => {
                    for key in &signers.keys {
                        let Ok(vk) = VerificationKey::from_spki(&key.der) else { continue };
                        if vk.verify_prehashed(&d, &ms.signature).is_ok() {
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
            }
        }
        _ => Err(Rejection::invalid("unsupported bundle content")),
    }
}
