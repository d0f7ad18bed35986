//! A small buffered, position-tracking reader over any [`Read`].
//!
//! Every parser in this crate reads through an [`Input`]: it never seeks, never holds more than its
//! buffer, and knows the absolute offset of the next byte (for `opcode_offset`s and zip bookkeeping).

use std::io::{self, BufRead, Read};

/// Buffer size: large enough that skipping GB of tensor bytes costs few `read` calls.
const BUF_LEN: usize = 256 * 1024;

/// A buffered reader that counts the bytes it hands out.
pub(crate) struct Input<'a> {
    inner: &'a mut dyn Read,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Absolute offset of `buf[start]`.
    pos: u64,
    eof: bool,
}

impl<'a> Input<'a> {
    /// Wraps a reader.
    pub(crate) fn new(inner: &'a mut dyn Read) -> Self {
        Self::with_capacity(inner, BUF_LEN)
    }

    /// Wraps a reader with a buffer of `cap` bytes (at least 4 KiB: the largest single `take`).
    pub(crate) fn with_capacity(inner: &'a mut dyn Read, cap: usize) -> Self {
        Input { inner, buf: vec![0; cap.max(4096)], start: 0, end: 0, pos: 0, eof: false }
    }

    /// Sets the offset reported for the next byte (for inputs that start inside a larger stream).
    pub(crate) fn set_pos(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Refills the buffer so that at least `want` bytes are available (or EOF). Returns the number
    /// of available bytes.
    fn fill_to(&mut self, want: usize) -> io::Result<usize> {
        let want = want.min(self.buf.len());
        if self.end - self.start >= want || self.eof {
            return Ok(self.end - self.start);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end < want {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.start)
    }

    /// The next byte, or `None` at end of input.
    #[inline]
    pub(crate) fn byte(&mut self) -> io::Result<Option<u8>> {
        if self.start == self.end && self.fill_to(1)? == 0 {
            return Ok(None);
        }
        let b = self.buf[self.start];
        self.start += 1;
        self.pos += 1;
        Ok(Some(b))
    }

    /// Up to `n` (≤ buffer size) bytes without consuming them; shorter only at EOF.
    pub(crate) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let avail = self.fill_to(n)?;
        let n = n.min(avail);
        Ok(&self.buf[self.start..self.start + n])
    }

    /// Exactly `n` (≤ buffer size) bytes, consumed; `None` if the input ends first.
    #[inline]
    pub(crate) fn take_n(&mut self, n: usize) -> io::Result<Option<&[u8]>> {
        if n > self.buf.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "read larger than buffer"));
        }
        if self.end - self.start < n && self.fill_to(n)? < n {
            return Ok(None);
        }
        let s = self.start;
        self.start += n;
        self.pos += n as u64;
        Ok(Some(&self.buf[s..s + n]))
    }

    /// Reads exactly `N` bytes into an array.
    #[inline]
    pub(crate) fn array<const N: usize>(&mut self) -> io::Result<Option<[u8; N]>> {
        Ok(self.take_n(N)?.and_then(|s| s.try_into().ok()))
    }

    /// Skips `n` bytes; returns how many were actually skipped (less only at EOF).
    pub(crate) fn skip(&mut self, mut n: u64) -> io::Result<u64> {
        let total = n;
        while n > 0 {
            if self.start == self.end && self.fill_to(1)? == 0 {
                break;
            }
            let k = ((self.end - self.start) as u64).min(n) as usize;
            self.start += k;
            self.pos += k as u64;
            n -= k as u64;
        }
        Ok(total - n)
    }

    /// Reads `n` bytes, keeping at most `cap` of them in `out` (the rest is skipped). Returns false if
    /// the input ended first.
    pub(crate) fn read_capped(&mut self, n: u64, cap: usize, out: &mut Vec<u8>) -> io::Result<bool> {
        out.clear();
        let keep = n.min(cap as u64);
        let mut left = keep;
        while left > 0 {
            if self.start == self.end && self.fill_to(1)? == 0 {
                return Ok(false);
            }
            let k = ((self.end - self.start) as u64).min(left) as usize;
            out.extend_from_slice(&self.buf[self.start..self.start + k]);
            self.start += k;
            self.pos += k as u64;
            left -= k as u64;
        }
        let rest = n - keep;
        Ok(self.skip(rest)? == rest)
    }

    /// Reads a `\n`-terminated line (the newline consumed, not returned). Keeps at most `cap` bytes;
    /// `Line::Long` when the line was longer (its remainder consumed), `Line::Eof` when the input ends
    /// before a newline.
    pub(crate) fn line(&mut self, cap: usize, out: &mut Vec<u8>) -> io::Result<Line> {
        out.clear();
        let mut long = false;
        loop {
            if self.start == self.end && self.fill_to(1)? == 0 {
                return Ok(Line::Eof);
            }
            let avail = &self.buf[self.start..self.end];
            let (chunk, found) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            if !long {
                let room = cap.saturating_sub(out.len());
                if chunk > room {
                    long = true;
                    out.extend_from_slice(&avail[..room]);
                } else {
                    out.extend_from_slice(&avail[..chunk]);
                }
            }
            let adv = chunk + usize::from(found);
            self.start += adv;
            self.pos += adv as u64;
            if found {
                return Ok(if long { Line::Long } else { Line::Ok });
            }
        }
    }

    /// True when no byte is left.
    pub(crate) fn at_eof(&mut self) -> io::Result<bool> {
        Ok(self.start == self.end && self.fill_to(1)? == 0)
    }

    /// Consumes everything that is left; returns the number of bytes.
    pub(crate) fn drain(&mut self) -> io::Result<u64> {
        self.skip(u64::MAX)
    }
}

/// Result of [`Input::line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// A complete line within the cap.
    Ok,
    /// A complete line longer than the cap (truncated copy).
    Long,
    /// The input ended before a newline.
    Eof,
}

impl Read for Input<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Input<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.fill_to(1)?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.end - self.start);
        self.start += amt;
        self.pos += amt as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_skips() {
        let data = b"abc\ndefghij\nxyz".to_vec();
        let mut r = &data[..];
        let mut i = Input::new(&mut r);
        let mut out = Vec::new();
        assert_eq!(i.line(10, &mut out).unwrap(), Line::Ok);
        assert_eq!(out, b"abc");
        assert_eq!(i.line(3, &mut out).unwrap(), Line::Long);
        assert_eq!(out, b"def");
        assert_eq!(i.pos(), 12);
        assert_eq!(i.line(3, &mut out).unwrap(), Line::Eof);
        assert!(i.at_eof().unwrap());
    }

    #[test]
    fn take_and_skip_past_end() {
        let data = [7u8; 10];
        let mut r = &data[..];
        let mut i = Input::new(&mut r);
        assert_eq!(i.take_n(4).unwrap().map(<[u8]>::len), Some(4));
        assert_eq!(i.skip(100).unwrap(), 6);
        assert!(i.take_n(1).unwrap().is_none());
    }
}
