//! Jupyter notebooks: cell sources and text outputs are scanned as the text they represent (not as
//! JSON-escaped strings), and findings are mapped back to the line of the `.ipynb` file that holds the
//! string.

use seawall_core::{Finding, Location};
use serde_json::Value;

use crate::emit::{self, LineCursor};
use crate::engine::{self, Hint};
use crate::generic::Syntax;
use crate::plain::scan_plain;

/// Output MIME types whose content is scanned.
fn scanned_mime(m: &str) -> bool {
    m.starts_with("text/") || m == "application/json" || m == "application/javascript"
}

/// How far ahead of the previous string the next one is searched for.
const LOOKAHEAD: usize = 256 * 1024;

/// One string element of a notebook and where it was found in the raw file.
struct Piece {
    /// Offset of the element in the joined cell text.
    offset: usize,
    /// 1-based line of the element's JSON string in the raw file.
    raw_line: Option<u32>,
    /// 1-based byte column of the element's opening quote in the raw file.
    raw_col: Option<u32>,
}

/// Locates JSON-encoded strings in the raw file, moving forward only (linear overall).
struct Locator<'a> {
    raw: &'a [u8],
    pos: usize,
    cursor: LineCursor,
}

impl Locator<'_> {
    fn find(&mut self, s: &str) -> (Option<u32>, Option<u32>) {
        let Ok(enc) = serde_json::to_string(s) else {
            return (None, None);
        };
        // Strings appear in file order and close together; a bounded look-ahead keeps a notebook whose
        // strings are encoded differently (`\u00e9`, `\/`) linear instead of quadratic.
        let end = self.raw.len().min(self.pos.saturating_add(LOOKAHEAD).saturating_add(enc.len()));
        let Some(rest) = self.raw.get(self.pos..end) else {
            return (None, None);
        };
        match memchr::memmem::find(rest, enc.as_bytes()) {
            Some(i) => {
                let at = self.pos + i;
                self.cursor.advance(self.raw, 0, at);
                self.pos = at + enc.len();
                (Some(self.cursor.line()), Some(self.cursor.column()))
            }
            None => (None, None),
        }
    }
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Scans a Jupyter notebook: every cell's `source` (code cells as program source, markdown/raw as
/// text) and every output's text (`stream` text, `text/*` and JSON data, tracebacks). Findings carry the
/// raw file line of the string, and `details["cell"]` (0-based cell index). Content that is not a
/// notebook is scanned as plain text. Never panics.
pub fn scan_notebook(path: &str, layer: Option<u32>, bytes: &[u8]) -> Vec<Finding> {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let Some(cells) = parsed.as_ref().and_then(|v| v.get("cells")).and_then(Value::as_array) else {
        return scan_plain(path, layer, bytes, Syntax::Config);
    };
    let mut loc = Locator { raw: bytes, pos: 0, cursor: LineCursor::default() };
    let mut out = Vec::new();
    for (ci, cell) in cells.iter().enumerate() {
        let syntax = if cell.get("cell_type").and_then(Value::as_str) == Some("code") {
            Syntax::Code
        } else {
            Syntax::Config
        };
        if let Some(src) = cell.get("source") {
            scan_pieces(path, layer, ci, &strings(src), syntax, &mut loc, &mut out);
        }
        for o in cell.get("outputs").and_then(Value::as_array).into_iter().flatten() {
            let mut texts: Vec<&str> = Vec::new();
            if let Some(t) = o.get("text") {
                texts.extend(strings(t));
            }
            if let Some(data) = o.get("data").and_then(Value::as_object) {
                for (mime, v) in data {
                    if scanned_mime(mime) {
                        texts.extend(strings(v));
                    }
                }
            }
            if let Some(tb) = o.get("traceback") {
                texts.extend(strings(tb));
            }
            if !texts.is_empty() {
                scan_pieces(path, layer, ci, &texts, Syntax::Config, &mut loc, &mut out);
            }
        }
    }
    out
}

fn scan_pieces(
    path: &str,
    layer: Option<u32>,
    cell: usize,
    parts: &[&str],
    syntax: Syntax,
    loc: &mut Locator<'_>,
    out: &mut Vec<Finding>,
) {
    let Some(e) = engine::engine() else { return };
    let mut text = String::new();
    let mut pieces = Vec::with_capacity(parts.len());
    for p in parts {
        let (raw_line, raw_col) = loc.find(p);
        pieces.push(Piece { offset: text.len(), raw_line, raw_col });
        text.push_str(p);
        if !p.ends_with('\n') {
            text.push('\n');
        }
    }
    let bytes = text.as_bytes();
    for c in e.scan(bytes, Hint { syntax, file_name: "" }) {
        let Some(secret) = bytes.get(c.secret.clone()) else {
            continue;
        };
        let idx = pieces.partition_point(|p| p.offset <= c.secret.start).saturating_sub(1);
        let mut location = Location::file(path).with_layer(layer);
        if let Some(p) = pieces.get(idx) {
            if let Some(l) = p.raw_line {
                location = location.with_line(l);
            }
            if let Some(col) = p.raw_col {
                let delta = u32::try_from(c.secret.start - p.offset).unwrap_or(0);
                location = location.with_column(col.saturating_add(1).saturating_add(delta));
            }
        }
        if let Some(mut f) = emit::finding(&c, secret, location) {
            f.details.insert("cell".into(), cell.to_string());
            out.push(f);
        }
    }
}
