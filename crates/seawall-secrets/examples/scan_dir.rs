//! Scans a directory tree the way the walker drives the `secrets` analyzer (path prefilter, content
//! sniff, streamed analyze) and prints the redacted findings and the throughput.
//!
//! `cargo run --release -p seawall-secrets --example scan_dir -- /usr [more dirs…]`
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

use std::path::Path;
use std::time::Instant;

use seawall_analyzer::{EntryMeta, Facts, FileAnalyzer, Interest, SNIFF_LEN};
use seawall_secrets::SecretsAnalyzer;

#[derive(Default)]
struct Stats {
    files: u64,
    scanned: u64,
    bytes: u64,
    findings: u64,
}

fn walk(dir: &Path, a: &SecretsAnalyzer, st: &mut Stats, depth: usize) {
    if depth > 64 {
        return;
    }
    let Ok(rd) = fs_err::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            walk(&p, a, st, depth + 1);
            continue;
        }
        if !ft.is_file() {
            continue;
        }
        st.files += 1;
        let Ok(md) = e.metadata() else { continue };
        // Absolute paths, as in image scans (`/usr/lib/python3/…`), so that path rules apply as they would.
        let rel = p.to_string_lossy().into_owned();
        let meta = EntryMeta::file(&rel, md.len(), None);
        let go = match a.required(&meta) {
            Interest::No => false,
            Interest::Yes => true,
            Interest::Sniff => {
                let mut head = vec![0u8; SNIFF_LEN];
                let n = fs_err::File::open(&p)
                    .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                    .unwrap_or(0);
                a.required_by_content(&meta, &head[..n])
            }
        };
        if !go {
            continue;
        }
        let Ok(mut f) = fs_err::File::open(&p) else {
            continue;
        };
        let mut facts = Facts::default();
        if a.analyze(&meta, &mut f, &mut facts).is_ok() {
            st.scanned += 1;
            st.bytes += md.len();
            for x in &facts.findings {
                st.findings += 1;
                println!(
                    "{}\t{}\t{}:{}\t{}\t{}",
                    x.id,
                    x.severity,
                    x.location.path,
                    x.location.line.unwrap_or(0),
                    x.redacted.as_deref().unwrap_or(""),
                    x.details.get("key").map(String::as_str).unwrap_or("")
                );
            }
        }
    }
}

fn main() {
    let a = SecretsAnalyzer::new();
    for arg in std::env::args().skip(1) {
        let root = Path::new(&arg);
        let mut st = Stats::default();
        let t = Instant::now();
        walk(root, &a, &mut st, 0);
        let secs = t.elapsed().as_secs_f64();
        println!(
            "# {arg}: {} files, {} scanned ({:.1} MB) in {secs:.2}s = {:.0} MB/s (1 thread, incl. I/O); {} findings",
            st.files,
            st.scanned,
            st.bytes as f64 / 1e6,
            st.bytes as f64 / 1e6 / secs,
            st.findings
        );
    }
}
