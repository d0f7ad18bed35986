//! Harbor's Pluggable Scanner API v1.2 (`goharbor/pluggable-scanner-spec`), mounted under `/harbor`.
//!
//! Harbor is registered with `http(s)://HOST/harbor` and appends `/api/v1/…`:
//!
//! * `GET /harbor/api/v1/metadata` — the scanner and its capabilities ([`metadata`]);
//! * `POST /harbor/api/v1/scan` — a [`ScanRequest`] (registry URL, robot credentials, artifact
//!   repository and digest) becomes an ordinary fleet job for `HOST/REPOSITORY@DIGEST` (credentials
//!   sealed with the server key exactly like `POST /api/v1/scans`); answers 202 with the job id;
//! * `GET /harbor/api/v1/scan/{id}/report` — 302 with `Refresh-After` while the job is queued or
//!   running, 500 when it failed, 200 with a Harbor vulnerability report ([`vulnerability_report`])
//!   or SBOM report once done.
//!
//! Harbor authenticates with `Authorization: Bearer TOKEN` configured at registration: a seawall
//! project token, so the jobs and results land in that project.
//!
//! Mapping decisions (documented in `docs/fleet.md`): seawall severities map one to one, `INFO` to
//! `Negligible` ([`harbor_severity`]). Secrets, model and misconfiguration findings have no Harbor
//! schema: they become vulnerability items with `SEAWALL-…` ids (the rule id with `SW-` replaced),
//! the file path as "package", the layer/line as "version", and the details in `vendor_attributes`,
//! so that Harbor's "prevent vulnerable images from running" policy stops an image carrying a live
//! credential or a malicious pickle too. An incomplete scan adds a `SEAWALL-INCOMPLETE` item of
//! severity `Unknown` naming every reason, so that a partial scan is never shown as clean.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use seawall_core::{Finding, FindingKind, Report, Severity};
use seawall_store::Credentials;

use crate::validate;

/// The OCI image manifest media type (consumed).
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The Docker image manifest v2 schema 2 media type (consumed).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Harbor's own vulnerability report type (same schema as 1.1).
pub const HARBOR_VULN_REPORT_1_0: &str =
    "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
/// The vulnerability report type Harbor ≥ 2.x asks for.
pub const VULN_REPORT_1_1: &str = "application/vnd.security.vulnerability.report; version=1.1";
/// The SBOM report type.
pub const SBOM_REPORT_1_0: &str = "application/vnd.security.sbom.report+json; version=1.0";
/// Media type of the metadata response, version 1.0.
pub const METADATA_1_0: &str = "application/vnd.scanner.adapter.metadata+json; version=1.0";
/// Media type of the metadata response, version 1.1.
pub const METADATA_1_1: &str = "application/vnd.scanner.adapter.metadata+json; version=1.1";
/// Media type of the scan-request body, version 1.0.
pub const SCAN_REQUEST_1_0: &str = "application/vnd.scanner.adapter.scan.request+json; version=1.0";
/// Media type of the scan-request body, version 1.1.
pub const SCAN_REQUEST_1_1: &str = "application/vnd.scanner.adapter.scan.request+json; version=1.1";
/// Media type of the 202 answer to a scan request.
pub const SCAN_RESPONSE_1_0: &str = "application/vnd.scanner.adapter.scan.response+json; version=1.0";
/// Media type of every error body.
pub const ERROR_1_0: &str = "application/vnd.scanner.adapter.error+json; version=1.0";
/// SBOM formats offered.
pub const SBOM_MEDIA_TYPES: [&str; 2] = ["application/spdx+json", "application/vnd.cyclonedx+json"];
/// Seconds Harbor is told to wait before polling a pending report again.
pub const REFRESH_AFTER_SECONDS: u32 = 3;

/// Whether two media types are the same (case-insensitive, whitespace around `;` and `=` ignored).
pub fn same_media_type(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        s.split(';')
            .map(|p| p.split('=').map(str::trim).collect::<Vec<_>>().join("="))
            .collect::<Vec<_>>()
            .join(";")
            .to_ascii_lowercase()
    }
    norm(a) == norm(b)
}

/// The scanner block of metadata and reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Scanner {
    /// `seawall`.
    pub name: String,
    /// `seawall`.
    pub vendor: String,
    /// The crate version.
    pub version: String,
}

impl Scanner {
    /// This build.
    pub fn this() -> Scanner {
        Scanner {
            name: "seawall".into(),
            vendor: "seawall".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// `GET /api/v1/metadata` body: the scanner, its two capabilities and properties. `db_version` is
/// the vulnerability-DB version of the most recently seen worker, if any.
pub fn metadata(db_version: Option<&str>) -> Value {
    let consumes = [OCI_MANIFEST, DOCKER_MANIFEST];
    let mut properties = serde_json::Map::new();
    properties.insert("harbor.scanner-adapter/scanner-type".into(), "os-package-vulnerability".into());
    properties.insert(
        "org.seawall/findings".into(),
        "vulnerabilities, secrets (SEAWALL-SEC-*), model files (SEAWALL-MODEL-*, SEAWALL-ML-*), \
         misconfigurations (SEAWALL-*); see vendor_attributes.kind"
            .into(),
    );
    if let Some(v) = db_version {
        properties.insert("org.seawall/vulnerability-database-version".into(), v.into());
    }
    serde_json::json!({
        "scanner": Scanner::this(),
        "capabilities": [
            {
                "type": "vulnerability",
                "consumes_mime_types": consumes,
                "produces_mime_types": [HARBOR_VULN_REPORT_1_0, VULN_REPORT_1_1],
            },
            {
                "type": "sbom",
                "consumes_mime_types": consumes,
                "produces_mime_types": [SBOM_REPORT_1_0],
                "additional_attributes": { "sbom_media_types": SBOM_MEDIA_TYPES },
            }
        ],
        "properties": properties,
    })
}

// ---- scan requests ----

/// A Harbor scan request as sent (the spec's `ScanRequest`); unknown fields are ignored.
#[derive(Debug, Deserialize)]
pub struct ScanRequest {
    /// Where to pull from.
    pub registry: Option<RegistryWire>,
    /// What to pull.
    pub artifact: Option<ArtifactWire>,
    /// Capabilities Harbor wants (all when absent).
    #[serde(default)]
    pub enabled_capabilities: Option<Vec<CapabilityWire>>,
}

/// The spec's `Registry`.
#[derive(Debug, Deserialize)]
pub struct RegistryWire {
    /// Base URL of the registry's v2 API.
    pub url: Option<String>,
    /// `Basic BASE64(user:password)` of a robot account, if any.
    pub authorization: Option<String>,
}

/// The spec's `Artifact`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ArtifactWire {
    /// Repository (`library/mongo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Manifest digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Tag, informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Manifest media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// One item of `enabled_capabilities`.
#[derive(Debug, Deserialize)]
pub struct CapabilityWire {
    /// `vulnerability` or `sbom`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Report types wanted.
    #[serde(default)]
    pub produces_mime_types: Option<Vec<String>>,
    /// SBOM parameters (`sbom_media_types`), may be null.
    #[serde(default)]
    pub parameters: Option<SbomParameters>,
}

/// The spec's `SbomParameters`.
#[derive(Debug, Deserialize)]
pub struct SbomParameters {
    /// Wanted SBOM formats.
    #[serde(default)]
    pub sbom_media_types: Option<Vec<String>>,
}

/// Why a Harbor scan request is refused; each maps to the status the spec names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not JSON, or JSON values of the wrong type (400).
    #[error("invalid scan request: {0}")]
    Malformed(String),
    /// A field with an invalid value (422).
    #[error("invalid field {field}: {reason}")]
    Invalid {
        /// The JSON path of the field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A valid request this scanner cannot serve (501).
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// A validated Harbor scan request, ready to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarborScan {
    /// `HOST[:PORT]/REPOSITORY@DIGEST`.
    pub reference: String,
    /// Digest of the artifact.
    pub digest: String,
    /// Plain HTTP (an `http://` registry URL; the worker allows it for loopback registries only).
    pub insecure: bool,
    /// Robot credentials from `registry.authorization`.
    pub credentials: Option<CredentialsPair>,
}

/// Credentials decoded from `Basic …` (kept apart from [`Credentials`] for equality in tests).
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialsPair {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for CredentialsPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsPair").field("username", &self.username).field("password", &"…").finish()
    }
}

impl From<CredentialsPair> for Credentials {
    fn from(c: CredentialsPair) -> Credentials {
        Credentials { username: c.username, password: c.password }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> RequestError {
    RequestError::Invalid { field, reason: reason.into() }
}

/// `host[:port]` and whether plain HTTP, from Harbor's `registry.url`.
pub fn parse_registry_url(url: &str) -> Result<(String, bool), RequestError> {
    const F: &str = "registry.url";
    if url.len() > 512 {
        return Err(invalid(F, "longer than 512 bytes"));
    }
    let (insecure, rest) = match url.split_once("://") {
        Some((s, r)) if s.eq_ignore_ascii_case("https") => (false, r),
        Some((s, r)) if s.eq_ignore_ascii_case("http") => (true, r),
        _ => return Err(invalid(F, "an http:// or https:// URL of the registry")),
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() {
        return Err(invalid(F, "no host"));
    }
    if let Some(c) = host.chars().find(|c| "/?#@\\".contains(*c) || c.is_whitespace() || c.is_control()) {
        return Err(invalid(F, format!("only scheme://host[:port] is supported (found {c:?})")));
    }
    if let Some((h, port)) = host.rsplit_once(':')
        && !h.starts_with('[')
        && (h.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5)
    {
        return Err(invalid(F, "invalid port"));
    }
    Ok((host.to_ascii_lowercase(), insecure))
}

/// Decodes `registry.authorization`.
pub fn parse_authorization(value: &str) -> Result<Option<CredentialsPair>, RequestError> {
    const F: &str = "registry.authorization";
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 8192 {
        return Err(invalid(F, "longer than 8192 bytes"));
    }
    let Some((scheme, rest)) = v.split_once(' ') else {
        return Err(invalid(F, "expected `Basic BASE64(user:password)`"));
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid(
            F,
            format!(
                "scheme {:?} is not supported: configure Harbor to send robot-account credentials \
                 (`Basic BASE64(user:password)`)",
                scheme.chars().take(20).collect::<String>()
            ),
        ));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| invalid(F, "the Basic credentials are not base64"))?;
    let text = String::from_utf8(raw).map_err(|_| invalid(F, "the Basic credentials are not UTF-8"))?;
    let Some((user, password)) = text.split_once(':') else {
        return Err(invalid(F, "the Basic credentials have no `:` between user and password"));
    };
    if user.is_empty() {
        return Err(invalid(F, "empty user name"));
    }
    Ok(Some(CredentialsPair { username: user.to_string(), password: password.to_string() }))
}

/// Parses and validates a Harbor scan request body; `allowed` is the server's `--allow-registry`.
pub fn parse_scan_request(body: &[u8], allowed: &[String]) -> Result<HarborScan, RequestError> {
    let req: ScanRequest =
        serde_json::from_slice(body).map_err(|e| RequestError::Malformed(e.to_string()))?;
    let registry = req.registry.ok_or_else(|| invalid("registry", "required"))?;
    let artifact = req.artifact.ok_or_else(|| invalid("artifact", "required"))?;
    let url = registry.url.ok_or_else(|| invalid("registry.url", "required"))?;
    let (host, insecure) = parse_registry_url(&url)?;
    let credentials = match registry.authorization.as_deref() {
        Some(a) => parse_authorization(a)?,
        None => None,
    };
    let repository = artifact.repository.ok_or_else(|| invalid("artifact.repository", "required"))?;
    let digest = artifact.digest.ok_or_else(|| invalid("artifact.digest", "required"))?;
    if !digest.starts_with("sha256:") && !digest.starts_with("sha512:") {
        return Err(invalid("artifact.digest", "expected sha256:<64 hex> or sha512:<128 hex>"));
    }
    validate::validate_digest(&digest).map_err(|e| invalid("artifact.digest", e))?;
    if repository.is_empty() || repository.len() > 256 {
        return Err(invalid("artifact.repository", "1 to 256 bytes"));
    }
    if !repository.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b)) {
        return Err(invalid("artifact.repository", "lower-case letters, digits, `._-/` only"));
    }
    if let Some(m) = &artifact.mime_type
        && !m.is_empty()
        && !same_media_type(m, OCI_MANIFEST)
        && !same_media_type(m, DOCKER_MANIFEST)
    {
        return Err(RequestError::Unsupported(format!(
            "artifact.mime_type {:?}: seawall scans image manifests ({OCI_MANIFEST}, {DOCKER_MANIFEST})",
            m.chars().take(100).collect::<String>()
        )));
    }
    for cap in req.enabled_capabilities.iter().flatten() {
        let offered: &[&str] = match cap.kind.as_str() {
            "vulnerability" => &[HARBOR_VULN_REPORT_1_0, VULN_REPORT_1_1],
            "sbom" => &[SBOM_REPORT_1_0],
            other => {
                return Err(invalid(
                    "enabled_capabilities.type",
                    format!("{:?}: vulnerability or sbom", other.chars().take(40).collect::<String>()),
                ));
            }
        };
        for m in cap.produces_mime_types.iter().flatten() {
            if !offered.iter().any(|o| same_media_type(o, m)) {
                return Err(RequestError::Unsupported(format!(
                    "{} report type {:?} is not produced (produced: {})",
                    cap.kind,
                    m.chars().take(100).collect::<String>(),
                    offered.join(", ")
                )));
            }
        }
        let sbom_types = cap.parameters.as_ref().and_then(|p| p.sbom_media_types.as_ref());
        for t in sbom_types.into_iter().flatten() {
            if !SBOM_MEDIA_TYPES.contains(&t.as_str()) {
                return Err(invalid(
                    "enabled_capabilities.parameters.sbom_media_types",
                    format!(
                        "{:?}: application/spdx+json or application/vnd.cyclonedx+json",
                        t.chars().take(60).collect::<String>()
                    ),
                ));
            }
        }
    }
    let reference = format!("{}/{repository}@{digest}", host_for_reference(&host, insecure));
    let valid = validate::validate_reference(&reference, allowed).map_err(|e| invalid("registry.url", e))?;
    Ok(HarborScan { reference: valid.reference, digest, insecure, credentials })
}

/// A registry host as the first component of a reference: a bare name without a dot or port
/// (`harbor-core`) would be read as a Docker Hub namespace, so it gets the scheme's port.
fn host_for_reference(host: &str, insecure: bool) -> String {
    if host.contains('.') || host.contains(':') || host == "localhost" {
        host.to_string()
    } else {
        format!("{host}:{}", if insecure { 80 } else { 443 })
    }
}

/// The repository of a `HOST/REPOSITORY@DIGEST` (or `:TAG`) reference.
pub fn repository_of(reference: &str) -> String {
    let no_digest = reference.split_once('@').map_or(reference, |(r, _)| r);
    let path = no_digest.split_once('/').map_or(no_digest, |(_, p)| p);
    match path.rsplit_once(':') {
        Some((p, tag)) if !tag.contains('/') => p.to_string(),
        _ => path.to_string(),
    }
}

// ---- reports ----

/// What a report request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// A vulnerability report with this media type.
    Vulnerability(&'static str),
    /// An SBOM report in this format (`application/spdx+json` or `application/vnd.cyclonedx+json`).
    Sbom(&'static str),
}

/// Why a report request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// 400: the SBOM format is missing or unknown.
    #[error("{0}")]
    BadRequest(String),
    /// 501: a report type this scanner does not produce.
    #[error("{0}")]
    NotProduced(String),
}

/// Chooses the report from the `Accept` header and the `sbom_media_type` query parameter. No
/// `Accept` (or `*/*`) means the 1.1 vulnerability report.
pub fn negotiate(accept: Option<&str>, sbom_media_type: Option<&str>) -> Result<Wanted, AcceptError> {
    let candidates: Vec<&str> = match accept {
        None => vec![],
        Some(a) => a.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
    };
    if candidates.is_empty() || candidates.iter().any(|c| c.split(';').next().map(str::trim) == Some("*/*")) {
        return Ok(Wanted::Vulnerability(VULN_REPORT_1_1));
    }
    for c in &candidates {
        if same_media_type(c, VULN_REPORT_1_1) {
            return Ok(Wanted::Vulnerability(VULN_REPORT_1_1));
        }
        if same_media_type(c, HARBOR_VULN_REPORT_1_0) {
            return Ok(Wanted::Vulnerability(HARBOR_VULN_REPORT_1_0));
        }
        if same_media_type(c, SBOM_REPORT_1_0) {
            return match sbom_media_type {
                Some(t) => SBOM_MEDIA_TYPES.iter().find(|m| **m == t).map(|m| Wanted::Sbom(m)).ok_or_else(|| {
                    AcceptError::BadRequest(format!(
                        "sbom_media_type {:?}: application/spdx+json or application/vnd.cyclonedx+json",
                        t.chars().take(60).collect::<String>()
                    ))
                }),
                None => Err(AcceptError::BadRequest(
                    "an SBOM report needs ?sbom_media_type=application/spdx+json or application/vnd.cyclonedx+json"
                        .into(),
                )),
            };
        }
    }
    Err(AcceptError::NotProduced(format!(
        "report type {:?} is not produced: {VULN_REPORT_1_1}, {HARBOR_VULN_REPORT_1_0} or {SBOM_REPORT_1_0}",
        accept.unwrap_or("").chars().take(120).collect::<String>()
    )))
}

/// Harbor's severity for a seawall severity: one to one, `INFO` → `Negligible`.
pub fn harbor_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Negligible",
    }
}

/// Harbor's severities from lowest to highest (`Unknown` below `Negligible`, as Harbor orders them).
pub const HARBOR_SEVERITIES: [&str; 6] = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"];

fn rank(s: &str) -> usize {
    HARBOR_SEVERITIES.iter().position(|x| *x == s).unwrap_or(0)
}

/// The Harbor id of a finding: advisories keep their id, or their CVE alias when the id is not a
/// CVE (Harbor's CVE allowlists work on CVE ids); rule findings get `SEAWALL-` + the rule id
/// without its `SW-` prefix.
pub fn harbor_id(f: &Finding) -> String {
    match f.kind {
        FindingKind::Vulnerability => {
            if f.id.starts_with("CVE-") {
                f.id.clone()
            } else {
                f.aliases.iter().find(|a| a.starts_with("CVE-")).cloned().unwrap_or_else(|| f.id.clone())
            }
        }
        _ => format!("SEAWALL-{}", f.id.strip_prefix("SW-").unwrap_or(&f.id)),
    }
}

fn links(f: &Finding) -> Vec<String> {
    let mut out: Vec<String> = f
        .references
        .iter()
        .filter(|u| {
            (u.starts_with("https://") || u.starts_with("http://"))
                && !u.chars().any(|c| c.is_whitespace() || c.is_control())
        })
        .cloned()
        .collect();
    if f.kind == FindingKind::Vulnerability
        && out.is_empty()
        && validate::identifier("id", &f.id, 128).is_ok()
    {
        let id: String = f.id.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.:".contains(*c)).collect();
        out.push(format!("https://osv.dev/vulnerability/{id}"));
    }
    out
}

fn location_text(f: &Finding) -> (String, String) {
    let l = &f.location;
    let mut package = if l.path.is_empty() { "(image)".to_string() } else { l.path.clone() };
    if let Some(m) = &l.member {
        package.push('!');
        package.push_str(m);
    }
    let mut version = Vec::new();
    if let Some(layer) = l.layer {
        version.push(format!("layer {layer}"));
    }
    if let Some(line) = l.line {
        version.push(format!("line {line}"));
    }
    (package, version.join(" "))
}

/// One finding as a Harbor vulnerability item.
pub fn item(f: &Finding) -> Value {
    let mut vendor = serde_json::Map::new();
    vendor.insert("kind".into(), f.kind.as_str().into());
    vendor.insert("seawall_id".into(), f.id.clone().into());
    vendor.insert("practice".into(), f.practice.into());
    vendor.insert("seawall_severity".into(), f.severity.as_str().into());
    if !f.fingerprint.is_empty() {
        vendor.insert("fingerprint".into(), f.fingerprint.clone().into());
    }
    if !f.location.path.is_empty() {
        vendor.insert("path".into(), f.location.path.clone().into());
    }
    if let Some(layer) = f.location.layer {
        vendor.insert("layer".into(), layer.into());
    }
    if let Some(line) = f.location.line {
        vendor.insert("line".into(), line.into());
    }
    if let Some(m) = &f.location.member {
        vendor.insert("member".into(), m.clone().into());
    }
    let description =
        if f.message.is_empty() { f.title.clone() } else { format!("{}: {}", f.title, f.message) };
    let mut item = serde_json::Map::new();
    item.insert("id".into(), harbor_id(f).into());
    match (&f.kind, &f.package) {
        (FindingKind::Vulnerability, Some(p)) => {
            item.insert("package".into(), p.name.clone().into());
            item.insert("version".into(), p.version.clone().into());
            if !f.fixed_versions.is_empty() {
                item.insert("fix_version".into(), f.fixed_versions.join(", ").into());
            }
            vendor.insert("ecosystem".into(), p.ecosystem.clone().into());
        }
        _ => {
            let (package, version) = location_text(f);
            item.insert("package".into(), package.into());
            item.insert("version".into(), version.into());
        }
    }
    if !f.aliases.is_empty() {
        vendor.insert("aliases".into(), f.aliases.clone().into());
    }
    if let Some(s) = f.status {
        vendor.insert("fix_status".into(), s.as_str().into());
    }
    if let Some(r) = &f.redacted {
        vendor.insert("redacted".into(), r.clone().into());
    }
    if let Some(layer) = f.deleted_in_layer {
        vendor.insert("deleted_in_layer".into(), layer.into());
    }
    if !f.callables.is_empty() {
        vendor.insert("callables".into(), f.callables.clone().into());
    }
    if let Some(fmt) = &f.format {
        vendor.insert("format".into(), fmt.clone().into());
    }
    item.insert("severity".into(), harbor_severity(f.severity).into());
    item.insert("description".into(), description.into());
    item.insert("links".into(), links(f).into());
    let mut cvss = serde_json::Map::new();
    // The highest 3.x score is Harbor's preferred one; a 4.0 vector goes to vendor_attributes.
    if let Some(c) = f
        .cvss
        .iter()
        .filter(|c| c.version.starts_with('3') && c.score.is_finite())
        .max_by(|a, b| a.score.total_cmp(&b.score))
    {
        cvss.insert("score_v3".into(), c.score.into());
        cvss.insert("vector_v3".into(), c.vector.clone().into());
    }
    if !cvss.is_empty() {
        item.insert("preferred_cvss".into(), cvss.into());
    }
    let v4: Vec<Value> = f
        .cvss
        .iter()
        .filter(|c| c.version.starts_with('4') && c.score.is_finite())
        .map(|c| serde_json::json!({"score": c.score, "vector": c.vector}))
        .collect();
    if !v4.is_empty() {
        vendor.insert("cvss_v4".into(), v4.into());
    }
    item.insert("vendor_attributes".into(), vendor.into());
    Value::Object(item)
}

/// The `SEAWALL-INCOMPLETE` item of an incomplete scan (severity `Unknown`), or `None`.
pub fn incomplete_item(report: &Report) -> Option<Value> {
    let c = &report.completeness;
    if c.is_complete() {
        return None;
    }
    let reasons: Vec<Value> = c
        .reasons
        .iter()
        .map(|r| serde_json::json!({"kind": r.kind.as_str(), "count": r.count, "example": r.example}))
        .collect();
    Some(serde_json::json!({
        "id": "SEAWALL-INCOMPLETE",
        "package": "(scan)",
        "version": "",
        "severity": "Unknown",
        "description": format!("the scan could not read or analyse everything, so absent findings do not mean clean: {}", c.summary()),
        "links": [],
        "vendor_attributes": {"kind": "completeness", "reasons": reasons},
    }))
}

/// The Harbor vulnerability report of a seawall report: every active finding (suppressed ones are
/// left out, as in every seawall output) as an item, the incomplete-scan item when incomplete, and
/// the highest item severity (`Unknown` when there is none, as Harbor's Trivy adapter does).
pub fn vulnerability_report(report: &Report, artifact: &ArtifactWire, generated_at: &str) -> Value {
    let mut items: Vec<Value> = report.findings.iter().map(item).collect();
    items.extend(incomplete_item(report));
    let severity = items
        .iter()
        .filter_map(|i| i["severity"].as_str())
        .max_by_key(|s| rank(s))
        .unwrap_or("Unknown")
        .to_string();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        *counts.entry(f.kind.as_str()).or_default() += 1;
    }
    serde_json::json!({
        "generated_at": generated_at,
        "artifact": artifact,
        "scanner": Scanner::this(),
        "severity": severity,
        "vulnerabilities": items,
        "vendor_attributes": {
            "completeness": report.completeness.status,
            "findings_by_kind": counts,
            "packages": report.packages.len(),
        },
    })
}

/// The Harbor SBOM report wrapping a rendered SBOM document.
pub fn sbom_report(artifact: &ArtifactWire, generated_at: &str, media_type: &str, sbom: Value) -> Value {
    serde_json::json!({
        "generated_at": generated_at,
        "artifact": artifact,
        "scanner": Scanner::this(),
        "media_type": media_type,
        "sbom": sbom,
        "vendor_attributes": {},
    })
}

/// The error body of the spec: `{"error": {"message": …}}`.
pub fn error_body(message: &str) -> Value {
    serde_json::json!({"error": {"message": message}})
}

/// Every Harbor parser on arbitrary input (fuzz target `fleet_harbor`); none may panic.
pub fn fuzz_harbor(data: &[u8]) {
    let _ = parse_scan_request(data, &[]);
    let _ = parse_scan_request(data, &["127.0.0.1:5000".to_string()]);
    let s = String::from_utf8_lossy(data);
    let _ = parse_registry_url(&s);
    let _ = parse_authorization(&s);
    let _ = negotiate(Some(&s), Some(&s));
    let _ = negotiate(Some(&s), None);
    let _ = repository_of(&s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::{Cvss, Location, PackageRef, Target, TargetKind};

    fn digest() -> String {
        format!("sha256:{}", "ab".repeat(32))
    }

    fn request(url: &str, auth: Option<&str>, repo: &str, extra: &str) -> Vec<u8> {
        let auth = auth.map(|a| format!(", \"authorization\": {a:?}")).unwrap_or_default();
        format!(
            r#"{{"registry": {{"url": {url:?}{auth}}}, "artifact": {{"repository": {repo:?}, "digest": "{}", "tag": "v1",
               "mime_type": "application/vnd.docker.distribution.manifest.v2+json"}}{extra}}}"#,
            digest()
        )
        .into_bytes()
    }

    #[test]
    fn a_harbor_request_becomes_a_digest_pinned_job_with_robot_credentials() {
        let basic =
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("robot$scan:s3cr:et"));
        let body = request("https://core.harbor.domain", Some(&basic), "library/mongo", "");
        let s = parse_scan_request(&body, &[]).unwrap();
        assert_eq!(s.reference, format!("core.harbor.domain/library/mongo@{}", digest()));
        assert!(!s.insecure);
        let c = s.credentials.unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("robot$scan", "s3cr:et"));
        // Plain HTTP on loopback, with a port; no credentials.
        let s = parse_scan_request(&request("http://127.0.0.1:5000/", None, "a/b", ""), &[]).unwrap();
        assert_eq!(s.reference, format!("127.0.0.1:5000/a/b@{}", digest()));
        assert!(s.insecure && s.credentials.is_none());
        // A bare host name is not mistaken for a Docker Hub namespace.
        let s = parse_scan_request(&request("http://harbor-core", None, "lib/x", ""), &[]).unwrap();
        assert_eq!(s.reference, format!("harbor-core:80/lib/x@{}", digest()));
        // The 1.2 capability list is understood.
        let caps = r#", "enabled_capabilities": [{"type": "vulnerability", "produces_mime_types": ["application/vnd.security.vulnerability.report; version=1.1"]},
            {"type": "sbom", "parameters": {"sbom_media_types": ["application/spdx+json"]}}, {"type": "sbom", "parameters": null}]"#;
        assert!(parse_scan_request(&request("https://h.example", None, "a", caps), &[]).is_ok());
    }

    #[test]
    fn invalid_requests_name_the_field_and_the_spec_status() {
        let status = |body: &[u8]| match parse_scan_request(body, &[]) {
            Ok(_) => 202,
            Err(RequestError::Malformed(_)) => 400,
            Err(RequestError::Invalid { .. }) => 422,
            Err(RequestError::Unsupported(_)) => 501,
        };
        assert_eq!(status(b"not json"), 400);
        assert_eq!(status(br#"{"registry": "x", "artifact": {}}"#), 400, "wrong type");
        assert_eq!(status(br#"{"registry": {"url": 5}, "artifact": {}}"#), 400);
        assert_eq!(status(br#"{"artifact": {}}"#), 422);
        let d = digest();
        for (url, repo) in [
            ("ftp://h.example", "a"),
            ("https://", "a"),
            ("https://h.example/v2/x", "a"),
            ("https://user@h.example", "a"),
            ("https://h.example:99999999", "a"),
            ("https://h.example", "UPPER/x"),
            ("https://h.example", "a/../../etc"),
            ("https://h.example", "a-"),
            ("https://h.example", ""),
        ] {
            assert_eq!(status(&request(url, None, repo, "")), 422, "{url} {repo}");
        }
        let bad_digest = format!(
            r#"{{"registry": {{"url": "https://h.example"}}, "artifact": {{"repository": "a", "digest": "{}"}}}}"#,
            &d[..20]
        );
        assert_eq!(status(bad_digest.as_bytes()), 422);
        let target_key = format!(
            r#"{{"registry": {{"url": "https://h.example"}}, "artifact": {{"repository": "a", "digest": "target:{}"}}}}"#,
            "0".repeat(64)
        );
        assert_eq!(status(target_key.as_bytes()), 422, "target: keys are not artifact digests");
        for auth in ["Bearer abc", "Basic !!!", "Basic dXNlcg==", "Basic OnBhc3M=", "token"] {
            assert_eq!(status(&request("https://h.example", Some(auth), "a", "")), 422, "{auth}");
        }
        let index = br#"{"registry": {"url": "https://h.example"}, "artifact": {"repository": "a", "digest": "sha256:abababababababababababababababababababababababababababababababab", "mime_type": "application/vnd.oci.image.index.v1+json"}}"#;
        assert_eq!(status(index), 501);
        assert_eq!(
            status(&request(
                "https://h.example",
                None,
                "a",
                r#", "enabled_capabilities": [{"type": "malware"}]"#
            )),
            422
        );
        assert_eq!(
            status(&request(
                "https://h.example",
                None,
                "a",
                r#", "enabled_capabilities": [{"type": "vulnerability", "produces_mime_types": ["application/vnd.scanner.adapter.vuln.report.raw"]}]"#
            )),
            501
        );
        assert_eq!(
            status(&request(
                "https://h.example",
                None,
                "a",
                r#", "enabled_capabilities": [{"type": "sbom", "parameters": {"sbom_media_types": ["text/plain"]}}]"#
            )),
            422
        );
        // --allow-registry applies to Harbor's registry URL too.
        let e = parse_scan_request(&request("https://h.example", None, "a", ""), &["other:5000".into()])
            .unwrap_err();
        assert!(e.to_string().contains("--allow-registry"), "{e}");
    }

    #[test]
    fn report_negotiation() {
        assert_eq!(negotiate(None, None), Ok(Wanted::Vulnerability(VULN_REPORT_1_1)));
        assert_eq!(
            negotiate(Some("application/vnd.security.vulnerability.report;version=1.1"), None),
            Ok(Wanted::Vulnerability(VULN_REPORT_1_1))
        );
        assert_eq!(
            negotiate(Some(HARBOR_VULN_REPORT_1_0), None),
            Ok(Wanted::Vulnerability(HARBOR_VULN_REPORT_1_0))
        );
        assert_eq!(
            negotiate(Some(SBOM_REPORT_1_0), Some("application/vnd.cyclonedx+json")),
            Ok(Wanted::Sbom("application/vnd.cyclonedx+json"))
        );
        assert!(matches!(negotiate(Some(SBOM_REPORT_1_0), None), Err(AcceptError::BadRequest(_))));
        assert!(matches!(
            negotiate(Some(SBOM_REPORT_1_0), Some("text/csv")),
            Err(AcceptError::BadRequest(_))
        ));
        assert!(matches!(
            negotiate(Some("application/vnd.scanner.adapter.vuln.report.raw"), None),
            Err(AcceptError::NotProduced(_))
        ));
    }

    #[test]
    fn severity_scale() {
        let got: Vec<&str> = Severity::ALL.iter().map(|s| harbor_severity(*s)).collect();
        assert_eq!(got, ["Negligible", "Low", "Medium", "High", "Critical"]);
        // Monotonic: seawall's order is Harbor's order.
        assert!(got.windows(2).all(|w| rank(w[0]) < rank(w[1])));
    }

    fn report() -> Report {
        let mut r = Report::new(Target::new(TargetKind::Image, "h/a@sha256:x"));
        let mut v = Finding::new(
            FindingKind::Vulnerability,
            "GHSA-h5c8-rqwp-cp95",
            Severity::Medium,
            3,
            "jinja2: XSS",
        );
        v.aliases = vec!["CVE-2024-22195".into(), "PYSEC-2024-1".into()];
        v.package =
            Some(PackageRef { name: "jinja2".into(), version: "3.1.2".into(), ecosystem: "PyPI".into() });
        v.fixed_versions = vec!["3.1.3".into()];
        v.cvss = vec![
            Cvss {
                version: "3.1".into(),
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N".into(),
                score: 5.4,
            },
            Cvss { version: "4.0".into(), vector: "CVSS:4.0/AV:N".into(), score: 5.1 },
        ];
        v.references = vec!["https://github.com/advisories/GHSA-h5c8-rqwp-cp95".into(), "not a url".into()];
        let mut s = Finding::new(FindingKind::Secret, "SW-SEC-012", Severity::Critical, 6, "GitHub token");
        s.location = Location::file("/app/.env");
        s.location.layer = Some(2);
        s.location.line = Some(1);
        s.redacted = Some("ghp_… (40 chars)".into());
        let mut m =
            Finding::new(FindingKind::Model, "SW-MODEL-001", Severity::Critical, 7, "pickle calls os.system");
        m.location = Location::file("/models/m.pt");
        m.location.member = Some("archive/data.pkl".into());
        m.callables = vec!["os.system".into()];
        let c = Finding::new(FindingKind::Misconfiguration, "SW-IMG-001", Severity::Info, 4, "runs as root");
        r.findings = vec![v, s, m, c];
        r
    }

    #[test]
    fn findings_map_to_items_with_seawall_ids_and_vendor_attributes() {
        let r = report();
        let art = ArtifactWire { repository: Some("a".into()), digest: Some(digest()), ..Default::default() };
        let h = vulnerability_report(&r, &art, "2026-12-06T00:00:00Z");
        assert_eq!(h["severity"], "Critical");
        let items = h["vulnerabilities"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        let v = &items[0];
        assert_eq!(v["id"], "CVE-2024-22195", "the CVE alias, for Harbor's CVE allowlist");
        assert_eq!(v["package"], "jinja2");
        assert_eq!(v["version"], "3.1.2");
        assert_eq!(v["fix_version"], "3.1.3");
        assert_eq!(v["severity"], "Medium");
        assert_eq!(v["preferred_cvss"]["score_v3"], 5.4);
        assert_eq!(v["links"], serde_json::json!(["https://github.com/advisories/GHSA-h5c8-rqwp-cp95"]));
        assert_eq!(v["vendor_attributes"]["seawall_id"], "GHSA-h5c8-rqwp-cp95");
        assert_eq!(v["vendor_attributes"]["ecosystem"], "PyPI");
        assert_eq!(v["vendor_attributes"]["cvss_v4"][0]["score"], 5.1);
        let s = &items[1];
        assert_eq!(s["id"], "SEAWALL-SEC-012");
        assert_eq!(s["package"], "/app/.env");
        assert_eq!(s["version"], "layer 2 line 1");
        assert_eq!(s["severity"], "Critical");
        assert_eq!(s["vendor_attributes"]["kind"], "secret");
        assert_eq!(s["vendor_attributes"]["redacted"], "ghp_… (40 chars)");
        let m = &items[2];
        assert_eq!(m["id"], "SEAWALL-MODEL-001");
        assert_eq!(m["package"], "/models/m.pt!archive/data.pkl");
        assert_eq!(m["vendor_attributes"]["callables"], serde_json::json!(["os.system"]));
        assert_eq!(items[3]["severity"], "Negligible");
        assert_eq!(items[3]["package"], "(image)");
        // No finding: Unknown, as Harbor's Trivy adapter reports it.
        let empty = Report::new(Target::new(TargetKind::Image, "x"));
        assert_eq!(vulnerability_report(&empty, &art, "t")["severity"], "Unknown");
        assert_eq!(vulnerability_report(&empty, &art, "t")["vulnerabilities"], serde_json::json!([]));
    }

    #[test]
    fn an_incomplete_scan_is_never_clean() {
        let mut r = Report::new(Target::new(TargetKind::Image, "x"));
        r.completeness.status = seawall_core::CompletenessStatus::Incomplete;
        r.completeness.reasons = vec![seawall_core::IncompleteReason {
            kind: seawall_core::WarningKind::FileNotAnalyzed,
            count: 2,
            example: "layer 1: /x: truncated".into(),
        }];
        let h = vulnerability_report(&r, &ArtifactWire::default(), "t");
        let items = h["vulnerabilities"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], "SEAWALL-INCOMPLETE");
        assert_eq!(items[0]["severity"], "Unknown");
        assert!(items[0]["description"].as_str().unwrap().contains("truncated"));
    }

    #[test]
    fn metadata_lists_both_capabilities() {
        let m = metadata(Some("db-1"));
        let caps = m["capabilities"].as_array().unwrap();
        assert_eq!(caps[0]["type"], "vulnerability");
        assert!(caps[0]["produces_mime_types"].as_array().unwrap().contains(&VULN_REPORT_1_1.into()));
        assert_eq!(caps[1]["additional_attributes"]["sbom_media_types"][1], "application/vnd.cyclonedx+json");
        assert!(m["properties"].as_object().unwrap().values().all(Value::is_string));
    }

    #[test]
    fn repositories_of_references() {
        assert_eq!(repository_of("127.0.0.1:5000/a/b@sha256:00"), "a/b");
        assert_eq!(repository_of("h.example/lib/x:v1"), "lib/x");
        assert_eq!(repository_of("h:80/x"), "x");
    }

    proptest::proptest! {
        #[test]
        fn harbor_parsers_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            fuzz_harbor(&data);
        }
    }
}
