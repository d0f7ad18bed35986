//! The process environment, read in one place.
//!
//! [`Environment`] is a plain-data snapshot of every environment variable seawall itself reads.
//! [`Environment::from_process`] is the only code in the workspace that calls `std::env::var_os`
//! (clippy's `disallowed-methods` refuses the call anywhere else); the binary takes one snapshot at
//! start-up and hands it to the libraries that need a value, so a library never consults the process
//! environment and a test sets a value by building an `Environment`, without `set_var`.
//!
//! | Variable | Read by | Meaning |
//! |---|---|---|
//! | `SEAWALL_DB` | clap (`--db`), `seawall-vulndb` | the OSV database file |
//! | `SEAWALL_CACHE_DIR` | `seawall-walker` | the layer cache directory |
//! | `XDG_CACHE_HOME`, `HOME` | `seawall-vulndb`, `seawall-walker` | default database and cache locations |
//! | `HOME` | `seawall-source`, `seawall-docker` | `~/.docker/config.json`, `~/.docker/*.pem` |
//! | `HOME` | the binary | the agent spool (`~/.local/state/seawall/spool`) of `monitor --report-to`, `audit docker --upload` |
//! | `DOCKER_HOST` | clap (`--docker-host`), `seawall-source`, `seawall-docker` | the Docker Engine endpoint |
//! | `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` | `seawall-docker` | TLS to a TCP Engine endpoint |
//! | `DOCKER_CONFIG` | `seawall-source` | the directory of the Docker client `config.json` (registry credentials) |
//! | `PATH` | `seawall-config` | where `helm` is looked up to render charts |
//! | `SOURCE_DATE_EPOCH` | `seawall-report` | a fixed SBOM creation time (reproducible builds) |
//! | `HOSTNAME` | `seawall-worker`, `seawall-monitor` | the worker id and the agent's host name when `/proc/sys/kernel/hostname` is unreadable |
//! | `NO_COLOR`, `COLUMNS` | the binary | table colours and width |
//! | `SEAWALL_SECRET_KEY` | the binary | the fleet credential-sealing key (before `SEAWALL_SECRET_KEY_FILE`) |
//! | `SEAWALL_TOKEN` | the binary, clap (`--token`) | the project token of `scan --upload`, `monitor --report-to`, `audit docker --upload` |
//! | `SEAWALL_BASE_INDEX`, `SEAWALL_DATABASE_URL`, `SEAWALL_DATABASE_PASSWORD_FILE`, `SEAWALL_SECRET_KEY_FILE` | clap | flags' defaults |
//!
//! Variables bound to a flag are read by clap (`#[arg(env = …)]`, shown in `--help`); their names are
//! the constants of this module. Dependencies read a few more on their own: `reqwest` honours
//! `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, and bollard's TLS defaults read `DOCKER_HOST` and
//! `DOCKER_CERT_PATH`.
//!
//! ```
//! use seawall_core::Environment;
//! let env = Environment::from_pairs([("HOME", "/home/ada"), ("DOCKER_HOST", "tcp://10.0.0.2:2376")]);
//! assert_eq!(env.docker_host(), Some("tcp://10.0.0.2:2376"));
//! assert_eq!(env.home.as_deref(), Some(std::ffi::OsStr::new("/home/ada")));
//! assert!(Environment::default().home.is_none());
//! ```

use std::ffi::{OsStr, OsString};

use crate::Redacted;

/// `SEAWALL_DB`: the vulnerability database file (`--db`).
pub const SEAWALL_DB: &str = "SEAWALL_DB";
/// `SEAWALL_CACHE_DIR`: the layer cache directory.
pub const SEAWALL_CACHE_DIR: &str = "SEAWALL_CACHE_DIR";
/// `XDG_CACHE_HOME`: the user's cache directory (database and layer cache default below it).
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// `HOME`: the user's home directory.
pub const HOME: &str = "HOME";
/// `PATH`: the executable search path (`helm`).
pub const PATH: &str = "PATH";
/// `DOCKER_HOST`: the Docker Engine endpoint (`--docker-host`).
pub const DOCKER_HOST: &str = "DOCKER_HOST";
/// `DOCKER_TLS_VERIFY`: set and not `0`, TCP connections to the Engine use TLS.
pub const DOCKER_TLS_VERIFY: &str = "DOCKER_TLS_VERIFY";
/// `DOCKER_CERT_PATH`: the directory of `key.pem`, `cert.pem` and `ca.pem` for the Engine's TLS.
pub const DOCKER_CERT_PATH: &str = "DOCKER_CERT_PATH";
/// `DOCKER_CONFIG`: the directory of the Docker client's `config.json`.
pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// `SOURCE_DATE_EPOCH`: a fixed creation time (seconds since the Unix epoch) for reproducible SBOMs:
/// <https://reproducible-builds.org/specs/source-date-epoch/>.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";
/// `HOSTNAME`: the host name (worker ids).
pub const HOSTNAME: &str = "HOSTNAME";
/// `NO_COLOR` (<https://no-color.org>): when set, even to an empty value, the table has no colours.
pub const NO_COLOR: &str = "NO_COLOR";
/// `COLUMNS`: the terminal width for the table.
pub const COLUMNS: &str = "COLUMNS";
/// `SEAWALL_SECRET_KEY`: the fleet's credential-sealing key itself.
pub const SEAWALL_SECRET_KEY: &str = "SEAWALL_SECRET_KEY";
/// `SEAWALL_TOKEN`: the project token `scan --upload` sends.
pub const SEAWALL_TOKEN: &str = "SEAWALL_TOKEN";
/// `SEAWALL_BASE_INDEX`: the base-image index file (`--index` of `seawall base`; read by clap).
pub const SEAWALL_BASE_INDEX: &str = "SEAWALL_BASE_INDEX";
/// `SEAWALL_DATABASE_URL`: the fleet's PostgreSQL URL (`--database`; read by clap, value hidden in `--help`).
pub const SEAWALL_DATABASE_URL: &str = "SEAWALL_DATABASE_URL";
/// `SEAWALL_DATABASE_PASSWORD_FILE`: a file holding the fleet database password (`--database-password-file`;
/// read by clap).
pub const SEAWALL_DATABASE_PASSWORD_FILE: &str = "SEAWALL_DATABASE_PASSWORD_FILE";
/// `SEAWALL_SECRET_KEY_FILE`: a file holding the fleet's credential-sealing key (`--secret-key-file`;
/// read by clap).
pub const SEAWALL_SECRET_KEY_FILE: &str = "SEAWALL_SECRET_KEY_FILE";

/// The variables an [`Environment`] holds, in the order of its fields (the flag-bound ones clap reads
/// are not in it, except `SEAWALL_DB` and `DOCKER_HOST`, which libraries also fall back on).
pub const SNAPSHOT_VARIABLES: &[&str] = &[
    SEAWALL_DB,
    SEAWALL_CACHE_DIR,
    XDG_CACHE_HOME,
    HOME,
    PATH,
    DOCKER_HOST,
    DOCKER_TLS_VERIFY,
    DOCKER_CERT_PATH,
    DOCKER_CONFIG,
    SOURCE_DATE_EPOCH,
    HOSTNAME,
    NO_COLOR,
    COLUMNS,
    SEAWALL_SECRET_KEY,
    SEAWALL_TOKEN,
];

/// A snapshot of the environment variables seawall reads (see the [module documentation](self)).
///
/// Every field holds the raw value (`None`: unset); the accessors apply the rules each variable has
/// always had (an empty value counts as unset where the consumer says so; a value that is not Unicode
/// counts as unset where a string is needed). `Default` is the empty environment, the one tests start
/// from. The two secrets are [`Redacted`], so `Debug` never prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// `SEAWALL_DB`.
    pub seawall_db: Option<OsString>,
    /// `SEAWALL_CACHE_DIR`.
    pub seawall_cache_dir: Option<OsString>,
    /// `XDG_CACHE_HOME`.
    pub xdg_cache_home: Option<OsString>,
    /// `HOME`.
    pub home: Option<OsString>,
    /// `PATH`.
    pub path: Option<OsString>,
    /// `DOCKER_HOST`.
    pub docker_host: Option<OsString>,
    /// `DOCKER_TLS_VERIFY`.
    pub docker_tls_verify: Option<OsString>,
    /// `DOCKER_CERT_PATH`.
    pub docker_cert_path: Option<OsString>,
    /// `DOCKER_CONFIG`.
    pub docker_config: Option<OsString>,
    /// `SOURCE_DATE_EPOCH`.
    pub source_date_epoch: Option<OsString>,
    /// `HOSTNAME`.
    pub hostname: Option<OsString>,
    /// `NO_COLOR`.
    pub no_color: Option<OsString>,
    /// `COLUMNS`.
    pub columns: Option<OsString>,
    /// `SEAWALL_SECRET_KEY`.
    pub seawall_secret_key: Option<Redacted<OsString>>,
    /// `SEAWALL_TOKEN`.
    pub seawall_token: Option<Redacted<OsString>>,
}

impl Environment {
    /// Reads every variable of [`SNAPSHOT_VARIABLES`] from the process environment: the one place
    /// seawall calls `std::env::var_os`. The binary calls it once; libraries take the snapshot.
    #[expect(
        clippy::disallowed_methods,
        reason = "the one module allowed to read the process environment (clippy.toml)"
    )]
    pub fn from_process() -> Self {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Builds a snapshot from `(name, value)` pairs (tests, embedders); names seawall does not read
    /// are ignored, a later pair wins over an earlier one.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: Into<OsString>,
    {
        let pairs: Vec<(String, OsString)> =
            pairs.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.into())).collect();
        Self::from_lookup(|name| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    /// Builds a snapshot by asking `get` for each variable of [`SNAPSHOT_VARIABLES`].
    pub fn from_lookup(mut get: impl FnMut(&str) -> Option<OsString>) -> Self {
        Environment {
            seawall_db: get(SEAWALL_DB),
            seawall_cache_dir: get(SEAWALL_CACHE_DIR),
            xdg_cache_home: get(XDG_CACHE_HOME),
            home: get(HOME),
            path: get(PATH),
            docker_host: get(DOCKER_HOST),
            docker_tls_verify: get(DOCKER_TLS_VERIFY),
            docker_cert_path: get(DOCKER_CERT_PATH),
            docker_config: get(DOCKER_CONFIG),
            source_date_epoch: get(SOURCE_DATE_EPOCH),
            hostname: get(HOSTNAME),
            no_color: get(NO_COLOR),
            columns: get(COLUMNS),
            seawall_secret_key: get(SEAWALL_SECRET_KEY).map(Redacted::new),
            seawall_token: get(SEAWALL_TOKEN).map(Redacted::new),
        }
    }

    /// `DOCKER_HOST` as text (`None` when unset or not Unicode; an empty value is returned as is).
    pub fn docker_host(&self) -> Option<&str> {
        text(self.docker_host.as_deref())
    }

    /// Whether `DOCKER_TLS_VERIFY` asks for TLS: set, not empty and not `0`.
    pub fn docker_tls_verify(&self) -> bool {
        self.docker_tls_verify.as_deref().is_some_and(|v| !v.is_empty() && v != "0")
    }

    /// `SOURCE_DATE_EPOCH` as text (`None` when unset or not Unicode).
    pub fn source_date_epoch(&self) -> Option<&str> {
        text(self.source_date_epoch.as_deref())
    }

    /// `HOSTNAME` as text (`None` when unset or not Unicode).
    pub fn hostname(&self) -> Option<&str> {
        text(self.hostname.as_deref())
    }

    /// Whether `NO_COLOR` is set (to anything, even the empty string).
    pub fn no_color(&self) -> bool {
        self.no_color.is_some()
    }

    /// `COLUMNS` as a number of columns (`None` when unset or not a number).
    pub fn columns(&self) -> Option<u16> {
        text(self.columns.as_deref()).and_then(|c| c.parse().ok())
    }

    /// `SEAWALL_SECRET_KEY` as text (`None` when unset or not Unicode).
    pub fn secret_key(&self) -> Option<&str> {
        text(self.seawall_secret_key.as_ref().map(|k| k.expose().as_os_str()))
    }

    /// `SEAWALL_TOKEN`, or why there is none (unset, or not Unicode), as `std::env::var` says it.
    pub fn token(&self) -> Result<String, std::env::VarError> {
        match &self.seawall_token {
            None => Err(std::env::VarError::NotPresent),
            Some(t) => t.expose().clone().into_string().map_err(std::env::VarError::NotUnicode),
        }
    }
}

fn text(v: Option<&OsStr>) -> Option<&str> {
    v.and_then(OsStr::to_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_lookup_asks_for_exactly_the_snapshot_variables() {
        let mut asked = Vec::new();
        let env = Environment::from_lookup(|name| {
            asked.push(name.to_string());
            Some(OsString::from(format!("v-{name}")))
        });
        assert_eq!(asked, SNAPSHOT_VARIABLES);
        assert_eq!(env.home.as_deref(), Some(OsStr::new("v-HOME")));
        assert_eq!(env.docker_host(), Some("v-DOCKER_HOST"));
        assert_eq!(env.secret_key(), Some("v-SEAWALL_SECRET_KEY"));
        assert_eq!(env.token().ok().as_deref(), Some("v-SEAWALL_TOKEN"));
    }

    #[test]
    fn accessors_keep_the_old_rules() {
        let env = Environment::default();
        assert!(!env.docker_tls_verify());
        assert!(!env.no_color());
        assert_eq!(env.columns(), None);
        assert!(matches!(env.token(), Err(std::env::VarError::NotPresent)));
        for (v, tls) in [("", false), ("0", false), ("1", true), ("yes", true)] {
            assert_eq!(Environment::from_pairs([(DOCKER_TLS_VERIFY, v)]).docker_tls_verify(), tls, "{v:?}");
        }
        assert!(Environment::from_pairs([(NO_COLOR, "")]).no_color());
        assert_eq!(Environment::from_pairs([(COLUMNS, "80")]).columns(), Some(80));
        assert_eq!(Environment::from_pairs([(COLUMNS, "wide")]).columns(), None);
        let later = Environment::from_pairs([(HOME, "/a"), ("UNRELATED", "x"), (HOME, "/b")]);
        assert_eq!(later.home.as_deref(), Some(OsStr::new("/b")));
    }

    #[cfg(unix)]
    #[test]
    fn text_accessors_treat_non_unicode_as_unset() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0x66, 0xff]);
        let env = Environment::from_pairs([(DOCKER_HOST, bad.clone()), (SEAWALL_TOKEN, bad.clone())]);
        assert_eq!(env.docker_host(), None);
        assert!(matches!(env.token(), Err(std::env::VarError::NotUnicode(v)) if v == bad));
    }

    #[test]
    fn debug_hides_the_secrets() {
        let env =
            Environment::from_pairs([(SEAWALL_SECRET_KEY, "k3y-s3cr3t"), (SEAWALL_TOKEN, "t0k3n-s3cr3t")]);
        let shown = format!("{env:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
