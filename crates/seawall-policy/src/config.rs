//! `seawall.toml`: the project's policy file.
//!
//! Discovered by walking up from the scanned directory ([`find_config`]) or given with `--config`.
//! Every section is optional; unknown keys are errors so that typos do not silently weaken a policy.
//!
//! ```toml
//! [fail_on]                   # exit 1 when a finding at/above the threshold remains
//! default = "HIGH"            # any kind without its own threshold
//! vulnerability = "CRITICAL"  # per kind: vulnerability, secret, model, misconfiguration
//! secret = "LOW"
//! allow_incomplete = false    # true: an incomplete scan (not every input read) does not fail the gate
//!
//! [scanners]
//! enabled = ["vuln", "secret", "model", "config"]   # absent = all
//!
//! [rules]
//! enabled = ["SW-DF-*", "SW-K8S-001"]   # absent or empty = all; a trailing * is a prefix match
//! disabled = ["SW-DF-010"]
//!
//! [registries]
//! allowed = ["docker.io/library", "nvcr.io/nvidia", "ghcr.io/acme"]   # empty = any
//!
//! [severity]                 # severity overrides by rule or advisory id (or alias)
//! "SW-DF-001" = "CRITICAL"
//! "CVE-2023-50447" = "LOW"
//!
//! [[ignore]]
//! id = "GHSA-3f63-hfp8-52jq"  # id, alias, fingerprint or "*"
//! package = "pillow"          # optional, NAME or NAME@VERSION
//! path = "/usr/lib/**"        # optional glob
//! reason = "PIL.ImageMath is never called"
//! expires = 2026-12-31        # optional; a TOML date or a "YYYY-MM-DD" string
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use seawall_core::{FindingKind, Severity};
use serde::Deserialize;

use crate::{IgnoreEntry, PolicyError};

/// The file name looked for by [`find_config`].
pub const CONFIG_FILE_NAME: &str = "seawall.toml";

/// Fail-on thresholds: a default and optional per-kind overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailOn {
    /// Threshold for kinds without their own.
    pub default: Option<Severity>,
    /// Per-kind thresholds.
    pub per_kind: BTreeMap<FindingKind, Severity>,
    /// When true, an incomplete scan does not fail the gate (`--allow-incomplete`,
    /// `[fail_on] allow_incomplete = true`).
    pub allow_incomplete: bool,
}

impl FailOn {
    /// A single threshold for every kind.
    pub fn all(severity: Severity) -> Self {
        FailOn { default: Some(severity), per_kind: BTreeMap::new(), allow_incomplete: false }
    }

    /// True when any threshold is set.
    pub fn is_set(&self) -> bool {
        !self.is_empty()
    }

    /// The threshold that applies to `kind`, if any.
    pub fn threshold(&self, kind: FindingKind) -> Option<Severity> {
        self.per_kind.get(&kind).copied().or(self.default)
    }

    /// True when no threshold is set at all.
    pub fn is_empty(&self) -> bool {
        self.default.is_none() && self.per_kind.is_empty()
    }
}

/// The parsed `seawall.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// `[fail_on]`.
    pub fail_on: FailOn,
    /// `[scanners] enabled`: `None` means every scanner.
    pub enabled_scanners: Option<Vec<String>>,
    /// `[rules] enabled`: empty means every rule. Entries ending in `*` are prefixes.
    pub enabled_rules: Vec<String>,
    /// `[rules] disabled`. Entries ending in `*` are prefixes.
    pub disabled_rules: Vec<String>,
    /// `[registries] allowed`: image reference prefixes; empty means any registry.
    pub allowed_registries: Vec<String>,
    /// `[severity]`: id (or alias) → severity.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// `[[ignore]]` entries.
    pub ignores: Vec<IgnoreEntry>,
    /// `[trust]`: signatures, provenance, base images (see [`crate::TrustConfig`]).
    pub trust: Option<crate::TrustConfig>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    fail_on: Option<RawFailOn>,
    #[serde(default)]
    scanners: Option<RawScanners>,
    #[serde(default)]
    rules: Option<RawRules>,
    #[serde(default)]
    registries: Option<RawRegistries>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
    #[serde(default)]
    trust: Option<crate::TrustConfig>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFailOn {
    default: Option<String>,
    vulnerability: Option<String>,
    secret: Option<String>,
    model: Option<String>,
    misconfiguration: Option<String>,
    #[serde(default)]
    allow_incomplete: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScanners {
    enabled: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    enabled: Vec<String>,
    #[serde(default)]
    disabled: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRegistries {
    #[serde(default)]
    allowed: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    id: String,
    package: Option<String>,
    path: Option<String>,
    reason: Option<String>,
    expires: Option<RawDate>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
}

/// Scanner names accepted in `[scanners] enabled`.
pub const SCANNER_NAMES: [&str; 5] = ["inventory", "vuln", "secret", "model", "config"];

/// The scanner (`--scanners` name) that produces a finding kind.
pub fn scanner_for(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Vulnerability => "vuln",
        FindingKind::Secret => "secret",
        FindingKind::Model => "model",
        FindingKind::Misconfiguration => "config",
    }
}

impl Config {
    /// Parses `seawall.toml` text. `path` names the file in errors and ignore-entry origins.
    pub fn parse(text: &str, path: &Path) -> Result<Config, PolicyError> {
        let err = |message: String| PolicyError::Config { path: path.to_path_buf(), message };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: RawConfig = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let sev = |what: &str, s: &str| -> Result<Severity, PolicyError> {
            s.parse::<Severity>().map_err(|e| err(format!("{what}: {e}")))
        };
        let mut fail_on = FailOn::default();
        if let Some(f) = raw.fail_on {
            fail_on.allow_incomplete = f.allow_incomplete;
            if let Some(s) = &f.default {
                fail_on.default = Some(sev("fail_on.default", s)?);
            }
            for (kind, value) in [
                (FindingKind::Vulnerability, &f.vulnerability),
                (FindingKind::Secret, &f.secret),
                (FindingKind::Model, &f.model),
                (FindingKind::Misconfiguration, &f.misconfiguration),
            ] {
                if let Some(s) = value {
                    fail_on.per_kind.insert(kind, sev(&format!("fail_on.{}", kind.as_str()), s)?);
                }
            }
        }
        let enabled_scanners = raw.scanners.and_then(|s| s.enabled);
        if let Some(list) = &enabled_scanners
            && let Some(bad) = list.iter().find(|s| !SCANNER_NAMES.contains(&s.as_str()))
        {
            return Err(err(format!(
                "scanners.enabled: unknown scanner {bad:?} (known: {})",
                SCANNER_NAMES.join(", ")
            )));
        }
        let rules = raw.rules.unwrap_or_default();
        let mut severity_overrides = BTreeMap::new();
        for (id, s) in &raw.severity {
            severity_overrides.insert(id.clone(), sev(&format!("severity.{id}"), s)?);
        }
        let origin = path.display().to_string();
        let mut ignores = Vec::new();
        for (i, r) in raw.ignore.into_iter().enumerate() {
            if r.id.trim().is_empty() {
                return Err(err(format!("ignore[{i}]: empty id")));
            }
            let mut e = IgnoreEntry::new(r.id, format!("{origin} ignore[{i}]"));
            if let Some(p) = r.package {
                e = e.with_package(p);
            }
            if let Some(g) = r.path {
                e = e.with_path(&g).map_err(|x| err(format!("ignore[{i}].path {g:?}: {x}")))?;
            }
            if let Some(reason) = r.reason {
                e = e.with_reason(reason);
            }
            if let Some(d) = r.expires {
                let text = match d {
                    RawDate::Toml(dt) => dt.to_string(),
                    RawDate::Text(s) => s,
                };
                let date: Date = text
                    .parse()
                    .map_err(|x| err(format!("ignore[{i}].expires {text:?} (want YYYY-MM-DD): {x}")))?;
                e = e.with_expires(date);
            }
            ignores.push(e);
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            fail_on,
            enabled_scanners,
            enabled_rules: rules.enabled,
            disabled_rules: rules.disabled,
            allowed_registries: raw.registries.map(|r| r.allowed).unwrap_or_default(),
            severity_overrides,
            ignores,
            trust: raw.trust,
        })
    }

    /// Reads and parses a `seawall.toml` file.
    pub fn load(path: &Path) -> Result<Config, PolicyError> {
        let text = crate::error::read_to_string(path)?;
        Config::parse(&text, path)
    }

    /// True when the named scanner (`vuln`, `secret`, `model`, `config`, `inventory`) is enabled.
    pub fn scanner_enabled(&self, name: &str) -> bool {
        self.enabled_scanners.as_ref().is_none_or(|l| l.iter().any(|s| s == name))
    }

    /// True when the rule (or advisory) id is enabled by `[rules]`.
    ///
    /// `[rules] enabled` only restricts catalog rules (`SW-…` ids); advisories are governed by the
    /// `vuln` scanner switch.
    pub fn rule_enabled(&self, id: &str) -> bool {
        if self.disabled_rules.iter().any(|p| pattern_matches(p, id)) {
            return false;
        }
        if self.enabled_rules.is_empty() || !id.starts_with("SW-") {
            return true;
        }
        self.enabled_rules.iter().any(|p| pattern_matches(p, id))
    }

    /// True when an image reference comes from an allowed registry (always true when the list is empty).
    ///
    /// Docker Hub short names are expanded first: `python:3.11` → `docker.io/library/python:3.11`.
    /// An allowed entry matches the reference itself or any repository below it.
    pub fn registry_allowed(&self, image_ref: &str) -> bool {
        if self.allowed_registries.is_empty() {
            return true;
        }
        let full = expand_image_ref(image_ref);
        self.allowed_registries.iter().any(|allowed| {
            let a = expand_registry_entry(allowed.trim_end_matches('/'));
            full == a
                || full.strip_prefix(a.as_str()).is_some_and(|rest| {
                    rest.starts_with('/') || rest.starts_with(':') || rest.starts_with('@')
                })
        })
    }
}

fn pattern_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.to_ascii_uppercase().starts_with(&prefix.to_ascii_uppercase()),
        None => pattern.eq_ignore_ascii_case(id),
    }
}

/// Expands a Docker Hub short reference to its full form (`python` → `docker.io/library/python`).
pub fn expand_image_ref(r: &str) -> String {
    let r = r.trim();
    let first = r.split('/').next().unwrap_or("");
    let has_host = r.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let r = if has_host {
        r.to_string()
    } else if r.contains('/') {
        format!("docker.io/{r}")
    } else {
        format!("docker.io/library/{r}")
    };
    r.replacen("index.docker.io/", "docker.io/", 1)
}

fn expand_registry_entry(entry: &str) -> String {
    // A bare host (`nvcr.io`) stays a host; a Hub repository path is expanded like a reference.
    let first = entry.split('/').next().unwrap_or("");
    if first.contains('.') || first.contains(':') || first == "localhost" {
        entry.replacen("index.docker.io", "docker.io", 1)
    } else {
        expand_image_ref(entry)
    }
}

/// Looks for `seawall.toml` in `start` and each of its ancestors; returns the first found.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    find_upward(start, CONFIG_FILE_NAME)
}

/// Looks for a file named `name` in `start` (or its directory, if `start` is a file) and each ancestor.
///
/// Relative paths are made absolute first, so `.` walks up through the real parent directories. A
/// start that does not exist (an image reference such as `docker:app`) finds nothing: pass the current
/// directory for image targets.
pub fn find_upward(start: &Path, name: &str) -> Option<PathBuf> {
    let abs = std::path::absolute(start).ok()?;
    let abs = abs.canonicalize().unwrap_or(abs);
    let dir = if abs.is_file() {
        abs.parent()?
    } else if abs.is_dir() {
        abs.as_path()
    } else {
        return None;
    };
    dir.ancestors().map(|d| d.join(name)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[fail_on]
default = "high"
vulnerability = "CRITICAL"

[scanners]
enabled = ["vuln", "secret"]

[rules]
enabled = ["SW-DF-*"]
disabled = ["SW-DF-010"]

[registries]
allowed = ["docker.io/library", "nvcr.io/nvidia", "ghcr.io"]

[severity]
"SW-DF-001" = "CRITICAL"

[[ignore]]
id = "CVE-2023-1"
package = "pillow"
reason = "unused"
expires = 2026-12-31

[[ignore]]
id = "*"
path = "tests/**"
expires = "2026-01-01"
"#;

    #[test]
    fn parses_every_section() {
        let c = Config::parse(EXAMPLE, Path::new("seawall.toml")).unwrap();
        assert_eq!(c.fail_on.threshold(FindingKind::Vulnerability), Some(Severity::Critical));
        assert_eq!(c.fail_on.threshold(FindingKind::Secret), Some(Severity::High));
        assert!(c.scanner_enabled("vuln"));
        assert!(!c.scanner_enabled("model"));
        assert!(c.rule_enabled("SW-DF-001"));
        assert!(!c.rule_enabled("SW-DF-010"));
        assert!(!c.rule_enabled("SW-K8S-001"));
        assert!(c.rule_enabled("CVE-2024-1"));
        assert_eq!(c.severity_overrides.get("SW-DF-001"), Some(&Severity::Critical));
        assert_eq!(c.ignores.len(), 2);
        assert_eq!(c.ignores[0].expires, Some(jiff::civil::date(2026, 12, 31)));
        assert_eq!(c.ignores[1].expires, Some(jiff::civil::date(2026, 1, 1)));
        assert_eq!(c.ignores[0].origin, "seawall.toml ignore[0]");
    }

    /// The example in this module's documentation must stay a valid `seawall.toml`.
    #[test]
    fn documented_example_parses() {
        let src = include_str!("config.rs");
        let body: Vec<&str> = src
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.strip_prefix("//! ").or_else(|| l.strip_prefix("//!")).unwrap_or(l))
            .collect();
        assert!(body.len() > 10, "example not found");
        let c = Config::parse(&body.join("\n"), Path::new("doc")).unwrap();
        assert_eq!(c.fail_on.threshold(FindingKind::Secret), Some(Severity::Low));
        assert_eq!(c.ignores.len(), 1);
    }

    #[test]
    fn registries() {
        let c = Config::parse(EXAMPLE, Path::new("seawall.toml")).unwrap();
        assert!(c.registry_allowed("python:3.11"));
        assert!(c.registry_allowed("docker.io/library/python@sha256:abc"));
        assert!(c.registry_allowed("nvcr.io/nvidia/pytorch:24.01-py3"));
        assert!(c.registry_allowed("ghcr.io/anyone/x"));
        assert!(!c.registry_allowed("evil/python"));
        assert!(!c.registry_allowed("nvcr.io/nvidiafake/x"));
        assert!(!c.registry_allowed("quay.io/x/y"));
        assert!(Config::default().registry_allowed("quay.io/x/y"));
    }

    #[test]
    fn typos_are_errors() {
        assert!(Config::parse("[fail-on]\ndefault='HIGH'", Path::new("s")).is_err());
        assert!(Config::parse("[fail_on]\ndefault='SEVERE'", Path::new("s")).is_err());
        assert!(Config::parse("[scanners]\nenabled=['vulns']", Path::new("s")).is_err());
        assert!(Config::parse("[[ignore]]\nid='x'\nexpires='tomorrow'", Path::new("s")).is_err());
        assert!(Config::parse("", Path::new("s")).is_ok());
    }

    #[test]
    fn discovery_walks_upward() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        fs_err::create_dir_all(&deep).unwrap();
        assert!(find_config(&deep).is_none() || !find_config(&deep).unwrap().starts_with(dir.path()));
        fs_err::write(dir.path().join("a/seawall.toml"), "").unwrap();
        let want = dir.path().canonicalize().unwrap().join("a/seawall.toml");
        assert_eq!(find_config(&deep), Some(want.clone()));
        assert_eq!(find_config(&deep.join("missing")), None, "a start that does not exist finds nothing");
        fs_err::write(deep.join("Dockerfile"), "").unwrap();
        assert_eq!(find_config(&deep.join("Dockerfile")), Some(want));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = Config::parse(&s, Path::new("p"));
        }

        #[test]
        fn never_panics_structured(s in "(\\[fail_on\\]|\\[\\[ignore\\]\\]|id ?= ?\"[a-z*]{0,3}\"|expires ?= ?[0-9-]{0,10}|path ?= ?\"[\\[*/a]{0,4}\"|default ?= ?\"[A-Z]{0,5}\"|\n){0,10}") {
            let _ = Config::parse(&s, Path::new("p"));
        }
    }
}
