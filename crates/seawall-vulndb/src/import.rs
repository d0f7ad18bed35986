//! Importing OSV records: a zip (the bucket's `all.zip`), a directory tree of `.json`/`.yaml`
//! files, or one file.

use std::io::Read;
use std::path::Path;

use crate::DbError;
use crate::osv::Vulnerability;
use crate::store::{Batch, ImportSummary, SourceMeta, VulnDb};

/// Largest single record accepted (bytes); larger entries are reported and skipped.
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Parses one record file's bytes: JSON (an object or an array of objects) or OSV YAML.
///
/// Also the fuzz entry point for the record parsers: it never panics.
pub fn parse_records(name: &str, bytes: &[u8]) -> Result<Vec<Vulnerability>, String> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        return serde_saphyr::from_str::<Vulnerability>(text).map(|v| vec![v]).map_err(|e| e.to_string());
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        serde_json::from_slice::<Vec<Vulnerability>>(bytes).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Vulnerability>(bytes).map(|v| vec![v]).map_err(|e| e.to_string())
    }
}

/// Fuzz entry point for the record parsers and the range evaluator: parses `data` as JSON and as
/// YAML and evaluates every affected entry against a few probe versions. Never panics.
pub fn fuzz_record(data: &[u8]) {
    for name in ["fuzz.json", "fuzz.yaml"] {
        if let Ok(records) = parse_records(name, data) {
            for r in &records {
                let _ = r.title();
                for a in &r.affected {
                    for probe in ["0", "1.0.0", "2:1.2-3~deb12u1", "v0.0.0-20200101000000-abcdef", ""] {
                        let _ = crate::is_affected(probe, a);
                    }
                }
            }
        }
    }
}

fn is_record_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml")
}

fn store(batch: &Batch<'_>, summary: &mut ImportSummary, name: &str, bytes: &[u8]) -> Result<(), DbError> {
    match parse_records(name, bytes) {
        Ok(records) => {
            for v in records {
                if batch.put(&v)? {
                    summary.records += 1;
                } else {
                    summary.withdrawn += 1;
                }
            }
        }
        Err(e) => summary.error(name.to_string(), e),
    }
    Ok(())
}

/// Loads every record of a zip archive into `batch`. Entries that are not records are ignored,
/// unparseable ones are counted in the summary. Fails only if the archive itself is unreadable.
pub(crate) fn load_zip(path: &Path, batch: &Batch<'_>, summary: &mut ImportSummary) -> Result<(), DbError> {
    let file = std::fs::File::open(path).map_err(DbError::io(path))?;
    let zerr = |e: zip::result::ZipError| DbError::Zip { path: path.to_path_buf(), message: e.to_string() };
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zerr)?;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(zerr)?;
        let member = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("entry #{i}"));
        if !entry.is_file() || !is_record_name(&member) {
            continue;
        }
        let name = format!("{}!{member}", path.display());
        if entry.size() > MAX_RECORD_BYTES {
            summary.error(
                name,
                format!("entry of {} bytes exceeds the {MAX_RECORD_BYTES}-byte limit", entry.size()),
            );
            continue;
        }
        buf.clear();
        // A corrupt deflate stream or CRC mismatch is an error of the whole archive.
        (&mut entry)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| DbError::Zip { path: path.to_path_buf(), message: format!("{member}: {e}") })?;
        store(batch, summary, &name, &buf)?;
    }
    Ok(())
}

impl VulnDb {
    /// Imports a zip of OSV records, a directory of `.json`/`.yaml` records (recursively), or one
    /// `.json`/`.yaml` file. The records replace those of an earlier import of the same path; other
    /// sources are kept. Withdrawn records are skipped.
    pub fn import_path(&mut self, path: impl AsRef<Path>) -> Result<ImportSummary, DbError> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(DbError::io(path))?;
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let source = format!("import:{}", abs.display());
        self.import_as(
            path,
            &source,
            &SourceMeta { size: meta.is_file().then_some(meta.len()), ..Default::default() },
            false,
        )
    }

    /// Imports `path` under the source name `source` (replacing that source's records); `zip`
    /// forces reading it as a zip whatever its name.
    pub(crate) fn import_as(
        &mut self,
        path: &Path,
        source: &str,
        meta: &SourceMeta,
        zip: bool,
    ) -> Result<ImportSummary, DbError> {
        let md = std::fs::metadata(path).map_err(DbError::io(path))?;
        let location = path.display().to_string();
        let mut summary = ImportSummary { source: source.to_string(), ..Default::default() };
        let batch = self.batch(source)?;
        batch.clear_source()?;
        let lower = path.to_string_lossy().to_ascii_lowercase();
        if md.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(false).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        summary.error(path.display().to_string(), e.to_string());
                        continue;
                    }
                };
                if !entry.file_type().is_file() || !is_record_name(&entry.file_name().to_string_lossy()) {
                    continue;
                }
                let p = entry.path();
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                if size > MAX_RECORD_BYTES {
                    summary.error(p.display().to_string(), "file exceeds the record size limit".into());
                    continue;
                }
                match std::fs::read(p) {
                    Ok(bytes) => store(&batch, &mut summary, &p.display().to_string(), &bytes)?,
                    Err(e) => summary.error(p.display().to_string(), e.to_string()),
                }
            }
        } else if zip || lower.ends_with(".zip") {
            load_zip(path, &batch, &mut summary)?;
        } else if is_record_name(&lower) {
            if md.len() > MAX_RECORD_BYTES {
                return Err(DbError::Record {
                    path: location,
                    message: "file exceeds the record size limit".into(),
                });
            }
            let bytes = std::fs::read(path).map_err(DbError::io(path))?;
            let records = parse_records(&lower, &bytes)
                .map_err(|message| DbError::Record { path: location.clone(), message })?;
            for v in records {
                if batch.put(&v)? {
                    summary.records += 1;
                } else {
                    summary.withdrawn += 1;
                }
            }
        } else {
            return Err(DbError::UnsupportedSource { path: path.to_path_buf() });
        }
        batch.commit(&location, meta)?;
        Ok(summary)
    }
}
