//! Cross-checks the matcher against an independent, deliberately simple evaluation of the PyPA
//! records in `../shared/data/osv/PyPI/all.zip` (skipped when the data is absent).
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;

use seawall_core::{Location, Package};
use seawall_vulndb::{VulnDb, match_packages, upgrade_plan};

fn data() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv/PyPI/all.zip"));
    p.exists().then_some(p)
}

fn pep503(s: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in s.chars() {
        if "-_.".contains(c) {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The OSV reference algorithm, written independently of the crate: sort the events, walk them in
/// order and keep the state of the last one that applies.
fn in_range(version: &str, events: &[serde_json::Value]) -> bool {
    let cmp = |a: &str, b: &str| seawall_version::compare("PyPI", a, b).unwrap();
    let mut evs: Vec<(&str, &str)> = Vec::new();
    for e in events {
        for k in ["introduced", "fixed", "last_affected", "limit"] {
            if let Some(v) = e.get(k).and_then(|v| v.as_str()) {
                evs.push((k, v));
            }
        }
    }
    evs.sort_by(|a, b| match (a.1 == "0" && a.0 == "introduced", b.1 == "0" && b.0 == "introduced") {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        // Adjacent intervals (`fixed X` and `introduced X`) are continuous: the advisory texts say
        // so (PYSEC-2022-42972: "0.12.2 to 0.12.6, 0.13.0 to 0.13.2 are vulnerable" is written as
        // [0.13.0, 0.14.0rc1) + [0.12.2, 0.13.0)). So on equal versions `fixed` is applied first.
        _ => cmp(a.1, b.1).then_with(|| (a.0 == "introduced").cmp(&(b.0 == "introduced"))),
    });
    let mut affected = false;
    for (k, v) in evs {
        match k {
            "introduced" if v == "0" || cmp(version, v) != Ordering::Less => affected = true,
            "fixed" if cmp(version, v) != Ordering::Less => affected = false,
            "last_affected" if cmp(version, v) == Ordering::Greater => affected = false,
            "limit" if cmp(version, v) != Ordering::Less => affected = false,
            _ => {}
        }
    }
    affected
}

fn load_all(zip_path: &PathBuf) -> Vec<serde_json::Value> {
    let mut z = zip::ZipArchive::new(fs_err::File::open(zip_path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut s = String::new();
            z.by_index(i).unwrap().read_to_string(&mut s).unwrap();
            serde_json::from_str(&s).unwrap()
        })
        .collect()
}

/// Record ids affecting `name version`, with the fixed versions above it of the ranges that
/// contain it.
fn independent(
    records: &[serde_json::Value],
    name: &str,
    version: &str,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in records {
        if v.get("withdrawn").is_some() {
            continue;
        }
        for a in v["affected"].as_array().into_iter().flatten() {
            if a["package"]["ecosystem"] != "PyPI"
                || pep503(a["package"]["name"].as_str().unwrap_or("")) != name
            {
                continue;
            }
            let listed = a["versions"].as_array().into_iter().flatten().any(|x| x.as_str() == Some(version));
            let mut fixed = BTreeSet::new();
            let mut ranged = false;
            for r in a["ranges"].as_array().into_iter().flatten().filter(|r| r["type"] == "ECOSYSTEM") {
                let events = r["events"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                if in_range(version, events) {
                    ranged = true;
                    for e in events {
                        if let Some(f) = e["fixed"].as_str()
                            && seawall_version::compare("PyPI", version, f) == Some(Ordering::Less)
                        {
                            fixed.insert(f.to_string());
                        }
                    }
                }
            }
            if listed || ranged {
                out.entry(v["id"].as_str().unwrap().to_string()).or_default().extend(fixed);
            }
        }
    }
    out
}

const PACKAGES: &[(&str, &str)] = &[
    ("jinja2", "3.1.2"),
    ("pillow", "9.4.0"),
    ("requests", "2.28.1"),
    ("transformers", "4.30.0"),
    ("aiohttp", "3.8.4"),
    ("scikit-learn", "1.2.0"),
    ("tensorflow", "2.11.0"),
    ("torch", "1.13.0"),
    ("numpy", "1.21.0"),
    ("mlflow", "2.8.0"),
    ("gradio", "3.40.0"),
    ("langchain", "0.0.300"),
    ("notebook", "6.4.0"),
    ("urllib3", "1.26.5"),
    ("cryptography", "38.0.0"),
];

#[test]
fn matcher_agrees_with_independent_evaluation() {
    let Some(zip) = data() else {
        eprintln!("skipping: PyPI data absent");
        return;
    };
    let mut db = VulnDb::in_memory().unwrap();
    db.import_path(&zip).unwrap();
    let pkgs: Vec<Package> = PACKAGES
        .iter()
        .map(|(n, v)| {
            Package::new(*n, *v, "PyPI", Location::file(format!("/usr/lib/python3/site-packages/{n}")))
        })
        .collect();
    let findings = match_packages(&db, &pkgs, None).unwrap();
    let mut ours: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &findings {
        let p = f.package.as_ref().unwrap();
        let set = ours.entry(p.name.clone()).or_default();
        for id in f.details["osv_records"].split(',') {
            set.insert(id.to_string());
        }
    }
    let records = load_all(&zip);
    let mut report = Vec::new();
    for (name, version) in PACKAGES {
        let expected = independent(&records, name, version);
        let got = ours.get(*name).cloned().unwrap_or_default();
        assert_eq!(got, expected.keys().cloned().collect::<BTreeSet<_>>(), "{name} {version}");
        // Each finding's fixed versions are the union over its records.
        for f in findings.iter().filter(|f| f.package.as_ref().is_some_and(|p| p.name == *name)) {
            let mut want: BTreeSet<String> = BTreeSet::new();
            for id in f.details["osv_records"].split(',') {
                want.extend(expected.get(id).cloned().unwrap_or_default());
            }
            let have: BTreeSet<String> = f.fixed_versions.iter().cloned().collect();
            assert_eq!(have, want, "{name} {version} {}", f.id);
            assert_eq!(f.status.map(|s| s.as_str()), Some(if want.is_empty() { "unfixed" } else { "fixed" }));
        }
        report.push(format!("{name} {version}: {} advisories", expected.len()));
    }
    eprintln!("{}", report.join("\n"));
    // Known facts about this snapshot (see the data README): advisories exist for these…
    for name in ["pillow", "requests", "aiohttp", "torch", "mlflow", "urllib3"] {
        assert!(!ours.get(name).cloned().unwrap_or_default().is_empty(), "{name} should be affected");
    }
    // …and none affect these versions: the PyPA snapshot (2024-10) has no transformers record at
    // all, its jinja2 records end at 2.11.3 (CVE-2024-22195/-34064 are GHSA-only), tensorflow's
    // stop at 2.10.x/2.9.x fix lines, and scikit-learn's at 0.24.
    for name in ["transformers", "jinja2", "tensorflow", "scikit-learn"] {
        assert!(!ours.contains_key(name), "{name}: {:?}", ours.get(name));
    }
    // requests 2.28.1: CVE-2023-32681, fixed in 2.31.0.
    let req = findings
        .iter()
        .find(|f| {
            f.package.as_ref().unwrap().name == "requests" && f.aliases.iter().any(|a| a == "CVE-2023-32681")
        })
        .expect("requests CVE-2023-32681");
    assert_eq!(req.id, "PYSEC-2023-74");
    assert_eq!(req.fixed_versions, ["2.31.0"]);
    assert_eq!(req.status.map(|s| s.as_str()), Some("fixed"));
    assert_eq!(req.location.path, "/usr/lib/python3/site-packages/requests");

    let plan = upgrade_plan(&db, &findings).unwrap();
    let req_plan = plan.iter().find(|u| u.name == "requests").unwrap();
    assert_eq!(req_plan.target.as_deref(), Some("2.31.0"), "{req_plan:?}");
    assert!(req_plan.remaining.is_empty());
    // The target clears every advisory of the package: re-matching at the target finds nothing.
    for u in plan.iter().filter(|u| u.remaining.is_empty()) {
        let Some(t) = &u.target else { continue };
        let again = match_packages(
            &db,
            &[Package::new(u.name.clone(), t.clone(), "PyPI", Location::file("x"))],
            None,
        )
        .unwrap();
        assert!(
            again.is_empty(),
            "{} {t} still affected: {:?}",
            u.name,
            again.iter().map(|f| &f.id).collect::<Vec<_>>()
        );
    }
    for u in &plan {
        eprintln!(
            "{} {} -> {:?} (fixes {}, remaining {:?})",
            u.name,
            u.installed,
            u.target,
            u.fixes.len(),
            u.remaining
        );
    }
}

#[test]
fn withdrawn_records_are_not_reported() {
    let Some(zip) = data() else { return };
    let mut db = VulnDb::in_memory().unwrap();
    db.import_path(&zip).unwrap();
    // PYSEC-2022-43059 (aiohttp, introduced 0, no fix) is withdrawn.
    assert!(db.get("PYSEC-2022-43059").unwrap().is_none());
    let pkgs = [Package::new("aiohttp", "3.8.4", "PyPI", Location::file("x"))];
    let f = match_packages(&db, &pkgs, None).unwrap();
    assert!(f.iter().all(|f| !f.details["osv_records"].contains("PYSEC-2022-43059")));
}

#[test]
fn sample_directories_import() {
    let base = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv"));
    if !base.join("PyPI/sample").is_dir() {
        return;
    }
    let mut db = VulnDb::in_memory().unwrap();
    let s = db.import_path(base.join("PyPI/sample")).unwrap();
    // 30 files, one withdrawn (PYSEC-2022-43059).
    assert_eq!((s.records, s.withdrawn, s.error_count), (29, 1, 0), "{:?}", s.errors);
    let s = db.import_path(base.join("Alpine/sample")).unwrap();
    assert_eq!((s.records, s.error_count), (12, 0));
    let st = db.status().unwrap();
    assert_eq!(st.records, 41);
    assert_eq!(st.records_by_ecosystem.get("PyPI"), Some(&29));
    assert_eq!(st.records_by_ecosystem.get("Alpine"), Some(&12));
    // The three TensorFlow distributions share CVE-2021-41221 but are different packages: each
    // gets its own finding.
    let pkgs: Vec<Package> = ["tensorflow", "tensorflow-cpu", "tensorflow-gpu"]
        .iter()
        .map(|n| Package::new(*n, "2.6.0", "PyPI", Location::file("x")))
        .collect();
    let f = match_packages(&db, &pkgs, None).unwrap();
    let with_cve: Vec<_> = f.iter().filter(|f| f.aliases.iter().any(|a| a == "CVE-2021-41221")).collect();
    assert_eq!(with_cve.len(), 3, "{f:#?}");
}

/// Every package of the snapshot, at several versions taken from its advisories (plus one far in
/// the future and one far in the past): the matcher and the independent evaluation agree on the
/// affecting records and on the fixed versions.
#[test]
fn broad_crosscheck_all_packages() {
    let Some(zip) = data() else { return };
    let records = load_all(&zip);
    let mut by_name: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &records {
        for a in r["affected"].as_array().into_iter().flatten() {
            let name = pep503(a["package"]["name"].as_str().unwrap_or(""));
            by_name.entry(name.clone()).or_default().push(r.clone());
            let vs: Vec<&str> =
                a["versions"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
            let set = versions.entry(name.clone()).or_default();
            for pick in [vs.first(), vs.get(vs.len() / 2), vs.last()].into_iter().flatten() {
                set.insert(pick.to_string());
            }
            for e in a["ranges"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["events"].as_array().into_iter().flatten())
            {
                if let Some(f) = e["fixed"].as_str().filter(|f| f.len() < 20 && f.contains('.')) {
                    set.insert(f.to_string());
                }
            }
            set.insert("999.0".into());
            set.insert("0.0.1".into());
        }
    }
    let mut db = VulnDb::in_memory().unwrap();
    db.import_path(&zip).unwrap();
    let mut pkgs = Vec::new();
    for (name, vs) in &versions {
        for v in vs {
            pkgs.push(Package::new(name.clone(), v.clone(), "PyPI", Location::file("x")));
        }
    }
    let findings = match_packages(&db, &pkgs, None).unwrap();
    // (name, version) → finding id → (records of the finding, its fixed versions)
    type Groups = BTreeMap<String, (Vec<String>, BTreeSet<String>)>;
    let mut ours: BTreeMap<(String, String), Groups> = BTreeMap::new();
    for f in &findings {
        let p = f.package.as_ref().unwrap();
        let recs: Vec<String> = f.details["osv_records"].split(',').map(str::to_string).collect();
        ours.entry((p.name.clone(), p.version.clone()))
            .or_default()
            .insert(f.id.clone(), (recs, f.fixed_versions.iter().cloned().collect()));
    }
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for p in &pkgs {
        let expected = independent(&by_name[&p.name], &p.name, &p.version);
        let got = ours.remove(&(p.name.clone(), p.version.clone())).unwrap_or_default();
        let got_ids: BTreeSet<&String> = got.values().flat_map(|(r, _)| r.iter()).collect();
        let exp_ids: BTreeSet<&String> = expected.keys().collect();
        if got_ids != exp_ids {
            mismatches.push(format!("{} {}: ours {got_ids:?} independent {exp_ids:?}", p.name, p.version));
        }
        // A finding's fixed versions are the union of its records' fixed versions.
        for (id, (recs, fixed)) in &got {
            let want: BTreeSet<String> =
                recs.iter().flat_map(|r| expected.get(r).cloned().unwrap_or_default()).collect();
            if *fixed != want {
                mismatches.push(format!("{} {} {id}: fixed {fixed:?} vs {want:?}", p.name, p.version));
            }
        }
        checked += 1;
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    eprintln!("{checked} (package, version) pairs agree; {} findings", findings.len());
    assert!(checked > 3000, "{checked}");
}
