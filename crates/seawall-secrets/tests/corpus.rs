//! Labelled corpus: precision and recall of the `secrets` analyzer on `testdata/corpus/`.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use seawall_analyzer::{EntryMeta, Facts, FileAnalyzer, Interest, SNIFF_LEN};
use seawall_secrets::SecretsAnalyzer;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/corpus");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs_err::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| n != "labels.tsv") {
            out.push(p);
        }
    }
}

type Key = (String, u32, String);

fn labels() -> BTreeSet<Key> {
    let text = fs_err::read_to_string(Path::new(CORPUS).join("labels.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split('\t');
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().parse().unwrap(),
                it.next().unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs the analyzer the way the walker does: `required`, then the content sniff, then `analyze`.
fn scan_corpus() -> (BTreeSet<Key>, Vec<seawall_core::Finding>) {
    let mut paths = Vec::new();
    files(Path::new(CORPUS), &mut paths);
    paths.sort();
    let a = SecretsAnalyzer::new();
    let mut found = BTreeSet::new();
    let mut all = Vec::new();
    for p in paths {
        let rel = p.strip_prefix(CORPUS).unwrap().to_string_lossy().replace('\\', "/");
        let bytes = fs_err::read(&p).unwrap();
        let meta = EntryMeta::file(&rel, bytes.len() as u64, None);
        let go = match a.required(&meta) {
            Interest::Yes => true,
            Interest::Sniff => a.required_by_content(&meta, &bytes[..bytes.len().min(SNIFF_LEN)]),
            Interest::No => false,
        };
        if !go {
            continue;
        }
        let mut facts = Facts::default();
        a.analyze(&meta, &mut bytes.as_slice(), &mut facts).unwrap();
        for f in facts.findings {
            found.insert((f.location.path.clone(), f.location.line.unwrap_or(0), f.id.clone()));
            all.push(f);
        }
    }
    (found, all)
}

#[test]
fn precision_and_recall() {
    let expected = labels();
    assert!(expected.len() >= 100, "corpus has {} labels", expected.len());
    let (found, _) = scan_corpus();
    let tp = found.intersection(&expected).count();
    let fp: Vec<_> = found.difference(&expected).collect();
    let fn_: Vec<_> = expected.difference(&found).collect();
    let precision = tp as f64 / (tp + fp.len()) as f64;
    let recall = tp as f64 / (tp + fn_.len()) as f64;
    println!(
        "corpus: {} labels, {} found, tp={tp} fp={} fn={}",
        expected.len(),
        found.len(),
        fp.len(),
        fn_.len()
    );
    println!("precision={precision:.3} recall={recall:.3}");
    for x in &fp {
        println!("FP {x:?}");
    }
    for x in &fn_ {
        println!("FN {x:?}");
    }
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.95, "recall {recall:.3}");
    // Every rule of the catalog is exercised by at least one labelled secret.
    for r in seawall_secrets::RULES {
        assert!(expected.iter().any(|(_, _, id)| id == r.id), "no corpus secret for {}", r.id);
    }
}

#[test]
fn no_finding_leaks_its_secret() {
    let (_, all) = scan_corpus();
    assert!(!all.is_empty());
    for f in &all {
        let r = f.redacted.as_deref().unwrap();
        assert!(r.ends_with(" chars)"), "{r}");
        assert_eq!(f.fingerprint.len(), 16);
        // The secret is on the finding's line: no token-like word of that line (other than the
        // non-secret key name) may appear in the finding's Debug output.
        let text = fs_err::read_to_string(Path::new(CORPUS).join(&f.location.path)).unwrap();
        let line = text.lines().nth(f.location.line.unwrap() as usize - 1).unwrap();
        let key = f.details.get("key").cloned().unwrap_or_default();
        let dbg = format!("{f:?}");
        for word in line.split(|c: char| c.is_whitespace() || "\"'=:,;{}()[]@".contains(c)) {
            if word.len() >= 12 && !key.contains(word) && !f.title.contains(word) && !word.contains("//") {
                assert!(!dbg.contains(word), "{} leaks {word:?} in {dbg}", f.id);
            }
        }
    }
}
