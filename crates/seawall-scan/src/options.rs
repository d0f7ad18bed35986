use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use seawall_source::SourceOptions;

use crate::ScanError;

/// Which scanners run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanners {
    /// Package inventory (always needed by `vuln`; turned on when `vuln` is).
    pub inventory: bool,
    /// Vulnerability matching against the local OSV database.
    pub vuln: bool,
    /// Secret detection.
    pub secret: bool,
    /// Model-file analysis.
    pub model: bool,
    /// Configuration checks.
    pub config: bool,
}

impl Default for Scanners {
    fn default() -> Self {
        Scanners { inventory: true, vuln: true, secret: true, model: true, config: true }
    }
}

impl Scanners {
    /// Nothing enabled.
    pub fn none() -> Self {
        Scanners { inventory: false, vuln: false, secret: false, model: false, config: false }
    }

    /// The enabled scanners, in the fixed report order.
    pub fn list(&self) -> Vec<seawall_core::Scanner> {
        use seawall_core::Scanner;
        Scanner::ALL
            .into_iter()
            .filter(|s| match s {
                Scanner::Inventory => self.inventory,
                Scanner::Vuln => self.vuln,
                Scanner::Secret => self.secret,
                Scanner::Model => self.model,
                Scanner::Config => self.config,
            })
            .collect()
    }

    /// Only `scanner` enabled (with the inventory when it is `vuln`).
    pub fn only(scanner: seawall_core::Scanner) -> Self {
        use seawall_core::Scanner;
        let mut s = Scanners::none();
        match scanner {
            Scanner::Inventory => s.inventory = true,
            Scanner::Vuln => {
                s.vuln = true;
                s.inventory = true;
            }
            Scanner::Secret => s.secret = true,
            Scanner::Model => s.model = true,
            Scanner::Config => s.config = true,
        }
        s
    }

    /// The enabled scanner names, in a fixed order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.inventory {
            v.push("inventory");
        }
        if self.vuln {
            v.push("vuln");
        }
        if self.secret {
            v.push("secret");
        }
        if self.model {
            v.push("model");
        }
        if self.config {
            v.push("config");
        }
        v
    }
}

impl FromStr for Scanners {
    type Err = ScanError;
    /// Parses `vuln,secret,model,config,inventory` (also `all`, `secrets`, `misconfig`, `sbom`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = Scanners::none();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "all" => out = Scanners::default(),
                "inventory" | "sbom" | "packages" => out.inventory = true,
                "vuln" | "vulns" | "vulnerability" => {
                    out.vuln = true;
                    out.inventory = true;
                }
                "secret" | "secrets" => out.secret = true,
                "model" | "models" => out.model = true,
                "config" | "misconfig" | "misconfiguration" => out.config = true,
                other => return Err(ScanError::UnknownScanner(other.to_string())),
            }
        }
        Ok(out)
    }
}

/// Progress events for a UI (the CLI draws indicatif bars from them on a TTY).
pub trait Progress: Send + Sync {
    /// The scan will read `layers` layers totalling `bytes` stored bytes.
    fn start(&self, layers: usize, bytes: u64);
    /// A layer finished (read or taken from the cache).
    fn layer_done(&self, index: u32, bytes: u64, cached: bool);
    /// A phase started (`walk`, `vuln`, `analyze`…).
    fn phase(&self, name: &str);
    /// Bytes downloaded so far while fetching the vulnerability database (`total` 0 when unknown).
    fn download(&self, _done: u64, _total: u64) {}
    /// Everything is done.
    fn finish(&self);
}

/// How to scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Scanners to run.
    pub scanners: Scanners,
    /// Vulnerability DB path (`--db` / `SEAWALL_DB`); `None` → the default location.
    pub db: Option<PathBuf>,
    /// Never touch the network for the DB.
    pub offline: bool,
    /// Where to download the DB from when it is missing (`--db-source`).
    pub db_source: Option<String>,
    /// Layer cache directory; `None` → default; ignored when `no_cache`.
    pub cache_dir: Option<PathBuf>,
    /// Bypass the layer cache.
    pub no_cache: bool,
    /// A layer-cache backend that replaces the local directory (fleet mode: PostgreSQL, shared by
    /// every worker; keyed on verified blob digests).
    pub layer_store: Option<Arc<dyn seawall_walker::LayerStore>>,
    /// Bound on the total size of the layer cache (`None`: `seawall_walker::DEFAULT_MAX_BYTES`); the
    /// least recently used entries are evicted after each image scan.
    pub cache_max_bytes: Option<u64>,
    /// Bound on the uncompressed bytes one scan reads (all layers, sparse holes included); `None`:
    /// `seawall_walker::WalkLimits::default().max_scan_bytes`. Hitting it makes the scan incomplete.
    pub max_scan_bytes: Option<u64>,
    /// Image source options (platform, insecure, Docker host, credentials).
    pub source: SourceOptions,
    /// Registries base images may come from (`SW-DF-007`); empty disables that rule.
    pub allowed_registries: Vec<String>,
    /// Progress sink.
    pub progress: Option<Arc<dyn Progress>>,
    /// The scanned tree on disk (set by directory scans; Helm charts are rendered from it).
    pub config_root: Option<PathBuf>,
    /// Compose files forming one project, in order (`--compose-file a --compose-file b`).
    pub compose_files: Vec<String>,
    /// The environment the scan was started in (the default database and cache locations, `helm` on
    /// `PATH`); empty by default. The source reads its own copy in [`SourceOptions::env`]; set both
    /// with [`ScanOptions::with_env`].
    pub env: seawall_core::Environment,
}

impl ScanOptions {
    /// These options with `env` as the scan's and the source's environment.
    pub fn with_env(mut self, env: seawall_core::Environment) -> Self {
        self.source.env = env.clone();
        self.env = env;
        self
    }

    /// Options of the configuration checks derived from these scan options.
    pub fn config_options(&self) -> seawall_config::ConfigOptions {
        seawall_config::ConfigOptions {
            allowed_registries: self.allowed_registries.clone(),
            today: None,
            project_root: self.config_root.clone(),
            compose_files: self.compose_files.clone(),
            search_path: self.env.path.clone(),
        }
    }

    /// The walk bounds of a scan with these options.
    pub fn walk_limits(&self) -> seawall_walker::WalkLimits {
        let mut l = seawall_walker::WalkLimits::default();
        if let Some(b) = self.max_scan_bytes {
            l.max_scan_bytes = b;
        }
        l
    }

    /// Everything besides the analyzer set that changes per-layer facts, hashed with
    /// [`seawall_core::stable_hash`] from typed values (part of the layer-cache key): the options the
    /// file analyzers read (allowed registries, sorted; project root and compose files), the date that end-of-life checks compare with,
    /// the rule catalog (a changed severity or title changes cached findings) and the walk bounds.
    pub fn fingerprint(&self) -> String {
        let config = self.config_options();
        let mut registries = config.allowed_registries.clone();
        registries.sort();
        registries.dedup();
        let today = config.today.clone().unwrap_or_else(seawall_config::tables::today);
        let limits = self.walk_limits();
        let numbers = [
            limits.shared_buffer_max,
            limits.max_ratio,
            limits.ratio_check_after,
            limits.max_layer_bytes,
            limits.max_entries,
        ]
        .map(|n| n.to_string())
        .join(",");
        let registries = registries.join("\n");
        let root = config.project_root.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let compose: Vec<String> = config.compose_files.clone();
        let compose = compose.join("\n");
        let catalog = catalog_digest();
        seawall_core::stable_hash(&[
            "seawall-scan-options/1",
            "allowed_registries",
            &registries,
            "today",
            &today,
            "catalog",
            &catalog,
            "walk_limits",
            &numbers,
            "project_root",
            &root,
            "compose_files",
            &compose,
        ])
    }
}

/// A digest of the whole rule catalog (every field of every rule, as JSON in catalog order).
fn catalog_digest() -> String {
    let rules = crate::registry::catalog();
    let parts: Vec<String> =
        rules.iter().map(|r| serde_json::to_string(r).unwrap_or_else(|_| r.id.to_string())).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    seawall_core::stable_hash(&refs)
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("scanners", &self.scanners)
            .field("db", &self.db)
            .field("offline", &self.offline)
            .field("cache_dir", &self.cache_dir)
            .field("no_cache", &self.no_cache)
            .field("cache_max_bytes", &self.cache_max_bytes)
            .field("max_scan_bytes", &self.max_scan_bytes)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_hashes_typed_options_the_date_and_the_catalog() {
        let base = ScanOptions::default();
        let mut regs =
            ScanOptions { allowed_registries: vec!["b.io".into(), "a.io".into()], ..Default::default() };
        assert_ne!(base.fingerprint(), regs.fingerprint());
        let reordered =
            ScanOptions { allowed_registries: vec!["a.io".into(), "b.io".into()], ..Default::default() };
        assert_eq!(regs.fingerprint(), reordered.fingerprint(), "order of the list does not matter");
        regs.max_scan_bytes = Some(1);
        assert_eq!(
            regs.fingerprint(),
            reordered.fingerprint(),
            "the scan budget does not change facts of a complete walk"
        );
        assert_eq!(base.fingerprint(), ScanOptions::default().fingerprint());
        assert_eq!(base.fingerprint().len(), 16);
    }

    #[test]
    fn parses_scanner_lists() {
        let s: Scanners = "vuln,secret".parse().unwrap_or(Scanners::none());
        assert!(s.vuln && s.inventory && s.secret && !s.model && !s.config);
        assert!("bogus".parse::<Scanners>().is_err());
        assert_eq!("all".parse::<Scanners>().ok(), Some(Scanners::default()));
    }
}
