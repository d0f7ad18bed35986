//! Prints the findings and model inventory for a file or directory: `cargo run --example scan -- PATH`.
#![allow(clippy::print_stdout)]

fn main() {
    for arg in std::env::args().skip(1) {
        let out = seawall_model::scan_path(std::path::Path::new(&arg));
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
