//! Prints the findings and model inventory for a file or directory: `cargo run --example scan -- PATH`
//! (`--tsv` for one line per finding).
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

fn main() {
    // `--tsv`: one `finding<TAB>path<TAB>SEVERITY<TAB>id` line per finding (bench/model-suites.py)
    let tsv = std::env::args().any(|a| a == "--tsv");
    for arg in std::env::args().skip(1).filter(|a| a != "--tsv") {
        let out = seawall_model::scan_path(std::path::Path::new(&arg));
        if tsv {
            for f in &out.findings {
                println!("finding\t{}\t{}\t{}", f.location.path, f.severity.as_str(), f.id);
            }
            continue;
        }
        for m in &out.models {
            println!(
                "MODEL {} {:?} {} {:?} {} {}",
                m.location.path, m.location.member, m.format, m.framework, m.size, m.verdict
            );
        }
        for f in &out.findings {
            println!(
                "  {} {:?} {:?} member={:?} off={:?} {:?} {}",
                f.id, f.severity, f.format, f.location.member, f.opcode_offset, f.callables, f.message
            );
        }
        for w in &out.warnings {
            println!("  WARN {w:?}");
        }
    }
}
