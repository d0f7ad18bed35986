//! The `[trust]` section of `seawall.toml`: which images and models must be signed, by whom, and what
//! their provenance must say. Plain data; `seawall-trust` does the verification. Relative paths are
//! relative to the directory of `seawall.toml`.
//!
//! ```toml
//! [trust]
//! keys = ["keys/cosign.pub"]                       # accepted public keys (PEM)
//! identities = [                                   # accepted keyless identities
//!   { issuer = "https://token.actions.githubusercontent.com", subject_regex = "https://github.com/acme/.*" },
//!   { issuer = "https://accounts.google.com", subject = "release@acme.example" },
//! ]
//! require_signed = ["registry.acme.example/ml/*"]  # image repositories that must carry an accepted signature
//! require_provenance = ["registry.acme.example/ml/*"]  # … and verified SLSA provenance
//! require_signed_models = true                     # `scan model` / model dirs: an OpenSSF model signature
//! trusted_root = "sigstore/trusted_root.json"      # instead of the installed/embedded public-good root
//! base_index = "bases.json"                        # base-image index (default: seawall's cache dir)
//!
//! [trust.provenance]                               # checked on every verified SLSA provenance
//! builders = ["https://github.com/actions/runner/*"]
//! source_repositories = ["https://github.com/acme/*"]
//! build_types = ["https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"]
//! ```

use std::path::PathBuf;

use serde::Deserialize;

/// `[trust]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    /// Accepted public keys (PEM files).
    #[serde(default)]
    pub keys: Vec<PathBuf>,
    /// Accepted keyless identities.
    #[serde(default)]
    pub identities: Vec<TrustIdentity>,
    /// Image repository patterns (`registry/repo`, trailing `*` = prefix) that must be signed.
    #[serde(default)]
    pub require_signed: Vec<String>,
    /// Image repository patterns that must carry verified SLSA provenance.
    #[serde(default)]
    pub require_provenance: Vec<String>,
    /// Model directories must carry an accepted OpenSSF model signature.
    #[serde(default)]
    pub require_signed_models: bool,
    /// A Sigstore trusted root file.
    #[serde(default)]
    pub trusted_root: Option<PathBuf>,
    /// The base-image index file.
    #[serde(default)]
    pub base_index: Option<PathBuf>,
    /// `[trust.provenance]`.
    #[serde(default)]
    pub provenance: TrustProvenance,
}

/// One accepted keyless identity: issuer plus exact subject or subject regex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustIdentity {
    /// The OIDC issuer.
    pub issuer: String,
    /// The certificate subject, exactly.
    #[serde(default)]
    pub subject: Option<String>,
    /// A regular expression for the whole subject.
    #[serde(default)]
    pub subject_regex: Option<String>,
}

/// `[trust.provenance]`: accepted builders, sources and build types (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustProvenance {
    /// Builder ids (trailing `*` = prefix).
    #[serde(default)]
    pub builders: Vec<String>,
    /// Source repositories (trailing `*` = prefix).
    #[serde(default)]
    pub source_repositories: Vec<String>,
    /// Build types (trailing `*` = prefix).
    #[serde(default)]
    pub build_types: Vec<String>,
}

impl TrustConfig {
    /// Whether an image repository (`registry/repository`) matches one of `patterns`.
    pub fn matches(patterns: &[String], repository: &str) -> bool {
        patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => repository.starts_with(prefix),
            None => p == repository,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_parses() {
        let doc = include_str!("trust.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| format!("{}\n", l.trim_start_matches("//!").strip_prefix(' ').unwrap_or("")))
            .collect();
        let c = crate::Config::parse(&example, std::path::Path::new("seawall.toml")).unwrap();
        let t = c.trust.unwrap();
        assert_eq!(t.identities.len(), 2);
        assert!(TrustConfig::matches(&t.require_signed, "registry.acme.example/ml/app"));
        assert!(!TrustConfig::matches(&t.require_signed, "docker.io/library/python"));
        assert!(crate::Config::parse("[trust]\nkeyz = []\n", std::path::Path::new("s.toml")).is_err());
    }
}
