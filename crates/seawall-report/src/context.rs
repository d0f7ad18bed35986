use jiff::Timestamp;
use seawall_core::{Report, RuleMeta};

use crate::ReportError;

/// The environment variable giving a fixed creation time (seconds since the Unix epoch) for
/// reproducible SBOMs: <https://reproducible-builds.org/specs/source-date-epoch/>. The renderer does
/// not read it: the caller passes its value with [`RenderContext::with_source_date_epoch`].
pub const SOURCE_DATE_EPOCH: &str = seawall_core::env::SOURCE_DATE_EPOCH;

/// Everything a renderer may need besides the report itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderContext<'a> {
    /// The rule catalog: SARIF rules, HTML "why / how to fix" sections and table titles come from it.
    pub rules: &'a [RuleMeta],
    /// Emit ANSI colours (table only). The CLI sets it when stdout is a terminal and `NO_COLOR` is unset.
    pub color: bool,
    /// Terminal width in columns for the table format; `None` = no wrapping.
    pub width: Option<u16>,
    /// A previous report: Markdown and HTML show the delta (new / fixed / unchanged).
    pub baseline: Option<&'a Report>,
    /// A network graph picture (trusted SVG markup made by seawall), embedded by the HTML format.
    pub graph_svg: Option<&'a str>,
    /// Also print the package inventory (table format).
    pub show_packages: bool,
    /// Creation time for SBOMs; when `None`, [`RenderContext::source_date_epoch`] is used if set, else
    /// the current time.
    pub created: Option<Timestamp>,
    /// The value of `SOURCE_DATE_EPOCH` in the caller's environment (seconds since the Unix epoch; an
    /// empty value counts as unset, anything else that is not a number is an error when an SBOM needs
    /// the time).
    pub source_date_epoch: Option<&'a str>,
}

impl<'a> RenderContext<'a> {
    /// A context with the rule catalog and every option off.
    pub fn new(rules: &'a [RuleMeta]) -> Self {
        RenderContext { rules, ..RenderContext::default() }
    }

    /// Turns colours on or off.
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// Sets the terminal width.
    pub fn with_width(mut self, width: Option<u16>) -> Self {
        self.width = width;
        self
    }

    /// Sets the baseline report.
    pub fn with_baseline(mut self, baseline: Option<&'a Report>) -> Self {
        self.baseline = baseline;
        self
    }

    /// Sets the network graph SVG.
    pub fn with_graph_svg(mut self, svg: Option<&'a str>) -> Self {
        self.graph_svg = svg;
        self
    }

    /// Shows the package inventory in the table format.
    pub fn with_packages(mut self, show: bool) -> Self {
        self.show_packages = show;
        self
    }

    /// Fixes the SBOM creation time.
    pub fn with_created(mut self, created: Option<Timestamp>) -> Self {
        self.created = created;
        self
    }

    /// Sets the `SOURCE_DATE_EPOCH` value ([`seawall_core::Environment::source_date_epoch`]).
    pub fn with_source_date_epoch(mut self, value: Option<&'a str>) -> Self {
        self.source_date_epoch = value;
        self
    }

    /// Looks a rule up in the catalog.
    pub fn rule(&self, id: &str) -> Option<&'a RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The creation time for SBOM metadata: [`RenderContext::created`], else `SOURCE_DATE_EPOCH`, else now.
    pub fn creation_time(&self) -> Result<Timestamp, ReportError> {
        if let Some(t) = self.created {
            return Ok(t);
        }
        match parse_epoch(self.source_date_epoch)? {
            Some(t) => Ok(t),
            None => Ok(Timestamp::now()),
        }
    }

    /// The creation time only when one is fixed (context or `SOURCE_DATE_EPOCH`); used where a
    /// timestamp is optional, so that output stays byte-identical without it.
    pub fn fixed_creation_time(&self) -> Result<Option<Timestamp>, ReportError> {
        match self.created {
            Some(t) => Ok(Some(t)),
            None => parse_epoch(self.source_date_epoch),
        }
    }
}

/// Parses a `SOURCE_DATE_EPOCH` value; an empty value counts as unset.
fn parse_epoch(v: Option<&str>) -> Result<Option<Timestamp>, ReportError> {
    let Some(v) = v.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let secs: i64 = v.trim().parse().map_err(|_| ReportError::SourceDateEpoch(v.to_string()))?;
    Timestamp::from_second(secs).map(Some).map_err(|_| ReportError::SourceDateEpoch(v.to_string()))
}

/// RFC 3339 UTC with whole seconds, as SPDX and CycloneDX want it: `2026-01-01T00:00:00Z`.
pub(crate) fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_parsing() {
        assert_eq!(parse_epoch(None).ok(), Some(None));
        assert_eq!(parse_epoch(Some("")).ok(), Some(None));
        let t = parse_epoch(Some("1700000000")).ok().flatten();
        assert_eq!(t.map(rfc3339).as_deref(), Some("2023-11-14T22:13:20Z"));
        assert!(parse_epoch(Some("yesterday")).is_err());
        assert!(parse_epoch(Some("99999999999999999")).is_err());
    }

    #[test]
    fn context_time_wins() {
        let t = Timestamp::from_second(0).ok();
        let ctx = RenderContext::default().with_created(t);
        assert_eq!(ctx.creation_time().ok(), t);
        assert_eq!(ctx.fixed_creation_time().ok(), Some(t));
        let both = ctx.with_source_date_epoch(Some("1700000000"));
        assert_eq!(both.creation_time().ok(), t);
    }

    #[test]
    fn source_date_epoch_fixes_the_time() {
        let ctx = RenderContext::default().with_source_date_epoch(Some("1700000000"));
        assert_eq!(
            ctx.fixed_creation_time().ok().flatten().map(rfc3339).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(ctx.creation_time().ok().map(rfc3339).as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(
            RenderContext::default().with_source_date_epoch(Some("")).fixed_creation_time().ok(),
            Some(None)
        );
        assert!(RenderContext::default().with_source_date_epoch(Some("soon")).fixed_creation_time().is_err());
        assert_eq!(RenderContext::default().fixed_creation_time().ok(), Some(None));
    }
}
