//! Scanning one byte stream: format dispatch, nesting, findings and inventory.

use std::io::Read;

use seawall_core::{Finding, Location, ModelFile, RuleMeta, ScanWarning, Severity};

use crate::detect::{self, Format};
use crate::input::Input;
use crate::pickle::{self, VmLimits};
use crate::rules;
use crate::{formats, zip};

/// Bounds of a scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Deepest nesting of archives / compressed streams (the file itself is depth 0).
    pub max_depth: u32,
    /// Largest decompressed/compressed ratio accepted for a compressed member or stream.
    pub max_ratio: u64,
    /// Largest decompressed size of one compressed stream whose compressed size is unknown.
    pub max_decompressed: u64,
    /// Most opcodes emulated per pickle stream.
    pub max_opcodes: u64,
    /// Most findings reported per file.
    pub max_findings: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_depth: 4,
            max_ratio: 1000,
            max_decompressed: 64 << 30,
            max_opcodes: 4_000_000_000,
            max_findings: 200,
        }
    }
}

/// What a model scan produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanOutput {
    /// Findings (kind `model`), in discovery order.
    pub findings: Vec<Finding>,
    /// Model files (and archive members) recognised, with verdicts.
    pub models: Vec<ModelFile>,
    /// Files that could not be read.
    pub warnings: Vec<ScanWarning>,
}

impl ScanOutput {
    /// Appends another output.
    pub fn extend(&mut self, other: ScanOutput) {
        self.findings.extend(other.findings);
        self.models.extend(other.models);
        self.warnings.extend(other.warnings);
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Where inside the file a stream sits.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// Archive member path (`archive/data.pkl`, nested levels joined with `!`), `None` for the file.
    pub(crate) member: Option<String>,
    /// Name used for hints: the member's or the file's base name.
    pub(crate) name: String,
    /// Size in bytes, when known.
    pub(crate) size: Option<u64>,
    /// Nesting depth.
    pub(crate) depth: u32,
}

impl Scope {
    /// The scope of a member of this stream.
    pub(crate) fn child(&self, member: &str, size: Option<u64>) -> Scope {
        let path = match &self.member {
            Some(m) => format!("{m}!{member}"),
            None => member.to_owned(),
        };
        let name = member.rsplit('/').next().unwrap_or(member).to_owned();
        Scope { member: Some(path), name, size, depth: self.depth + 1 }
    }
}

/// Accumulates the output of one file.
pub(crate) struct Ctx {
    pub(crate) base: Location,
    pub(crate) out: ScanOutput,
    pub(crate) opts: ScanOptions,
    dropped: usize,
}

impl Ctx {
    pub(crate) fn new(base: Location, opts: ScanOptions) -> Self {
        Ctx { base, out: ScanOutput::default(), opts, dropped: 0 }
    }

    pub(crate) fn vm_limits(&self) -> VmLimits {
        VmLimits { max_ops: self.opts.max_opcodes, ..VmLimits::default() }
    }

    fn location(&self, scope: &Scope) -> Location {
        let mut l = self.base.clone();
        l.member = scope.member.clone();
        l
    }

    /// Records a finding.
    pub(crate) fn hit(
        &mut self,
        scope: &Scope,
        format: &str,
        rule: &'static RuleMeta,
        callables: Vec<String>,
        offset: Option<u64>,
        message: impl Into<String>,
    ) {
        if self.out.findings.len() >= self.opts.max_findings {
            self.dropped += 1;
            return;
        }
        let mut f = Finding::from_rule(rule).with_location(self.location(scope)).with_message(message);
        f.callables = callables;
        f.opcode_offset = offset;
        f.format = Some(format.to_owned());
        f.references = rule.references.iter().map(|s| (*s).to_owned()).collect();
        f.ensure_fingerprint();
        self.out.findings.push(f);
    }

    /// Records a model file and computes its verdict from the findings recorded since `mark`.
    pub(crate) fn model(&mut self, scope: &Scope, mark: usize, format: &str, framework: Option<&str>) {
        use seawall_core::ModelVerdict;
        let rank = |v: ModelVerdict| match v {
            ModelVerdict::Unsafe => 3,
            ModelVerdict::Unscannable => 2,
            ModelVerdict::Suspicious => 1,
            ModelVerdict::Safe => 0,
        };
        let mut verdict = ModelVerdict::Safe;
        for f in self.out.findings.iter().skip(mark) {
            let unscannable = f.id == rules::UNSCANNABLE.id || f.id == rules::MALFORMED.id;
            let v = if f.severity >= Severity::High && !unscannable {
                ModelVerdict::Unsafe
            } else if unscannable {
                ModelVerdict::Unscannable
            } else if f.severity >= Severity::Medium {
                ModelVerdict::Suspicious
            } else {
                ModelVerdict::Safe
            };
            if rank(v) > rank(verdict) {
                verdict = v;
            }
        }
        self.out.models.push(ModelFile {
            location: self.location(scope),
            format: format.to_owned(),
            framework: framework.map(str::to_owned),
            size: scope.size.unwrap_or(0),
            verdict,
        });
    }

    /// Finishes: a warning when findings were dropped.
    pub(crate) fn finish(mut self) -> ScanOutput {
        if self.dropped > 0 {
            self.out.warnings.push(ScanWarning::at(
                "model",
                self.base.clone(),
                format!(
                    "{} further model findings not reported (limit {})",
                    self.dropped, self.opts.max_findings
                ),
            ));
        }
        self.out
    }
}

/// Scans one stream whose format is detected from its content. Returns the detected format, if any.
pub(crate) fn scan_any(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) -> Option<Format> {
    let head = match inp.peek(crate::SNIFF) {
        Ok(h) => h.to_vec(),
        Err(e) => {
            ctx.out.warnings.push(ScanWarning::at("model", ctx.location(scope), format!("read error: {e}")));
            return None;
        }
    };
    let fmt = detect::detect(&head, &scope.name)?;
    scan_format(ctx, inp, scope, fmt);
    Some(fmt)
}

/// Scans a stream of a known format.
pub(crate) fn scan_format(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope, fmt: Format) {
    let mark = ctx.out.findings.len();
    if scope.depth > ctx.opts.max_depth {
        ctx.hit(
            scope,
            fmt.label(),
            &rules::UNSCANNABLE,
            vec![],
            None,
            format!("nesting deeper than {} levels", ctx.opts.max_depth),
        );
        ctx.model(scope, mark, fmt.label(), None);
        return;
    }
    match fmt {
        Format::Pickle => {
            let (framework, pickles) = scan_pickle_counted(ctx, inp, scope, "pickle", true);
            let label = match framework {
                Some("joblib") => "joblib",
                // torch.save(_use_new_zipfile_serialization=False): magic, protocol, sys_info, data, keys
                Some("pytorch") if pickles >= 4 => "pytorch-legacy",
                _ => "pickle",
            };
            if label != "pickle" {
                for f in ctx.out.findings.iter_mut().skip(mark).filter(|f| f.location.member == scope.member)
                {
                    f.format = Some(label.to_owned());
                }
            }
            ctx.model(scope, mark, label, framework);
        }
        Format::Zip => zip::scan(ctx, inp, scope),
        Format::Npy => formats::npy::scan(ctx, inp, scope),
        Format::Gguf => formats::gguf::scan(ctx, inp, scope),
        Format::Safetensors => formats::safetensors::scan(ctx, inp, scope),
        Format::Hdf5 => formats::hdf5::scan(ctx, inp, scope),
        Format::Tar => formats::archive::scan_tar(ctx, inp, scope),
        Format::Gzip | Format::Zlib | Format::Bzip2 | Format::Xz | Format::Lzma => {
            formats::archive::scan_compressed(ctx, inp, scope, fmt)
        }
        Format::OtherCompressed => {
            ctx.hit(
                scope,
                fmt.label(),
                &rules::UNSCANNABLE,
                vec![],
                None,
                "compressed with lz4/zstd, which the model scanner does not decompress",
            );
            ctx.model(scope, mark, fmt.label(), None);
        }
        Format::Onnx => formats::onnx::scan(ctx, inp, scope),
        Format::SavedModel => formats::savedmodel::scan(ctx, inp, scope),
    }
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

/// Scans a pickle stream and records its findings. `strict`: a parse failure is reported as
/// unscannable (false for probing data that is only *maybe* a pickle). Returns the framework guess.
pub(crate) fn scan_pickle(
    ctx: &mut Ctx,
    inp: &mut Input<'_>,
    scope: &Scope,
    format: &str,
    strict: bool,
) -> Option<&'static str> {
    scan_pickle_counted(ctx, inp, scope, format, strict).0
}

/// [`scan_pickle`], also returning the number of complete pickles in sequence.
fn scan_pickle_counted(
    ctx: &mut Ctx,
    inp: &mut Input<'_>,
    scope: &Scope,
    format: &str,
    strict: bool,
) -> (Option<&'static str>, u32) {
    let lim = ctx.vm_limits();
    let res = {
        let mut nested = NestedScan { ctx: &mut *ctx, scope };
        pickle::scan_stream(inp, lim, Some(&mut nested))
    };
    for i in &res.judged.issues {
        ctx.hit(scope, format, i.rule, i.callables.clone(), Some(i.offset), i.message.clone());
    }
    if let Some(why) = &res.probe_incomplete {
        ctx.hit(scope, format, &rules::UNSCANNABLE, vec![], None, why.clone());
    }
    if strict && let Some(f) = &res.error {
        ctx.hit(
            scope,
            format,
            &rules::UNSCANNABLE,
            vec![],
            Some(f.offset),
            format!("pickle could not be parsed completely: {} (at offset {})", f.reason, f.offset),
        );
    }
    (framework_of(&res.judged), res.pickles)
}

/// Scans checkpoints embedded as bytes in a pickle (`torch.storage._load_from_bytes`) as nested
/// models, named `@<opcode offset>` below the pickle's member.
struct NestedScan<'c, 's> {
    ctx: &'c mut Ctx,
    scope: &'s Scope,
}

impl pickle::Nested for NestedScan<'_, '_> {
    fn scan(&mut self, inp: &mut Input<'_>, len: u64, offset: u64) -> std::io::Result<()> {
        let child = self.scope.child(&format!("@{offset}"), Some(len));
        let mut take = Read::take(&mut *inp, len);
        {
            let mut sub = Input::new(&mut take);
            if scan_any(self.ctx, &mut sub, &child).is_none() {
                self.ctx.hit(
                    &child,
                    "pickle",
                    &rules::UNSCANNABLE,
                    vec!["torch.storage._load_from_bytes".into()],
                    Some(offset),
                    "bytes given to torch.storage._load_from_bytes are not a recognised checkpoint",
                );
            }
            sub.drain()?;
        }
        std::io::copy(&mut take, &mut std::io::sink())?;
        Ok(())
    }
}

/// Scans any reader as one file.
pub(crate) fn scan_reader_impl(
    location: Location,
    name: &str,
    size: Option<u64>,
    reader: &mut dyn Read,
    opts: ScanOptions,
) -> ScanOutput {
    let mut ctx = Ctx::new(location, opts);
    let scope = Scope { member: None, name: name.to_owned(), size, depth: 0 };
    let mut inp = Input::new(reader);
    scan_any(&mut ctx, &mut inp, &scope);
    ctx.finish()
}
