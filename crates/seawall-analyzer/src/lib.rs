//! # seawall-analyzer — the analyzer contract
//!
//! Analyzers turn bytes into facts. They never walk, open, decompress or unpack anything themselves:
//! the walker (`seawall-walker`) owns the layer streams and file handles, asks each analyzer a cheap
//! path-only question ([`FileAnalyzer::required`]), optionally a content-sniff question on the first
//! bytes ([`FileAnalyzer::required_by_content`]), and only then hands over a reader for the file.
//!
//! * [`FileAnalyzer`] — per-file work (package databases, secrets, model files, Dockerfiles, …).
//! * [`ImageAnalyzer`] — whole-target work on the squashed view ([`ImageView`]): image config checks,
//!   `/etc/passwd` + `/etc/shadow` cross checks, secrets in env/labels/history.
//! * [`Facts`] — what analyzers produce: packages, findings, model files, captured small files, OS info
//!   and warnings; every item carries its [`Location`] (path + layer) so that the walker can apply
//!   whiteouts to facts rather than to a disk tree.
//!
//! Analyzers are registered explicitly (no global registry): `seawall-scan` builds the list per scan.
//! Each has a unique [`FileAnalyzer::name`] and a [`FileAnalyzer::version`] that must be bumped whenever
//! its output changes — versions feed the layer-cache key.
//!
//! ```
//! use std::io::Read;
//! use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
//! use seawall_core::{Location, OsInfo};
//!
//! struct OsRelease;
//! impl FileAnalyzer for OsRelease {
//!     fn name(&self) -> &'static str { "os-release-demo" }
//!     fn version(&self) -> u32 { 1 }
//!     fn required(&self, m: &EntryMeta<'_>) -> Interest {
//!         if m.is_file() && m.rel_path() == "etc/os-release" { Interest::Yes } else { Interest::No }
//!     }
//!     fn analyze(&self, m: &EntryMeta<'_>, r: &mut dyn Read, out: &mut Facts) -> Result<(), AnalyzerError> {
//!         let mut s = String::new();
//!         r.read_to_string(&mut s)?;
//!         out.os.push((m.location(), OsInfo { id: "debian".into(), version_id: "12".into(), ..Default::default() }));
//!         Ok(())
//!     }
//! }
//! let meta = EntryMeta::file("/etc/os-release", 10, Some(0));
//! let mut facts = Facts::default();
//! let a = OsRelease;
//! assert_eq!(a.required(&meta), Interest::Yes);
//! a.analyze(&meta, &mut &b"ID=debian\n"[..], &mut facts).unwrap();
//! assert_eq!(facts.os.len(), 1);
//! ```
#![deny(missing_docs)]

mod entry;
mod error;
mod facts;
mod io;
mod traits;

pub use entry::{EntryKind, EntryMeta};
pub use error::AnalyzerError;
pub use facts::{CapturedFile, Facts};
pub use io::read_full;
pub use traits::{DEFAULT_MAX_FILE_SIZE, FileAnalyzer, ImageAnalyzer, ImageView, Interest, SNIFF_LEN};

// Re-exported so analyzer crates need only this crate for the common types.
pub use seawall_core::{Location, ScanWarning};
