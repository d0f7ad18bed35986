use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::WalkLimits;

/// Compression of a layer blob, sniffed from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Zstd,
    None,
}

impl Compression {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::None => "none",
        }
    }
}

pub(crate) fn sniff(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Counts bytes read through it into a shared counter.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Enforces the decompression bounds on the uncompressed side.
pub(crate) struct Bounded<R> {
    inner: R,
    compressed: Arc<AtomicU64>,
    produced: u64,
    limits: WalkLimits,
    compressed_stream: bool,
}

impl<R> Bounded<R> {
    pub(crate) fn uncompressed_bytes(&self) -> u64 {
        self.produced
    }
    pub(crate) fn compressed_bytes(&self) -> u64 {
        self.compressed.load(Ordering::Relaxed)
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if self.produced > self.limits.max_layer_bytes {
            return Err(io::Error::other(format!(
                "layer exceeds the uncompressed size limit of {} bytes",
                self.limits.max_layer_bytes
            )));
        }
        if self.compressed_stream && self.produced > self.limits.ratio_check_after {
            let c = self.compressed.load(Ordering::Relaxed).max(1);
            if self.produced / c > self.limits.max_ratio {
                return Err(io::Error::other(format!(
                    "decompression bomb: {} bytes from {} compressed bytes exceeds ratio {}",
                    self.produced, c, self.limits.max_ratio
                )));
            }
        }
        Ok(n)
    }
}

/// Wraps a blob reader in the right decompressor and the bounds.
pub(crate) fn open<'a>(
    blob: &'a mut dyn Read,
    limits: &WalkLimits,
) -> io::Result<(Compression, Bounded<Box<dyn Read + 'a>>)> {
    let count = Arc::new(AtomicU64::new(0));
    let counting = Counting { inner: blob, count: count.clone() };
    let mut buffered = BufReader::with_capacity(256 * 1024, counting);
    let head = buffered.fill_buf()?;
    let comp = sniff(head);
    let inner: Box<dyn Read + 'a> = match comp {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
        Compression::None => Box::new(buffered),
    };
    Ok((
        comp,
        Bounded {
            inner,
            compressed: count,
            produced: 0,
            limits: limits.clone(),
            compressed_stream: comp != Compression::None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(sniff(b"etc/"), Compression::None);
        assert_eq!(sniff(b""), Compression::None);
    }

    #[test]
    fn ratio_bound_trips() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 8 * 1024 * 1024];
        for _ in 0..4 {
            let _ = enc.write_all(&zeros);
        }
        let gz = enc.finish().unwrap_or_default();
        let limits = WalkLimits { ratio_check_after: 1024 * 1024, max_ratio: 100, ..WalkLimits::default() };
        let mut src = &gz[..];
        let (c, mut r) = match open(&mut src, &limits) {
            Ok(x) => x,
            Err(e) => panic!("open failed: {e}"),
        };
        assert_eq!(c, Compression::Gzip);
        let err = io::copy(&mut r, &mut io::sink()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("decompression bomb"), "{err}");
    }
}
