//! Runs every inventory analyzer over a directory tree (an unpacked rootfs or a project) and prints
//! the packages as JSON lines, then warnings on stderr. For manual comparison with `dpkg-query -W`,
//! `pip list` or Syft; the real walker lives in `seawall-walker`.
//!
//! `cargo run -p seawall-inventory --example inventory -- ROOT [--os]`
#![expect(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "an example program: what it prints is its output"
)]

use fs_err::File;
use std::io::{BufReader, Read};

use seawall_analyzer::{EntryMeta, Facts, Interest, SNIFF_LEN};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args().nth(1).ok_or("usage: inventory ROOT")?;
    let analyzers = seawall_inventory::analyzers();
    let mut facts = Facts::default();
    let skip = ["proc", "sys", "dev", "run", "tmp", "work"];
    let walk = walkdir::WalkDir::new(&root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || !skip.iter().any(|s| e.file_name() == *s));
    for entry in walk {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(&root)?.to_string_lossy().into_owned();
        let md = entry.metadata().ok();
        let size = md.as_ref().map_or(0, |m| m.len());
        let mut meta = EntryMeta::file(&rel, size, None);
        meta.mode = md.as_ref().map_or(0o644, std::os::unix::fs::MetadataExt::mode);
        for a in &analyzers {
            let want = match a.required(&meta) {
                Interest::No => false,
                Interest::Yes => true,
                Interest::Sniff => {
                    let Ok(f) = File::open(entry.path()) else {
                        continue;
                    };
                    let mut head = Vec::new();
                    if f.take(SNIFF_LEN as u64).read_to_end(&mut head).is_err() {
                        continue;
                    }
                    a.required_by_content(&meta, &head)
                }
            };
            if !want || (size > a.max_size() && !a.streams()) {
                continue;
            }
            let Ok(f) = File::open(entry.path()) else {
                continue;
            };
            if let Err(e) = a.analyze(&meta, &mut BufReader::new(f), &mut facts) {
                eprintln!("{}: {rel}: {e}", a.name());
            }
        }
    }
    if let Some((_, os)) = facts.os.first().cloned() {
        seawall_inventory::apply_os(&mut facts.packages, &os);
        eprintln!("os: {os:?}");
    }
    facts.packages.sort();
    for p in &facts.packages {
        println!("{}", serde_json::to_string(p)?);
    }
    for w in &facts.warnings {
        eprintln!("warning: {w:?}");
    }
    Ok(())
}
