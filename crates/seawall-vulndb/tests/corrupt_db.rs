//! Regression (fail-open database): a corrupt vulnerability database is an error naming the file and the
//! fix — never an empty match that reads as "no vulnerabilities".
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::path::{Path, PathBuf};

use seawall_vulndb::{DbError, VulnDb};

/// A real database with enough records to span many pages.
fn good_db(dir: &Path) -> PathBuf {
    let recs = dir.join("recs");
    fs_err::create_dir_all(&recs).unwrap();
    for i in 0..400 {
        let r = format!(
            r#"{{"id":"PYSEC-2024-{i}","modified":"2024-01-01T00:00:00Z","summary":"{pad}",
             "affected":[{{"package":{{"ecosystem":"PyPI","name":"pkg{i}"}},
             "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"1.{i}"}}]}}]}}]}}"#,
            pad = "x".repeat(200)
        );
        fs_err::write(recs.join(format!("r{i}.json")), r).unwrap();
    }
    let path = dir.join("osv.db");
    {
        let mut db = VulnDb::open(&path).unwrap();
        let s = db.import_path(&recs).unwrap();
        assert_eq!(s.records, 400);
    }
    path
}

fn corrupt_reason(path: &Path) -> String {
    match VulnDb::open_verified(path) {
        Err(e @ DbError::Corrupt { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&path.display().to_string()), "names the file: {msg}");
            assert!(msg.contains("seawall db update"), "names the fix: {msg}");
            msg
        }
        Err(e) => panic!("expected Corrupt, got {e}"),
        Ok(_) => panic!("a corrupt database was accepted"),
    }
}

#[test]
fn intact_database_opens() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_db(dir.path());
    assert!(VulnDb::open_verified(&p).is_ok());
}

#[test]
fn garbage_empty_truncated_zeroed_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_db(dir.path());
    let bytes = fs_err::read(&good).unwrap();
    assert!(bytes.len() > 16 * 4096, "test database too small: {}", bytes.len());

    let garbage = dir.path().join("garbage.db");
    fs_err::write(&garbage, b"this is not a database at all, just some text\n".repeat(200)).unwrap();
    corrupt_reason(&garbage);

    let empty = dir.path().join("empty.db");
    fs_err::write(&empty, b"").unwrap();
    corrupt_reason(&empty);

    let truncated = dir.path().join("truncated.db");
    fs_err::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert!(corrupt_reason(&truncated).contains("truncated"));

    let cut_mid_page = dir.path().join("cut.db");
    fs_err::write(&cut_mid_page, &bytes[..bytes.len() - 100]).unwrap();
    corrupt_reason(&cut_mid_page);

    // Zero a run of pages in the middle of the file (a disk or copy error).
    let zeroed = dir.path().join("zeroed.db");
    let mut z = bytes.clone();
    let mid = (z.len() / 2) & !4095;
    for b in &mut z[mid..mid + 3 * 4096] {
        *b = 0;
    }
    fs_err::write(&zeroed, &z).unwrap();
    corrupt_reason(&zeroed);

    // A valid SQLite file that is not a seawall database.
    let other = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    }
    corrupt_reason(&other);
}
