//! Pickle streams: emulation of the unpickler over stacked pickles and trailing data.
//!
//! A stream is parsed the way loaders consume it: the first pickle strictly (any failure makes the
//! file unscannable), then every pickle stacked right after a `STOP` (PyTorch's legacy format stores
//! five), and finally the data that follows the last parseable pickle is *probed*: every offset that
//! could start a pickle (`PROTO`, a textual `GLOBAL`/`INST`, a short unicode name) is emulated within
//! a window, so that payloads hidden after junk are still found. Probing never makes a file
//! unscannable; what it finds is reported.

pub(crate) mod policy;
pub(crate) mod value;
pub(crate) mod vm;

use std::io::Read;

use crate::input::Input;
use vm::Vm;
pub(crate) use vm::{Fail, Judged, Nested, VmLimits};

/// Window used to probe trailing data.
const PROBE_WINDOW: usize = 64 * 1024;
/// Most probe attempts per stream.
const MAX_PROBES: u64 = 1_000_000;

/// The result of scanning one pickle stream.
#[derive(Debug, Default)]
pub(crate) struct StreamScan {
    /// Globals and issues.
    pub(crate) judged: Judged,
    /// Why the first pickle could not be parsed completely.
    pub(crate) error: Option<Fail>,
    /// Number of complete pickles parsed in sequence.
    pub(crate) pickles: u32,
    /// Bytes after the last complete pickle (probed, not parsed; raw storages of a legacy torch
    /// file are neither).
    pub(crate) trailing: u64,
    /// Total bytes consumed.
    pub(crate) bytes: u64,
    /// Set when the trailing data could not be probed completely (work budget exhausted).
    pub(crate) probe_incomplete: Option<String>,
    /// The stream starts with the legacy `torch.save` magic-number pickle.
    pub(crate) torch_legacy: bool,
    /// A tentative scan whose first pickle did not show enough pickle structure: not a pickle.
    pub(crate) rejected: bool,
}

/// The legacy `torch.save` format: a pickle of this magic number (`LONG1`, 10 bytes) opens the file.
const TORCH_MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
/// Pickles of a legacy torch file before its raw storages: magic, protocol, sys_info, object, keys.
const TORCH_LEGACY_PICKLES: u32 = 5;

fn torch_magic(head: &[u8]) -> bool {
    let body = match head {
        [0x80, p, rest @ ..] if *p <= 5 => rest,
        rest => rest,
    };
    body.len() >= 13 && body[0] == 0x8a && body[1] == 10 && body[2..12] == TORCH_MAGIC && body[12] == b'.'
}

/// Whether the first pickle of a stream that is only *maybe* a pickle (its format was not clear
/// from a prefix) shows enough structure to be one. Judged on the whole first pickle, never on a
/// prefix: a pickle that runs to `STOP`, that imports or calls anything, or that runs long enough.
pub(crate) fn plausible_first_pickle(j: &Judged, first: &Result<(), Fail>, proto: bool) -> bool {
    if !j.issues.is_empty() || !j.globals.is_empty() {
        return true;
    }
    match first {
        Ok(()) => j.ops >= 2,
        Err(_) if proto => j.ops >= 4,
        Err(_) => j.structure_ops >= 3 && j.ops >= 12,
    }
}

/// Scans a pickle stream to its end. With `tentative`, a first pickle that is not
/// [`plausible_first_pickle`] ends the scan with `rejected` set (nothing more is read).
pub(crate) fn scan_stream<'n>(
    inp: &mut Input<'_>,
    lim: VmLimits,
    mut nested: Option<&mut (dyn Nested + 'n)>,
    tentative: bool,
) -> StreamScan {
    let mut out = StreamScan::default();
    let (proto, torch) = match inp.peek(16) {
        Ok(h) => (h.first() == Some(&0x80), torch_magic(h)),
        Err(_) => (false, false),
    };
    out.torch_legacy = torch;
    let mut vm = Vm::new(&mut out.judged, lim, false).report_anomalies().with_nested(nested.as_deref_mut());
    let first = vm.run(inp);
    let mut memo = vm.take_memo();
    drop(vm);
    if tentative && !plausible_first_pickle(&out.judged, &first, proto) {
        out.rejected = true;
        return out;
    }
    match first {
        Ok(()) => {
            out.pickles = 1;
            loop {
                if torch && out.pickles >= TORCH_LEGACY_PICKLES {
                    // raw storage bytes follow: torch reads them as tensor data, never as pickles
                    let start = inp.pos();
                    let _ = inp.drain();
                    out.trailing = inp.pos() - start;
                    break;
                }
                match inp.at_eof() {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(e) => {
                        out.error =
                            Some(Fail { offset: inp.pos(), reason: format!("read error: {e}"), eof: false });
                        break;
                    }
                }
                let start = inp.pos();
                let mut vm = Vm::new(&mut out.judged, lim, true)
                    .report_anomalies()
                    .no_ext()
                    .with_memo(memo)
                    .with_nested(nested.as_deref_mut());
                let r = vm.run(inp);
                memo = vm.take_memo();
                drop(vm);
                match r {
                    Ok(()) => out.pickles += 1,
                    Err(_) => {
                        let (n, incomplete) = probe_trailing(inp, &mut out.judged, lim);
                        out.trailing = n + (inp.pos() - start);
                        out.probe_incomplete = incomplete;
                        break;
                    }
                }
            }
        }
        Err(f) => {
            out.error = Some(f);
            out.probe_incomplete = probe_trailing(inp, &mut out.judged, lim).1;
        }
    }
    out.judged.finish();
    out.bytes = inp.pos();
    out
}

/// Emulated opcodes allowed per probed byte (plus a fixed allowance): bounds the work of probing
/// hostile trailing data where every offset looks like a pickle start.
const PROBE_OPS_PER_BYTE: u64 = 64;
const PROBE_OPS_BASE: u64 = 4_000_000;

/// Probes every plausible pickle start in the rest of the input. Returns the number of bytes read
/// and, when the work budget ran out, why probing stopped early.
fn probe_trailing(inp: &mut Input<'_>, j: &mut Judged, lim: VmLimits) -> (u64, Option<String>) {
    let ops_start = j.ops;
    let mut incomplete = None;
    let start = inp.pos();
    let mut buf: Vec<u8> = Vec::with_capacity(2 * PROBE_WINDOW);
    let mut base = start; // absolute offset of buf[0]
    let mut scan_from = 0usize;
    let mut probes = 0u64;
    let mut eof = false;
    let lim = VmLimits { max_ops: 100_000, max_stack: 10_000, max_memo: 10_000, ..lim };
    loop {
        // top up the buffer to two windows
        while !eof && buf.len() < 2 * PROBE_WINDOW {
            let old = buf.len();
            buf.resize(2 * PROBE_WINDOW, 0);
            match inp.read(&mut buf[old..]) {
                Ok(0) | Err(_) => {
                    buf.truncate(old);
                    eof = true;
                }
                Ok(n) => buf.truncate(old + n),
            }
        }
        let limit = if eof { buf.len() } else { buf.len().saturating_sub(PROBE_WINDOW) };
        let mut i = scan_from;
        // next 0x8c (SHORT_BINUNICODE) position, cached so that each byte is searched once
        let mut next_8c: Option<usize> = None;
        while i < limit {
            if next_8c.is_none_or(|n| n < i) {
                next_8c = memchr::memchr(0x8c, &buf[i..limit]).map(|k| i + k).or(Some(usize::MAX));
            }
            let a = memchr::memchr3(0x80, b'c', b'i', &buf[i..limit]).map(|k| i + k);
            let p = match (a, next_8c) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) if b != usize::MAX => b,
                _ => break,
            };
            if p >= limit {
                break;
            }
            i = p + 1;
            if !is_candidate(&buf[p..]) {
                continue;
            }
            let budget = PROBE_OPS_BASE + PROBE_OPS_PER_BYTE * (base + p as u64 - start);
            if probes >= MAX_PROBES || j.ops - ops_start > budget {
                if incomplete.is_none() {
                    incomplete = Some(format!(
                        "trailing data after offset {} could not be probed completely (work limit)",
                        base + p as u64
                    ));
                }
                continue;
            }
            probes += 1;
            let mut slice = &buf[p..];
            let mut sub = Input::with_capacity(&mut slice, 4096);
            sub.set_pos(base + p as u64);
            let _ = Vm::new(j, lim, true).no_ext().run(&mut sub);
        }
        if eof {
            break;
        }
        // slide the window
        let drop = limit;
        buf.drain(..drop);
        base += drop as u64;
        scan_from = 0;
    }
    (base + buf.len() as u64 - start, incomplete)
}

fn ident_line(b: &[u8]) -> Option<usize> {
    let n = memchr::memchr(b'\n', &b[..b.len().min(128)])?;
    let s = std::str::from_utf8(&b[..n]).ok()?;
    policy::is_dotted_ident(s).then_some(n + 1)
}

/// Could a pickle the loader would run start here?
fn is_candidate(b: &[u8]) -> bool {
    match b {
        [0x80, p, ..] => *p <= 5,
        [b'c' | b'i', rest @ ..] => ident_line(rest).and_then(|n| ident_line(&rest[n..])).is_some(),
        [0x8c, n, rest @ ..] => {
            let n = usize::from(*n);
            n > 0
                && n <= 64
                && rest.len() > n
                && std::str::from_utf8(&rest[..n]).is_ok_and(policy::is_dotted_ident)
        }
        _ => false,
    }
}

/// Convenience for tests: scans a whole byte slice as a pickle stream.
#[cfg(test)]
pub(crate) fn scan_bytes(data: &[u8]) -> StreamScan {
    let mut r: &[u8] = data;
    let mut inp = Input::new(&mut r as &mut dyn Read);
    scan_stream(&mut inp, VmLimits::default(), None, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn issue_ids(s: &StreamScan) -> Vec<&'static str> {
        s.judged.issues.iter().map(|i| i.rule.id).collect()
    }

    #[test]
    fn mark_fence_semantics() {
        // items below a MARK are not reachable: REDUCE right after MARK underflows (C unpickler)
        let s = scan_bytes(b"cos\nsystem\n(S'id'\n(R.");
        assert!(s.error.is_some());
        // POP on a mark pops the mark (C unpickler), so the REDUCE below sees the tuple and callable
        let s = scan_bytes(b"cos\nsystem\nS'id'\n\x85(0R.");
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(issue_ids(&s), vec!["SW-MODEL-001"]);
    }

    #[test]
    fn benign_containers_are_clean() {
        let s = scan_bytes(b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01K\x02e\x88\x8a\x02\xff\x7fu.");
        assert!(s.error.is_none() && s.judged.issues.is_empty(), "{:?}", s.error);
        let s = scan_bytes(b"(dp0\nVa\np1\n(lp2\nI1\naI2\nasS'b'\np3\nF1.5\ns.");
        assert!(s.error.is_none() && s.judged.issues.is_empty(), "{:?}", s.error);
    }

    #[test]
    fn limits_are_enforced() {
        let lim = VmLimits { max_stack: 10, ..VmLimits::default() };
        let data = [b'N'; 20];
        let mut r: &[u8] = &data;
        let mut inp = Input::new(&mut r as &mut dyn Read);
        let s = scan_stream(&mut inp, lim, None, false);
        assert!(s.error.is_some_and(|e| e.reason.contains("stack limit")));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = scan_bytes(&data);
        }

        #[test]
        fn never_panics_with_proto_prefix(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut p = vec![0x80, 0x04];
            p.extend(data);
            let _ = scan_bytes(&p);
        }
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn hostile_trailing_data_is_bounded() {
        // after a valid pickle: 200 KB where every offset starts a long valid opcode run
        let mut p = b"\x80\x02N.".to_vec();
        for _ in 0..40_000 {
            p.extend_from_slice(b"\x80\x02N0");
        }
        let t = std::time::Instant::now();
        let s = scan_bytes(&p);
        assert!(t.elapsed().as_secs() < 20);
        assert!(s.judged.ops < PROBE_OPS_BASE + PROBE_OPS_PER_BYTE * p.len() as u64 + 200_000);
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn deeply_nested_tuples_do_not_recurse() {
        let mut p = b"\x80\x02cmylib\nf\n)".to_vec();
        p.extend(std::iter::repeat_n(0x85u8, 1_000_000));
        p.extend_from_slice(b"\x85R.");
        let s = scan_bytes(&p);
        assert!(s.error.is_none());
        assert_eq!(s.judged.issues.len(), 1);
    }
}

#[cfg(test)]
mod memo_tests {
    use super::*;

    #[test]
    fn memoize_index_counts_distinct_keys() {
        // LONG_BINPUT far away, then overwrite index 0 twice: len(memo) == 2, so MEMOIZE stores
        // at 2 and GET 2 must return os.system
        let mut p = b"\x80\x04N".to_vec();
        p.extend_from_slice(b"r\x00\x00\x10\x00"); // memo[0x100000] = None
        p.extend_from_slice(b"q\x00q\x00"); // memo[0] twice
        p.extend_from_slice(b"0cos\nsystem\n\x94"); // memo[2] = os.system
        p.extend_from_slice(b"0h\x02\x8c\x02id\x85R.");
        let s = scan_bytes(&p);
        assert!(s.error.is_none(), "{:?}", s.error);
        assert!(s.judged.issues.iter().any(|i| i.callables == ["os.system"]));
    }
}

#[cfg(test)]
mod probe_speed_tests {
    use super::*;

    #[test]
    fn raw_tensor_bytes_after_pickles_probe_linearly() {
        // legacy torch layout: pickles, then raw storage bytes full of candidate-looking bytes
        let mut p = b"\x80\x02N.".to_vec();
        let mut x = 0x1234_5678u32;
        for _ in 0..2_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            p.push(match x % 5 {
                0 => 0x80,
                1 => b'c',
                2 => 0x8c,
                _ => (x >> 8) as u8,
            });
        }
        let t = std::time::Instant::now();
        let s = scan_bytes(&p);
        assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
        assert!(s.error.is_none());
    }
}
