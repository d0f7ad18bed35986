//! Flags of the fleet commands: `seawall serve`, `seawall worker`, `seawall token`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `seawall serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// PostgreSQL URL (`postgres://user:password@host:port/db`).
    #[arg(long, env = crate::env::SEAWALL_DATABASE_URL, value_name = "URL", hide_env_values = true)]
    pub(crate) database: String,
    /// File holding the database password (a mounted secret); overrides a password in the URL.
    #[arg(long, env = crate::env::SEAWALL_DATABASE_PASSWORD_FILE, value_name = "FILE")]
    pub(crate) database_password_file: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443", value_name = "ADDR")]
    pub(crate) listen: SocketAddr,
    /// Apply pending schema migrations first (without it, the schema must already be current).
    #[arg(long)]
    pub(crate) migrate: bool,
    /// Key file (32 bytes, hex or base64) sealing registry credentials of submitted jobs; workers
    /// need the same key. Without one, submissions carrying credentials are refused.
    #[arg(long, env = crate::env::SEAWALL_SECRET_KEY_FILE, value_name = "FILE")]
    pub(crate) secret_key_file: Option<PathBuf>,
    /// Serve /metrics without a token (for a Prometheus on a private network).
    #[arg(long)]
    pub(crate) public_metrics: bool,
    /// Largest uploaded report, in MiB.
    #[arg(long, default_value = "64", value_name = "MIB")]
    pub(crate) max_upload_mib: usize,
    /// Registry the fleet may pull from (`host[:port]`, repeatable); default: any.
    #[arg(long = "allow-registry", value_name = "HOST[:PORT]")]
    pub(crate) allow_registry: Vec<String>,
    /// Attempts per job before it fails.
    #[arg(long, default_value = "3", value_parser = clap::value_parser!(i32).range(1..=20))]
    pub(crate) max_attempts: i32,
    /// Database connections of this process.
    #[arg(long, default_value = "16")]
    pub(crate) pool_size: usize,
    /// Do not run the scheduled registry crawls (`/api/v1/crawls`) in this process; another
    /// replica runs them.
    #[arg(long)]
    pub(crate) no_crawl: bool,
}

/// `seawall worker`.
#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// PostgreSQL URL.
    #[arg(long, env = crate::env::SEAWALL_DATABASE_URL, value_name = "URL", hide_env_values = true)]
    pub(crate) database: String,
    /// File holding the database password (a mounted secret); overrides a password in the URL.
    #[arg(long, env = crate::env::SEAWALL_DATABASE_PASSWORD_FILE, value_name = "FILE")]
    pub(crate) database_password_file: Option<PathBuf>,
    /// Jobs scanned at once by this process.
    #[arg(long, default_value = "1", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub(crate) concurrency: u32,
    /// Worker id (default HOST-PID-RANDOM).
    #[arg(long)]
    pub(crate) id: Option<String>,
    /// Lease length in seconds (renewed every third of it while a scan runs).
    #[arg(long, default_value = "60", value_name = "SECONDS")]
    pub(crate) lease: f64,
    /// Poll interval in seconds when no notification arrives.
    #[arg(long, default_value = "5", value_name = "SECONDS")]
    pub(crate) poll: f64,
    /// Where vulnerability-database updates come from (URL or directory with `<ECOSYSTEM>/all.zip`).
    #[arg(long, value_name = "URL|PATH")]
    pub(crate) db_source: Option<String>,
    /// Ecosystems kept in the database (comma-separated; default: all supported).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub(crate) db_ecosystems: Vec<String>,
    /// Seconds between database updates (0: only at start when missing).
    #[arg(long, default_value = "3600", value_name = "SECONDS")]
    pub(crate) db_update_interval: u64,
    /// Key file that opens registry credentials sealed by `seawall serve`.
    #[arg(long, env = crate::env::SEAWALL_SECRET_KEY_FILE, value_name = "FILE")]
    pub(crate) secret_key_file: Option<PathBuf>,
    /// Local layer-cache directory (default: the user cache directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Do not use any layer cache.
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Database connections of this process.
    #[arg(long, default_value = "8")]
    pub(crate) pool_size: usize,
    /// Exit after claiming this many jobs (benchmarks).
    #[arg(long, hide = true)]
    pub(crate) max_jobs: Option<u64>,
}

/// `seawall token …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenAction {
    /// Create a token for a project (created if new); prints the token, alone, on stdout.
    Create {
        /// PostgreSQL URL.
        #[arg(long, env = crate::env::SEAWALL_DATABASE_URL, value_name = "URL", hide_env_values = true)]
        database: String,
        /// File holding the database password.
        #[arg(long, env = crate::env::SEAWALL_DATABASE_PASSWORD_FILE, value_name = "FILE")]
        database_password_file: Option<PathBuf>,
        /// Project name.
        #[arg(long)]
        project: String,
    },
    /// List tokens (id, project, prefix, created, last used, revoked).
    List {
        /// PostgreSQL URL.
        #[arg(long, env = crate::env::SEAWALL_DATABASE_URL, value_name = "URL", hide_env_values = true)]
        database: String,
        /// File holding the database password.
        #[arg(long, env = crate::env::SEAWALL_DATABASE_PASSWORD_FILE, value_name = "FILE")]
        database_password_file: Option<PathBuf>,
        /// Only this project.
        #[arg(long)]
        project: Option<String>,
    },
    /// Revoke a token by id or by the prefix `token list` shows.
    Revoke {
        /// PostgreSQL URL.
        #[arg(long, env = crate::env::SEAWALL_DATABASE_URL, value_name = "URL", hide_env_values = true)]
        database: String,
        /// File holding the database password.
        #[arg(long, env = crate::env::SEAWALL_DATABASE_PASSWORD_FILE, value_name = "FILE")]
        database_password_file: Option<PathBuf>,
        /// Token id or prefix.
        token: String,
    },
    /// Print a new random key for --secret-key-file (64 hex characters).
    Keygen,
}
