//! Command-line flags (clap derive). Everything user-facing about flags lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::args::{FormatArg, ScannerArg, SeverityArg};

/// seawall — one fast tool that secures containerized AI/ML projects: inventory, vulnerabilities,
/// secrets (also in deleted layers), model files, configuration, live Docker hosts.
#[derive(Debug, Parser)]
#[command(name = "seawall", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Vulnerability database file.
    #[arg(long, global = true, env = crate::env::SEAWALL_DB, value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,

    /// Never use the network for the vulnerability database.
    #[arg(long, global = true)]
    pub(crate) offline: bool,

    /// Print nothing but the report and errors.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan an image, a directory, configuration files or model files.
    Scan {
        #[command(subcommand)]
        what: ScanTarget,
    },
    /// Fleet mode: the REST API over PostgreSQL (jobs, reports, fleet queries, uploads).
    Serve(crate::cli_fleet::ServeArgs),
    /// Fleet mode: claim scan jobs from PostgreSQL and store their results.
    Worker(crate::cli_fleet::WorkerArgs),
    /// Fleet mode: API tokens (create, list, revoke) and the credentials key.
    Token {
        #[command(subcommand)]
        action: crate::cli_fleet::TokenAction,
    },
    /// Manage the local vulnerability database.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Manage the layer cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// List every rule of the catalog (`--format markdown --output DIR` writes docs/rules/).
    Rules {
        /// Output format: table, json or markdown.
        #[arg(long, default_value = "table")]
        format: String,
        /// With `--format markdown`: the directory to write one page per rule and an index into.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Explain a rule: why it matters, how to fix it, references.
    Explain {
        /// Rule id, e.g. SW-DF-001.
        id: String,
    },
    /// Audit a live Docker host: the daemon and every running container.
    Audit {
        #[command(subcommand)]
        what: AuditTarget,
    },
    /// Watch a Docker host: drift alerts, audits on start, Prometheus metrics on /metrics.
    Monitor {
        /// Address for /metrics and /healthz.
        #[arg(long, default_value = "127.0.0.1:9797")]
        listen: std::net::SocketAddr,
        /// Docker endpoint (default DOCKER_HOST or the local socket).
        #[arg(long, env = crate::env::DOCKER_HOST)]
        docker_host: Option<String>,
        /// POST every alert as JSON to this URL (retried with backoff).
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// Sampling interval in seconds.
        #[arg(long, default_value = "1")]
        interval: f64,
        /// Learning window in seconds after a container starts.
        #[arg(long, default_value = "5")]
        learn: f64,
        /// Also scan the image of every container that starts (vulnerabilities, secrets, model files;
        /// once per image, layers from the cache) and export the counts in seawall_findings.
        #[arg(long)]
        scan_images: bool,
        /// Send alerts and audits of this host to a `seawall serve` (base URL), spooled on disk while
        /// it is unreachable and delivered in order when it returns.
        #[arg(long, value_name = "URL")]
        report_to: Option<String>,
        #[command(flatten)]
        agent: AgentArgs,
    },
    /// Draw the network segmentation graph of a compose project (PATH) or of the live Docker host (`docker`).
    Graph {
        /// A compose file, a directory holding compose projects, or `docker` for the live host.
        target: String,
        /// dot, mermaid or svg.
        #[arg(long, default_value = "mermaid")]
        format: String,
        /// Compose files forming the project, in order, like `docker compose -f a -f b` (repeatable;
        /// relative to a directory TARGET). Without it every project under TARGET is drawn.
        #[arg(long = "compose-file", short = 'f', value_name = "FILE")]
        compose_file: Vec<String>,
        /// Write to FILE instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Docker endpoint for `graph docker` (default DOCKER_HOST or the local socket).
        #[arg(long, env = crate::env::DOCKER_HOST)]
        docker_host: Option<String>,
    },
    /// Verify image or file signatures (cosign, Sigstore bundles) offline against a trusted root.
    Verify {
        #[command(subcommand)]
        what: crate::cli_trust::VerifyTarget,
    },
    /// Base-image lineage: index known bases so scanned images are attributed to them.
    Base {
        #[command(subcommand)]
        action: crate::cli_trust::BaseAction,
    },
    /// The Sigstore trusted root used for verification.
    Trust {
        #[command(subcommand)]
        action: crate::cli_trust::TrustAction,
    },
    /// Compare two JSON reports: new, fixed and unchanged findings.
    Diff {
        /// The older report.
        old: PathBuf,
        /// The newer report.
        new: PathBuf,
        /// Output format: table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ScanTarget {
    /// Scan a container image: docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH, docker:NAME[:TAG],
    /// HOST[:PORT]/REPO[:TAG|@DIGEST], or a path to a .tar.
    Image {
        /// Image reference.
        reference: String,
        #[command(flatten)]
        common: ScanArgs,
        /// Platform to pick from a multi-platform index (os/arch[/variant]).
        #[arg(long)]
        platform: Option<String>,
        /// Allow plain HTTP for registries on loopback addresses.
        #[arg(long)]
        insecure: bool,
    },
    /// Scan a project tree or an unpacked root filesystem.
    Fs {
        /// Directory (or file) to scan.
        path: PathBuf,
        #[command(flatten)]
        common: ScanArgs,
    },
    /// Check configuration files only (Dockerfile, compose, Kubernetes, kustomize, Helm, Docker daemon).
    Config {
        /// File or directory.
        path: PathBuf,
        /// Compose files forming one project, in order, like `docker compose -f a -f b` (repeatable;
        /// relative to PATH). Other compose projects under PATH are still checked.
        #[arg(long = "compose-file", value_name = "FILE")]
        compose_file: Vec<String>,
        #[command(flatten)]
        common: ScanArgs,
    },
    /// Check ML model files only (pickle, PyTorch, joblib, NumPy, Keras, ONNX, GGUF, safetensors, …).
    Model {
        /// File or directory.
        path: PathBuf,
        #[command(flatten)]
        common: ScanArgs,
        /// Require an OpenSSF model signature (model-signing) from an accepted signer: every signed
        /// file present with its digest, no unsigned extra file.
        #[arg(long)]
        require_signed: bool,
        /// The model signature (default PATH/model.sig).
        #[arg(long, value_name = "FILE")]
        signature: Option<PathBuf>,
        #[command(flatten)]
        signers: Box<crate::cli_trust::SignerArgs>,
    },
}

/// Flags shared by every `scan` subcommand.
#[derive(Debug, Args, Clone)]
pub(crate) struct ScanArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub(crate) format: FormatArg,

    /// Write the report to FILE instead of stdout; FORMAT=FILE writes an extra format (repeatable).
    #[arg(long, short, value_name = "FILE|FORMAT=FILE")]
    pub(crate) output: Vec<String>,

    /// Scanners to run (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all", ignore_case = true)]
    pub(crate) scanners: Vec<ScannerArg>,

    /// Exit with code 1 when a finding at or above this severity remains — or when the scan is
    /// incomplete (not every input read and verified), unless --allow-incomplete.
    #[arg(long, value_enum, value_name = "SEVERITY", ignore_case = true)]
    pub(crate) fail_on: Option<SeverityArg>,

    /// With a --fail-on threshold: do not fail because the scan is incomplete (the report still says so).
    #[arg(long)]
    pub(crate) allow_incomplete: bool,

    /// Only report findings of these severities (comma-separated).
    #[arg(long, value_enum, value_name = "LIST", value_delimiter = ',', ignore_case = true)]
    pub(crate) severity: Vec<SeverityArg>,

    /// Do not report vulnerabilities without a fixed version.
    #[arg(long)]
    pub(crate) ignore_unfixed: bool,

    /// Do not use or fill the layer cache.
    #[arg(long)]
    pub(crate) no_cache: bool,

    /// Where to download the vulnerability database from when it is missing (URL or directory).
    #[arg(long, value_name = "URL|PATH")]
    pub(crate) db_source: Option<String>,

    /// Policy file (default: `seawall.toml` found upward from the target).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Extra ignore file (besides `.seawallignore` next to the target and to `seawall.toml`).
    #[arg(long, value_name = "FILE")]
    pub(crate) ignorefile: Vec<PathBuf>,

    /// OpenVEX document: `not_affected` / `fixed` statements suppress vulnerability findings (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) vex: Vec<PathBuf>,

    /// Previous JSON report: report only findings that are new.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,

    /// Registry base images may come from (repeatable; adds to `[registries] allowed` of seawall.toml).
    #[arg(long = "allowed-registry", value_name = "REGISTRY")]
    pub(crate) allowed_registries: Vec<String>,

    /// Also upload the JSON report to a `seawall serve` (base URL), with the token in SEAWALL_TOKEN.
    #[arg(long, value_name = "URL")]
    pub(crate) upload: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbAction {
    /// Download or refresh OSV data (only what changed).
    Update {
        /// Base URL or local directory holding `<ECOSYSTEM>/all.zip`.
        #[arg(long, value_name = "URL|PATH")]
        db_source: Option<String>,
        /// Ecosystems to fetch (comma-separated); default: all supported.
        #[arg(long)]
        ecosystems: Option<String>,
    },
    /// Import OSV records from a zip, a directory of JSON, or OSV YAML files.
    Import {
        /// Path to import.
        path: PathBuf,
    },
    /// Show the database age, sources and record counts.
    Status,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditTarget {
    /// The local Docker Engine (or DOCKER_HOST).
    Docker {
        /// Also audit stopped containers.
        #[arg(long)]
        all: bool,
        /// Docker endpoint (default DOCKER_HOST or the local socket).
        #[arg(long, env = crate::env::DOCKER_HOST)]
        docker_host: Option<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "table")]
        format: FormatArg,
        /// Write the report to FILE instead of stdout; FORMAT=FILE writes an extra format (repeatable).
        #[arg(long, short, value_name = "FILE|FORMAT=FILE")]
        output: Vec<String>,
        /// Exit with code 1 when a finding at or above this severity remains, or the audit is incomplete.
        #[arg(long, value_enum, value_name = "SEVERITY", ignore_case = true)]
        fail_on: Option<SeverityArg>,
        /// With a --fail-on threshold: do not fail because the audit is incomplete.
        #[arg(long)]
        allow_incomplete: bool,
        /// Also scan the image of every audited container (results cached by layer).
        #[arg(long)]
        scan_images: bool,
        /// Scanners for `--scan-images` (comma-separated).
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "vuln,secret,model",
            ignore_case = true
        )]
        image_scanners: Vec<ScannerArg>,
        /// Also send this audit (the host's containers, their images and configuration findings) to
        /// a `seawall serve` (base URL); kept in the spool if it is unreachable.
        #[arg(long, value_name = "URL")]
        upload: Option<String>,
        #[command(flatten)]
        agent: AgentArgs,
    },
}

/// How an agent reports to `seawall serve` (`monitor --report-to`, `audit docker --upload`).
#[derive(Debug, Clone, Args)]
pub(crate) struct AgentArgs {
    /// Project token (`seawall token create`).
    #[arg(long, env = crate::env::SEAWALL_TOKEN, hide_env_values = true, value_name = "TOKEN")]
    pub(crate) token: Option<String>,
    /// Spool directory for records not yet delivered (default ~/.local/state/seawall/spool;
    /// spool-audit for `audit docker`). One process per directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) spool_dir: Option<PathBuf>,
    /// Records the spool holds at most while the service is unreachable; beyond it new records are
    /// refused with an error on stderr and in seawall_report_spool_refused_total.
    #[arg(long, default_value = "100000", value_name = "N")]
    pub(crate) spool_max_records: usize,
    /// Host name reported (default: the kernel's host name).
    #[arg(long, value_name = "NAME")]
    pub(crate) agent_name: Option<String>,
    /// Longest wait in seconds between delivery attempts while the service is unreachable.
    #[arg(long, default_value = "5", value_name = "SECONDS")]
    pub(crate) report_max_backoff: f64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CacheAction {
    /// Where the layer cache is, how many layers it holds, its size and its bound.
    Info,
    /// Remove every cached layer.
    Clean,
}
