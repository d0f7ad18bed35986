//! Path classes that change how secrets are treated: installed third-party code (Python packages, node
//! modules, conda package caches, vendored trees) and, inside it, test data and documentation.

/// Directories of third-party code installed into an image (Python stdlib and packages, node modules,
/// vendored trees, conda package caches).
const THIRD_PARTY: &[&str] = &[
    "/site-packages/",
    "/dist-packages/",
    "/lib/python2",
    "/lib/python3",
    "/node_modules/",
    "/third_party/",
    "/vendor/",
    "/vendored/",
    "/google-cloud-sdk/",
];

/// Conda installations whose `pkgs/` directory is the package cache (`/opt/conda/pkgs/…`).
const CONDA_ROOTS: &[&str] =
    &["conda", "miniconda", "miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba"];

/// Inside third-party code, these subtrees hold the package's own test fixtures, documentation and
/// examples: their keys and passwords are published test data, not the image owner's secrets.
const THIRD_PARTY_NOISE: &[&str] = &[
    "/test/",
    "/tests/",
    "/testing/",
    "/testdata/",
    "/test_data/",
    "/examples/",
    "/example/",
    "/doc/",
    "/docs/",
    "/samples/",
    "/fixtures/",
    "/certdata/",
    "/dummyserver/",
    "/botocore/data/",
];

fn rooted(path: &str) -> String {
    if path.starts_with('/') { path.to_string() } else { format!("/{path}") }
}

/// The byte offset (in the `/`-rooted path) of the `/` that ends the third-party directory marker.
fn third_party_at(p: &str) -> Option<usize> {
    let marker = THIRD_PARTY.iter().filter_map(|m| p.find(m).map(|i| i + m.len() - 1)).min();
    let conda = p.match_indices("/pkgs/").find_map(|(i, _)| {
        let parent = p[..i].rsplit('/').next().unwrap_or("");
        CONDA_ROOTS.contains(&parent.to_ascii_lowercase().as_str()).then_some(i + "/pkgs".len())
    });
    match (marker, conda) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// True when a path is inside installed third-party code: `site-packages`, `dist-packages`, the Python
/// standard library, `node_modules`, a conda package cache (`/opt/conda/pkgs/…`), `vendor` /
/// `third_party` trees. Secrets found there are marked `details.third_party`, and known public test
/// tokens there are reported at INFO (see `docs/secrets.md`).
pub fn is_third_party(path: &str) -> bool {
    third_party_at(&rooted(path)).is_some()
}

/// True when a path is third-party test data, documentation or examples: inside `site-packages`,
/// `dist-packages`, the Python standard library, `node_modules`, `vendor`/`third_party` trees, a `test(s)`,
/// `example(s)`, `doc(s)`, `fixtures` … subtree or a `test_*.py` / `*_test.py` / `conftest.py` file. The
/// `secrets` analyzer skips them: their keys are published test data, not the image owner's secrets.
pub fn is_third_party_noise(rel_path: &str) -> bool {
    let p = rooted(rel_path);
    third_party_at(&p).is_some_and(|at| {
        let tail = &p[at..];
        let name = tail.rsplit('/').next().unwrap_or(tail);
        THIRD_PARTY_NOISE.iter().any(|n| tail.contains(n))
            || name.starts_with("test_")
            || name == "conftest.py"
            || name.ends_with("_test.py")
            || name.ends_with("_test.go")
            || name.ends_with(".test.js")
            || name.ends_with(".spec.js")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_party_dirs() {
        for p in [
            "/usr/local/lib/python3.11/site-packages/transformers/testing_utils.py",
            "usr/lib/python3/dist-packages/yaml/__init__.py",
            "/app/node_modules/left-pad/index.js",
            "/opt/conda/pkgs/transformers-4.46.3-pyhd8ed1ab_0/site/x.py",
            "/root/miniconda3/pkgs/requests-2.32.3/info/recipe/meta.yaml",
        ] {
            assert!(is_third_party(p), "{p}");
        }
        for p in ["/app/train.py", "/opt/conda/envs/pkgs/x.py", "/srv/pkgs/x.py", "repo/src/settings.py"] {
            assert!(!is_third_party(p), "{p}");
        }
        assert!(is_third_party_noise("/opt/conda/pkgs/requests-2.32.3/tests/test_x.py"));
        assert!(!is_third_party_noise(
            "/usr/local/lib/python3.11/site-packages/transformers/testing_utils.py"
        ));
    }
}
