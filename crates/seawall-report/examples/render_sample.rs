//! Renders the built-in sample report: `cargo run -p seawall-report --example render_sample -- html > r.html`.

use std::io::Write;

use seawall_report::{Format, RenderContext, render, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let format: Format = std::env::args().nth(1).as_deref().unwrap_or("table").parse()?;
    let report = sample::report();
    let baseline = sample::baseline();
    let graph = r##"<svg xmlns="http://www.w3.org/2000/svg" width="360" height="120" viewBox="0 0 360 120"><rect x="10" y="40" width="90" height="40" rx="6" fill="#e3f2fd" stroke="#1976d2"/><text x="55" y="65" text-anchor="middle" font-size="12">notebook</text><rect x="250" y="40" width="90" height="40" rx="6" fill="#ffebee" stroke="#d32f2f"/><text x="295" y="65" text-anchor="middle" font-size="12">0.0.0.0:8888</text><line x1="100" y1="60" x2="250" y2="60" stroke="#424242" stroke-width="2"/></svg>"##;
    let ctx = RenderContext::new(sample::RULES)
        .with_baseline(Some(&baseline))
        .with_graph_svg(Some(graph))
        .with_packages(true)
        .with_width(Some(100));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    render(&report, format, &ctx, &mut out)?;
    out.flush()?;
    Ok(())
}
