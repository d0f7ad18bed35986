//! Java archives (`.jar`, `.war`, `.ear`, Jenkins `.hpi`/`.jpi`): `META-INF/maven/**/pom.properties`
//! and `META-INF/MANIFEST.MF`, and jars nested one level deep (`BOOT-INF/lib/*.jar`,
//! `WEB-INF/lib/*.jar`, shaded jars).
//!
//! * Every `pom.properties` yields a package `groupId:artifactId` @ `version` (ecosystem `Maven`,
//!   purl `pkg:maven/<group>/<artifact>@<version>`).
//! * A jar without any `pom.properties` falls back to its manifest (`Implementation-Title` /
//!   `Bundle-SymbolicName`, `Implementation-Version` / `Bundle-Version`, `Implementation-Vendor-Id`
//!   as group when present) and then to the file name (`commons-text-1.9.jar`).
//! * Nested jars report the outer jar as path and the nested entry as `Location::member`.
//!
//! Zip needs random access (JDK-written jars use data descriptors, so a forward-only reader cannot
//! skip entries), so jars are read whole: up to the default 64 MiB ([`FileAnalyzer::max_size`]);
//! larger archives are reported by the walker as skipped. Nested jars are read up to
//! [`NESTED_MAX`] each, with decompressed sizes capped (zip bombs).

use std::io::{Cursor, Read};

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest, ScanWarning};
use seawall_core::Package;
use zip::ZipArchive;

use crate::common::{package, purl, read_bounded};

/// Ecosystem of Java packages.
pub const ECOSYSTEM_MAVEN: &str = "Maven";
/// Property: how the Java package was identified (`pom.properties`, `manifest`, `filename`).
pub const PROP_JAVA_EVIDENCE: &str = "java.evidence";
/// Largest nested jar read.
pub const NESTED_MAX: u64 = 32 * 1024 * 1024;
/// Largest `pom.properties` / `MANIFEST.MF` read.
const SMALL_MAX: u64 = 1024 * 1024;
/// At most this many nested jars per archive.
const MAX_NESTED_JARS: usize = 4096;
/// Total bytes inflated per outer archive (nested jars included).
const INFLATE_BUDGET: u64 = 512 * 1024 * 1024;

/// A Java package found in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPackage {
    /// `groupId`, when known.
    pub group: Option<String>,
    /// `artifactId` (or manifest title / file-name stem).
    pub artifact: String,
    /// Version.
    pub version: String,
    /// `pom.properties`, `manifest` or `filename`.
    pub evidence: &'static str,
    /// Nested jar path inside the outer archive, if any.
    pub member: Option<String>,
}

/// Parses a Java `.properties` file into (key, value) pairs (`=`, `:` or whitespace separators).
fn properties(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') || l.starts_with('!') {
                return None;
            }
            let idx = l.find(['=', ':']).or_else(|| l.find(char::is_whitespace))?;
            Some((l.get(..idx)?.trim(), l.get(idx + 1..)?.trim()))
        })
        .collect()
}

/// `groupId`, `artifactId`, `version` from a `pom.properties`. Fuzz entry point.
pub fn parse_pom_properties(text: &str) -> Option<(String, String, String)> {
    let p = properties(text);
    let get =
        |k: &str| p.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string()).filter(|v| !v.is_empty());
    Some((get("groupId")?, get("artifactId")?, get("version")?))
}

/// Main-section attributes of a `MANIFEST.MF` (72-byte continuation lines joined). Fuzz entry point.
pub fn parse_manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break; // end of the main section
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(last) = out.last_mut() {
                last.1.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

fn from_manifest(attrs: &[(String, String)]) -> Option<(Option<String>, String, String)> {
    let get = |k: &str| {
        attrs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let title = get("Implementation-Title")
        .or_else(|| get("Bundle-SymbolicName").map(|s| s.split(';').next().unwrap_or("").trim().to_string()))
        .filter(|s| !s.is_empty())?;
    let version = get("Implementation-Version").or_else(|| get("Bundle-Version"))?;
    Some((get("Implementation-Vendor-Id"), title, version))
}

/// `commons-text-1.9.jar` → (`commons-text`, `1.9`).
fn from_file_name(name: &str) -> Option<(String, String)> {
    let stem = name.rsplit('/').next()?;
    let stem = [".jar", ".war", ".ear", ".hpi", ".jpi"].iter().find_map(|e| stem.strip_suffix(e))?;
    let bytes = stem.as_bytes();
    let idx = (1..bytes.len())
        .find(|&i| bytes.get(i - 1) == Some(&b'-') && bytes.get(i).is_some_and(u8::is_ascii_digit))?;
    Some((stem.get(..idx - 1)?.to_string(), stem.get(idx..)?.to_string()))
}

fn is_archive_name(n: &str) -> bool {
    [".jar", ".war", ".ear", ".hpi", ".jpi"].iter().any(|e| n.ends_with(e))
}

/// Reads the Java packages of an archive held in memory; returns them with the problems met
/// (unreadable entries, exhausted budget). `file_name` drives the file-name fallback. Fuzz entry
/// point.
pub fn parse_jar(bytes: &[u8], file_name: &str) -> Result<(Vec<JavaPackage>, Vec<String>), AnalyzerError> {
    let mut budget = INFLATE_BUDGET;
    parse_jar_inner(bytes, file_name, 0, &mut budget)
}

fn parse_jar_inner(
    bytes: &[u8],
    file_name: &str,
    depth: u8,
    budget: &mut u64,
) -> Result<(Vec<JavaPackage>, Vec<String>), AnalyzerError> {
    let mut zip =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| AnalyzerError::parse(format!("zip: {e}")))?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut manifest_idx = None;
    let mut poms = Vec::new();
    let mut nested = Vec::new();
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_data(i) else {
            continue;
        };
        let Ok(name) = entry.name() else { continue };
        let name: &str = &name;
        if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            poms.push(i);
        } else if name == "META-INF/MANIFEST.MF" {
            manifest_idx = Some(i);
        } else if depth == 0 && is_archive_name(name) && nested.len() < MAX_NESTED_JARS {
            nested.push((i, name.to_string()));
        }
    }
    for i in poms {
        match read_entry(&mut zip, i, SMALL_MAX, budget) {
            Ok(b) => {
                if let Some((g, a, v)) = parse_pom_properties(&String::from_utf8_lossy(&b)) {
                    out.push(JavaPackage {
                        group: Some(g),
                        artifact: a,
                        version: v,
                        evidence: "pom.properties",
                        member: None,
                    });
                }
            }
            Err(e) => problems.push(e),
        }
    }
    if out.is_empty() {
        let manifest = manifest_idx.and_then(|i| match read_entry(&mut zip, i, SMALL_MAX, budget) {
            Ok(b) => from_manifest(&parse_manifest(&String::from_utf8_lossy(&b))),
            Err(e) => {
                problems.push(e);
                None
            }
        });
        if let Some((group, artifact, version)) = manifest {
            out.push(JavaPackage { group, artifact, version, evidence: "manifest", member: None });
        } else if let Some((artifact, version)) = from_file_name(file_name) {
            out.push(JavaPackage { group: None, artifact, version, evidence: "filename", member: None });
        }
    }
    for (i, name) in nested {
        let inner = match read_entry(&mut zip, i, NESTED_MAX, budget) {
            Ok(b) => b,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        match parse_jar_inner(&inner, &name, depth + 1, budget) {
            Ok((pkgs, probs)) => {
                out.extend(pkgs.into_iter().map(|mut p| {
                    p.member = Some(name.clone());
                    p
                }));
                problems.extend(probs.into_iter().map(|p| format!("{name}: {p}")));
            }
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    Ok((out, problems))
}

/// Inflates entry `i` (at most `limit` bytes and what is left of `budget`).
fn read_entry(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limit: u64,
    budget: &mut u64,
) -> Result<Vec<u8>, String> {
    let mut f = zip.by_index(i).map_err(|e| e.to_string())?;
    let name = f.name().map(|n| n.to_string()).unwrap_or_default();
    if *budget == 0 {
        return Err(format!("{name}: inflate budget of {INFLATE_BUDGET} bytes exhausted"));
    }
    let b = read_bounded(&mut f, limit.min(*budget)).map_err(|e| format!("{name}: {e}"))?;
    *budget = budget.saturating_sub(b.len() as u64);
    Ok(b)
}

fn to_package(analyzer: &str, meta: &EntryMeta<'_>, j: &JavaPackage) -> Package {
    let name = match &j.group {
        Some(g) => format!("{g}:{}", j.artifact),
        None => j.artifact.clone(),
    };
    let mut p = package(analyzer, meta, &name, &j.version, ECOSYSTEM_MAVEN);
    p.purl = purl("maven", j.group.as_deref(), &j.artifact, Some(&j.version), &[]);
    p.properties.insert(PROP_JAVA_EVIDENCE.into(), j.evidence.into());
    if let (Some(m), Some(l)) = (&j.member, p.locations.first_mut()) {
        l.member = Some(m.clone());
    }
    p
}

/// Reads Java archives.
#[derive(Debug, Default, Clone, Copy)]
pub struct JavaAnalyzer;

impl FileAnalyzer for JavaAnalyzer {
    fn name(&self) -> &'static str {
        "java"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if meta.is_file() && is_archive_name(meta.file_name()) { Interest::Yes } else { Interest::No }
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let bytes = read_bounded(content, self.max_size())?;
        let (pkgs, problems) = parse_jar(&bytes, meta.file_name())?;
        out.packages.extend(pkgs.iter().map(|j| to_package(self.name(), meta, j)));
        out.warnings.extend(problems.into_iter().map(|p| ScanWarning::at(self.name(), meta.location(), p)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn jar(entries: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = if stored {
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
        } else {
            SimpleFileOptions::default()
        };
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn pom_properties() {
        let j = jar(
            &[
                ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nImplementation-Title: ignored\r\n"),
                (
                    "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                    b"#Generated\nversion=2.14.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n",
                ),
            ],
            false,
        );
        let m = EntryMeta::file("/opt/app/lib/log4j-core-2.14.1.jar", j.len() as u64, Some(1));
        assert_eq!(JavaAnalyzer.required(&m), Interest::Yes);
        let mut f = Facts::default();
        JavaAnalyzer.analyze(&m, &mut j.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 1);
        assert_eq!(f.packages[0].name, "org.apache.logging.log4j:log4j-core");
        assert_eq!(f.packages[0].version, "2.14.1");
        assert_eq!(f.packages[0].ecosystem, "Maven");
        assert_eq!(
            f.packages[0].purl.as_deref(),
            Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
        );
    }

    #[test]
    fn manifest_and_filename_fallbacks() {
        let j = jar(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nImplementation-Title: my-li\r\n b\r\nImplementation-Version: 3.2\r\n\r\nName: x\r\nImplementation-Version: 9\r\n")], false);
        let (p, _) = parse_jar(&j, "whatever.jar").unwrap();
        assert_eq!(
            (p[0].artifact.as_str(), p[0].version.as_str(), p[0].evidence),
            ("my-lib", "3.2", "manifest")
        );
        let j = jar(&[("a.class", b"\xca\xfe\xba\xbe")], false);
        let (p, _) = parse_jar(&j, "commons-text-1.9.jar").unwrap();
        assert_eq!((p[0].artifact.as_str(), p[0].version.as_str()), ("commons-text", "1.9"));
        assert!(parse_jar(b"not a zip", "x.jar").is_err());
    }

    #[test]
    fn nested_jars() {
        let inner = jar(
            &[(
                "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties",
                b"groupId=com.fasterxml.jackson.core\nartifactId=jackson-databind\nversion=2.9.10\n",
            )],
            false,
        );
        let outer = jar(
            &[
                (
                    "META-INF/maven/com.example/app/pom.properties",
                    b"groupId=com.example\nartifactId=app\nversion=1.0\n",
                ),
                ("BOOT-INF/lib/jackson-databind-2.9.10.jar", &inner),
            ],
            true,
        );
        let m = EntryMeta::file("/app.jar", outer.len() as u64, None);
        let mut f = Facts::default();
        JavaAnalyzer.analyze(&m, &mut outer.as_slice(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 2);
        let jd = f.packages.iter().find(|p| p.name.ends_with("jackson-databind")).unwrap();
        assert_eq!(jd.locations[0].member.as_deref(), Some("BOOT-INF/lib/jackson-databind-2.9.10.jar"));
        assert_eq!(jd.locations[0].path, "/app.jar");
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..512), s in "\\PC*") {
            let _ = parse_jar(&b, "x-1.0.jar");
            let _ = parse_pom_properties(&s);
            let _ = parse_manifest(&s);
            let _ = from_file_name(&s);
        }
    }
}
