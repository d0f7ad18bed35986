//! Package-name normalisation and the conda → PyPI name table.

/// OSV ecosystem names in their canonical spelling (plus `conda`, which seawall inventories).
pub static KNOWN_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "CRAN",
    "Chainguard",
    "ConanCenter",
    "Debian",
    "Echo",
    "GHC",
    "GIT",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "NuGet",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "Wolfi",
    "conda",
    "crates.io",
    "npm",
    "openEuler",
    "openSUSE",
];

/// The ecosystem without its release suffix, in canonical spelling when known:
/// `Debian:12` → `Debian`, `Ubuntu:22.04:LTS` → `Ubuntu`, `pypi` → `PyPI`.
pub fn ecosystem_base(ecosystem: &str) -> &str {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
    KNOWN_ECOSYSTEMS.iter().copied().find(|k| k.eq_ignore_ascii_case(base)).unwrap_or(base)
}

/// The release part of an ecosystem string: `Debian:12` → `12`, `Ubuntu:22.04:LTS` → `22.04:LTS`.
pub fn ecosystem_release(ecosystem: &str) -> &str {
    ecosystem.split_once(':').map(|(_, r)| r.trim()).unwrap_or("")
}

/// PEP 503 normalisation (the one implementation lives in `seawall-core`).
pub use seawall_core::normalize_pypi_name as pep503;

/// The name under which a package of `ecosystem_base` is indexed.
pub fn normalize_name(ecosystem_base: &str, name: &str) -> String {
    if ecosystem_base.eq_ignore_ascii_case("PyPI") { pep503(name) } else { name.trim().to_string() }
}

/// conda package names that differ from the PyPI distribution they package.
pub static CONDA_TO_PYPI: &[(&str, &str)] = &[
    ("pytorch", "torch"),
    ("pytorch-cpu", "torch"),
    ("pytorch-gpu", "torch"),
    ("py-opencv", "opencv-python"),
    ("opencv", "opencv-python"),
    ("tensorflow-base", "tensorflow"),
    ("py-xgboost", "xgboost"),
    ("py-lightgbm", "lightgbm"),
    ("pytables", "tables"),
    ("msgpack-python", "msgpack"),
    ("matplotlib-base", "matplotlib"),
    ("ruamel_yaml", "ruamel-yaml"),
    ("jupyter_server", "jupyter-server"),
    ("typing_extensions", "typing-extensions"),
    ("huggingface_hub", "huggingface-hub"),
    ("keras-base", "keras"),
    ("ray-core", "ray"),
    ("ray-default", "ray"),
    ("pyarrow-core", "pyarrow"),
    ("libarrow", "pyarrow"),
    ("py-tensorflow", "tensorflow"),
];

/// conda packages that are native libraries or tools, never Python distributions.
fn is_native_conda(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "python",
        "openssl",
        "ca-certificates",
        "zlib",
        "xz",
        "bzip2",
        "sqlite",
        "readline",
        "ncurses",
        "tk",
        "libffi",
        "curl",
        "krb5",
        "expat",
        "pcre",
        "pcre2",
        "icu",
        "mkl",
        "intel-openmp",
        "cudatoolkit",
        "cudnn",
        "nccl",
        "conda",
        "pip",
        "setuptools-scm-git-archive",
        "yaml",
        "lz4-c",
        "zstd",
        "openblas",
        "tbb",
        "git",
        "perl",
        "nodejs",
        "r-base",
        "gcc",
        "gxx",
        "binutils",
        "make",
        "cmake",
        "ffmpeg",
    ];
    EXACT.contains(&name)
        || (name.starts_with("lib") && !CONDA_TO_PYPI.iter().any(|(c, _)| *c == name))
        || name.starts_with('_')
        || name.starts_with("cuda-")
        || name.starts_with("r-")
        || name.ends_with("-devel")
        || name.ends_with("_linux-64")
}

/// The PyPI name of a conda package, or `None` when it is not a Python distribution.
///
/// `python_dist` is the inventory's hint (`Package.properties["conda.python_dist"]`): `Some(true)`
/// forces, `Some(false)` rules out; without a hint, native libraries and tools are excluded by name.
pub fn conda_to_pypi(name: &str, python_dist: Option<bool>) -> Option<String> {
    let lower = name.trim().to_ascii_lowercase();
    if let Some((_, pypi)) = CONDA_TO_PYPI.iter().find(|(c, _)| *c == lower) {
        return (python_dist != Some(false)).then(|| pep503(pypi));
    }
    match python_dist {
        Some(false) => None,
        Some(true) => Some(pep503(&lower)),
        None => (!is_native_conda(&lower)).then(|| pep503(&lower)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_rules() {
        assert_eq!(pep503("Jinja2"), "jinja2");
        assert_eq!(pep503("ruamel.yaml__clib"), "ruamel-yaml-clib");
        assert_eq!(pep503("Foo-._Bar"), "foo-bar");
    }

    #[test]
    fn conda_names() {
        assert_eq!(conda_to_pypi("pytorch", None).as_deref(), Some("torch"));
        assert_eq!(conda_to_pypi("py-opencv", None).as_deref(), Some("opencv-python"));
        assert_eq!(conda_to_pypi("numpy", None).as_deref(), Some("numpy"));
        assert_eq!(conda_to_pypi("openssl", None), None);
        assert_eq!(conda_to_pypi("libcurl", None), None);
        assert_eq!(conda_to_pypi("numpy", Some(false)), None);
        assert_eq!(ecosystem_base("Ubuntu:22.04:LTS"), "Ubuntu");
        assert_eq!(ecosystem_base("pypi"), "PyPI");
        assert_eq!(ecosystem_base("Unknown:1"), "Unknown");
        assert_eq!(ecosystem_release("Ubuntu:22.04:LTS"), "22.04:LTS");
    }
}
