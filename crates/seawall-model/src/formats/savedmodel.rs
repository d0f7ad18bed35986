//! TensorFlow `saved_model.pb`: ops that touch files or call Python, in graphs and function
//! libraries. The standard checkpoint saver (`save/…` nodes, `__inference__traced_save/restore`
//! functions) legitimately uses Save/Restore ops and is exempt; ReadFile/WriteFile/PyFunc never are.

use std::collections::BTreeSet;

use crate::ctx::{Ctx, Scope};
use crate::formats::protobuf::{self, Field};
use crate::input::Input;
use crate::rules;

const PY_OPS: &[&str] = &["PyFunc", "PyFuncStateless", "EagerPyFunc"];
const FILE_OPS: &[&str] = &["ReadFile", "WriteFile", "MatchingFiles", "WholeFileReader", "WholeFileReaderV2"];
const SAVER_OPS: &[&str] =
    &["Save", "SaveV2", "SaveSlices", "Restore", "RestoreV2", "RestoreSlice", "MergeV2Checkpoints"];

#[derive(Default)]
struct Seen {
    py: BTreeSet<String>,
    file: BTreeSet<String>,
}

fn node(inp: &mut Input<'_>, end: u64, func: &str, seen: &mut Seen) -> Result<(), String> {
    let mut name = String::new();
    let mut op = String::new();
    protobuf::walk(inp, Some(end), &mut |inp, f, v| match (f, v) {
        (1, Field::Bytes(n)) => {
            name = protobuf::string(inp, n, 512)?;
            Ok(true)
        }
        (2, Field::Bytes(n)) => {
            op = protobuf::string(inp, n, 256)?;
            Ok(true)
        }
        _ => Ok(false),
    })?;
    let saver = name.starts_with("save/")
        || name.starts_with("save_")
        || func.contains("traced_save")
        || func.contains("traced_restore")
        || func.contains("saver");
    let desc = if func.is_empty() {
        format!("{op} (node {name:?})")
    } else {
        format!("{op} (node {name:?} in {func})")
    };
    if PY_OPS.contains(&op.as_str()) {
        seen.py.insert(desc);
    } else if FILE_OPS.contains(&op.as_str()) || (SAVER_OPS.contains(&op.as_str()) && !saver) {
        seen.file.insert(desc);
    }
    Ok(())
}

fn graph_def(inp: &mut Input<'_>, end: u64, seen: &mut Seen) -> Result<(), String> {
    protobuf::walk(inp, Some(end), &mut |inp, f, v| match (f, v) {
        (1, Field::Bytes(n)) => {
            let e = inp.pos() + n;
            node(inp, e, "", seen)?;
            Ok(true)
        }
        (2, Field::Bytes(n)) => {
            // FunctionDefLibrary.function (1) → FunctionDef{signature(1){name(1)}, node_def(3)}
            let e = inp.pos() + n;
            protobuf::walk(inp, Some(e), &mut |inp, f, v| match (f, v) {
                (1, Field::Bytes(n)) => {
                    let e = inp.pos() + n;
                    let mut fname = String::new();
                    protobuf::walk(inp, Some(e), &mut |inp, f, v| match (f, v) {
                        (1, Field::Bytes(n)) => {
                            let e = inp.pos() + n;
                            protobuf::walk(inp, Some(e), &mut |inp, f, v| match (f, v) {
                                (1, Field::Bytes(n)) => {
                                    fname = protobuf::string(inp, n, 512)?;
                                    Ok(true)
                                }
                                _ => Ok(false),
                            })?;
                            Ok(true)
                        }
                        (3, Field::Bytes(n)) => {
                            let e = inp.pos() + n;
                            node(inp, e, &fname, seen)?;
                            Ok(true)
                        }
                        _ => Ok(false),
                    })?;
                    Ok(true)
                }
                _ => Ok(false),
            })?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// Scans a `saved_model.pb` stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut seen = Seen::default();
    let res = protobuf::walk(inp, None, &mut |inp, f, v| match (f, v) {
        (2, Field::Bytes(n)) => {
            let e = inp.pos() + n;
            protobuf::walk(inp, Some(e), &mut |inp, f, v| match (f, v) {
                (2, Field::Bytes(n)) => {
                    let e = inp.pos() + n;
                    graph_def(inp, e, &mut seen)?;
                    Ok(true)
                }
                _ => Ok(false),
            })?;
            Ok(true)
        }
        _ => Ok(false),
    });
    if let Err(e) = res {
        ctx.hit(
            scope,
            "tf-savedmodel",
            &rules::UNSCANNABLE,
            vec![],
            None,
            format!("invalid SavedModel protobuf: {e}"),
        );
    }
    if !seen.py.is_empty() {
        let l: Vec<&str> = seen.py.iter().take(10).map(String::as_str).collect();
        ctx.hit(scope, "tf-savedmodel", &rules::TF_PYFUNC, vec![], None, l.join("; "));
    }
    if !seen.file.is_empty() {
        let l: Vec<&str> = seen.file.iter().take(10).map(String::as_str).collect();
        ctx.hit(scope, "tf-savedmodel", &rules::TF_FILE_OPS, vec![], None, l.join("; "));
    }
    let _ = inp.drain();
    ctx.model(scope, mark, "tf-savedmodel", Some("tensorflow"));
}
