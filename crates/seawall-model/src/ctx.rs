//! The per-file scan context: bounds ([`ScanOptions`]), what a scan produced ([`ScanOutput`]), where
//! a stream sits inside the file ([`Scope`]) and the accumulator every format parser reports into
//! ([`Ctx`]).
//!
//! Format parsers depend on this module only; nested content (an archive member, a decompressed
//! stream, a checkpoint embedded in a pickle) goes back to content dispatch through
//! [`Ctx::scan_nested`], which calls the dispatcher the context was created with. So the parsers
//! and the dispatcher (`scan.rs`) do not depend on each other.
//!
//! Bounds are per top-level file and fail closed: a findings cap keeps the most severe findings and
//! every verdict (what was elided is counted and reported); the total number of archive entries,
//! the total of decompressed bytes and the length of the model inventory are budgets whose
//! exhaustion is an *unscannable* finding on the file, never a silently shorter result.

use std::cell::Cell;
use std::rc::Rc;

use seawall_core::{
    Finding, Location, ModelFile, ModelVerdict, RuleMeta, ScanWarning, Severity, WarningKind,
};

use crate::detect::Format;
use crate::input::Input;
use crate::pickle::VmLimits;
use crate::rules;

/// Bounds of a scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Deepest nesting of archives / compressed streams (the file itself is depth 0).
    pub max_depth: u32,
    /// Largest decompressed/compressed ratio accepted for a compressed member or stream, and for
    /// the sum of everything decompressed inside one file relative to its size.
    pub max_ratio: u64,
    /// Largest decompressed size of one compressed stream whose compressed size is unknown, and of
    /// everything decompressed inside one file.
    pub max_decompressed: u64,
    /// Most opcodes emulated per pickle stream.
    pub max_opcodes: u64,
    /// Most findings reported per file (the most severe are kept; the rest are counted).
    pub max_findings: usize,
    /// Most archive entries (zip, tar, 7z members at every nesting level) read per file.
    pub max_entries: u64,
    /// Most model inventory entries listed per file (the rest are counted).
    pub max_models: usize,
    /// Largest 7z archive read (7z needs random access, so it is held in memory).
    pub max_7z: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_depth: 4,
            max_ratio: 1000,
            max_decompressed: 64 << 30,
            max_opcodes: 4_000_000_000,
            max_findings: 200,
            max_entries: 100_000,
            max_models: 10_000,
            max_7z: 256 << 20,
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
    /// Files that could not be read, and counts of what a per-file cap elided.
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
    /// The scope of a whole file.
    pub(crate) fn file(name: &str, size: Option<u64>) -> Scope {
        Scope { member: None, name: name.to_owned(), size, depth: 0 }
    }

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

/// Content dispatch: scans one stream whose format is detected from its content; returns the
/// format when the stream was recognised as a model (or model container).
pub(crate) type Dispatch = fn(&mut Ctx, &mut Input<'_>, &Scope) -> Option<Format>;

/// Precedence of model verdicts (unsafe over unscannable over suspicious over safe).
fn rank(v: ModelVerdict) -> u8 {
    match v {
        ModelVerdict::Safe => 0,
        ModelVerdict::Suspicious => 1,
        ModelVerdict::Unscannable => 2,
        ModelVerdict::Unsafe => 3,
    }
}

/// The verdict a finding of `rule` gives its model.
fn verdict_of(rule: &RuleMeta) -> ModelVerdict {
    if rule.id == rules::UNSCANNABLE.id || rule.id == rules::MALFORMED.id {
        ModelVerdict::Unscannable
    } else if rule.severity >= Severity::High {
        ModelVerdict::Unsafe
    } else if rule.severity >= Severity::Medium {
        ModelVerdict::Suspicious
    } else {
        ModelVerdict::Safe
    }
}

/// Position in the sequence of findings (kept or elided), for verdicts of what was found since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Mark(usize);

/// Budgets shared by every nested level of one file (decompressors hold the byte budget).
#[derive(Debug)]
pub(crate) struct Budget {
    /// Decompressed bytes still allowed.
    pub(crate) inflated_left: Cell<u64>,
    /// Archive entries still allowed.
    entries_left: Cell<u64>,
    /// Why the file's budget ran out (first reason).
    exhausted: std::cell::RefCell<Option<String>>,
}

impl Budget {
    /// Records that a budget ran out.
    pub(crate) fn exhaust(&self, why: String) {
        let mut e = self.exhausted.borrow_mut();
        if e.is_none() {
            *e = Some(why);
        }
    }

    /// True once any budget of the file ran out.
    pub(crate) fn is_exhausted(&self) -> bool {
        self.exhausted.borrow().is_some()
    }
}

/// Accumulates the output of one file.
pub(crate) struct Ctx {
    /// Location of the file.
    pub(crate) base: Location,
    /// Findings, models and warnings so far.
    pub(crate) out: ScanOutput,
    /// Bounds.
    pub(crate) opts: ScanOptions,
    /// Shared budgets of this file.
    pub(crate) budget: Rc<Budget>,
    dispatch: Dispatch,
    /// Verdict of every finding in order, kept or elided.
    verdicts: Vec<ModelVerdict>,
    /// Sequence number (index into `verdicts`) of each kept finding, parallel to `out.findings`.
    seqs: Vec<usize>,
    /// Elided findings per severity (index `Severity as usize`).
    elided: Vec<(Severity, usize)>,
    models_elided: usize,
    /// Size of the top-level file, when known.
    size: Option<u64>,
}

impl Ctx {
    /// A context for one file of `size` bytes (when known) at `base`.
    pub(crate) fn new(base: Location, size: Option<u64>, opts: ScanOptions, dispatch: Dispatch) -> Self {
        let inflated = size
            .map(|s| s.saturating_mul(opts.max_ratio).max(64 << 20))
            .unwrap_or(opts.max_decompressed)
            .min(opts.max_decompressed);
        Ctx {
            base,
            out: ScanOutput::default(),
            opts,
            budget: Rc::new(Budget {
                inflated_left: Cell::new(inflated),
                entries_left: Cell::new(opts.max_entries),
                exhausted: std::cell::RefCell::new(None),
            }),
            dispatch,
            verdicts: Vec::new(),
            seqs: Vec::new(),
            elided: Vec::new(),
            models_elided: 0,
            size,
        }
    }

    /// Limits of the pickle emulator.
    pub(crate) fn vm_limits(&self) -> VmLimits {
        VmLimits { max_ops: self.opts.max_opcodes, ..VmLimits::default() }
    }

    /// Scans nested content by its own format (through the dispatcher).
    pub(crate) fn scan_nested(&mut self, inp: &mut Input<'_>, scope: &Scope) -> Option<Format> {
        if self.budget.is_exhausted() {
            return None;
        }
        (self.dispatch)(self, inp, scope)
    }

    /// Counts one archive entry against the file's budget; false (and the budget recorded as
    /// exhausted) when none is left.
    pub(crate) fn take_entry(&mut self) -> bool {
        let left = self.budget.entries_left.get();
        if left == 0 {
            self.budget.exhaust(format!(
                "more than {} archive entries in one file (nested archives): the rest was not scanned",
                self.opts.max_entries
            ));
            return false;
        }
        self.budget.entries_left.set(left - 1);
        true
    }

    /// The location of a scope.
    pub(crate) fn location(&self, scope: &Scope) -> Location {
        let mut l = self.base.clone();
        l.member = scope.member.clone();
        l
    }

    /// The current position in the sequence of findings.
    pub(crate) fn mark(&self) -> Mark {
        Mark(self.verdicts.len())
    }

    /// True when anything was found since `mark`.
    pub(crate) fn found_since(&self, mark: Mark) -> bool {
        self.verdicts.len() > mark.0
    }

    /// Kept findings recorded since `mark`.
    pub(crate) fn findings_since_mut(&mut self, mark: Mark) -> impl Iterator<Item = &mut Finding> {
        self.out.findings.iter_mut().zip(self.seqs.iter()).filter(move |(_, s)| **s >= mark.0).map(|(f, _)| f)
    }

    /// Records a finding. When the per-file cap is reached, the least severe kept finding (the most
    /// recent of equal severity) gives way to a more severe one; whatever is dropped is counted, and
    /// verdicts still see it.
    pub(crate) fn hit(
        &mut self,
        scope: &Scope,
        format: &str,
        rule: &'static RuleMeta,
        callables: Vec<String>,
        offset: Option<u64>,
        message: impl Into<String>,
    ) {
        let seq = self.verdicts.len();
        self.verdicts.push(verdict_of(rule));
        if self.out.findings.len() >= self.opts.max_findings {
            // the least severe kept finding; among equals the latest
            let weakest = self
                .out
                .findings
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.severity.cmp(&b.1.severity).then(b.0.cmp(&a.0)))
                .map(|(i, f)| (i, f.severity));
            match weakest {
                Some((i, sev)) if sev < rule.severity => {
                    self.out.findings.remove(i);
                    self.seqs.remove(i);
                    self.count_elided(sev);
                }
                _ => {
                    self.count_elided(rule.severity);
                    return;
                }
            }
        }
        let mut f = Finding::from_rule(rule).with_location(self.location(scope)).with_message(message);
        f.callables = callables;
        f.opcode_offset = offset;
        f.format = Some(format.to_owned());
        f.references = rule.references.iter().map(|s| (*s).to_owned()).collect();
        f.ensure_fingerprint();
        self.out.findings.push(f);
        self.seqs.push(seq);
    }

    fn count_elided(&mut self, sev: Severity) {
        match self.elided.iter_mut().find(|(s, _)| *s == sev) {
            Some((_, n)) => *n += 1,
            None => self.elided.push((sev, 1)),
        }
    }

    /// Records a model file with the verdict of everything found since `mark`.
    pub(crate) fn model(&mut self, scope: &Scope, mark: Mark, format: &str, framework: Option<&str>) {
        let verdict = self
            .verdicts
            .get(mark.0..)
            .and_then(|v| v.iter().copied().max_by_key(|v| rank(*v)))
            .unwrap_or(ModelVerdict::Safe);
        if self.out.models.len() >= self.opts.max_models && scope.member.is_some() {
            self.models_elided += 1;
            return;
        }
        self.out.models.push(ModelFile {
            location: self.location(scope),
            format: format.to_owned(),
            framework: framework.map(str::to_owned),
            size: scope.size.unwrap_or(0),
            verdict,
        });
    }

    /// Finishes the file: an unscannable finding when a budget ran out, notices of what caps elided.
    pub(crate) fn finish(mut self) -> ScanOutput {
        let why = self.budget.exhausted.borrow_mut().take();
        if let Some(why) = why {
            let top = Scope::file(&self.base.path, self.size);
            let mark = self.mark();
            self.hit(&top, "archive", &rules::UNSCANNABLE, vec![], None, why.clone());
            self.out.warnings.push(
                ScanWarning::at("model", self.base.clone(), why).with_kind(WarningKind::BudgetExceeded),
            );
            // the file's own entry carries the verdict (members listed before stay as they are)
            match self.out.models.iter_mut().find(|m| m.location.member.is_none()) {
                Some(m) => {
                    if m.verdict != ModelVerdict::Unsafe {
                        m.verdict = ModelVerdict::Unscannable;
                    }
                }
                None => self.model(&top, mark, "archive", None),
            }
        }
        let elided: usize = self.elided.iter().map(|(_, n)| n).sum();
        if elided > 0 {
            self.elided.sort_by_key(|e| std::cmp::Reverse(e.0));
            let per: Vec<String> = self.elided.iter().map(|(s, n)| format!("{n} {}", s.as_str())).collect();
            self.out.warnings.push(ScanWarning::at(
                "model",
                self.base.clone(),
                format!(
                    "{elided} further model findings elided ({}); the {} most severe are reported and every verdict counts all of them",
                    per.join(", "),
                    self.opts.max_findings
                ),
            )
            // everything was read and judged: only the list is shorter
            .with_kind(WarningKind::Notice));
        }
        if self.models_elided > 0 {
            self.out.warnings.push(
                ScanWarning::at(
                    "model",
                    self.base.clone(),
                    format!(
                        "{} further model entries (archive members) not listed (limit {})",
                        self.models_elided, self.opts.max_models
                    ),
                )
                .with_kind(WarningKind::Notice),
            );
        }
        self.out
    }
}
