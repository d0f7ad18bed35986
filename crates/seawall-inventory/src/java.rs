//! Java archives — `.jar`, `.war`, `.ear`, Jenkins `.hpi`/`.jpi`, `.jmod`, `.par`, `.sar`, `.nar`,
//! `.lpkg`, `.kar`, `.zap`, with any letter case — and the archives nested in them (EAR → WAR → JAR →
//! shaded JAR) down to [`MAX_NESTING`] levels; a deeper archive is a warning.
//!
//! How an archive is identified, in order (each package says which evidence gave its name in
//! `properties["java.evidence"]`, and where the group came from in `["java.group_evidence"]`):
//!
//! 1. **`pom.properties`** (`META-INF/maven/<group>/<artifact>/pom.properties`): one package per
//!    file with `groupId`, `artifactId` and `version` — the Maven coordinates themselves. A
//!    `pom.properties` missing one of them is a warning and does not count. Without any, a
//!    `META-INF/maven/<group>/<artifact>/pom.xml` names the coordinates by its path and the
//!    version by its `<version>` (or its parent's, else the manifest's or the file name's).
//! 2. **File name** (`commons-text-1.9.jar`, `guava-r06.jar`, `jboss-saaj-api_1.4_spec-1.0.2.Final.jar`):
//!    artifact and version, when the name carries a version (as osv-scalibr and Syft, the file
//!    name wins over the manifest for both). The group comes from the manifest when it names one,
//!    else from a dotted artifact (`org.apache.felix.framework` → `org.apache.felix`), else it is the
//!    artifact itself (legacy `junit:junit`).
//! 3. **`META-INF/MANIFEST.MF`** (main section, then the per-entry sections): artifact from the
//!    Maven Bundle Plugin's `Bundle-SymbolicName`, then `Name`, `Implementation-Title`,
//!    `Specification-Title`, `Bundle-Name`, `Short-Name`, `Extension-Name`, `Automatic-Module-Name`;
//!    version from `Implementation-Version`, `Specification-Version`, `Plugin-Version`,
//!    `Bundle-Version` (first word); group from `Bundle-SymbolicName`, `Extension-Name`,
//!    `Implementation-Vendor-Id`, `Implementation-Title`, `Automatic-Module-Name`, and the package of
//!    `Bundle-Activator` / `Main-Class`. Values that are not identifiers are never names: unresolved
//!    placeholders (`%pluginName`, `${bundle.name}`), text with spaces, paths. An Ivy string
//!    (`org.elasticsearch#server;8.14.3`) is read as what it is: organisation, module, revision.
//!    A few artifacts whose manifests name the wrong group are corrected from a table
//!    (`spring-web` → `org.springframework`, as osv-scalibr does).
//!
//! An archive none of these identify (JDK modules and runtime jars, applications without build
//! metadata) is reported as a notice: it was read completely, it names no Maven artifact. New Relic agent instrumentation modules (manifest
//! `Weave-Classes`) are part of the agent, not the library they are named after, and are skipped
//! (as Syft does). Every package has ecosystem `Maven`, name
//! `group:artifact` and purl `pkg:maven/<group>/<artifact>@<version>`; packages of nested archives
//! report the outer file as path and the nested chain as `Location::member`
//! (`WEB-INF/lib/app.war!/WEB-INF/lib/x.jar`).
//!
//! Zip needs random access (JDK-written jars use data descriptors, so a forward-only reader cannot
//! skip entries), so archives are read whole: up to the default 64 MiB ([`FileAnalyzer::max_size`]);
//! larger archives are reported by the walker as skipped. Nested archives are read up to
//! [`NESTED_MAX`] each, with all inflation of one outer archive capped (zip bombs).
//!
//! [`FileAnalyzer::max_size`]: seawall_analyzer::FileAnalyzer::max_size

use std::io::Cursor;

use seawall_analyzer::{AnalyzerError, EntryMeta};
use seawall_core::{Package, WarningKind};
use zip::ZipArchive;

use crate::common::{Out, WholeFile, purl, read_bounded, whole_file_analyzer};

/// Ecosystem of Java packages.
pub const ECOSYSTEM_MAVEN: &str = "Maven";
/// Property: which evidence gave the package's name and version (`pom.properties`, `filename`,
/// `manifest:<attribute>`).
pub const PROP_JAVA_EVIDENCE: &str = "java.evidence";
/// Property: where the group came from when not from `pom.properties` (`manifest:<attribute>`,
/// `filename`, `artifact`, `known-artifact`).
pub const PROP_JAVA_GROUP_EVIDENCE: &str = "java.group_evidence";
/// Largest nested archive read.
pub const NESTED_MAX: u64 = 32 * 1024 * 1024;
/// Deepest nesting of archives followed (the outer archive is level 0).
pub const MAX_NESTING: u8 = 16;
/// Largest `pom.properties` / `MANIFEST.MF` read.
const SMALL_MAX: u64 = 1024 * 1024;
/// At most this many nested archives per archive.
const MAX_NESTED_ARCHIVES: usize = 4096;
/// Total bytes inflated per outer archive (nested archives included).
const INFLATE_BUDGET: u64 = 512 * 1024 * 1024;
/// Archive extensions (compared without regard to case).
const EXTENSIONS: &[&str] =
    &["jar", "war", "ear", "hpi", "jpi", "jmod", "par", "sar", "nar", "lpkg", "kar", "zap"];

/// A Java package found in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPackage {
    /// `groupId`.
    pub group: String,
    /// `artifactId`.
    pub artifact: String,
    /// Version.
    pub version: String,
    /// Which evidence gave artifact and version (`pom.properties`, `filename`, `manifest:<attr>`).
    pub evidence: String,
    /// Where the group came from, when not `pom.properties`.
    pub group_evidence: Option<String>,
    /// Nested archive chain inside the outer archive (`a.war!/WEB-INF/lib/b.jar`), if any.
    pub member: Option<String>,
}

/// True for Java archive file names (any letter case).
pub(crate) fn is_archive_name(n: &str) -> bool {
    n.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
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

/// `META-INF/maven/<group>/<artifact>/<file>` → (group, artifact).
fn maven_dir_coordinates(path: &str, file: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("META-INF/maven/")?.strip_suffix(file)?.strip_suffix('/')?;
    let (g, a) = rest.split_once('/')?;
    (is_identifier(g) && is_identifier(a)).then(|| (g.to_string(), a.to_string()))
}

/// The project version of a `pom.xml`: `<version>` of the project itself (not of its parent, its
/// dependencies or plugins), else the parent's, which Maven inherits. `None` for unresolved
/// properties (`${revision}`). Hand-written: three elements of a well-known layout do not need
/// an XML parser. Fuzz entry point.
pub fn pom_xml_version(xml: &str) -> Option<String> {
    // Comments out.
    let mut text = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<!--") {
        text.push_str(rest.get(..start).unwrap_or(""));
        rest =
            rest.get(start..).and_then(|r| r.find("-->").map(|e| r.get(e + 3..).unwrap_or(""))).unwrap_or("");
    }
    text.push_str(rest);
    let element = |s: &str, tag: &str| -> Option<String> {
        let open = format!("<{tag}>");
        let start = s.find(&open)? + open.len();
        let end = s.get(start..)?.find(&format!("</{tag}>"))? + start;
        Some(s.get(start..end)?.trim().to_string())
    };
    let (parent, own) = match (text.find("<parent>"), text.find("</parent>")) {
        (Some(a), Some(b)) if a < b => (
            text.get(a..b).map(str::to_string),
            format!("{}{}", text.get(..a).unwrap_or(""), text.get(b..).unwrap_or("")),
        ),
        _ => (None, text.clone()),
    };
    let cut = [
        "<dependencies",
        "<dependencyManagement",
        "<build",
        "<profiles",
        "<properties",
        "<modules",
        "<reporting",
    ]
    .iter()
    .filter_map(|t| own.find(t))
    .min()
    .unwrap_or(own.len());
    let version = element(own.get(..cut).unwrap_or(""), "version")
        .or_else(|| parent.and_then(|p| element(&p, "version")))?;
    (!version.is_empty() && !version.contains("${")).then_some(version)
}

/// `groupId`, `artifactId`, `version` from a `pom.properties`. Fuzz entry point.
pub fn parse_pom_properties(text: &str) -> Option<(String, String, String)> {
    let p = properties(text);
    let get =
        |k: &str| p.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string()).filter(|v| !v.is_empty());
    Some((get("groupId")?, get("artifactId")?, get("version")?))
}

/// The sections of a `MANIFEST.MF` (the main section first), each a list of attributes with
/// 72-byte continuation lines joined. Fuzz entry point.
pub fn parse_manifest(text: &str) -> Vec<Vec<(String, String)>> {
    let mut sections: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if sections.last().is_some_and(|s| !s.is_empty()) {
                sections.push(Vec::new());
            }
            continue;
        }
        let Some(cur) = sections.last_mut() else { continue };
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(last) = cur.last_mut() {
                last.1.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            cur.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    sections.retain(|s| !s.is_empty());
    sections
}

/// An attribute: the main section's value, else the first per-entry section's.
fn attr<'a>(sections: &'a [Vec<(String, String)>], key: &str) -> Option<&'a str> {
    sections
        .iter()
        .find_map(|s| s.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str()))
        .filter(|v| !v.is_empty())
}

/// An artifact or group identifier: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
/// Rejects placeholders (`%pluginName`, `${x}`), prose, paths and Ivy strings.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `org.elasticsearch#server;8.14.3` → (`org.elasticsearch`, `server`, `8.14.3`).
fn ivy(s: &str) -> Option<(&str, &str, &str)> {
    let (org, rest) = s.split_once('#')?;
    let (module, rev) = rest.split_once(';').unwrap_or((rest, ""));
    (is_identifier(org) && is_identifier(module)).then_some((org, module, rev))
}

/// Artifacts whose manifests are known to name no group or the wrong one (osv-scalibr's table).
const KNOWN_GROUPS: &[(&str, &str)] = &[
    ("spring-web", "org.springframework"),
    ("spring-webflux", "org.springframework"),
    ("spring-webmvc", "org.springframework"),
    ("spring-webmvc-portlet", "org.springframework"),
    ("spring-webmvc-struts", "org.springframework"),
    ("spring-websocket", "org.springframework"),
    ("axis", "org.apache.axis"),
    ("org.apache.tomcat-catalina", "org.apache.tomcat"),
    ("org.apache.tomcat-catalina-ha", "org.apache.tomcat"),
];

/// Manifest `Name` values (per-entry section paths) known to identify an artifact.
const KNOWN_NAMES: &[(&str, &str)] = &[("org/apache/axis", "axis")];

/// What a manifest says: `(value, evidence)` for artifact, version and group.
#[derive(Debug, Default)]
struct ManifestId {
    artifact: Option<(String, String)>,
    version: Option<(String, String)>,
    group: Option<(String, String)>,
}

fn manifest_id(sections: &[Vec<(String, String)>]) -> ManifestId {
    let mut id = ManifestId::default();
    let ev = |k: &str| format!("manifest:{k}");
    // Artifact.
    if attr(sections, "Created-By") == Some("Apache Maven Bundle Plugin")
        && let Some(bsn) = attr(sections, "Bundle-SymbolicName")
    {
        let bsn = bsn.split(';').next().unwrap_or("").trim();
        if let Some(last) = bsn.rsplit('.').next().filter(|l| is_identifier(l)) {
            id.artifact = Some((last.to_string(), ev("Bundle-SymbolicName")));
        }
    }
    if id.artifact.is_none()
        && let Some(name) = attr(sections, "Name")
        && let Some((_, a)) = KNOWN_NAMES.iter().find(|(n, _)| *n == name)
    {
        id.artifact = Some(((*a).to_string(), ev("Name")));
    }
    for k in [
        "Name",
        "Implementation-Title",
        "Specification-Title",
        "Bundle-Name",
        "Short-Name",
        "Extension-Name",
        "Automatic-Module-Name",
    ] {
        if id.artifact.is_some() {
            break;
        }
        let Some(v) = attr(sections, k) else { continue };
        if is_identifier(v) {
            id.artifact = Some((v.to_string(), ev(k)));
        } else if let Some((org, module, rev)) = ivy(v) {
            id.artifact = Some((module.to_string(), ev(k)));
            id.group.get_or_insert((org.to_string(), ev(k)));
            if !rev.is_empty() {
                id.version.get_or_insert((rev.to_string(), ev(k)));
            }
        }
    }
    // Version: the first word ("1.4 1855 April 22 2006" → "1.4").
    for k in ["Implementation-Version", "Specification-Version", "Plugin-Version", "Bundle-Version"] {
        if id.version.is_some() {
            break;
        }
        if let Some(v) = attr(sections, k).and_then(|v| v.split_whitespace().next())
            && !v.starts_with(['$', '%'])
        {
            id.version = Some((v.to_string(), ev(k)));
        }
    }
    // Group.
    for k in [
        "Bundle-SymbolicName",
        "Extension-Name",
        "Implementation-Vendor-Id",
        "Implementation-Title",
        "Automatic-Module-Name",
        "Bundle-Activator",
        "Main-Class",
    ] {
        if id.group.is_some() {
            break;
        }
        let Some(v) = attr(sections, k) else { continue };
        let v = v.split(';').next().unwrap_or("").trim();
        let v = match k {
            "Implementation-Title" => ivy(v).map_or(v, |(org, _, _)| org),
            // Class names: the package is the group.
            "Bundle-Activator" | "Main-Class" => v.rsplit_once('.').map_or("", |(pkg, _)| pkg),
            _ => v,
        };
        if is_identifier(v) && (k != "Implementation-Title" || v.contains('.')) {
            id.group = Some((v.to_ascii_lowercase(), ev(k)));
        }
    }
    id
}

/// `commons-text-1.9.jar` → (`commons-text`, `1.9`); `guava-r06.jar` → (`guava`, `r06`);
/// `pkg-maven.4.3.2.jar` → (`pkg-maven`, `4.3.2`). `None` without a version. The name is cut at the
/// first `-` followed by a version (a digit, `build<digit>`, `r<digit>` / `rc<digit>`), else at the
/// first `_` or `.` followed by one.
pub fn java_file_name(path: &str) -> Option<(String, String)> {
    let file = path.rsplit(['/', ':']).next()?;
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let is_version = |v: &str| {
        let b = v.as_bytes();
        let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        if digit_at(0) {
            return true;
        }
        if v.starts_with("build") && digit_at(5) {
            return true;
        }
        // r06, rc1, rc1-x; not "release" or "rc1a".
        let after_r = if v.starts_with("rc") {
            2
        } else if v.starts_with('r') {
            1
        } else {
            return false;
        };
        let digits = b.get(after_r..).unwrap_or(&[]).iter().take_while(|c| c.is_ascii_digit()).count();
        digits > 0 && !b.get(after_r + digits).is_some_and(u8::is_ascii_alphabetic)
    };
    let split = |i: usize| -> Option<(String, String)> {
        let (name, version) = (stem.get(..i)?, stem.get(i + 1..)?);
        (!name.is_empty() && is_version(version)).then(|| (name.to_string(), version.to_string()))
    };
    stem.match_indices('-')
        .find_map(|(i, _)| split(i))
        .or_else(|| ['_', '.'].iter().find_map(|sep| stem.find(*sep).and_then(split)))
}

/// What one archive (not its nested ones) reveals.
fn identify(
    poms: Vec<(String, String, String, &'static str)>,
    manifest: Option<&[Vec<(String, String)>]>,
    file_name: &str,
) -> Option<Vec<JavaPackage>> {
    let pkg = |group: String,
               artifact: String,
               version: String,
               evidence: String,
               group_evidence: Option<String>| {
        JavaPackage { group, artifact, version, evidence, group_evidence, member: None }
    };
    if !poms.is_empty() {
        return Some(poms.into_iter().map(|(g, a, v, ev)| pkg(g, a, v, ev.into(), None)).collect());
    }
    let m = manifest.map(manifest_id).unwrap_or_default();
    let known =
        |artifact: &str| KNOWN_GROUPS.iter().find(|(a, _)| *a == artifact).map(|(_, g)| (*g).to_string());
    if let Some((artifact, version)) = java_file_name(file_name) {
        let (group, group_ev) = if let Some(g) = known(&artifact) {
            (g, "known-artifact".to_string())
        } else if let Some((g, ev)) = m.group {
            (g, ev)
        } else if let Some((g, _)) = artifact.rsplit_once('.') {
            (g.to_ascii_lowercase(), "filename".to_string())
        } else {
            (artifact.clone(), "artifact".to_string())
        };
        return Some(vec![pkg(group, artifact, version, "filename".into(), Some(group_ev))]);
    }
    let ((artifact, a_ev), (version, _)) = (m.artifact?, m.version?);
    let (group, group_ev) = match known(&artifact) {
        Some(g) => (g, "known-artifact".to_string()),
        None => m.group?,
    };
    Some(vec![pkg(group, artifact, version, a_ev, Some(group_ev))])
}

/// Something in an archive that was not read or not understood: why (a bound hit, or a file not
/// analysed) and what.
pub type JavaProblem = (WarningKind, String);

/// Reads the Java packages of an archive held in memory; returns them with the problems met
/// (unreadable entries, archives nested too deep, exhausted budget, unidentified archives).
/// `file_name` drives the file-name evidence. Fuzz entry point.
pub fn parse_jar(
    bytes: &[u8],
    file_name: &str,
) -> Result<(Vec<JavaPackage>, Vec<JavaProblem>), AnalyzerError> {
    let mut budget = INFLATE_BUDGET;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    parse_archive(bytes, file_name, None, 0, &mut budget, &mut out, &mut problems)?;
    Ok((out, problems))
}

fn parse_archive(
    bytes: &[u8],
    file_name: &str,
    member: Option<&str>,
    depth: u8,
    budget: &mut u64,
    out: &mut Vec<JavaPackage>,
    problems: &mut Vec<JavaProblem>,
) -> Result<(), AnalyzerError> {
    let mut zip =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| AnalyzerError::parse(format!("zip: {e}")))?;
    let here = |msg: String| match member {
        Some(m) => (WarningKind::FileNotAnalyzed, format!("{m}: {msg}")),
        None => (WarningKind::FileNotAnalyzed, msg),
    };
    let here_err = |(kind, msg): JavaProblem| match member {
        Some(m) => (kind, format!("{m}: {msg}")),
        None => (kind, msg),
    };
    let mut manifest_idx = None;
    let mut pom_idx = Vec::new();
    let mut pom_xml_idx = Vec::new();
    let mut nested = Vec::new();
    let mut skipped_nested = 0usize;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_data(i) else {
            problems.push(here(format!("zip entry {i} unreadable")));
            continue;
        };
        let Ok(name) = entry.name() else {
            problems.push(here(format!("zip entry {i} has an unreadable name")));
            continue;
        };
        let name: &str = &name;
        if name == "pom.properties" || name.ends_with("/pom.properties") {
            pom_idx.push(i);
        } else if let Some(ga) = maven_dir_coordinates(name, "pom.xml") {
            pom_xml_idx.push((i, ga));
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            manifest_idx = Some(i);
        } else if is_archive_name(name) && !name.ends_with('/') {
            if nested.len() < MAX_NESTED_ARCHIVES {
                nested.push((i, name.to_string()));
            } else {
                skipped_nested += 1;
            }
        }
    }
    if skipped_nested > 0 {
        problems
            .push(here(format!("{skipped_nested} nested archives beyond {MAX_NESTED_ARCHIVES} not read")));
    }
    let mut poms: Vec<(String, String, String, &'static str)> = Vec::new();
    for i in pom_idx {
        match read_entry(&mut zip, i, SMALL_MAX, budget) {
            Ok(b) => match parse_pom_properties(&String::from_utf8_lossy(&b)) {
                Some((g, a, v)) => poms.push((g, a, v, "pom.properties")),
                None => problems.push(here("pom.properties lacks groupId, artifactId or version".into())),
            },
            Err(e) => problems.push(here_err(e)),
        }
    }
    let manifest = match manifest_idx.map(|i| read_entry(&mut zip, i, SMALL_MAX, budget)) {
        Some(Ok(b)) => Some(parse_manifest(&String::from_utf8_lossy(&b))),
        Some(Err(e)) => {
            problems.push(here_err(e));
            None
        }
        None => None,
    };
    // New Relic agent instrumentation modules (`Weave-Classes`) are part of the agent, not the
    // library they instrument (whose name and version they carry): not packages (as Syft).
    if manifest.as_deref().is_some_and(|m| attr(m, "Weave-Classes").is_some()) && poms.is_empty() {
        return Ok(());
    }
    // `META-INF/maven/<group>/<artifact>/pom.xml` without a `pom.properties`: the path names the
    // coordinates, the POM (or the manifest, or the file name) the version.
    if poms.is_empty() {
        for (i, (g, a)) in pom_xml_idx {
            let from_pom = match read_entry(&mut zip, i, SMALL_MAX, budget) {
                Ok(b) => pom_xml_version(&String::from_utf8_lossy(&b)),
                Err(e) => {
                    problems.push(here_err(e));
                    None
                }
            };
            let version = from_pom.or_else(|| {
                let m = manifest.as_deref().map(manifest_id).unwrap_or_default();
                m.version.map(|(v, _)| v).or_else(|| java_file_name(file_name).map(|(_, v)| v))
            });
            match version {
                Some(v) => poms.push((g, a, v, "pom.xml")),
                None => problems.push(here(format!("pom.xml of {g}:{a} names no version"))),
            }
        }
    }
    match identify(poms, manifest.as_deref(), file_name) {
        Some(pkgs) => out.extend(pkgs.into_iter().map(|mut p| {
            p.member = member.map(String::from);
            p
        })),
        // An archive without any coordinates (JDK modules and runtime jars, applications without
        // build metadata) was read completely but names no Maven artifact: a notice. A WAR/EAR that
        // only bundles others is named by them (its nested archives are read below): nothing to say.
        None if nested.is_empty() => problems.push((
            WarningKind::Notice,
            here("no Maven coordinates found (no pom.properties, no versioned file name, no usable MANIFEST.MF)".into()).1,
        )),
        None => {}
    }
    for (i, name) in nested {
        let chain = match member {
            Some(m) => format!("{m}!/{name}"),
            None => name.clone(),
        };
        if depth >= MAX_NESTING {
            problems.push((
                WarningKind::BudgetExceeded,
                format!("{chain}: nested deeper than {MAX_NESTING} archives, not read"),
            ));
            continue;
        }
        let inner = match read_entry(&mut zip, i, NESTED_MAX, budget) {
            Ok(b) => b,
            Err(e) => {
                problems.push(here_err(e));
                continue;
            }
        };
        if let Err(e) = parse_archive(&inner, &name, Some(&chain), depth + 1, budget, out, problems) {
            problems.push((WarningKind::FileNotAnalyzed, format!("{chain}: {e}")));
        }
    }
    Ok(())
}

/// Inflates entry `i` (at most `limit` bytes and what is left of `budget`).
fn read_entry(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limit: u64,
    budget: &mut u64,
) -> Result<Vec<u8>, JavaProblem> {
    let mut f = zip.by_index(i).map_err(|e| (WarningKind::FileNotAnalyzed, e.to_string()))?;
    let name = f.name().map(|n| n.to_string()).unwrap_or_default();
    if *budget == 0 {
        return Err((
            WarningKind::BudgetExceeded,
            format!("{name}: inflate budget of {INFLATE_BUDGET} bytes exhausted"),
        ));
    }
    let b = read_bounded(&mut f, limit.min(*budget)).map_err(|e| {
        let kind = if matches!(e, AnalyzerError::Limit(_)) {
            WarningKind::BudgetExceeded
        } else {
            WarningKind::FileNotAnalyzed
        };
        (kind, format!("{name}: {e}"))
    })?;
    *budget = budget.saturating_sub(b.len() as u64);
    Ok(b)
}

fn to_package(out: &Out<'_, '_>, j: &JavaPackage) -> Package {
    let name = format!("{}:{}", j.group, j.artifact);
    let mut p = out.package(&name, &j.version, ECOSYSTEM_MAVEN, None);
    p.purl = purl("maven", Some(&j.group), &j.artifact, Some(&j.version), &[]);
    p.properties.insert(PROP_JAVA_EVIDENCE.into(), j.evidence.clone());
    if let Some(g) = &j.group_evidence {
        p.properties.insert(PROP_JAVA_GROUP_EVIDENCE.into(), g.clone());
    }
    if let (Some(m), Some(l)) = (&j.member, p.locations.first_mut()) {
        l.member = Some(m.clone());
    }
    p
}

/// Reads Java archives.
#[derive(Debug, Default, Clone, Copy)]
pub struct JavaAnalyzer;

impl WholeFile for JavaAnalyzer {
    const NAME: &'static str = "java";
    const VERSION: u32 = 3;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        is_archive_name(meta.file_name())
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let (pkgs, problems) = parse_jar(bytes, out.meta.file_name())?;
        for j in &pkgs {
            let p = to_package(out, j);
            out.push(p);
        }
        for (kind, p) in problems {
            out.warn_kind(None, kind, p);
        }
        Ok(())
    }
}

whole_file_analyzer!(JavaAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};
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

    fn ids(p: &[JavaPackage]) -> Vec<(String, &str, &str)> {
        p.iter()
            .map(|p| (format!("{}:{}", p.group, p.artifact), p.version.as_str(), p.evidence.as_str()))
            .collect()
    }

    fn manifest_jar(manifest: &str) -> Vec<u8> {
        jar(&[("META-INF/MANIFEST.MF", manifest.as_bytes()), ("a/B.class", b"\xca\xfe\xba\xbe")], false)
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
        assert_eq!(
            f.packages[0].properties.get(PROP_JAVA_EVIDENCE).map(String::as_str),
            Some("pom.properties")
        );
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn extensions_any_case() {
        for n in [
            "a.jar", "A.JAR", "x.war", "x.ear", "x.hpi", "x.jpi", "x.jmod", "x.par", "x.sar", "x.nar",
            "x.lpkg", "x.kar", "x.Zap",
        ] {
            assert!(is_archive_name(n), "{n}");
        }
        for n in ["jar", ".jar", "x.zip", "x.rar", "x.jar.sha1"] {
            assert!(!is_archive_name(n), "{n}");
        }
    }

    #[test]
    fn file_names() {
        let cases = [
            ("commons-text-1.9.jar", Some(("commons-text", "1.9"))),
            ("pkg-maven.4.3.2.jar", Some(("pkg-maven", "4.3.2"))),
            ("pkg-maven_4.3.2.jar", Some(("pkg-maven", "4.3.2"))),
            ("pkg-extra-field-maven-4.3.2-rc1.ear", Some(("pkg-extra-field-maven", "4.3.2-rc1"))),
            (
                "/x/wagon-webdav-1.0.2-beta-2.2.3a-hudson.jar",
                Some(("wagon-webdav", "1.0.2-beta-2.2.3a-hudson")),
            ),
            (
                "/hudson.war:WEB-INF/lib/jtidy-4aug2000r7-dev-hudson-1.jar",
                Some(("jtidy", "4aug2000r7-dev-hudson-1")),
            ),
            ("trilead-ssh2-build212-hudson-5.jar", Some(("trilead-ssh2", "build212-hudson-5"))),
            ("guava-r06.jar", Some(("guava", "r06"))),
            ("spring-data-r2dbc-1.1.0.RELEASE.jar", Some(("spring-data-r2dbc", "1.1.0.RELEASE"))),
            ("jboss-saaj-api_1.4_spec-1.0.2.Final.jar", Some(("jboss-saaj-api_1.4_spec", "1.0.2.Final"))),
            ("org.eclipse.sisu.inject-0.3.5.jar", Some(("org.eclipse.sisu.inject", "0.3.5"))),
            ("liferay-package.lpkg", None),
            ("no_pom_properties.jar", None),
            ("release-notes.jar", None),
        ];
        for (f, want) in cases {
            let got = java_file_name(f);
            assert_eq!(got.as_ref().map(|(a, b)| (a.as_str(), b.as_str())), want, "{f}");
        }
    }

    #[test]
    fn manifest_inference() {
        // Bundle plugin: artifact from the symbolic name's last segment.
        let (p, w) = parse_jar(
            &manifest_jar("Manifest-Version: 1.0\nBundle-ManifestVersion: 2\nBundle-SymbolicName: com.google.guava.failureaccess\nBundle-Version: 1.0.1\nCreated-By: Apache Maven Bundle Plugin\n"),
            "temp.jar",
        )
        .unwrap();
        assert_eq!(
            ids(&p),
            [(
                "com.google.guava.failureaccess:failureaccess".into(),
                "1.0.1",
                "manifest:Bundle-SymbolicName"
            )]
        );
        assert!(w.is_empty());
        // Placeholders and prose are never names.
        let (p, _) = parse_jar(
            &manifest_jar("Manifest-Version: 1.0\nImplementation-Version: 1.2.3\nName: ${wrong_name}\nImplementation-Title: %pluginName\nSpecification-Title: no spaces allowed in artifact id\nBundle-Name: correct.name\nBundle-SymbolicName: no spaces allowed in group id\nExtension-Name: test.group\n"),
            "temp.jar",
        )
        .unwrap();
        assert_eq!(ids(&p), [("test.group:correct.name".into(), "1.2.3", "manifest:Bundle-Name")]);
        // Known group table; Automatic-Module-Name does not beat Implementation-Title.
        let (p, _) = parse_jar(
            &manifest_jar("Manifest-Version: 1.0\nImplementation-Title: spring-web\nAutomatic-Module-Name: spring.web\nImplementation-Version: 5.3.26\n"),
            "temp.jar",
        )
        .unwrap();
        assert_eq!(
            ids(&p),
            [("org.springframework:spring-web".into(), "5.3.26", "manifest:Implementation-Title")]
        );
        // Per-entry section, version with trailing build text.
        let (p, _) = parse_jar(
            &manifest_jar("Manifest-Version: 1.0\nCreated-By: 1.4.2\n\nName: org/apache/axis\nImplementation-Title: Apache Axis\nImplementation-Version: 1.4 1855 April 22 2006\n"),
            "temp.jar",
        )
        .unwrap();
        assert_eq!(ids(&p), [("org.apache.axis:axis".into(), "1.4", "manifest:Name")]);
        // Ivy strings are read as organisation#module;revision.
        let (p, _) = parse_jar(
            &manifest_jar("Manifest-Version: 1.0\nImplementation-Title: org.elasticsearch#server;8.14.3\nImplementation-Version: 8.14.3\n"),
            "temp.jar",
        )
        .unwrap();
        assert_eq!(ids(&p), [("org.elasticsearch:server".into(), "8.14.3", "manifest:Implementation-Title")]);
    }

    #[test]
    fn file_name_wins_with_manifest_group() {
        let ivy = "Manifest-Version: 1.0\nImplementation-Title: org.apache.ivy\nImplementation-Version: 2.4.0\nBundle-SymbolicName: org.apache.ivy\nMain-Class: org.apache.ivy.Main\n";
        let (p, _) = parse_jar(&manifest_jar(ivy), "ivy-2.4.0.jar").unwrap();
        assert_eq!(ids(&p), [("org.apache.ivy:ivy".into(), "2.4.0", "filename")]);
        assert_eq!(p[0].group_evidence.as_deref(), Some("manifest:Bundle-SymbolicName"));
        // No manifest group: a dotted artifact names its group, else the artifact is its own group.
        let bare = jar(&[("a.class", b"\xca\xfe\xba\xbe")], false);
        let (p, _) = parse_jar(&bare, "org.eclipse.sisu.inject-0.3.5.jar").unwrap();
        assert_eq!(ids(&p), [("org.eclipse.sisu:org.eclipse.sisu.inject".into(), "0.3.5", "filename")]);
        let (p, _) = parse_jar(&bare, "commons-text-1.9.jar").unwrap();
        assert_eq!(ids(&p), [("commons-text:commons-text".into(), "1.9", "filename")]);
    }

    #[test]
    fn unidentified_and_invalid_pom_are_warnings() {
        let bare = jar(&[("a.class", b"\xca\xfe\xba\xbe")], false);
        let (p, w) = parse_jar(&bare, "no_pom_properties.jar").unwrap();
        assert!(p.is_empty());
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, WarningKind::Notice, "read completely: a notice, not an incomplete scan");
        let bad_pom = jar(&[("META-INF/maven/x/y/pom.properties", b"artifactId=y\nversion=1\n")], false);
        let (p, w) = parse_jar(&bad_pom, "pom_missing_group_id.jar").unwrap();
        assert!(p.is_empty());
        assert_eq!(w.len(), 2, "invalid pom.properties and nothing else: {w:?}");
        let (p, w) = parse_jar(&bad_pom, "pom_missing_group_id-2.4.0.jar").unwrap();
        assert_eq!(ids(&p), [("pom_missing_group_id:pom_missing_group_id".into(), "2.4.0", "filename")]);
        assert_eq!(w.len(), 1);
        assert!(parse_jar(b"not a zip", "x.jar").is_err());
    }

    #[test]
    fn nested_archives_ear_war_jar() {
        let lib = jar(
            &[(
                "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties",
                b"groupId=com.fasterxml.jackson.core\nartifactId=jackson-databind\nversion=2.9.10\n",
            )],
            false,
        );
        let shaded = jar(&[("lib/jackson-databind-2.9.10.jar", &lib)], true);
        let war = jar(&[("WEB-INF/lib/shaded-1.0.jar", &shaded)], true);
        let ear = jar(&[("app.war", &war), ("META-INF/application.xml", b"<application/>")], true);
        let m = EntryMeta::file("/srv/app.ear", ear.len() as u64, None);
        let mut f = Facts::default();
        JavaAnalyzer.analyze(&m, &mut ear.as_slice(), &mut f).unwrap();
        let jd = f.packages.iter().find(|p| p.name.ends_with("jackson-databind")).unwrap();
        assert_eq!(
            jd.locations[0].member.as_deref(),
            Some("app.war!/WEB-INF/lib/shaded-1.0.jar!/lib/jackson-databind-2.9.10.jar")
        );
        assert_eq!(jd.locations[0].path, "/srv/app.ear");
        let shaded_pkg = f.packages.iter().find(|p| p.name == "shaded:shaded").unwrap();
        assert_eq!(shaded_pkg.version, "1.0");
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    }

    #[test]
    fn nesting_is_bounded_with_a_warning() {
        let mut inner =
            jar(&[("META-INF/maven/g/a/pom.properties", b"groupId=g\nartifactId=a\nversion=1\n")], true);
        for _ in 0..(MAX_NESTING + 2) {
            inner = jar(&[("nested.jar", &inner)], true);
        }
        let (p, w) = parse_jar(&inner, "outer.jar").unwrap();
        assert!(p.iter().all(|p| p.artifact != "a"), "the deep package is not reached");
        assert!(
            w.iter().any(|(k, w)| *k == WarningKind::BudgetExceeded && w.contains("nested deeper than")),
            "{w:?}"
        );
        // Depth 10 is within reach.
        let mut inner =
            jar(&[("META-INF/maven/g/a/pom.properties", b"groupId=g\nartifactId=a\nversion=1\n")], true);
        for _ in 0..10 {
            inner = jar(&[("nested.jar", &inner)], true);
        }
        let (p, _) = parse_jar(&inner, "outer.jar").unwrap();
        assert!(p.iter().any(|p| p.artifact == "a"));
    }

    #[test]
    fn pom_xml_without_pom_properties() {
        let pom = "<project>\n  <!-- <version>0</version> -->\n  <parent>\n    <groupId>com.fasterxml.jackson</groupId>\n    <version>2.15.0</version>\n  </parent>\n  <groupId>com.fasterxml.jackson.core</groupId>\n  <artifactId>jackson-core</artifactId>\n  <version>2.15.2</version>\n  <dependencies><dependency><version>9</version></dependency></dependencies>\n</project>\n";
        assert_eq!(pom_xml_version(pom).as_deref(), Some("2.15.2"));
        assert_eq!(
            pom_xml_version(
                "<project><parent><version>3.1</version></parent><artifactId>x</artifactId></project>"
            )
            .as_deref(),
            Some("3.1")
        );
        assert_eq!(pom_xml_version("<project><version>${revision}</version></project>"), None);
        let j =
            jar(&[("META-INF/maven/com.fasterxml.jackson.core/jackson-core/pom.xml", pom.as_bytes())], false);
        let (p, w) = parse_jar(&j, "com.fasterxml.jackson.core.jackson-core-2.15.2.jar").unwrap();
        assert_eq!(ids(&p), [("com.fasterxml.jackson.core:jackson-core".into(), "2.15.2", "pom.xml")]);
        assert!(w.is_empty());
    }

    #[test]
    fn new_relic_instrumentation_modules_are_not_packages() {
        let m = "Manifest-Version: 1.0\nImplementation-Title: com.newrelic.instrumentation.spring-4.3.0\nImplementation-Version: 1.0\nWeave-Classes: org/springframework/web/bind/annotation/GetMapping\n";
        let (p, w) = parse_jar(&manifest_jar(m), "spring-instrumentation-4.3.0-1.0.jar").unwrap();
        assert!(p.is_empty() && w.is_empty());
    }

    #[test]
    fn jmod_with_header() {
        let mut jmod = b"JM\x01\x00".to_vec();
        jmod.extend(jar(
            &[("classes/META-INF/maven/g/a/pom.properties", b"groupId=g\nartifactId=a\nversion=3\n")],
            false,
        ));
        let (p, _) = parse_jar(&jmod, "java.base.jmod").unwrap();
        assert_eq!(ids(&p), [("g:a".into(), "3", "pom.properties")]);
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..512), s in "\\PC*") {
            let _ = parse_jar(&b, "x-1.0.jar");
            let _ = parse_pom_properties(&s);
            let _ = parse_manifest(&s);
            let _ = java_file_name(&s);
            let _ = ivy(&s);
        }
    }
}
