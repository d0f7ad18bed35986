//! Re-renders a saved JSON report in another format:
//! `cargo run -p seawall-report --example render_json -- report.json sarif > report.sarif`.

use std::io::Write;

use seawall_report::{Format, RenderContext, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: render_json REPORT.json FORMAT")?;
    let format: Format = args.next().as_deref().unwrap_or("table").parse()?;
    let mut report: seawall_core::Report = serde_json::from_str(&fs_err::read_to_string(&path)?)?;
    report.normalize();
    let ctx = RenderContext::new(&[]).with_packages(true).with_width(Some(120));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    render(&report, format, &ctx, &mut out)?;
    out.flush()?;
    Ok(())
}
