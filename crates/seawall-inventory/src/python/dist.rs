//! Installed Python distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, legacy
//! `*.egg-info` files and unzipped eggs (`*.egg/EGG-INFO/PKG-INFO`), wherever they are (system and
//! `/usr/local` site-packages, venvs, conda envs, user site, project trees); zipped `*.egg` files and
//! `*.egg-link` development installs ([`PythonEggAnalyzer`]).
//!
//! Only the header block (up to the first blank line, at most [`MAX_HEADER`] bytes) is read; the
//! long description that follows is never loaded. Hand-written: the core-metadata header is RFC 822
//! and shared with the dpkg parser; the crates that parse it (`python-pkginfo`) also open wheels
//! and sdists, which seawall never needs.

use std::io::{BufRead, BufReader, Cursor, Read};

use seawall_analyzer::{AnalyzerError, CapturedFile, EntryMeta, Facts, FileAnalyzer, Interest};
use seawall_core::Package;

use crate::common::{Out, WholeFile, stanzas, text, whole_file_analyzer};
use crate::cuda;
use crate::python::pypi_package;

/// Property: `"true"` when the distribution lies in a conda package cache (`…conda…/pkgs/<pkg>/`):
/// extracted for installation, not necessarily installed (`conda clean` removes it). Consumers may
/// want to report such packages separately.
pub const PROP_CONDA_PKGS_CACHE: &str = "conda.pkgs_cache";

/// True for `opt/conda/pkgs/numpy-1.26.4-py311h…/lib/python3.11/site-packages/…`.
fn in_conda_pkgs_cache(rel: &str) -> bool {
    rel.split('/').collect::<Vec<_>>().windows(2).enumerate().any(|(i, w)| {
        w.first() == Some(&"pkgs")
            && w.get(1).is_some_and(|pkg| pkg.matches('-').count() >= 2)
            && rel.split('/').take(i).any(|seg| {
                let seg = seg.to_ascii_lowercase();
                seg.contains("conda")
                    || seg.contains("mamba")
                    || seg.contains("miniforge")
                    || seg.contains("pixi")
            })
    })
}

/// Largest metadata header block read.
pub const MAX_HEADER: usize = 1024 * 1024;

/// `Name` and `Version` of a core-metadata header (METADATA / PKG-INFO); the version is empty when
/// the header has none. `None` without a name. Fuzz entry point.
pub fn parse_python_metadata(text: &str) -> Option<(String, String)> {
    let st = stanzas(text, true).into_iter().next()?;
    let name = st.get("Name")?.trim();
    let version = st.get("Version").unwrap_or("").trim();
    (!name.is_empty()).then(|| (name.to_string(), version.to_string()))
}

/// Reads lines up to the first blank line (or `limit` bytes).
fn read_header(content: &mut dyn Read, limit: usize) -> Result<String, AnalyzerError> {
    let mut r = BufReader::new(content);
    let mut buf = Vec::new();
    loop {
        let before = buf.len();
        let n = r.by_ref().take(64 * 1024).read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        let line = buf.get(before..).unwrap_or(&[]);
        if line.iter().all(u8::is_ascii_whitespace) && line.ends_with(b"\n") {
            break;
        }
        if buf.len() > limit {
            return Err(AnalyzerError::Limit(format!("metadata header longer than {limit} bytes")));
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Tags a PyPI package found in a conda package cache or naming a CUDA wheel.
fn tag(p: &mut Package, rel_path: &str) {
    if in_conda_pkgs_cache(rel_path) {
        p.properties.insert(PROP_CONDA_PKGS_CACHE.into(), "true".into());
    }
    if let Some((component, major)) = cuda::wheel_component(&p.name) {
        p.properties.insert(cuda::PROP_COMPONENT.into(), component.into());
        if let Some(m) = major {
            p.properties.insert(cuda::PROP_MAJOR.into(), m);
        }
    }
}

/// True when `path` (lowercased) ends with `suffix` at a name boundary (`x.dist-info/metadata`,
/// `egg-info/pkg-info` of an unzipped egg).
fn ends_with_ci(path: &str, suffix: &str) -> bool {
    let n = path.len();
    n >= suffix.len()
        && path.get(n - suffix.len()..).is_some_and(|t| t.eq_ignore_ascii_case(suffix))
        && (n == suffix.len() || matches!(path.as_bytes().get(n - suffix.len() - 1), Some(b'.' | b'/')))
}

/// Reads Python distribution metadata. Packages: ecosystem `PyPI`, PEP 503 name, `pkg:pypi` purl;
/// NVIDIA CUDA wheels (`nvidia-*-cu12`, `tensorrt*`) are tagged `cuda.component` / `cuda.major`;
/// distributions inside a conda package cache are tagged [`PROP_CONDA_PKGS_CACHE`]. Paths are
/// matched without regard to case (`*.DIST-INFO/METADATA`, `EGG-INFO/PKG-INFO`).
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonDistAnalyzer;

impl FileAnalyzer for PythonDistAnalyzer {
    fn name(&self) -> &'static str {
        "python-dist"
    }

    fn version(&self) -> u32 {
        3
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        let p = meta.rel_path();
        let wanted = ends_with_ci(p, "dist-info/METADATA")
            || ends_with_ci(p, "egg-info/PKG-INFO")
            || (ends_with_ci(p, "egg-info") && p.len() > "egg-info".len());
        if meta.is_file() && wanted { Interest::Yes } else { Interest::No }
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        facts: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let text = read_header(content, MAX_HEADER)?;
        let Some((name, version)) = parse_python_metadata(&text) else {
            return Err(AnalyzerError::parse("metadata has no Name"));
        };
        let mut out = Out::new(self.name(), meta, facts);
        if version.is_empty() {
            out.warn(None, format!("metadata of `{name}` has no Version"));
        }
        let mut p = pypi_package(&out, &name, &version, None);
        tag(&mut p, meta.rel_path());
        out.push(p);
        Ok(())
    }
}

/// Property: how a zipped egg was identified (`PKG-INFO`, or `filename` when it has none).
pub const PROP_EGG_EVIDENCE: &str = "python.evidence";
/// Largest `.egg-link` file read.
const EGG_LINK_MAX: u64 = 64 * 1024;

/// `monotonic-1.6-py3.10.egg` → (`monotonic`, `1.6`): eggs are named
/// `<name>-<version>[-py<X.Y>[-<platform>]].egg` with `-` in the parts escaped to `_`.
fn egg_file_name(file: &str) -> Option<(String, String)> {
    let stem = file.strip_suffix(".egg")?;
    let mut parts = stem.split('-');
    let (name, version) = (parts.next()?, parts.next()?);
    (!name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| (name.to_string(), version.to_string()))
}

/// Reads the metadata of a zipped egg: `(name, version, evidence)`. Fuzz entry point.
pub fn parse_zipped_egg(
    bytes: &[u8],
    file_name: &str,
) -> Result<Option<(String, String, &'static str)>, AnalyzerError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| AnalyzerError::parse(format!("zipped egg: {e}")))?;
    let found = match zip.by_name("EGG-INFO/PKG-INFO") {
        Ok(mut f) => Some(read_header(&mut f, MAX_HEADER)?),
        Err(zip::result::ZipError::FileNotFound) => None,
        Err(e) => return Err(AnalyzerError::parse(format!("zipped egg: EGG-INFO/PKG-INFO: {e}"))),
    };
    match found {
        Some(text) => parse_python_metadata(&text)
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| Some((n, v, "PKG-INFO")))
            .ok_or_else(|| AnalyzerError::parse("EGG-INFO/PKG-INFO lacks Name or Version")),
        None => Ok(egg_file_name(file_name).map(|(n, v)| (n, v, "filename"))),
    }
}

/// Zipped eggs (`*.egg` files: `EGG-INFO/PKG-INFO` inside, the file name when it is missing) and
/// `*.egg-link` development installs (`setup.py develop`, legacy `pip install -e`), which are
/// captured and resolved after the walk against the project's `*.egg-info` ([`crate::resolve()`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonEggAnalyzer;

impl WholeFile for PythonEggAnalyzer {
    const NAME: &'static str = "python-egg";
    const VERSION: u32 = 1;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        let n = meta.file_name();
        n.len() > 4 && (n.ends_with(".egg") || (n.ends_with(".egg-link") && meta.size <= EGG_LINK_MAX))
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let name = out.meta.file_name();
        if name.ends_with(".egg-link") {
            let content = text(bytes).into_owned();
            out.facts.files.push(CapturedFile { location: out.meta.location(), content });
            return Ok(());
        }
        match parse_zipped_egg(bytes, name)? {
            Some((n, v, evidence)) => {
                let mut p = pypi_package(out, &n, &v, None);
                if evidence == "PKG-INFO"
                    && let Some(l) = p.locations.first_mut()
                {
                    l.member = Some("EGG-INFO/PKG-INFO".into());
                }
                p.properties.insert(PROP_EGG_EVIDENCE.into(), evidence.into());
                tag(&mut p, out.meta.rel_path());
                out.push(p);
            }
            None => out.warn(None, "zipped egg without EGG-INFO/PKG-INFO and without a versioned file name"),
        }
        Ok(())
    }
}

whole_file_analyzer!(PythonEggAnalyzer);

/// Reads an `.egg-link` file: the project directory it points to (first line). Fuzz entry point.
pub fn parse_egg_link(text: &str) -> Option<&str> {
    let first = text.lines().next()?.trim();
    (!first.is_empty()).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const METADATA: &str = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\nSummary: A very fast\n  template engine\nRequires-Dist: MarkupSafe (>=2.0)\n\nName: ignored-body\nVersion: 0\n";

    #[test]
    fn parses_header_only() {
        assert_eq!(parse_python_metadata(METADATA), Some(("Jinja2".into(), "3.1.2".into())));
        assert_eq!(parse_python_metadata("Name: x\n"), Some(("x".into(), String::new())));
        assert_eq!(parse_python_metadata("Version: 1\n"), None);
        assert_eq!(parse_python_metadata("\n\nName: x\nVersion: 1\n"), Some(("x".into(), "1".into())));
    }

    #[test]
    fn analyzer() {
        let a = PythonDistAnalyzer;
        let m = EntryMeta::file(
            "/opt/venv/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA",
            1,
            Some(4),
        );
        assert_eq!(a.required(&m), Interest::Yes);
        assert_eq!(
            a.required(&EntryMeta::file("usr/lib/python3/dist-packages/six-1.16.0.egg-info", 1, None)),
            Interest::Yes
        );
        assert_eq!(a.required(&EntryMeta::file("x.egg-info/PKG-INFO", 1, None)), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("x.dist-info/RECORD", 1, None)), Interest::No);
        let mut f = Facts::default();
        a.analyze(&m, &mut METADATA.as_bytes(), &mut f).unwrap();
        assert_eq!(f.packages[0].name, "jinja2");
        assert_eq!(f.packages[0].ecosystem, "PyPI");
        assert_eq!(f.packages[0].purl.as_deref(), Some("pkg:pypi/jinja2@3.1.2"));
        assert_eq!(f.packages[0].locations[0].layer, Some(4));
    }

    #[test]
    fn conda_pkgs_cache() {
        assert!(in_conda_pkgs_cache(
            "opt/conda/pkgs/requests-2.31.0-py311h06a4308_1/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"
        ));
        assert!(!in_conda_pkgs_cache(
            "opt/conda/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"
        ));
        assert!(!in_conda_pkgs_cache("srv/pkgs/a-b-c/site-packages/x.dist-info/METADATA"));
        let mut f = Facts::default();
        let m = EntryMeta::file(
            "/root/miniconda3/pkgs/six-1.16.0-pyhd3eb1b0_1/site-packages/six-1.16.0.dist-info/METADATA",
            1,
            None,
        );
        PythonDistAnalyzer.analyze(&m, &mut &b"Name: six\nVersion: 1.16.0\n"[..], &mut f).unwrap();
        assert_eq!(f.packages[0].properties.get(PROP_CONDA_PKGS_CACHE).map(String::as_str), Some("true"));
    }

    #[test]
    fn tags_cuda_wheels() {
        let mut f = Facts::default();
        let m = EntryMeta::file("x/nvidia_cudnn_cu12-8.9.2.26.dist-info/METADATA", 1, None);
        PythonDistAnalyzer
            .analyze(&m, &mut &b"Name: nvidia-cudnn-cu12\nVersion: 8.9.2.26\n"[..], &mut f)
            .unwrap();
        assert_eq!(f.packages[0].properties.get("cuda.component").map(String::as_str), Some("cudnn"));
        assert_eq!(f.packages[0].properties.get("cuda.major").map(String::as_str), Some("12"));
    }

    #[test]
    fn header_limit() {
        let long = "Name: x\n".repeat(200_000);
        assert!(read_header(&mut long.as_bytes(), MAX_HEADER).is_err());
        let body_big = format!("Name: x\nVersion: 1\n\n{}", "y".repeat(10_000_000));
        assert_eq!(read_header(&mut body_big.as_bytes(), MAX_HEADER).unwrap(), "Name: x\nVersion: 1\n\n");
    }

    #[test]
    fn egg_and_case_variants_are_required() {
        let a = PythonDistAnalyzer;
        crate::common::assert_interest(
            &a,
            Interest::Yes,
            &[
                "usr/lib/python3.9/site-packages/setuptools-57.4.0-py3.9.egg/EGG-INFO/PKG-INFO",
                "site-packages/v.DIST-INFO/METADATA",
                "site-packages/w.EGG-INFO/PKG-INFO",
                "site-packages/z.EGG-INFO",
            ],
        );
        crate::common::assert_interest(
            &a,
            Interest::No,
            &["site-packages/notdist-info/METADATA", "egg-info", "x.egg/EGG-INFO/top_level.txt"],
        );
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn zipped_egg() {
        let egg = zip(&[
            (
                "EGG-INFO/PKG-INFO",
                b"Metadata-Version: 1.1\nName: monotonic\nVersion: 1.6\n\nlong description\n",
            ),
            ("monotonic.py", b"x = 1\n"),
        ]);
        let m = EntryMeta::file(
            "/usr/lib/python3.10/site-packages/monotonic-1.6-py3.10.egg",
            egg.len() as u64,
            Some(0),
        );
        assert_eq!(PythonEggAnalyzer.required(&m), Interest::Yes);
        let mut f = Facts::default();
        PythonEggAnalyzer.analyze(&m, &mut egg.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 1);
        let p = &f.packages[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), ("monotonic", "1.6"));
        assert_eq!(p.locations[0].member.as_deref(), Some("EGG-INFO/PKG-INFO"));
        assert_eq!(p.properties.get(PROP_EGG_EVIDENCE).map(String::as_str), Some("PKG-INFO"));
        // No PKG-INFO: the egg's file name still names it.
        let bare = zip(&[("monotonic.py", b"x = 1\n")]);
        let m = EntryMeta::file("/x/monotonic_no_pkginfo-1.6-py3.10.egg", bare.len() as u64, None);
        let mut f = Facts::default();
        PythonEggAnalyzer.analyze(&m, &mut bare.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages[0].name, "monotonic-no-pkginfo");
        assert_eq!(f.packages[0].version, "1.6");
        // Neither: a warning naming the file.
        let m = EntryMeta::file("/x/thing.egg", bare.len() as u64, None);
        let mut f = Facts::default();
        PythonEggAnalyzer.analyze(&m, &mut bare.as_slice(), &mut f).unwrap();
        assert!(f.packages.is_empty());
        assert_eq!(f.warnings.len(), 1);
        // Not a zip: an error (the walker reports it with the path).
        assert!(PythonEggAnalyzer.analyze(&m, &mut &b"not a zip"[..], &mut Facts::default()).is_err());
    }

    #[test]
    fn egg_link_is_captured() {
        let m = EntryMeta::file("/usr/local/lib/python3.11/site-packages/My-Project.egg-link", 20, Some(1));
        assert_eq!(PythonEggAnalyzer.required(&m), Interest::Yes);
        let mut f = Facts::default();
        PythonEggAnalyzer.analyze(&m, &mut &b"/app/src\n.\n"[..], &mut f).unwrap();
        assert!(f.packages.is_empty());
        assert_eq!(f.files.len(), 1);
        assert_eq!(parse_egg_link(&f.files[0].content), Some("/app/src"));
        assert_eq!(parse_egg_link("\n"), None);
    }

    proptest! {
        #[test]
        fn never_panics_egg(b in proptest::collection::vec(any::<u8>(), 0..512), s in "\\PC*") {
            let _ = parse_zipped_egg(&b, &s);
            let _ = egg_file_name(&s);
            let _ = parse_egg_link(&s);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_python_metadata(&s);
            let _ = read_header(&mut s.as_bytes(), 64);
        }
    }
}
