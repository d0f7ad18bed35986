//! The symbolic unpickler: CPython's `_pickle.c` / `pickle.py` stack machine without side effects.
//!
//! Stack, marks (with the fence semantics of the C unpickler), memo (`PUT`/`BINPUT`/`LONG_BINPUT`/
//! `MEMOIZE` store the real top of stack), every opcode of protocols 0–5. Calls and imports are judged
//! as they happen; large byte/str arguments are skipped without being held.

use std::{cell::RefCell, collections::HashMap, io, rc::Rc};

use crate::input::{Input, Line};
use crate::pickle::policy::{self, Kind, Resolved};
use crate::pickle::value::{DICT_KEEP, DictV, Obj, STR_KEEP, V, new_tuple};
use crate::rules;
use seawall_core::RuleMeta;

/// Callables whose result is a named object (their arguments are kept to resolve later calls).
const RESOLVERS: &[&str] = &[
    "builtins.getattr",
    "operator.attrgetter",
    "_operator.attrgetter",
    "builtins.__import__",
    "importlib.import_module",
    "pydoc.locate",
    "pkgutil.resolve_name",
    "cloudpickle.cloudpickle._builtin_type",
    "dill._dill._load_type",
];

/// `torch.storage._load_from_bytes`: `torch.load` of its bytes argument.
const LOAD_FROM_BYTES: &str = "torch.storage._load_from_bytes";

/// Bounds of one emulation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VmLimits {
    /// Most opcodes per stream.
    pub(crate) max_ops: u64,
    /// Deepest stack.
    pub(crate) max_stack: usize,
    /// Most memo entries.
    pub(crate) max_memo: usize,
    /// Most distinct globals.
    pub(crate) max_globals: usize,
    /// Nesting of pickles inside pickles (joblib object arrays).
    pub(crate) max_nesting: u32,
}

impl Default for VmLimits {
    fn default() -> Self {
        VmLimits {
            max_ops: 4_000_000_000,
            max_stack: 4_000_000,
            max_memo: 8_000_000,
            max_globals: 100_000,
            max_nesting: 4,
        }
    }
}

/// One problem found in a pickle stream.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    /// The rule.
    pub(crate) rule: &'static RuleMeta,
    /// Resolved callables.
    pub(crate) callables: Vec<String>,
    /// Offset of the opcode (relative to the stream start).
    pub(crate) offset: u64,
    /// What happened.
    pub(crate) message: String,
}

/// A global seen in the stream.
#[derive(Debug)]
pub(crate) struct GlobalInfo {
    /// Resolution.
    pub(crate) res: Resolved,
    /// First opcode offset.
    pub(crate) offset: u64,
    /// Called through REDUCE/OBJ/INST (or a call-through argument).
    pub(crate) called: bool,
    /// Instantiated through NEWOBJ (only `__new__`).
    pub(crate) instantiated: bool,
    /// Is joblib's `NumpyArrayWrapper`.
    pub(crate) joblib_wrapper: bool,
}

/// Everything judged about one stream (possibly several stacked pickles).
#[derive(Debug, Default)]
pub(crate) struct Judged {
    /// Globals in order of first appearance.
    pub(crate) globals: Vec<GlobalInfo>,
    index: HashMap<(String, String), u32>,
    /// Issues (deduplicated by rule and callable).
    pub(crate) issues: Vec<Issue>,
    seen: std::collections::HashSet<(&'static str, String)>,
    /// Opcodes executed.
    pub(crate) ops: u64,
    /// Highest protocol seen.
    pub(crate) max_proto: u8,
    /// A joblib `NumpyArrayWrapper` was imported: dict entries are tracked from now on.
    joblib_seen: bool,
    /// Opcodes other than GLOBAL/INST (pickle structure, for content sniffing).
    pub(crate) structure_ops: u64,
    /// Keras' `_unpickle_model` hook was looked up: its embedded model buffers are scanned.
    pub(crate) keras_unpickle: bool,
    /// Embedded models handed to the nested scanner.
    pub(crate) nested_scanned: u32,
}

impl Judged {
    fn issue(&mut self, rule: &'static RuleMeta, callable: String, offset: u64, message: String) {
        if self.issues.len() >= 1000 || !self.seen.insert((rule.id, callable.clone())) {
            return;
        }
        self.issues.push(Issue { rule, callables: vec![callable], offset, message });
    }

    /// Emits reference-level issues for globals that were imported but never called.
    pub(crate) fn finish(&mut self) {
        let mut pending = Vec::new();
        for g in &self.globals {
            if g.called {
                continue;
            }
            let how = if g.instantiated { " (instantiated without __init__)" } else { "" };
            match g.res.kind {
                Kind::Safe => {}
                Kind::Unknown => pending.push((
                    &rules::UNKNOWN_GLOBAL,
                    g.res.full.clone(),
                    g.offset,
                    format!("imports {}{how}, which is not on the allowlist", g.res.full),
                )),
                _ => pending.push((
                    &rules::DANGEROUS_REF,
                    g.res.effective.clone(),
                    g.offset,
                    format!("imports {}{}{how}", g.res.effective, via(&g.res)),
                )),
            }
        }
        for (r, c, o, m) in pending {
            self.issue(r, c, o, m);
        }
    }

    /// Name of a global.
    pub(crate) fn name(&self, g: u32) -> &str {
        self.globals.get(g as usize).map(|x| x.res.full.as_str()).unwrap_or("?")
    }
}

fn via(r: &Resolved) -> String {
    if r.full == r.effective { String::new() } else { format!(" (written as {})", r.full) }
}

/// Scans bytes embedded in a pickle that a loader deserializes again (`torch.storage._load_from_bytes`
/// runs `torch.load` on its argument; Keras' `Model._unpickle_model` loads a `.keras` archive and
/// `pickle.load`s a custom-objects buffer). Must consume exactly `len` bytes.
pub(crate) trait Nested {
    /// Scans `len` bytes at the current position of `inp` (`offset` = opcode offset, for naming;
    /// `loader` = the callable that deserializes them).
    /// `required`: the loader will deserialize the bytes, so bytes that are no known model are
    /// reported; otherwise (a pickle merely embedded as data) only a model found is reported.
    fn scan(
        &mut self,
        inp: &mut Input<'_>,
        len: u64,
        offset: u64,
        loader: &str,
        required: bool,
    ) -> io::Result<()>;
}

/// Callables that deserialize their bytes argument as a model: `torch.storage._load_from_bytes`
/// (`torch.load`), tf_keras' `deserialize_model_from_bytecode` (a tar of a SavedModel).
const BYTES_LOADERS: &[&str] = &[
    LOAD_FROM_BYTES,
    "tf_keras.src.saving.pickle_utils.deserialize_model_from_bytecode",
    "tf_keras.saving.pickle_utils.deserialize_model_from_bytecode",
    "keras.src.saving.pickle_utils.deserialize_model_from_bytecode",
    "keras.saving.pickle_utils.deserialize_model_from_bytecode",
    "tensorflow.python.keras.saving.pickle_utils.deserialize_model_from_bytecode",
];

/// Embedded pickles in data (a dropper's payload) are scanned up to this size.
const EMBEDDED_MAX: u64 = 8 << 20;

/// Base64 and hex spellings of a pickle's `PROTO 2..5` prefix.
fn encoded_pickle_prefix(h: &[u8]) -> Option<bool> {
    if h.len() < 4 {
        return None;
    }
    if matches!(&h[..3], b"gAJ" | b"gAN" | b"gAS" | b"gAU") {
        return Some(true);
    }
    let hex = h[..4].to_ascii_lowercase();
    matches!(&hex[..], b"8002" | b"8003" | b"8004" | b"8005").then_some(false)
}

fn decode_hex(b: &[u8]) -> Option<Vec<u8>> {
    let b: Vec<u8> = b.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2).map(|p| std::str::from_utf8(p).ok().and_then(|s| u8::from_str_radix(s, 16).ok())).collect()
}

/// Keras' pickling hook: `Model.__reduce__` pickles `(cls._unpickle_model, (buffers,))`, which loads
/// the embedded `.keras` archive with `safe_mode=False` (and `pickle.load`s custom objects).
pub(crate) const KERAS_UNPICKLE: &str = "_unpickle_model";

/// True for Keras classes (the modules whose `_unpickle_model` is Keras' own hook).
fn keras_class(full: &str) -> bool {
    ["keras.", "tf_keras.", "tensorflow.python.keras.", "tensorflow.keras."]
        .iter()
        .any(|p| full.starts_with(p))
}

/// True for a value that is plain data (no callable, class, module or object built at load time).
fn is_data(v: &V, depth: u32) -> bool {
    match v {
        V::None
        | V::Bool(_)
        | V::Int(_)
        | V::BigInt
        | V::Float
        | V::Str(_)
        | V::LongStr
        | V::Bytes
        | V::List
        | V::Set
        | V::OpaqueDict => true,
        V::Tuple(t) => depth > 0 && t.items.iter().all(|x| is_data(x, depth - 1)),
        V::Dict(d) => {
            depth > 0
                && d.try_borrow().is_ok_and(|d| {
                    d.items.iter().all(|(k, v)| is_data(k, depth - 1) && is_data(v, depth - 1))
                })
        }
        V::Frozen(f) => depth > 0 && f.iter().all(|(k, v)| is_data(k, depth - 1) && is_data(v, depth - 1)),
        V::ScannedBytes | V::Global(_) | V::Obj(_) | V::BigTuple | V::Pers => false,
    }
}

/// Why emulation stopped before `STOP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    /// Offset of the failing opcode.
    pub(crate) offset: u64,
    /// Reason.
    pub(crate) reason: String,
    /// True when the stream ended (truncation) rather than being invalid.
    pub(crate) eof: bool,
}

fn fail<T>(offset: u64, reason: impl Into<String>) -> Result<T, Fail> {
    Err(Fail { offset, reason: reason.into(), eof: false })
}

fn io_fail(offset: u64, e: &io::Error) -> Fail {
    Fail { offset, reason: format!("read error: {e}"), eof: false }
}

fn truncated(offset: u64) -> Fail {
    Fail { offset, reason: "truncated: data ends inside an opcode".into(), eof: true }
}

/// The memo: dense for small indices, sparse above. One memo is shared by the pickles of a
/// stream (an `Unpickler` keeps its memo across `load()` calls, so a later pickle may `GET` what an
/// earlier one `PUT`).
#[derive(Default)]
pub(crate) struct Memo {
    dense: Vec<Option<V>>,
    sparse: HashMap<u64, V>,
    len: usize,
}

const DENSE_MAX: u64 = 1 << 16;

impl Memo {
    fn put(&mut self, i: u64, v: V) {
        // Dense while indices stay close to the number of entries (MEMOIZE and pickler PUTs are
        // sequential); a far index goes to the sparse map, so no input can make the dense vector
        // grow faster than the entries it holds. Eligibility only grows with `len`, so an index is
        // never in both maps with different values; `len` counts distinct keys like CPython's memo.
        let dense_ok = i < DENSE_MAX || i <= (self.len as u64).saturating_mul(2).saturating_add(DENSE_MAX);
        let existed = if dense_ok {
            let iu = i as usize;
            let in_sparse = !self.sparse.is_empty() && self.sparse.remove(&i).is_some();
            if self.dense.len() == iu {
                self.dense.push(Some(v));
                in_sparse
            } else {
                if self.dense.len() < iu {
                    self.dense.resize(iu + 1, None);
                }
                self.dense[iu].replace(v).is_some() || in_sparse
            }
        } else {
            self.sparse.insert(i, v).is_some()
        };
        if !existed {
            self.len += 1;
        }
    }

    fn get(&self, i: u64) -> Option<&V> {
        match self.dense.get(i as usize).and_then(Option::as_ref) {
            Some(v) => Some(v),
            None if self.sparse.is_empty() => None,
            None => self.sparse.get(&i),
        }
    }
}

/// How a callable is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Reduce,
    Obj,
    Inst,
    NewObj,
}

impl CallKind {
    fn opname(self) -> &'static str {
        match self {
            CallKind::Reduce => "REDUCE",
            CallKind::Obj => "OBJ",
            CallKind::Inst => "INST",
            CallKind::NewObj => "NEWOBJ",
        }
    }
}

/// One emulation run (one pickle, up to its `STOP`).
pub(crate) struct Vm<'j, 'n> {
    stack: Vec<V>,
    marks: Vec<usize>,
    memo: Memo,
    proto: u8,
    line: Vec<u8>,
    line2: Vec<u8>,
    lim: VmLimits,
    /// Require identifier-shaped globals (used when probing trailing data).
    strict_names: bool,
    nesting: u32,
    /// EXT opcodes accepted (false for stacked/probed data).
    allow_ext: bool,
    /// Report structure no pickler writes (off while probing data that may not be a pickle).
    anomalies: bool,
    /// Absolute end of the current `FRAME`, while inside one, and its length.
    frame_end: Option<u64>,
    frame_len: u64,
    /// Protocol >= 4 at the start of this pickle: the pickler frames everything.
    framing: bool,
    /// Start of the current run of opcodes written outside any frame.
    unframed_since: Option<u64>,
    /// Opcodes executed by this run.
    run_ops: u64,
    j: &'j mut Judged,
    nested: Option<&'j mut (dyn Nested + 'n)>,
}

impl<'j, 'n> Vm<'j, 'n> {
    /// A fresh machine recording into `j`.
    pub(crate) fn new(j: &'j mut Judged, lim: VmLimits, strict_names: bool) -> Self {
        Vm {
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::default(),
            proto: 0,
            line: Vec::new(),
            line2: Vec::new(),
            lim,
            strict_names,
            nesting: 0,
            allow_ext: true,
            anomalies: false,
            frame_end: None,
            frame_len: 0,
            framing: false,
            unframed_since: None,
            run_ops: 0,
            j,
            nested: None,
        }
    }

    /// Reports framing and `PROTO` placement that no pickler writes ([`rules::PICKLE_ANOMALY`]).
    pub(crate) fn report_anomalies(mut self) -> Self {
        self.anomalies = true;
        self
    }

    fn anomaly(&mut self, off: u64, what: &str) {
        if self.anomalies {
            self.j.issue(&rules::PICKLE_ANOMALY, String::new(), off, what.to_owned());
        }
    }

    /// Framing checks at the start of each opcode. CPython's picklers (protocol >= 4) put every
    /// opcode in a frame, except data of 64 KiB or more (written after committing the frame) and a
    /// tail of fewer than 4 bytes; a frame ends early only when it reached 64 KiB or before such
    /// large data. The C unpickler reads straight through frames, its pure-Python unpickler and
    /// pickletools-based scanners do not: anything else is crafted.
    fn check_frame(&mut self, op: u8, off: u64) {
        const TARGET: u64 = 64 * 1024;
        // opcodes whose payload the pickler may write outside a frame
        let large = matches!(op, b'B' | b'X' | 0x8d | 0x8e | 0x96);
        if let Some(e) = self.frame_end {
            if off > e {
                self.anomaly(
                    off,
                    "an opcode straddles the end of a FRAME (loaders and parsers read it differently)",
                );
                self.frame_end = None;
                self.framing = false;
                return;
            } else if off == e {
                self.frame_end = None;
                if op != 0x95 && !large && self.frame_len < TARGET && op != b'.' {
                    self.anomaly(off, "a small FRAME ends before the next opcode without a new FRAME");
                } else if op == b'.' && self.frame_len < TARGET {
                    self.anomaly(off, "STOP lies outside the frame that holds the rest of the pickle");
                }
            } else if op == 0x95 {
                self.anomaly(off, "a FRAME starts before the previous frame ended");
            }
        }
        if op == 0x80 && self.run_ops > 1 {
            self.anomaly(off, "a PROTO opcode after the start of the pickle");
        }
        if !self.framing || self.frame_end.is_some() {
            return;
        }
        // (hand-written protocol-4 streams without any FRAME are left alone: only a FRAME that
        // follows unframed opcodes shows a stream framed in places, which no pickler writes)
        match op {
            0x95 => {
                if let Some(s) = self.unframed_since.take()
                    && off - s >= 4
                {
                    self.anomaly(s, "opcodes outside any FRAME before a FRAME");
                }
            }
            b'.' => self.unframed_since = None,
            0x80 => {}
            _ if large => self.unframed_since = None,
            _ => {
                self.unframed_since.get_or_insert(off);
            }
        }
    }

    /// Continues with the memo of an earlier pickle of the same stream.
    pub(crate) fn with_memo(mut self, memo: Memo) -> Self {
        self.memo = memo;
        self
    }

    /// The memo, for the next pickle of the stream.
    pub(crate) fn take_memo(&mut self) -> Memo {
        std::mem::take(&mut self.memo)
    }

    /// Rejects EXT opcodes (used for data after the first pickle, which may be raw bytes).
    pub(crate) fn no_ext(mut self) -> Self {
        self.allow_ext = false;
        self
    }

    /// Lets the machine hand embedded serialized payloads to `n` instead of skipping them.
    pub(crate) fn with_nested(mut self, n: Option<&'j mut (dyn Nested + 'n)>) -> Self {
        self.nested = n;
        self
    }

    /// Pushes a bytes argument of `n` bytes: scanned as an embedded model when a loader will
    /// deserialize it, skipped otherwise.
    fn bytes_arg(&mut self, inp: &mut Input<'_>, off: u64, n: u64) -> Result<(), Fail> {
        let loader = if n == 0 || self.nested.is_none() {
            None
        } else if let Some(l) = self.bytes_loader_pending() {
            Some((l, true))
        } else if self.j.keras_unpickle && self.embedded_model_head(inp, off)? {
            Some(("keras Model._unpickle_model".to_owned(), true))
        } else if (8..=EMBEDDED_MAX).contains(&n) && self.embedded_pickle_head(inp, off)? {
            Some(("an application that unpickles this embedded pickle".to_owned(), false))
        } else {
            None
        };
        if let Some((loader, required)) = loader {
            if required {
                self.j.nested_scanned += 1;
            }
            let start = inp.pos();
            if let Some(nested) = self.nested.as_deref_mut() {
                nested.scan(inp, n, off, &loader, required).map_err(|e| io_fail(off, &e))?;
            }
            if inp.pos() - start != n {
                return Err(truncated(off));
            }
            return self.push(off, V::ScannedBytes);
        }
        Self::skip(inp, off, n)?;
        self.push(off, V::Bytes)
    }

    /// The bytes-deserializing callable the bytes about to be pushed are an argument of (the
    /// callable on top of the stack, or right below the current MARK).
    fn bytes_loader_pending(&self) -> Option<String> {
        let cand = if self.stack.len() > self.fence() {
            self.stack.last()
        } else {
            self.fence().checked_sub(1).and_then(|i| self.stack.get(i))
        };
        match cand {
            Some(V::Global(g)) if BYTES_LOADERS.contains(&self.j.name(*g)) => {
                Some(self.j.name(*g).to_owned())
            }
            _ => None,
        }
    }

    /// True when the bytes argument about to be read is itself a pickle (`PROTO 2..5`).
    fn embedded_pickle_head(&self, inp: &mut Input<'_>, off: u64) -> Result<bool, Fail> {
        let h = inp.peek(2).map_err(|e| io_fail(off, &e))?;
        Ok(h.first() == Some(&0x80) && h.get(1).is_some_and(|p| (2..=5).contains(p)))
    }

    /// A str argument that spells a pickle in base64 or hex: decoded and scanned as an embedded
    /// pickle (reported only when it is one). Consumes the `n` bytes and returns the value.
    fn encoded_str_arg(
        &mut self,
        inp: &mut Input<'_>,
        off: u64,
        n: u64,
        latin1: bool,
    ) -> Result<Option<V>, Fail> {
        if self.nested.is_none() || !(16..=EMBEDDED_MAX).contains(&n) {
            return Ok(None);
        }
        let b64 = match encoded_pickle_prefix(inp.peek(4).map_err(|e| io_fail(off, &e))?) {
            Some(b) => b,
            None => return Ok(None),
        };
        let mut text = Vec::new();
        match inp.read_capped(n, usize::try_from(n).unwrap_or(usize::MAX), &mut text) {
            Ok(true) => {}
            Ok(false) => return Err(truncated(off)),
            Err(e) => return Err(io_fail(off, &e)),
        }
        let decoded = if b64 {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect::<Vec<u8>>())
                .ok()
        } else {
            decode_hex(&text)
        };
        if let (Some(d), Some(nested)) = (decoded, self.nested.as_deref_mut()) {
            let mut r: &[u8] = &d;
            let mut sub = Input::new(&mut r);
            let what = if b64 { "a base64-encoded pickle" } else { "a hex-encoded pickle" };
            nested
                .scan(
                    &mut sub,
                    d.len() as u64,
                    off,
                    &format!("an application that decodes and unpickles {what}"),
                    false,
                )
                .map_err(|e| io_fail(off, &e))?;
        }
        Ok(Some(if text.len() > STR_KEEP {
            V::LongStr
        } else if latin1 {
            V::Str(Rc::from(text.iter().map(|&c| c as char).collect::<String>()))
        } else {
            V::Str(Rc::from(String::from_utf8_lossy(&text)))
        }))
    }

    /// True when the bytes argument about to be read starts like a model Keras would load (a
    /// `.keras` zip, an HDF5 file, a pickle).
    fn embedded_model_head(&self, inp: &mut Input<'_>, off: u64) -> Result<bool, Fail> {
        let h = inp.peek(8).map_err(|e| io_fail(off, &e))?;
        Ok(h.starts_with(b"PK\x03\x04")
            || h.starts_with(b"\x89HDF")
            || (h.first() == Some(&0x80) && h.get(1).is_some_and(|p| *p <= 5)))
    }

    #[inline]
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    fn push(&mut self, off: u64, v: V) -> Result<(), Fail> {
        if self.stack.len() >= self.lim.max_stack {
            return fail(off, format!("stack limit of {} entries exceeded", self.lim.max_stack));
        }
        self.stack.push(v);
        Ok(())
    }

    #[inline]
    fn pop(&mut self, off: u64) -> Result<V, Fail> {
        if self.stack.len() <= self.fence() {
            return fail(off, "unpickling stack underflow");
        }
        self.stack.pop().ok_or_else(|| Fail {
            offset: off,
            reason: "unpickling stack underflow".into(),
            eof: false,
        })
    }

    #[inline]
    fn top(&self, off: u64) -> Result<&V, Fail> {
        if self.stack.len() <= self.fence() {
            return fail(off, "unpickling stack underflow");
        }
        self.stack.last().ok_or_else(|| Fail {
            offset: off,
            reason: "unpickling stack underflow".into(),
            eof: false,
        })
    }

    fn pop_mark(&mut self, off: u64) -> Result<Vec<V>, Fail> {
        match self.marks.pop() {
            Some(m) => Ok(self.stack.split_off(m.min(self.stack.len()))),
            None => fail(off, "could not find MARK"),
        }
    }

    fn tuple_of(items: Vec<V>) -> V {
        new_tuple(items)
    }

    /// Runs until `STOP` (Ok) or failure.
    pub(crate) fn run(&mut self, inp: &mut Input<'_>) -> Result<(), Fail> {
        loop {
            let off = inp.pos();
            let op = match inp.byte() {
                Ok(Some(b)) => b,
                Ok(None) => {
                    return Err(Fail { offset: off, reason: "truncated: no STOP opcode".into(), eof: true });
                }
                Err(e) => return Err(io_fail(off, &e)),
            };
            self.j.ops += 1;
            if self.j.ops > self.lim.max_ops {
                return fail(off, format!("opcode limit of {} exceeded", self.lim.max_ops));
            }
            self.run_ops += 1;
            self.check_frame(op, off);
            if op == b'.' {
                self.pop(off)?;
                return Ok(());
            }
            if op != b'c' && op != b'i' {
                self.j.structure_ops += 1;
            }
            self.step(op, off, inp)?;
        }
    }

    fn bytes_n<const N: usize>(inp: &mut Input<'_>, off: u64) -> Result<[u8; N], Fail> {
        match inp.array::<N>() {
            Ok(Some(a)) => Ok(a),
            Ok(None) => Err(truncated(off)),
            Err(e) => Err(io_fail(off, &e)),
        }
    }

    fn skip(inp: &mut Input<'_>, off: u64, n: u64) -> Result<(), Fail> {
        match inp.skip(n) {
            Ok(k) if k == n => Ok(()),
            Ok(_) => Err(truncated(off)),
            Err(e) => Err(io_fail(off, &e)),
        }
    }

    /// Reads a str argument of `n` bytes: kept when small, skipped otherwise.
    fn str_arg(&mut self, inp: &mut Input<'_>, off: u64, n: u64, latin1: bool) -> Result<V, Fail> {
        if let Some(v) = self.encoded_str_arg(inp, off, n, latin1)? {
            return Ok(v);
        }
        if n > STR_KEEP as u64 {
            Self::skip(inp, off, n)?;
            return Ok(V::LongStr);
        }
        let b = match inp.take_n(n as usize) {
            Ok(Some(b)) => b,
            Ok(None) => return Err(truncated(off)),
            Err(e) => return Err(io_fail(off, &e)),
        };
        let s: Rc<str> = if latin1 {
            Rc::from(b.iter().map(|&c| c as char).collect::<String>())
        } else {
            Rc::from(String::from_utf8_lossy(b))
        };
        Ok(V::Str(s))
    }

    fn read_line(inp: &mut Input<'_>, off: u64, cap: usize, buf: &mut Vec<u8>) -> Result<bool, Fail> {
        match inp.line(cap, buf) {
            Ok(Line::Ok) => Ok(true),
            Ok(Line::Long) => Ok(false),
            Ok(Line::Eof) => Err(truncated(off)),
            Err(e) => Err(io_fail(off, &e)),
        }
    }

    fn int_line(&mut self, inp: &mut Input<'_>, off: u64, what: &str) -> Result<V, Fail> {
        let mut buf = std::mem::take(&mut self.line);
        let ok = Self::read_line(inp, off, 256, &mut buf)?;
        let r = parse_int_line(&buf, ok);
        self.line = buf;
        r.ok_or_else(|| Fail { offset: off, reason: format!("invalid {what} argument"), eof: false })
    }

    fn memo_index(&mut self, inp: &mut Input<'_>, off: u64, what: &str) -> Result<u64, Fail> {
        match self.int_line(inp, off, what)? {
            V::Int(i) if i >= 0 => Ok(i as u64),
            V::Bool(b) => Ok(u64::from(b)),
            _ => fail(off, format!("negative or huge {what} argument")),
        }
    }

    fn memo_put(&mut self, off: u64, i: u64) -> Result<(), Fail> {
        let v = self.top(off)?.clone();
        if self.memo.len >= self.lim.max_memo && self.memo.get(i).is_none() {
            return fail(off, format!("memo limit of {} entries exceeded", self.lim.max_memo));
        }
        self.memo.put(i, v);
        Ok(())
    }

    fn memo_get(&mut self, off: u64, i: u64) -> Result<(), Fail> {
        match self.memo.get(i) {
            Some(v) => {
                let v = v.clone();
                self.push(off, v)
            }
            None => fail(off, format!("memo anomaly: GET of index {i} that was never PUT")),
        }
    }

    fn intern_global(&mut self, off: u64, module: &str, name: &str) -> Result<u32, Fail> {
        if self.strict_names && !(policy::is_dotted_ident(module) && policy::is_dotted_ident(name)) {
            return fail(off, "global name is not an identifier");
        }
        if let Some(&i) = self.j.index.get(&(module.to_owned(), name.to_owned())) {
            return Ok(i);
        }
        if self.j.globals.len() >= self.lim.max_globals {
            return fail(off, "too many distinct globals");
        }
        let res = policy::classify(module, name);
        let joblib_wrapper = res.kind == Kind::Safe && res.full.ends_with(".numpy_pickle.NumpyArrayWrapper");
        self.j.joblib_seen |= joblib_wrapper;
        let i = self.j.globals.len() as u32;
        self.j.globals.push(GlobalInfo {
            res,
            offset: off,
            called: false,
            instantiated: false,
            joblib_wrapper,
        });
        self.j.index.insert((module.to_owned(), name.to_owned()), i);
        Ok(i)
    }

    fn describe(&self, v: &V) -> String {
        match v {
            V::Str(s) => format!("{:?}", truncate(s, 80)),
            V::Global(g) => self.j.name(*g).to_owned(),
            V::Obj(o) => match o.class {
                Some(g) => format!("<result of {}>", self.j.name(g)),
                None => "<object>".to_owned(),
            },
            V::Int(i) => i.to_string(),
            V::Tuple(t) => {
                let parts: Vec<String> = t.items.iter().take(4).map(|x| self.describe(x)).collect();
                format!("({}{})", parts.join(", "), if t.items.len() > 4 { ", …" } else { "" })
            }
            other => format!("<{}>", other.type_name()),
        }
    }

    /// Judges a call of a global (or of a call-through argument).
    fn judge_call(&mut self, off: u64, g: u32, kind: CallKind, args: &V) {
        let Some(info) = self.j.globals.get_mut(g as usize) else {
            return;
        };
        if kind == CallKind::NewObj {
            info.instantiated = true;
            return;
        }
        info.called = true;
        let res = info.res.clone();
        if BYTES_LOADERS.contains(&res.full.as_str()) && matches!(args.tuple(), Some([V::ScannedBytes])) {
            // the embedded checkpoint was scanned as a nested model; its findings stand on their own
            return;
        }
        if res.full == "builtins.getattr" && self.is_keras_unpickle_lookup(args) {
            // Keras' own pickling hook; the model it loads is embedded and scanned as a nested model
            self.j.keras_unpickle = true;
            return;
        }
        if policy::PURE_BUILTINS.contains(&res.full.as_str()) {
            if is_data(args, 4) {
                return;
            }
            let argdesc = self.describe(args);
            let msg = format!(
                "{} calls {}{} with arguments that are not plain data (objects built at load time)",
                kind.opname(),
                res.effective,
                argdesc_fmt(&argdesc)
            );
            self.j.issue(&rules::CODE_EXEC, res.effective, off, msg);
            return;
        }
        if policy::is_partial(&res.full) {
            // functools.partial(f, …) binds arguments; calling the partial later calls f, which is
            // judged as a reference now and as a call where that happens
            match args.tuple().and_then(<[V]>::first) {
                Some(V::Global(f))
                    if self.j.globals.get(*f as usize).is_some_and(|g| g.res.kind <= Kind::Unknown) =>
                {
                    return;
                }
                _ => {
                    let argdesc = self.describe(args);
                    let msg = format!(
                        "{} calls {}{} — binds a callable obtained at load time",
                        kind.opname(),
                        res.effective,
                        argdesc_fmt(&argdesc)
                    );
                    self.j.issue(&rules::GADGET, res.effective, off, msg);
                    return;
                }
            }
        }
        if res.full == "builtins.getattr" && self.is_class_attribute_read(args) {
            // `getattr(SomeClass, "MEMBER")` is how CPython ≥ 3.11 pickles enum members (e.g.
            // `IntervalStrategy.STEPS` in every transformers `training_args.bin`): reading a public
            // attribute of a class runs nothing. Calling the result is judged where it happens.
            return;
        }
        let argdesc = self.describe(args);
        let (rule, what) = match res.kind {
            Kind::Safe => return,
            Kind::Exec => (&rules::CODE_EXEC, "executes code"),
            Kind::FileNet => (&rules::FILE_NET, "accesses files or the network"),
            Kind::Gadget => (&rules::GADGET, "resolves attributes or modules by name"),
            Kind::Unknown => (&rules::CODE_EXEC, "is not on the allowlist of callables"),
        };
        let msg = format!(
            "{} calls {}{}{} — {what}",
            kind.opname(),
            res.effective,
            argdesc_fmt(&argdesc),
            via(&res)
        );
        self.j.issue(rule, res.effective, off, msg);
    }

    /// A call or instantiation: judges it and returns the symbolic result.
    fn call(&mut self, off: u64, callable: V, args: V, kind: CallKind) -> Result<V, Fail> {
        match callable {
            V::Global(g) => {
                self.judge_call(off, g, kind, &args);
                let full = self.j.name(g).to_owned();
                let mut class = Some(g);
                let a = args.tuple().unwrap_or(&[]);
                match full.as_str() {
                    "copyreg._reconstructor" => {
                        if let Some(V::Global(c)) = a.first() {
                            class = Some(*c);
                            self.judge_call(off, *c, CallKind::NewObj, &V::None);
                        }
                        match a.get(1) {
                            Some(V::Global(b)) if self.j.name(*b) != "builtins.object" => {
                                self.judge_call(off, *b, CallKind::Reduce, &args)
                            }
                            Some(V::Obj(_)) => self.dynamic_call(off, "copyreg._reconstructor base"),
                            _ => {}
                        }
                    }
                    name if name == "copyreg.__newobj__"
                        || name == "copyreg.__newobj_ex__"
                        || (name.starts_with("numpy.") && name.ends_with("._reconstruct"))
                        || name.ends_with(".newObj") =>
                    {
                        if let Some(V::Global(c)) = a.first() {
                            class = Some(*c);
                            self.judge_call(off, *c, CallKind::NewObj, &V::None);
                        }
                    }
                    "torch._tensor._rebuild_from_type_v2" | "torch._tensor._rebuild_from_type" => {
                        match a.first() {
                            Some(V::Global(f)) => {
                                self.judge_call(off, *f, CallKind::Reduce, a.get(2).unwrap_or(&V::None))
                            }
                            Some(V::Obj(_)) => self.dynamic_call(off, "_rebuild_from_type_v2 function"),
                            _ => {}
                        }
                    }
                    _ => {}
                }
                let keep_args =
                    full == "numpy.dtype" || RESOLVERS.contains(&full.as_str()) || policy::is_partial(&full);
                Ok(V::Obj(Rc::new(Obj {
                    class,
                    args: keep_args.then(|| args.detach(5)),
                    state: RefCell::new(None),
                })))
            }
            V::Obj(o) => {
                if kind != CallKind::NewObj && self.call_of_known_obj(off, &o, &args, kind) {
                    return Ok(V::Obj(Rc::new(Obj { class: None, args: None, state: RefCell::new(None) })));
                }
                if kind != CallKind::NewObj {
                    let resolved = self.resolve(&o, 4);
                    let what = match (o.class, &resolved) {
                        (_, Some(r)) => format!(
                            "{r}, obtained at load time through {}",
                            self.describe(&V::Obj(o.clone()))
                        ),
                        (Some(g), None) => format!("the result of {}", self.j.name(g)),
                        (None, None) => "an object built at load time".to_owned(),
                    };
                    self.j.issue(
                        &rules::CODE_EXEC,
                        resolved.unwrap_or_else(|| "<dynamic>".to_owned()),
                        off,
                        format!("{} calls {what} (getattr/import chains reach any function)", kind.opname()),
                    );
                }
                Ok(V::Obj(Rc::new(Obj { class: None, args: None, state: RefCell::new(None) })))
            }
            other => fail(off, format!("{} of a non-callable {}", kind.opname(), other.type_name())),
        }
    }

    /// `getattr(<Keras class>, "_unpickle_model")`.
    fn is_keras_unpickle_lookup(&self, args: &V) -> bool {
        let Some([V::Global(cg), name]) = args.tuple() else {
            return false;
        };
        name.str() == Some(KERAS_UNPICKLE)
            && self
                .j
                .globals
                .get(*cg as usize)
                .is_some_and(|g| keras_class(&g.res.full) && g.res.kind <= Kind::Unknown)
    }

    /// Calls of objects whose behaviour is known: a `functools.partial` of a global calls that
    /// global; Keras' `_unpickle_model` loads the embedded model (scanned as a nested model).
    /// Returns true when the call was judged here.
    fn call_of_known_obj(&mut self, off: u64, o: &Obj, args: &V, kind: CallKind) -> bool {
        let Some(class) = o.class else { return false };
        let name = self.j.name(class).to_owned();
        let a = o.args.as_ref().and_then(V::tuple);
        if policy::is_partial(&name) {
            // the function set by BUILD (`partial.__setstate__`) replaces the constructor's
            let state_f = o.state.try_borrow().ok().and_then(|s| match s.as_ref().and_then(V::tuple) {
                Some([V::Global(f), ..]) => Some(Some(*f)),
                Some(_) => Some(None),
                None => None,
            });
            let f = match (state_f, a) {
                (Some(Some(f)), _) => Some(f),
                (Some(None), _) => None,
                (None, Some([V::Global(f), ..])) => Some(*f),
                (None, _) => None,
            };
            if let Some(f) = f {
                self.judge_call(off, f, kind, args);
                return true;
            }
            return false;
        }
        if name == "builtins.getattr"
            && let Some([V::Global(cg), attr]) = a
            && attr.str() == Some(KERAS_UNPICKLE)
            && self.j.globals.get(*cg as usize).is_some_and(|g| keras_class(&g.res.full))
        {
            if self.j.nested_scanned == 0 {
                let cls = self.j.name(*cg).to_owned();
                self.j.issue(
                    &rules::CODE_EXEC,
                    format!("{cls}.{KERAS_UNPICKLE}"),
                    off,
                    format!("{} calls {cls}.{KERAS_UNPICKLE}, which loads a Keras model with safe_mode=False, but no embedded model was found to scan", kind.opname()),
                );
            }
            return true;
        }
        false
    }

    /// True for `(Class, "public_name")`: a class-like global (CamelCase last component, not a
    /// known-dangerous one) and a plain public identifier. Modules (`os`), dunder or private names
    /// (`__globals__`, `_x`) and computed objects stay gadgets.
    fn is_class_attribute_read(&self, args: &V) -> bool {
        let Some([V::Global(cg), name]) = args.tuple() else {
            return false;
        };
        let Some(info) = self.j.globals.get(*cg as usize) else {
            return false;
        };
        if !matches!(info.res.kind, Kind::Safe | Kind::Unknown) {
            return false;
        }
        let class_like =
            info.res.full.rsplit('.').next().is_some_and(|n| n.starts_with(|c: char| c.is_ascii_uppercase()));
        let public_ident = name.str().is_some_and(|n| {
            !n.is_empty() && !n.starts_with('_') && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        class_like && public_ident
    }

    /// What a call result is, when it was produced by a name-resolving callable:
    /// `getattr(__import__('os'), 'system')` is `os.system`, `_builtin_type('CodeType')` is
    /// `types.CodeType`.
    fn resolve(&self, o: &Obj, depth: u32) -> Option<String> {
        if depth == 0 {
            return None;
        }
        let f = self.j.name(o.class?);
        let a = o.args.as_ref()?.tuple()?;
        let base = |v: &V| match v {
            V::Global(g) => Some(self.j.name(*g).to_owned()),
            V::Obj(inner) => self.resolve(inner, depth - 1),
            V::Str(s) => Some(s.to_string()),
            _ => None,
        };
        match f {
            "builtins.getattr" | "operator.attrgetter" | "_operator.attrgetter" => {
                if f == "builtins.getattr" {
                    Some(format!("{}.{}", base(a.first()?)?, a.get(1)?.str()?))
                } else {
                    Some(format!("<attrgetter {}>", a.first()?.str()?))
                }
            }
            "builtins.__import__" | "importlib.import_module" | "pydoc.locate" | "pkgutil.resolve_name" => {
                Some(a.first()?.str()?.replace(':', "."))
            }
            "cloudpickle.cloudpickle._builtin_type" | "dill._dill._load_type" => {
                Some(format!("types.{}", a.first()?.str()?))
            }
            _ => None,
        }
    }

    /// INST/OBJ without arguments on a *type* only run `cls.__new__(cls)` (CPython's
    /// `instantiate`); on anything else they call it. Class-like (CamelCase) names of unknown globals
    /// are taken as types, everything else as a call.
    fn instantiate_kind(&self, cls: &V, args: &[V], kind: CallKind) -> CallKind {
        match cls {
            V::Global(g) if args.is_empty() => {
                let info = self.j.globals.get(*g as usize);
                let camel = info
                    .map(|i| i.res.full.rsplit('.').next().unwrap_or(""))
                    .is_some_and(|n| n.trim_start_matches('_').starts_with(|c: char| c.is_ascii_uppercase()));
                if camel && info.is_some_and(|i| i.res.kind == Kind::Unknown) {
                    CallKind::NewObj
                } else {
                    kind
                }
            }
            _ => kind,
        }
    }

    fn dynamic_call(&mut self, off: u64, what: &str) {
        self.j.issue(
            &rules::CODE_EXEC,
            "<dynamic>".to_owned(),
            off,
            format!("calls {what}: a callable obtained at load time (getattr/attrgetter chains reach any function)"),
        );
    }

    fn mutate_check(&mut self, off: u64, target: &V, op: &str) {
        if let V::Global(g) = target {
            let name = self.j.name(*g).to_owned();
            self.j.issue(
                &rules::MUTATE_GLOBAL,
                name.clone(),
                off,
                format!("{op} applied to the class/module object {name} (sets attributes on live code)"),
            );
        }
    }

    fn set_item(&mut self, target: &V, k: V, v: V) {
        if let V::Dict(d) = target {
            // detach first: the value may be this very dict
            let (k, v) = (k.detach(2), v.detach(2));
            if let Ok(mut d) = d.try_borrow_mut() {
                if d.items.len() < DICT_KEEP {
                    d.items.push((k, v));
                } else {
                    d.overflow = true;
                }
            }
        }
    }

    fn new_dict(&self) -> V {
        if self.j.joblib_seen { V::Dict(Rc::new(RefCell::new(DictV::default()))) } else { V::OpaqueDict }
    }

    fn global_from_lines(&mut self, inp: &mut Input<'_>, off: u64) -> Result<u32, Fail> {
        let mut a = std::mem::take(&mut self.line);
        let mut b = std::mem::take(&mut self.line2);
        let ok1 = Self::read_line(inp, off, 1024, &mut a)?;
        let ok2 = Self::read_line(inp, off, 1024, &mut b)?;
        let r = if !ok1 || !ok2 {
            fail(off, "GLOBAL/INST name longer than 1024 bytes")
        } else {
            match (std::str::from_utf8(&a), std::str::from_utf8(&b)) {
                (Ok(m), Ok(n)) => {
                    let (m, n) = (m.to_owned(), n.to_owned());
                    self.intern_global(off, &m, &n)
                }
                _ => fail(off, "GLOBAL/INST name is not UTF-8"),
            }
        };
        self.line = a;
        self.line2 = b;
        r
    }

    fn step(&mut self, op: u8, off: u64, inp: &mut Input<'_>) -> Result<(), Fail> {
        match op {
            b'(' => self.marks.push(self.stack.len()),
            b'0' => {
                let len = self.stack.len();
                if self.marks.last() == Some(&len) {
                    self.marks.pop();
                } else {
                    self.pop(off)?;
                }
            }
            b'1' => {
                self.pop_mark(off)?;
            }
            b'2' => {
                let v = self.top(off)?.clone();
                self.push(off, v)?;
            }
            b'F' => {
                let mut buf = std::mem::take(&mut self.line);
                let ok = Self::read_line(inp, off, 256, &mut buf)?;
                let valid = ok && is_float_text(&buf);
                self.line = buf;
                if !valid {
                    return fail(off, "invalid FLOAT argument");
                }
                self.push(off, V::Float)?;
            }
            b'I' => {
                let v = self.int_line(inp, off, "INT")?;
                self.push(off, v)?;
            }
            b'L' => {
                let v = self.int_line(inp, off, "LONG")?;
                self.push(off, v)?;
            }
            b'J' => {
                let a = Self::bytes_n::<4>(inp, off)?;
                self.push(off, V::Int(i64::from(i32::from_le_bytes(a))))?;
            }
            b'K' => {
                let a = Self::bytes_n::<1>(inp, off)?;
                self.push(off, V::Int(i64::from(a[0])))?;
            }
            b'M' => {
                let a = Self::bytes_n::<2>(inp, off)?;
                self.push(off, V::Int(i64::from(u16::from_le_bytes(a))))?;
            }
            0x8a => {
                let n = Self::bytes_n::<1>(inp, off)?[0] as u64;
                let v = self.long_bytes(inp, off, n)?;
                self.push(off, v)?;
            }
            0x8b => {
                let n = i32::from_le_bytes(Self::bytes_n::<4>(inp, off)?);
                if n < 0 {
                    return fail(off, "LONG pickle has negative byte count");
                }
                let v = self.long_bytes(inp, off, n as u64)?;
                self.push(off, v)?;
            }
            b'N' => self.push(off, V::None)?,
            0x88 => self.push(off, V::Bool(true))?,
            0x89 => self.push(off, V::Bool(false))?,
            b'G' => {
                Self::bytes_n::<8>(inp, off)?;
                self.push(off, V::Float)?;
            }
            b'P' => {
                let mut buf = std::mem::take(&mut self.line);
                Self::read_line(inp, off, 1 << 16, &mut buf)?;
                let ascii = buf.is_ascii();
                self.line = buf;
                if !ascii {
                    return fail(off, "persistent IDs in protocol 0 must be ASCII strings");
                }
                self.push(off, V::Pers)?;
            }
            b'Q' => {
                self.pop(off)?;
                self.push(off, V::Pers)?;
            }
            b'S' => {
                let mut buf = std::mem::take(&mut self.line);
                let ok = Self::read_line(inp, off, STR_KEEP + 2, &mut buf)?;
                let v = if ok { decode_string_line(&buf) } else { Some(V::LongStr) };
                self.line = buf;
                match v {
                    Some(v) => self.push(off, v)?,
                    None => return fail(off, "the STRING opcode argument must be quoted"),
                }
            }
            b'V' => {
                let mut buf = std::mem::take(&mut self.line);
                let ok = Self::read_line(inp, off, STR_KEEP, &mut buf)?;
                let v = if ok { V::Str(Rc::from(raw_unicode_escape(&buf))) } else { V::LongStr };
                self.line = buf;
                self.push(off, v)?;
            }
            b'T' => {
                let n = i32::from_le_bytes(Self::bytes_n::<4>(inp, off)?);
                if n < 0 {
                    return fail(off, "BINSTRING pickle has negative byte count");
                }
                let v = self.str_arg(inp, off, n as u64, true)?;
                self.push(off, v)?;
            }
            b'U' => {
                let n = Self::bytes_n::<1>(inp, off)?[0] as u64;
                let v = self.str_arg(inp, off, n, true)?;
                self.push(off, v)?;
            }
            b'X' => {
                let n = u32::from_le_bytes(Self::bytes_n::<4>(inp, off)?) as u64;
                let v = self.str_arg(inp, off, n, false)?;
                self.push(off, v)?;
            }
            0x8c => {
                let n = Self::bytes_n::<1>(inp, off)?[0] as u64;
                let v = self.str_arg(inp, off, n, false)?;
                self.push(off, v)?;
            }
            0x8d => {
                let n = u64::from_le_bytes(Self::bytes_n::<8>(inp, off)?);
                if n > i64::MAX as u64 {
                    return fail(off, "BINUNICODE8 exceeds system's maximum size");
                }
                let v = self.str_arg(inp, off, n, false)?;
                self.push(off, v)?;
            }
            b'B' => {
                let n = u32::from_le_bytes(Self::bytes_n::<4>(inp, off)?) as u64;
                self.bytes_arg(inp, off, n)?;
            }
            b'C' => {
                let n = Self::bytes_n::<1>(inp, off)?[0] as u64;
                self.bytes_arg(inp, off, n)?;
            }
            0x8e | 0x96 => {
                let n = u64::from_le_bytes(Self::bytes_n::<8>(inp, off)?);
                if n > i64::MAX as u64 {
                    return fail(off, "BINBYTES8/BYTEARRAY8 exceeds system's maximum size");
                }
                self.bytes_arg(inp, off, n)?;
            }
            0x97 => {
                return fail(off, "NEXT_BUFFER: pickle refers to out-of-band data but no buffers are given");
            }
            0x98 => {
                self.top(off)?;
            }
            b')' => self.push(off, new_tuple(Vec::new()))?,
            b't' => {
                let items = self.pop_mark(off)?;
                self.push(off, Self::tuple_of(items))?;
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                if self.stack.len() < self.fence() + n {
                    return fail(off, "unpickling stack underflow");
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push(off, Self::tuple_of(items))?;
            }
            b']' => self.push(off, V::List)?,
            b'l' => {
                self.pop_mark(off)?;
                self.push(off, V::List)?;
            }
            b'}' => {
                let d = self.new_dict();
                self.push(off, d)?;
            }
            b'd' => {
                let items = self.pop_mark(off)?;
                if items.len() % 2 != 0 {
                    return fail(off, "odd number of items for DICT");
                }
                let d = self.new_dict();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    self.set_item(&d, k, v);
                }
                self.push(off, d)?;
            }
            0x8f => self.push(off, V::Set)?,
            0x91 => {
                self.pop_mark(off)?;
                self.push(off, V::Set)?;
            }
            b'a' => {
                self.pop(off)?;
                let t = self.top(off)?.clone();
                self.mutate_check(off, &t, "APPEND");
            }
            b'e' => {
                self.pop_mark(off)?;
                let t = self.top(off)?.clone();
                self.mutate_check(off, &t, "APPENDS");
            }
            0x90 => {
                self.pop_mark(off)?;
                let t = self.top(off)?.clone();
                self.mutate_check(off, &t, "ADDITEMS");
            }
            b's' => {
                let v = self.pop(off)?;
                let k = self.pop(off)?;
                let t = self.top(off)?.clone();
                self.mutate_check(off, &t, "SETITEM");
                self.set_item(&t, k, v);
            }
            b'u' => {
                let items = self.pop_mark(off)?;
                if items.len() % 2 != 0 {
                    return fail(off, "odd number of items for SETITEMS");
                }
                let t = self.top(off)?.clone();
                self.mutate_check(off, &t, "SETITEMS");
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    self.set_item(&t, k, v);
                }
            }
            b'g' => {
                let i = self.memo_index(inp, off, "GET")?;
                self.memo_get(off, i)?;
            }
            b'h' => {
                let i = Self::bytes_n::<1>(inp, off)?[0] as u64;
                self.memo_get(off, i)?;
            }
            b'j' => {
                let i = u32::from_le_bytes(Self::bytes_n::<4>(inp, off)?) as u64;
                self.memo_get(off, i)?;
            }
            b'p' => {
                let i = self.memo_index(inp, off, "PUT")?;
                self.memo_put(off, i)?;
            }
            b'q' => {
                let i = Self::bytes_n::<1>(inp, off)?[0] as u64;
                self.memo_put(off, i)?;
            }
            b'r' => {
                let i = u32::from_le_bytes(Self::bytes_n::<4>(inp, off)?) as u64;
                self.memo_put(off, i)?;
            }
            0x94 => {
                let i = self.memo.len as u64;
                self.memo_put(off, i)?;
            }
            b'c' => {
                let g = self.global_from_lines(inp, off)?;
                self.push(off, V::Global(g))?;
            }
            0x93 => {
                let name = self.pop(off)?;
                let module = self.pop(off)?;
                match (module, name) {
                    (V::Str(m), V::Str(n)) => {
                        let g = self.intern_global(off, &m, &n)?;
                        self.push(off, V::Global(g))?;
                    }
                    (V::LongStr, _) | (_, V::LongStr) => {
                        return fail(off, "STACK_GLOBAL with a module or name longer than 1024 bytes");
                    }
                    _ => return fail(off, "STACK_GLOBAL requires str"),
                }
            }
            b'i' => {
                let g = self.global_from_lines(inp, off)?;
                let args = self.pop_mark(off)?;
                let kind = self.instantiate_kind(&V::Global(g), &args, CallKind::Inst);
                let r = self.call(off, V::Global(g), Self::tuple_of(args), kind)?;
                self.push(off, r)?;
            }
            b'o' => {
                let mut args = self.pop_mark(off)?;
                if args.is_empty() {
                    return fail(off, "unpickling stack underflow");
                }
                let cls = args.remove(0);
                let kind = self.instantiate_kind(&cls, &args, CallKind::Obj);
                let r = self.call(off, cls, Self::tuple_of(args), kind)?;
                self.push(off, r)?;
            }
            b'R' => {
                let args = self.pop(off)?;
                let f = self.pop(off)?;
                let r = self.call(off, f, args, CallKind::Reduce)?;
                self.push(off, r)?;
            }
            0x81 => {
                let args = self.pop(off)?;
                let cls = self.pop(off)?;
                let r = self.call(off, cls, args, CallKind::NewObj)?;
                self.push(off, r)?;
            }
            0x92 => {
                let _kwargs = self.pop(off)?;
                let args = self.pop(off)?;
                let cls = self.pop(off)?;
                let r = self.call(off, cls, args, CallKind::NewObj)?;
                self.push(off, r)?;
            }
            b'b' => self.build(off, inp)?,
            0x82 => {
                let code = u64::from(Self::bytes_n::<1>(inp, off)?[0]);
                self.ext(off, code)?;
            }
            0x83 => {
                let code = u64::from(u16::from_le_bytes(Self::bytes_n::<2>(inp, off)?));
                self.ext(off, code)?;
            }
            0x84 => {
                let code = i32::from_le_bytes(Self::bytes_n::<4>(inp, off)?);
                self.ext(off, code.max(0) as u64)?;
            }
            0x80 => {
                let p = Self::bytes_n::<1>(inp, off)?[0];
                if p > 5 {
                    return fail(off, format!("unsupported pickle protocol: {p}"));
                }
                self.proto = p;
                self.j.max_proto = self.j.max_proto.max(p);
                if self.run_ops == 1 && p >= 4 {
                    self.framing = true;
                }
            }
            0x95 => {
                let n = u64::from_le_bytes(Self::bytes_n::<8>(inp, off)?);
                if n > i64::MAX as u64 {
                    return fail(off, "FRAME length exceeds system's maximum size");
                }
                // The C unpickler only buffers the frame; opcodes continue linearly.
                self.frame_end = Some(inp.pos().saturating_add(n));
                self.frame_len = n;
            }
            other => return fail(off, format!("invalid load key, {other:#04x}")),
        }
        Ok(())
    }

    fn long_bytes(&mut self, inp: &mut Input<'_>, off: u64, n: u64) -> Result<V, Fail> {
        if n > 8 {
            Self::skip(inp, off, n)?;
            return Ok(V::BigInt);
        }
        let b = match inp.take_n(n as usize) {
            Ok(Some(b)) => b,
            Ok(None) => return Err(truncated(off)),
            Err(e) => return Err(io_fail(off, &e)),
        };
        if b.is_empty() {
            return Ok(V::Int(0));
        }
        let mut buf = if b[b.len() - 1] & 0x80 != 0 { [0xffu8; 8] } else { [0u8; 8] };
        buf[..b.len()].copy_from_slice(b);
        Ok(V::Int(i64::from_le_bytes(buf)))
    }

    fn ext(&mut self, off: u64, code: u64) -> Result<(), Fail> {
        if code == 0 {
            return fail(off, "EXT specifies code <= 0");
        }
        if !self.allow_ext {
            // probing data that may not be a pickle at all: random bytes form EXT opcodes easily,
            // and a real stacked pickle would need a populated extension registry
            return fail(off, "EXT opcode outside the first pickle");
        }
        // The extension registry maps the code to (module, name); its content depends on the loading
        // process, so the target is unknown: judged as an unknown global.
        let g = self.intern_global_unchecked(off, "copyreg._extension_registry", &format!("code_{code}"))?;
        self.push(off, V::Global(g))
    }

    fn intern_global_unchecked(&mut self, off: u64, module: &str, name: &str) -> Result<u32, Fail> {
        let strict = std::mem::replace(&mut self.strict_names, false);
        let r = self.intern_global(off, module, name);
        self.strict_names = strict;
        r
    }

    fn build(&mut self, off: u64, inp: &mut Input<'_>) -> Result<(), Fail> {
        let state = self.pop(off)?;
        let inst = self.top(off)?.clone();
        match &inst {
            V::Global(_) => self.mutate_check(off, &inst, "BUILD"),
            V::Obj(o) => {
                let st = state.detach(3);
                if let Ok(mut slot) = o.state.try_borrow_mut() {
                    *slot = Some(st);
                }
                let wrapper =
                    o.class.and_then(|g| self.j.globals.get(g as usize)).is_some_and(|g| g.joblib_wrapper);
                if wrapper {
                    self.stack.pop();
                    self.joblib_array(off, o, inp)?;
                    self.push(
                        off,
                        V::Obj(Rc::new(Obj { class: None, args: None, state: RefCell::new(None) })),
                    )?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// joblib's `NumpyArrayWrapper.read_array`: the raw array bytes (or a nested pickle for object
    /// arrays) follow the `BUILD` opcode in the stream.
    fn joblib_array(&mut self, off: u64, o: &Obj, inp: &mut Input<'_>) -> Result<(), Fail> {
        // joblib writes the array after committing the current frame: the next opcode starts a
        // fresh frame (or none), wherever the last one ended
        self.frame_end = None;
        self.unframed_since = None;
        self.framing = false;
        let state = o.state.try_borrow().ok().and_then(|s| s.clone()).unwrap_or(V::None);
        let unknown = |what: &str| Fail {
            offset: off,
            reason: format!("joblib inline array of unknown size ({what})"),
            eof: false,
        };
        let dtype = state.get("dtype").ok_or_else(|| unknown("no dtype"))?;
        let (itemsize, object) = dtype_itemsize(&dtype).ok_or_else(|| unknown("unrecognised dtype"))?;
        if object {
            if self.nesting >= self.lim.max_nesting {
                return fail(off, "joblib object arrays nested too deeply");
            }
            let mut sub = Vm::new(self.j, self.lim, self.strict_names);
            sub.nesting = self.nesting + 1;
            return sub.run(inp);
        }
        let shape = state.get("shape").ok_or_else(|| unknown("no shape"))?;
        let dims = shape.tuple().ok_or_else(|| unknown("shape is not a small tuple"))?;
        let mut count: u64 = 1;
        for d in dims {
            let V::Int(d) = d else {
                return Err(unknown("non-integer dimension"));
            };
            let d = u64::try_from(*d).map_err(|_| unknown("negative dimension"))?;
            count = count.checked_mul(d).ok_or_else(|| unknown("size overflow"))?;
        }
        let bytes = count.checked_mul(itemsize).ok_or_else(|| unknown("size overflow"))?;
        if state.get("numpy_array_alignment_bytes").is_some_and(|v| !matches!(v, V::None)) {
            let pad = Self::bytes_n::<1>(inp, off)?[0];
            Self::skip(inp, off, u64::from(pad))?;
        }
        Self::skip(inp, off, bytes)
    }
}

fn argdesc_fmt(d: &str) -> String {
    if d.starts_with('(') { d.to_owned() } else { format!("({d})") }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Item size of a numpy dtype object (`numpy.dtype('f8', …)` + BUILD state); second value true
/// for object dtypes.
fn dtype_itemsize(dtype: &V) -> Option<(u64, bool)> {
    let V::Obj(o) = dtype else { return None };
    let args = o.args.as_ref()?;
    let descr = args.tuple()?.first()?.str()?.to_owned();
    let d = descr.trim_start_matches(['<', '>', '|', '=']);
    let kind = d.chars().next()?;
    if kind == 'O' {
        return Some((8, true));
    }
    // Version-3 state: (3, endian, subarray, names, fields, elsize, alignment, flags).
    if let Some(st) =
        o.state.try_borrow().ok().and_then(|s| s.as_ref().and_then(|s| s.tuple().map(<[V]>::to_vec)))
    {
        if st.get(4).is_some_and(|f| !matches!(f, V::None))
            || st.get(2).is_some_and(|f| !matches!(f, V::None))
        {
            // structured or subarray dtypes may contain objects: only trust elsize when no field
            // could be an object (flags bit 0 = NPY_ITEM_REFCOUNT).
            if let Some(V::Int(flags)) = st.get(7)
                && flags & 1 != 0
            {
                return Some((8, true));
            }
        }
        if let Some(V::Int(el)) = st.get(5)
            && *el > 0
        {
            return Some((*el as u64, false));
        }
    }
    let digits: String = d.chars().skip(1).take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    match kind {
        'U' => Some((n.checked_mul(4)?, false)),
        'b' | 'i' | 'u' | 'f' | 'c' | 'm' | 'M' | 'S' | 'a' | 'V' => Some((n, false)),
        _ => None,
    }
}

/// Parses an INT/LONG/GET/PUT text argument like CPython (`int(s, 0)`; `00`/`01` are bools).
fn parse_int_line(b: &[u8], complete: bool) -> Option<V> {
    if !complete {
        return None;
    }
    if b == b"00" {
        return Some(V::Bool(false));
    }
    if b == b"01" {
        return Some(V::Bool(true));
    }
    let s = std::str::from_utf8(b).ok()?.trim();
    let s = s.strip_suffix('L').unwrap_or(s);
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let (radix, digits) = match clean.get(..2) {
        Some("0x" | "0X") => (16, &clean[2..]),
        Some("0o" | "0O") => (8, &clean[2..]),
        Some("0b" | "0B") => (2, &clean[2..]),
        _ => (10, clean.as_str()),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    match i64::from_str_radix(digits, radix) {
        Ok(v) => Some(V::Int(if neg { -v } else { v })),
        Err(_) => Some(V::BigInt),
    }
}

fn is_float_text(b: &[u8]) -> bool {
    let s = match std::str::from_utf8(b) {
        Ok(s) => s.trim(),
        Err(_) => return false,
    };
    !s.is_empty()
        && (s.parse::<f64>().is_ok() || s.chars().all(|c| c.is_ascii_digit() || "+-._eE".contains(c)))
}

/// Protocol-0 `STRING`: quoted, `codecs.escape_decode`d, decoded as text.
fn decode_string_line(b: &[u8]) -> Option<V> {
    if b.len() < 2 || b[0] != b[b.len() - 1] || !(b[0] == b'\'' || b[0] == b'"') {
        return None;
    }
    let body = &b[1..b.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' || i + 1 >= body.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'x' => {
                let h = body
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => return None,
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut k = 0;
                while k < 2 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + u32::from(body[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'\\' | b'\'' | b'"' => out.push(e),
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(V::Str(Rc::from(String::from_utf8_lossy(&out))))
}

/// `raw-unicode-escape` decoding (`\uXXXX`, `\UXXXXXXXX`; everything else latin-1).
fn raw_unicode_escape(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && (b[i + 1] == b'u' || b[i + 1] == b'U') {
            let n = if b[i + 1] == b'u' { 4 } else { 8 };
            if let Some(c) = b
                .get(i + 2..i + 2 + n)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                out.push(c);
                i += 2 + n;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}
