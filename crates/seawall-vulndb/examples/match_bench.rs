//! Matches 10,000 PyPI packages against the PyPI data and prints packages/s.
//!
//! `cargo run --release -p seawall-vulndb --example match_bench -- [ZIP] [N]`
//! (default `../shared/data/osv/PyPI/all.zip`, N = 10000). Half of the packages are names and
//! versions taken from the advisories (many hits), half are names with no advisory (misses), as in
//! a real ML image where most packages are clean.
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

use std::collections::BTreeSet;
use std::time::Instant;

use seawall_core::{Location, Package};
use seawall_vulndb::{VulnDb, match_packages, upgrade_plan};

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`), robust against a
/// loaded machine; `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let s = fs_err::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let zip = args.next().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv/PyPI/all.zip").to_string()
    });
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let db_path = std::env::temp_dir().join(format!("seawall-match-bench-{}.db", std::process::id()));
    let _ = fs_err::remove_file(&db_path);
    let mut db = VulnDb::open(&db_path)?;
    let t = Instant::now();
    let s = db.import_path(&zip)?;
    println!("import: {} records in {:.2} s", s.records, t.elapsed().as_secs_f64());
    drop(db);

    // Package list: (name, version) pairs from the advisories, then clean names.
    let db = VulnDb::open_read_only(&db_path)?;
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for i in 0.. {
        let id = format!("PYSEC-{}-{}", 2014 + i % 11, i / 11);
        if i > 200_000 || pairs.len() >= n / 2 {
            break;
        }
        if let Some(v) = db.get(&id)? {
            for a in &v.affected {
                if let Some(p) = &a.package {
                    for ver in a.versions.iter().take(8) {
                        pairs.insert((p.name.clone(), ver.clone()));
                    }
                }
            }
        }
    }
    let mut packages: Vec<Package> = pairs
        .into_iter()
        .take(n / 2)
        .map(|(name, v)| Package::new(name, v, "PyPI", Location::file("/usr/lib/python3/site-packages")))
        .collect();
    let mut k = 0;
    while packages.len() < n {
        packages.push(Package::new(format!("clean-package-{k}"), "1.0.0", "PyPI", Location::file("/app")));
        k += 1;
    }

    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let findings = match_packages(&db, &packages, None)?;
    let secs = t.elapsed().as_secs_f64();
    if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
        println!("CPU time {:.3} s = {:.0} packages/s per core", b - a, packages.len() as f64 / (b - a));
    }
    let t2 = Instant::now();
    let plan = upgrade_plan(&db, &findings)?;
    println!(
        "matched {} packages in {:.3} s = {:.0} packages/s; {} findings; upgrade plan for {} packages in {:.3} s",
        packages.len(),
        secs,
        packages.len() as f64 / secs,
        findings.len(),
        plan.len(),
        t2.elapsed().as_secs_f64()
    );
    let _ = fs_err::remove_file(&db_path);
    Ok(())
}
