//! The rule catalog: every check of this crate is one [`RuleMeta`], grouped by area.
//!
//! Each area module declares its rules with `seawall_core::rules!` (the one rule macro of the
//! workspace), which produces one `pub(crate) const` per rule (used by the checks through
//! [`crate::emit`]) and an `ALL` slice; [`RULES`] concatenates the areas at compile time.

use seawall_core::RuleMeta;

pub(crate) mod compose;
pub(crate) mod container;
pub(crate) mod daemon;
pub(crate) mod dockerfile;
pub(crate) mod image;
pub(crate) mod k8s;
pub(crate) mod ml;

const AREAS: &[&[RuleMeta]] =
    &[dockerfile::ALL, ml::ALL, image::ALL, container::ALL, compose::ALL, k8s::ALL, daemon::ALL];

const fn total(areas: &[&[RuleMeta]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < areas.len() {
        n += areas[i].len();
        i += 1;
    }
    n
}

const N: usize = total(AREAS);

const fn concat(areas: &[&[RuleMeta]]) -> [RuleMeta; N] {
    let mut out = [dockerfile::DF_USER_ROOT; N];
    let mut k = 0;
    let mut i = 0;
    while i < areas.len() {
        let mut j = 0;
        while j < areas[i].len() {
            out[k] = areas[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

static ALL_RULES: [RuleMeta; N] = concat(AREAS);

/// Every configuration rule of seawall (kind `misconfiguration`), grouped by area: Dockerfile
/// (`SW-DF-*`), ML serving exposure (`SW-ML-*`), built image (`SW-IMG-*`), container runtime settings
/// shared by compose and live containers (`SW-CTR-*`, CIS Docker Benchmark section 5), compose network
/// segmentation and secrets (`SW-COMPOSE-*`), Kubernetes (`SW-K8S-*`) and Docker daemon / NVIDIA
/// runtime (`SW-DAEMON-*`).
pub static RULES: &[RuleMeta] = &ALL_RULES;

/// The rule with the given id, if it belongs to this crate.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_unique_well_formed_and_documented() {
        let mut seen = BTreeSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            let parts: Vec<&str> = r.id.split('-').collect();
            assert_eq!(parts.len(), 3, "{}", r.id);
            assert_eq!(parts[0], "SW");
            assert_eq!(parts[2].len(), 3, "{}", r.id);
            assert!(parts[2].chars().all(|c| c.is_ascii_digit()), "{}", r.id);
            assert!((1..=10).contains(&r.practice), "{}", r.id);
            assert!(r.rationale.len() > 60, "{} rationale too short", r.id);
            assert!(r.fix.contains('`'), "{} fix lacks an example", r.id);
            assert!(!r.references.is_empty(), "{} has no reference", r.id);
            for u in r.references {
                assert!(u.starts_with("https://"), "{} reference {u}", r.id);
            }
            assert_eq!(r.kind, seawall_core::FindingKind::Misconfiguration);
        }
        assert_eq!(RULES.len(), N);
        assert!(rule("SW-DF-001").is_some());
        assert!(rule("SW-XX-999").is_none());
    }
}
