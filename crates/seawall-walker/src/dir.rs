//! Walking a directory tree (project or unpacked rootfs). Symlinks are reported, never followed.

use fs_err::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use seawall_analyzer::{EntryKind, EntryMeta, Facts, Location, ScanWarning};

use crate::Walker;
use crate::dispatch::offer;

/// Directories of third-party or generated content in project trees: dependencies installed by
/// package managers, virtual environments, build output, VCS metadata and tool caches. Their files are
/// not the project's own configuration; walks that skip them list what they skipped.
pub const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "site-packages",
    "dist-packages",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".gradle",
    ".m2",
    ".npm",
    "bower_components",
];

/// Options of [`Walker::walk_dir_with`].
#[derive(Debug, Clone, Default)]
pub struct DirOptions<'a> {
    /// Directory names (at any depth below the root) that are not entered, e.g. [`SKIP_DIRS`].
    pub skip_dirs: &'a [&'a str],
}

/// The result of [`Walker::walk_dir_with`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirWalk {
    /// The facts of every file walked.
    pub facts: Facts,
    /// Directories not entered because their name is in [`DirOptions::skip_dirs`] (relative paths).
    pub skipped_dirs: Vec<String>,
}

impl Walker {
    /// Walks a directory (or a single file) and returns the facts. Paths are relative to `root`
    /// (`Dockerfile`, `k8s/app.yaml`); for a single file the path is its file name. Unreadable entries
    /// become warnings naming the path.
    pub fn walk_dir(&self, root: &Path) -> Facts {
        self.walk_dir_with(root, &DirOptions::default()).facts
    }

    /// [`Walker::walk_dir`] with options: directories named in `skip_dirs` are not entered and are
    /// listed in [`DirWalk::skipped_dirs`].
    pub fn walk_dir_with(&self, root: &Path, opts: &DirOptions<'_>) -> DirWalk {
        let mut facts = Facts::default();
        let mut skipped_dirs = Vec::new();
        let single_file = root.is_file();
        let walker =
            walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter().filter_entry(
                |e| {
                    let skip = e.depth() > 0
                        && e.file_type().is_dir()
                        && opts.skip_dirs.contains(&e.file_name().to_string_lossy().as_ref());
                    if skip {
                        let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                        skipped_dirs.push(rel.to_string_lossy().into_owned());
                    }
                    !skip
                },
            );
        for item in walker {
            let entry = match item {
                Ok(e) => e,
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| root.display().to_string());
                    facts.warnings.push(ScanWarning::at("walker", Location::file(path), e.to_string()));
                    continue;
                }
            };
            let rel = if single_file {
                entry.file_name().to_string_lossy().into_owned()
            } else {
                match entry.path().strip_prefix(root) {
                    Ok(r) => r.to_string_lossy().into_owned(),
                    Err(_) => continue,
                }
            };
            if rel.is_empty() {
                continue;
            }
            let md = match entry.path().symlink_metadata() {
                Ok(m) => m,
                Err(e) => {
                    facts.warnings.push(ScanWarning::at("walker", Location::file(rel), e.to_string()));
                    continue;
                }
            };
            let ft = md.file_type();
            let kind = if ft.is_file() {
                EntryKind::File
            } else if ft.is_dir() {
                EntryKind::Dir
            } else if ft.is_symlink() {
                EntryKind::Symlink
            } else {
                EntryKind::Other
            };
            let link = if kind == EntryKind::Symlink {
                fs_err::read_link(entry.path()).ok().map(|p| p.to_string_lossy().into_owned())
            } else {
                None
            };
            let meta = EntryMeta {
                path: &rel,
                size: if kind == EntryKind::File { md.len() } else { 0 },
                mode: md.mode(),
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                kind,
                layer: None,
                link_target: link.as_deref(),
            };
            let result = if kind == EntryKind::File {
                match File::open(entry.path()) {
                    Ok(f) => {
                        // Bound the read by the size seen at stat time: a file growing under us is
                        // read as it was.
                        let mut r = std::io::Read::take(f, md.len());
                        offer(&self.analyzers, &self.limits, &meta, &mut r, &mut facts)
                    }
                    Err(e) => Err(e),
                }
            } else {
                offer(&self.analyzers, &self.limits, &meta, &mut std::io::empty(), &mut facts)
            };
            if let Err(e) = result {
                facts.warnings.push(ScanWarning::at(
                    "walker",
                    Location::file(rel.clone()),
                    format!("cannot read file: {e}"),
                ));
            }
        }
        DirWalk { facts, skipped_dirs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_analyzer::{AnalyzerError, FileAnalyzer, Interest};
    use seawall_core::Package;
    use std::io::Read;

    struct Names;
    impl FileAnalyzer for Names {
        fn name(&self) -> &'static str {
            "names"
        }
        fn version(&self) -> u32 {
            1
        }
        fn required(&self, m: &EntryMeta<'_>) -> Interest {
            if m.is_file() && m.file_name().ends_with(".txt") { Interest::Yes } else { Interest::No }
        }
        fn analyze(&self, m: &EntryMeta<'_>, r: &mut dyn Read, out: &mut Facts) -> Result<(), AnalyzerError> {
            let mut s = String::new();
            r.read_to_string(&mut s)?;
            out.packages.push(Package::new(m.path, s.trim(), "t", m.location()));
            Ok(())
        }
    }

    #[test]
    fn walks_relative_paths_without_following_links() {
        let d = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(d.path().join("sub")).unwrap();
        fs_err::write(d.path().join("sub/a.txt"), "1").unwrap();
        fs_err::write(d.path().join("b.bin"), "2").unwrap();
        fs_err::os::unix::fs::symlink("/etc/passwd", d.path().join("link.txt")).unwrap();
        let w = Walker::new(vec![Box::new(Names)], Default::default());
        let f = w.walk_dir(d.path());
        assert_eq!(f.packages.len(), 1, "{:?}", f.packages);
        assert_eq!(f.packages[0].name, "sub/a.txt");
        assert_eq!(f.packages[0].locations[0].layer, None);
        let single = w.walk_dir(&d.path().join("sub/a.txt"));
        assert_eq!(single.packages[0].name, "a.txt");
    }

    #[test]
    fn skip_dirs_are_not_entered_and_are_listed() {
        let d = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(d.path().join("app/node_modules/x")).unwrap();
        fs_err::write(d.path().join("app/node_modules/x/a.txt"), "1").unwrap();
        fs_err::write(d.path().join("app/b.txt"), "2").unwrap();
        let w = Walker::new(vec![Box::new(Names)], Default::default());
        let r = w.walk_dir_with(d.path(), &DirOptions { skip_dirs: SKIP_DIRS });
        assert_eq!(r.facts.packages.len(), 1);
        assert_eq!(r.skipped_dirs, vec!["app/node_modules".to_string()]);
        assert_eq!(w.walk_dir(d.path()).packages.len(), 2, "walk_dir skips nothing");
    }
}
