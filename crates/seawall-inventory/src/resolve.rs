//! Inventory facts that span files, resolved once after the walk on the squashed view (whiteouts
//! applied), by [`resolve`]. The file analyzers leave what they need as captured files:
//!
//! * **pip includes.** Requirement files are captured by `python-lock`, and so are text files of
//!   other names that read as requirement files (include candidates). A `-r FILE` include whose
//!   target is not itself a requirement file by name (which is reported on its own) adds the
//!   target's requirements, tagged `properties["python.included_from"]`; a `-c FILE` constraint
//!   gives unpinned requirements of the including file (and of what it includes) the version FILE
//!   pins, tagged `["python.pinned_by"]`. Includes are followed to [`MAX_INCLUDE_DEPTH`] levels,
//!   relative to the including file, only inside the scanned tree (an image's `/`, or the scanned
//!   directory); an include that cannot be followed is a warning.
//! * **Editable installs.** An `*.egg-link` file (captured by `python-egg`) points to a project
//!   directory: the distribution found there by `python-dist` is tagged
//!   `["python.editable"] = <directory>`; when it is not in the scanned tree, the package is
//!   reported from the link's name with an unknown version, and a warning says so.
//! * **npm shrinkwrap.** A directory with an `npm-shrinkwrap.json` (captured as a marker by
//!   `npm-lock`) installs from it, as npm does: packages of a `package-lock.json` beside it are
//!   dropped.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use seawall_analyzer::{CapturedFile, EntryMeta, Facts, ScanWarning};
use seawall_core::{Location, Package, WarningKind};

use crate::common::{Out, PROP_ANALYZER, pep503_normalize, purl};
use crate::python::ECOSYSTEM_PYPI;
use crate::python::dist::parse_egg_link;
use crate::python::lock::{PROP_CONSTRAINT, is_requirements_name, report_requirements};
use crate::python::requirements::parse_requirements;

/// Property: the requirement file (and line) whose `-r` include brought the package in.
pub const PROP_INCLUDED_FROM: &str = "python.included_from";
/// Property: the constraint file (and line) that pinned an unpinned requirement.
pub const PROP_PINNED_BY: &str = "python.pinned_by";
/// Property: the project directory of an editable (`.egg-link`) install.
pub const PROP_EDITABLE: &str = "python.editable";
/// Deepest chain of `-r` / `-c` includes followed.
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// Resolves the cross-file facts described in the module documentation: adds and updates
/// `packages`, and records what could not be resolved in `warnings`. Deterministic: files are
/// visited in path order. Called by the orchestrator once, after the walk and before
/// [`crate::apply_os`].
pub fn resolve(packages: &mut Vec<Package>, files: &[CapturedFile], warnings: &mut Vec<ScanWarning>) {
    let mut sorted: Vec<&CapturedFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.location.path.cmp(&b.location.path));
    npm_shrinkwrap(packages, &sorted);
    egg_links(packages, &sorted, warnings);
    pip_includes(packages, &sorted, warnings);
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn npm_shrinkwrap(packages: &mut Vec<Package>, files: &[&CapturedFile]) {
    let dirs: BTreeSet<&str> = files
        .iter()
        .filter(|f| file_name(&f.location.path) == "npm-shrinkwrap.json")
        .map(|f| dir_of(&f.location.path))
        .collect();
    if dirs.is_empty() {
        return;
    }
    packages.retain(|p| {
        let from_lock = p.properties.get(PROP_ANALYZER).is_some_and(|a| a == "npm-lock");
        let path = p.locations.first().map_or("", |l| l.path.as_str());
        !(from_lock && file_name(path) == "package-lock.json" && dirs.contains(dir_of(path)))
    });
}

/// `/a/b` and `a/b` name the same place in an image or an unpacked root.
fn same_root_path(a: &str) -> &str {
    a.trim_start_matches('/').trim_end_matches('/')
}

fn egg_links(packages: &mut Vec<Package>, files: &[&CapturedFile], warnings: &mut Vec<ScanWarning>) {
    for f in files.iter().filter(|f| f.location.path.ends_with(".egg-link")) {
        let link = &f.location.path;
        let name = pep503_normalize(file_name(link).trim_end_matches(".egg-link"));
        let Some(target) = parse_egg_link(&f.content) else {
            warnings.push(ScanWarning::at(
                "python-egg",
                f.location.clone(),
                "egg-link names no project directory",
            ));
            continue;
        };
        let target_dir = same_root_path(target);
        let found = packages.iter_mut().find(|p| {
            p.ecosystem == ECOSYSTEM_PYPI
                && p.name == name
                && p.properties.get(PROP_ANALYZER).is_some_and(|a| a == "python-dist")
                && p.locations.first().is_some_and(|l| {
                    // <target>/<name>.egg-info[/PKG-INFO] (or a `src/` layout below it).
                    let d = same_root_path(&l.path);
                    d.strip_prefix(target_dir).is_some_and(|rest| rest.starts_with('/'))
                })
        });
        match found {
            Some(p) => {
                p.properties.insert(PROP_EDITABLE.into(), target.to_string());
            }
            None => {
                let mut p = Package::new(&name, "", ECOSYSTEM_PYPI, f.location.clone())
                    .with_property(PROP_ANALYZER, "python-egg")
                    .with_property(PROP_EDITABLE, target);
                p.purl = purl("pypi", None, &name, None, &[]);
                packages.push(p);
                warnings.push(ScanWarning::at(
                    "python-egg",
                    f.location.clone(),
                    format!("editable install `{name}` points to {target}, whose metadata is not in the scanned tree: version unknown"),
                ));
            }
        }
    }
}

/// Resolves `include` (as written in `from`) to a path in the scanned tree, or says why not.
fn join(from: &str, include: &str) -> Result<String, String> {
    if include.contains("${") {
        return Err("refers to an environment variable".into());
    }
    if include.contains("://") {
        return Err("is a URL".into());
    }
    let image = from.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    let start = if include.starts_with('/') {
        if !image {
            return Err("is an absolute path outside the scanned directory".into());
        }
        include
    } else {
        for seg in dir_of(from).split('/').filter(|s| !s.is_empty()) {
            parts.push(seg);
        }
        include
    };
    for seg in start.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("leads outside the scanned tree".into());
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    Ok(if image { format!("/{joined}") } else { joined })
}

fn pip_includes(packages: &mut Vec<Package>, files: &[&CapturedFile], warnings: &mut Vec<ScanWarning>) {
    let by_path: BTreeMap<&str, &CapturedFile> = files
        .iter()
        .filter(|f| {
            let n = file_name(&f.location.path);
            n.ends_with(".txt") || n.ends_with(".in")
        })
        .map(|f| (f.location.path.as_str(), *f))
        .collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for (root_path, root) in &by_path {
        // Roots are the files reported on their own: requirement names and `*.in` files (the
        // latter only captured when they read as requirement files). Candidates only matter when
        // something includes them.
        let root_rel = root_path.trim_start_matches('/');
        if !(is_requirements_name(root_rel) || root_rel.ends_with(".in")) {
            continue;
        }
        let mut closure: BTreeSet<String> = BTreeSet::from([root_path.to_string()]);
        let mut pins: Vec<(String, String, String)> = Vec::new();
        let mut queue: VecDeque<(&CapturedFile, usize)> = VecDeque::from([(*root, 0)]);
        while let Some((f, depth)) = queue.pop_front() {
            let parsed = parse_requirements(&f.content);
            for inc in &parsed.includes {
                let at = format!("{}:{}", f.location.path, inc.line);
                let mut warn = |kind: WarningKind, msg: String| {
                    let mut loc = f.location.clone();
                    loc.line = Some(inc.line);
                    warnings.push(ScanWarning::at("python-lock", loc, msg).with_kind(kind));
                };
                let target = match join(&f.location.path, &inc.path) {
                    Ok(t) => t,
                    Err(why) => {
                        warn(
                            WarningKind::FileNotAnalyzed,
                            format!("include `{}` not followed: it {why}", inc.path),
                        );
                        continue;
                    }
                };
                let Some(tf) = by_path.get(target.as_str()) else {
                    warn(
                        WarningKind::FileNotAnalyzed,
                        format!(
                            "included file {target} is not in the scanned tree (or was not read as a requirement file)"
                        ),
                    );
                    continue;
                };
                if inc.constraint {
                    let c = parse_requirements(&tf.content);
                    for r in c.requirements {
                        if let Some(v) = r.pinned {
                            pins.push((pep503_normalize(&r.name), v, format!("{target}:{}", r.line)));
                        }
                    }
                    continue;
                }
                let target_rel = target.trim_start_matches('/');
                if is_requirements_name(target_rel)
                    || target_rel.ends_with(".in")
                    || !closure.insert(target.clone())
                {
                    // Reported (and its own includes followed) as a root, or already visited.
                    continue;
                }
                if depth + 1 > MAX_INCLUDE_DEPTH {
                    warn(
                        WarningKind::BudgetExceeded,
                        format!("include chain deeper than {MAX_INCLUDE_DEPTH} files: {target} not followed"),
                    );
                    continue;
                }
                if reported.insert(target.clone()) {
                    let meta = EntryMeta::file(&tf.location.path, tf.content.len() as u64, tf.location.layer);
                    let mut facts = Facts::default();
                    let mut out = Out::new("python-lock", &meta, &mut facts);
                    report_requirements(&mut out, &parse_requirements(&tf.content));
                    for mut p in facts.packages {
                        p.properties.insert(PROP_INCLUDED_FROM.into(), at.clone());
                        packages.push(p);
                    }
                    warnings.extend(facts.warnings);
                }
                queue.push_back((tf, depth + 1));
            }
        }
        apply_pins(packages, &closure, &pins);
    }
}

/// Gives unpinned requirements of the files in `closure` the version a constraint file pins.
fn apply_pins(packages: &mut [Package], closure: &BTreeSet<String>, pins: &[(String, String, String)]) {
    if pins.is_empty() {
        return;
    }
    for p in packages.iter_mut() {
        let in_closure = p.locations.first().is_some_and(|l: &Location| closure.contains(&l.path));
        let from_requirements = p.properties.get(PROP_ANALYZER).is_some_and(|a| a == "python-lock")
            && p.properties.contains_key(PROP_CONSTRAINT);
        if !(in_closure && from_requirements && p.version.is_empty()) {
            continue;
        }
        if let Some((_, v, by)) = pins.iter().find(|(n, _, _)| *n == p.name) {
            p.version.clone_from(v);
            p.purl = purl("pypi", None, &p.name, Some(v), &[]);
            p.properties.insert(PROP_PINNED_BY.into(), by.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs every inventory analyzer over `(path, content)` files like a directory scan, then
    /// [`resolve`].
    fn scan(files: &[(&str, &str)]) -> (Vec<Package>, Vec<ScanWarning>) {
        let mut facts = Facts::default();
        for (path, content) in files {
            let meta = EntryMeta::file(path, content.len() as u64, None);
            for a in crate::analyzers() {
                let want = match a.required(&meta) {
                    seawall_analyzer::Interest::No => false,
                    seawall_analyzer::Interest::Yes => true,
                    seawall_analyzer::Interest::Sniff => a.required_by_content(&meta, content.as_bytes()),
                };
                if want && let Err(e) = a.analyze(&meta, &mut content.as_bytes(), &mut facts) {
                    facts.warnings.push(ScanWarning::at(a.name(), meta.location(), e.to_string()));
                }
            }
        }
        let Facts { mut packages, files, mut warnings, .. } = facts;
        resolve(&mut packages, &files, &mut warnings);
        packages.sort();
        (packages, warnings)
    }

    fn nv(p: &[Package]) -> Vec<(&str, &str)> {
        p.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect()
    }

    #[test]
    fn requirement_includes_are_followed_inside_the_tree() {
        let (p, w) = scan(&[
            ("app/requirements.txt", "flask==2.0.1\n-r base.txt\n-r requirements-dev.txt\n"),
            ("app/base.txt", "numpy==1.26.4\n-r common/more.txt\n"),
            ("app/common/more.txt", "requests==2.31.0\n-r ../base.txt\n"),
            ("app/requirements-dev.txt", "pytest==7.0.0\n"),
            ("app/notes.txt", "torch==2.0.0\n"),
        ]);
        assert_eq!(
            nv(&p),
            [("flask", "2.0.1"), ("numpy", "1.26.4"), ("pytest", "7.0.0"), ("requests", "2.31.0")],
            "notes.txt is included by nobody: not a package source"
        );
        assert!(w.is_empty(), "{w:?}");
        let numpy = p.iter().find(|p| p.name == "numpy").unwrap();
        assert_eq!(numpy.locations[0].path, "app/base.txt");
        assert_eq!(
            numpy.properties.get(PROP_INCLUDED_FROM).map(String::as_str),
            Some("app/requirements.txt:2")
        );
    }

    #[test]
    fn includes_outside_the_tree_or_missing_are_warnings() {
        let (p, w) = scan(&[(
            "requirements.txt",
            "flask==2.0.1\n-r ../outside.txt\n-r /etc/abs.txt\n-r missing.txt\n-r ${DIR}/x.txt\n-c constraints.txt\n",
        )]);
        assert_eq!(nv(&p), [("flask", "2.0.1")]);
        let lines: Vec<_> = w.iter().map(|w| w.location.as_ref().unwrap().line.unwrap()).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6], "{w:?}");
    }

    #[test]
    fn image_paths_allow_absolute_includes() {
        assert_eq!(join("/app/requirements.txt", "/opt/deps/base.txt").as_deref(), Ok("/opt/deps/base.txt"));
        assert_eq!(
            join("/app/requirements.txt", "../../x.txt"),
            Err("leads outside the scanned tree".to_string())
        );
        assert_eq!(join("/app/requirements.txt", "../x.txt").as_deref(), Ok("/x.txt"));
        assert_eq!(join("requirements.txt", "./a/./b.txt").as_deref(), Ok("a/b.txt"));
    }

    #[test]
    fn constraints_pin_unpinned_requirements() {
        let (p, w) = scan(&[
            ("svc/requirements.in", "torch\nnumpy>=1.20\n-c constraints.txt\n-r extra.txt\n"),
            ("svc/constraints.txt", "torch==2.1.0\nnumpy==1.26.4\nscipy==1.11.0\n"),
            ("svc/extra.txt", "scipy\n"),
        ]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(nv(&p), [("numpy", "1.26.4"), ("scipy", "1.11.0"), ("torch", "2.1.0")]);
        let torch = p.iter().find(|p| p.name == "torch").unwrap();
        assert_eq!(torch.properties.get(PROP_PINNED_BY).map(String::as_str), Some("svc/constraints.txt:1"));
        assert_eq!(torch.purl.as_deref(), Some("pkg:pypi/torch@2.1.0"));
    }

    #[test]
    fn include_depth_is_bounded() {
        let mut files: Vec<(String, String)> = vec![("requirements.txt".into(), "-r f0.txt\n".into())];
        for i in 0..(MAX_INCLUDE_DEPTH + 2) {
            files.push((format!("f{i}.txt"), format!("p{i}==1.0\n-r f{}.txt\n", i + 1)));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let (p, w) = scan(&refs);
        assert_eq!(p.len(), MAX_INCLUDE_DEPTH);
        assert!(w.iter().any(|w| w.message.contains("deeper than")), "{w:?}");
    }

    #[test]
    fn egg_links_mark_or_report_editable_installs() {
        let (p, w) = scan(&[
            ("usr/lib/python3/site-packages/My_Project.egg-link", "/app/src\n.\n"),
            (
                "app/src/My_Project.egg-info/PKG-INFO",
                "Metadata-Version: 2.1\nName: My-Project\nVersion: 0.3.0\n",
            ),
            ("usr/lib/python3/site-packages/gone.egg-link", "/nowhere\n.\n"),
        ]);
        let mine = p.iter().find(|p| p.name == "my-project").unwrap();
        assert_eq!(mine.version, "0.3.0");
        assert_eq!(mine.properties.get(PROP_EDITABLE).map(String::as_str), Some("/app/src"));
        let gone = p.iter().find(|p| p.name == "gone").unwrap();
        assert_eq!(gone.version, "");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("version unknown"));
    }

    #[test]
    fn shrinkwrap_wins_over_package_lock() {
        let lock = r#"{"lockfileVersion":3,"packages":{"":{},"node_modules/a":{"version":"1.0.0"}}}"#;
        let shrink = r#"{"lockfileVersion":3,"packages":{"":{},"node_modules/a":{"version":"2.0.0"}}}"#;
        let (p, _) = scan(&[
            ("web/package-lock.json", lock),
            ("web/npm-shrinkwrap.json", shrink),
            ("other/package-lock.json", lock),
        ]);
        let got: Vec<_> = p.iter().map(|p| (p.locations[0].path.as_str(), p.version.as_str())).collect();
        assert_eq!(got, [("other/package-lock.json", "1.0.0"), ("web/npm-shrinkwrap.json", "2.0.0")]);
        // An empty shrinkwrap still wins.
        let (p, _) = scan(&[
            ("web/package-lock.json", lock),
            ("web/npm-shrinkwrap.json", r#"{"lockfileVersion":3,"packages":{}}"#),
        ]);
        assert!(p.is_empty());
    }
}
