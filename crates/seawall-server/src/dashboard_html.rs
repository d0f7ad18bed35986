//! The dashboard's HTML: one page, CSS inline, charts as inline SVG, no script. Every value that
//! comes from the database or a request goes through [`esc`].

use std::fmt::Write as _;

use seawall_store::{
    AgentView, Counts, CrawlView, DashboardContainer, DashboardHost, DashboardImage, ProjectOverview,
    TrendDay,
};

/// Severity colours (those of the HTML report).
const CRITICAL: &str = "#7b1fa2";
const HIGH: &str = "#d32f2f";
const MEDIUM: &str = "#f57c00";
const LOW: &str = "#1976d2";

/// A host is stale after this many seconds without a report.
const STALE_SECONDS: f64 = 300.0;

/// HTML-escapes text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with an ellipsis when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// `2026-12-06T05:51:12Z` → `2026-12-06 05:51`.
fn when(ts: Option<&str>) -> String {
    match ts {
        Some(t) if t.len() >= 16 => t[..16].replace('T', " "),
        Some(t) => t.to_string(),
        None => "—".into(),
    }
}

fn ago(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    match s {
        0..=89 => format!("{s} s ago"),
        90..=5399 => format!("{} min ago", (s + 30) / 60),
        5400..=172_799 => format!("{} h ago", (s + 1800) / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// A digest shortened for display: `sha256:0123456789ab`.
fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", &hex[..hex.len().min(12)]),
        None => cut(d, 19),
    }
}

/// The link to an image's HTML report within the dashboard.
fn report_href(project: &str, digest: &str) -> String {
    format!("/dashboard/images/{}/report?project={}", esc(digest), esc(project))
}

/// One project of the projects table.
#[derive(Debug, Clone)]
pub struct ProjectRow {
    /// Its figures.
    pub overview: ProjectOverview,
    /// Findings per day.
    pub trend: Vec<TrendDay>,
    /// The project shown below the table.
    pub selected: bool,
}

/// What the page shows.
#[derive(Debug, Clone)]
pub struct Page {
    /// The selected project.
    pub project: String,
    /// Every project signed in to.
    pub projects: Vec<ProjectRow>,
    /// The selected project's images.
    pub images: Vec<DashboardImage>,
    /// Hosts and alerts (`None`: no agent tables in this database).
    pub agents: Option<AgentView>,
    /// Registry crawls.
    pub crawls: Vec<CrawlView>,
}

const STYLE: &str = r#"
:root{--bg:#f4f6f8;--card:#fff;--ink:#1f2933;--muted:#66727f;--line:#e3e7eb;--crit:#7b1fa2;--high:#d32f2f;--med:#f57c00;--low:#1976d2}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--ink)}
a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;align-items:center;gap:22px;padding:10px 28px;background:#102a43;color:#fff}
.brand{font-weight:700;font-size:17px;letter-spacing:.02em;white-space:nowrap}.brand span{font-weight:400;opacity:.65;margin-left:6px}
nav.projects{display:flex;gap:6px;flex-wrap:wrap}nav.projects a{color:#d9e2ec;padding:4px 11px;border-radius:14px}
nav.projects a.on{background:#334e68;color:#fff}nav.projects a:hover{text-decoration:none;background:#243b53}
header form{margin-left:auto}
button{font:inherit;cursor:pointer;border-radius:6px;border:1px solid #486581;background:transparent;color:#d9e2ec;padding:4px 12px}
main{max-width:1360px;margin:0 auto;padding:20px 28px 36px}
h1{font-size:20px;margin:0 0 14px}h1 small{font-size:13px;color:var(--muted);font-weight:400;margin-left:8px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(148px,1fr));gap:12px;margin-bottom:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.tile .n{font-size:26px;font-weight:700;line-height:1.2}.tile .l{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.06em}
.tile.warn{border-color:#fdba74;background:#fff7ed}.tile.warn .n{color:#c2410c}
.tile.crit .n{color:var(--crit)}.tile.high .n{color:var(--high)}.tile.med .n{color:var(--med)}.tile.low .n{color:var(--low)}
section.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin-bottom:18px}
h2{font-size:15px;margin:0 0 10px}h2 small{color:var(--muted);font-weight:400;margin-left:8px;font-size:12px}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
tr:last-child td{border-bottom:0}
td.num,th.num{text-align:center;width:46px}
tr.incomplete td{background:#fff7ed}tr.incomplete td:first-child{box-shadow:inset 4px 0 0 #ea580c}
tr.sel td{background:#f0f6ff}
.pill{display:inline-block;min-width:28px;text-align:center;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.pill.CRITICAL{background:var(--crit)}.pill.HIGH{background:var(--high)}.pill.MEDIUM{background:var(--med)}.pill.LOW{background:var(--low)}.pill.INFO{background:#757575}
.pill.zero{background:#eef0f3;color:#a3adb8;font-weight:500}.pill.sev{font-size:11px;min-width:0;padding:1px 7px;vertical-align:1px}
td.when{white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.ok{background:#e6f4ea;color:#1e6b34}.badge.bad{background:#ea580c;color:#fff}.badge.stale{background:#fde68a;color:#78350f}
.badge.state{background:#eef0f3;color:#3e4c59}.badge.running{background:#e6f4ea;color:#1e6b34}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}.muted{color:var(--muted)}
.ref{font-weight:600;word-break:break-all}.sub{font-size:12px;color:var(--muted)}
.reasons{font-size:12px;color:#9a3412;margin-top:3px}
.worst .id{font-weight:600;margin:0 4px}.worst .t{color:#3e4c59}
.legend{font-size:12px;color:var(--muted);margin:4px 0 0}.legend span{margin-right:16px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.host{border:1px solid var(--line);border-radius:6px;margin:0 0 12px}.host:last-child{margin-bottom:0}
.host .hd{display:flex;gap:14px;align-items:baseline;padding:8px 12px;background:#f8fafc;border-bottom:1px solid var(--line);border-radius:6px 6px 0 0}
.host .hd b{font-size:14px}.host table td,.host table th{padding-left:12px}
.note{color:var(--muted);font-size:13px;margin:0}
.err{color:#b91c1c;font-size:12px}
.grid2{display:grid;grid-template-columns:1fr;gap:0}
footer{color:var(--muted);font-size:12px;text-align:center;padding:6px 0 20px}
.login{max-width:440px;margin:12vh auto;background:#fff;border:1px solid var(--line);border-radius:10px;padding:26px 28px}
.login h1{font-size:19px}.login input{width:100%;font:inherit;padding:8px 10px;border:1px solid #bcccdc;border-radius:6px;margin:6px 0 12px}
.login button{background:#102a43;color:#fff;border:0;padding:8px 16px}
.login p{color:var(--muted);font-size:13px}
"#;

fn head(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{STYLE}</style></head>",
        esc(title)
    )
}

/// The sign-in page.
pub fn login_page(error: Option<&str>) -> String {
    let mut s = head("seawall · sign in");
    s.push_str("<body><main><div class=\"login\"><h1>seawall fleet dashboard</h1>");
    if let Some(e) = error {
        let _ = write!(s, "<p class=\"err\">{}</p>", esc(e));
    }
    s.push_str(
        "<form method=\"post\" action=\"/dashboard/login\"><label for=\"token\">Project token</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" placeholder=\"swt_…\" required autofocus>\
         <button type=\"submit\">Sign in</button></form>\
         <p>The token of <code>seawall token create --project NAME</code>. It is kept in an HttpOnly cookie for 12 hours; \
         sign in again with another project's token to see both.</p></div></main></body></html>",
    );
    s
}

/// An error page.
pub fn error_page(message: &str) -> String {
    let mut s = head("seawall · error");
    let _ = write!(
        s,
        "<body><main><div class=\"login\"><h1>seawall</h1><p class=\"err\">{}</p><p><a href=\"/dashboard\">Back to the dashboard</a></p></div></main></body></html>",
        esc(message)
    );
    s
}

fn pill(severity: &str, n: i64) -> String {
    if n == 0 {
        "<span class=\"pill zero\">0</span>".into()
    } else {
        format!("<span class=\"pill {}\">{n}</span>", esc(severity))
    }
}

fn counts_cells(c: &Counts) -> String {
    format!(
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        pill("CRITICAL", c.critical),
        pill("HIGH", c.high),
        pill("MEDIUM", c.medium),
        pill("LOW", c.low)
    )
}

/// A small line of total findings per day.
fn sparkline(trend: &[TrendDay]) -> String {
    let (w, h) = (140.0, 28.0);
    let totals: Vec<i64> = trend.iter().map(|d| d.critical + d.high + d.medium + d.low).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = totals.len().max(2) as f64 - 1.0;
    let points: Vec<String> = totals
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{:.1},{:.1}", i as f64 * w / n, h - 2.0 - (*t as f64 / max) * (h - 4.0)))
        .collect();
    let last = totals.last().copied().unwrap_or(0);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"findings per day\">\
         <polyline fill=\"none\" stroke=\"#486581\" stroke-width=\"1.5\" points=\"{}\"/><title>{} days: {} findings on the last day</title></svg>",
        points.join(" "),
        trend.len(),
        last
    )
}

/// Round up to 1, 2 or 5 × 10^k.
fn nice_ceiling(v: i64) -> i64 {
    let v = v.max(1);
    let mut m = 1i64;
    loop {
        for f in [1, 2, 5] {
            if f * m >= v {
                return f * m;
            }
        }
        m = m.saturating_mul(10);
    }
}

/// A chart layer: its colour and its value of a day.
type Layer = (&'static str, fn(&TrendDay) -> i64);

/// Findings per severity per day: stacked areas (low at the bottom), a tooltip per day.
pub fn trend_chart(trend: &[TrendDay]) -> String {
    let (w, h) = (1000.0f64, 210.0f64);
    let (left, right, top, bottom) = (46.0, 14.0, 12.0, 26.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let n = trend.len();
    let max = nice_ceiling(trend.iter().map(|d| d.critical + d.high + d.medium + d.low).max().unwrap_or(0));
    let x = |i: usize| left + if n > 1 { i as f64 * pw / (n - 1) as f64 } else { pw / 2.0 };
    let y = |v: i64| top + ph - (v as f64 / max as f64) * ph;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"Findings per severity per day\">"
    );
    for frac in [0.0, 0.5, 1.0] {
        let v = (max as f64 * frac).round() as i64;
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e3e7eb\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" fill=\"#66727f\" text-anchor=\"end\">{v}</text>",
            w - right,
            left - 6.0,
            y(v) + 4.0,
            yy = y(v)
        );
    }
    // Layers bottom to top.
    let layers: [Layer; 4] =
        [(LOW, |d| d.low), (MEDIUM, |d| d.medium), (HIGH, |d| d.high), (CRITICAL, |d| d.critical)];
    let mut below = vec![0i64; n];
    for (color, value) in layers {
        let above: Vec<i64> = trend.iter().zip(&below).map(|(d, b)| b + value(d)).collect();
        if above != below && n > 0 {
            let mut pts: Vec<String> = (0..n).map(|i| format!("{:.1},{:.1}", x(i), y(above[i]))).collect();
            pts.extend((0..n).rev().map(|i| format!("{:.1},{:.1}", x(i), y(below[i]))));
            if n == 1 {
                // One day: a bar rather than a line of no width.
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" width=\"24\" y=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/>",
                    x(0) - 12.0,
                    y(above[0]),
                    y(below[0]) - y(above[0])
                );
            } else {
                let _ = write!(
                    s,
                    "<polygon points=\"{}\" fill=\"{color}\" fill-opacity=\"0.82\"/>",
                    pts.join(" ")
                );
            }
        }
        below = above;
    }
    // The last day's total, at its point.
    if let Some(last) = trend.last() {
        let total = last.critical + last.high + last.medium + last.low;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#1f2933\" text-anchor=\"end\">{total} today</text>",
            x(n - 1) - 6.0,
            (y(total) - 6.0).max(top + 10.0)
        );
    }
    // Date labels: the first day, every seventh, the last.
    for (i, d) in trend.iter().enumerate() {
        if i == 0 || i + 1 == n || (i % 7 == 0 && i + 3 < n) {
            let anchor = if i == 0 {
                "start"
            } else if i + 1 == n {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#66727f\" text-anchor=\"{anchor}\">{}</text>",
                x(i),
                h - 8.0,
                esc(d.day.get(5..).unwrap_or(&d.day))
            );
        }
        let band = if n > 1 { pw / (n - 1) as f64 } else { pw };
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{top}\" width=\"{band:.1}\" height=\"{ph}\" fill=\"transparent\"><title>{}: {} critical, {} high, {} medium, {} low ({} images)</title></rect>",
            x(i) - band / 2.0,
            esc(&d.day),
            d.critical,
            d.high,
            d.medium,
            d.low,
            d.images
        );
    }
    s.push_str("</svg>");
    s
}

fn tiles(p: &ProjectOverview, agents: Option<&AgentView>) -> String {
    let mut s = String::from("<div class=\"tiles\">");
    let tile = |s: &mut String, class: &str, n: String, label: &str| {
        let _ = write!(
            s,
            "<div class=\"tile {class}\"><div class=\"n\">{n}</div><div class=\"l\">{label}</div></div>"
        );
    };
    tile(&mut s, "", p.images.to_string(), "images scanned");
    tile(&mut s, if p.incomplete > 0 { "warn" } else { "" }, p.incomplete.to_string(), "incomplete scans");
    tile(&mut s, "crit", p.critical.to_string(), "critical");
    tile(&mut s, "high", p.high.to_string(), "high");
    tile(&mut s, "med", p.medium.to_string(), "medium");
    tile(&mut s, "low", p.low.to_string(), "low");
    tile(&mut s, "", format!("{} / {}", p.queued, p.running), "jobs queued / running");
    if let Some(a) = agents {
        let stale = a.hosts.iter().filter(|h| h.idle_seconds > STALE_SECONDS).count();
        tile(
            &mut s,
            if stale > 0 { "warn" } else { "" },
            a.hosts.len().to_string(),
            &if stale > 0 { format!("hosts ({stale} stale)") } else { "hosts".to_string() },
        );
    }
    s.push_str("</div>");
    s
}

fn projects_table(page: &Page) -> String {
    let mut s = String::from(
        "<section class=\"card\"><h2>Projects<small>the projects this browser is signed in to</small></h2><table>\
         <tr><th>Project</th><th class=\"num\">Images</th><th class=\"num\">Incompl.</th><th class=\"num\">Crit</th><th class=\"num\">High</th>\
         <th class=\"num\">Med</th><th class=\"num\">Low</th><th>Last scan</th><th>Findings, 30 days</th></tr>",
    );
    for row in &page.projects {
        let p = &row.overview;
        let _ = write!(
            s,
            "<tr{}><td><a href=\"/dashboard?project={}\"><b>{}</b></a></td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}<td class=\"muted\">{}</td><td>{}</td></tr>",
            if row.selected { " class=\"sel\"" } else { "" },
            esc(&p.name),
            esc(&p.name),
            p.images,
            if p.incomplete > 0 {
                format!("<span class=\"badge bad\">{}</span>", p.incomplete)
            } else {
                "0".into()
            },
            counts_cells(&Counts {
                critical: p.critical,
                high: p.high,
                medium: p.medium,
                low: p.low,
                ..Counts::default()
            }),
            esc(&when(p.last_scan.as_deref())),
            sparkline(&row.trend)
        );
    }
    s.push_str("<tr><td colspan=\"9\" class=\"sub\"><form method=\"post\" action=\"/dashboard/login\" style=\"display:flex;gap:8px;align-items:center;margin:0\">\
        Add a project: <input name=\"token\" type=\"password\" autocomplete=\"off\" placeholder=\"its token (swt_…)\" style=\"font:inherit;padding:2px 8px;border:1px solid #bcccdc;border-radius:5px;width:300px\">\
        <button type=\"submit\" style=\"color:#1f2933;border-color:#bcccdc\">Sign in</button></form></td></tr></table></section>");
    s
}

fn trends_section(page: &Page) -> String {
    let Some(row) = page.projects.iter().find(|r| r.selected) else { return String::new() };
    let mut s = String::from(
        "<section class=\"card\"><h2>Findings per severity per day<small>each image's latest scan as of the end of the day (UTC), last 30 days</small></h2>",
    );
    s.push_str(&trend_chart(&row.trend));
    let _ = write!(
        s,
        "<div class=\"legend\"><span><i style=\"background:{CRITICAL}\"></i>critical</span><span><i style=\"background:{HIGH}\"></i>high</span>\
         <span><i style=\"background:{MEDIUM}\"></i>medium</span><span><i style=\"background:{LOW}\"></i>low</span></div></section>"
    );
    s
}

fn images_section(page: &Page) -> String {
    let total = page.projects.iter().find(|r| r.selected).map_or(0, |r| r.overview.images);
    let mut s = String::new();
    let _ = write!(
        s,
        "<section class=\"card\"><h2>Images<small>{} of {total}; incomplete scans first, then by severity</small></h2>",
        page.images.len()
    );
    if page.images.is_empty() {
        s.push_str("<p class=\"note\">No image has a result yet: submit scans (<code>POST /api/v1/scans</code>), configure registry push events or a crawl.</p></section>");
        return s;
    }
    s.push_str(
        "<table><tr><th>Scan</th><th>Image</th><th>Worst finding</th><th class=\"num\">Crit</th><th class=\"num\">High</th><th class=\"num\">Med</th>\
         <th class=\"num\">Low</th><th class=\"num\">Pkgs</th><th>Scanned</th></tr>",
    );
    for img in &page.images {
        let status = if img.complete {
            "<span class=\"badge ok\">complete</span>".to_string()
        } else {
            "<span class=\"badge bad\">INCOMPLETE</span>".to_string()
        };
        let reasons = if img.complete {
            String::new()
        } else {
            format!("<div class=\"reasons\">{}</div>", esc(&cut(&img.completeness.summary(), 300)))
        };
        let worst = match &img.worst {
            Some(w) => format!(
                "<div class=\"worst\"><span class=\"pill sev {}\">{}</span><span class=\"id\">{}</span><span class=\"t\">{}</span>{}</div>",
                esc(&w.severity),
                esc(&w.severity.to_ascii_lowercase()),
                esc(&w.id),
                esc(&cut(&w.title, 90)),
                match (&w.package, &w.version) {
                    (Some(p), Some(v)) => format!("<div class=\"sub mono\">{} {}</div>", esc(p), esc(v)),
                    (Some(p), None) => format!("<div class=\"sub mono\">{}</div>", esc(p)),
                    _ => String::new(),
                }
            ),
            None => "<span class=\"muted\">no finding</span>".into(),
        };
        let _ = write!(
            s,
            "<tr{}><td>{status}</td><td><a class=\"ref\" href=\"{}\">{}</a><div class=\"sub mono\">{}{}</div>{reasons}</td><td>{worst}</td>{}<td class=\"num muted\">{}</td><td class=\"muted when\">{}</td></tr>",
            if img.complete { "" } else { " class=\"incomplete\"" },
            report_href(&page.project, &img.digest),
            esc(&cut(img.reference.rsplit_once('@').map_or(img.reference.as_str(), |(name, _)| name), 120)),
            esc(&short_digest(&img.digest)),
            if img.origin == "upload" { " · uploaded" } else { "" },
            counts_cells(&img.counts),
            img.counts.packages,
            esc(&when(Some(&img.scanned_at)))
        );
    }
    s.push_str("</table></section>");
    s
}

fn container_row(project: &str, c: &DashboardContainer) -> String {
    let state_class = if c.state == "running" { "running" } else { "state" };
    let scan = match (&c.scanned_digest, &c.scanned_counts) {
        (Some(d), counts) => {
            let counts = counts.as_ref().map_or(String::new(), |k| {
                format!(
                    " {} {} {} {}",
                    pill("CRITICAL", k.critical),
                    pill("HIGH", k.high),
                    pill("MEDIUM", k.medium),
                    pill("LOW", k.low)
                )
            });
            let incomplete = if c.scanned_complete == Some(false) {
                " <span class=\"badge bad\">INCOMPLETE</span>"
            } else {
                ""
            };
            format!("<a href=\"{}\">report</a>{counts}{incomplete}", report_href(project, d))
        }
        (None, _) => "<span class=\"muted\">not scanned</span>".into(),
    };
    format!(
        "<tr><td><b>{}</b><div class=\"sub mono\">{}</div></td><td class=\"mono\">{}</td><td><span class=\"badge {state_class}\">{}</span></td><td>{scan}</td><td class=\"muted\">{}</td></tr>",
        esc(&cut(&c.name, 80)),
        esc(&c.container_id.chars().take(12).collect::<String>()),
        esc(&cut(&c.image_ref, 100)),
        esc(&c.state),
        esc(&when(c.seen_at.as_deref()))
    )
}

fn host_block(project: &str, h: &DashboardHost) -> String {
    let mut s = String::new();
    let stale = if h.idle_seconds > STALE_SECONDS { " <span class=\"badge stale\">stale</span>" } else { "" };
    let _ = write!(
        s,
        "<div class=\"host\"><div class=\"hd\"><b>{}</b><span class=\"muted\">agent {}</span><span class=\"muted\">last report {}{stale}</span>\
         <span class=\"muted\">{} containers</span></div>",
        esc(&h.hostname),
        esc(&h.agent_version),
        esc(&ago(h.idle_seconds)),
        h.containers.len()
    );
    if h.containers.is_empty() {
        s.push_str("<p class=\"note\" style=\"padding:8px 12px\">No container reported.</p></div>");
        return s;
    }
    s.push_str("<table><tr><th>Container</th><th>Image</th><th>State</th><th>Scan</th><th>Seen</th></tr>");
    for c in &h.containers {
        s.push_str(&container_row(project, c));
    }
    s.push_str("</table></div>");
    s
}

fn agents_sections(page: &Page) -> String {
    let Some(a) = &page.agents else {
        return "<section class=\"card\"><h2>Hosts and drift alerts</h2><p class=\"note\">This database has no agent tables \
                (schema migration 5), so there is nothing to show about hosts yet.</p></section>"
            .into();
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<section class=\"card\"><h2>Hosts and their containers<small>{} reporting with <code>seawall monitor --report-to</code></small></h2>",
        if a.hosts.len() == 1 { "1 host".to_string() } else { format!("{} hosts", a.hosts.len()) }
    );
    if a.hosts.is_empty() {
        s.push_str("<p class=\"note\">No host reports to this project yet: run <code>seawall monitor --report-to URL --token TOKEN</code> on a host.</p>");
    }
    for h in &a.hosts {
        s.push_str(&host_block(&page.project, h));
    }
    s.push_str("</section>");
    let _ = write!(
        s,
        "<section class=\"card\"><h2>Latest drift alerts<small>newest first, at most 50</small></h2>"
    );
    if a.alerts.is_empty() {
        s.push_str("<p class=\"note\">No alert.</p></section>");
        return s;
    }
    s.push_str("<table><tr><th>When</th><th>Host</th><th>Severity</th><th>Kind</th><th>Container</th><th>Message</th></tr>");
    for al in &a.alerts {
        let _ = write!(
            s,
            "<tr><td class=\"muted\" style=\"white-space:nowrap\">{}</td><td>{}</td><td><span class=\"pill {}\">{}</span></td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            esc(&when(al.occurred_at.as_deref())),
            esc(&al.hostname),
            esc(&al.severity.to_ascii_uppercase()),
            esc(&al.severity.to_ascii_lowercase()),
            esc(&al.kind),
            esc(&al.container_id.chars().take(12).collect::<String>()),
            esc(&cut(&al.message, 240))
        );
    }
    s.push_str("</table></section>");
    s
}

fn crawls_section(page: &Page) -> String {
    if page.crawls.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<section class=\"card\"><h2>Registry crawls<small>scheduled catalog and tag crawls (<code>/api/v1/crawls</code>)</small></h2>\
         <table><tr><th>Registry</th><th>Repositories</th><th>Every</th><th>Rate limit</th><th>Last crawl</th><th>Found</th><th>Next</th></tr>",
    );
    for c in &page.crawls {
        let sel = if c.include.is_empty() { "all".to_string() } else { c.include.join(", ") };
        let sel = if c.exclude.is_empty() { sel } else { format!("{sel}; not {}", c.exclude.join(", ")) };
        let found = c.last_stats.as_ref().map_or("—".to_string(), |st| {
            let g = |k: &str| st.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
            format!(
                "{} repositories, {} tags, {} queued · {} requests in {} s",
                g("repositories_crawled"),
                g("tags"),
                g("queued"),
                g("requests"),
                st.get("seconds").and_then(serde_json::Value::as_f64).unwrap_or(0.0)
            )
        });
        let error = c
            .last_error
            .as_deref()
            .map_or(String::new(), |e| format!("<div class=\"err\">{}</div>", esc(&cut(e, 200))));
        let _ = write!(
            s,
            "<tr><td class=\"mono\">{}{}</td><td class=\"mono\">{}</td><td>{}</td><td>{} req/s</td><td class=\"muted\">{}{}</td><td>{}{error}</td><td class=\"muted\">{}</td></tr>",
            esc(&c.registry),
            if c.has_credentials { " 🔑" } else { "" },
            esc(&cut(&sel, 80)),
            esc(&interval(c.interval_seconds)),
            c.rate_limit,
            esc(&when(c.last_finished_at.as_deref())),
            if c.running { " <span class=\"badge running\">running</span>" } else { "" },
            esc(&found),
            esc(&when(c.next_run_at.as_deref()))
        );
    }
    s.push_str("</table></section>");
    s
}

fn interval(seconds: i32) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The whole page.
pub fn render(page: &Page, query_ms: f64) -> String {
    let mut s = head(&format!("seawall · {}", page.project));
    s.push_str("<body><header class=\"top\"><div class=\"brand\">seawall<span>fleet dashboard</span></div><nav class=\"projects\">");
    for row in &page.projects {
        let _ = write!(
            s,
            "<a href=\"/dashboard?project={}\"{}>{}</a>",
            esc(&row.overview.name),
            if row.selected { " class=\"on\"" } else { "" },
            esc(&row.overview.name)
        );
    }
    s.push_str("</nav><form method=\"post\" action=\"/dashboard/logout\"><button type=\"submit\">Sign out</button></form></header><main>");
    let selected = page.projects.iter().find(|r| r.selected);
    let _ = write!(
        s,
        "<h1>{}<small>last scan {}</small></h1>",
        esc(&page.project),
        esc(&when(selected.and_then(|r| r.overview.last_scan.as_deref())))
    );
    if let Some(r) = selected {
        s.push_str(&tiles(&r.overview, page.agents.as_ref()));
    }
    s.push_str(&images_section(page));
    s.push_str(&trends_section(page));
    s.push_str(&agents_sections(page));
    s.push_str(&projects_table(page));
    s.push_str(&crawls_section(page));
    let _ = write!(
        s,
        "</main><footer>seawall {} · {} · queried in {query_ms:.0} ms · findings of each image's latest scan; suppressed findings are not counted</footer></body></html>",
        env!("CARGO_PKG_VERSION"),
        esc(&jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC").to_string())
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(reference: &str, complete: bool) -> DashboardImage {
        let completeness: seawall_core::Completeness = serde_json::from_value(if complete {
            serde_json::json!({"status": "complete"})
        } else {
            serde_json::json!({"status": "incomplete", "reasons": [{"kind": "file-not-analyzed", "count": 2, "example": "<b>x</b>"}]})
        })
        .unwrap_or_else(|e| panic!("{e}"));
        DashboardImage {
            digest: format!("sha256:{}", "a".repeat(64)),
            reference: reference.into(),
            origin: "upload".into(),
            complete,
            completeness,
            counts: Counts { high: 2, ..Counts::default() },
            scanned_at: "2026-12-06T05:00:00Z".into(),
            worst: Some(seawall_store::WorstFinding {
                id: "CVE-1\"><script>".into(),
                severity: "HIGH".into(),
                title: "t <img src=x onerror=alert(1)>".into(),
                package: Some("p&q".into()),
                version: None,
            }),
        }
    }

    fn page(images: Vec<DashboardImage>) -> Page {
        let overview = ProjectOverview {
            name: "p1".into(),
            images: images.len() as i64,
            incomplete: images.iter().filter(|i| !i.complete).count() as i64,
            critical: 0,
            high: 2,
            medium: 0,
            low: 0,
            last_scan: Some("2026-12-06T05:00:00Z".into()),
            queued: 0,
            running: 0,
        };
        let trend = (1..=30)
            .map(|d| TrendDay {
                day: format!("2026-11-{d:02}"),
                critical: d % 3,
                high: 2,
                medium: 1,
                low: 0,
                images: 1,
            })
            .collect();
        Page {
            project: "p1".into(),
            projects: vec![ProjectRow { overview, trend, selected: true }],
            images,
            agents: None,
            crawls: vec![],
        }
    }

    #[test]
    fn everything_from_the_database_is_escaped() {
        let hostile = "evil/<script>alert(1)</script>:v1\"onmouseover='x'";
        let html = render(&page(vec![image(hostile, false)]), 1.0);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>x</b>"));
        assert!(html.contains("evil/&lt;script&gt;alert(1)&lt;/script&gt;:v1&quot;onmouseover=&#39;x&#39;"));
        assert!(html.contains("CVE-1&quot;&gt;&lt;script&gt;"));
        assert!(html.contains("p&amp;q"));
        // No script at all: the page works without one.
        assert!(!html.to_ascii_lowercase().contains("<script"));
    }

    #[test]
    fn incomplete_scans_stand_out() {
        let html = render(&page(vec![image("a/b:1", false), image("a/c:1", true)]), 1.0);
        assert!(html.contains("<tr class=\"incomplete\">"));
        assert_eq!(html.matches("INCOMPLETE</span>").count(), 1, "the incomplete image's badge");
        assert!(html.contains("tile warn"));
        assert!(html.contains("2 file not analysed"), "the reasons are shown");
    }

    #[test]
    fn chart_and_helpers() {
        let p = page(vec![]);
        let svg = trend_chart(&p.projects[0].trend);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polygon").count(), 3, "three non-empty layers (no low findings)");
        assert_eq!(svg.matches("<title>").count(), 30);
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(450), 500);
        assert_eq!(esc("\u{1b}[31m"), "\u{fffd}[31m");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(when(Some("2026-12-06T05:51:12Z")), "2026-12-06 05:51");
        assert_eq!(short_digest(&format!("sha256:{}", "b".repeat(64))), "sha256:bbbbbbbbbbbb");
        assert_eq!(interval(3600), "1 h");
        assert_eq!(interval(90), "90 s");
        let one = trend_chart(&p.projects[0].trend[..1]);
        assert!(one.contains("<rect x="));
    }
}
