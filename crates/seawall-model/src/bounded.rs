//! Bounded decompression: every decompressor in this crate reads through [`Capped`], which enforces
//! the per-stream ratio/size limit and the file's shared inflated-bytes budget at once.

use std::io::{self, Read};
use std::rc::Rc;

use crate::ctx::Budget;

/// Caps the output of a decompressor: at most `left` bytes for this stream, and never more than
/// the file's remaining inflated-bytes budget. Exceeding either is a read error (the caller reports
/// the stream as unscannable), never a silent truncation.
pub(crate) struct Capped<R> {
    inner: R,
    left: u64,
    budget: Rc<Budget>,
}

impl<R> Capped<R> {
    /// Wraps `inner` with a per-stream limit and the file's budget.
    pub(crate) fn new(inner: R, left: u64, budget: &Rc<Budget>) -> Self {
        Capped { inner, left, budget: Rc::clone(budget) }
    }

    /// The wrapped reader.
    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let shared = self.budget.inflated_left.get();
        let left = self.left.min(shared);
        if left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ if shared == 0 => {
                    self.budget.exhaust(
                        "decompressed-bytes budget of the file exhausted (nested or highly compressed content): the rest was not scanned"
                            .into(),
                    );
                    Err(io::Error::other("decompressed-bytes budget of the file exhausted"))
                }
                _ => Err(io::Error::other("decompressed size limit exceeded (ratio bound)")),
            };
        }
        let want = out.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..want])?;
        self.left -= n as u64;
        self.budget.inflated_left.set(shared - n as u64);
        Ok(n)
    }
}

/// Reads a reader to its end with a large buffer; returns the byte count.
pub(crate) fn drain(r: &mut dyn Read) -> io::Result<u64> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(k) => n += k as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
