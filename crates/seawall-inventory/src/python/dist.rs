//! Installed Python distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and legacy
//! `*.egg-info` files, wherever they are (system and `/usr/local` site-packages, venvs, conda envs,
//! user site, project trees).
//!
//! Only the header block (up to the first blank line, at most [`MAX_HEADER`] bytes) is read; the
//! long description that follows is never loaded. Hand-written: the core-metadata header is RFC 822
//! and shared with the dpkg parser; the crates that parse it (`python-pkginfo`) also open wheels
//! and sdists, which seawall never needs.

use std::io::{BufRead, BufReader, Read};

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};

use crate::common::{field, stanzas};
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

/// `Name` and `Version` of a core-metadata header (METADATA / PKG-INFO). Fuzz entry point.
pub fn parse_python_metadata(text: &str) -> Option<(String, String)> {
    let st = stanzas(text, true).into_iter().next()?;
    let name = field(&st, "Name")?.trim();
    let version = field(&st, "Version")?.trim();
    (!name.is_empty() && !version.is_empty()).then(|| (name.to_string(), version.to_string()))
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

/// Reads Python distribution metadata. Packages: ecosystem `PyPI`, PEP 503 name, `pkg:pypi` purl;
/// NVIDIA CUDA wheels (`nvidia-*-cu12`, `tensorrt*`) are tagged `cuda.component` / `cuda.major`;
/// distributions inside a conda package cache are tagged [`PROP_CONDA_PKGS_CACHE`].
#[derive(Debug, Default, Clone, Copy)]
pub struct PythonDistAnalyzer;

impl FileAnalyzer for PythonDistAnalyzer {
    fn name(&self) -> &'static str {
        "python-dist"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if !meta.is_file() {
            return Interest::No;
        }
        let p = meta.rel_path();
        if p.ends_with(".dist-info/METADATA") || p.ends_with(".egg-info/PKG-INFO") || p.ends_with(".egg-info")
        {
            Interest::Yes
        } else {
            Interest::No
        }
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let text = read_header(content, MAX_HEADER)?;
        let Some((name, version)) = parse_python_metadata(&text) else {
            return Err(AnalyzerError::parse("metadata lacks Name or Version"));
        };
        let mut p = pypi_package(self.name(), meta, &name, &version);
        if in_conda_pkgs_cache(meta.rel_path()) {
            p.properties.insert(PROP_CONDA_PKGS_CACHE.into(), "true".into());
        }
        if let Some((component, major)) = cuda::wheel_component(&p.name) {
            p.properties.insert(cuda::PROP_COMPONENT.into(), component.into());
            if let Some(m) = major {
                p.properties.insert(cuda::PROP_MAJOR.into(), m);
            }
        }
        out.packages.push(p);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    const METADATA: &str = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\nSummary: A very fast\n  template engine\nRequires-Dist: MarkupSafe (>=2.0)\n\nName: ignored-body\nVersion: 0\n";

    #[test]
    fn parses_header_only() {
        assert_eq!(parse_python_metadata(METADATA), Some(("Jinja2".into(), "3.1.2".into())));
        assert_eq!(parse_python_metadata("Name: x\n"), None);
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

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_python_metadata(&s);
            let _ = read_header(&mut s.as_bytes(), 64);
        }
    }
}
