//! Image signatures and attestations: fetch what a registry stores for an image digest (cosign
//! `.sig`/`.att` tags, OCI 1.1 referrers carrying Sigstore bundles) and verify it against the accepted
//! signers and the provenance policy.

use std::collections::BTreeMap;

use seawall_source::{RegistryArtifacts, RegistryRef, SourceOptions, fallback_tag};
use serde::Serialize;

use crate::intoto::{ProvenancePolicy, parse_statement, provenance};
use crate::verify::{Rejection, RejectionKind, Subject, Verified, verify_bundle};
use crate::{Signers, TrustError, TrustRoot, cosign};

/// Largest signature payload, bundle or envelope fetched (bytes).
const MAX_ARTIFACT: u64 = 4 << 20;
/// Most signature layers / referrers examined per image.
const MAX_ITEMS: usize = 64;

/// One piece of signature evidence found for an image.
#[derive(Debug, Clone)]
pub enum Evidence {
    /// A cosign simple-signing layer of the `.sig` manifest.
    CosignSignature {
        /// The layer blob (the simple-signing payload).
        payload: Vec<u8>,
        /// The layer annotations.
        annotations: BTreeMap<String, String>,
    },
    /// A cosign attestation layer of the `.att` manifest (a DSSE envelope).
    CosignAttestation {
        /// The envelope.
        envelope: Vec<u8>,
        /// The layer annotations.
        annotations: BTreeMap<String, String>,
    },
    /// A Sigstore bundle attached as an OCI referrer.
    Bundle {
        /// The bundle JSON.
        json: String,
        /// The referrer manifest digest.
        referrer: String,
    },
}

impl Evidence {
    /// Where the evidence came from, for reports.
    pub fn source(&self) -> String {
        match self {
            Evidence::CosignSignature { .. } => "cosign-signature".into(),
            Evidence::CosignAttestation { .. } => "cosign-attestation".into(),
            Evidence::Bundle { referrer, .. } => format!("referrer {referrer}"),
        }
    }
}

/// Everything found for one image digest.
#[derive(Debug, Clone, Default)]
pub struct ImageEvidence {
    /// The image manifest digest everything must name.
    pub digest: String,
    /// The evidence.
    pub items: Vec<Evidence>,
    /// Problems while looking (an artifact that could not be read); they make the result incomplete.
    pub problems: Vec<String>,
}

fn annotations_of(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.get("annotations")
        .and_then(|a| a.as_object())
        .map(|o| o.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

fn layers_of(manifest: &[u8]) -> Result<Vec<serde_json::Value>, String> {
    let v: serde_json::Value = serde_json::from_slice(manifest).map_err(|e| e.to_string())?;
    Ok(v.get("layers").and_then(|l| l.as_array()).cloned().unwrap_or_default())
}

/// Fetches the signature evidence stored in `reference`'s repository for `digest`.
pub fn fetch_evidence(
    reference: &RegistryRef,
    digest: &str,
    opts: &SourceOptions,
) -> Result<ImageEvidence, TrustError> {
    let reg = RegistryArtifacts::connect(reference, opts)?;
    let mut ev = ImageEvidence { digest: digest.to_string(), ..Default::default() };
    for (suffix, attestation) in [(".sig", false), (".att", true)] {
        let tag = fallback_tag(digest, suffix);
        let Some((_, manifest)) = reg.manifest(&tag)? else { continue };
        let layers = match layers_of(&manifest) {
            Ok(l) => l,
            Err(e) => {
                ev.problems.push(format!("{tag}: {e}"));
                continue;
            }
        };
        for layer in layers.iter().take(MAX_ITEMS) {
            let Some(d) = layer.get("digest").and_then(|d| d.as_str()) else {
                ev.problems.push(format!("{tag}: layer without digest"));
                continue;
            };
            let blob = match reg.blob(d, MAX_ARTIFACT) {
                Ok(b) => b,
                Err(e) => {
                    ev.problems.push(format!("{tag}: {e}"));
                    continue;
                }
            };
            let annotations = annotations_of(layer);
            ev.items.push(if attestation {
                Evidence::CosignAttestation { envelope: blob, annotations }
            } else {
                Evidence::CosignSignature { payload: blob, annotations }
            });
        }
    }
    let (referrers, _) = reg.referrers(digest)?;
    for r in referrers.iter().take(MAX_ITEMS) {
        let is_bundle =
            r.artifact_type.as_deref().is_some_and(|t| t.starts_with("application/vnd.dev.sigstore.bundle"));
        if !is_bundle {
            continue;
        }
        let Some((_, manifest)) = reg.manifest(&r.digest)? else {
            ev.problems.push(format!("referrer {} is listed but missing", r.digest));
            continue;
        };
        let layers = layers_of(&manifest).unwrap_or_default();
        let Some(d) = layers.first().and_then(|l| l.get("digest")).and_then(|d| d.as_str()) else {
            ev.problems.push(format!("referrer {}: no bundle layer", r.digest));
            continue;
        };
        match reg.blob(d, MAX_ARTIFACT).map(String::from_utf8) {
            Ok(Ok(json)) => ev.items.push(Evidence::Bundle { json, referrer: r.digest.clone() }),
            Ok(Err(_)) => ev.problems.push(format!("referrer {}: bundle is not UTF-8", r.digest)),
            Err(e) => ev.problems.push(format!("referrer {}: {e}", r.digest)),
        }
    }
    Ok(ev)
}

/// The outcome for one piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// `signature` or `attestation`.
    pub kind: String,
    /// Where it came from (`cosign-signature`, `referrer sha256:…`).
    pub source: String,
    /// For attestations: the predicate type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// The verified signer, when verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Whether a transparency-log entry was verified.
    pub tlog: bool,
    /// `None` when verified, else why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionKind>,
    /// The reason, when rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For SLSA provenance: the builder, build type and sources, and policy violations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<crate::intoto::Provenance>,
    /// Provenance policy violations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
}

impl CheckResult {
    /// Whether the evidence verified (and, for provenance, satisfied the policy).
    pub fn ok(&self) -> bool {
        self.rejection.is_none() && self.violations.is_empty()
    }
}

/// The verdict for an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ImageVerdict {
    /// The image digest.
    pub digest: String,
    /// One result per piece of evidence.
    pub results: Vec<CheckResult>,
    /// Problems while fetching.
    pub problems: Vec<String>,
}

impl ImageVerdict {
    /// At least one signature verified with an accepted signer.
    pub fn signed(&self) -> bool {
        self.results.iter().any(|r| r.kind == "signature" && r.ok())
    }

    /// A verified SLSA provenance attestation that satisfies the policy.
    pub fn provenance_ok(&self) -> bool {
        self.results.iter().any(|r| r.kind == "attestation" && r.provenance.is_some() && r.ok())
    }
}

fn rejected(kind: &str, source: String, r: Rejection) -> CheckResult {
    CheckResult {
        kind: kind.into(),
        source,
        predicate_type: None,
        signer: None,
        tlog: false,
        rejection: Some(r.kind),
        reason: Some(r.reason),
        provenance: None,
        violations: Vec::new(),
    }
}

/// Checks a verified DSSE payload as an attestation about `digest`.
fn attestation_result(source: String, v: &Verified, digest: &str, policy: &ProvenancePolicy) -> CheckResult {
    let Some((_, payload)) = &v.dsse_payload else {
        return rejected("attestation", source, Rejection::invalid("no DSSE payload"));
    };
    let stmt = match parse_statement(payload) {
        Ok(s) => s,
        Err(e) => return rejected("attestation", source, Rejection::invalid(e)),
    };
    if !stmt.names_digest(digest) {
        return CheckResult {
            predicate_type: Some(stmt.predicate_type.clone()),
            ..rejected(
                "attestation",
                source,
                Rejection::invalid(format!("the statement's subjects do not name {digest}")),
            )
        };
    }
    let prov = provenance(&stmt);
    let violations = prov.as_ref().map(|p| policy.check(p)).unwrap_or_default();
    CheckResult {
        kind: "attestation".into(),
        source,
        predicate_type: Some(stmt.predicate_type),
        signer: Some(v.signer.clone()),
        tlog: v.tlog,
        rejection: None,
        reason: None,
        provenance: prov,
        violations,
    }
}

/// Predicate type of cosign's own signature statements (bundle-format image signatures).
const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Verifies every piece of evidence for the image.
pub fn evaluate(
    ev: &ImageEvidence,
    signers: &Signers,
    root: &TrustRoot,
    policy: &ProvenancePolicy,
) -> ImageVerdict {
    let mut out =
        ImageVerdict { digest: ev.digest.clone(), results: Vec::new(), problems: ev.problems.clone() };
    let mut image_digest = [0u8; 32];
    let digest_ok =
        ev.digest.strip_prefix("sha256:").is_some_and(|h| hex::decode_to_slice(h, &mut image_digest).is_ok());
    for item in &ev.items {
        let source = item.source();
        match item {
            Evidence::CosignSignature { payload, annotations } => {
                match cosign::verify_simple_signing(payload, annotations, &ev.digest, signers, root) {
                    Ok((v, _)) => out.results.push(CheckResult {
                        kind: "signature".into(),
                        source,
                        predicate_type: None,
                        signer: Some(v.signer),
                        tlog: v.tlog,
                        rejection: None,
                        reason: None,
                        provenance: None,
                        violations: Vec::new(),
                    }),
                    Err(r) => out.results.push(rejected("signature", source, r)),
                }
            }
            Evidence::CosignAttestation { envelope, annotations } => {
                match cosign::verify_attestation_layer(envelope, annotations, signers, root) {
                    Ok(v) => out.results.push(attestation_result(source, &v, &ev.digest, policy)),
                    Err(r) => out.results.push(rejected("attestation", source, r)),
                }
            }
            Evidence::Bundle { json, .. } => {
                if !digest_ok {
                    out.results.push(rejected(
                        "signature",
                        source,
                        Rejection::invalid("image digest is not sha256"),
                    ));
                    continue;
                }
                match verify_bundle(json, Subject::Sha256(image_digest), signers, root) {
                    Ok(v) if v.dsse_payload.is_some() => {
                        let r = attestation_result(source, &v, &ev.digest, policy);
                        if r.predicate_type.as_deref() == Some(COSIGN_SIGN_PREDICATE) {
                            out.results.push(CheckResult {
                                kind: "signature".into(),
                                predicate_type: None,
                                ..r
                            });
                        } else {
                            out.results.push(r);
                        }
                    }
                    Ok(v) => out.results.push(CheckResult {
                        kind: "signature".into(),
                        source,
                        predicate_type: None,
                        signer: Some(v.signer),
                        tlog: v.tlog,
                        rejection: None,
                        reason: None,
                        provenance: None,
                        violations: Vec::new(),
                    }),
                    Err(r) => {
                        let kind =
                            if json.contains("\"dsseEnvelope\"") { "attestation" } else { "signature" };
                        out.results.push(rejected(kind, source, r));
                    }
                }
            }
        }
    }
    out
}

/// The digests whose signatures cover an image: its manifest digest and, for a multi-platform image,
/// the digest of the index the reference resolves to (a signature on the index covers every platform
/// manifest it lists). Manifest first.
pub fn covering_digests(
    reference: &RegistryRef,
    manifest_digest: &str,
    opts: &SourceOptions,
) -> Result<Vec<String>, TrustError> {
    let mut out = vec![manifest_digest.to_string()];
    if reference.digest.as_deref() != Some(manifest_digest) {
        let reg = RegistryArtifacts::connect(reference, opts)?;
        if let Some((top, bytes)) = reg.manifest(reference.manifest_reference())?
            && top != manifest_digest
        {
            // Only an index that lists the manifest covers it.
            let lists = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("manifests").and_then(|m| m.as_array()).cloned())
                .is_some_and(|m| {
                    m.iter().any(|d| d.get("digest").and_then(|x| x.as_str()) == Some(manifest_digest))
                });
            if lists {
                out.push(top);
            }
        }
    }
    Ok(out)
}

/// Fetches and verifies the evidence for every covering digest; one verdict for the manifest digest.
pub fn verify_image_digests(
    reference: &RegistryRef,
    digests: &[String],
    signers: &Signers,
    root: &TrustRoot,
    policy: &ProvenancePolicy,
    opts: &SourceOptions,
) -> Result<ImageVerdict, TrustError> {
    let mut verdict = ImageVerdict::default();
    for (i, d) in digests.iter().enumerate() {
        let ev = fetch_evidence(reference, d, opts)?;
        let mut v = evaluate(&ev, signers, root, policy);
        if i > 0 {
            for r in &mut v.results {
                r.source = format!("{} (index {d})", r.source);
            }
        } else {
            verdict.digest = v.digest.clone();
        }
        verdict.results.append(&mut v.results);
        verdict.problems.append(&mut v.problems);
    }
    Ok(verdict)
}
