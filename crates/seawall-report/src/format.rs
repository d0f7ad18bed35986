use std::fmt;
use std::str::FromStr;

use crate::ReportError;

/// An output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Human-readable tables for a terminal.
    Table,
    /// The full [`seawall_core::Report`], pretty JSON (`docs/json-output.md`).
    Json,
    /// CycloneDX 1.6 JSON SBOM with a `vulnerabilities` section.
    CycloneDx,
    /// SPDX 2.3 JSON SBOM.
    Spdx,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// One self-contained HTML file.
    Html,
    /// A short Markdown summary for pull-request comments.
    Markdown,
}

impl Format {
    /// Every format, in `--help` order.
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::CycloneDx,
        Format::Spdx,
        Format::Sarif,
        Format::Html,
        Format::Markdown,
    ];

    /// The `--format` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::CycloneDx => "cyclonedx",
            Format::Spdx => "spdx",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Markdown => "markdown",
        }
    }

    /// The usual file extension for `--output` names.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::CycloneDx => "cdx.json",
            Format::Spdx => "spdx.json",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Markdown => "md",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "cyclonedx" | "cdx" | "cyclonedx-json" => Ok(Format::CycloneDx),
            "spdx" | "spdx-json" => Ok(Format::Spdx),
            "sarif" => Ok(Format::Sarif),
            "html" => Ok(Format::Html),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(ReportError::UnknownFormat(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().ok(), Some(f));
        }
        assert_eq!("MD".parse::<Format>().ok(), Some(Format::Markdown));
        assert!("xml".parse::<Format>().is_err());
    }
}
