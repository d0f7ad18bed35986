//! `update`: download the OSV per-ecosystem exports (`<base>/<ECOSYSTEM>/all.zip`) and swap a
//! rebuilt database in atomically.
//!
//! * **Only when changed**: a `HEAD` gives the ETag, size and `x-goog-hash: crc32c=…`; when they
//!   equal what the database recorded for that ecosystem, nothing is downloaded. A server without
//!   `HEAD` gets a conditional `GET` (`If-None-Match`). Local sources compare size and CRC32C.
//! * **Resumable**: the body is written to `<db>.<ecosystem>.zip.part` (ETag in a `.etag` file
//!   beside it). A later run asks for the rest with `Range` + `If-Range`; a server that answers
//!   `200` restarts the file.
//! * **Verified**: size against `Content-Length`, CRC32C against `x-goog-hash`, then every zip
//!   entry is decompressed (zip CRC-32) and parsed while importing.
//! * **Atomic**: the current database is copied to `<db>.new`, the changed ecosystems are replaced
//!   there, and `<db>.new` is renamed over `<db>`. Any failure (or a crash) before the rename
//!   leaves the previous database untouched; readers keep the file they opened.
//! * **Serialised**: concurrent updates of one database wait on an exclusive lock on `<db>.lock`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;

use crate::store::{ImportSummary, SourceMeta};
use crate::{DbError, VulnDb};

/// The public OSV bucket.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Largest archive accepted from a source (bytes).
pub const MAX_ARCHIVE_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// The ecosystems `seawall db update` fetches by default.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "PyPI",
    "Debian",
    "Ubuntu",
    "Alpine",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "Wolfi",
    "Chainguard",
];

/// What happened to one ecosystem during an update.
#[derive(Debug)]
pub enum EcosystemOutcome {
    /// The source matched what the database holds; nothing was downloaded.
    Unchanged,
    /// New data was loaded.
    Updated {
        /// Bytes transferred in this run (0 for local sources).
        downloaded: u64,
        /// Import counts.
        import: ImportSummary,
    },
    /// This ecosystem failed; its previous data (if any) is kept.
    Failed(DbError),
}

/// The per-ecosystem result of an update.
#[derive(Debug)]
pub struct EcosystemUpdate {
    /// Ecosystem name (`PyPI`).
    pub ecosystem: String,
    /// URL or path of the archive.
    pub location: String,
    /// Outcome.
    pub outcome: EcosystemOutcome,
}

/// The result of [`update`].
#[derive(Debug)]
pub struct UpdateSummary {
    /// Database file.
    pub db_path: PathBuf,
    /// One entry per requested ecosystem, in request order.
    pub ecosystems: Vec<EcosystemUpdate>,
    /// Whether a new database file was swapped in.
    pub replaced: bool,
}

impl UpdateSummary {
    /// The ecosystems that failed.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &DbError)> {
        self.ecosystems.iter().filter_map(|e| match &e.outcome {
            EcosystemOutcome::Failed(err) => Some((e.ecosystem.as_str(), err)),
            _ => None,
        })
    }
}

/// Where an ecosystem's archive lives.
enum Location {
    Remote(String),
    Local(PathBuf),
}

fn locate(source: &str, ecosystem: &str) -> Location {
    let s = source.trim_end_matches('/');
    if s.starts_with("http://") || s.starts_with("https://") {
        let eco: String = ecosystem
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        Location::Remote(format!("{s}/{eco}/all.zip"))
    } else {
        let base = s.strip_prefix("file://").unwrap_or(s);
        Location::Local(Path::new(base).join(ecosystem).join("all.zip"))
    }
}

fn part_path(db_path: &Path, ecosystem: &str) -> PathBuf {
    let safe: String =
        ecosystem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let mut name = db_path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{safe}.zip.part"));
    db_path.with_file_name(name)
}

fn sidecar(part: &Path) -> PathBuf {
    let mut name = part.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".etag");
    part.with_file_name(name)
}

/// CRC32C of a file, base64 of the big-endian value (the `x-goog-hash` format).
pub fn file_crc32c(path: &Path) -> Result<String, DbError> {
    let mut f = fs_err::File::open(path).map_err(DbError::io(path))?;
    let mut crc = 0u32;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(DbError::io(path))?;
        if n == 0 {
            break;
        }
        crc = crc32c::crc32c_append(crc, &buf[..n]);
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes()))
}

/// The `crc32c=` value of `x-goog-hash` headers.
fn goog_crc32c(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("x-goog-hash")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("crc32c=").map(str::to_string))
}

fn header_str(headers: &reqwest::header::HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Whether the URL's host is a loopback address (tests, local mirrors): no proxy is used then.
fn is_loopback(url: &str) -> bool {
    let authority = url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or("").to_string()
    };
    host.eq_ignore_ascii_case("localhost") || host.starts_with("127.") || host == "[::1]"
}

fn client(url: &str) -> Result<reqwest::blocking::Client, DbError> {
    // The blocking client applies `timeout` to each wait (connect, headers, every body read), so
    // it is an idle timeout: a stalled server fails the download, a long one does not.
    let mut b = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(90))
        .user_agent(concat!("seawall/", env!("CARGO_PKG_VERSION")));
    if is_loopback(url) {
        b = b.no_proxy();
    }
    b.build().map_err(|e| DbError::Download { url: url.to_string(), message: e.to_string() })
}

/// Remote metadata from a HEAD request; `None` when the server does not implement HEAD.
fn head(client: &reqwest::blocking::Client, url: &str) -> Result<Option<SourceMeta>, DbError> {
    let resp =
        client.head(url).send().map_err(|e| DbError::Download { url: url.into(), message: e.to_string() })?;
    let status = resp.status();
    if status == reqwest::StatusCode::METHOD_NOT_ALLOWED || status == reqwest::StatusCode::NOT_IMPLEMENTED {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(DbError::Download { url: url.into(), message: format!("HEAD answered {status}") });
    }
    Ok(Some(meta_from(resp.headers(), true)))
}

fn meta_from(h: &reqwest::header::HeaderMap, whole: bool) -> SourceMeta {
    SourceMeta {
        etag: header_str(h, reqwest::header::ETAG),
        size: if whole {
            header_str(h, reqwest::header::CONTENT_LENGTH).and_then(|s| s.parse().ok())
        } else {
            None
        },
        crc32c: goog_crc32c(h),
    }
}

fn same(stored: Option<&SourceMeta>, remote: &SourceMeta) -> bool {
    let Some(s) = stored else { return false };
    match (&s.etag, &remote.etag) {
        (Some(a), Some(b)) => a == b,
        _ => s.size.is_some() && s.size == remote.size && s.crc32c.is_some() && s.crc32c == remote.crc32c,
    }
}

/// Downloads `url` into `part` and verifies it. With HEAD metadata (`head_meta`) an interrupted
/// download is resumed; without it the request is conditional on the stored ETag and `Ok(None)`
/// means "not modified". Returns the bytes transferred and the archive's metadata.
fn download(
    client: &reqwest::blocking::Client,
    url: &str,
    part: &Path,
    head_meta: Option<&SourceMeta>,
    stored: Option<&SourceMeta>,
    progress: &dyn Fn(u64, u64),
) -> Result<Option<(u64, SourceMeta)>, DbError> {
    let derr = |m: String| DbError::Download { url: url.to_string(), message: m };
    let side = sidecar(part);
    let have = fs_err::metadata(part).map(|m| m.len()).unwrap_or(0);
    let side_etag = fs_err::read_to_string(&side).ok();
    let resumable =
        have > 0 && head_meta.is_some_and(|m| m.etag.is_some() && side_etag.as_deref() == m.etag.as_deref());
    let mut req = client.get(url);
    if head_meta.is_none()
        && let Some(etag) = stored.and_then(|s| s.etag.clone())
    {
        req = req.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if resumable {
        req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
        if let Some(etag) = head_meta.and_then(|m| m.etag.clone()) {
            req = req.header(reqwest::header::IF_RANGE, etag);
        }
    }
    let mut resp = req.send().map_err(|e| derr(e.to_string()))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED && head_meta.is_none() {
        return Ok(None);
    }
    let meta = match head_meta {
        Some(m) => m.clone(),
        None => meta_from(resp.headers(), status == reqwest::StatusCode::OK),
    };
    let (mut file, mut done) = if resumable && status == reqwest::StatusCode::PARTIAL_CONTENT {
        let f = fs_err::OpenOptions::new().append(true).open(part).map_err(DbError::io(part))?;
        (f, have)
    } else if status.is_success() {
        (fs_err::File::create(part).map_err(DbError::io(part))?, 0)
    } else {
        return Err(derr(format!("GET answered {status}")));
    };
    if let Some(etag) = &meta.etag {
        fs_err::write(&side, etag).map_err(DbError::io(&side))?;
    }
    let total = meta.size.unwrap_or(0);
    if total > MAX_ARCHIVE_BYTES {
        return Err(derr(format!("archive of {total} bytes exceeds the {MAX_ARCHIVE_BYTES}-byte limit")));
    }
    let mut transferred = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    progress(done, total);
    loop {
        let n = match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                let _ = file.flush();
                return Err(derr(format!("connection lost after {done} of {total} bytes: {e}")));
            }
        };
        file.write_all(&buf[..n]).map_err(DbError::io(part))?;
        done += n as u64;
        transferred += n as u64;
        if done > MAX_ARCHIVE_BYTES {
            return Err(derr(format!("archive exceeds the {MAX_ARCHIVE_BYTES}-byte limit")));
        }
        progress(done, total);
    }
    file.sync_all().map_err(DbError::io(part))?;
    drop(file);
    if total > 0 && done < total {
        return Err(derr(format!("connection closed after {done} of {total} bytes")));
    }
    let verr = |m: String| DbError::Verify { url: url.to_string(), message: m };
    if let Some(size) = meta.size
        && done != size
    {
        discard(part);
        return Err(verr(format!("got {done} bytes, expected {size}")));
    }
    if let Some(expected) = &meta.crc32c {
        let got = file_crc32c(part)?;
        if &got != expected {
            discard(part);
            return Err(verr(format!("CRC32C {got}, expected {expected}")));
        }
    }
    let mut meta = meta;
    meta.size = Some(done);
    if meta.crc32c.is_none() {
        meta.crc32c = Some(file_crc32c(part)?);
    }
    Ok(Some((transferred, meta)))
}

fn discard(part: &Path) {
    let _ = fs_err::remove_file(part);
    let _ = fs_err::remove_file(sidecar(part));
}

/// Updates the database at `db_path` from `source` (an `http(s)://` base URL laid out like the OSV
/// bucket, or a local directory / `file://` path with `<ECOSYSTEM>/all.zip` inside) for
/// `ecosystems`. `progress(done, total)` reports download bytes (`total` 0 when unknown).
///
/// Returns per-ecosystem outcomes; a failed ecosystem keeps its previous data and the others are
/// still applied. Errors are returned only for problems with the database itself.
pub fn update(
    db_path: impl AsRef<Path>,
    source: &str,
    ecosystems: &[&str],
    progress: &dyn Fn(u64, u64),
) -> Result<UpdateSummary, DbError> {
    let db_path = db_path.as_ref().to_path_buf();
    if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent).map_err(DbError::io(parent))?;
    }
    // One update at a time per database: an exclusive lock on `<db>.lock` (released on return).
    let mut lock_name = db_path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    lock_name.push(".lock");
    let lock_path = db_path.with_file_name(lock_name);
    let lock = fs_err::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(DbError::io(&lock_path))?;
    lock.lock().map_err(DbError::io(&lock_path))?;

    // The current database, if usable; a broken one is rebuilt from scratch.
    let existing = if db_path.exists() { VulnDb::open_read_only(&db_path).ok() } else { None };

    struct Ready {
        index: usize,
        archive: PathBuf,
        meta: SourceMeta,
        downloaded: u64,
        part: Option<PathBuf>,
    }
    let mut results: Vec<EcosystemUpdate> = Vec::new();
    let mut ready: Vec<Ready> = Vec::new();
    for (index, &eco) in ecosystems.iter().enumerate() {
        let stored = match &existing {
            Some(db) => db.source_meta(eco).ok().flatten(),
            None => None,
        };
        let loc = locate(source, eco);
        let location = match &loc {
            Location::Remote(u) => u.clone(),
            Location::Local(p) => p.display().to_string(),
        };
        let outcome = match loc {
            Location::Remote(url) => (|| {
                let c = client(&url)?;
                let head_meta = head(&c, &url)?;
                if head_meta.as_ref().is_some_and(|m| same(stored.as_ref(), m)) {
                    return Ok(None);
                }
                let part = part_path(&db_path, eco);
                let Some((downloaded, meta)) =
                    download(&c, &url, &part, head_meta.as_ref(), stored.as_ref(), progress)?
                else {
                    return Ok(None); // 304 Not Modified
                };
                if head_meta.is_none() && same(stored.as_ref(), &meta) {
                    discard(&part);
                    return Ok(None);
                }
                Ok(Some(Ready { index, archive: part.clone(), meta, downloaded, part: Some(part) }))
            })(),
            Location::Local(path) => (|| {
                let size = fs_err::metadata(&path).map_err(DbError::io(&path))?.len();
                let meta = SourceMeta { etag: None, size: Some(size), crc32c: Some(file_crc32c(&path)?) };
                if same(stored.as_ref(), &meta) {
                    return Ok(None);
                }
                Ok(Some(Ready { index, archive: path, meta, downloaded: 0, part: None }))
            })(),
        };
        let outcome = match outcome {
            Ok(None) => EcosystemOutcome::Unchanged,
            Ok(Some(r)) => {
                ready.push(r);
                EcosystemOutcome::Updated { downloaded: 0, import: ImportSummary::default() }
            }
            Err(e) => EcosystemOutcome::Failed(e),
        };
        results.push(EcosystemUpdate { ecosystem: eco.to_string(), location, outcome });
    }
    drop(existing);
    if ready.is_empty() {
        return Ok(UpdateSummary { db_path, ecosystems: results, replaced: false });
    }

    // Build the new database next to the old one, then rename it over.
    let mut tmp_name = db_path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".new");
    let tmp = db_path.with_file_name(tmp_name);
    let _ = fs_err::remove_file(&tmp);
    type Imports = Vec<(usize, Result<ImportSummary, DbError>)>;
    let build = (|| -> Result<Imports, DbError> {
        if db_path.exists() && VulnDb::open_read_only(&db_path).is_ok() {
            fs_err::copy(&db_path, &tmp).map_err(DbError::io(&tmp))?;
        }
        let mut db = VulnDb::open(&tmp)?;
        let mut out = Vec::new();
        for r in &ready {
            let eco = ecosystems.get(r.index).copied().unwrap_or_default();
            out.push((r.index, db.import_as(&r.archive, eco, &r.meta, true)));
        }
        drop(db);
        let f = fs_err::File::open(&tmp).map_err(DbError::io(&tmp))?;
        f.sync_all().map_err(DbError::io(&tmp))?;
        Ok(out)
    })();
    let imports = match build {
        Ok(i) => i,
        Err(e) => {
            let _ = fs_err::remove_file(&tmp);
            return Err(e);
        }
    };
    let mut any_ok = false;
    for (index, res) in imports {
        let r = ready.iter().find(|r| r.index == index);
        let outcome = match res {
            Ok(import) => {
                any_ok = true;
                EcosystemOutcome::Updated { downloaded: r.map(|r| r.downloaded).unwrap_or(0), import }
            }
            Err(e) => EcosystemOutcome::Failed(e),
        };
        if let Some(slot) = results.get_mut(index) {
            slot.outcome = outcome;
        }
        // A corrupt archive must not be resumed: start over next time.
        if let Some(part) = r.and_then(|r| r.part.as_ref()) {
            discard(part);
        }
    }
    if !any_ok {
        let _ = fs_err::remove_file(&tmp);
        return Ok(UpdateSummary { db_path, ecosystems: results, replaced: false });
    }
    fs_err::rename(&tmp, &db_path).map_err(DbError::io(&db_path))?;
    Ok(UpdateSummary { db_path, ecosystems: results, replaced: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_locations() {
        assert!(is_loopback("http://127.0.0.1:8080/x"));
        assert!(is_loopback("http://[::1]:80/x"));
        assert!(is_loopback("http://localhost/x"));
        assert!(!is_loopback("https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"));
        assert!(!is_loopback("http://[2001:db8::1]/x"));
        match locate("https://h/base/", "Red Hat") {
            Location::Remote(u) => assert_eq!(u, "https://h/base/Red%20Hat/all.zip"),
            Location::Local(_) => panic!("expected remote"),
        }
        match locate("file:///srv/osv", "PyPI") {
            Location::Local(p) => assert_eq!(p, Path::new("/srv/osv/PyPI/all.zip")),
            Location::Remote(_) => panic!("expected local"),
        }
    }
}
