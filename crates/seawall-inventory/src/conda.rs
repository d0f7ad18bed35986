//! conda environments: every `conda-meta/*.json` — the base env (`/opt/conda/conda-meta`), all
//! `envs/*/conda-meta`, and any other prefix (micromamba, pixi `.pixi/envs/*`).
//!
//! Packages: ecosystem [`ECOSYSTEM_CONDA`], purl `pkg:conda/<name>@<version>?build=…&channel=…&subdir=…`,
//! `properties["conda.build"]`, `["conda.channel"]` (`conda-forge`, `pkgs/main`, …), and for conda
//! packages that install a Python distribution (their `files` list contains
//! `site-packages/*.dist-info/…` or `*.egg-info`) `["conda.python_dist"] = "true"` plus
//! `["conda.pypi_name"]` (PEP 503) taken from the `.dist-info` / `.egg-info` directory name;
//! `"false"` when the record lists its files and none is a Python distribution (native libraries:
//! openssl, cudatoolkit); absent when the record has no or an empty `files` list.
//!
//! The `files` array of large packages (pytorch, cudatoolkit) has tens of thousands of entries; it is
//! scanned with a streaming serde visitor and never collected.

use std::fmt;

use seawall_analyzer::{AnalyzerError, EntryMeta};
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::common::{Out, WholeFile, pep503_normalize, purl, whole_file_analyzer};

/// Ecosystem of conda packages.
pub const ECOSYSTEM_CONDA: &str = "conda";
/// Property: conda build string.
pub const PROP_BUILD: &str = "conda.build";
/// Property: conda channel.
pub const PROP_CHANNEL: &str = "conda.channel";
/// Property: `"true"` when the conda package installs a Python distribution.
pub const PROP_PYTHON_DIST: &str = "conda.python_dist";
/// Property: the PyPI (PEP 503) name of that distribution.
pub const PROP_PYPI_NAME: &str = "conda.pypi_name";

/// What seawall reads from one `conda-meta/*.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CondaMeta {
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Build string.
    #[serde(default, alias = "build_string")]
    pub build: Option<String>,
    /// Channel as recorded (URL or name).
    #[serde(default)]
    pub channel: Option<String>,
    /// Platform subdirectory (`linux-64`, `noarch`).
    #[serde(default)]
    pub subdir: Option<String>,
    /// The scan of the `files` list: `None` when the record has no (or an empty) `files` list,
    /// else the Python distribution directory found in it, if any.
    #[serde(default, rename = "files", deserialize_with = "scan_files")]
    pub python_dist: Option<PythonDistScan>,
}

/// The first `*.dist-info` / `*.egg-info` directory under `site-packages/` in a conda `files` list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PythonDistScan(pub Option<String>);

/// Streams the `files` array: `None` for an empty list (hand-made records carry `"files": []`,
/// which proves nothing), else the first distribution directory found.
fn scan_files<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PythonDistScan>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<PythonDistScan>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of file paths")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            let mut any = false;
            while let Some(path) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                any = true;
                if found.is_none() {
                    found = dist_dir(&path).map(str::to_string);
                }
            }
            Ok(any.then_some(PythonDistScan(found)))
        }
    }
    d.deserialize_seq(V)
}

/// `lib/python3.11/site-packages/numpy-1.26.0.dist-info/METADATA` → `numpy-1.26.0.dist-info`.
fn dist_dir(path: &str) -> Option<&str> {
    let (_, after) = path.split_once("site-packages/")?;
    let dir = after.split('/').next()?;
    (dir.ends_with(".dist-info") || dir.ends_with(".egg-info")).then_some(dir)
}

/// `https://conda.anaconda.org/conda-forge/linux-64` → `conda-forge`;
/// `https://repo.anaconda.com/pkgs/main/linux-64` → `pkgs/main`; a bare name stays.
pub fn channel_name(channel: &str, subdir: Option<&str>) -> String {
    let mut c = channel.trim_end_matches('/');
    if let Some(s) = subdir.filter(|s| !s.is_empty()) {
        c = c.strip_suffix(s).map_or(c, |r| r.trim_end_matches('/'));
    }
    for host in ["conda.anaconda.org/", "repo.anaconda.com/", "repo.continuum.io/"] {
        if let Some((_, rest)) = c.split_once(host) {
            return rest.to_string();
        }
    }
    if let Some((_, rest)) = c.split_once("://") {
        return rest.split_once('/').map_or(rest, |(_, p)| p).to_string();
    }
    c.to_string()
}

/// Parses one `conda-meta/*.json`. Fuzz entry point.
pub fn parse_conda_meta(bytes: &[u8]) -> Result<CondaMeta, AnalyzerError> {
    let m: CondaMeta = serde_json::from_slice(bytes).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    if m.name.is_empty() || m.version.is_empty() {
        return Err(AnalyzerError::parse("conda-meta record lacks name or version"));
    }
    Ok(m)
}

/// Reads conda package records.
#[derive(Debug, Default, Clone, Copy)]
pub struct CondaAnalyzer;

impl WholeFile for CondaAnalyzer {
    const NAME: &'static str = "conda";
    const VERSION: u32 = 1;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        meta.rel_path()
            .strip_suffix(".json")
            .and_then(|r| r.rsplit_once('/'))
            .is_some_and(|(dir, _)| dir == "conda-meta" || dir.ends_with("/conda-meta"))
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let m = parse_conda_meta(bytes)?;
        let mut p = out.package(&m.name, &m.version, ECOSYSTEM_CONDA, None);
        let channel = m.channel.as_deref().map(|c| channel_name(c, m.subdir.as_deref())).unwrap_or_default();
        let build = m.build.clone().unwrap_or_default();
        let subdir = m.subdir.clone().unwrap_or_default();
        p.purl = purl(
            "conda",
            None,
            &m.name,
            Some(&m.version),
            &[("build", &build), ("channel", &channel), ("subdir", &subdir)],
        );
        if !build.is_empty() {
            p.properties.insert(PROP_BUILD.into(), build);
        }
        if !channel.is_empty() {
            p.properties.insert(PROP_CHANNEL.into(), channel);
        }
        if let Some(PythonDistScan(None)) = &m.python_dist {
            p.properties.insert(PROP_PYTHON_DIST.into(), "false".into());
        }
        if let Some(PythonDistScan(Some(dir))) = &m.python_dist {
            p.properties.insert(PROP_PYTHON_DIST.into(), "true".into());
            let raw = dir.split('-').next().unwrap_or("");
            let raw = raw.strip_suffix(".dist-info").or_else(|| raw.strip_suffix(".egg-info")).unwrap_or(raw);
            if !raw.is_empty() {
                p.properties.insert(PROP_PYPI_NAME.into(), pep503_normalize(raw));
            }
        }
        out.push(p);
        Ok(())
    }
}

whole_file_analyzer!(CondaAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    const NUMPY: &str = r#"{"build":"py311h64a7726_0","build_number":0,"channel":"https://conda.anaconda.org/conda-forge/linux-64","depends":["libblas >=3.9.0"],
      "files":["bin/f2py","lib/python3.11/site-packages/numpy/__init__.py","lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA"],
      "name":"numpy","subdir":"linux-64","version":"1.26.4"}"#;

    #[test]
    fn parses_numpy() {
        let m = parse_conda_meta(NUMPY.as_bytes()).unwrap();
        assert_eq!(m.python_dist, Some(PythonDistScan(Some("numpy-1.26.4.dist-info".into()))));
        let a = CondaAnalyzer;
        let meta = EntryMeta::file("/opt/conda/conda-meta/numpy-1.26.4-py311h64a7726_0.json", 1, Some(1));
        assert_eq!(a.required(&meta), Interest::Yes);
        let mut f = Facts::default();
        a.analyze(&meta, &mut NUMPY.as_bytes(), &mut f).unwrap();
        let p = &f.packages[0];
        assert_eq!(p.ecosystem, "conda");
        assert_eq!(p.properties.get(PROP_CHANNEL).map(String::as_str), Some("conda-forge"));
        assert_eq!(p.properties.get(PROP_BUILD).map(String::as_str), Some("py311h64a7726_0"));
        assert_eq!(p.properties.get(PROP_PYTHON_DIST).map(String::as_str), Some("true"));
        assert_eq!(p.properties.get(PROP_PYPI_NAME).map(String::as_str), Some("numpy"));
        assert_eq!(
            p.purl.as_deref(),
            Some("pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge&subdir=linux-64")
        );
    }

    #[test]
    fn paths() {
        let a = CondaAnalyzer;
        crate::common::assert_interest(
            &a,
            Interest::Yes,
            &["/opt/conda/envs/ml/conda-meta/torch-2.0.json", "conda-meta/x.json"],
        );
        for p in
            ["/opt/conda/conda-meta/history", "/opt/conda/pkgs/x/info/index.json", "/x/conda-meta/a/b.json"]
        {
            assert_eq!(a.required(&EntryMeta::file(p, 1, None)), Interest::No, "{p}");
        }
    }

    #[test]
    fn channels() {
        assert_eq!(
            channel_name("https://repo.anaconda.com/pkgs/main/linux-64", Some("linux-64")),
            "pkgs/main"
        );
        assert_eq!(channel_name("conda-forge", None), "conda-forge");
        assert_eq!(channel_name("https://my.mirror/conda/forge/noarch", Some("noarch")), "conda/forge");
    }

    #[test]
    fn no_python_dist_and_errors() {
        let m = parse_conda_meta(
            br#"{"name":"openssl","version":"3.2.1","build":"hd590300_0","files":["lib/libssl.so"]}"#,
        )
        .unwrap();
        assert_eq!(m.python_dist, Some(PythonDistScan(None)));
        let m = parse_conda_meta(br#"{"name":"openssl","version":"3.2.1"}"#).unwrap();
        assert_eq!(m.python_dist, None);
        let m = parse_conda_meta(br#"{"name":"numpy","version":"1.0","files":[]}"#).unwrap();
        assert_eq!(m.python_dist, None);
        let mut f = Facts::default();
        let meta = EntryMeta::file("/opt/conda/conda-meta/openssl-3.2.1-hd590300_0.json", 1, None);
        CondaAnalyzer
            .analyze(&meta, &mut &br#"{"name":"openssl","version":"3.2.1","files":["lib/libssl.so"],"channel":"pkgs/main"}"#[..], &mut f)
            .unwrap();
        assert_eq!(f.packages[0].properties.get(PROP_PYTHON_DIST).map(String::as_str), Some("false"));
        assert!(parse_conda_meta(br#"{"name":"x"}"#).is_err());
        assert!(parse_conda_meta(br#"{"name":"x","version":"1","files":[1,2]}"#).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_conda_meta(&b);
        }
    }
}
