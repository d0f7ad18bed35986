//! The minimal upgrade plan: per package, the lowest version that fixes every matched advisory.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use seawall_core::{Finding, FindingKind, Location};
use seawall_version::{Engine, Version};

use crate::matcher::Cache;
use crate::names::{ecosystem_base, ecosystem_release};
use crate::{DbError, VulnDb};

/// The upgrade advice for one installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    /// Ecosystem of the package as inventoried.
    pub ecosystem: String,
    /// Package name as inventoried.
    pub name: String,
    /// Installed version.
    pub installed: String,
    /// Lowest known version that fixes every advisory listed in `fixes`; `None` when no fixed
    /// version is known for any of them.
    pub target: Option<String>,
    /// Finding ids resolved by upgrading to `target`, sorted.
    pub fixes: Vec<String>,
    /// Finding ids that `target` does not resolve (no fix known, or fixed only on another branch).
    pub remaining: Vec<String>,
    /// Where the package was seen.
    pub location: Location,
}

type Key = (String, String, String, String, String, String);

/// Computes the upgrade plan for the vulnerability findings of [`crate::match_packages`].
///
/// Candidates are the fixed versions of the matched advisories above the installed version, in
/// ascending order; the target is the first candidate that no matched advisory affects (checked
/// against the records themselves, so a later advisory's range cannot be landed in by accident).
/// When no candidate clears everything, the lowest candidate clearing the most advisories is
/// proposed and the rest are listed in `remaining`. Sorted by ecosystem and name.
pub fn upgrade_plan(db: &VulnDb, findings: &[Finding]) -> Result<Vec<Upgrade>, DbError> {
    let mut by_pkg: BTreeMap<Key, Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.kind == FindingKind::Vulnerability) {
        let Some(p) = &f.package else { continue };
        let d = |k: &str| f.details.get(k).cloned().unwrap_or_default();
        let key = (
            p.ecosystem.clone(),
            p.name.clone(),
            p.version.clone(),
            d("matched_ecosystem"),
            d("matched_name"),
            d("matched_version"),
        );
        by_pkg.entry(key).or_default().push(f);
    }
    let mut cache = Cache::default();
    let mut plan = Vec::new();
    for ((eco, name, installed, m_eco, m_name, m_version), fs) in by_pkg {
        let engine = Engine::for_ecosystem(&m_eco);
        let base = ecosystem_base(&m_eco);
        let release = ecosystem_release(&m_eco);
        let current = Version::parse(engine, &m_version);
        let mut candidates: Vec<(Version, String)> = fs
            .iter()
            .flat_map(|f| f.fixed_versions.iter())
            .map(|v| (Version::parse(engine, v), v.clone()))
            .filter(|(pv, _)| pv.compare(&current) == Ordering::Greater)
            .collect();
        candidates.sort_by(|a, b| a.0.compare(&b.0).then_with(|| a.1.cmp(&b.1)));
        candidates.dedup_by(|a, b| a.1 == b.1);

        // For each finding, the parsed entries that matched (records listed in details).
        let mut per_finding = Vec::new();
        for f in &fs {
            let mut entries = Vec::new();
            for id in f.details.get("osv_records").map(String::as_str).unwrap_or(&f.id).split(',') {
                if let Some(r) = cache.record(db, id)? {
                    entries.push(r);
                }
            }
            per_finding.push((f.id.clone(), entries));
        }
        let affected_at = |version: &str, recs: &[std::rc::Rc<crate::matcher::ParsedRecord>]| {
            recs.iter().any(|r| {
                r.entries.iter().any(|e| e.applies_to(base, release, &m_name) && e.check(version).is_some())
            })
        };
        let mut best: Option<(usize, &String)> = None;
        for (_, cand) in &candidates {
            let cleared = per_finding.iter().filter(|(_, recs)| !affected_at(cand, recs)).count();
            if best.is_none_or(|(n, _)| cleared > n) {
                best = Some((cleared, cand));
            }
            if cleared == per_finding.len() {
                best = Some((cleared, cand));
                break;
            }
        }
        let target = best.map(|(_, c)| c.clone());
        let (mut fixes, mut remaining) = (Vec::new(), Vec::new());
        for (id, recs) in &per_finding {
            match &target {
                Some(t) if !affected_at(t, recs) => fixes.push(id.clone()),
                _ => remaining.push(id.clone()),
            }
        }
        fixes.sort();
        remaining.sort();
        plan.push(Upgrade {
            ecosystem: eco,
            name,
            installed,
            target,
            fixes,
            remaining,
            location: fs.first().map(|f| f.location.clone()).unwrap_or_default(),
        });
    }
    Ok(plan)
}
