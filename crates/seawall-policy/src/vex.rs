//! OpenVEX documents (`--vex FILE`).
//!
//! Statements with status `not_affected` or `fixed` suppress the matching vulnerability findings;
//! `affected` and `under_investigation` statements keep them. When several statements match one
//! finding, the last one (in document order, documents in the order given) wins, so a later
//! `affected` statement revokes an earlier `not_affected`.
//!
//! A statement matches a finding when
//! * its vulnerability (`name`, `@id` or `aliases`) equals the finding id or one of its aliases, and
//! * it has no products, or one of its products is the finding's package (a purl compared by type,
//!   name and — when the purl has one — version), or one of its products identifies the scanned
//!   target (its name, its digest, or a `pkg:oci` purl carrying the digest) and either has no
//!   subcomponents or has the finding's package among them.
//!
//! Both OpenVEX v0.2.0 (objects for vulnerabilities and products) and the older string forms are read.

use std::path::Path;
use std::str::FromStr;

use packageurl::PackageUrl;
use seawall_core::{Finding, PackageRef, Target};
use serde_json::Value;

use crate::PolicyError;
use crate::matcher::{normalize_name, purl_type};

/// An OpenVEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexStatus {
    /// `not_affected`: suppresses.
    NotAffected,
    /// `affected`: keeps the finding.
    Affected,
    /// `fixed`: suppresses.
    Fixed,
    /// `under_investigation`: keeps the finding.
    UnderInvestigation,
}

impl VexStatus {
    /// The OpenVEX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// True for the statuses that suppress a finding.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// A product of a VEX statement with its subcomponents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexProduct {
    /// `@id`: usually a purl.
    pub id: String,
    /// Values of the v0.2 `identifiers` object (`purl`, `cpe22`, `cpe23`).
    pub identifiers: Vec<String>,
    /// Subcomponent `@id`s and identifiers.
    pub subcomponents: Vec<String>,
}

impl VexProduct {
    /// The `@id` (when set) and the identifiers.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .filter(|s| !s.is_empty())
            .chain(self.identifiers.iter().map(String::as_str))
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// Vulnerability identifiers: `name`, `@id` and `aliases`.
    pub vulnerabilities: Vec<String>,
    /// Products; empty means every product.
    pub products: Vec<VexProduct>,
    /// Status.
    pub status: VexStatus,
    /// `justification` (for `not_affected`).
    pub justification: Option<String>,
    /// `impact_statement`.
    pub impact_statement: Option<String>,
}

/// One OpenVEX document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    /// `@id` of the document, or the file name when absent.
    pub id: String,
    /// Statements in document order.
    pub statements: Vec<VexStatement>,
}

impl VexDocument {
    /// Parses an OpenVEX JSON document; `name` is used in errors and as fallback id.
    pub fn parse(text: &str, name: &Path) -> Result<VexDocument, PolicyError> {
        let err = |message: String| PolicyError::Vex { path: name.to_path_buf(), message };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let v: Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let ctx = v.get("@context").and_then(Value::as_str).unwrap_or("");
        if !ctx.contains("openvex") {
            return Err(err("missing or unexpected @context (not an OpenVEX document)".into()));
        }
        let id =
            v.get("@id").and_then(Value::as_str).map_or_else(|| name.display().to_string(), str::to_string);
        let raw =
            v.get("statements").and_then(Value::as_array).ok_or_else(|| err("no statements array".into()))?;
        let mut statements = Vec::with_capacity(raw.len());
        for (i, s) in raw.iter().enumerate() {
            let status = match s.get("status").and_then(Value::as_str) {
                Some("not_affected") => VexStatus::NotAffected,
                Some("affected") => VexStatus::Affected,
                Some("fixed") => VexStatus::Fixed,
                Some("under_investigation") => VexStatus::UnderInvestigation,
                other => return Err(err(format!("statements[{i}]: unknown status {other:?}"))),
            };
            let mut vulnerabilities = Vec::new();
            match s.get("vulnerability") {
                Some(Value::String(name)) => vulnerabilities.push(name.clone()),
                Some(Value::Object(o)) => {
                    for key in ["name", "@id"] {
                        if let Some(x) = o.get(key).and_then(Value::as_str) {
                            vulnerabilities.push(x.to_string());
                        }
                    }
                    if let Some(a) = o.get("aliases").and_then(Value::as_array) {
                        vulnerabilities.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
                    }
                }
                _ => return Err(err(format!("statements[{i}]: missing vulnerability"))),
            }
            if vulnerabilities.is_empty() {
                return Err(err(format!("statements[{i}]: vulnerability has no name")));
            }
            let products = s
                .get("products")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().filter_map(parse_product).collect())
                .unwrap_or_default();
            statements.push(VexStatement {
                vulnerabilities,
                products,
                status,
                justification: s.get("justification").and_then(Value::as_str).map(str::to_string),
                impact_statement: s.get("impact_statement").and_then(Value::as_str).map(str::to_string),
            });
        }
        Ok(VexDocument { id, statements })
    }

    /// Reads and parses a file.
    pub fn load(path: &Path) -> Result<VexDocument, PolicyError> {
        let text = crate::error::read_to_string(path)?;
        VexDocument::parse(&text, path)
    }
}

/// The `@id` and the `identifiers` values (purl, cpe22, cpe23) of a v0.2 component object.
fn component_ids(o: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut ids: Vec<String> = o.get("@id").and_then(Value::as_str).map(str::to_string).into_iter().collect();
    if let Some(idents) = o.get("identifiers").and_then(Value::as_object) {
        ids.extend(idents.values().filter_map(Value::as_str).map(str::to_string));
    }
    ids
}

fn parse_product(p: &Value) -> Option<VexProduct> {
    match p {
        Value::String(s) => {
            Some(VexProduct { id: s.clone(), identifiers: Vec::new(), subcomponents: Vec::new() })
        }
        Value::Object(o) => {
            let mut ids = component_ids(o);
            let id = if o.contains_key("@id") && !ids.is_empty() { ids.remove(0) } else { String::new() };
            let subcomponents = o
                .get("subcomponents")
                .and_then(Value::as_array)
                .map(|subs| {
                    subs.iter()
                        .flat_map(|s| match s {
                            Value::String(x) => vec![x.clone()],
                            Value::Object(so) => component_ids(so),
                            _ => Vec::new(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(VexProduct { id, identifiers: ids, subcomponents })
        }
        _ => None,
    }
}

impl VexStatement {
    /// True when the statement is about this finding in this target.
    pub fn applies(&self, finding: &Finding, target: &Target) -> bool {
        let names_it = self.vulnerabilities.iter().any(|v| {
            let v = v.rsplit('/').next().unwrap_or(v); // tolerate IRIs such as https://nvd.nist.gov/vuln/detail/CVE-…
            finding.id.eq_ignore_ascii_case(v) || finding.aliases.iter().any(|a| a.eq_ignore_ascii_case(v))
        });
        if !names_it {
            return false;
        }
        if self.products.is_empty() {
            return true;
        }
        let pkg_matches = |id: &str| finding.package.as_ref().is_some_and(|pkg| purl_matches(id, pkg));
        self.products.iter().any(|p| {
            if p.ids().any(|id| identifies_target(id, target)) {
                p.subcomponents.is_empty() || p.subcomponents.iter().any(|s| pkg_matches(s))
            } else {
                p.ids().any(pkg_matches)
            }
        })
    }
}

fn identifies_target(id: &str, target: &Target) -> bool {
    if id.is_empty() {
        return false;
    }
    if id == target.name {
        return true;
    }
    // Any identifier carrying the image digest (`sha256:…`, `pkg:oci/app@sha256%3A…`,
    // `pkg:docker/app@sha256:…`, `registry/app@sha256:…`) names the image.
    target.digest.as_deref().is_some_and(|d| {
        let decoded = id.replace("%3A", ":").replace("%3a", ":");
        !d.is_empty() && decoded.contains(d)
    })
}

/// True when a purl names the package: same type, same (normalised) name, same version when given.
pub fn purl_matches(purl: &str, pkg: &PackageRef) -> bool {
    let Ok(p) = PackageUrl::from_str(purl) else {
        return false;
    };
    if !p.ty().eq_ignore_ascii_case(purl_type(&pkg.ecosystem)) {
        return false;
    }
    if normalize_name(p.name()) != normalize_name(&pkg.name) {
        return false;
    }
    p.version().is_none_or(|v| v == pkg.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::{FindingKind, Severity, TargetKind};

    fn finding() -> Finding {
        let mut f = Finding::new(FindingKind::Vulnerability, "GHSA-aaaa", Severity::High, 7, "t");
        f.aliases = vec!["CVE-2023-1".into()];
        f.package =
            Some(PackageRef { name: "Pillow".into(), version: "9.4.0".into(), ecosystem: "PyPI".into() });
        f
    }

    fn target() -> Target {
        let mut t = Target::new(TargetKind::Image, "acme/app:1");
        t.digest = Some("sha256:abc".into());
        t
    }

    const DOC: &str = r#"{
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://acme.example/vex/1",
      "author": "acme", "timestamp": "2026-01-01T00:00:00Z", "version": 1,
      "statements": [
        {"vulnerability": {"name": "CVE-2023-1"}, "products": [{"@id": "pkg:pypi/pillow@9.4.0"}],
         "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
        {"vulnerability": {"name": "CVE-2023-2"}, "products": [{"@id": "pkg:oci/app@sha256%3Aabc",
          "subcomponents": [{"@id": "pkg:pypi/pillow"}]}], "status": "fixed"},
        {"vulnerability": "CVE-2023-3", "products": ["pkg:pypi/numpy"], "status": "not_affected"},
        {"vulnerability": {"name": "CVE-2023-4"}, "products": [{"identifiers": {"purl": "pkg:docker/acme/app@sha256:abc"},
          "subcomponents": [{"identifiers": {"purl": "pkg:pypi/pillow@9.4.0"}}]}], "status": "not_affected"}
      ]}"#;

    #[test]
    fn parses_v020_and_legacy_forms() {
        let d = VexDocument::parse(DOC, Path::new("v.json")).unwrap();
        assert_eq!(d.id, "https://acme.example/vex/1");
        assert_eq!(d.statements.len(), 4);
        assert_eq!(d.statements[0].status, VexStatus::NotAffected);
        assert_eq!(d.statements[1].products[0].subcomponents, vec!["pkg:pypi/pillow".to_string()]);
        assert_eq!(d.statements[2].products[0].id, "pkg:pypi/numpy");
    }

    #[test]
    fn matching() {
        let d = VexDocument::parse(DOC, Path::new("v.json")).unwrap();
        let f = finding();
        let t = target();
        assert!(d.statements[0].applies(&f, &t));
        let mut f2 = f.clone();
        f2.aliases = vec!["CVE-2023-2".into()];
        assert!(d.statements[1].applies(&f2, &t));
        let mut other = t.clone();
        other.digest = Some("sha256:def".into());
        assert!(!d.statements[1].applies(&f2, &other));
        let mut f3 = f.clone();
        f3.aliases = vec!["CVE-2023-3".into()];
        assert!(!d.statements[2].applies(&f3, &t), "numpy statement must not hit pillow");
        let mut wrong_version = f.clone();
        if let Some(p) = wrong_version.package.as_mut() {
            p.version = "10.0.0".into();
        }
        assert!(!d.statements[0].applies(&wrong_version, &t));
        let mut f4 = f.clone();
        f4.aliases = vec!["CVE-2023-4".into()];
        assert!(d.statements[3].applies(&f4, &t), "v0.2 identifiers name the image and the subcomponent");
        assert!(!d.statements[3].applies(&f4, &other), "another image digest");
    }

    #[test]
    fn rejects_non_vex() {
        assert!(VexDocument::parse("{}", Path::new("x")).is_err());
        assert!(VexDocument::parse("[", Path::new("x")).is_err());
        assert!(
            VexDocument::parse(
                r#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"status":"maybe"}]}"#,
                Path::new("x")
            )
            .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = VexDocument::parse(&s, Path::new("p"));
        }

        #[test]
        fn purl_never_panics(s in "pkg:\\PC{0,30}") {
            let pkg = PackageRef { name: "a".into(), version: "1".into(), ecosystem: "PyPI".into() };
            let _ = purl_matches(&s, &pkg);
        }
    }
}
