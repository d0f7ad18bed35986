//! Opens the HTML report in headless Chromium (Debian `chromium`), when installed: the page must load
//! offline, its script must run to the end, the DOM must hold the expected sections, and a screenshot
//! must be produced. Skips when no Chromium binary is found.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use seawall_report::{Format, render_to_string, sample};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        seawall_core::Environment::from_process()
            .path?
            .to_str()?
            .split(':')
            .map(|d| Path::new(d).join(name))
            .find(|p| p.is_file())
    })
}

fn headless(bin: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]);
    c.arg(concat!("--user-data-dir=", env!("CARGO_TARGET_TMPDIR"), "/seawall-report-chromium"));
    c
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        eprintln!("skipped: no chromium binary on PATH");
        return;
    };
    let base = sample::baseline();
    let html =
        render_to_string(&sample::report(), Format::Html, &common::ctx().with_baseline(Some(&base))).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let page = dir.join("seawall-report-sample.html");
    fs_err::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());

    let started = Instant::now();
    let res = headless(&bin).args(["--virtual-time-budget=3000", "--dump-dom", &url]).output().unwrap();
    let dom = String::from_utf8_lossy(&res.stdout);
    let err = String::from_utf8_lossy(&res.stderr);
    eprintln!("dump-dom took {:?}", started.elapsed());
    assert!(
        dom.contains("data-ready=\"1\""),
        "the report script did not run to the end:\n{}\nstderr: {err}",
        &dom[..dom.len().min(2000)]
    );
    for needle in
        ["id=\"summary\"", "id=\"findings\"", "id=\"layers\"", "id=\"models\"", "id=\"packages\"", "<svg"]
    {
        assert!(dom.contains(needle), "DOM lacks {needle}");
    }
    assert_eq!(dom.matches("<details class=\"f\"").count(), 8);

    let shot = dir.join("seawall-report-sample.png");
    let _ = fs_err::remove_file(&shot);
    let res = headless(&bin)
        .args(["--window-size=1280,2000", &format!("--screenshot={}", shot.display()), &url])
        .output()
        .unwrap();
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&res.stderr));
    let png = fs_err::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (1280, 2000));
    assert!(png.len() > 50_000, "a blank page compresses to almost nothing; got {} bytes", png.len());
}
