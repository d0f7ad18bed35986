//! Python: installed distributions (`*.dist-info/METADATA`, `*.egg-info`, eggs), lock and requirement
//! files, and the CPython interpreter itself.

pub mod dist;
pub mod interpreter;
pub mod lock;
pub mod requirements;

use seawall_core::Package;

use crate::common::{Out, pep503_normalize, purl};

/// OSV ecosystem of Python packages.
pub const ECOSYSTEM_PYPI: &str = "PyPI";

/// A PyPI package with its PEP 503 name and `pkg:pypi` purl, at `out`'s file (and `line`).
pub(crate) fn pypi_package(out: &Out<'_, '_>, raw_name: &str, version: &str, line: Option<u32>) -> Package {
    let name = pep503_normalize(raw_name);
    let mut p = out.package(&name, version, ECOSYSTEM_PYPI, line);
    p.purl = purl("pypi", None, &name, Some(version), &[]);
    p
}
