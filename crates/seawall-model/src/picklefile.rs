//! Pickle streams as model content: runs the emulator over a stream, records its issues as
//! findings, guesses the framework, and scans checkpoints embedded in the pickle as nested models.

use std::io::Read;

use crate::ctx::{Ctx, Scope};
use crate::input::Input;
use crate::pickle::{self, StreamScan};
use crate::rules;

/// How strictly a stream is taken as a pickle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Known to be a pickle: a parse failure is reported as unscannable.
    Strict,
    /// Only *maybe* a pickle (its prefix was inconclusive, or only its name suggests a model):
    /// judged on its whole first pickle ([`pickle::plausible_first_pickle`]); when plausible it is
    /// scanned strictly, otherwise nothing is reported.
    Tentative,
}

/// What a pickle scan found out about the stream.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PickleInfo {
    /// Framework guessed from the globals.
    pub(crate) framework: Option<&'static str>,
    /// Complete pickles in sequence.
    pub(crate) pickles: u32,
    /// The legacy `torch.save` layout (magic-number pickle first).
    pub(crate) torch_legacy: bool,
    /// A tentative scan found no pickle.
    pub(crate) rejected: bool,
}

/// Guesses the framework of a pickle from its globals.
fn framework_of(j: &pickle::Judged) -> Option<&'static str> {
    let has = |p: &str| j.globals.iter().any(|g| g.res.full.starts_with(p));
    if j.globals.iter().any(|g| g.joblib_wrapper) {
        Some("joblib")
    } else if has("torch.") {
        Some("pytorch")
    } else if has("sklearn.") {
        Some("sklearn")
    } else if has("xgboost.") {
        Some("xgboost")
    } else if has("lightgbm.") {
        Some("lightgbm")
    } else if has("transformers.") {
        Some("transformers")
    } else if has("keras.") {
        Some("keras")
    } else if has("cloudpickle.") {
        Some("cloudpickle")
    } else if has("dill.") {
        Some("dill")
    } else if has("numpy.") {
        Some("numpy")
    } else {
        None
    }
}

/// Scans a pickle stream and records its findings under `format`.
pub(crate) fn scan(
    ctx: &mut Ctx,
    inp: &mut Input<'_>,
    scope: &Scope,
    format: &str,
    mode: Mode,
) -> PickleInfo {
    let lim = ctx.vm_limits();
    let res: StreamScan = {
        let mut nested = NestedScan { ctx: &mut *ctx, scope };
        pickle::scan_stream(inp, lim, Some(&mut nested), mode == Mode::Tentative)
    };
    let info = PickleInfo {
        framework: framework_of(&res.judged),
        pickles: res.pickles,
        torch_legacy: res.torch_legacy,
        rejected: res.rejected,
    };
    if res.rejected {
        return info;
    }
    for i in &res.judged.issues {
        ctx.hit(scope, format, i.rule, i.callables.clone(), Some(i.offset), i.message.clone());
    }
    if let Some(why) = &res.probe_incomplete {
        ctx.hit(scope, format, &rules::UNSCANNABLE, vec![], None, why.clone());
    }
    if let Some(f) = &res.error {
        ctx.hit(
            scope,
            format,
            &rules::UNSCANNABLE,
            vec![],
            Some(f.offset),
            format!("pickle could not be parsed completely: {} (at offset {})", f.reason, f.offset),
        );
    }
    info
}

/// Scans checkpoints embedded as bytes in a pickle (`torch.storage._load_from_bytes`, Keras'
/// `Model._unpickle_model`) as nested models, named `@<opcode offset>` below the pickle's member.
struct NestedScan<'c, 's> {
    ctx: &'c mut Ctx,
    scope: &'s Scope,
}

impl pickle::Nested for NestedScan<'_, '_> {
    fn scan(
        &mut self,
        inp: &mut Input<'_>,
        len: u64,
        offset: u64,
        loader: &str,
        required: bool,
    ) -> std::io::Result<()> {
        let child = self.scope.child(&format!("@{offset}"), Some(len));
        let mut take = Read::take(&mut *inp, len);
        {
            let mut sub = Input::new(&mut take);
            if self.ctx.scan_nested(&mut sub, &child).is_none() && required {
                self.ctx.hit(
                    &child,
                    "pickle",
                    &rules::UNSCANNABLE,
                    vec![loader.to_owned()],
                    Some(offset),
                    format!("bytes given to {loader} are not a recognised model"),
                );
            }
            sub.drain()?;
        }
        std::io::copy(&mut take, &mut std::io::sink())?;
        Ok(())
    }
}
