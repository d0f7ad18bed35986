//! Writing reports to stdout or files, in one or several formats (`seawall-report` renders).

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use seawall_core::Report;
use seawall_report::{Format, RenderContext, render};

/// Extra inputs some formats use.
#[derive(Default)]
pub(crate) struct Extras<'a> {
    /// Previous report for Markdown deltas.
    pub(crate) baseline: Option<&'a Report>,
    /// Network graph SVG for the HTML report.
    pub(crate) graph_svg: Option<&'a str>,
}

/// Writes the report in the main format (to `--output FILE` or stdout) and every `FORMAT=FILE` extra.
pub(crate) fn write_all(report: &Report, format: Format, outputs: &[String]) -> Result<()> {
    write_all_with(report, format, outputs, &Extras::default())
}

/// [`write_all`] with baseline / graph inputs.
pub(crate) fn write_all_with(
    report: &Report,
    main_format: Format,
    outputs: &[String],
    extras: &Extras<'_>,
) -> Result<()> {
    let mut main_file = None;
    let mut extra = Vec::new();
    for o in outputs {
        match o.split_once('=') {
            Some((fmt, file)) if !fmt.contains('/') && fmt.parse::<Format>().is_ok() => extra
                .push((fmt.parse::<Format>().with_context(|| format!("--output {o}"))?, file.to_string())),
            _ => main_file = Some(o.clone()),
        }
    }
    let rules = seawall_scan::registry::catalog();
    let base = RenderContext::new(&rules)
        .with_baseline(extras.baseline)
        .with_graph_svg(extras.graph_svg)
        .with_source_date_epoch(crate::env::process().source_date_epoch());
    match main_file {
        Some(path) => write_file(report, main_format, &base, &path)?,
        None => {
            let stdout = std::io::stdout();
            let tty = stdout.is_terminal();
            let ctx = base.with_color(tty && !crate::env::no_color()).with_width(if tty {
                terminal_width()
            } else {
                None
            });
            let mut lock = stdout.lock();
            render(report, main_format, &ctx, &mut lock)?;
            lock.flush()?;
        }
    }
    for (fmt, path) in extra {
        write_file(report, fmt, &base, &path)?;
    }
    Ok(())
}

fn write_file(report: &Report, format: Format, ctx: &RenderContext<'_>, path: &str) -> Result<()> {
    let mut f =
        std::io::BufWriter::new(fs_err::File::create(path).with_context(|| format!("cannot create {path}"))?);
    render(report, format, ctx, &mut f).with_context(|| format!("cannot write {path}"))?;
    f.flush().with_context(|| format!("cannot write {path}"))?;
    Ok(())
}

fn terminal_width() -> Option<u16> {
    crate::env::columns().or(Some(120))
}
