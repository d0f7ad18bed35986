//! One job's scan: open the image, scan it with the library exactly as `seawall scan image` does,
//! render the JSON report byte for byte as the CLI writes it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256};

use seawall_core::Report;
use seawall_scan::{Progress, ScanOptions, Scanners};
use seawall_source::{ImageSource, SourceError, SourceOptions};
use seawall_store::Failure;

/// The result of a scan, ready to store.
#[derive(Debug)]
pub struct ScanOutput {
    /// The report after the default policy and normalization (what the CLI writes).
    pub report: Report,
    /// `--format json` bytes of the report.
    pub json: Vec<u8>,
    /// Layers walked by this scan.
    pub walked: u32,
    /// Layers served from the layer cache.
    pub cached: u32,
}

/// The key an image is stored under: its manifest digest when the source knows one, else the
/// config digest.
pub fn image_digest(source: &dyn ImageSource) -> (String, String) {
    let meta = source.meta();
    (meta.digest.clone().unwrap_or_else(|| meta.config_digest.clone()), meta.config_digest.clone())
}

/// Opens a registry image for a job.
pub fn open(
    reference: &str,
    platform: Option<&str>,
    insecure: bool,
    credentials: Option<(String, String)>,
) -> Result<Box<dyn ImageSource>, SourceError> {
    let mut opts = SourceOptions::default();
    opts.platform = platform.map(str::to_string);
    opts.insecure = insecure;
    opts.credentials = credentials.map(|(u, p)| seawall_source::Credentials::new(u, p));
    // A worker never reads the host's Docker credentials: only what the job carries.
    opts.docker_config = Some(std::path::PathBuf::from("/nonexistent/seawall-worker/config.json"));
    seawall_source::open(reference, &opts)
}

/// Counts walked and cached layers from the scan's progress events.
#[derive(Default)]
struct LayerCounter {
    walked: AtomicU32,
    cached: AtomicU32,
}

impl Progress for LayerCounter {
    fn start(&self, _layers: usize, _bytes: u64) {}
    fn layer_done(&self, _index: u32, _bytes: u64, cached: bool) {
        if cached {
            self.cached.fetch_add(1, Ordering::Relaxed);
        } else {
            self.walked.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn phase(&self, _name: &str) {}
    fn finish(&self) {}
}

/// Scans an opened image. `opts` carries the DB path and cache; progress is set here.
pub fn scan(source: &dyn ImageSource, mut opts: ScanOptions) -> Result<ScanOutput, seawall_scan::ScanError> {
    let counter = Arc::new(LayerCounter::default());
    opts.progress = Some(counter.clone());
    let mut report = seawall_scan::scan_source(source, &opts)?;
    // What `seawall scan image` does after the scan, with no policy file: the default policy, then
    // normalization, then the JSON renderer.
    seawall_policy::Policy::default().apply(&mut report, jiff::ZonedDateTime::now().date());
    report.normalize();
    let json = render_json(&report)?;
    Ok(ScanOutput {
        report,
        json,
        walked: counter.walked.load(Ordering::Relaxed),
        cached: counter.cached.load(Ordering::Relaxed),
    })
}

/// The report as `--format json` writes it.
pub fn render_json(report: &Report) -> Result<Vec<u8>, seawall_scan::ScanError> {
    let rules = seawall_scan::registry::catalog();
    let ctx = seawall_report::RenderContext::new(&rules);
    let mut out = Vec::new();
    seawall_report::render(report, seawall_report::Format::Json, &ctx, &mut out)
        .map_err(|e| seawall_scan::ScanError::Path { path: "report".into(), message: e.to_string() })?;
    Ok(out)
}

/// The scanner-versions fingerprint of results: seawall's version, the scanners, every analyzer's
/// name and version, and the rule catalog. Results are reused only while it is unchanged.
pub fn scanner_fingerprint(scanners: &Scanners) -> String {
    let mut ids: Vec<String> = seawall_scan::registry::file_analyzers(scanners)
        .iter()
        .map(|a| format!("file:{}@{}", a.name(), a.version()))
        .chain(
            seawall_scan::registry::image_analyzers(scanners)
                .iter()
                .map(|a| format!("image:{}@{}", a.name(), a.version())),
        )
        .chain(seawall_scan::registry::catalog().iter().map(|r| format!("rule:{}:{}", r.id, r.severity)))
        .collect();
    ids.sort();
    let mut h = Sha256::new();
    h.update(scanners.names().join(",").as_bytes());
    for id in &ids {
        h.update((id.len() as u64).to_le_bytes());
        h.update(id.as_bytes());
    }
    format!("seawall-{}+{}", env!("CARGO_PKG_VERSION"), &hex::encode(h.finalize())[..12])
}

/// Whether retrying a source error later can help.
pub fn classify(e: &SourceError) -> Failure {
    match e {
        SourceError::InvalidReference { .. }
        | SourceError::Unsupported { .. }
        | SourceError::Missing { .. }
        | SourceError::NoMatchingManifest { .. }
        | SourceError::Auth { .. }
        | SourceError::UnsafePath { .. }
        | SourceError::TooLarge { .. }
        | SourceError::Malformed { .. }
        | SourceError::Json { .. }
        | SourceError::Config { .. } => Failure::Permanent,
        // A client error other than a timeout or rate limit will not change on retry.
        SourceError::Http { reason, .. }
            if reason.starts_with("unexpected status 4")
                && !reason.starts_with("unexpected status 408")
                && !reason.starts_with("unexpected status 429") =>
        {
            Failure::Permanent
        }
        _ => Failure::Transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_scanners() {
        let all = scanner_fingerprint(&Scanners::default());
        assert_eq!(all, scanner_fingerprint(&Scanners::default()));
        let some: Scanners = "secret".parse().unwrap_or(Scanners::none());
        assert_ne!(all, scanner_fingerprint(&some));
        assert!(all.starts_with("seawall-"));
    }

    #[test]
    fn vanished_images_fail_at_once_network_errors_retry() {
        let missing =
            SourceError::Missing { container: "127.0.0.1:5000".into(), member: "manifest app:1".into() };
        assert_eq!(classify(&missing), Failure::Permanent);
        let refused = SourceError::Http {
            url: "http://127.0.0.1:5000/v2/".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(classify(&refused), Failure::Transient);
        let denied = SourceError::Auth { registry: "x".into(), reason: "answered 401 Unauthorized".into() };
        assert_eq!(classify(&denied), Failure::Permanent);
        let gone = SourceError::Http { url: "x".into(), reason: "unexpected status 410 Gone".into() };
        assert_eq!(classify(&gone), Failure::Permanent);
        let limited =
            SourceError::Http { url: "x".into(), reason: "unexpected status 429 Too Many Requests".into() };
        assert_eq!(classify(&limited), Failure::Transient);
        let busy =
            SourceError::Http { url: "x".into(), reason: "unexpected status 503 Service Unavailable".into() };
        assert_eq!(classify(&busy), Failure::Transient);
    }
}
