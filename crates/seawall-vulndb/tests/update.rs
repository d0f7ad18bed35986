//! `update` against a real HTTP server on loopback (started by the test) serving fixture zips,
//! including a corrupt archive, a wrong checksum and a connection dropped midway.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use seawall_core::{Location, Package};
use seawall_vulndb::{EcosystemOutcome, UpdateSummary, VulnDb, match_packages, update};

fn record(id: &str, eco: &str, name: &str, fixed: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":["CVE-{id}"],"summary":"{id} flaw",
        "affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},
        "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
    )
}

fn make_zip(records: &[(&str, String)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in records {
        w.start_file(format!("{name}.json"), opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    // Padding so that a mid-way drop happens inside the archive.
    w.start_file("README.txt", opts).unwrap();
    let pad: String = (0..20_000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
    w.write_all(pad.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

fn crc(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(body).to_be_bytes())
}

#[derive(Clone)]
struct Served {
    body: Vec<u8>,
    etag: String,
    crc32c: String,
    /// Drop the connection after this many body bytes, this many times.
    drop_after: Option<(usize, usize)>,
    /// Answer HEAD with 405 (a server without HEAD support); GET honours If-None-Match.
    no_head: bool,
}

impl Served {
    fn new(body: Vec<u8>, etag: &str) -> Served {
        let crc32c = crc(&body);
        Served { body, etag: format!("\"{etag}\""), crc32c, drop_after: None, no_head: false }
    }
}

type Routes = Arc<Mutex<HashMap<String, Served>>>;

struct Server {
    base: String,
    routes: Routes,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Routes = Arc::default();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, l, s) = (Arc::clone(&routes), Arc::clone(&log), Arc::clone(&stop));
        let handle = std::thread::spawn(move || {
            // Bounded: at most 200 connections and 60 s, and it stops when told to.
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline && served < 200 {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = handle_conn(stream, &r, &l);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        Server { base, routes, log, stop, handle: Some(handle) }
    }

    fn serve(&self, path: &str, s: Served) {
        self.routes.lock().unwrap().insert(path.to_string(), s);
    }

    fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn handle_conn(stream: TcpStream, routes: &Routes, log: &Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let range = headers.get("range").cloned();
    log.lock().unwrap().push(format!("{method} {path} range={}", range.clone().unwrap_or_default()));
    let mut out = stream;
    let served = {
        let mut r = routes.lock().unwrap();
        let s = r.get(&path).cloned();
        if let Some(entry) = r.get_mut(&path)
            && method == "GET"
            && let Some((n, times)) = entry.drop_after
        {
            entry.drop_after = if times > 1 { Some((n, times - 1)) } else { None };
        }
        s
    };
    let Some(s) = served else {
        out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    };
    let common =
        format!("ETag: {}\r\nx-goog-hash: crc32c={},md5=AAAA\r\nConnection: close\r\n", s.etag, s.crc32c);
    if method == "HEAD" && s.no_head {
        out.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    }
    if method == "GET" && headers.get("if-none-match") == Some(&s.etag) {
        write!(out, "HTTP/1.1 304 Not Modified\r\n{common}\r\n")?;
        return Ok(());
    }
    if method == "HEAD" {
        write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n{common}\r\n", s.body.len())?;
        return Ok(());
    }
    let if_range_ok = headers.get("if-range").is_none_or(|v| *v == s.etag);
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < s.body.len() && if_range_ok);
    let (status, body) = match start {
        Some(n) => (
            format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {n}-{}/{}\r\n",
                s.body.len() - 1,
                s.body.len()
            ),
            &s.body[n..],
        ),
        None => ("HTTP/1.1 200 OK\r\n".to_string(), &s.body[..]),
    };
    write!(out, "{status}Content-Length: {}\r\n{common}\r\n", body.len())?;
    match s.drop_after {
        Some((n, _)) if n < body.len() => {
            out.write_all(&body[..n])?;
            out.flush()?;
            out.shutdown(std::net::Shutdown::Both)?;
        }
        _ => out.write_all(body)?,
    }
    Ok(())
}

fn outcome<'a>(s: &'a UpdateSummary, eco: &str) -> &'a EcosystemOutcome {
    &s.ecosystems.iter().find(|e| e.ecosystem == eco).unwrap().outcome
}

fn ids(db_path: &std::path::Path, eco: &str, name: &str, version: &str) -> Vec<String> {
    let db = VulnDb::open_read_only(db_path).unwrap();
    let p = [Package::new(name, version, eco, Location::file("x"))];
    match_packages(&db, &p, None).unwrap().into_iter().map(|f| f.id).collect()
}

#[test]
fn update_only_when_changed_verified_resumable_atomic() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db").join("osv.db");
    let pypi_v1 = make_zip(&[("PYSEC-1", record("PYSEC-1", "PyPI", "Foo", "2.0"))]);
    let alpine = make_zip(&[("ALPINE-1", record("ALPINE-1", "Alpine:v3.19", "musl", "1.2.4-r3"))]);
    server.serve("/PyPI/all.zip", Served::new(pypi_v1, "v1"));
    server.serve("/Alpine/all.zip", Served::new(alpine, "a1"));
    let progress_calls = std::cell::Cell::new(0u32);
    let progress = |_: u64, _: u64| progress_calls.set(progress_calls.get() + 1);

    // 1. First update downloads both.
    let s = update(&db_path, &server.base, &["PyPI", "Alpine"], &progress).unwrap();
    assert!(s.replaced, "{s:?}");
    assert!(matches!(outcome(&s, "PyPI"), EcosystemOutcome::Updated { import, .. } if import.records == 1));
    assert!(matches!(outcome(&s, "Alpine"), EcosystemOutcome::Updated { .. }));
    assert!(progress_calls.get() > 0);
    assert_eq!(ids(&db_path, "PyPI", "foo", "1.0"), ["PYSEC-1"]);
    assert_eq!(ids(&db_path, "Alpine:v3.19", "musl", "1.2.4-r2"), ["ALPINE-1"]);
    let st = VulnDb::open_read_only(&db_path).unwrap().status().unwrap();
    assert_eq!(st.records, 2);
    assert_eq!(st.sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Alpine", "PyPI"]);
    assert_eq!(st.sources[1].etag.as_deref(), Some("\"v1\""));
    assert!(st.age_seconds.is_some_and(|a| a < 600));
    server.take_log();

    // 2. Nothing changed: only HEAD requests, no new file.
    let s = update(&db_path, &server.base, &["PyPI", "Alpine"], &|_, _| {}).unwrap();
    assert!(!s.replaced);
    assert!(matches!(outcome(&s, "PyPI"), EcosystemOutcome::Unchanged));
    assert!(server.take_log().iter().all(|l| l.starts_with("HEAD ")));

    // 3. New PyPI data with a wrong checksum: rejected, previous data intact.
    let pypi_v2 = make_zip(&[
        ("PYSEC-1", record("PYSEC-1", "PyPI", "Foo", "2.0")),
        ("PYSEC-2", record("PYSEC-2", "PyPI", "Bar", "3.0")),
    ]);
    let mut bad_crc = Served::new(pypi_v2.clone(), "v2");
    bad_crc.crc32c = crc(b"something else");
    server.serve("/PyPI/all.zip", bad_crc);
    let s = update(&db_path, &server.base, &["PyPI", "Alpine"], &|_, _| {}).unwrap();
    assert!(!s.replaced);
    assert!(matches!(outcome(&s, "PyPI"), EcosystemOutcome::Failed(seawall_vulndb::DbError::Verify { .. })));
    assert_eq!(s.failures().count(), 1);
    assert!(ids(&db_path, "PyPI", "bar", "1.0").is_empty());
    assert_eq!(ids(&db_path, "PyPI", "foo", "1.0"), ["PYSEC-1"]);

    // 4. A corrupt archive (consistent checksum, broken zip): rejected, previous data intact.
    let mut corrupt = pypi_v2.clone();
    let mid = corrupt.len() / 3;
    for b in &mut corrupt[mid..mid + 64] {
        *b ^= 0x5a;
    }
    server.serve("/PyPI/all.zip", Served::new(corrupt, "v2-corrupt"));
    let s = update(&db_path, &server.base, &["PyPI"], &|_, _| {}).unwrap();
    assert!(!s.replaced, "{s:?}");
    assert!(matches!(outcome(&s, "PyPI"), EcosystemOutcome::Failed(_)), "{s:?}");
    assert!(ids(&db_path, "PyPI", "bar", "1.0").is_empty());
    assert_eq!(ids(&db_path, "PyPI", "foo", "1.0"), ["PYSEC-1"]);
    assert!(!dir.path().join("db").join("osv.db.new").exists());

    // 5. The connection drops midway: the partial file stays, DB intact; the next run resumes.
    let mut dropping = Served::new(pypi_v2.clone(), "v2");
    let half = pypi_v2.len() / 2;
    dropping.drop_after = Some((half, 1));
    server.serve("/PyPI/all.zip", dropping);
    server.take_log();
    let s = update(&db_path, &server.base, &["PyPI"], &|_, _| {}).unwrap();
    assert!(
        matches!(outcome(&s, "PyPI"), EcosystemOutcome::Failed(seawall_vulndb::DbError::Download { .. })),
        "{s:?}"
    );
    assert!(ids(&db_path, "PyPI", "bar", "1.0").is_empty());
    let part = dir.path().join("db").join("osv.db.PyPI.zip.part");
    assert_eq!(fs_err::metadata(&part).unwrap().len(), half as u64);
    let s = update(&db_path, &server.base, &["PyPI"], &|_, _| {}).unwrap();
    assert!(s.replaced, "{s:?}");
    match outcome(&s, "PyPI") {
        EcosystemOutcome::Updated { downloaded, import } => {
            assert_eq!(*downloaded, (pypi_v2.len() - half) as u64, "only the rest is fetched");
            assert_eq!(import.records, 2);
        }
        o => panic!("{o:?}"),
    }
    assert!(server.take_log().iter().any(|l| l == &format!("GET /PyPI/all.zip range=bytes={half}-")));
    assert_eq!(ids(&db_path, "PyPI", "bar", "1.0"), ["PYSEC-2"]);
    assert!(!part.exists());
    // Alpine data survived every PyPI swap.
    assert_eq!(ids(&db_path, "Alpine:v3.19", "musl", "1.2.4-r2"), ["ALPINE-1"]);

    // 6. A missing ecosystem is a per-ecosystem failure.
    let s = update(&db_path, &server.base, &["Nope"], &|_, _| {}).unwrap();
    assert!(matches!(
        outcome(&s, "Nope"),
        EcosystemOutcome::Failed(seawall_vulndb::DbError::Download { .. })
    ));
}

#[test]
fn update_from_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("mirror");
    fs_err::create_dir_all(src.join("Red Hat")).unwrap();
    let z = make_zip(&[("RHSA-1", record("RHSA-1", "Red Hat", "openssl", "1:3.0.7-1.el9"))]);
    fs_err::write(src.join("Red Hat").join("all.zip"), z).unwrap();
    let db_path = dir.path().join("osv.db");
    let s = update(&db_path, src.to_str().unwrap(), &["Red Hat"], &|_, _| {}).unwrap();
    assert!(s.replaced);
    assert_eq!(ids(&db_path, "Red Hat", "openssl", "1:3.0.1-1.el9"), ["RHSA-1"]);
    assert!(ids(&db_path, "Red Hat", "openssl", "1:3.0.7-1.el9").is_empty());
    let s = update(&db_path, &format!("file://{}", src.display()), &["Red Hat"], &|_, _| {}).unwrap();
    assert!(!s.replaced);
    assert!(matches!(outcome(&s, "Red Hat"), EcosystemOutcome::Unchanged));
}

#[test]
fn crash_leftovers_and_broken_database_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("mirror");
    fs_err::create_dir_all(src.join("PyPI")).unwrap();
    fs_err::write(
        src.join("PyPI/all.zip"),
        make_zip(&[("PYSEC-9", record("PYSEC-9", "PyPI", "baz", "1.1"))]),
    )
    .unwrap();
    let db_path = dir.path().join("osv.db");
    // A previous run crashed after writing part of the new file: it is ignored and replaced.
    fs_err::write(dir.path().join("osv.db.new"), b"half-written garbage").unwrap();
    // The current "database" is not SQLite at all: it is rebuilt from the source.
    fs_err::write(&db_path, b"this is not a database").unwrap();
    let s = update(&db_path, src.to_str().unwrap(), &["PyPI"], &|_, _| {}).unwrap();
    assert!(s.replaced, "{s:?}");
    assert_eq!(ids(&db_path, "PyPI", "baz", "1.0"), ["PYSEC-9"]);
    assert!(!dir.path().join("osv.db.new").exists());
    // A source directory without the ecosystem: per-ecosystem failure, database untouched.
    let before = fs_err::read(&db_path).unwrap();
    let s = update(&db_path, src.to_str().unwrap(), &["npm"], &|_, _| {}).unwrap();
    assert!(matches!(outcome(&s, "npm"), EcosystemOutcome::Failed(seawall_vulndb::DbError::Io { .. })));
    assert_eq!(fs_err::read(&db_path).unwrap(), before);
}

#[test]
fn server_without_head_uses_conditional_get() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("osv.db");
    let z = make_zip(&[("GO-1", record("GO-1", "Go", "example.com/m", "1.2.0"))]);
    let mut served = Served::new(z, "g1");
    served.no_head = true;
    server.serve("/Go/all.zip", served.clone());
    let s = update(&db_path, &server.base, &["Go"], &|_, _| {}).unwrap();
    assert!(s.replaced, "{s:?}");
    assert_eq!(ids(&db_path, "Go", "example.com/m", "v1.1.0"), ["GO-1"]);
    server.take_log();
    let s = update(&db_path, &server.base, &["Go"], &|_, _| {}).unwrap();
    assert!(matches!(outcome(&s, "Go"), EcosystemOutcome::Unchanged), "{s:?}");
    assert!(!s.replaced);
    let log = server.take_log();
    assert_eq!(log.len(), 2, "{log:?}"); // HEAD (405) + conditional GET (304)
}
