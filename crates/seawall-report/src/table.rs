//! `--format table`: findings grouped by practice then severity, a summary line, optional inventory.

use std::fmt::Write as _;
use std::io::Write;

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};
use seawall_core::{Report, Severity, practice_title};

use crate::common::{
    by_practice, counts_line, display_title, location_text, severity_counts, suppression_breakdown,
    target_line,
};
use crate::{RenderContext, ReportError};

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Info => Color::Grey,
    }
}

fn new_table(ctx: &RenderContext<'_>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners());
    // Never ask the terminal anything: output depends only on the context.
    t.force_no_tty();
    if ctx.color {
        t.enforce_styling();
    }
    match ctx.width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t
}

fn header(ctx: &RenderContext<'_>, names: &[&str]) -> Vec<Cell> {
    names
        .iter()
        .map(|n| if ctx.color { Cell::new(n).add_attribute(Attribute::Bold) } else { Cell::new(n) })
        .collect()
}

fn bold(ctx: &RenderContext<'_>, s: &str) -> String {
    if ctx.color { format!("\x1b[1m{s}\x1b[0m") } else { s.to_string() }
}

pub(crate) fn render(
    report: &Report,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut s = String::new();
    let _ =
        writeln!(s, "{}", bold(ctx, &format!("seawall {} — {}", report.tool.version, target_line(report))));

    let completeness = report.compute_completeness();
    if !completeness.is_complete() {
        let _ = writeln!(
            s,
            "{}",
            bold(
                ctx,
                "INCOMPLETE SCAN — not every input was read or verified; a clean result here is not clean:"
            )
        );
        for r in &completeness.reasons {
            let _ = writeln!(s, "  {} × {}: {}", r.count, r.kind.describe(), r.example);
        }
    }
    // Trust (seawall-trust): signatures, attestations, base image.
    if let Some(t) = &report.trust {
        let _ = writeln!(s, "Trust: {}", t.one_line());
    }
    for st in report.scanners.iter().filter(|s| s.status != seawall_core::ScannerState::Complete) {
        let _ = writeln!(
            s,
            "scanner {} {}{}",
            st.name,
            st.status,
            st.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
        );
    }

    let delta = ctx.baseline.map(|b| crate::common::delta(b, report));
    let new_fps: std::collections::BTreeSet<&str> =
        delta.as_ref().map(|d| d.new.iter().map(|f| f.fingerprint.as_str()).collect()).unwrap_or_default();

    for (practice, findings) in by_practice(&report.findings) {
        let _ = writeln!(s);
        let _ = writeln!(s, "{}", bold(ctx, &format!("Practice {practice} · {}", practice_title(practice))));
        let mut t = new_table(ctx);
        t.set_header(header(ctx, &["Severity", "ID", "Title", "Location"]));
        // Findings sharing `details.group` at one location (a compose service's missing hardening
        // controls) are read as one line listing them; each stays its own finding elsewhere (JSON,
        // SARIF, ignores).
        let mut grouped: std::collections::BTreeMap<
            (&str, &seawall_core::Location),
            Vec<&seawall_core::Finding>,
        > = std::collections::BTreeMap::new();
        for f in &findings {
            if let Some(g) = f.details.get("group") {
                grouped.entry((g.as_str(), &f.location)).or_default().push(f);
            }
        }
        let mut shown_groups = std::collections::BTreeSet::new();
        for f in findings {
            if let Some(g) = f.details.get("group")
                && let Some(members) = grouped.get(&(g.as_str(), &f.location)).filter(|m| m.len() > 1)
            {
                if !shown_groups.insert((g.clone(), f.location.clone())) {
                    continue;
                }
                let sev = members.iter().map(|m| m.severity).max().unwrap_or(f.severity);
                let mut ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
                ids.sort_unstable();
                let what: Vec<&str> = members
                    .iter()
                    .map(|m| m.details.get("control").map_or(m.message.as_str(), String::as_str))
                    .collect();
                let name = g.split_once(':').map_or(g.as_str(), |(_, n)| n);
                let sev_cell = Cell::new(sev.as_str());
                let sev_cell = if ctx.color {
                    sev_cell.fg(severity_color(sev)).add_attribute(Attribute::Bold)
                } else {
                    sev_cell
                };
                t.add_row(vec![
                    sev_cell,
                    Cell::new(ids.join(" ")),
                    Cell::new(format!("{name}: hardening missing: {}", what.join(", "))),
                    Cell::new(location_text(&f.location)),
                ]);
                continue;
            }
            let sev = Cell::new(f.severity.as_str());
            let sev = if ctx.color {
                sev.fg(severity_color(f.severity)).add_attribute(Attribute::Bold)
            } else {
                sev
            };
            let mut title = display_title(f);
            if let Some(r) = &f.redacted {
                title.push_str(&format!(" [{r}]"));
            }
            let id = if new_fps.contains(f.fingerprint.as_str()) {
                format!("{} (new)", f.id)
            } else {
                f.id.clone()
            };
            t.add_row(vec![sev, Cell::new(id), Cell::new(title), Cell::new(location_text(&f.location))]);
        }
        let _ = writeln!(s, "{t}");
    }

    if ctx.show_packages && !report.packages.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "{}", bold(ctx, &format!("Packages ({})", report.packages.len())));
        let mut t = new_table(ctx);
        t.set_header(header(ctx, &["Name", "Version", "Ecosystem", "Location"]));
        for p in &report.packages {
            let locs: Vec<String> = p.locations.iter().map(location_text).collect();
            t.add_row(vec![&p.name, &p.version, &p.ecosystem, &locs.join("\n")]);
        }
        let _ = writeln!(s, "{t}");
    }

    if !report.warnings.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "{}", bold(ctx, "Warnings"));
        for w in &report.warnings {
            let at = w.location.as_ref().map(|l| format!(" {}", location_text(l))).unwrap_or_default();
            let note = if w.is_incomplete() { "" } else { " (notice)" };
            let _ = writeln!(s, "  {}{at}: {}{note}", w.origin, w.message);
        }
    }

    let counts = severity_counts(&report.findings);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{} finding{} ({}) · {} suppressed{} · {} package{} · {} model file{} · {} warning{}",
        report.findings.len(),
        plural(report.findings.len()),
        counts_line(&counts),
        report.suppressed.len(),
        if report.suppressed.is_empty() {
            String::new()
        } else {
            format!(" ({})", suppression_breakdown(report))
        },
        report.packages.len(),
        plural(report.packages.len()),
        report.models.len(),
        plural(report.models.len()),
        report.warnings.len(),
        plural(report.warnings.len()),
    );
    if let Some(d) = &delta {
        let _ = writeln!(
            s,
            "Since the baseline: {} new · {} fixed · {} unchanged",
            d.new.len(),
            d.fixed.len(),
            d.unchanged.len()
        );
    }
    out.write_all(s.as_bytes()).map_err(ReportError::io("table"))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
