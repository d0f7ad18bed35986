//! # seawall-vulndb — the local OSV vulnerability database and matcher
//!
//! seawall matches inventoried packages against [OSV](https://ossf.github.io/osv-schema/) advisories
//! kept in one local SQLite file:
//!
//! * [`VulnDb`] — the store: `open`, [`VulnDb::import_path`] (zip / directory / JSON / PyPA-style
//!   YAML), [`VulnDb::status`]. Records are indexed by (ecosystem base, normalised package name —
//!   PEP 503 for PyPI); withdrawn records are excluded; aliases are kept.
//! * [`update`] — downloads `<base>/<ECOSYSTEM>/all.zip` (the OSV bucket layout, default
//!   [`DEFAULT_SOURCE`]) only when changed, resumably, verified, and swaps the rebuilt database in
//!   atomically.
//! * [`match_packages`] — exact OSV semantics (`versions`, `ECOSYSTEM`/`SEMVER` ranges with
//!   `introduced`/`fixed`/`last_affected`/`limit`), releases from the image OS, Debian/Ubuntu/Alpine
//!   source packages, conda packages matched against PyPI, alias collapsing, CVSS v3/v4 severity.
//!   Produces `seawall_core::Finding`s of kind `Vulnerability` (practice 7).
//! * [`upgrade_plan`] — per package, the lowest version that fixes every matched advisory.
//!
//! Version ordering comes from `seawall-version`; types (`Package`, `Finding`, `OsInfo`) from
//! `seawall-core`. The CLI (`seawall db update|import|status`) and `seawall-scan` call this crate.
//!
//! ```
//! # fn main() -> Result<(), seawall_vulndb::DbError> {
//! use seawall_core::{Location, Package};
//! use seawall_vulndb::{VulnDb, match_packages, upgrade_plan};
//!
//! let dir = std::env::temp_dir().join(format!("seawall-vulndb-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).ok();
//! std::fs::write(dir.join("PYSEC-0000-1.json"), r#"{
//!   "id": "PYSEC-0000-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-0000-1"],
//!   "summary": "Example flaw",
//!   "affected": [{"package": {"ecosystem": "PyPI", "name": "Example_Pkg"},
//!     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]
//! }"#).ok();
//! let mut db = VulnDb::in_memory()?;
//! db.import_path(&dir)?;
//! let pkgs = [Package::new("example-pkg", "1.5", "PyPI", Location::file("requirements.txt"))];
//! let findings = match_packages(&db, &pkgs, None)?;
//! assert_eq!(findings[0].id, "PYSEC-0000-1");
//! assert_eq!(findings[0].fixed_versions, ["2.0"]);
//! assert_eq!(upgrade_plan(&db, &findings)?[0].target.as_deref(), Some("2.0"));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod error;
mod eval;
mod import;
mod matcher;
pub mod names;
pub mod osv;
mod plan;
pub mod severity;
mod store;
mod update;
mod upgrade;

pub use error::DbError;
pub use eval::{Hit, is_affected};
pub use import::{MAX_RECORD_BYTES, fuzz_record, parse_records};
pub use matcher::{PRACTICE, match_packages, primary_id};
pub use plan::{DB_ENV, STALE_AFTER, default_db_path, ecosystems_for};
pub use store::{DbStatus, ImportSummary, SCHEMA_VERSION, SourceMeta, SourceStatus, VulnDb};
pub use update::{
    DEFAULT_ECOSYSTEMS, DEFAULT_SOURCE, EcosystemOutcome, EcosystemUpdate, MAX_ARCHIVE_BYTES, UpdateSummary,
    file_crc32c, update,
};
pub use upgrade::{Upgrade, upgrade_plan};
