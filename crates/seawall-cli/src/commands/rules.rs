//! `seawall rules` and `seawall explain ID`.

use anyhow::Result;
use comfy_table::{ContentArrangement, Table, presets};

use seawall_core::practice_title;

pub(crate) fn list(format: &str, output: Option<&std::path::Path>) -> Result<u8> {
    let rules = seawall_scan::registry::catalog();
    match format {
        "markdown" => {
            let dir = output.ok_or_else(|| anyhow::anyhow!("--format markdown needs --output DIR"))?;
            let pages = seawall_scan::registry::markdown_pages();
            fs_err::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            for (name, text) in &pages {
                let p = dir.join(name);
                fs_err::write(&p, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
            }
            eprintln!("wrote {} pages to {}", pages.len(), dir.display());
        }
        "json" => {
            serde_json::to_writer_pretty(std::io::stdout().lock(), &rules)?;
            println!();
        }
        "table" => {
            let mut t = Table::new();
            t.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
            t.set_header(["ID", "Kind", "Severity", "Practice", "Title"]);
            for r in &rules {
                t.add_row([
                    r.id.to_string(),
                    r.kind.as_str().to_string(),
                    r.severity.to_string(),
                    r.practice.to_string(),
                    r.title.to_string(),
                ]);
            }
            println!("{t}");
            println!("{} rules; `seawall explain ID` for details", rules.len());
        }
        other => anyhow::bail!("unknown --format {other} for `rules` (table or json)"),
    }
    Ok(0)
}

pub(crate) fn explain(id: &str) -> Result<u8> {
    let Some(r) = seawall_scan::registry::rule(id) else {
        anyhow::bail!("no rule {id:?} in the catalog (`seawall rules` lists them)");
    };
    println!("{} — {}", r.id, r.title);
    println!();
    println!(
        "Severity: {}   Kind: {}   Practice {}: {}",
        r.severity,
        r.kind.as_str(),
        r.practice,
        practice_title(r.practice)
    );
    println!();
    println!("Why it matters");
    println!("{}", r.rationale);
    println!();
    println!("How to fix");
    println!("{}", r.fix);
    if !r.references.is_empty() {
        println!();
        println!("References");
        for u in r.references {
            println!("  - {u}");
        }
    }
    Ok(0)
}
