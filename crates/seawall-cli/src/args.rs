//! Typed flag values (clap `ValueEnum`s): parsed once by clap, with the accepted values listed in
//! `--help` and in error messages.

use clap::ValueEnum;
use seawall_core::{Scanner, Severity};
use seawall_report::Format;

/// `--format` of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// A table for terminals.
    Table,
    /// The complete JSON report (docs/json-output.md).
    Json,
    /// CycloneDX 1.6 SBOM with vulnerabilities.
    #[value(alias = "cdx")]
    Cyclonedx,
    /// SPDX 2.3 SBOM.
    Spdx,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// A self-contained HTML page.
    Html,
    /// Markdown for pull-request comments and job summaries.
    #[value(alias = "md")]
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Cyclonedx => Format::CycloneDx,
            FormatArg::Spdx => Format::Spdx,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Html => Format::Html,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// A severity on the command line (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub(crate) enum SeverityArg {
    /// Critical.
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
    /// Informational.
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Critical => Severity::Critical,
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

/// One entry of `--scanners`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScannerArg {
    /// Every scanner.
    All,
    /// Package inventory (SBOM).
    #[value(alias = "sbom", alias = "packages")]
    Inventory,
    /// Vulnerabilities (implies the inventory).
    #[value(alias = "vulns", alias = "vulnerability")]
    Vuln,
    /// Secrets.
    #[value(alias = "secrets")]
    Secret,
    /// Model files.
    #[value(alias = "models")]
    Model,
    /// Configuration checks.
    #[value(alias = "misconfig", alias = "misconfiguration")]
    Config,
}

/// The scanner set of a `--scanners` list.
pub(crate) fn scanners(list: &[ScannerArg]) -> seawall_scan::Scanners {
    let mut out = seawall_scan::Scanners::none();
    for s in list {
        let one = match s {
            ScannerArg::All => return seawall_scan::Scanners::default(),
            ScannerArg::Inventory => Scanner::Inventory,
            ScannerArg::Vuln => Scanner::Vuln,
            ScannerArg::Secret => Scanner::Secret,
            ScannerArg::Model => Scanner::Model,
            ScannerArg::Config => Scanner::Config,
        };
        let add = seawall_scan::Scanners::only(one);
        out.inventory |= add.inventory;
        out.vuln |= add.vuln;
        out.secret |= add.secret;
        out.model |= add.model;
        out.config |= add.config;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_format_has_a_flag_value() {
        for f in FormatArg::value_variants() {
            let fmt: Format = (*f).into();
            assert!(Format::ALL.contains(&fmt));
        }
        assert_eq!(FormatArg::value_variants().len(), Format::ALL.len());
    }

    #[test]
    fn scanner_lists() {
        let s = scanners(&[ScannerArg::Vuln, ScannerArg::Secret]);
        assert!(s.vuln && s.inventory && s.secret && !s.model && !s.config);
        assert_eq!(scanners(&[ScannerArg::All]), seawall_scan::Scanners::default());
    }
}
