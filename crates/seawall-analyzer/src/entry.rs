use seawall_core::Location;

/// The type of a filesystem entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A regular file (content available).
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed by analyzers).
    Symlink,
    /// A hard link to another entry of the same layer (content is that entry's).
    Hardlink,
    /// Device, fifo, socket or anything else.
    Other,
}

/// What an analyzer may look at before deciding whether it wants a file: path, size, mode, layer.
///
/// `path` is the display path: absolute inside images (`/usr/lib/os-release`), relative to the scan root
/// for directory scans (`k8s/deploy.yaml`). Use [`EntryMeta::rel_path`] for matching that works for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryMeta<'a> {
    /// Display path (see above). Never contains `..` components; `/` separated.
    pub path: &'a str,
    /// Size in bytes (0 for non-files).
    pub size: u64,
    /// Unix mode bits including setuid (0o4000) / setgid (0o2000) / sticky.
    pub mode: u32,
    /// Owner uid, when known.
    pub uid: u64,
    /// Owner gid, when known.
    pub gid: u64,
    /// Entry type.
    pub kind: EntryKind,
    /// 0-based layer index for images; `None` for directory scans.
    pub layer: Option<u32>,
    /// Symlink or hardlink target, if any.
    pub link_target: Option<&'a str>,
}

impl<'a> EntryMeta<'a> {
    /// A regular file entry with mode 0644 owned by root (convenient in tests).
    pub fn file(path: &'a str, size: u64, layer: Option<u32>) -> Self {
        EntryMeta { path, size, mode: 0o644, uid: 0, gid: 0, kind: EntryKind::File, layer, link_target: None }
    }

    /// The path without a leading `/`: `usr/lib/os-release` or `k8s/deploy.yaml`.
    pub fn rel_path(&self) -> &'a str {
        self.path.trim_start_matches('/')
    }

    /// The last path component.
    pub fn file_name(&self) -> &'a str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// True for regular files.
    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }

    /// The [`Location`] of this entry (path and layer).
    pub fn location(&self) -> Location {
        Location::file(self.path).with_layer(self.layer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let m = EntryMeta::file("/usr/lib/os-release", 3, Some(1));
        assert_eq!(m.rel_path(), "usr/lib/os-release");
        assert_eq!(m.file_name(), "os-release");
        assert_eq!(m.location().layer, Some(1));
        let f = EntryMeta::file("Dockerfile", 3, None);
        assert_eq!(f.file_name(), "Dockerfile");
    }
}
