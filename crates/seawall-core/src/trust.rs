//! Signature, attestation and base-image status of a target (filled by `seawall-trust`; issue 17).

use serde::{Deserialize, Serialize};

/// One verified or rejected signature, attestation or model signature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrustCheck {
    /// `signature`, `attestation` or `model-signature`.
    pub kind: String,
    /// Where it was found (`cosign-signature`, `referrer sha256:…`, a signature file).
    pub source: String,
    /// `verified`, `invalid`, `signer-not-accepted`, `certificate-expired` or `policy-violation`.
    pub status: String,
    /// The verified signer (`key NAME`, `SUBJECT (ISSUER)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// For attestations: the in-toto predicate type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// Why it was not accepted, or what the provenance says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The base image a scanned image was built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseImage {
    /// The base reference (`registry/repo:tag`).
    pub name: String,
    /// The base manifest digest the image was built on, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// How it was found: `index` (layer chain matched) or `annotation` (OCI base annotations).
    pub via: String,
    /// Number of bottom layers shared with the base.
    pub layers: u32,
    /// The digest the base tag points to now, when it differs (the image is built on an outdated base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_digest: Option<String>,
}

/// Trust status of a target: what signed it, what it attests, what it is built on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TrustSummary {
    /// Whether an accepted signature verified (images and models).
    pub signed: bool,
    /// Every signature and attestation examined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<TrustCheck>,
    /// The base image, when attributed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseImage>,
}

impl TrustSummary {
    /// One line for text reports: `signed by key cosign.pub · 1 attestation · base debian:12 (outdated)`.
    pub fn one_line(&self) -> String {
        let mut parts = Vec::new();
        let sigs: Vec<&TrustCheck> = self.checks.iter().filter(|c| c.kind != "attestation").collect();
        let signers: Vec<&str> =
            sigs.iter().filter(|c| c.status == "verified").filter_map(|c| c.signer.as_deref()).collect();
        if self.signed && !signers.is_empty() {
            parts.push(format!("signed by {}", signers.join(", ")));
        } else if sigs.is_empty() {
            parts.push("unsigned".to_string());
        } else {
            parts.push(format!(
                "not verified ({} signature{} rejected)",
                sigs.len(),
                if sigs.len() == 1 { "" } else { "s" }
            ));
        }
        let att: Vec<&TrustCheck> = self.checks.iter().filter(|c| c.kind == "attestation").collect();
        if !att.is_empty() {
            let ok = att.iter().filter(|c| c.status == "verified").count();
            parts.push(format!(
                "{ok}/{} attestation{} verified",
                att.len(),
                if att.len() == 1 { "" } else { "s" }
            ));
        }
        if let Some(b) = &self.base {
            parts.push(format!(
                "base {}{}",
                b.name,
                if b.newer_digest.is_some() { " (outdated)" } else { "" }
            ));
        }
        parts.join(" · ")
    }
}
