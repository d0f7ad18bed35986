//! `--format json`: the report as is, pretty-printed (documented in `docs/json-output.md`).

use std::io::Write;

use seawall_core::Report;

use crate::ReportError;

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(ReportError::json("json"))?;
    out.write_all(b"\n").map_err(ReportError::io("json"))
}
