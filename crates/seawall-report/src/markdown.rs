//! `--format markdown`: a short summary for a pull-request comment.
//!
//! Counts by severity, the delta against a baseline when one is given (new findings are then the
//! ones listed first), the top findings (at most [`TOP`]), a per-practice breakdown in a collapsed
//! `<details>` block, and the number of warnings. Cell text is escaped so that finding text cannot
//! break the table or inject HTML.

use std::fmt::Write as _;
use std::io::Write;

use seawall_core::{Finding, FindingKind, Report, practice_title};

use crate::common::{by_practice, counts_line, display_title, location_text, severity_counts};
use crate::{RenderContext, ReportError};

/// How many findings the table lists.
pub const TOP: usize = 10;

/// Escapes text for a Markdown table cell.
pub(crate) fn cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => o.push_str("\\|"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '`' => o.push('\''),
            '\n' | '\r' => o.push(' '),
            '*' | '_' | '[' | ']' => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

fn id_cell(f: &Finding) -> String {
    if f.kind == FindingKind::Vulnerability
        && f.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        format!("[{}](https://osv.dev/vulnerability/{})", f.id, f.id)
    } else {
        cell(&f.id)
    }
}

fn row(s: &mut String, f: &Finding, mark: &str) {
    let loc = location_text(&f.location).replace('`', "'");
    let loc = if loc.is_empty() { String::new() } else { format!("`{loc}`") };
    let _ = writeln!(
        s,
        "| {mark}{} | {} | {} | {} |",
        f.severity.as_str(),
        id_cell(f),
        cell(&display_title(f)),
        loc
    );
}

pub(crate) fn render(
    report: &Report,
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut s = String::new();
    let kind = crate::common::kind_name(report);
    let _ = writeln!(s, "### seawall: {kind} `{}`", report.target.name.replace('`', "'"));
    let _ = writeln!(s);
    let counts = severity_counts(&report.findings);
    let n = report.findings.len();
    let _ = writeln!(
        s,
        "**{n} finding{}** ({}) · {} suppressed{} · {} packages · {} model files",
        if n == 1 { "" } else { "s" },
        counts_line(&counts),
        report.suppressed.len(),
        if report.suppressed.is_empty() {
            String::new()
        } else {
            format!(" ({})", crate::common::suppression_breakdown(report))
        },
        report.packages.len(),
        report.models.len()
    );

    // Trust (seawall-trust): signatures, attestations, base image.
    if let Some(t) = &report.trust {
        let _ = writeln!(s);
        let _ = writeln!(s, "**Trust:** {}", cell(&t.one_line()));
    }
    let completeness = report.compute_completeness();
    if !completeness.is_complete() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "> [!CAUTION]\n> **INCOMPLETE SCAN** — not every input was read or verified, so the absence of a finding \
             proves nothing for what was not read:"
        );
        for r in &completeness.reasons {
            let _ = writeln!(s, "> * {} × {}: {}", r.count, r.kind.describe(), cell(&r.example));
        }
    }
    for st in report.scanners.iter().filter(|s| s.status != seawall_core::ScannerState::Complete) {
        let _ = writeln!(s);
        let why = st.message.as_deref().map(|m| format!(": {}", cell(m))).unwrap_or_default();
        let _ = writeln!(
            s,
            "⚠️ **The {} scanner was {}**{why}. Its findings are missing from this summary.",
            st.name,
            if st.status == seawall_core::ScannerState::Skipped {
                "skipped"
            } else {
                "not run to completion"
            }
        );
    }

    let delta = ctx.baseline.map(|b| crate::common::delta(b, report));
    let new_fps: Vec<&str> =
        delta.as_ref().map(|d| d.new.iter().map(|f| f.fingerprint.as_str()).collect()).unwrap_or_default();
    if let Some(d) = &delta {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "**Since the baseline:** {} new · {} fixed · {} unchanged",
            d.new.len(),
            d.fixed.len(),
            d.unchanged.len()
        );
    }

    if n > 0 {
        let mut ordered: Vec<&Finding> = report.findings.iter().collect();
        // New findings first (stable: report order inside each group).
        ordered.sort_by_key(|f| !new_fps.contains(&f.fingerprint.as_str()));
        let _ = writeln!(s);
        let _ = writeln!(s, "| Severity | ID | Title | Location |");
        let _ = writeln!(s, "|---|---|---|---|");
        for f in ordered.iter().take(TOP) {
            let mark = if new_fps.contains(&f.fingerprint.as_str()) { "🆕 " } else { "" };
            row(&mut s, f, mark);
        }
        if n > TOP {
            let _ = writeln!(s);
            let _ = writeln!(s, "_… and {} more (see the full report)._", n - TOP);
        }
    } else {
        let _ = writeln!(s);
        let _ = writeln!(s, "No findings. ✅");
    }

    if let Some(d) = &delta
        && !d.fixed.is_empty()
    {
        let _ = writeln!(s);
        let _ = writeln!(s, "<details><summary>Fixed since the baseline ({})</summary>", d.fixed.len());
        let _ = writeln!(s);
        let _ = writeln!(s, "| Severity | ID | Title | Location |");
        let _ = writeln!(s, "|---|---|---|---|");
        for f in d.fixed.iter().take(TOP) {
            row(&mut s, f, "");
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "</details>");
    }

    let groups = by_practice(&report.findings);
    if !groups.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "<details><summary>By practice</summary>");
        let _ = writeln!(s);
        let _ = writeln!(s, "| Practice | Findings | Severities |");
        let _ = writeln!(s, "|---|---|---|");
        for (p, fs) in &groups {
            let c = severity_counts(fs.iter().copied());
            let _ = writeln!(s, "| {p}. {} | {} | {} |", cell(practice_title(*p)), fs.len(), counts_line(&c));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "</details>");
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "⚠️ {} warning(s): parts of the target could not be analysed completely.",
            report.warnings.len()
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "<sub>seawall {}</sub>", cell(&report.tool.version));
    out.write_all(s.as_bytes()).map_err(ReportError::io("markdown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(cell("a|b<script>\n*x*"), "a\\|b&lt;script&gt; \\*x\\*");
    }
}
