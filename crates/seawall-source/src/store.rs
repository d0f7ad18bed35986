//! Where the files of a layout live: a directory (OCI layout) or an indexed tar archive.

use fs_err::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::SourceError;
use crate::tarindex::{TarIndex, index_tar};

/// Read buffer for blobs (large reads pass straight through).
const READ_BUFFER: usize = 256 << 10;

/// Read access to the named files of a layout, by path relative to its root.
pub(crate) trait Store: Send + Sync {
    /// The directory or archive, for messages.
    fn describe(&self) -> &str;
    /// Whether a file exists.
    fn exists(&self, rel: &str) -> bool;
    /// Opens a file; returns the reader and the size.
    fn open(&self, rel: &str) -> Result<(Box<dyn Read + Send>, u64), SourceError>;
    /// The name a file is stored under once links are followed (two names of one member give the
    /// same answer).
    fn canonical(&self, rel: &str) -> Result<String, SourceError> {
        Ok(rel.to_string())
    }
    /// Reads a whole small file, refusing files larger than `limit`.
    fn read_small(&self, rel: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        let (r, size) = self.open(rel)?;
        if size > limit {
            return Err(SourceError::TooLarge { what: format!("{}: {rel}", self.describe()), limit });
        }
        let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        r.take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| SourceError::Read { what: format!("{}: {rel}", self.describe()), source: e })?;
        Ok(buf)
    }
}

fn check_rel(container: &str, rel: &str) -> Result<(), SourceError> {
    if rel.starts_with('/') || rel.split('/').any(|c| c == "..") {
        return Err(SourceError::UnsafePath { container: container.to_string(), member: rel.to_string() });
    }
    Ok(())
}

/// An OCI layout directory.
pub(crate) struct DirStore {
    root: PathBuf,
    display: String,
}

impl DirStore {
    pub(crate) fn new(root: &Path) -> Result<Self, SourceError> {
        let meta = fs_err::metadata(root).map_err(|e| SourceError::io(root, e))?;
        if !meta.is_dir() {
            return Err(SourceError::malformed(root.display().to_string(), "not a directory"));
        }
        Ok(DirStore { root: root.to_path_buf(), display: root.display().to_string() })
    }
}

impl Store for DirStore {
    fn describe(&self) -> &str {
        &self.display
    }

    fn exists(&self, rel: &str) -> bool {
        check_rel(&self.display, rel).is_ok() && self.root.join(rel).is_file()
    }

    fn open(&self, rel: &str) -> Result<(Box<dyn Read + Send>, u64), SourceError> {
        check_rel(&self.display, rel)?;
        let path = self.root.join(rel);
        if fs_err::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            let inside = match (path.canonicalize(), self.root.canonicalize()) {
                (Ok(target), Ok(root)) => target.starts_with(root),
                _ => false,
            };
            if !inside {
                return Err(SourceError::UnsafePath {
                    container: self.display.clone(),
                    member: rel.to_string(),
                });
            }
        }
        let file = File::open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SourceError::Missing { container: self.display.clone(), member: rel.to_string() }
            } else {
                SourceError::io(&path, e)
            }
        })?;
        let meta = file.metadata().map_err(|e| SourceError::io(&path, e))?;
        if !meta.is_file() {
            return Err(SourceError::malformed(path.display().to_string(), "not a regular file"));
        }
        Ok((Box::new(BufReader::with_capacity(READ_BUFFER, file)), meta.len()))
    }
}

/// A tar archive indexed once; members are read by seeking a fresh handle (parallel-safe).
pub(crate) struct TarStore {
    path: PathBuf,
    display: String,
    index: TarIndex,
}

impl TarStore {
    pub(crate) fn new(path: &Path) -> Result<Self, SourceError> {
        let display = path.display().to_string();
        let file = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let meta = file.metadata().map_err(|e| SourceError::io(path, e))?;
        if !meta.is_file() {
            return Err(SourceError::malformed(display, "not a regular file"));
        }
        let index = index_tar(std::io::BufReader::with_capacity(512, file), &display)?;
        Ok(TarStore { path: path.to_path_buf(), display, index })
    }
}

impl Store for TarStore {
    fn describe(&self) -> &str {
        &self.display
    }

    fn exists(&self, rel: &str) -> bool {
        self.index.resolve(&self.display, rel).is_ok()
    }

    fn canonical(&self, rel: &str) -> Result<String, SourceError> {
        self.index.resolve(&self.display, rel).map(|(name, _)| name)
    }

    fn open(&self, rel: &str) -> Result<(Box<dyn Read + Send>, u64), SourceError> {
        let (_, member) = self.index.resolve(&self.display, rel)?;
        let mut file = File::open(&self.path).map_err(|e| SourceError::io(&self.path, e))?;
        file.seek(SeekFrom::Start(member.offset)).map_err(|e| SourceError::io(&self.path, e))?;
        Ok((Box::new(BufReader::with_capacity(READ_BUFFER, file.take(member.size))), member.size))
    }
}
