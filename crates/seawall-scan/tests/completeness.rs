//! Scanner states and the report's completeness come from the warnings and verdicts of the scan.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use seawall_core::{Scanner, ScannerState};
use seawall_scan::{ScanOptions, Scanners, scan_fs};

fn state(r: &seawall_core::Report, s: Scanner) -> ScannerState {
    r.scanners.iter().find(|x| x.name == s).map(|x| x.status).unwrap()
}

#[test]
fn an_unscannable_model_makes_only_the_model_scanner_partial() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("model.pkl"), b"\x80\x02}q\x00(X\x01\x00\x00\x00a").unwrap();
    fs_err::write(dir.path().join("notes.txt"), b"nothing secret here\n").unwrap();
    let opts = ScanOptions {
        scanners: Scanners { model: true, secret: true, ..Scanners::none() },
        no_cache: true,
        ..Default::default()
    };
    let r = scan_fs(dir.path(), &opts).unwrap();
    assert_eq!(state(&r, Scanner::Model), ScannerState::Partial, "{:?}", r.scanners);
    assert_eq!(state(&r, Scanner::Secret), ScannerState::Complete, "{:?}", r.scanners);
    assert!(!r.completeness.is_complete());
    assert_eq!(r.completeness.reasons[0].kind, seawall_core::WarningKind::UnscannableModel);
}

#[test]
fn a_clean_tree_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("model.pkl"), b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.").unwrap();
    let opts = ScanOptions {
        scanners: Scanners { model: true, secret: true, config: true, ..Scanners::none() },
        no_cache: true,
        ..Default::default()
    };
    let r = scan_fs(dir.path(), &opts).unwrap();
    assert!(r.completeness.is_complete(), "{:?}", r.completeness);
    assert!(r.scanners.iter().all(|s| s.status == ScannerState::Complete));
}

#[test]
fn a_requested_scanner_that_cannot_run_is_skipped_and_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("requirements.txt"), "flask==2.0.0\n").unwrap();
    let home = tempfile::tempdir().unwrap();
    let opts = ScanOptions {
        scanners: Scanners { vuln: true, inventory: true, ..Scanners::none() },
        db: Some(home.path().join("missing.db")),
        offline: true,
        no_cache: true,
        ..Default::default()
    };
    let r = scan_fs(dir.path(), &opts).unwrap();
    assert_eq!(state(&r, Scanner::Vuln), ScannerState::Skipped);
    assert_eq!(state(&r, Scanner::Inventory), ScannerState::Complete);
    assert_eq!(r.completeness.reasons[0].kind, seawall_core::WarningKind::DatabaseUnavailable);
}
