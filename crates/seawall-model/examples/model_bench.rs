//! Throughput and peak-memory benchmark of the model scanner.
//!
//! `cargo run --release -p seawall-model --example model_bench -- FILE...` scans each file once (streaming
//! from disk, as `seawall scan model` does) and prints MB/s; the peak RSS of the process (`VmHWM`)
//! is printed at the end. Generate the reference files with `testdata/bench_gen.py`.
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

use std::time::Instant;

fn peak_rss_kib() -> Option<u64> {
    let s = fs_err::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let size = fs_err::metadata(path).map(|m| m.len()).unwrap_or(0);
        let t = Instant::now();
        let out = seawall_model::scan_path(path);
        let secs = t.elapsed().as_secs_f64();
        let mb = size as f64 / 1e6;
        println!(
            "{arg}: {mb:.1} MB in {secs:.3} s = {:.0} MB/s; {} findings, verdict {:?}",
            mb / secs,
            out.findings.len(),
            out.models.first().map(|m| m.verdict.as_str())
        );
    }
    println!("peak RSS: {} KiB", peak_rss_kib().unwrap_or(0));
}
