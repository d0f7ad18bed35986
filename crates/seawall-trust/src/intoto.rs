//! in-toto statements (v0.1 and v1) and SLSA provenance (v0.2 and v1), with a provenance policy:
//! allowed builders, source repositories and build types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Predicate type of SLSA provenance v0.2.
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
/// Predicate type of SLSA provenance v1.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";

/// One subject of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatementSubject {
    /// Name (a file, an image repository).
    #[serde(default)]
    pub name: String,
    /// Digests by algorithm, hex.
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Statement {
    /// `_type` (`https://in-toto.io/Statement/v1` or `/v0.1`).
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What the statement is about.
    #[serde(default)]
    pub subject: Vec<StatementSubject>,
    /// The predicate type (SLSA provenance, SPDX, CycloneDX, model signing, …).
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate.
    #[serde(default)]
    pub predicate: serde_json::Value,
}

impl Statement {
    /// The subjects' SHA-256 digests (those that parse).
    pub fn sha256_subjects(&self) -> Vec<[u8; 32]> {
        self.subject
            .iter()
            .filter_map(|s| s.digest.get("sha256"))
            .filter_map(|h| {
                let mut d = [0u8; 32];
                hex::decode_to_slice(h, &mut d).ok().map(|()| d)
            })
            .collect()
    }

    /// Whether a subject has this `sha256:…` digest.
    pub fn names_digest(&self, digest: &str) -> bool {
        let hexd = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.subject.iter().any(|s| s.digest.get("sha256").is_some_and(|h| h.eq_ignore_ascii_case(hexd)))
    }
}

/// Parses an in-toto statement. Never panics.
pub fn parse_statement(bytes: &[u8]) -> Result<Statement, String> {
    let s: Statement = serde_json::from_slice(bytes).map_err(|e| format!("in-toto statement: {e}"))?;
    if !s.statement_type.starts_with("https://in-toto.io/Statement/") {
        return Err(format!("in-toto statement: unknown _type {:?}", s.statement_type));
    }
    Ok(s)
}

/// The facts of a SLSA provenance predicate a policy can check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// `v0.2` or `v1`.
    pub slsa_version: String,
    /// The builder id.
    pub builder_id: String,
    /// The build type.
    pub build_type: String,
    /// Source repositories (config source / workflow repository / resolved dependencies), as URIs.
    pub sources: Vec<String>,
}

fn s(v: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_string)
}

/// Extracts provenance facts from a statement, `None` when it is not SLSA provenance.
pub fn provenance(stmt: &Statement) -> Option<Provenance> {
    let p = &stmt.predicate;
    if stmt.predicate_type == SLSA_V02 {
        let mut sources = Vec::new();
        sources.extend(s(p, &["invocation", "configSource", "uri"]));
        if let Some(m) = p.get("materials").and_then(|m| m.as_array()) {
            sources.extend(m.iter().filter_map(|x| s(x, &["uri"])));
        }
        sources.dedup();
        return Some(Provenance {
            slsa_version: "v0.2".into(),
            builder_id: s(p, &["builder", "id"]).unwrap_or_default(),
            build_type: s(p, &["buildType"]).unwrap_or_default(),
            sources,
        });
    }
    if stmt.predicate_type == SLSA_V1 {
        let mut sources = Vec::new();
        let ext = p.get("buildDefinition").and_then(|b| b.get("externalParameters"));
        if let Some(ext) = ext {
            sources.extend(s(ext, &["workflow", "repository"]));
            sources.extend(s(ext, &["source", "uri"]));
            sources.extend(s(ext, &["source"]));
        }
        if let Some(d) =
            p.get("buildDefinition").and_then(|b| b.get("resolvedDependencies")).and_then(|m| m.as_array())
        {
            sources.extend(d.iter().filter_map(|x| s(x, &["uri"])));
        }
        sources.dedup();
        return Some(Provenance {
            slsa_version: "v1".into(),
            builder_id: s(p, &["runDetails", "builder", "id"]).unwrap_or_default(),
            build_type: s(p, &["buildDefinition", "buildType"]).unwrap_or_default(),
            sources,
        });
    }
    None
}

/// What provenance must say. Empty lists accept anything; patterns accept a trailing `*` (prefix).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvenancePolicy {
    /// A verified SLSA provenance attestation is required.
    pub required: bool,
    /// Accepted builder ids.
    pub builders: Vec<String>,
    /// Accepted source repositories (at least one source must match; `git+` and `@ref` suffixes are
    /// ignored when comparing).
    pub source_repositories: Vec<String>,
    /// Accepted build types.
    pub build_types: Vec<String>,
}

fn pattern_match(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

fn normalize_source(uri: &str) -> &str {
    let u = uri.strip_prefix("git+").unwrap_or(uri);
    let u = u.split('@').next().unwrap_or(u);
    u.strip_suffix(".git").unwrap_or(u)
}

impl ProvenancePolicy {
    /// Whether the policy constrains anything.
    pub fn is_empty(&self) -> bool {
        !self.required
            && self.builders.is_empty()
            && self.source_repositories.is_empty()
            && self.build_types.is_empty()
    }

    /// The violations of `prov` against this policy (empty: accepted).
    pub fn check(&self, prov: &Provenance) -> Vec<String> {
        let mut v = Vec::new();
        if !self.builders.is_empty() && !self.builders.iter().any(|p| pattern_match(p, &prov.builder_id)) {
            v.push(format!(
                "builder {:?} is not accepted (accepted: {})",
                prov.builder_id,
                self.builders.join(", ")
            ));
        }
        if !self.build_types.is_empty()
            && !self.build_types.iter().any(|p| pattern_match(p, &prov.build_type))
        {
            v.push(format!(
                "build type {:?} is not accepted (accepted: {})",
                prov.build_type,
                self.build_types.join(", ")
            ));
        }
        if !self.source_repositories.is_empty()
            && !prov.sources.iter().any(|src| {
                self.source_repositories
                    .iter()
                    .any(|p| pattern_match(normalize_source(p), normalize_source(src)))
            })
        {
            v.push(format!(
                "source {} is not accepted (accepted: {})",
                if prov.sources.is_empty() { "(none recorded)".to_string() } else { prov.sources.join(", ") },
                self.source_repositories.join(", ")
            ));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1(builder: &str, repo: &str) -> Statement {
        parse_statement(
            serde_json::json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": "img", "digest": {"sha256": "ab".repeat(32)}}],
                "predicateType": SLSA_V1,
                "predicate": {
                    "buildDefinition": {
                        "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
                        "externalParameters": {"workflow": {"repository": repo, "ref": "refs/heads/main"}},
                        "resolvedDependencies": [{"uri": format!("git+{repo}@refs/heads/main")}]
                    },
                    "runDetails": {"builder": {"id": builder}}
                }
            })
            .to_string()
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn slsa_v1_policy() {
        let st = v1("https://github.com/actions/runner/github-hosted", "https://github.com/acme/app");
        assert!(st.names_digest(&format!("sha256:{}", "ab".repeat(32))));
        let p = provenance(&st).unwrap();
        assert_eq!(p.slsa_version, "v1");
        let pol = ProvenancePolicy {
            required: true,
            builders: vec!["https://github.com/actions/runner/*".into()],
            source_repositories: vec!["https://github.com/acme/*".into()],
            build_types: vec![],
        };
        assert!(pol.check(&p).is_empty());
        let bad = provenance(&v1("https://evil.example/builder", "https://github.com/mallory/app")).unwrap();
        assert_eq!(pol.check(&bad).len(), 2);
    }

    #[test]
    fn slsa_v02_facts() {
        let st = parse_statement(
            br#"{"_type":"https://in-toto.io/Statement/v0.1","subject":[],"predicateType":"https://slsa.dev/provenance/v0.2",
                "predicate":{"builder":{"id":"b"},"buildType":"t","invocation":{"configSource":{"uri":"git+https://github.com/acme/app@refs/heads/main"}}}}"#,
        )
        .unwrap();
        let p = provenance(&st).unwrap();
        assert_eq!((p.builder_id.as_str(), p.build_type.as_str()), ("b", "t"));
        let pol = ProvenancePolicy {
            source_repositories: vec!["https://github.com/acme/app".into()],
            ..Default::default()
        };
        assert!(pol.check(&p).is_empty());
        assert!(parse_statement(br#"{"_type":"x","predicateType":"y"}"#).is_err());
    }
}
