//! Re-evaluation after a vulnerability-DB update, without rescanning: the distinct packages of the
//! stored latest results are matched against the worker's new database (the same matcher a scan
//! uses) and the store records what opened and closed ([`seawall_store::Store::apply_rematch`]);
//! webhook notifications are then delivered, signed, with retries ([`deliver_webhooks`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use seawall_core::{Location, Package, SourcePackage};
use seawall_store::{AdvisoryMatch, Delivery, RematchPackage, Store};

/// The `upstream=` qualifier of a package URL (percent-decoded), for OS packages whose advisories
/// are keyed by the source package.
pub fn upstream_of(purl: &str) -> Option<String> {
    let (_, query) = purl.split_once('?')?;
    let value = query.split('&').find_map(|kv| kv.strip_prefix("upstream="))?;
    let mut out = Vec::with_capacity(value.len());
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok())
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

/// A stored package as the matcher sees it.
pub fn package_of(row: &RematchPackage) -> Package {
    let mut p = Package::new(&row.name, &row.version, &row.ecosystem, Location::file(""));
    if !row.purl.is_empty() {
        p.purl = Some(row.purl.clone());
        // deb and apk purls name the source package; rpm's names a source RPM file, not used.
        if (row.purl.starts_with("pkg:deb/") || row.purl.starts_with("pkg:apk/"))
            && let Some(src) = upstream_of(&row.purl)
        {
            p.source = Some(SourcePackage { name: src, version: String::new() });
        }
    }
    p
}

/// Matches stored packages against the database at `db_path`.
pub fn match_stored(db_path: &Path, rows: &[RematchPackage]) -> Result<Vec<AdvisoryMatch>, String> {
    let db = seawall_vulndb::VulnDb::open_read_only(db_path)
        .map_err(|e| format!("cannot open the vulnerability database: {e}"))?;
    let mut ids: HashMap<(&str, &str, &str), Vec<i64>> = HashMap::new();
    let mut packages = Vec::new();
    for r in rows {
        let e = ids.entry((r.ecosystem.as_str(), r.name.as_str(), r.version.as_str())).or_default();
        if e.is_empty() {
            packages.push(package_of(r));
        }
        e.push(r.id);
    }
    let findings =
        seawall_vulndb::match_packages(&db, &packages, None).map_err(|e| format!("matching failed: {e}"))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for f in findings {
        let Some(p) = &f.package else { continue };
        let Some(pids) = ids.get(&(p.ecosystem.as_str(), p.name.as_str(), p.version.as_str())) else {
            continue;
        };
        for &package_id in pids {
            if seen.insert((package_id, f.id.clone())) {
                out.push(AdvisoryMatch {
                    package_id,
                    advisory: f.id.clone(),
                    severity: f.severity.as_str().to_string(),
                    aliases: f.aliases.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Backoff before retry `attempts` (1-based) of a webhook: 5 s · 2^(attempts−1), at most 10 min.
pub fn webhook_backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) - 1;
    Duration::from_secs((5u64 << exp).min(600))
}

/// Delivers the due webhook notifications once; returns (delivered, failed).
#[expect(clippy::print_stderr, reason = "the worker's log: a failed delivery is one line on stderr")]
pub async fn deliver_webhooks(store: &Store, client: &reqwest::Client) -> (usize, usize) {
    let due: Vec<Delivery> = match store.due_webhooks(16, 60.0).await {
        Ok(d) => d,
        Err(_) => return (0, 0),
    };
    let (mut ok, mut failed) = (0, 0);
    for d in due {
        let signature = format!(
            "sha256={}",
            hex::encode(seawall_store::secret::hmac_sha256(d.secret.as_bytes(), &d.payload))
        );
        let res = client
            .post(&d.url)
            .header("Content-Type", "application/json")
            .header("X-Seawall-Event", "findings.new")
            .header("X-Seawall-Delivery", d.id.to_string())
            .header("X-Seawall-Signature", signature)
            .body(d.payload.clone())
            .send()
            .await;
        let error = match res {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("the endpoint answered {}", r.status())),
            Err(e) => Some(format!("delivery failed: {e}")),
        };
        let retry = webhook_backoff(d.attempts + 1).as_secs_f64();
        match &error {
            None => ok += 1,
            Some(e) => {
                failed += 1;
                eprintln!(
                    "seawall worker: webhook of project {} (delivery {}, attempt {}) failed: {e}; retrying in {retry} s",
                    d.project,
                    d.id,
                    d.attempts + 1
                );
            }
        }
        if let Err(e) = store.webhook_attempted(d.id, error.as_deref(), retry).await {
            eprintln!("seawall worker: cannot record webhook delivery {}: {e}", d.id);
        }
    }
    (ok, failed)
}

/// What a re-evaluation did, for the log.
#[derive(Debug)]
pub struct Outcome {
    /// The line to log.
    pub line: String,
}

/// Re-matches the stored inventories against the database at `db_path`, version `db_version`
/// (skipped when another worker did it). `unchanged` says whether the database file stayed the same
/// during matching; when it did not, nothing is recorded (the next update re-runs it).
pub async fn reevaluate(
    store: &Store,
    worker: &str,
    db_path: &Path,
    db_version: &str,
    unchanged: impl Fn() -> bool,
) -> Result<Outcome, String> {
    if store.rematch_done(db_version).await.map_err(|e| e.to_string())? {
        return Ok(Outcome { line: format!("stored inventories already re-evaluated against {db_version}") });
    }
    let t0 = Instant::now();
    let rows = store.rematch_packages().await.map_err(|e| e.to_string())?;
    let t_read = t0.elapsed();
    let path = db_path.to_path_buf();
    let (rows, matches) = tokio::task::spawn_blocking(move || match_stored(&path, &rows).map(|m| (rows, m)))
        .await
        .map_err(|e| format!("matching task failed: {e}"))??;
    let t_match = t0.elapsed() - t_read;
    if !unchanged() {
        return Err(
            "the vulnerability database changed during re-evaluation; it runs again after the update".into(),
        );
    }
    let s = store.apply_rematch(db_version, worker, rows.len(), &matches).await.map_err(|e| e.to_string())?;
    if s.already_done {
        return Ok(Outcome { line: format!("stored inventories already re-evaluated against {db_version}") });
    }
    Ok(Outcome {
        line: format!(
            "re-evaluated stored inventories against {db_version} without rescanning: {} distinct packages, \
             {} matches, {} image findings; {} new, {} closed; {} notification(s) queued \
             (read {:.2} s, match {:.2} s, record {:.2} s)",
            s.packages,
            matches.len(),
            s.affected,
            s.opened,
            s.closed,
            s.notifications,
            t_read.as_secs_f64(),
            t_match.as_secs_f64(),
            s.seconds
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_packages_come_from_the_purl() {
        assert_eq!(
            upstream_of("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc").as_deref(),
            Some("glibc")
        );
        assert_eq!(upstream_of("pkg:deb/debian/x@1?upstream=a%2Bb").as_deref(), Some("a+b"));
        assert_eq!(upstream_of("pkg:deb/debian/x@1?arch=amd64"), None);
        assert_eq!(upstream_of("pkg:deb/debian/x@1?upstream=%zz"), Some("%zz".into()));
        let row = RematchPackage {
            id: 1,
            ecosystem: "Debian:12".into(),
            name: "libssl3".into(),
            version: "3.0.11-1~deb12u2".into(),
            purl: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl".into(),
        };
        assert_eq!(package_of(&row).source.map(|s| s.name).as_deref(), Some("openssl"));
        let rpm = RematchPackage { purl: "pkg:rpm/redhat/bash@5?upstream=bash-5.src.rpm".into(), ..row };
        assert!(package_of(&rpm).source.is_none());
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(webhook_backoff(1), Duration::from_secs(5));
        assert_eq!(webhook_backoff(2), Duration::from_secs(10));
        assert_eq!(webhook_backoff(7), Duration::from_secs(320));
        assert_eq!(webhook_backoff(8), Duration::from_secs(600));
        assert_eq!(webhook_backoff(100), Duration::from_secs(600));
    }

    #[test]
    fn stored_packages_match_like_scanned_ones() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let db_path = dir.path().join("osv.db");
        let rec = br#"{"id": "PYSEC-0000-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-0000-1"],
            "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11.3"}]}]}]}"#;
        let src = dir.path().join("src/PyPI");
        assert!(fs_err::create_dir_all(&src).is_ok());
        let zip = src.join("all.zip");
        {
            let f = fs_err::File::create(&zip);
            assert!(f.is_ok());
            let Ok(f) = f else { return };
            let mut z = zip::ZipWriter::new(f);
            assert!(z.start_file("PYSEC-0000-1.json", zip::write::SimpleFileOptions::default()).is_ok());
            assert!(std::io::Write::write_all(&mut z, rec).is_ok());
            assert!(z.finish().is_ok());
        }
        let source = dir.path().join("src").display().to_string();
        assert!(seawall_vulndb::update(&db_path, &source, &["PyPI"], &|_, _| {}).is_ok());
        let rows = vec![
            RematchPackage {
                id: 1,
                ecosystem: "PyPI".into(),
                name: "jinja2".into(),
                version: "2.10".into(),
                purl: String::new(),
            },
            RematchPackage {
                id: 2,
                ecosystem: "PyPI".into(),
                name: "jinja2".into(),
                version: "2.10".into(),
                purl: "pkg:pypi/jinja2@2.10".into(),
            },
            RematchPackage {
                id: 3,
                ecosystem: "PyPI".into(),
                name: "jinja2".into(),
                version: "3.1.4".into(),
                purl: String::new(),
            },
        ];
        let m = match_stored(&db_path, &rows);
        assert!(m.is_ok(), "{m:?}");
        let m = m.unwrap_or_default();
        let mut ids: Vec<i64> = m.iter().map(|x| x.package_id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 2], "both rows of the affected version, not the fixed one");
        assert_eq!(m[0].advisory, "PYSEC-0000-1");
        assert_eq!(m[0].aliases, vec!["CVE-0000-1".to_string()]);
    }
}
