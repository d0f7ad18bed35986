//! OSV `affected` evaluation: does a version fall in an entry's `versions` list or `ranges`?
//!
//! Semantics (OSV schema, "Evaluation"): a version is affected by an entry if it equals one of
//! `versions` or lies in any `ECOSYSTEM`/`SEMVER` range; `GIT` ranges are ignored (no commit is
//! known for an installed package). Within a range the events are sorted by version
//! (`introduced: "0"` first) and walked upwards to the version: `introduced` enters the affected
//! state, `fixed` leaves it at that version, `last_affected` leaves it just above that version.
//! A `fixed` and an `introduced` at the same version (adjacent or empty intervals) leave the state
//! unchanged. `limit` events bound the whole range: a version at or above every limit is not
//! affected.

use std::cmp::Ordering;

use seawall_version::{Engine, Version};

use crate::names::{ecosystem_base, ecosystem_release, normalize_name};
use crate::osv::{Affected, Range};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Introduced,
    LastAffected,
    Fixed,
    Limit,
}

#[derive(Debug, Clone)]
struct ParsedEvent {
    kind: Kind,
    /// `None` = the `"0"` introduced event (before every version).
    version: Option<Version>,
    raw: String,
}

/// One range with parsed, sorted events.
#[derive(Debug, Clone)]
pub(crate) struct ParsedRange {
    engine: Engine,
    events: Vec<ParsedEvent>,
}

/// One `affected` entry, parsed once per record and reused for every package it is checked against.
#[derive(Debug, Clone)]
pub(crate) struct ParsedEntry {
    /// Index into `Vulnerability::affected`.
    pub(crate) index: usize,
    /// Ecosystem base (`Debian`).
    pub(crate) base: String,
    /// Release (`12`, `22.04:LTS`), may be empty.
    pub(crate) release: String,
    /// Normalised package name.
    pub(crate) name: String,
    engine: Engine,
    ranges: Vec<ParsedRange>,
    versions: Vec<String>,
    /// `versions` parsed on first use (most entries are decided by their ranges).
    versions_parsed: std::cell::OnceCell<Vec<Version>>,
}

/// An installed version, parsed lazily once per engine and reused across entries.
#[derive(Debug, Clone)]
pub(crate) struct Installed {
    raw: String,
    parsed: Vec<(Engine, Version)>,
}

impl Installed {
    pub(crate) fn new(raw: &str) -> Installed {
        Installed { raw: raw.to_string(), parsed: Vec::new() }
    }

    fn get(&mut self, engine: Engine) -> &Version {
        let pos = match self.parsed.iter().position(|(e, _)| *e == engine) {
            Some(p) => p,
            None => {
                self.parsed.push((engine, Version::parse(engine, &self.raw)));
                self.parsed.len() - 1
            }
        };
        &self.parsed[pos].1
    }
}

/// Outcome of checking one version against one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hit {
    /// Fixed versions of the ranges that contain the version (greater than it), unsorted.
    pub fixed: Vec<String>,
    /// The version was only listed in `versions` (no range said so).
    pub listed_only: bool,
}

impl ParsedRange {
    fn parse(r: &Range, eco_engine: Engine) -> Option<ParsedRange> {
        let engine = match r.kind.as_str() {
            "ECOSYSTEM" => eco_engine,
            "SEMVER" => Engine::Semver,
            _ => return None,
        };
        let mut events = Vec::new();
        for e in &r.events {
            let pairs = [
                (Kind::Introduced, &e.introduced),
                (Kind::LastAffected, &e.last_affected),
                (Kind::Fixed, &e.fixed),
                (Kind::Limit, &e.limit),
            ];
            for (kind, value) in pairs {
                let Some(raw) = value.as_deref().map(str::trim) else {
                    continue;
                };
                if raw.is_empty() {
                    continue;
                }
                let version = if kind == Kind::Introduced && raw == "0" {
                    None
                } else if kind == Kind::Limit && raw == "*" {
                    continue; // "*" means no limit
                } else {
                    Some(Version::parse(engine, raw))
                };
                events.push(ParsedEvent { kind, version, raw: raw.to_string() });
            }
        }
        events.sort_by(|a, b| cmp_opt(&a.version, &b.version).then(a.kind.cmp(&b.kind)));
        Some(ParsedRange { engine, events })
    }

    /// `Some(fixed versions above v)` when `v` lies in the range.
    fn contains(&self, v: &Version) -> Option<Vec<String>> {
        let limits: Vec<&ParsedEvent> = self.events.iter().filter(|e| e.kind == Kind::Limit).collect();
        if !limits.is_empty()
            && !limits.iter().any(|l| l.version.as_ref().is_some_and(|lv| v.compare(lv) == Ordering::Less))
        {
            return None;
        }
        // Walk the events in ascending order, one distinct version at a time.
        let mut affected = false;
        let mut i = 0;
        while i < self.events.len() {
            let x = &self.events[i].version;
            let mut j = i;
            while j < self.events.len() && cmp_opt(&self.events[j].version, x) == Ordering::Equal {
                j += 1;
            }
            let group = &self.events[i..j];
            i = j;
            let ord = match x {
                None => Ordering::Greater,
                Some(xv) => v.compare(xv),
            };
            if ord == Ordering::Less {
                break;
            }
            let has = |k: Kind| group.iter().any(|e| e.kind == k);
            let (intro, fixed, last) = (has(Kind::Introduced), has(Kind::Fixed), has(Kind::LastAffected));
            // `fixed X` + `introduced X` (adjacent or empty intervals) leaves the state unchanged.
            if intro && !fixed {
                affected = true;
            } else if fixed && !intro {
                affected = false;
            }
            if ord == Ordering::Equal {
                break;
            }
            if last {
                affected = false;
            }
        }
        if !affected {
            return None;
        }
        let fixed = self
            .events
            .iter()
            .filter(|e| e.kind == Kind::Fixed)
            .filter(|e| e.version.as_ref().is_some_and(|f| v.compare(f) == Ordering::Less))
            .map(|e| e.raw.clone())
            .collect();
        Some(fixed)
    }
}

fn cmp_opt(a: &Option<Version>, b: &Option<Version>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.compare(y),
    }
}

impl ParsedEntry {
    /// Parses entry `index` of a record; `None` for entries without a package.
    pub(crate) fn parse(index: usize, a: &Affected) -> Option<ParsedEntry> {
        let p = a.package.as_ref()?;
        let base = ecosystem_base(&p.ecosystem).to_string();
        let engine = Engine::for_ecosystem(&base);
        let ranges = a.ranges.iter().filter_map(|r| ParsedRange::parse(r, engine)).collect();
        let versions = a.versions.clone();
        Some(ParsedEntry {
            index,
            release: ecosystem_release(&p.ecosystem).to_string(),
            name: normalize_name(&base, &p.name),
            base,
            engine,
            ranges,
            versions,
            versions_parsed: std::cell::OnceCell::new(),
        })
    }

    /// Whether the entry is for this ecosystem/release and normalised name.
    pub(crate) fn applies_to(&self, base: &str, release: &str, name: &str) -> bool {
        self.base == base && self.name == name && release_matches(&self.base, release, &self.release)
    }

    /// Checks `version` (raw string) against the entry.
    pub(crate) fn check(&self, version: &str) -> Option<Hit> {
        self.check_installed(&mut Installed::new(version))
    }

    /// Checks an installed version against the entry.
    pub(crate) fn check_installed(&self, inst: &mut Installed) -> Option<Hit> {
        let mut hit: Option<Hit> = None;
        for r in &self.ranges {
            if let Some(fixed) = r.contains(inst.get(r.engine)) {
                hit.get_or_insert_with(Hit::default).fixed.extend(fixed);
            }
        }
        if hit.is_none() && !self.versions.is_empty() {
            let listed = self.versions.contains(&inst.raw) || {
                let engine = self.engine;
                let parsed = self
                    .versions_parsed
                    .get_or_init(|| self.versions.iter().map(|s| Version::parse(engine, s)).collect());
                let v = inst.get(engine);
                parsed.iter().any(|pv| pv.compare(v) == Ordering::Equal)
            };
            if listed {
                hit = Some(Hit { fixed: Vec::new(), listed_only: true });
            }
        }
        hit
    }
}

/// Whether a package of release `pkg` matches an advisory for release `adv` of ecosystem `base`.
///
/// An advisory without a release applies to every release, and a package of unknown release is
/// checked against every release. Ubuntu releases match on the version number (`22.04` matches
/// `22.04:LTS`); Ubuntu Pro advisories only apply to packages that say they are Pro.
pub(crate) fn release_matches(base: &str, pkg: &str, adv: &str) -> bool {
    if adv.is_empty() || pkg.is_empty() {
        return true;
    }
    if base.eq_ignore_ascii_case("Ubuntu") {
        let adv_parts: Vec<&str> = adv.split(':').collect();
        let pkg_parts: Vec<&str> = pkg.split(':').collect();
        let pro = |p: &[&str]| p.iter().any(|x| x.eq_ignore_ascii_case("pro"));
        if pro(&adv_parts) && !pro(&pkg_parts) {
            return false;
        }
        let num = |p: &[&str]| {
            p.iter().find(|x| x.starts_with(|c: char| c.is_ascii_digit())).map(|s| s.to_string())
        };
        return num(&adv_parts) == num(&pkg_parts);
    }
    if base.eq_ignore_ascii_case("Red Hat") {
        // `Red Hat:enterprise_linux:9::appstream` matches a RHEL 9 package (`9` or
        // `enterprise_linux:9`); other Red Hat products must match exactly.
        let major = |r: &str| {
            r.split(':')
                .find(|x| x.starts_with(|c: char| c.is_ascii_digit()))
                .map(|m| m.split('.').next().unwrap_or(m).to_string())
        };
        let product = |r: &str| {
            r.split(':').next().filter(|x| !x.starts_with(|c: char| c.is_ascii_digit())).map(str::to_string)
        };
        let (pp, ap) = (product(pkg), product(adv));
        if pp.is_some() && pp != ap {
            return false;
        }
        if pp.is_none() && ap.as_deref().is_some_and(|a| a != "enterprise_linux") {
            return false;
        }
        return major(pkg) == major(adv);
    }
    adv.eq_ignore_ascii_case(pkg)
}

/// Whether `version` is affected by the OSV entry `affected`, ordered with the engine of the
/// entry's ecosystem (the entry's package name and release are not checked). A standalone helper
/// for callers and tests; [`crate::match_packages`] is the bulk path.
pub fn is_affected(version: &str, affected: &Affected) -> bool {
    ParsedEntry::parse(0, affected).is_some_and(|e| e.check(version).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::{AffectedPackage, Event};

    fn entry(eco: &str, kind: &str, events: &[(&str, &str)], versions: &[&str]) -> Affected {
        Affected {
            package: Some(AffectedPackage { ecosystem: eco.into(), name: "p".into(), purl: None }),
            ranges: vec![Range {
                kind: kind.into(),
                repo: None,
                events: events
                    .iter()
                    .map(|(k, v)| {
                        let mut e = Event::default();
                        let v = Some(v.to_string());
                        match *k {
                            "introduced" => e.introduced = v,
                            "fixed" => e.fixed = v,
                            "last_affected" => e.last_affected = v,
                            _ => e.limit = v,
                        }
                        e
                    })
                    .collect(),
            }],
            versions: versions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn introduced_fixed_pairs() {
        let a = entry(
            "PyPI",
            "ECOSYSTEM",
            &[("introduced", "0"), ("fixed", "1.5"), ("introduced", "2.0"), ("fixed", "2.3")],
            &[],
        );
        assert!(is_affected("1.0", &a));
        assert!(!is_affected("1.5", &a));
        assert!(!is_affected("1.9", &a));
        assert!(is_affected("2.0", &a));
        assert!(is_affected("2.2.9", &a));
        assert!(!is_affected("2.3", &a));
        let e = ParsedEntry::parse(0, &a).unwrap();
        assert_eq!(e.check("1.0").unwrap().fixed, vec!["1.5".to_string(), "2.3".to_string()]);
    }

    #[test]
    fn last_affected_and_limit() {
        let a = entry("npm", "SEMVER", &[("introduced", "1.0.0"), ("last_affected", "1.2.0")], &[]);
        assert!(is_affected("1.2.0", &a));
        assert!(!is_affected("1.2.1", &a));
        assert!(!is_affected("0.9.0", &a));
        let a = entry("Go", "SEMVER", &[("introduced", "0"), ("limit", "2.0.0")], &[]);
        assert!(is_affected("v1.9.9", &a));
        assert!(!is_affected("v2.0.0", &a));
    }

    #[test]
    fn versions_list_and_git_ignored() {
        let a = entry("PyPI", "GIT", &[("introduced", "0"), ("fixed", "abc")], &["1.0", "1.1"]);
        assert!(is_affected("1.1", &a));
        assert!(is_affected("1.1.0", &a)); // PEP 440 equality
        assert!(!is_affected("1.2", &a));
    }

    #[test]
    fn debian_unfixed() {
        let a = entry("Debian:12", "ECOSYSTEM", &[("introduced", "0")], &[]);
        let e = ParsedEntry::parse(0, &a).unwrap();
        assert_eq!(e.check("1.2-3").unwrap().fixed, Vec::<String>::new());
        assert!(e.applies_to("Debian", "12", "p"));
        assert!(!e.applies_to("Debian", "11", "p"));
    }

    #[test]
    fn empty_range_is_not_affected() {
        let a = entry("PyPI", "ECOSYSTEM", &[("introduced", "1.0"), ("fixed", "1.0")], &[]);
        assert!(!is_affected("1.0", &a));
    }

    #[test]
    fn ubuntu_releases() {
        assert!(release_matches("Ubuntu", "22.04", "22.04:LTS"));
        assert!(!release_matches("Ubuntu", "22.04", "Pro:22.04:LTS"));
        assert!(!release_matches("Ubuntu", "20.04", "22.04:LTS"));
        assert!(release_matches("Red Hat", "9", "enterprise_linux:9::appstream"));
        assert!(release_matches("Red Hat", "enterprise_linux:9", "enterprise_linux:9::baseos"));
        assert!(!release_matches("Red Hat", "8", "enterprise_linux:9::appstream"));
        assert!(!release_matches("Red Hat", "9", "openshift:4.14::el9"));
        assert!(release_matches("Alpine", "v3.19", "v3.19"));
        assert!(!release_matches("Alpine", "v3.18", "v3.19"));
    }
}
