//! Python: installed distributions (`*.dist-info/METADATA`, `*.egg-info`), lock and requirement
//! files, and the CPython interpreter itself.

pub mod dist;
pub mod interpreter;
pub mod lock;

use seawall_analyzer::EntryMeta;
use seawall_core::Package;

use crate::common::{package, pep503_normalize, purl};

/// OSV ecosystem of Python packages.
pub const ECOSYSTEM_PYPI: &str = "PyPI";

/// A PyPI package with its PEP 503 name and `pkg:pypi` purl.
pub(crate) fn pypi_package(analyzer: &str, meta: &EntryMeta<'_>, raw_name: &str, version: &str) -> Package {
    let name = pep503_normalize(raw_name);
    let mut p = package(analyzer, meta, &name, version, ECOSYSTEM_PYPI);
    p.purl = purl("pypi", None, &name, Some(version), &[]);
    p
}
