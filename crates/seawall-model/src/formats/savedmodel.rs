//! TensorFlow `saved_model.pb`: ops that touch files or call Python, in graphs and function
//! libraries. The standard checkpoint saver (`save/…` nodes, `__inference__traced_save/restore`
//! functions) legitimately uses Save/Restore ops and is exempt; ReadFile/WriteFile/PyFunc never are.

use std::collections::BTreeSet;

use crate::ctx::{Ctx, Scope};
use crate::formats::protobuf;
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
    protobuf::messages(inp, Some(end), &mut |inp, f, e| match f {
        1 => {
            name = protobuf::string_to(inp, e, 512)?;
            Ok(true)
        }
        2 => {
            op = protobuf::string_to(inp, e, 256)?;
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

/// `FunctionDef`: signature (1) → name (1); node_def (3).
fn function_def(inp: &mut Input<'_>, end: u64, seen: &mut Seen) -> Result<(), String> {
    let mut fname = String::new();
    protobuf::messages(inp, Some(end), &mut |inp, f, e| match f {
        1 => {
            protobuf::each(inp, Some(e), 1, &mut |inp, e| {
                fname = protobuf::string_to(inp, e, 512)?;
                Ok(())
            })?;
            Ok(true)
        }
        3 => {
            node(inp, e, &fname, seen)?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// `GraphDef`: node (1); library (2) → function (1).
fn graph_def(inp: &mut Input<'_>, end: u64, seen: &mut Seen) -> Result<(), String> {
    protobuf::messages(inp, Some(end), &mut |inp, f, e| match f {
        1 => {
            node(inp, e, "", seen)?;
            Ok(true)
        }
        2 => {
            protobuf::each(inp, Some(e), 1, &mut |inp, e| function_def(inp, e, seen))?;
            Ok(true)
        }
        _ => Ok(false),
    })
}

/// Scans a `saved_model.pb` stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut seen = Seen::default();
    // SavedModel: meta_graphs (2) → MetaGraphDef.graph_def (2)
    let res = protobuf::each(inp, None, 2, &mut |inp, e| {
        protobuf::each(inp, Some(e), 2, &mut |inp, e| graph_def(inp, e, &mut seen))
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
