//! Imports OSV zips into a fresh database and prints time, record counts and database size.
//!
//! `cargo run --release -p seawall-vulndb --example import_bench -- [DB] [ZIP…]`
//! (defaults: a temporary DB and `../shared/data/osv/{PyPI,Alpine}/all.zip`).
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db_path = args.next().map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("seawall-import-bench-{}.db", std::process::id()))
    });
    let mut zips: Vec<String> = args.collect();
    if zips.is_empty() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv");
        zips = vec![format!("{data}/PyPI/all.zip"), format!("{data}/Alpine/all.zip")];
    }
    let _ = fs_err::remove_file(&db_path);
    let mut db = seawall_vulndb::VulnDb::open(&db_path)?;
    let total = Instant::now();
    for z in &zips {
        let t = Instant::now();
        let s = db.import_path(z)?;
        println!(
            "{z}: {} records, {} withdrawn skipped, {} errors in {:.2} s",
            s.records,
            s.withdrawn,
            s.error_count,
            t.elapsed().as_secs_f64()
        );
    }
    let st = db.status()?;
    println!(
        "total: {} records in {:.2} s; database {} bytes ({:.1} MiB) at {}",
        st.records,
        total.elapsed().as_secs_f64(),
        st.file_size,
        st.file_size as f64 / 1048576.0,
        db_path.display()
    );
    for (eco, n) in &st.records_by_ecosystem {
        println!("  {eco}: {n}");
    }
    Ok(())
}
