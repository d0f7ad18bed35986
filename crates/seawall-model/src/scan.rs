//! Content dispatch: which parser reads a stream, decided by its content (and, where the content
//! cannot tell from a prefix, by the whole stream).

use std::io::Read;

use seawall_core::Location;

use crate::ctx::{Ctx, ScanOptions, ScanOutput, Scope};
use crate::detect::{self, Format, Sniff};
use crate::input::Input;
use crate::picklefile::{self, Mode};
use crate::rules;
use crate::{formats, zip};

/// Scans one stream whose format is detected from its content. Returns the format when the stream
/// was recognised as a model or model container.
pub(crate) fn scan_any(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) -> Option<Format> {
    let head = match inp.peek(crate::SNIFF) {
        Ok(h) => h.to_vec(),
        Err(e) => {
            let l = ctx.location(scope);
            ctx.out.warnings.push(seawall_core::ScanWarning::at("model", l, format!("read error: {e}")));
            return None;
        }
    };
    match detect::sniff(&head, &scope.name) {
        Sniff::Model(fmt) => scan_format(ctx, inp, scope, fmt),
        Sniff::Maybe => match detect::detect(&head, &scope.name) {
            Some(fmt) => scan_format(ctx, inp, scope, fmt),
            None => scan_tentative_pickle(ctx, inp, scope),
        },
        Sniff::No => None,
    }
}

/// A stream whose prefix was inconclusive (or only whose name says "model"): read in full as a
/// pickle; reported when its first pickle is plausible, otherwise not a model.
fn scan_tentative_pickle(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) -> Option<Format> {
    if scope.depth > ctx.opts.max_depth {
        return depth_exceeded(ctx, scope, Format::Pickle);
    }
    let mark = ctx.mark();
    let info = picklefile::scan(ctx, inp, scope, "pickle", Mode::Tentative);
    if info.rejected {
        return None;
    }
    record_pickle(ctx, scope, mark, info);
    Some(Format::Pickle)
}

fn depth_exceeded(ctx: &mut Ctx, scope: &Scope, fmt: Format) -> Option<Format> {
    let mark = ctx.mark();
    ctx.hit(
        scope,
        fmt.label(),
        &rules::UNSCANNABLE,
        vec![],
        None,
        format!("nesting deeper than {} levels", ctx.opts.max_depth),
    );
    ctx.model(scope, mark, fmt.label(), None);
    Some(fmt)
}

fn record_pickle(ctx: &mut Ctx, scope: &Scope, mark: crate::ctx::Mark, info: picklefile::PickleInfo) {
    let label = match info.framework {
        Some("joblib") => "joblib",
        // torch.save(_use_new_zipfile_serialization=False): magic, protocol, sys_info, data, keys
        _ if info.torch_legacy => "pytorch-legacy",
        Some("pytorch") if info.pickles >= 4 => "pytorch-legacy",
        _ => "pickle",
    };
    if label != "pickle" {
        let member = scope.member.clone();
        for f in ctx.findings_since_mut(mark).filter(|f| f.location.member == member) {
            f.format = Some(label.to_owned());
        }
    }
    let framework = info.framework.or(info.torch_legacy.then_some("pytorch"));
    ctx.model(scope, mark, label, framework);
}

/// Scans a stream of a known format. Returns the format when it was recognised as a model or model
/// container (a compressed stream only when its content is one).
pub(crate) fn scan_format(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope, fmt: Format) -> Option<Format> {
    if scope.depth > ctx.opts.max_depth {
        return depth_exceeded(ctx, scope, fmt);
    }
    match fmt {
        Format::Pickle => {
            let mark = ctx.mark();
            let info = picklefile::scan(ctx, inp, scope, "pickle", Mode::Strict);
            record_pickle(ctx, scope, mark, info);
        }
        Format::Zip => zip::scan(ctx, inp, scope),
        Format::Npy => formats::npy::scan(ctx, inp, scope),
        Format::Gguf => formats::gguf::scan(ctx, inp, scope),
        Format::Safetensors => formats::safetensors::scan(ctx, inp, scope),
        Format::Hdf5 => formats::hdf5::scan(ctx, inp, scope, "keras-h5", "hdf5"),
        Format::KerasMetadata => formats::hdf5::scan(ctx, inp, scope, "keras-metadata", "keras-metadata"),
        Format::Tar => formats::archive::scan_tar(ctx, inp, scope),
        Format::SevenZ => formats::archive::scan_7z(ctx, inp, scope),
        f if f.is_compression() => {
            return formats::archive::scan_compressed(ctx, inp, scope, fmt).then_some(fmt);
        }
        Format::Onnx => formats::onnx::scan(ctx, inp, scope),
        Format::SavedModel => formats::savedmodel::scan(ctx, inp, scope),
        _ => return None,
    }
    Some(fmt)
}

/// Scans one reader as a file called `name` at `location` with explicit bounds (`size`, when
/// known, improves bounds checks).
pub fn scan_reader_with(
    location: Location,
    name: &str,
    size: Option<u64>,
    reader: &mut dyn Read,
    opts: ScanOptions,
) -> ScanOutput {
    let mut ctx = Ctx::new(location, size, opts, scan_any);
    let scope = Scope::file(name, size);
    let mut inp = Input::new(reader);
    scan_any(&mut ctx, &mut inp, &scope);
    ctx.finish()
}

/// Scans bytes as one stream of a known format (fuzz entry points).
pub(crate) fn scan_bytes_as(fmt: Format, name: &str, data: &[u8]) -> ScanOutput {
    let mut ctx = Ctx::new(Location::file(name), Some(data.len() as u64), ScanOptions::default(), scan_any);
    let scope = Scope::file(name, Some(data.len() as u64));
    let mut r = data;
    let mut inp = Input::new(&mut r);
    scan_format(&mut ctx, &mut inp, &scope, fmt);
    ctx.finish()
}
