//! The environment of the `seawall` binary: one snapshot, taken once.
//!
//! Every variable seawall reads is listed (with what reads it) in [`seawall_core::env`]; the only call
//! into `std::env::var_os` is [`Environment::from_process`]. Variables bound to a flag are read by
//! clap (`#[arg(env = env::NAME)]`, shown in `--help`); every other value comes from [`process`], the
//! snapshot the commands also pass to the libraries (`ScanOptions::with_env`, `SourceOptions::env`,
//! `AuditOptions::env`, `MonitorOptions::env`, `WorkerConfig::new`, `ServerConfig::env`,
//! `RenderContext::with_source_date_epoch`, `LayerCache::default_dir`, `default_db_path`).

use std::sync::OnceLock;

use seawall_core::Environment;
pub(crate) use seawall_core::env::{
    DOCKER_HOST, SEAWALL_BASE_INDEX, SEAWALL_DATABASE_PASSWORD_FILE, SEAWALL_DATABASE_URL, SEAWALL_DB,
    SEAWALL_SECRET_KEY_FILE, SEAWALL_TOKEN,
};

/// The process environment, read on first use and kept for the life of the process.
pub(crate) fn process() -> &'static Environment {
    static SNAPSHOT: OnceLock<Environment> = OnceLock::new();
    SNAPSHOT.get_or_init(Environment::from_process)
}

/// An agent spool's default directory: `$HOME/.local/state/seawall/NAME`; `None` without `HOME`.
pub(crate) fn default_spool_dir(name: &str) -> Option<std::path::PathBuf> {
    process()
        .home
        .as_ref()
        .filter(|p| !p.is_empty())
        .map(|h| std::path::PathBuf::from(h).join(".local/state/seawall").join(name))
}

/// `NO_COLOR` (<https://no-color.org>): when set, even to an empty value, the table has no colours.
pub(crate) fn no_color() -> bool {
    process().no_color()
}

/// `COLUMNS`: the terminal width for the table; `None` when unset or not a number.
pub(crate) fn columns() -> Option<u16> {
    process().columns()
}

/// `SEAWALL_SECRET_KEY`: the fleet's credential-sealing key itself (takes precedence over
/// `SEAWALL_SECRET_KEY_FILE`); `None` when unset or not Unicode.
pub(crate) fn secret_key() -> Option<String> {
    process().secret_key().map(str::to_string)
}

/// `SEAWALL_TOKEN`: the project token `scan --upload` sends; the error says whether it is unset or
/// not Unicode.
pub(crate) fn token() -> Result<String, std::env::VarError> {
    process().token()
}
