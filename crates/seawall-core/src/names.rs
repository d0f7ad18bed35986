//! Package-name normalisation shared by the inventory, the vulnerability matcher and policy matching.

/// PEP 503 normalisation of a Python distribution name: lower case, every run of `-`, `_` and `.`
/// collapsed to one `-`, surrounding whitespace and leading/trailing separators dropped.
///
/// ```
/// assert_eq!(seawall_core::normalize_pypi_name("Foo.Bar__baz"), "foo-bar-baz");
/// assert_eq!(seawall_core::normalize_pypi_name("a--b"), "a-b");
/// ```
pub fn normalize_pypi_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_pypi_name;

    #[test]
    fn pep503_examples() {
        for (a, b) in [
            ("Friendly-Bard", "friendly-bard"),
            ("FRIENDLY-BARD", "friendly-bard"),
            ("friendly.bard", "friendly-bard"),
            ("friendly_bard", "friendly-bard"),
            ("friendly--bard", "friendly-bard"),
            ("FrIeNdLy-._.-bArD", "friendly-bard"),
            (" torch ", "torch"),
            ("_private", "private"),
        ] {
            assert_eq!(normalize_pypi_name(a), b, "{a}");
        }
    }
}
