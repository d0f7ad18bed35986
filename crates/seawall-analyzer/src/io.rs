//! Small reading helpers shared by the walker and the analyzers.

use std::io::{self, Read};

/// Reads until `buf` is full or the reader ends; returns the number of bytes read (less than
/// `buf.len()` only at the end of the stream). `Interrupted` is retried; other errors are returned.
pub fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One byte per call, `Interrupted` every other call.
    struct Trickle<'a>(&'a [u8], bool);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.1 = !self.1;
            if self.1 {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
            if let Some(o) = out.first_mut() {
                *o = *first;
                self.0 = rest;
                return Ok(1);
            }
            Ok(0)
        }
    }

    #[test]
    fn fills_across_short_and_interrupted_reads_and_stops_at_the_end() {
        let mut buf = [0u8; 4];
        let mut r = Trickle(b"abcdef", false);
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 0);
    }
}
