//! Applying whiteouts and overwrites of later layers to facts.

use std::collections::HashMap;

use seawall_analyzer::Facts;
use seawall_core::{FindingKind, OsInfo};

use crate::LayerWalk;
use crate::path::ancestors;

/// The squashed view of an image.
#[derive(Debug, Clone, Default)]
pub struct Squashed {
    /// Live packages (each with the layer that introduced it), findings (live ones, plus secret and
    /// model findings of removed files with `deleted_in_layer`), live model files, live captured files,
    /// live OS facts, and every warning.
    pub facts: Facts,
    /// The OS of the final image: the topmost live `/etc/os-release`, else `/usr/lib/os-release`.
    pub os: Option<OsInfo>,
}

/// Decides in which later layer (if any) a path from a given layer was removed or replaced.
struct Liveness<'a> {
    layers: &'a [LayerWalk],
    memo: HashMap<(String, u32), Option<u32>>,
}

impl Liveness<'_> {
    fn removed_in(&mut self, path: &str, layer: Option<u32>) -> Option<u32> {
        let layer = layer?;
        if let Some(r) = self.memo.get(&(path.to_string(), layer)) {
            return *r;
        }
        let mut result = None;
        for l in self.layers.iter().filter(|l| l.index > layer) {
            let p = &l.paths;
            if p.present.contains(path) || p.whiteouts.contains(path) {
                result = Some(l.index);
                break;
            }
            if ancestors(path).any(|a| p.whiteouts.contains(a) || p.opaque.contains(a))
                || p.opaque.contains("/")
            {
                result = Some(l.index);
                break;
            }
        }
        self.memo.insert((path.to_string(), layer), result);
        result
    }
}

/// Squashes per-layer facts into the final image view. `layers` may be in any order.
pub fn squash(layers: &[LayerWalk]) -> Squashed {
    let mut sorted: Vec<&LayerWalk> = layers.iter().collect();
    sorted.sort_by_key(|l| l.index);
    let mut live = Liveness { layers, memo: HashMap::new() };
    let mut out = Facts::default();

    // Packages: keep live ones; the introducing layer is the lowest layer in which the same database
    // file listed the same package version without a gap.
    let mut first_seen: HashMap<(String, String, String, String), u32> = HashMap::new();
    for l in &sorted {
        for p in &l.facts.packages {
            let path = p.locations.first().map(|x| x.path.clone()).unwrap_or_default();
            let key = (path, p.ecosystem.clone(), p.name.clone(), p.version.clone());
            first_seen.entry(key).or_insert(l.index);
        }
    }
    for l in &sorted {
        for p in &l.facts.packages {
            let path = p.locations.first().map(|x| x.path.clone()).unwrap_or_default();
            if live.removed_in(&path, Some(l.index)).is_some() {
                continue;
            }
            let mut p = p.clone();
            let key = (path, p.ecosystem.clone(), p.name.clone(), p.version.clone());
            if let Some(first) = first_seen.get(&key) {
                for loc in &mut p.locations {
                    loc.layer = Some(*first);
                }
            }
            out.packages.push(p);
        }
        for f in &l.facts.findings {
            match live.removed_in(&f.location.path, Some(l.index)) {
                None => out.findings.push(f.clone()),
                Some(m) if matches!(f.kind, FindingKind::Secret | FindingKind::Model) => {
                    let mut f = f.clone();
                    f.deleted_in_layer = Some(m);
                    out.findings.push(f);
                }
                Some(_) => {}
            }
        }
        for m in &l.facts.models {
            if live.removed_in(&m.location.path, Some(l.index)).is_none() {
                out.models.push(m.clone());
            }
        }
        for c in &l.facts.files {
            if live.removed_in(&c.location.path, Some(l.index)).is_none() {
                out.files.push(c.clone());
            }
        }
        for (loc, os) in &l.facts.os {
            if live.removed_in(&loc.path, Some(l.index)).is_none() {
                out.os.push((loc.clone(), os.clone()));
            }
        }
        out.warnings.extend(l.facts.warnings.iter().cloned());
    }
    let os = pick_os(&out.os);
    Squashed { facts: out, os }
}

/// The OS from the topmost live `os-release`, preferring `/etc/os-release` over `/usr/lib/os-release`.
pub(crate) fn pick_os(candidates: &[(seawall_core::Location, OsInfo)]) -> Option<OsInfo> {
    candidates
        .iter()
        .max_by_key(|(loc, _)| {
            let etc = loc.path.trim_start_matches('/') == "etc/os-release";
            (etc, loc.layer)
        })
        .map(|(_, os)| os.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LayerPaths;
    use seawall_core::{Finding, Location, Package, Severity};

    fn layer(index: u32, present: &[&str], whiteouts: &[&str], opaque: &[&str]) -> LayerWalk {
        LayerWalk {
            index,
            paths: LayerPaths {
                present: present.iter().map(|s| s.to_string()).collect(),
                whiteouts: whiteouts.iter().map(|s| s.to_string()).collect(),
                opaque: opaque.iter().map(|s| s.to_string()).collect(),
            },
            ..Default::default()
        }
    }

    fn secret(path: &str, layer: u32) -> Finding {
        Finding::new(FindingKind::Secret, "SW-SEC", Severity::High, 6, "t")
            .with_location(Location::file(path).with_layer(Some(layer)))
    }

    #[test]
    fn deleted_secret_is_kept_with_layer() {
        let mut l0 = layer(0, &["/app/token.txt"], &[], &[]);
        l0.facts.findings.push(secret("/app/token.txt", 0));
        let l1 = layer(1, &[], &["/app/token.txt"], &[]);
        let s = squash(&[l1, l0]);
        assert_eq!(s.facts.findings.len(), 1);
        assert_eq!(s.facts.findings[0].deleted_in_layer, Some(1));
        assert_eq!(s.facts.findings[0].location.layer, Some(0));
    }

    #[test]
    fn opaque_dir_and_parent_whiteout_hide_lower_files() {
        let mut l0 = layer(0, &["/opt/a/x", "/srv/y"], &[], &[]);
        l0.facts.findings.push(secret("/opt/a/x", 0));
        l0.facts.findings.push(secret("/srv/y", 0));
        let l1 = layer(1, &[], &["/srv"], &["/opt/a"]);
        let s = squash(&[l0, l1]);
        assert!(s.facts.findings.iter().all(|f| f.deleted_in_layer == Some(1)));
    }

    #[test]
    fn packages_from_overwritten_db_use_top_copy_and_first_layer() {
        let status = "/var/lib/dpkg/status";
        let mut l0 = layer(0, &[status], &[], &[]);
        l0.facts.packages.push(Package::new(
            "base",
            "1",
            "Debian",
            Location::file(status).with_layer(Some(0)),
        ));
        let mut l1 = layer(1, &[status], &[], &[]);
        l1.facts.packages.push(Package::new(
            "base",
            "1",
            "Debian",
            Location::file(status).with_layer(Some(1)),
        ));
        l1.facts.packages.push(Package::new(
            "curl",
            "7",
            "Debian",
            Location::file(status).with_layer(Some(1)),
        ));
        let s = squash(&[l0, l1]);
        assert_eq!(s.facts.packages.len(), 2);
        let base = s.facts.packages.iter().find(|p| p.name == "base").unwrap();
        assert_eq!(base.locations[0].layer, Some(0));
        let curl = s.facts.packages.iter().find(|p| p.name == "curl").unwrap();
        assert_eq!(curl.locations[0].layer, Some(1));
    }

    #[test]
    fn package_removed_by_later_layer_is_gone() {
        let p = "/usr/lib/python3/dist-packages/x-1.dist-info/METADATA";
        let mut l0 = layer(0, &[p], &[], &[]);
        l0.facts.packages.push(Package::new("x", "1", "PyPI", Location::file(p).with_layer(Some(0))));
        let l1 = layer(1, &[], &["/usr/lib/python3/dist-packages/x-1.dist-info"], &[]);
        let s = squash(&[l0, l1]);
        assert!(s.facts.packages.is_empty());
    }

    #[test]
    fn os_prefers_etc() {
        let os = |id: &str| OsInfo { id: id.into(), version_id: "1".into(), ..Default::default() };
        let c = vec![
            (Location::file("/usr/lib/os-release").with_layer(Some(2)), os("a")),
            (Location::file("/etc/os-release").with_layer(Some(0)), os("b")),
        ];
        assert_eq!(pick_os(&c).unwrap().id, "b");
    }
}
