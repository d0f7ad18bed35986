//! Importing OSV records: a zip (the bucket's `all.zip`), a directory tree of `.json`/`.yaml`
//! files, or one file.

use std::io::Read;
use std::path::Path;

use crate::DbError;
use crate::osv::Vulnerability;
use crate::store::{Batch, ImportSummary, SourceMeta, VulnDb};

/// Largest single record accepted (bytes); larger entries are reported and skipped.
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Most bytes inflated from one zip import, all entries together (the largest OSV ecosystem export,
/// Debian's, inflates to well under 2 GiB). A zip that needs more is refused.
pub(crate) const MAX_IMPORT_BYTES: u64 = 8 << 30;

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
    load_zip_bounded(path, batch, summary, MAX_IMPORT_BYTES)
}

/// Refuses archives whose entries share stored bytes: several central-directory entries pointing at
/// one local member, or members overlapping (the "overlapping files" zip bomb, which inflates one
/// compressed stream many times). Every entry's local header is read (without inflating anything) to
/// learn where its data lies.
fn check_no_overlap<R: Read + std::io::Seek>(
    path: &Path,
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), DbError> {
    let zerr = |e: zip::result::ZipError| DbError::Zip { path: path.to_path_buf(), message: e.to_string() };
    let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let f = archive.by_index_raw(i).map_err(zerr)?;
        let start = f.header_start();
        let data = f.data_start().unwrap_or(start);
        let end = data.saturating_add(f.compressed_size());
        spans.push((start, end.max(data), i));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let ((s1, e1, i1), (s2, _, i2)) = (pair[0], pair[1]);
        if s2 == s1 || s2 < e1 {
            return Err(DbError::Zip {
                path: path.to_path_buf(),
                message: format!(
                    "entries #{i1} and #{i2} share stored bytes (overlapping members at offsets {s1} and {s2}): \
                     refused as a zip bomb"
                ),
            });
        }
    }
    Ok(())
}

/// [`load_zip`] with an explicit budget of inflated bytes.
pub(crate) fn load_zip_bounded(
    path: &Path,
    batch: &Batch<'_>,
    summary: &mut ImportSummary,
    budget: u64,
) -> Result<(), DbError> {
    let file = fs_err::File::open(path).map_err(DbError::io(path))?;
    let zerr = |e: zip::result::ZipError| DbError::Zip { path: path.to_path_buf(), message: e.to_string() };
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zerr)?;
    check_no_overlap(path, &mut archive)?;
    let mut inflated = 0u64;
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
        inflated += buf.len() as u64;
        if inflated > budget {
            return Err(DbError::Zip {
                path: path.to_path_buf(),
                message: format!("inflates to more than {budget} bytes: refused (import budget)"),
            });
        }
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
        let meta = fs_err::metadata(path).map_err(DbError::io(path))?;
        let abs = fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
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
        let md = fs_err::metadata(path).map_err(DbError::io(path))?;
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
                match fs_err::read(p) {
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
            let bytes = fs_err::read(path).map_err(DbError::io(path))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(id: &str) -> String {
        format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"PyPI","name":"x"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2"}}]}}]}}]}}"#
        )
    }

    fn zip_of(entries: &[(&str, String)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn import(bytes: &[u8], budget: u64) -> Result<ImportSummary, DbError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        fs_err::write(&path, bytes).unwrap();
        let mut db = VulnDb::in_memory().unwrap();
        let batch = db.batch("test").unwrap();
        let mut summary = ImportSummary::default();
        load_zip_bounded(&path, &batch, &mut summary, budget).map(|()| summary)
    }

    /// Adds `copies` central-directory entries that all point at the first member's local header (the
    /// "overlapping files" zip bomb: one compressed stream inflated once per entry).
    fn with_aliases(zip: &[u8], copies: usize) -> Vec<u8> {
        let eocd = zip.len() - 22;
        assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
        let count = u16::from_le_bytes([zip[eocd + 10], zip[eocd + 11]]) as usize;
        let cd_size = u32::from_le_bytes(zip[eocd + 12..eocd + 16].try_into().unwrap()) as usize;
        let cd_start = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        assert_eq!(count, 1);
        let entry = &zip[cd_start..cd_start + cd_size];
        let mut out = zip[..cd_start + cd_size].to_vec();
        for i in 0..copies {
            let mut e = entry.to_vec();
            // Rename `a.json` to `b0.js`… of the same length so that the lengths stay valid.
            let name_len = u16::from_le_bytes([e[28], e[29]]) as usize;
            let name = format!("{}{i:0width$}", "b", width = name_len - 1);
            e[46..46 + name_len].copy_from_slice(&name.as_bytes()[..name_len]);
            out.extend_from_slice(&e);
        }
        let mut end = zip[eocd..].to_vec();
        let n = u16::try_from(count + copies).unwrap().to_le_bytes();
        end[8..10].copy_from_slice(&n);
        end[10..12].copy_from_slice(&n);
        end[12..16].copy_from_slice(&u32::try_from(cd_size * (copies + 1)).unwrap().to_le_bytes());
        out.extend_from_slice(&end);
        out
    }

    #[test]
    fn osv_zip_whose_entries_share_one_member_is_refused() {
        let plain = zip_of(&[("a.json", record("PYSEC-1"))]);
        assert_eq!(import(&plain, MAX_IMPORT_BYTES).unwrap().records, 1);
        let bomb = with_aliases(&plain, 50);
        let err = import(&bomb, MAX_IMPORT_BYTES).unwrap_err().to_string();
        assert!(err.contains("share stored bytes"), "{err}");
    }

    #[test]
    fn osv_zip_inflating_past_the_import_budget_is_refused() {
        let entries: Vec<(String, String)> =
            (0..4).map(|i| (format!("r{i}.json"), record(&format!("PYSEC-{i}")))).collect();
        let refs: Vec<(&str, String)> = entries.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let zip = zip_of(&refs);
        let one = record("PYSEC-0").len() as u64;
        assert_eq!(import(&zip, one * 4).unwrap().records, 4);
        let err = import(&zip, one * 3).unwrap_err().to_string();
        assert!(err.contains("import budget"), "{err}");
    }
}
