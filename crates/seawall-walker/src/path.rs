//! Where a tar entry lands in the image, as the layer applier would put it.
//!
//! What the runtimes do (containerd `pkg/archive/tar.go` `applyNaive` + continuity `fs.RootPath`;
//! Docker/moby `go-archive` `UnpackLayer` + `resolveArchivePath`), and what seawall mirrors:
//!
//! * The name is cleaned lexically first (`path.Clean`): `a//b/./c/` → `a/b/c`, `a/../b` → `b`, a
//!   leading `/` is dropped (both runtimes apply `/etc/passwd` as `etc/passwd`).
//! * A name that climbs above the root (`../../etc/passwd`): containerd clamps it at the root
//!   (`fs.RootPath` joins onto `/`), so the file is created as `/etc/passwd`; Docker rejects the layer
//!   (`breakoutError`). seawall analyses the entry under the clamped path and says so in a notice.
//! * The parent directories of a name are resolved through symlinks created earlier in the same layer,
//!   inside the image root: `e -> /etc` then `e/shadow` writes `/etc/shadow` (containerd resolves the
//!   parent with `fs.RootPath`, Docker with `os.Root` and an in-root fallback for absolute links).
//!   Relative targets are joined to the link's directory and cleaned, absolute ones start at the root,
//!   `..` never leaves the root, at most 255 links are followed (containerd's bound).
//! * Symlinks of *lower* layers are not followed: with the overlay snapshotters (containerd's default,
//!   Docker's `overlay2`) a layer is applied to its own upper directory, where a missing parent becomes
//!   a real directory that hides the lower symlink in the merged view.
//! * A name is cut at its first NUL byte, as Go's `archive/tar` reads names.

use std::collections::HashMap;

/// Most symlinks followed while resolving one name (containerd's `fs.RootPath` bound).
pub(crate) const MAX_LINKS: usize = 255;

/// Normalises a tar member name into an image path without leading `/`.
///
/// Strips `./` and leading `/`, collapses `//` and `.` components and trailing `/`, resolves `..`
/// lexically and cuts the name at its first NUL. Returns `None` for names that climb above the root
/// (see `clean_name` for the clamped path a runtime would use).
pub fn normalize_tar_path(raw: &[u8]) -> Option<String> {
    let (path, clamped) = clean_name(raw);
    if clamped { None } else { Some(path) }
}

/// Cleans a tar member name like Go's `path.Clean` on a root-relative name, clamping `..` at the root
/// as containerd does. Returns the path (no leading `/`, `""` for the root) and whether a `..` had to
/// be clamped (the name tried to leave the root).
pub(crate) fn clean_name(raw: &[u8]) -> (String, bool) {
    let raw = raw.iter().position(|&b| b == 0).map_or(raw, |i| &raw[..i]);
    let s = String::from_utf8_lossy(raw);
    clean_str(&s)
}

fn clean_str(s: &str) -> (String, bool) {
    let mut parts: Vec<&str> = Vec::new();
    let mut clamped = false;
    for comp in s.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    clamped = true;
                }
            }
            c => parts.push(c),
        }
    }
    (parts.join("/"), clamped)
}

/// The symlinks a layer has created so far, for resolving later names of the same layer.
#[derive(Debug, Default)]
pub(crate) struct LayerLinks {
    links: HashMap<String, String>,
}

/// Too many levels of symlinks (a loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinkLoop;

impl LayerLinks {
    /// Records that `path` (resolved, no leading `/`) now is a symlink to `target`, or — when `target`
    /// is `None` — something else (a file or directory replaced whatever was there).
    pub(crate) fn record(&mut self, path: &str, target: Option<&str>) {
        match target {
            Some(t) => {
                self.links.insert(path.to_string(), t.to_string());
            }
            None => {
                self.links.remove(path);
            }
        }
    }

    /// Forgets the symlinks below `dir` (a directory replaced by a file takes its content with it).
    pub(crate) fn remove_under(&mut self, dir: &str) {
        let prefix = format!("{dir}/");
        self.links.retain(|p, _| !p.starts_with(&prefix));
    }

    /// Resolves the parent directories of a cleaned name (as from [`clean_name`]) through the layer's
    /// symlinks; the last component is kept as is (an entry replaces a symlink at its own path).
    pub(crate) fn resolve(&self, clean: &str) -> Result<String, LinkLoop> {
        if self.links.is_empty() {
            return Ok(clean.to_string());
        }
        let (parent, base) = match clean.rsplit_once('/') {
            Some((p, b)) => (p, b),
            None => return Ok(clean.to_string()),
        };
        let dir = self.resolve_dir(parent)?;
        Ok(if dir.is_empty() { base.to_string() } else { format!("{dir}/{base}") })
    }

    /// Resolves every component of a directory path, following symlinks inside the root.
    fn resolve_dir(&self, dir: &str) -> Result<String, LinkLoop> {
        let mut done: Vec<String> = Vec::new();
        let mut todo: Vec<String> =
            dir.split('/').rev().filter(|c| !c.is_empty()).map(str::to_string).collect();
        let mut followed = 0usize;
        while let Some(comp) = todo.pop() {
            match comp.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(comp);
            let here = done.join("/");
            let Some(target) = self.links.get(&here) else { continue };
            followed += 1;
            if followed > MAX_LINKS {
                return Err(LinkLoop);
            }
            done.pop();
            // Relative targets are joined to the link's directory, absolute ones start at the root;
            // either way the result is cleaned and cannot leave the root.
            let joined =
                if target.starts_with('/') { target.clone() } else { format!("{}/{target}", done.join("/")) };
            let (clean, _) = clean_str(&joined);
            done.clear();
            todo.extend(clean.split('/').rev().filter(|c| !c.is_empty()).map(str::to_string));
        }
        Ok(done.join("/"))
    }
}

/// The ancestors of a display path, nearest first: `/a/b/c` → `/a/b`, `/a`.
pub(crate) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut cur = path;
    std::iter::from_fn(move || {
        let idx = cur.rfind('/')?;
        cur = &cur[..idx];
        if cur.is_empty() { None } else { Some(cur) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize_tar_path(b"./etc/os-release").as_deref(), Some("etc/os-release"));
        assert_eq!(normalize_tar_path(b"/usr//lib/").as_deref(), Some("usr/lib"));
        assert_eq!(normalize_tar_path(b"./").as_deref(), Some(""));
        assert_eq!(normalize_tar_path(b"a/../../etc/passwd"), None);
        assert_eq!(normalize_tar_path(b"a/../etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(normalize_tar_path(b"etc/passwd\0.bak").as_deref(), Some("etc/passwd"));
    }

    #[test]
    fn escaping_names_are_clamped_like_containerd() {
        assert_eq!(clean_name(b"../../etc/passwd"), ("etc/passwd".to_string(), true));
        assert_eq!(clean_name(b"/../etc/shadow"), ("etc/shadow".to_string(), true));
        assert_eq!(clean_name(b"/etc/shadow"), ("etc/shadow".to_string(), false));
    }

    #[test]
    fn parents_resolve_through_same_layer_symlinks_inside_the_root() {
        let mut l = LayerLinks::default();
        l.record("e", Some("/etc"));
        l.record("r", Some("../../../etc"));
        l.record("usr/lib64", Some("lib"));
        l.record("chain", Some("e"));
        assert_eq!(l.resolve("e/shadow").unwrap(), "etc/shadow");
        assert_eq!(l.resolve("r/os-release").unwrap(), "etc/os-release");
        assert_eq!(l.resolve("usr/lib64/x/y.so").unwrap(), "usr/lib/x/y.so");
        assert_eq!(l.resolve("chain/passwd").unwrap(), "etc/passwd");
        // The entry's own name is not followed: it replaces the link.
        assert_eq!(l.resolve("e").unwrap(), "e");
        l.record("e", None);
        assert_eq!(l.resolve("e/shadow").unwrap(), "e/shadow");
        let mut lp = LayerLinks::default();
        lp.record("a", Some("b"));
        lp.record("b", Some("a"));
        assert_eq!(lp.resolve("a/x"), Err(LinkLoop));
    }

    #[test]
    fn ancestors_nearest_first() {
        let v: Vec<_> = ancestors("/a/b/c").collect();
        assert_eq!(v, vec!["/a/b", "/a"]);
        let r: Vec<_> = ancestors("a/b").collect();
        assert_eq!(r, vec!["a"]);
    }
}
