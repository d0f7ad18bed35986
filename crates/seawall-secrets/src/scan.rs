//! Scanning entry points: in-memory buffers, readers in chunks, and name/value assignments.

use std::io::Read;

use seawall_core::{Finding, Location};

use crate::SecretsError;
use crate::emit::{self, LineCursor};
use crate::engine::{self, Engine, Hint};
use crate::generic::Syntax;
use crate::notebook;
use crate::plain::{emit_at, file_name_lower, scan_plain};
use crate::sniff::looks_binary;

/// Size of one chunk when scanning a reader.
const CHUNK: usize = 1 << 20;

/// Largest notebook parsed whole (cell by cell); larger ones are streamed as plain JSON text.
pub(crate) const NOTEBOOK_WHOLE_MAX: usize = 64 << 20;

/// What [`scan_reader`] saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReaderScan {
    /// Findings, in file order.
    pub findings: Vec<Finding>,
    /// Bytes scanned.
    pub bytes: u64,
    /// True when the content looked binary and was not scanned.
    pub binary: bool,
    /// True when the content was longer than the limit and only its beginning was scanned.
    pub truncated: bool,
}

fn engine_or_err() -> Result<&'static Engine, SecretsError> {
    engine::engine()
        .ok_or_else(|| SecretsError::Engine(engine::engine_error().unwrap_or("unknown").to_string()))
}

fn is_notebook(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".ipynb")
}

/// Scans a text for secrets. `path` is used for the finding locations and to choose the syntax family
/// (program source needs quoted values for generic assignments); `layer` is the image layer, if any.
///
/// Notebooks (`*.ipynb`) are scanned cell by cell (see [`crate::scan_notebook`]).
pub fn scan_text(path: &str, layer: Option<u32>, text: &str) -> Vec<Finding> {
    scan_bytes(path, layer, text.as_bytes())
}

/// Scans an in-memory file (any bytes; invalid UTF-8 is tolerated, binary content is not rejected
/// here — use [`crate::looks_binary`] first). Never panics; work is linear in `bytes.len()`.
///
/// This is the fuzz entry point for the engine.
pub fn scan_bytes(path: &str, layer: Option<u32>, bytes: &[u8]) -> Vec<Finding> {
    if is_notebook(path) {
        return notebook::scan_notebook(path, layer, bytes);
    }
    scan_plain(path, layer, bytes, Syntax::for_path(path))
}

/// Scans a reader in chunks of 1 MiB that overlap by the longest match any detector declares, so memory
/// stays bounded for any input size. Reads at most `limit` bytes. The first bytes are sniffed: binary
/// content is not scanned (`binary` is set).
///
/// Notebooks up to 64 MiB are read whole and scanned cell by cell; larger ones are streamed as JSON text.
pub fn scan_reader(
    path: &str,
    layer: Option<u32>,
    reader: &mut dyn Read,
    limit: u64,
) -> Result<ReaderScan, SecretsError> {
    scan_reader_chunked(path, layer, reader, limit, CHUNK, NOTEBOOK_WHOLE_MAX)
}

/// [`scan_reader`] with an explicit chunk size (tests use small chunks to exercise the overlap).
pub(crate) fn scan_reader_chunked(
    path: &str,
    layer: Option<u32>,
    reader: &mut dyn Read,
    limit: u64,
    chunk: usize,
    notebook_max: usize,
) -> Result<ReaderScan, SecretsError> {
    let e = engine_or_err()?;
    let mut out = ReaderScan::default();
    let mut limited = reader.take(limit);
    let read_err = |offset: u64, source| SecretsError::Read { path: path.to_string(), offset, source };

    let mut syntax = Syntax::for_path(path);
    let mut prefix: Vec<u8> = Vec::new();
    if is_notebook(path) {
        // Notebooks are parsed whole (cell by cell) up to `notebook_max` bytes; a larger one is streamed as
        // the JSON text it is, so that no byte goes unscanned.
        (&mut limited)
            .take(notebook_max as u64 + 1)
            .read_to_end(&mut prefix)
            .map_err(|err| read_err(0, err))?;
        if prefix.len() <= notebook_max {
            out.bytes = prefix.len() as u64;
            out.truncated = probe_more(limited.into_inner());
            if looks_binary(&prefix[..prefix.len().min(crate::SNIFF)]) {
                out.binary = true;
                return Ok(out);
            }
            out.findings = notebook::scan_notebook(path, layer, &prefix);
            return Ok(out);
        }
        syntax = Syntax::Config;
    }
    let mut limited = std::io::Cursor::new(prefix).chain(limited);

    let name = file_name_lower(path);
    let hint = Hint { syntax, file_name: &name };
    let ctx = e.max_match_len();
    // Grown by `read_to_end` as bytes arrive: a small file never costs a chunk-sized allocation.
    let mut buf: Vec<u8> = Vec::new();
    let mut buf_abs = 0usize;
    let mut own_start = 0usize;
    let mut cursor = LineCursor::default();
    let mut first = true;
    loop {
        // Fill the buffer. `read_to_end` reads into the spare capacity and zero-initialises only what
        // each read is offered, where resizing to the chunk first cleared 1 MiB per file (5 % of an
        // image scan's CPU, `memset` in the profile). It retries `Interrupted`; on another error the
        // bytes read before it are already in `buf`, so `buf_abs + buf.len()` is the failing offset.
        let want = chunk.max(1) + 2 * ctx;
        let mut eof = false;
        if buf.len() < want {
            let need = (want - buf.len()) as u64;
            if let Err(err) = (&mut limited).take(need).read_to_end(&mut buf) {
                return Err(read_err((buf_abs + buf.len()) as u64, err));
            }
            eof = buf.len() < want;
        }
        if first {
            first = false;
            if looks_binary(&buf[..buf.len().min(crate::SNIFF)]) {
                out.binary = true;
                out.bytes = buf.len() as u64;
                return Ok(out);
            }
        }
        let own_end = if eof { buf_abs + buf.len() } else { buf_abs + buf.len() - ctx };
        for c in e.scan(&buf, hint) {
            let abs = buf_abs + c.secret.start;
            if abs < own_start || abs >= own_end {
                continue;
            }
            cursor.advance(&buf, buf_abs, abs);
            if let Some(f) = emit_at(&c, &buf, path, layer, &cursor) {
                out.findings.push(f);
            }
        }
        if eof {
            out.bytes = (buf_abs + buf.len()) as u64;
            break;
        }
        let keep_from = own_end.saturating_sub(ctx).max(buf_abs);
        cursor.advance(&buf, buf_abs, keep_from);
        buf.drain(..keep_from - buf_abs);
        buf_abs = keep_from;
        own_start = own_end;
    }
    let (_, rest) = limited.into_inner();
    out.truncated = probe_more(rest.into_inner());
    Ok(out)
}

/// True if the reader has at least one more byte.
fn probe_more(r: &mut dyn Read) -> bool {
    let mut one = [0u8; 1];
    loop {
        match r.read(&mut one) {
            Ok(n) => return n > 0,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
}

/// Checks one name/value pair where the name gives context: Dockerfile `ENV`/`ARG` defaults, compose
/// `environment`/`build.args`, Kubernetes `env[].value`, image config `Env`, labels.
///
/// Provider-specific shapes anywhere in the value win (`FOO=ghp_…` is a GitHub token whatever the
/// name); otherwise a secret-like name (`HF_TOKEN`, `DB_PASSWORD`, `apiKey`) with a non-placeholder,
/// sufficiently random value is a generic finding. Returns the most specific finding, with
/// `details["key"]` = `name` and the given location (its line/column are kept as given).
pub fn scan_assignment(name: &str, value: &str, location: Location) -> Option<Finding> {
    let e = engine::engine()?;
    let value = strip_quotes(value.trim());
    let line = format!("{name}={value}");
    let bytes = line.as_bytes();
    let cands = e.scan(bytes, Hint { syntax: Syntax::Config, file_name: "" });
    // Only secrets inside the value count (the name itself is not a secret).
    let vstart = name.len() + 1;
    let best = cands
        .into_iter()
        .filter(|c| c.secret.start >= vstart)
        .min_by_key(|c| (c.priority, std::cmp::Reverse(c.secret.len())))?;
    let secret = bytes.get(best.secret.clone())?;
    let mut f = emit::finding(&best, secret, location)?;
    f.details.insert("key".into(), name.chars().take(64).collect());
    f.message = match f.redacted.as_deref() {
        Some(r) => format!("{} `{r}` (in `{}`)", f.title, f.details.get("key").map_or("", String::as_str)),
        None => f.message,
    };
    Some(f)
}

fn strip_quotes(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<String> {
        vec![
            format!("hf_{}", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp"),
            format!("ghp_{}", "Zq3v8LmT2pRx9WkBq8Zt2LmX9vKp3RwY7nBc"),
            format!("API_TOKEN={}", "Zq3v8LmT2pRx9WkBq8Zt"),
            format!("postgresql://u:{}@db/x", "Zq3v8LmT2p"),
            format!("AKIA{}", "QMVTWCLDXYPAZRKS"),
        ]
    }

    /// `n` tokens, the i-th after `i % pad_mod` copies of `pad`, followed by a newline every
    /// `newline_every` tokens and a space otherwise.
    fn token_text(n: usize, pad: &str, pad_mod: usize, newline_every: usize) -> String {
        let toks = tokens();
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&pad.repeat(i % pad_mod));
            text.push_str(&toks[i % toks.len()]);
            text.push(if i % newline_every == 0 { '\n' } else { ' ' });
        }
        text
    }

    fn key(f: &Finding) -> (String, Option<u32>, Option<u32>, String) {
        (f.id.clone(), f.location.line, f.location.column, f.fingerprint.clone())
    }

    #[test]
    fn chunked_equals_whole() {
        // Secrets at many offsets, including across every chunk boundary position.
        let text = token_text(400, "lorem ipsum dolor sit amet ", 7, 3);
        let whole: Vec<_> = scan_bytes("a.env", Some(3), text.as_bytes()).iter().map(key).collect();
        assert_eq!(whole.len(), 400);
        for chunk in [997, 4097, 50_000] {
            let r = scan_reader_chunked("a.env", Some(3), &mut text.as_bytes(), u64::MAX, chunk, 1 << 20)
                .unwrap();
            let got: Vec<_> = r.findings.iter().map(key).collect();
            assert_eq!(got, whole, "chunk {chunk}");
            assert!(!r.truncated && !r.binary);
            assert_eq!(r.bytes, text.len() as u64);
        }
    }

    /// A reader that hands out at most `step` bytes per call, answers `Interrupted` every third call,
    /// and fails with an I/O error once `fail_at` bytes were read (if set).
    struct Stutter<'a> {
        data: &'a [u8],
        pos: usize,
        step: usize,
        calls: usize,
        fail_at: Option<usize>,
    }

    impl Read for Stutter<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            if self.fail_at.is_some_and(|f| self.pos >= f) {
                return Err(std::io::Error::other("device gone"));
            }
            let end = self.data.len().min(self.pos + self.step).min(self.fail_at.unwrap_or(usize::MAX));
            let n = (end - self.pos).min(out.len());
            out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    /// Regression (buffer filling without zeroing a chunk per file): short reads and `Interrupted`
    /// lose no byte and no finding, and a read error is reported at the exact offset it happened.
    #[test]
    fn short_interrupted_and_failing_reads() {
        let text = token_text(60, "x = 1 # padding line\n", 5, 1);
        let whole: Vec<_> = scan_bytes("a.env", None, text.as_bytes()).iter().map(key).collect();
        for (step, chunk) in [(1, 997), (7, 997), (4096, 1000), (100_000, 4097)] {
            let mut r = Stutter { data: text.as_bytes(), pos: 0, step, calls: 0, fail_at: None };
            let s = scan_reader_chunked("a.env", None, &mut r, u64::MAX, chunk, 1 << 20).unwrap();
            let got: Vec<_> = s.findings.iter().map(key).collect();
            assert_eq!(got, whole, "step {step} chunk {chunk}");
            assert_eq!(s.bytes, text.len() as u64);
        }
        let fail_at = text.len() / 2 + 13;
        let mut r = Stutter { data: text.as_bytes(), pos: 0, step: 333, calls: 0, fail_at: Some(fail_at) };
        match scan_reader_chunked("a.env", None, &mut r, u64::MAX, 997, 1 << 20) {
            Err(SecretsError::Read { path, offset, .. }) => {
                assert_eq!(path, "a.env");
                assert_eq!(offset, fail_at as u64);
            }
            other => panic!("expected a read error, got {other:?}"),
        }
    }

    /// Fail closed (issue 11): a notebook too large to parse whole is still scanned, as JSON text.
    #[test]
    fn notebook_too_large_to_parse_is_streamed_as_text() {
        let tok = &tokens()[0];
        let pad = "a".repeat(5000);
        let nb = format!(
            "{{\"cells\": [{{\"cell_type\": \"code\", \"source\": [\"x = 1\\n\", \"HF_TOKEN={tok}\"]}}], \"pad\": \"{pad}\"}}"
        );
        let whole = scan_bytes("big.ipynb", None, nb.as_bytes());
        assert_eq!(whole.len(), 1);
        let r = scan_reader_chunked("big.ipynb", None, &mut nb.as_bytes(), u64::MAX, 997, 1000).unwrap();
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        assert_eq!(r.findings[0].id, "SW-SEC-001");
        assert_eq!(r.bytes, nb.len() as u64);
        assert!(!r.truncated);
    }

    #[test]
    fn reader_limit_and_binary() {
        let text = format!("x\n{}\n", tokens()[0]).repeat(10);
        let r = scan_reader("a", None, &mut text.as_bytes(), 10).unwrap();
        assert!(r.truncated);
        assert_eq!(r.bytes, 10);
        let bin = b"\x7fELF\x00\x00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";
        let r = scan_reader("a", None, &mut &bin[..], u64::MAX).unwrap();
        assert!(r.binary && r.findings.is_empty());
    }

    #[test]
    fn assignment_api() {
        let loc = Location::file("Dockerfile").with_line(3);
        let f = scan_assignment("HF_TOKEN", "Zq3v8LmT2pRx9WkBq8Zt", loc.clone()).unwrap();
        assert_eq!(f.id, "SW-SEC-035");
        assert_eq!(f.details.get("key").map(String::as_str), Some("HF_TOKEN"));
        assert_eq!(f.location, loc);
        // provider shape wins whatever the name
        let f = scan_assignment("FOO", &tokens()[1], loc.clone()).unwrap();
        assert_eq!(f.id, "SW-SEC-021");
        // quoted values are unquoted
        assert!(scan_assignment("DB_PASSWORD", "\"Str0ng!pw9\"", loc.clone()).is_some());
        for (n, v) in [
            ("HF_TOKEN", "${HF_TOKEN}"),
            ("HF_TOKEN", ""),
            ("PATH", "/usr/bin"),
            ("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
            ("DB_PASSWORD", "changeme"),
            ("OPENAI_API_KEY", "sk-..."),
            ("TOKENIZERS_PARALLELISM", "false"),
            ("HF_TOKEN", "hf_"),
        ] {
            assert!(scan_assignment(n, v, loc.clone()).is_none(), "{n}={v}");
        }
        // the name itself is never the secret
        assert!(scan_assignment(&tokens()[0], "1", loc).is_none());
    }
}
