//! Mutation smoke test: every shared-corpus and fixture file, truncated and bit-flipped, must scan
//! without panicking (skips when the corpus is absent).

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs_err::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn mutated_models_never_panic() {
    let mut all = Vec::new();
    files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/models")), &mut all);
    files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/benign")), &mut all);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in all.iter().filter(|f| f.extension().is_none_or(|e| e != "py" && e != "csv" && e != "md")) {
        let data = fs_err::read(f).unwrap();
        if data.is_empty() {
            continue;
        }
        #[expect(clippy::disallowed_methods, reason = "test knob: MUTATE_ROUNDS deepens this test on demand")]
        let rounds: u32 = std::env::var("MUTATE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
        for round in 0..rounds {
            let mut d = data.clone();
            match round % 3 {
                0 => d.truncate((next() as usize) % d.len()),
                1 => {
                    for _ in 0..4 {
                        let i = (next() as usize) % d.len();
                        d[i] ^= 1 << (next() % 8);
                    }
                }
                _ => {
                    let i = (next() as usize) % d.len();
                    d[i] = next() as u8;
                    let j = (next() as usize) % d.len();
                    d.insert(j, next() as u8);
                }
            }
            let _ = seawall_model::fuzz::any(&d);
        }
    }
}
