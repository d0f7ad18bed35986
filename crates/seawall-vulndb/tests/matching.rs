//! Matching semantics on records built in the test: OS releases, source packages, unfixed
//! status, conda → PyPI, alias collapsing, severity, YAML and directory imports.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use seawall_core::{FindingKind, Location, OsInfo, Package, Severity, SourcePackage};
use seawall_vulndb::{VulnDb, match_packages, upgrade_plan};

fn db_with(records: &[&str]) -> (VulnDb, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (i, r) in records.iter().enumerate() {
        fs_err::write(dir.path().join(format!("r{i}.json")), r).unwrap();
    }
    let mut db = VulnDb::in_memory().unwrap();
    let s = db.import_path(dir.path()).unwrap();
    assert_eq!(s.error_count, 0, "{:?}", s.errors);
    (db, dir)
}

fn pkg(name: &str, version: &str, eco: &str) -> Package {
    Package::new(name, version, eco, Location::file("/var/lib/dpkg/status").with_layer(Some(2)))
}

const DEBIAN_FIXED: &str = r#"{"id":"DSA-5000-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2023-1111"],
 "summary":"openssl security update",
 "affected":[
  {"package":{"ecosystem":"Debian:12","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]},
  {"package":{"ecosystem":"Debian:11","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u1"}]}]}]}"#;

const DEBIAN_UNFIXED: &str = r#"{"id":"DEBIAN-CVE-2023-2222","modified":"2024-01-01T00:00:00Z",
 "upstream":["CVE-2023-2222"], "details":"glibc: something\nmore text",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],
   "ecosystem_specific":{"urgency":"low"}}]}"#;

#[test]
fn debian_release_from_os_and_source_package() {
    let (db, _d) = db_with(&[DEBIAN_FIXED, DEBIAN_UNFIXED]);
    let os = OsInfo { id: "debian".into(), version_id: "12".into(), ..Default::default() };
    let mut libssl = pkg("libssl3", "3.0.11-1~deb12u1", "Debian");
    libssl.source = Some(SourcePackage { name: "openssl".into(), version: "3.0.11-1~deb12u1".into() });
    let mut libc = pkg("libc6", "2.36-9+deb12u3", "Debian");
    libc.source = Some(SourcePackage { name: "glibc".into(), version: "2.36-9+deb12u3".into() });
    let patched = {
        let mut p = pkg("libssl3", "3.0.11-1~deb12u2", "Debian");
        p.source = Some(SourcePackage { name: "openssl".into(), version: "3.0.11-1~deb12u2".into() });
        p
    };
    let f = match_packages(&db, &[libssl, libc, patched], Some(&os)).unwrap();
    assert_eq!(f.len(), 2, "{f:#?}");
    let ssl = f.iter().find(|f| f.id == "DSA-5000-1").unwrap();
    assert_eq!(ssl.kind, FindingKind::Vulnerability);
    assert_eq!(ssl.practice, 7);
    assert_eq!(ssl.fixed_versions, ["3.0.11-1~deb12u2"]); // only the Debian 12 fix
    assert_eq!(ssl.status.map(|s| s.as_str()), Some("fixed"));
    assert_eq!(ssl.aliases, ["CVE-2023-1111"]);
    assert_eq!(ssl.package.as_ref().unwrap().name, "libssl3");
    assert_eq!(ssl.details["source_package"], "openssl 3.0.11-1~deb12u1");
    assert_eq!(ssl.details["matched_ecosystem"], "Debian:12");
    assert_eq!(ssl.location.layer, Some(2));
    assert_eq!(ssl.title, "openssl security update");
    assert!(!ssl.fingerprint.is_empty());
    let glibc = f.iter().find(|f| f.id == "DEBIAN-CVE-2023-2222").unwrap();
    assert_eq!(glibc.status.map(|s| s.as_str()), Some("unfixed"));
    assert!(glibc.fixed_versions.is_empty());
    assert_eq!(glibc.title, "glibc: something");
    assert_eq!(glibc.severity, Severity::Low); // Debian urgency
    assert_eq!(glibc.details["severity_source"], "label");
    assert_eq!(glibc.aliases, ["CVE-2023-2222"]); // upstream ids are listed too

    // Debian 11 image: the Debian 11 fix applies instead.
    let os11 = OsInfo { id: "debian".into(), version_id: "11.8".into(), ..Default::default() };
    let mut old = pkg("openssl", "1.1.1n-0+deb11u5", "Debian");
    old.source = None;
    let f = match_packages(&db, &[old], Some(&os11)).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].fixed_versions, ["1.1.1w-0+deb11u1"]);

    let plan =
        upgrade_plan(&db, &match_packages(&db, &[pkg("openssl", "3.0.9-1", "Debian:12")], None).unwrap())
            .unwrap();
    assert_eq!(plan[0].target.as_deref(), Some("3.0.11-1~deb12u2"));
}

const PYSEC: &str = r#"{"id":"PYSEC-2023-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2023-9999"],
 "affected":[{"package":{"ecosystem":"PyPI","name":"torch"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0.1"}]}]}],
 "references":[{"type":"WEB","url":"https://example.org/a"}]}"#;

const GHSA: &str = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2023-9999"],
 "summary":"torch: remote code execution",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"torch"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"2.0.1"}]}],
   "database_specific":{"severity":"LOW"}}],
 "references":[{"type":"ADVISORY","url":"https://example.org/b"}],
 "database_specific":{"severity":"HIGH"}}"#;

const OTHER: &str = r#"{"id":"GHSA-zzzz-yyyy-xxxx","modified":"2024-01-01T00:00:00Z",
 "summary":"torch: another flaw", "database_specific":{"severity":"MODERATE"},
 "affected":[{"package":{"ecosystem":"PyPI","name":"torch"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"last_affected":"1.13.1"}]}]}]}"#;

const WITHDRAWN: &str = r#"{"id":"PYSEC-2023-2","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z",
 "affected":[{"package":{"ecosystem":"PyPI","name":"torch"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#;

#[test]
fn aliases_collapse_and_severity_and_conda() {
    let (db, _d) = db_with(&[PYSEC, GHSA, OTHER, WITHDRAWN]);
    let pip = Package::new("torch", "1.13.1", "PyPI", Location::file("/usr/lib/python3/site-packages/torch"));
    let conda =
        Package::new("pytorch", "1.13.1", "conda", Location::file("/opt/conda/conda-meta/pytorch.json"));
    let conda_native =
        Package::new("openssl", "1.1.1", "conda", Location::file("/opt/conda/conda-meta/openssl.json"));
    let f = match_packages(&db, &[pip, conda, conda_native], None).unwrap();
    // Two findings per torch package: the collapsed CVE-2023-9999 pair and the other GHSA.
    assert_eq!(f.len(), 4, "{f:#?}");
    let pip_rce = f
        .iter()
        .find(|f| {
            f.package.as_ref().unwrap().ecosystem == "PyPI" && f.aliases.iter().any(|a| a == "CVE-2023-9999")
        })
        .unwrap();
    assert_eq!(pip_rce.id, "GHSA-aaaa-bbbb-cccc"); // GHSA ranks before PYSEC
    assert_eq!(pip_rce.aliases, ["CVE-2023-9999", "PYSEC-2023-1"]);
    assert_eq!(pip_rce.severity, Severity::Critical); // CVSS 9.8 wins over the labels
    assert_eq!(pip_rce.cvss.len(), 1);
    assert!((pip_rce.cvss[0].score - 9.8).abs() < 1e-9);
    assert_eq!(pip_rce.references, ["https://example.org/a", "https://example.org/b"]);
    assert_eq!(pip_rce.title, "torch: remote code execution");
    assert_eq!(pip_rce.details["osv_records"], "GHSA-aaaa-bbbb-cccc,PYSEC-2023-1");
    let other =
        f.iter().find(|f| f.id == "GHSA-zzzz-yyyy-xxxx" && !f.details.contains_key("matched_via")).unwrap();
    assert_eq!(other.severity, Severity::Medium);
    assert_eq!(other.status.map(|s| s.as_str()), Some("unfixed"));
    // conda pytorch is matched as PyPI torch and flagged.
    let conda_f: Vec<_> = f.iter().filter(|f| f.package.as_ref().unwrap().ecosystem == "conda").collect();
    assert_eq!(conda_f.len(), 2);
    assert!(conda_f.iter().all(|f| f.details.get("matched_via").map(String::as_str) == Some("PyPI")));
    assert!(conda_f.iter().all(|f| f.package.as_ref().unwrap().name == "pytorch"));
    // Sorted: critical first.
    assert!(f.windows(2).all(|w| w[0].severity >= w[1].severity));

    // Upgrade: 2.0.1 fixes the RCE, the last_affected advisory has no fix above 1.13.1 → 2.0.1 clears it too.
    let plan = upgrade_plan(&db, &f).unwrap();
    let pip_plan = plan.iter().find(|u| u.ecosystem == "PyPI").unwrap();
    assert_eq!(pip_plan.target.as_deref(), Some("2.0.1"));
    assert_eq!(pip_plan.fixes, ["GHSA-aaaa-bbbb-cccc", "GHSA-zzzz-yyyy-xxxx"]);
    assert!(pip_plan.remaining.is_empty());

    // Fixed version: nothing.
    let ok = Package::new("torch", "2.0.1", "PyPI", Location::file("x"));
    assert!(match_packages(&db, &[ok], None).unwrap().is_empty());
}

#[test]
fn yaml_and_single_file_imports() {
    let dir = tempfile::tempdir().unwrap();
    // PyPA style: unquoted versions and timestamps stay strings.
    let yaml = "id: PYSEC-2099-1
modified: 2024-10-10T17:22:00.587279Z
published: 2024-01-01T00:00:00Z
aliases:
- CVE-2099-1
details: A flaw in Foo.
affected:
- package:
    name: Foo.Bar
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: 1.10
  versions:
  - 1.0
  - 1.9
";
    fs_err::create_dir_all(dir.path().join("vulns/foo")).unwrap();
    fs_err::write(dir.path().join("vulns/foo/PYSEC-2099-1.yaml"), yaml).unwrap();
    fs_err::write(dir.path().join("vulns/.id-allocator"), "x").unwrap();
    let mut db = VulnDb::in_memory().unwrap();
    let s = db.import_path(dir.path().join("vulns")).unwrap();
    assert_eq!((s.records, s.error_count), (1, 0), "{:?}", s.errors);
    let v = db.get("PYSEC-2099-1").unwrap().unwrap();
    assert_eq!(v.modified, "2024-10-10T17:22:00.587279Z");
    assert_eq!(v.affected[0].versions, ["1.0", "1.9"]);
    let f =
        match_packages(&db, &[Package::new("foo-bar", "1.9", "PyPI", Location::file("x"))], None).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].fixed_versions, ["1.10"]);
    assert!(
        match_packages(&db, &[Package::new("foo_bar", "1.10", "PyPI", Location::file("x"))], None)
            .unwrap()
            .is_empty()
    );

    // A single JSON file with an array of records; a broken file is an error.
    let arr = dir.path().join("two.json");
    fs_err::write(&arr, format!("[{PYSEC},{GHSA}]")).unwrap();
    assert_eq!(db.import_path(&arr).unwrap().records, 2);
    let bad = dir.path().join("bad.json");
    fs_err::write(&bad, "{not json").unwrap();
    assert!(db.import_path(&bad).is_err());
    assert!(db.import_path(dir.path().join("missing.zip")).is_err());
    let st = db.status().unwrap();
    assert_eq!(st.records, 3);
    assert_eq!(st.sources.len(), 2);
    assert_eq!(db.ids_for_alias("CVE-2023-9999").unwrap(), ["GHSA-aaaa-bbbb-cccc", "PYSEC-2023-1"]);
}

#[test]
fn reimport_replaces_source_records() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.json");
    fs_err::write(&f, PYSEC).unwrap();
    let mut db = VulnDb::in_memory().unwrap();
    db.import_path(&f).unwrap();
    fs_err::write(&f, GHSA).unwrap();
    db.import_path(&f).unwrap();
    assert!(db.get("PYSEC-2023-1").unwrap().is_none());
    assert!(db.get("GHSA-aaaa-bbbb-cccc").unwrap().is_some());
    assert_eq!(db.status().unwrap().records, 1);
}

#[test]
fn alpine_sample_data() {
    let zip = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/osv/Alpine/all.zip"
    ));
    if !zip.exists() {
        return;
    }
    let mut db = VulnDb::in_memory().unwrap();
    let s = db.import_path(&zip).unwrap();
    assert_eq!(s.records, 2432);
    let os = OsInfo { id: "alpine".into(), version_id: "3.10.2".into(), ..Default::default() };
    // ALPINE-CVE-2019-1563: openssl fixed in 1.1.1d-r0 on v3.10.
    let old = pkg("openssl", "1.1.1c-r0", "Alpine");
    let new = pkg("openssl", "1.1.1d-r0", "Alpine");
    let f = match_packages(&db, &[old], Some(&os)).unwrap();
    assert!(f.iter().any(|f| f.id == "ALPINE-CVE-2019-1563" && f.aliases == ["CVE-2019-1563"]), "{f:#?}");
    let f = match_packages(&db, &[new], Some(&os)).unwrap();
    assert!(f.iter().all(|f| f.id != "ALPINE-CVE-2019-1563"));
    // Rule 9 (two affected entries for one release): busybox CVE-2019-5747 on v3.10 is fixed in
    // 1.29.3-r10 (1.29 branch) and 1.30.1-r2; entries are OR-ed, so 1.30.1-r1 is still affected
    // (the 1.29 entry says "< 1.29.3-r10" is not true for it, the 1.30 one says it is).
    let os10 = OsInfo { id: "alpine".into(), version_id: "3.10.0".into(), ..Default::default() };
    let ids = |v: &str| -> Vec<String> {
        match_packages(&db, &[pkg("busybox", v, "Alpine")], Some(&os10))
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    assert!(ids("1.30.1-r1").contains(&"ALPINE-CVE-2019-5747".to_string()));
    assert!(!ids("1.30.1-r2").contains(&"ALPINE-CVE-2019-5747".to_string()));
    let f = match_packages(&db, &[pkg("busybox", "1.29.3-r9", "Alpine")], Some(&os10)).unwrap();
    let hit = f.iter().find(|f| f.id == "ALPINE-CVE-2019-5747").unwrap();
    assert_eq!(hit.fixed_versions, ["1.29.3-r10", "1.30.1-r2"]);
    let plan = upgrade_plan(&db, std::slice::from_ref(hit)).unwrap();
    assert_eq!(plan[0].target.as_deref(), Some("1.30.1-r2")); // 1.29.3-r10 is still < 1.30.1-r2
}

#[test]
fn upgrade_plan_partial_and_unfixed() {
    // A: fixed in 1.5 (1.x line) and 2.1; B: introduced 1.5, fixed 2.0 → 1.5 lands in B, 2.0 is
    // still in A's second interval, 2.1 clears both. C has no fix at all.
    let a = r#"{"id":"GHSA-a","modified":"x","affected":[{"package":{"ecosystem":"PyPI","name":"p"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"},{"introduced":"1.8"},{"fixed":"2.1"}]}]}]}"#;
    let b = r#"{"id":"GHSA-b","modified":"x","affected":[{"package":{"ecosystem":"PyPI","name":"p"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"2.0"}]}]}]}"#;
    let c = r#"{"id":"GHSA-c","modified":"x","affected":[{"package":{"ecosystem":"PyPI","name":"p"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#;
    let (db, _d) = db_with(&[a, b, c]);
    let f = match_packages(&db, &[Package::new("p", "1.2", "PyPI", Location::file("x"))], None).unwrap();
    assert_eq!(f.len(), 3);
    let plan = upgrade_plan(&db, &f).unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].target.as_deref(), Some("2.1"), "{plan:?}");
    assert_eq!(plan[0].fixes, ["GHSA-a", "GHSA-b"]);
    assert_eq!(plan[0].remaining, ["GHSA-c"]);
    assert_eq!(plan[0].installed, "1.2");
}
