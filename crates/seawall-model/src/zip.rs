//! A streaming zip reader that reads archives the way PyTorch does — and notices where they lie.
//!
//! The walker hands us a stream, so local headers are read in order and every member's content is
//! scanned as it passes (stored members with a data descriptor, as `torch.save` writes them, are
//! delimited by finding a descriptor whose size *and CRC* match). When the central directory arrives
//! at the end, it is cross-checked against what was read: names (CVE-2025-1944), flag bits
//! (CVE-2025-1945), methods, sizes and offsets. Entries the central directory points to that were
//! never seen as local headers (hidden inside other members) are reported, never ignored.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Read};

use crate::bounded::{Capped, drain};
use crate::ctx::{Ctx, Scope};
use crate::detect;
use crate::input::Input;
use crate::picklefile::{self, Mode};
use crate::rules;

/// Most entries tracked per archive.
const MAX_ENTRIES: usize = 200_000;

#[derive(Debug, Clone)]
struct Local {
    offset: u64,
    name: String,
    flags: u16,
    method: u16,
    csize: u64,
}

/// Reads a stored member of unknown size (data descriptor follows): stops where a descriptor with
/// matching compressed size and CRC-32 begins, and consumes that descriptor.
struct StoredUntilDescriptor<'a, 'b> {
    inp: &'a mut Input<'b>,
    consumed: u64,
    crc: crc32fast::Hasher,
    /// Bytes at the front of the window already searched without a valid descriptor.
    scanned: usize,
    /// The local header carried a zip64 extra field (prefer the 24-byte descriptor form).
    zip64: bool,
    done: bool,
    found: bool,
    /// Length of the descriptor consumed.
    found_len: u64,
}

const WINDOW: usize = 128 * 1024;

fn is_record_sig(b: &[u8]) -> bool {
    b.len() >= 4
        && b[0] == b'P'
        && b[1] == b'K'
        && matches!((b[2], b[3]), (3, 4) | (1, 2) | (5, 6) | (6, 6) | (7, 8))
}

/// Length of a valid data descriptor at `window[k..]`, if any (16 bytes, or 24 in zip64 form), for
/// a member of which `consumed` bytes with CRC state `crc` precede the window.
fn descriptor_at(
    crc: &crc32fast::Hasher,
    consumed: u64,
    zip64: bool,
    window: &[u8],
    k: usize,
) -> Option<usize> {
    {
        let d = &window[k + 4..];
        let total = consumed + k as u64;
        let m32 =
            d.len() >= 12 && u64::from(u32::from_le_bytes([d[4], d[5], d[6], d[7]])) == total & 0xffff_ffff;
        let m64 =
            d.len() >= 20 && u64::from_le_bytes([d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]]) == total;
        if !(m32 || m64) {
            return None;
        }
        let mut h = crc.clone();
        h.update(&window[..k]);
        if h.finalize() != u32::from_le_bytes([d[0], d[1], d[2], d[3]]) {
            return None;
        }
        let next32 = window.get(k + 16..).is_some_and(is_record_sig);
        let next64 = window.get(k + 24..).is_some_and(is_record_sig);
        Some(match (m32, m64) {
            (true, true) if next64 && !next32 => 24,
            (true, true) if next32 => 16,
            (true, true) => {
                if zip64 {
                    24
                } else {
                    16
                }
            }
            (true, false) => 16,
            _ => 24,
        })
    }
}

impl Read for StoredUntilDescriptor<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let (n, desc_len) = {
            let window = self.inp.peek(WINDOW)?;
            if window.is_empty() {
                self.done = true;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "zip member without data descriptor",
                ));
            }
            let at_end = window.len() < WINDOW;
            // a descriptor needs 16 (or 24) bytes after its signature inside the window
            let searchable = if at_end { window.len() } else { window.len() - 28 };
            let mut from = self.scanned.min(searchable);
            let mut hit = None;
            while let Some(k) = memchr::memmem::find(&window[from..searchable], b"PK\x07\x08") {
                let k = from + k;
                if let Some(len) = descriptor_at(&self.crc, self.consumed, self.zip64, window, k) {
                    hit = Some((k, len));
                    break;
                }
                from = k + 1;
            }
            match hit {
                Some((0, len)) => (0, Some(len)),
                Some((k, _)) => {
                    let n = k.min(out.len());
                    out[..n].copy_from_slice(&window[..n]);
                    self.crc.update(&window[..n]);
                    self.scanned = k - n;
                    (n, None)
                }
                None => {
                    let n = searchable.min(out.len()).max(usize::from(at_end && searchable == 0));
                    let n = n.min(window.len());
                    out[..n].copy_from_slice(&window[..n]);
                    self.crc.update(&window[..n]);
                    // a signature may straddle the end of the searched range: re-search its last 3 bytes
                    self.scanned = searchable.saturating_sub(3).saturating_sub(n);
                    (n, None)
                }
            }
        };
        if let Some(len) = desc_len {
            self.inp.consume(len);
            self.done = true;
            self.found = true;
            self.found_len = len as u64;
            return Ok(0);
        }
        self.inp.consume(n);
        self.consumed += n as u64;
        Ok(n)
    }
}

fn u16le(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32le(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}
fn u64le(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

/// zip64 extra field: replaces the 0xFFFFFFFF fields in order (usize, csize, offset).
fn zip64_extra(extra: &[u8], usize_: &mut u64, csize: &mut u64, offset: Option<&mut u64>) -> bool {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let id = u16le(extra, i);
        let len = usize::from(u16le(extra, i + 2));
        let body = &extra[(i + 4).min(extra.len())..(i + 4 + len).min(extra.len())];
        if id == 1 {
            let mut j = 0;
            let mut next = |v: &mut u64| {
                if *v == 0xffff_ffff && j + 8 <= body.len() {
                    *v = u64le(body, j);
                    j += 8;
                }
            };
            next(usize_);
            next(csize);
            if let Some(o) = offset {
                next(o);
            }
            return true;
        }
        i += 4 + len;
    }
    false
}

#[derive(Default)]
struct Kinds {
    data_pkl: bool,
    torchscript: bool,
    code_members: Vec<String>,
    keras_config: bool,
    npy: usize,
    other: usize,
    model_members: usize,
    /// Archive prefixes (`archive`) whose `data.pkl` was read: their `data/` records are tensors.
    data_pkl_prefixes: Vec<String>,
    /// Tensor records read as raw bytes.
    tensor_records: usize,
}

/// Scans a zip stream positioned at its first local header.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut locals: Vec<Local> = Vec::new();
    let mut kinds = Kinds::default();
    let mut anomalies: Vec<String> = Vec::new();
    let mut fatal: Option<String> = None;
    let mut central_seen = false;
    let mut cd: Vec<(String, u16, u16, u64, u64)> = Vec::new(); // name, flags, method, csize, offset
    loop {
        let off = inp.pos();
        let sig = match inp.peek(4) {
            Ok(s) => s.to_vec(),
            Err(e) => {
                fatal = Some(format!("read error: {e}"));
                break;
            }
        };
        if sig.len() < 4 {
            if !central_seen {
                fatal = Some("archive ends without a central directory (truncated)".into());
            }
            break;
        }
        match &sig[..] {
            b"PK\x03\x04" => {
                if central_seen {
                    anomalies.push(format!("local header after the central directory at offset {off}"));
                }
                if locals.len() >= MAX_ENTRIES {
                    fatal = Some(format!("more than {MAX_ENTRIES} entries"));
                    break;
                }
                if !ctx.take_entry() {
                    fatal = Some("entry budget of the file exhausted".into());
                    break;
                }
                match member(ctx, inp, scope, off, &mut kinds, &mut anomalies) {
                    Ok(l) => locals.push(l),
                    Err(e) => {
                        fatal = Some(e);
                        break;
                    }
                }
            }
            b"PK\x01\x02" => {
                central_seen = true;
                match central(inp, &mut cd) {
                    Ok(()) => {}
                    Err(e) => {
                        fatal = Some(e);
                        break;
                    }
                }
            }
            b"PK\x05\x06" | b"PK\x06\x06" | b"PK\x06\x07" => {
                central_seen = true;
                // end records: skip the rest of the stream (comment, trailing data)
                let _ = inp.drain();
                break;
            }
            _ => {
                // junk between records: find the next signature
                anomalies.push(format!("unexpected data at offset {off} between zip records"));
                if let Err(e) = skip_to_signature(inp) {
                    fatal = Some(format!("read error: {e}"));
                    break;
                }
            }
        }
    }
    // cross-check the central directory with the local headers
    let by_offset: HashMap<u64, &Local> = locals.iter().map(|l| (l.offset, l)).collect();
    let mut names = HashSet::new();
    let mut referenced = HashSet::new();
    for (name, flags, method, csize, offset) in &cd {
        if !names.insert(name.clone()) {
            anomalies.push(format!("duplicate central directory entry {name:?}"));
        }
        if flags & 0x41 != 0 {
            anomalies.push(format!(
                "entry {name:?} is flagged as encrypted in the central directory (flags {flags:#06x})"
            ));
        }
        match by_offset.get(offset) {
            None => anomalies.push(format!(
                "central directory entry {name:?} points to offset {offset} where no local header was read (hidden or overlapping entry)"
            )),
            Some(l) => {
                referenced.insert(l.offset);
                if &l.name != name {
                    anomalies.push(format!("name mismatch: local header {:?}, central directory {name:?}", l.name));
                }
                if l.flags != *flags {
                    anomalies.push(format!("flag mismatch for {name:?}: local {:#06x}, central {flags:#06x}", l.flags));
                }
                if l.method != *method {
                    anomalies.push(format!("compression method mismatch for {name:?}"));
                }
                if l.csize != *csize {
                    anomalies.push(format!("size mismatch for {name:?}: read {} bytes, central directory says {csize}", l.csize));
                }
            }
        }
    }
    if central_seen {
        for l in &locals {
            if !referenced.contains(&l.offset) {
                anomalies.push(format!(
                    "local entry {:?} at offset {} is not in the central directory",
                    l.name, l.offset
                ));
            }
        }
    }
    for l in &locals {
        if l.flags & 0x41 != 0 {
            anomalies.push(format!("entry {:?} is flagged as encrypted (flags {:#06x})", l.name, l.flags));
        }
    }
    let label = if kinds.torchscript {
        "torchscript"
    } else if kinds.data_pkl {
        "pytorch-zip"
    } else if kinds.keras_config {
        "keras-v3"
    } else if kinds.npy > 0 && kinds.other == 0 {
        "npz"
    } else {
        "zip"
    };
    anomalies.dedup();
    // A zip is judged as a model archive when any entry — local *or* central (a payload hidden from
    // the local walk still names itself in the central directory) — looks like a model member.
    let model_name = |n: &str| {
        let base = n.rsplit('/').next().unwrap_or(n);
        n.ends_with(".pkl")
            || n.ends_with(".npy")
            || torchscript_code(n)
            || base == "config.json"
            || base == "data.pkl"
            || n.split('/').rev().nth(1) == Some("data")
            || detect::model_name_hint(base)
    };
    let model_zip = label != "zip"
        || kinds.model_members > 0
        || ctx.found_since(mark)
        || cd.iter().any(|e| model_name(&e.0))
        || locals.iter().any(|l| model_name(&l.name));
    let mut problems: Vec<String> = anomalies.iter().take(20).cloned().collect();
    if let Some(f) = &fatal {
        problems.push(format!("zip archive could not be read completely: {f}"));
    }
    if !model_zip {
        // an ordinary archive (wheel, jar, document): structural problems are reported as warnings,
        // not as model findings
        for p in problems {
            ctx.out.warnings.push(seawall_core::ScanWarning::at("model", ctx.base.clone(), p));
        }
        return;
    }
    for a in anomalies.iter().take(20) {
        ctx.hit(scope, label, &rules::ZIP_ANOMALY, vec![], None, a.clone());
    }
    if !kinds.code_members.is_empty() {
        let list: Vec<&str> = kinds.code_members.iter().take(10).map(String::as_str).collect();
        ctx.hit(
            scope,
            label,
            &rules::TORCHSCRIPT_CODE,
            vec![],
            None,
            format!("{} code member(s): {}", kinds.code_members.len(), list.join(", ")),
        );
    }
    if let Some(f) = fatal {
        ctx.hit(
            scope,
            label,
            &rules::UNSCANNABLE,
            vec![],
            None,
            format!("zip archive could not be read completely: {f}"),
        );
    }
    let is_model = label != "zip" || kinds.model_members > 0 || ctx.found_since(mark);
    if is_model {
        let framework = match label {
            "torchscript" | "pytorch-zip" => Some("pytorch"),
            "keras-v3" => Some("keras"),
            "npz" => Some("numpy"),
            _ => None,
        };
        ctx.model(scope, mark, label, framework);
    }
}

fn skip_to_signature(inp: &mut Input<'_>) -> io::Result<()> {
    inp.consume(1);
    loop {
        let buf = inp.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'P', buf) {
            Some(i) => {
                inp.consume(i);
                let p = inp.peek(4)?;
                if p.len() < 4
                    || (p[1] == b'K' && matches!((p[2], p[3]), (3, 4) | (1, 2) | (5, 6) | (6, 6) | (6, 7)))
                {
                    return Ok(());
                }
                inp.consume(1);
            }
            None => {
                let n = buf.len();
                inp.consume(n);
            }
        }
    }
}

/// Reads one local entry and scans its content.
fn member(
    ctx: &mut Ctx,
    inp: &mut Input<'_>,
    scope: &Scope,
    off: u64,
    kinds: &mut Kinds,
    anomalies: &mut Vec<String>,
) -> Result<Local, String> {
    let h = inp
        .take_n(30)
        .map_err(|e| format!("read error: {e}"))?
        .ok_or_else(|| format!("truncated local header at offset {off}"))?
        .to_vec();
    let flags = u16le(&h, 6);
    let method = u16le(&h, 8);
    let mut csize = u64::from(u32le(&h, 18));
    let mut usize_ = u64::from(u32le(&h, 22));
    let nlen = usize::from(u16le(&h, 26));
    let xlen = usize::from(u16le(&h, 28));
    let mut nb = Vec::new();
    let mut extra = Vec::new();
    let ok = inp.read_capped(nlen as u64, 4096, &mut nb).map_err(|e| format!("read error: {e}"))?
        && inp.read_capped(xlen as u64, 65535, &mut extra).map_err(|e| format!("read error: {e}"))?;
    if !ok {
        return Err(format!("truncated local header at offset {off}"));
    }
    let name = String::from_utf8_lossy(&nb).into_owned();
    let zip64 = zip64_extra(&extra, &mut usize_, &mut csize, None);
    let descriptor = flags & 0x08 != 0;
    let known = !descriptor || csize != 0;
    let mscope = scope.child(
        &name,
        if known && method == 0 {
            Some(csize)
        } else if usize_ != 0 {
            Some(usize_)
        } else {
            None
        },
    );
    let start = inp.pos();
    let limit =
        if known { csize.saturating_mul(ctx.opts.max_ratio).max(1 << 20) } else { ctx.opts.max_decompressed };
    let mut found_descriptor = false;
    let mut descriptor_len = 0u64;
    match (method, known) {
        (0, true) => {
            let mut r = (&mut *inp).take(csize);
            content(ctx, &mut r, &mscope, &name, kinds);
            drain(&mut r).map_err(|e| format!("read error: {e}"))?;
        }
        (0, false) => {
            let mut r = StoredUntilDescriptor {
                inp: &mut *inp,
                consumed: 0,
                crc: crc32fast::Hasher::new(),
                scanned: 0,
                zip64,
                done: false,
                found: false,
                found_len: 0,
            };
            content(ctx, &mut r, &mscope, &name, kinds);
            let _ = drain(&mut r);
            if !r.found {
                return Err(format!("stored member {name:?} has no matching data descriptor"));
            }
            found_descriptor = true;
            descriptor_len = r.found_len;
        }
        (8, true) => {
            let take = (&mut *inp).take(csize);
            let mut r = Capped::new(flate2::bufread::DeflateDecoder::new(take), limit, &ctx.budget);
            content(ctx, &mut r, &mscope, &name, kinds);
            let _ = drain(&mut r);
            let mut take = r.into_inner().into_inner();
            drain(&mut take).map_err(|e| format!("read error: {e}"))?;
        }
        (8, false) => {
            let mut r = Capped::new(flate2::bufread::DeflateDecoder::new(&mut *inp), limit, &ctx.budget);
            content(ctx, &mut r, &mscope, &name, kinds);
            if let Err(e) = drain(&mut r) {
                return Err(format!("member {name:?}: {e}"));
            }
        }
        (_, true) => {
            // unsupported method with a known size: skip, but a model member we cannot read is unscannable
            if name.ends_with(".pkl") || name.ends_with(".npy") {
                ctx.hit(
                    &mscope,
                    "zip",
                    &rules::UNSCANNABLE,
                    vec![],
                    None,
                    format!("member compressed with unsupported method {method}"),
                );
            }
            let n = inp.skip(csize).map_err(|e| format!("read error: {e}"))?;
            if n < csize {
                return Err(format!("truncated member {name:?}"));
            }
        }
        (_, false) => {
            return Err(format!("member {name:?} uses unsupported method {method} with unknown size"));
        }
    }
    let mut read_csize = inp.pos() - start;
    if descriptor && !found_descriptor {
        // descriptor after a deflated member: optional signature, crc, sizes (4 or 8 bytes each)
        let p = inp.peek(4).map_err(|e| format!("read error: {e}"))?.to_vec();
        let sig = p == b"PK\x07\x08";
        let len = if zip64 { 20 } else { 12 } + if sig { 4 } else { 0 };
        if known {
            // sizes were in the header; a descriptor may still follow
            if sig {
                inp.skip(len).map_err(|e| format!("read error: {e}"))?;
            }
        } else {
            inp.skip(len).map_err(|e| format!("read error: {e}"))?;
        }
    } else if found_descriptor {
        // StoredUntilDescriptor consumed the descriptor; the data size excludes it
        read_csize = read_csize.saturating_sub(descriptor_len);
    }
    if known && read_csize != csize && method == 0 {
        anomalies.push(format!("member {name:?} size mismatch"));
    }
    Ok(Local { offset: off, name, flags, method, csize: if known { csize } else { read_csize } })
}

/// TorchScript code members: `<archive>/code/__torch__/….py` (and their `.debug_pkl` siblings).
fn torchscript_code(name: &str) -> bool {
    let mut parts = name.split('/');
    let (_, second) = (parts.next(), parts.next());
    second == Some("code")
        && name.contains("/code/__torch__")
        && (name.ends_with(".py") || name.ends_with(".debug_pkl"))
}

/// Dispatches one member's content.
fn content(ctx: &mut Ctx, r: &mut dyn Read, scope: &Scope, name: &str, kinds: &mut Kinds) {
    let mut inp = Input::new(r);
    let base = name.rsplit('/').next().unwrap_or(name);
    // `<archive>/data/<key>` of a torch zip checkpoint (its `<archive>/data.pkl` comes first):
    // tensor storage that torch reads as raw bytes, never as a pickle
    let torch_record = name.rsplit_once("/data/").is_some_and(|(prefix, key)| {
        !key.is_empty() && !key.contains('/') && kinds.data_pkl_prefixes.iter().any(|p| p == prefix)
    });
    if name.ends_with(".pkl") || name.ends_with(".debug_pkl") {
        if base == "data.pkl" {
            kinds.data_pkl = true;
            if let Some(prefix) = name.strip_suffix("/data.pkl")
                && kinds.data_pkl_prefixes.len() < 64
            {
                kinds.data_pkl_prefixes.push(prefix.to_owned());
            }
        }
        if base == "constants.pkl" {
            kinds.torchscript = true;
        }
        kinds.model_members += 1;
        picklefile::scan(ctx, &mut inp, scope, "pytorch-zip", Mode::Strict);
    } else if torchscript_code(name) {
        if !name.ends_with('/') {
            kinds.torchscript = true;
            kinds.code_members.push(name.to_owned());
        }
    } else if torch_record {
        kinds.tensor_records += 1;
    } else if name == "config.json" || name.ends_with("/config.json") && name.matches('/').count() == 0 {
        if crate::formats::keras::scan_config_stream(ctx, &mut inp, scope) {
            kinds.keras_config = true;
        } else {
            kinds.other += 1;
        }
    } else if name.ends_with(".npy") {
        kinds.npy += 1;
        kinds.model_members += 1;
        crate::formats::npy::scan(ctx, &mut inp, scope);
    } else if name.ends_with('/') {
        // directory entry
    } else {
        kinds.other += 1;
        if ctx.scan_nested(&mut inp, scope).is_some() {
            kinds.model_members += 1;
        }
    }
}

/// Parses central directory records until the next non-CD signature.
fn central(inp: &mut Input<'_>, cd: &mut Vec<(String, u16, u16, u64, u64)>) -> Result<(), String> {
    loop {
        let p = inp.peek(4).map_err(|e| format!("read error: {e}"))?;
        if p != b"PK\x01\x02" {
            return Ok(());
        }
        let h = inp
            .take_n(46)
            .map_err(|e| format!("read error: {e}"))?
            .ok_or("truncated central directory")?
            .to_vec();
        let flags = u16le(&h, 8);
        let method = u16le(&h, 10);
        let mut csize = u64::from(u32le(&h, 20));
        let mut usize_ = u64::from(u32le(&h, 24));
        let nlen = u64::from(u16le(&h, 28));
        let xlen = u64::from(u16le(&h, 30));
        let clen = u64::from(u16le(&h, 32));
        let mut offset = u64::from(u32le(&h, 42));
        let mut nb = Vec::new();
        let mut extra = Vec::new();
        let ok = inp.read_capped(nlen, 4096, &mut nb).map_err(|e| format!("read error: {e}"))?
            && inp.read_capped(xlen, 65535, &mut extra).map_err(|e| format!("read error: {e}"))?
            && inp.skip(clen).map_err(|e| format!("read error: {e}"))? == clen;
        if !ok {
            return Err("truncated central directory".into());
        }
        zip64_extra(&extra, &mut usize_, &mut csize, Some(&mut offset));
        if cd.len() >= MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} central directory entries"));
        }
        cd.push((String::from_utf8_lossy(&nb).into_owned(), flags, method, csize, offset));
    }
}
