//! Small matching helpers shared by ignore entries and VEX statements.

use globset::{GlobBuilder, GlobMatcher};
use seawall_core::Finding;

/// Normalises a package name for comparison: PEP 503 (lower case, runs of `-`, `_`, `.` collapsed to one
/// `-`), harmless for other ecosystems.
pub(crate) fn normalize_name(name: &str) -> String {
    seawall_core::normalize_pypi_name(name)
}

/// True when `id` names the finding: its id, one of its aliases, or its fingerprint (ASCII case-insensitive).
pub(crate) fn id_matches(id: &str, finding: &Finding) -> bool {
    finding.id.eq_ignore_ascii_case(id)
        || finding.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
        || (!finding.fingerprint.is_empty() && finding.fingerprint.eq_ignore_ascii_case(id))
}

/// A compiled path glob. Matching ignores a leading `/` on both sides, so `usr/lib/**` and
/// `/usr/lib/**` mean the same for image paths.
#[derive(Debug, Clone)]
pub(crate) struct PathGlob {
    matcher: GlobMatcher,
}

impl PathGlob {
    pub(crate) fn new(pattern: &str) -> Result<Self, globset::Error> {
        let trimmed = pattern.trim_start_matches('/');
        let glob = GlobBuilder::new(trimmed).literal_separator(true).build()?;
        Ok(PathGlob { matcher: glob.compile_matcher() })
    }

    pub(crate) fn is_match(&self, path: &str) -> bool {
        self.matcher.is_match(path.trim_start_matches('/'))
    }
}

/// The purl type for an OSV ecosystem string (`PyPI` → `pypi`, `Debian:12` → `deb`).
pub fn purl_type(ecosystem: &str) -> &'static str {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    match base {
        "PyPI" => "pypi",
        "npm" => "npm",
        "crates.io" => "cargo",
        "Go" => "golang",
        "Maven" => "maven",
        "conda" => "conda",
        "Debian" | "Ubuntu" => "deb",
        "Alpine" | "Wolfi" | "Chainguard" => "apk",
        "Red Hat" | "Rocky Linux" | "AlmaLinux" => "rpm",
        "NuGet" => "nuget",
        "RubyGems" => "gem",
        "Packagist" => "composer",
        "Hex" => "hex",
        "Pub" => "pub",
        "CUDA" | "cuda" => "generic",
        _ => "generic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold() {
        assert_eq!(normalize_name("Scikit_Learn"), "scikit-learn");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
    }

    #[test]
    fn globs_ignore_leading_slash() {
        let g = PathGlob::new("/usr/lib/**").unwrap_or_else(|e| panic!("{e}"));
        assert!(g.is_match("/usr/lib/python3/x.py"));
        assert!(g.is_match("usr/lib/a"));
        assert!(!g.is_match("/opt/x"));
        let g = PathGlob::new("*.txt").unwrap_or_else(|e| panic!("{e}"));
        assert!(g.is_match("requirements.txt"));
        assert!(!g.is_match("sub/requirements.txt"));
    }

    #[test]
    fn purl_types() {
        assert_eq!(purl_type("Debian:12"), "deb");
        assert_eq!(purl_type("PyPI"), "pypi");
        assert_eq!(purl_type("Alpine:v3.19"), "apk");
    }
}
