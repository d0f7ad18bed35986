//! Prints the configuration findings of a path: `cargo run -p seawall-config --example scan_config -- PATH`.
//! With `--graph dot|mermaid|svg` prints the compose network graph instead.
#![expect(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "an example program: what it prints is its output"
)]

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first().map(PathBuf::from) else {
        eprintln!("usage: scan_config PATH [--graph dot|mermaid|svg]");
        std::process::exit(2);
    };
    if let Some(fmt) = args.iter().position(|a| a == "--graph").and_then(|i| args.get(i + 1)) {
        match seawall_config::compose_graph_path(&path) {
            Ok(g) => print!(
                "{}",
                match fmt.as_str() {
                    "mermaid" => g.to_mermaid(),
                    "svg" => g.to_svg(),
                    _ => g.to_dot(),
                }
            ),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let (findings, warnings) = seawall_config::scan_config_path(&path);
    for f in &findings {
        println!(
            "{}:{}:{} {} {} {}",
            f.location.path,
            f.location.line.unwrap_or(0),
            f.location.column.unwrap_or(0),
            f.id,
            f.severity,
            f.message
        );
    }
    for w in &warnings {
        eprintln!("warning: {w:?}");
    }
    eprintln!("{} findings, {} warnings", findings.len(), warnings.len());
}
