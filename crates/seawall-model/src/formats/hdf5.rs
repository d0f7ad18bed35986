//! HDF5 (Keras 2 `.h5`): locate the JSON model configs without a full HDF5 parser.
//!
//! Keras writes `model_config` (and `training_config`) as string attributes whose value is JSON
//! starting with `{"class_name"` (Keras ≤ 2.12) or `{"module"` (Keras ≥ 2.13). Whether h5py stores the attribute inline in the object header
//! (compact storage), in dense attribute storage (fractal heap) or as a variable-length string in the
//! global heap, the JSON text is stored contiguously and uncompressed (attributes are never
//! filtered). So a single streaming pass that finds every `{"class_name"` / `{"module"` and captures the balanced
//! JSON object behind it finds the config wherever the HDF5 structures put it — including a second,
//! shadow config that a naive "first attribute" reader would miss. Every candidate is checked.

use std::io::BufRead;

use serde_json::Value;

use crate::ctx::{Ctx, Scope};
use crate::formats::keras;
use crate::input::Input;
use crate::rules;

/// Keras ≤ 2.12 writes `{"class_name": …}`; Keras ≥ 2.13 / 3 write `{"module": …, "class_name": …}`.
const NEEDLES: [&[u8]; 2] = [b"{\"class_name\"", b"{\"module\""];
/// Longest needle minus one: the overlap kept between windows.
const OVERLAP: usize = 12;
/// Most configs examined per file.
const MAX_CONFIGS: usize = 16;

/// Captures one balanced JSON object starting at the current position (which is `{`).
fn capture(inp: &mut Input<'_>, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let mut depth = 0u32;
    let mut in_str = false;
    let mut esc = false;
    loop {
        let buf = inp.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let mut used = 0;
        let mut done = false;
        for &c in buf {
            used += 1;
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            done = true;
                            break;
                        }
                    }
                    0 => {
                        // NUL outside a string: not JSON (end of a fixed-size attribute)
                        out.extend_from_slice(&buf[..used]);
                        inp.consume(used);
                        return Ok(None);
                    }
                    _ => {}
                }
            }
        }
        out.extend_from_slice(&buf[..used]);
        inp.consume(used);
        if done {
            return Ok(Some(out));
        }
        if out.len() as u64 > cap {
            return Ok(None);
        }
    }
}

/// Scans an HDF5 stream (or any binary container that stores Keras configs as contiguous JSON,
/// such as a SavedModel's `keras_metadata.pb`), labelled `found` when a Keras config is in it and
/// `plain` otherwise.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope, found: &str, plain: &str) {
    let mark = ctx.mark();
    let mut configs = 0usize;
    let mut error = None;
    const WINDOW: usize = 128 * 1024;
    loop {
        let buf = match inp.peek(WINDOW) {
            Ok(b) => b,
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        };
        let at_end = buf.len() < WINDOW;
        match NEEDLES.iter().filter_map(|n| memchr::memmem::find(buf, n)).min() {
            Some(i) => {
                inp.consume(i);
                match capture(inp, keras::MAX_CONFIG) {
                    Ok(Some(json)) => {
                        if let Ok(v) = serde_json::from_slice::<Value>(&json)
                            && keras::looks_like_keras(&v)
                        {
                            configs += 1;
                            if configs <= MAX_CONFIGS {
                                keras::check_config(ctx, scope, &v, found);
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        error = Some(e.to_string());
                        break;
                    }
                }
            }
            None if at_end => {
                let _ = inp.drain();
                break;
            }
            None => {
                let n = buf.len() - OVERLAP;
                inp.consume(n);
            }
        }
    }
    if let Some(e) = error {
        ctx.hit(scope, found, &rules::UNSCANNABLE, vec![], None, format!("HDF5 file could not be read: {e}"));
    }
    let (label, fw) = if configs > 0 { (found, Some("keras")) } else { (plain, None) };
    ctx.model(scope, mark, label, fw);
}
