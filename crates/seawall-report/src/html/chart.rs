//! Inline SVG charts (no scripts, no external resources).

use std::fmt::Write as _;

use seawall_core::practice_title;

use crate::common::SEVERITIES_DESC;

/// Severity colours, highest first (same order as [`SEVERITIES_DESC`]).
pub(crate) const COLORS: [&str; 5] = ["#7b1fa2", "#d32f2f", "#f57c00", "#1976d2", "#757575"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal stacked bar chart: one bar per practice, segments per severity.
/// `rows` holds (practice, counts indexed like `Severity::ALL`, i.e. INFO first).
pub(crate) fn practice_chart(rows: &[(u8, [usize; 5])]) -> String {
    let bar_h = 22;
    let gap = 8;
    let label_w = 330;
    let bar_w = 420;
    let max = rows.iter().map(|(_, c)| c.iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let height = rows.len() * (bar_h + gap) + 40;
    let width = label_w + bar_w + 60;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="Findings by practice and severity" viewBox="0 0 {width} {height}" width="{width}" height="{height}">"#
    );
    for (i, (p, counts)) in rows.iter().enumerate() {
        let y = i * (bar_h + gap);
        let label = esc(&format!("{p}. {}", practice_title(*p)));
        let short: String = if label.chars().count() > 48 {
            label.chars().take(47).collect::<String>() + "…"
        } else {
            label.clone()
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="lbl"><title>{label}</title>{short}</text>"#,
            label_w - 8,
            y + bar_h - 6
        );
        let mut x = label_w as f64;
        for (k, sev) in SEVERITIES_DESC.iter().enumerate() {
            let n = counts[crate::common::sev_index(*sev)];
            if n == 0 {
                continue;
            }
            let w = (n as f64) * (bar_w as f64) / (max as f64);
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{}"><title>{} {}</title></rect>"#,
                COLORS[k],
                n,
                sev.as_str()
            );
            x += w;
        }
        let total: usize = counts.iter().sum();
        let _ = write!(s, r#"<text x="{:.1}" y="{}" class="num">{total}</text>"#, x + 6.0, y + bar_h - 6);
    }
    let ly = rows.len() * (bar_h + gap) + 14;
    let mut lx = label_w;
    for (k, sev) in SEVERITIES_DESC.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{lx}" y="{ly}" width="12" height="12" fill="{}"/><text x="{}" y="{}" class="lg">{}</text>"#,
            COLORS[k],
            lx + 16,
            ly + 11,
            sev.as_str()
        );
        lx += 16 + 8 * sev.as_str().len() + 18;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_has_one_bar_per_segment() {
        let svg = practice_chart(&[(4, [0, 0, 1, 2, 0]), (6, [0, 0, 0, 0, 3])]);
        assert_eq!(svg.matches("<rect").count(), 3 + 5, "{svg}");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("http://") || svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    }

    #[test]
    fn empty_chart_is_valid() {
        let svg = practice_chart(&[]);
        assert!(svg.ends_with("</svg>"));
    }
}
