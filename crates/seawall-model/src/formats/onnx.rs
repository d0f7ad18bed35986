//! ONNX (`ModelProto`): custom operator domains and `external_data` locations that escape the model
//! directory. Initializer payloads are skipped, never held.

use std::collections::BTreeSet;

use crate::ctx::{Ctx, Scope};
use crate::formats::protobuf::{self, MAX_DEPTH};
use crate::input::Input;
use crate::rules;

#[derive(Default)]
struct Seen {
    domains: BTreeSet<String>,
    function_domains: BTreeSet<String>,
    external: Vec<(String, String)>,
    nodes: u64,
}

fn standard_domain(d: &str) -> bool {
    matches!(
        d,
        "" | "ai.onnx"
            | "ai.onnx.ml"
            | "ai.onnx.training"
            | "ai.onnx.preview.training"
            | "com.microsoft"
            | "com.microsoft.nchwc"
            | "com.microsoft.experimental"
            | "com.ms.internal.nhwc"
    )
}

/// True when an external-data location leaves the model directory.
pub(crate) fn escapes(loc: &str) -> bool {
    let l = loc.trim();
    l.starts_with('/')
        || l.starts_with('\\')
        || l.starts_with('~')
        || l.contains('\0')
        || l.as_bytes().get(1) == Some(&b':')
        || l.contains("://")
        || l.split(['/', '\\']).any(|c| c == "..")
}

/// `TensorProto`: name (8), external_data (13) → StringStringEntryProto{key (1), value (2)}.
fn tensor(inp: &mut Input<'_>, end: u64, seen: &mut Seen) -> Result<(), String> {
    let mut name = String::new();
    let mut locs = Vec::new();
    protobuf::messages(inp, Some(end), &mut |inp, f, e| match f {
        8 => {
            name = protobuf::string_to(inp, e, 256)?;
            Ok(true)
        }
        13 => {
            let mut key = String::new();
            let mut val = String::new();
            protobuf::messages(inp, Some(e), &mut |inp, f, e| match f {
                1 => {
                    key = protobuf::string_to(inp, e, 64)?;
                    Ok(true)
                }
                2 => {
                    val = protobuf::string_to(inp, e, 4096)?;
                    Ok(true)
                }
                _ => Ok(false),
            })?;
            if key == "location" {
                locs.push(val);
            }
            Ok(true)
        }
        _ => Ok(false),
    })?;
    for l in locs {
        seen.external.push((name.clone(), l));
    }
    Ok(())
}

/// Fields of a message that are tensors (`TensorProto`), walked by [`tensor`].
fn tensors(inp: &mut Input<'_>, end: u64, fields: &[u32], seen: &mut Seen) -> Result<(), String> {
    protobuf::messages(inp, Some(end), &mut |inp, f, e| {
        if fields.contains(&f) {
            tensor(inp, e, seen)?;
            return Ok(true);
        }
        Ok(false)
    })
}

/// `GraphProto`: node (1), initializer (5), sparse_initializer (15: values 1, indices 2).
fn graph(inp: &mut Input<'_>, end: u64, seen: &mut Seen, depth: u32) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("subgraphs nested too deeply".into());
    }
    protobuf::messages(inp, Some(end), &mut |inp, f, e| match f {
        1 => {
            node(inp, e, seen, depth + 1)?;
            Ok(true)
        }
        5 => {
            tensor(inp, e, seen)?;
            Ok(true)
        }
        15 => {
            tensors(inp, e, &[1, 2], seen)?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// `NodeProto`: domain (7), attribute (5) → AttributeProto{t 5, g 6, tensors 10, graphs 11}.
fn node(inp: &mut Input<'_>, end: u64, seen: &mut Seen, depth: u32) -> Result<(), String> {
    seen.nodes += 1;
    protobuf::messages(inp, Some(end), &mut |inp, f, e| match f {
        7 => {
            let d = protobuf::string_to(inp, e, 256)?;
            if seen.domains.len() < 1000 {
                seen.domains.insert(d);
            }
            Ok(true)
        }
        5 => {
            protobuf::messages(inp, Some(e), &mut |inp, f, e| match f {
                5 | 10 => {
                    tensor(inp, e, seen)?;
                    Ok(true)
                }
                6 | 11 => {
                    graph(inp, e, seen, depth + 1)?;
                    Ok(true)
                }
                _ => Ok(false),
            })?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// Scans an ONNX stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut seen = Seen::default();
    // ModelProto: graph (7), functions (25) → FunctionProto{node 7, domain 10}
    let res = protobuf::messages(inp, None, &mut |inp, f, e| match f {
        7 => {
            graph(inp, e, &mut seen, 0)?;
            Ok(true)
        }
        25 => {
            protobuf::messages(inp, Some(e), &mut |inp, f, e| match f {
                10 => {
                    let d = protobuf::string_to(inp, e, 256)?;
                    seen.function_domains.insert(d);
                    Ok(true)
                }
                7 => {
                    node(inp, e, &mut seen, 1)?;
                    Ok(true)
                }
                _ => Ok(false),
            })?;
            Ok(true)
        }
        _ => Ok(false),
    });
    if let Err(e) = res {
        ctx.hit(scope, "onnx", &rules::MALFORMED, vec![], None, format!("invalid ONNX protobuf: {e}"));
    }
    for (tensor, loc) in seen.external.iter().take(50) {
        if escapes(loc) {
            ctx.hit(
                scope,
                "onnx",
                &rules::ONNX_EXTERNAL,
                vec![],
                None,
                format!("initializer {tensor:?} reads external data from {loc:?}"),
            );
        }
    }
    let custom: Vec<&String> =
        seen.domains.iter().filter(|d| !standard_domain(d) && !seen.function_domains.contains(*d)).collect();
    if !custom.is_empty() {
        let list: Vec<&str> = custom.iter().take(10).map(|s| s.as_str()).collect();
        ctx.hit(
            scope,
            "onnx",
            &rules::ONNX_CUSTOM_OP,
            vec![],
            None,
            format!("custom operator domain(s): {}", list.join(", ")),
        );
    }
    let _ = inp.drain();
    ctx.model(scope, mark, "onnx", Some("onnx"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_locations() {
        assert!(escapes("../../etc/passwd"));
        assert!(escapes("/etc/shadow"));
        assert!(escapes("C:\\x"));
        assert!(escapes("a/../../b"));
        assert!(!escapes("weights.bin"));
        assert!(!escapes("sub/weights..bin"));
    }
}
