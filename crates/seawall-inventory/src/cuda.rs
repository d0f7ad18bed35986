//! The NVIDIA CUDA stack: toolkit, cuDNN, NCCL and TensorRT.
//!
//! Three kinds of evidence:
//! * files read by [`CudaAnalyzer`]: `usr/local/cuda*/version.json` (CUDA ≥ 11.1) or `version.txt`
//!   (older), and the headers `cudnn_version*.h` / `cudnn.h` (cuDNN 7), `nccl.h`,
//!   `NvInferVersion.h` — each yields a package named [`COMPONENT_CUDA`] / `cudnn` / `nccl` /
//!   `tensorrt` with ecosystem [`ECOSYSTEM_CUDA`] (`cuda`; not an OSV ecosystem) and purl
//!   `pkg:generic/nvidia/<name>@<version>`. Headers under `site-packages/` are skipped: the wheel that
//!   ships them is already reported;
//! * OS packages (dpkg, rpm) named like `libcudnn8`, `libnccl2`, `libnvinfer8`, `cuda-cudart-12-1` are
//!   tagged `properties["cuda.component"]` by the OS analyzers ([`os_package_component`]);
//! * pip wheels `nvidia-*-cu11/12/13` and `tensorrt*` are tagged `cuda.component` and `cuda.major`
//!   by the Python analyzer ([`wheel_component`]).

use std::collections::BTreeMap;

use seawall_analyzer::{AnalyzerError, EntryMeta};
use serde::Deserialize;

use crate::common::{Out, WholeFile, purl, text, whole_file_analyzer};

/// Ecosystem of packages derived from CUDA files and headers.
pub const ECOSYSTEM_CUDA: &str = "cuda";
/// Property: CUDA stack component (`cuda`, `cudnn`, `nccl`, `tensorrt`, `driver`).
pub const PROP_COMPONENT: &str = "cuda.component";
/// Property: CUDA major version a wheel is built for (`12` for `nvidia-cublas-cu12`).
pub const PROP_MAJOR: &str = "cuda.major";
/// Property: the file kind a CUDA package was derived from.
pub const PROP_EVIDENCE: &str = "cuda.evidence";
/// Component / package name of the CUDA toolkit.
pub const COMPONENT_CUDA: &str = "cuda";

/// The CUDA component of an OS package name, if it belongs to the CUDA stack.
pub fn os_package_component(name: &str) -> Option<&'static str> {
    let n = name;
    if n.starts_with("libcudnn") || n.starts_with("cudnn") {
        Some("cudnn")
    } else if n.starts_with("libnccl") {
        Some("nccl")
    } else if n.starts_with("libnvinfer")
        || n.starts_with("tensorrt")
        || n.starts_with("libnvonnxparsers")
        || n.starts_with("libnvparsers")
        || n.starts_with("python3-libnvinfer")
    {
        Some("tensorrt")
    } else if n.starts_with("cuda-")
        || [
            "libcublas",
            "libcufft",
            "libcurand",
            "libcusolver",
            "libcusparse",
            "libnpp",
            "libnvjpeg",
            "libnvjitlink",
            "libcufile",
            "libnvrtc",
        ]
        .iter()
        .any(|p| n.starts_with(p))
    {
        Some(COMPONENT_CUDA)
    } else if n.starts_with("nvidia-driver") || n.starts_with("libnvidia-") || n.starts_with("nvidia-utils") {
        Some("driver")
    } else {
        None
    }
}

/// The CUDA component and CUDA major version of a (PEP 503 normalised) wheel name:
/// `nvidia-cudnn-cu12` → (`cudnn`, `12`), `nvidia-cublas-cu11` → (`cuda`, `11`), `tensorrt-cu12-libs`
/// → (`tensorrt`, `12`).
pub fn wheel_component(name: &str) -> Option<(&'static str, Option<String>)> {
    let major = name.split('-').find_map(|part| {
        let m = part.strip_prefix("cu")?;
        (m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit())).then(|| m.to_string())
    });
    if name == "tensorrt" || name.starts_with("tensorrt-") {
        return Some(("tensorrt", major));
    }
    let rest = name.strip_prefix("nvidia-")?;
    major.as_ref()?;
    let component = if rest.starts_with("cudnn") {
        "cudnn"
    } else if rest.starts_with("nccl") {
        "nccl"
    } else {
        COMPONENT_CUDA
    };
    Some((component, major))
}

#[derive(Deserialize)]
struct VersionJsonEntry {
    version: String,
}

/// The toolkit version from `version.json` (`{"cuda": {"version": "12.1.1"}}`). Fuzz entry point.
pub fn parse_cuda_version_json(text: &str) -> Option<String> {
    let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(text).ok()?;
    let e: VersionJsonEntry = serde_json::from_value(map.get("cuda")?.clone()).ok()?;
    plausible(&e.version).then_some(e.version)
}

/// The toolkit version from `version.txt` (`CUDA Version 10.2.89`). Fuzz entry point.
pub fn parse_cuda_version_txt(text: &str) -> Option<String> {
    let v = text.lines().find_map(|l| l.trim().strip_prefix("CUDA Version"))?.trim();
    plausible(v).then(|| v.to_string())
}

fn plausible(v: &str) -> bool {
    !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `#define` values of a C header, with one level of indirection resolved
/// (`#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE`).
fn defines(text: &str) -> BTreeMap<&str, &str> {
    let mut m = BTreeMap::new();
    for l in text.lines() {
        let Some(rest) = l.trim().strip_prefix("#define") else {
            continue;
        };
        let mut it = rest.split_whitespace();
        if let (Some(k), Some(v)) = (it.next(), it.next()) {
            m.insert(k, v);
        }
    }
    let resolved: Vec<(&str, &str)> = m.iter().filter_map(|(k, v)| m.get(v).map(|r| (*k, *r))).collect();
    m.extend(resolved);
    m
}

/// Reads `MAJOR.MINOR.PATCH` of a component from header `#define`s. Fuzz entry point.
///
/// `prefix` is `CUDNN`, `NCCL` or `NV_TENSORRT`.
pub fn parse_version_header(text: &str, prefix: &str) -> Option<String> {
    let d = defines(text);
    let num = |suffixes: &[&str]| {
        suffixes.iter().find_map(|s| {
            let v = *d.get(format!("{prefix}_{s}").as_str())?;
            let v = v.trim_start_matches('(').trim_end_matches(')');
            (!v.is_empty() && v.len() <= 9 && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.to_string())
        })
    };
    let major = num(&["MAJOR"])?;
    let minor = num(&["MINOR"])?;
    let patch = num(&["PATCHLEVEL", "PATCH"])?;
    Some(format!("{major}.{minor}.{patch}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CudaFile {
    VersionJson,
    VersionTxt,
    Cudnn,
    Nccl,
    TensorRt,
}

fn classify(meta: &EntryMeta<'_>) -> Option<CudaFile> {
    let rel = meta.rel_path();
    let name = meta.file_name();
    if name == "version.json" || name == "version.txt" {
        let dir = rel.strip_prefix("usr/local/")?.strip_suffix(name)?.strip_suffix('/')?;
        if !dir.starts_with("cuda") || dir.contains('/') {
            return None;
        }
        return Some(if name == "version.json" { CudaFile::VersionJson } else { CudaFile::VersionTxt });
    }
    if !name.ends_with(".h") || rel.contains("site-packages/") {
        return None;
    }
    if name == "cudnn.h" || (name.starts_with("cudnn_version") && !name.contains("backend")) {
        Some(CudaFile::Cudnn)
    } else if name == "nccl.h" {
        Some(CudaFile::Nccl)
    } else if name == "NvInferVersion.h" {
        Some(CudaFile::TensorRt)
    } else {
        None
    }
}

/// Reads CUDA toolkit version files and cuDNN / NCCL / TensorRT headers.
#[derive(Debug, Default, Clone, Copy)]
pub struct CudaAnalyzer;

impl WholeFile for CudaAnalyzer {
    const NAME: &'static str = "cuda";
    const VERSION: u32 = 2;
    const MAX_SIZE: u64 = 4 * 1024 * 1024;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        classify(meta).is_some()
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let Some(kind) = classify(out.meta) else {
            return Ok(());
        };
        let text = text(bytes);
        let (component, version, evidence) = match kind {
            CudaFile::VersionJson => (COMPONENT_CUDA, parse_cuda_version_json(&text), "version.json"),
            CudaFile::VersionTxt => (COMPONENT_CUDA, parse_cuda_version_txt(&text), "version.txt"),
            CudaFile::Cudnn => ("cudnn", parse_version_header(&text, "CUDNN"), "header"),
            CudaFile::Nccl => ("nccl", parse_version_header(&text, "NCCL"), "header"),
            CudaFile::TensorRt => ("tensorrt", parse_version_header(&text, "NV_TENSORRT"), "header"),
        };
        match version {
            Some(v) => {
                let mut p = out.package(component, &v, ECOSYSTEM_CUDA, None);
                p.purl = purl("generic", Some("nvidia"), component, Some(&v), &[]);
                p.properties.insert(PROP_COMPONENT.into(), component.into());
                p.properties.insert(PROP_EVIDENCE.into(), evidence.into());
                out.push(p);
            }
            // cuDNN ≥ 8 keeps its version in `cudnn_version.h`; `cudnn.h` includes it.
            None if out.meta.file_name() == "cudnn.h" => {}
            None => out.warn(None, format!("no {component} version found in this {evidence}")),
        }
        Ok(())
    }
}

whole_file_analyzer!(CudaAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    #[test]
    fn version_files() {
        let j = r#"{ "cuda" : { "name" : "CUDA SDK", "version" : "12.1.1" }, "cuda_cudart" : { "name" : "CUDA Runtime (cudart)", "version" : "12.1.105" } }"#;
        assert_eq!(parse_cuda_version_json(j).as_deref(), Some("12.1.1"));
        assert_eq!(parse_cuda_version_json("{}"), None);
        assert_eq!(parse_cuda_version_txt("CUDA Version 10.2.89\n").as_deref(), Some("10.2.89"));
    }

    #[test]
    fn headers() {
        let cudnn = "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 0\n#define CUDNN_VERSION (CUDNN_MAJOR * 1000)\n";
        assert_eq!(parse_version_header(cudnn, "CUDNN").as_deref(), Some("8.9.0"));
        let nccl =
            "#define NCCL_MAJOR 2\n#define NCCL_MINOR 18\n#define NCCL_PATCH 3\n#define NCCL_SUFFIX \"\"\n";
        assert_eq!(parse_version_header(nccl, "NCCL").as_deref(), Some("2.18.3"));
        let trt10 = "#define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 0\n#define TRT_PATCH_ENTERPRISE 1\n#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE\n#define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE\n#define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE\n";
        assert_eq!(parse_version_header(trt10, "NV_TENSORRT").as_deref(), Some("10.0.1"));
        assert_eq!(parse_version_header("#include \"cudnn_version.h\"\n", "CUDNN"), None);
    }

    #[test]
    fn analyzer_paths_and_output() {
        let a = CudaAnalyzer;
        let yes = [
            "/usr/local/cuda-12.1/version.json",
            "usr/local/cuda/version.txt",
            "/usr/include/cudnn_version.h",
            "/usr/include/x86_64-linux-gnu/cudnn_version_v8.h",
            "/usr/include/nccl.h",
            "/usr/include/x86_64-linux-gnu/NvInferVersion.h",
        ];
        for p in yes {
            assert_eq!(a.required(&EntryMeta::file(p, 1, None)), Interest::Yes, "{p}");
        }
        let no = [
            "/usr/local/lib/version.json",
            "/usr/local/cuda/x/version.json",
            "/app/version.txt",
            "/opt/venv/lib/python3.11/site-packages/nvidia/cudnn/include/cudnn_version.h",
            "/usr/include/stdio.h",
        ];
        for p in no {
            assert_eq!(a.required(&EntryMeta::file(p, 1, None)), Interest::No, "{p}");
        }
        let mut f = Facts::default();
        let m = EntryMeta::file("/usr/local/cuda-12.1/version.json", 1, Some(2));
        a.analyze(&m, &mut &br#"{"cuda":{"name":"CUDA SDK","version":"12.1.1"}}"#[..], &mut f).unwrap();
        assert_eq!(f.packages[0].name, "cuda");
        assert_eq!(f.packages[0].ecosystem, "cuda");
        assert_eq!(f.packages[0].purl.as_deref(), Some("pkg:generic/nvidia/cuda@12.1.1"));
        // A version file without a version is a warning, an umbrella cudnn.h is not.
        let mut f = Facts::default();
        a.analyze(&m, &mut &b"{}"[..], &mut f).unwrap();
        assert_eq!(f.warnings.len(), 1);
        let mut f = Facts::default();
        a.analyze(
            &EntryMeta::file("/usr/include/cudnn.h", 1, None),
            &mut &b"#include \"cudnn_version.h\"\n"[..],
            &mut f,
        )
        .unwrap();
        assert!(f.warnings.is_empty() && f.packages.is_empty());
    }

    #[test]
    fn components() {
        assert_eq!(os_package_component("libcudnn8"), Some("cudnn"));
        assert_eq!(os_package_component("libcudnn9-cuda-12"), Some("cudnn"));
        assert_eq!(os_package_component("libnccl2"), Some("nccl"));
        assert_eq!(os_package_component("libnvinfer10"), Some("tensorrt"));
        assert_eq!(os_package_component("cuda-cudart-12-1"), Some("cuda"));
        assert_eq!(os_package_component("libcublas-12-1"), Some("cuda"));
        assert_eq!(os_package_component("libc6"), None);
        assert_eq!(wheel_component("nvidia-cublas-cu12"), Some(("cuda", Some("12".into()))));
        assert_eq!(wheel_component("nvidia-nccl-cu11"), Some(("nccl", Some("11".into()))));
        assert_eq!(wheel_component("tensorrt-cu12-libs"), Some(("tensorrt", Some("12".into()))));
        assert_eq!(wheel_component("nvidia-ml-py"), None);
        assert_eq!(wheel_component("numpy"), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_cuda_version_json(&s);
            let _ = parse_cuda_version_txt(&s);
            let _ = parse_version_header(&s, "CUDNN");
        }
    }
}
