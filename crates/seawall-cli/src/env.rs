//! Every environment variable the `seawall` binary reads, in one place.
//!
//! Variables bound to a flag are read by clap (`#[arg(env = env::NAME)]`, shown in `--help`); the
//! others are read here, one function each. Library crates take these values as parameters; the few
//! that still consult the environment themselves document it where they do (`SEAWALL_CACHE_DIR` in
//! `seawall-walker`, `SEAWALL_DB` defaults in `seawall-vulndb`, `DOCKER_*` in `seawall-source` and
//! `seawall-docker`, `SOURCE_DATE_EPOCH` in `seawall-report`).

/// `SEAWALL_DB`: the vulnerability database file (`--db`).
pub(crate) const SEAWALL_DB: &str = "SEAWALL_DB";
/// `DOCKER_HOST`: the Docker Engine endpoint (`--docker-host`).
pub(crate) const DOCKER_HOST: &str = "DOCKER_HOST";
/// `SEAWALL_BASE_INDEX`: the base-image index file (`--index` of `seawall base`).
pub(crate) const SEAWALL_BASE_INDEX: &str = "SEAWALL_BASE_INDEX";
/// `SEAWALL_DATABASE_URL`: the fleet's PostgreSQL URL (`--database`; its value is hidden in `--help`).
pub(crate) const SEAWALL_DATABASE_URL: &str = "SEAWALL_DATABASE_URL";
/// `SEAWALL_DATABASE_PASSWORD_FILE`: a file holding the fleet database password (`--database-password-file`).
pub(crate) const SEAWALL_DATABASE_PASSWORD_FILE: &str = "SEAWALL_DATABASE_PASSWORD_FILE";
/// `SEAWALL_SECRET_KEY_FILE`: a file holding the fleet's credential-sealing key (`--secret-key-file`).
pub(crate) const SEAWALL_SECRET_KEY_FILE: &str = "SEAWALL_SECRET_KEY_FILE";

/// `NO_COLOR` (<https://no-color.org>): when set, even to an empty value, the table has no colours.
pub(crate) fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some()
}

/// `COLUMNS`: the terminal width for the table; `None` when unset or not a number.
pub(crate) fn columns() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

/// `SEAWALL_SECRET_KEY`: the fleet's credential-sealing key itself (takes precedence over
/// `SEAWALL_SECRET_KEY_FILE`); `None` when unset or not Unicode.
pub(crate) fn secret_key() -> Option<String> {
    std::env::var("SEAWALL_SECRET_KEY").ok()
}

/// `SEAWALL_TOKEN`: the project token `scan --upload` sends; the error says whether it is unset or
/// not Unicode.
pub(crate) fn token() -> Result<String, std::env::VarError> {
    std::env::var("SEAWALL_TOKEN")
}
