//! safetensors: 8-byte header length, JSON header, contiguous tensor data. Everything is checked the
//! way the reference implementation validates, plus bounds against the real data length.

use serde_json::Value;

use crate::ctx::{Ctx, Scope};
use crate::input::Input;
use crate::rules;

/// The reference implementation refuses headers above 100 MB.
const MAX_HEADER: u64 = 100_000_000;
/// Largest header we parse in memory.
const PARSE_HEADER: u64 = 16 << 20;

fn dtype_bits(d: &str) -> Option<u64> {
    Some(match d {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        _ => return None,
    })
}

/// Validates a parsed header against the data length. Returns the problems found.
pub(crate) fn validate(header: &Value, data_len: Option<u64>) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(map) = header.as_object() else {
        return vec!["header is not a JSON object".into()];
    };
    let mut spans: Vec<(u64, u64, String)> = Vec::new();
    for (name, t) in map {
        if name == "__metadata__" {
            match t.as_object() {
                Some(m) if m.values().all(Value::is_string) => {}
                _ => errs.push("__metadata__ must map strings to strings".into()),
            }
            continue;
        }
        let dtype = t.get("dtype").and_then(Value::as_str);
        let shape: Option<Vec<u64>> =
            t.get("shape").and_then(Value::as_array).and_then(|a| a.iter().map(Value::as_u64).collect());
        let offs: Option<Vec<u64>> = t
            .get("data_offsets")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect());
        let (Some(dtype), Some(shape), Some(offs)) = (dtype, shape, offs) else {
            errs.push(format!("tensor {name:?} lacks a valid dtype, shape or data_offsets"));
            continue;
        };
        if offs.len() != 2 || offs[1] < offs[0] {
            errs.push(format!("tensor {name:?} has invalid data_offsets {offs:?}"));
            continue;
        }
        let Some(bits) = dtype_bits(dtype) else {
            errs.push(format!("tensor {name:?} has unknown dtype {dtype:?}"));
            continue;
        };
        let n = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).and_then(|n| n.checked_mul(bits));
        match n {
            Some(b) if b % 8 == 0 && b / 8 == offs[1] - offs[0] => {}
            _ => errs.push(format!(
                "tensor {name:?}: shape {shape:?} × {dtype} does not match data_offsets {offs:?}"
            )),
        }
        spans.push((offs[0], offs[1], name.clone()));
    }
    spans.sort();
    let mut pos = 0u64;
    for (b, e, name) in &spans {
        if *b != pos {
            errs.push(format!("tensor {name:?} starts at {b}, expected {pos} (gap or overlap)"));
        }
        pos = pos.max(*e);
    }
    if let Some(len) = data_len {
        if pos > len {
            errs.push(format!("tensor data ends at {pos}, beyond the {len} bytes of data in the file"));
        } else if pos != len {
            errs.push(format!("{} bytes of data after the last tensor", len - pos));
        }
    }
    errs.truncate(10);
    errs
}

/// Scans a safetensors stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut problems = Vec::new();
    let mut unscannable = None;
    match inp.array::<8>() {
        Ok(Some(h)) => {
            let n = u64::from_le_bytes(h);
            let file_data = scope.size.map(|s| s.saturating_sub(8));
            if file_data.is_some_and(|d| n > d) {
                problems.push(format!(
                    "header length {n} exceeds the file size minus 8 ({})",
                    file_data.unwrap_or(0)
                ));
            } else if n > MAX_HEADER {
                problems.push(format!("header length {n} exceeds the 100 MB limit of the reference parser"));
            } else if n > PARSE_HEADER {
                unscannable =
                    Some(format!("header of {n} bytes is larger than the {PARSE_HEADER} bytes parsed"));
            } else {
                let mut hb = Vec::new();
                match inp.read_capped(n, n as usize, &mut hb) {
                    Ok(true) => {
                        if hb.first() != Some(&b'{') {
                            problems.push("header does not start with '{'".into());
                        } else {
                            match serde_json::from_slice::<Value>(&hb) {
                                Ok(v) => {
                                    let data_len = inp.drain().ok();
                                    problems.extend(validate(&v, data_len));
                                }
                                Err(e) => problems.push(format!("header is not valid JSON: {e}")),
                            }
                        }
                    }
                    Ok(false) => problems.push(format!("header length {n} exceeds the file")),
                    Err(e) => unscannable = Some(format!("read error: {e}")),
                }
            }
        }
        Ok(None) => problems.push("file shorter than 8 bytes".into()),
        Err(e) => unscannable = Some(format!("read error: {e}")),
    }
    if !problems.is_empty() {
        ctx.hit(scope, "safetensors", &rules::MALFORMED, vec![], None, problems.join("; "));
    }
    if let Some(u) = unscannable {
        ctx.hit(scope, "safetensors", &rules::UNSCANNABLE, vec![], None, u);
    }
    let _ = inp.drain();
    ctx.model(scope, mark, "safetensors", None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_offsets() {
        let ok: Value = serde_json::json!({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "__metadata__": {"format": "pt"}});
        assert!(validate(&ok, Some(8)).is_empty());
        assert!(!validate(&ok, Some(4)).is_empty());
        let overlap: Value = serde_json::json!({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}});
        assert!(!validate(&overlap, Some(12)).is_empty());
        let huge: Value = serde_json::json!({"a": {"dtype": "F32", "shape": [2147483648u64], "data_offsets": [0, 8589934592u64]}});
        assert!(!validate(&huge, Some(100)).is_empty());
    }
}
