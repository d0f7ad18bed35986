//! Writing reports to stdout or files, in one or several formats.

use std::io::Write;

use anyhow::{Context, Result};

use seawall_core::Report;

/// Writes the report in the main format (to `--output FILE` or stdout) and every `FORMAT=FILE` extra.
pub(crate) fn write_all(report: &Report, format: &str, outputs: &[String]) -> Result<()> {
    let mut main_file = None;
    let mut extras = Vec::new();
    for o in outputs {
        match o.split_once('=') {
            Some((fmt, file)) if !fmt.contains('/') => {
                extras.push((fmt.to_string(), file.to_string()))
            }
            _ => main_file = Some(o.clone()),
        }
    }
    match main_file {
        Some(path) => {
            let mut f =
                std::fs::File::create(&path).with_context(|| format!("cannot create {path}"))?;
            render(report, format, &mut f).with_context(|| format!("cannot write {path}"))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            render(report, format, &mut lock)?;
        }
    }
    for (fmt, path) in extras {
        let mut f =
            std::fs::File::create(&path).with_context(|| format!("cannot create {path}"))?;
        render(report, &fmt, &mut f).with_context(|| format!("cannot write {path}"))?;
    }
    Ok(())
}

fn render(report: &Report, format: &str, out: &mut dyn Write) -> Result<()> {
    match format {
        "json" => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        _ => {
            writeln!(
                out,
                "{} packages, {} findings",
                report.packages.len(),
                report.findings.len()
            )?;
        }
    }
    Ok(())
}
