//! The byte pipeline of one layer blob: hash the stored bytes, sniff and undo the compression, hash
//! and count the uncompressed bytes, enforce the decompression bounds and the scan-wide budget.
//!
//! Both digests are computed in the same pass that feeds the tar reader, on the bytes actually read
//! ([`LayerReader::finish`] drains what the tar reader did not need: end-of-archive padding, a gzip
//! trailer, trailing data), so a layer's claimed `sha256:` blob digest and diff_id are checked
//! without a second read.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// The digests of one layer blob, computed on every byte read (`sha256:<hex>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDigests {
    /// Digest of the blob as stored (what a manifest's layer descriptor names).
    pub blob: String,
    /// Bytes of the blob as stored.
    pub blob_size: u64,
    /// Digest of the uncompressed tar (what the image config's `rootfs.diff_ids` names).
    pub diff_id: String,
    /// Bytes of the uncompressed tar.
    pub diff_size: u64,
}

fn sha256_hex(h: Sha256) -> String {
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Inflated bytes one scan may produce, shared by every layer walk of that scan.
#[derive(Debug)]
pub(crate) struct Budget {
    used: AtomicU64,
    limit: u64,
}

impl Budget {
    pub(crate) fn new(limit: u64) -> Self {
        Budget { used: AtomicU64::new(0), limit }
    }

    /// Takes `n` bytes; `Err` with the limit once the budget is spent.
    pub(crate) fn take(&self, n: u64) -> Result<(), u64> {
        let before = self.used.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.limit { Err(self.limit) } else { Ok(()) }
    }

    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// Hashes and counts the stored bytes as the decompressor pulls them.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    hasher: Sha256,
    count: Arc<AtomicU64>,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The decompressor, kept concrete so that the stored stream can be taken back and drained.
enum Decoder<R: BufRead> {
    // `bufread::MultiGzDecoder` checks each member's CRC32 and ISIZE at its end and reads members
    // until the end of the input, like Go's `gzip.Reader` (multistream) that containerd and Docker
    // use; bytes after a member that are not another gzip member are an error.
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    // Reads every frame; a frame's content checksum, when present, is verified.
    Zstd(Box<zstd::stream::read::Decoder<'static, R>>),
    Plain(R),
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Plain(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> Decoder<R> {
    fn into_inner(self) -> R {
        match self {
            Decoder::Gzip(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish(),
            Decoder::Plain(r) => r,
        }
    }
}

/// Which bound stopped a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitHit(pub(crate) String);

/// The uncompressed side of one layer blob: decompresses, hashes, counts and bounds.
pub(crate) struct LayerReader<'a> {
    decoder: Decoder<BufReader<Hashing<'a>>>,
    hasher: Sha256,
    produced: u64,
    compressed: Arc<AtomicU64>,
    limits: WalkLimits,
    budget: &'a Budget,
    compressed_stream: bool,
    /// Set when a bound stopped the stream (the walk reports it as a budget, not a corrupt layer).
    pub(crate) limit_hit: Option<LimitHit>,
}

impl LayerReader<'_> {
    pub(crate) fn uncompressed_bytes(&self) -> u64 {
        self.produced
    }

    pub(crate) fn compressed_bytes(&self) -> u64 {
        self.compressed.load(Ordering::Relaxed)
    }

    fn limit(&mut self, message: String) -> io::Error {
        self.limit_hit = Some(LimitHit(message.clone()));
        io::Error::other(message)
    }

    /// Reads what is left of the uncompressed stream and of the stored blob (tar end padding, a gzip
    /// trailer, anything after it), so that both digests cover every byte; returns them.
    pub(crate) fn finish(mut self) -> io::Result<LayerDigests> {
        io::copy(&mut self, &mut io::sink())?;
        let mut raw = self.decoder.into_inner();
        // Whatever the decompressor left unread is still part of the blob.
        io::copy(&mut raw, &mut io::sink())?;
        let hashing = raw.into_inner();
        Ok(LayerDigests {
            blob: sha256_hex(hashing.hasher),
            blob_size: hashing.count.load(Ordering::Relaxed),
            diff_id: sha256_hex(self.hasher),
            diff_size: self.produced,
        })
    }
}

impl Read for LayerReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(LimitHit(m)) = &self.limit_hit {
            return Err(io::Error::other(m.clone()));
        }
        let n = self.decoder.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.produced += n as u64;
        if let Err(limit) = self.budget.take(n as u64) {
            return Err(self.limit(format!("the scan's budget of {limit} uncompressed bytes is spent")));
        }
        if self.produced > self.limits.max_layer_bytes {
            let m =
                format!("layer exceeds the uncompressed size limit of {} bytes", self.limits.max_layer_bytes);
            return Err(self.limit(m));
        }
        if self.compressed_stream && self.produced > self.limits.ratio_check_after {
            let c = self.compressed.load(Ordering::Relaxed).max(1);
            if self.produced / c > self.limits.max_ratio {
                let m = format!(
                    "decompression bomb: {} bytes from {} compressed bytes exceeds ratio {}",
                    self.produced, c, self.limits.max_ratio
                );
                return Err(self.limit(m));
            }
        }
        Ok(n)
    }
}

/// Wraps a blob reader in the hashing, the right decompressor and the bounds.
pub(crate) fn open<'a>(
    blob: &'a mut dyn Read,
    limits: &WalkLimits,
    budget: &'a Budget,
) -> io::Result<(Compression, LayerReader<'a>)> {
    let count = Arc::new(AtomicU64::new(0));
    let hashing = Hashing { inner: blob, hasher: Sha256::new(), count: count.clone() };
    let mut buffered = BufReader::with_capacity(256 * 1024, hashing);
    let comp = sniff(buffered.fill_buf()?);
    let decoder = match comp {
        Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buffered))),
        Compression::Zstd => Decoder::Zstd(Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?)),
        Compression::None => Decoder::Plain(buffered),
    };
    Ok((
        comp,
        LayerReader {
            decoder,
            hasher: Sha256::new(),
            produced: 0,
            compressed: count,
            limits: limits.clone(),
            budget,
            compressed_stream: comp != Compression::None,
            limit_hit: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn sha(data: &[u8]) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(data)))
    }

    /// Reads everything through a fresh pipeline; the digests or the error.
    fn read_all(blob: &[u8]) -> io::Result<(Vec<u8>, LayerDigests)> {
        let budget = Budget::new(u64::MAX);
        let mut src = blob;
        let (_, mut r) = open(&mut src, &WalkLimits::default(), &budget)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        let d = r.finish()?;
        Ok((out, d))
    }

    #[test]
    fn sniffs() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(sniff(b"etc/"), Compression::None);
        assert_eq!(sniff(b""), Compression::None);
    }

    #[test]
    fn digests_cover_stored_and_uncompressed_bytes() {
        let data = b"layer content".repeat(1000);
        let gz = gzip(&data);
        let (out, d) = read_all(&gz).unwrap();
        assert_eq!(out, data);
        assert_eq!(
            d,
            LayerDigests {
                blob: sha(&gz),
                blob_size: gz.len() as u64,
                diff_id: sha(&data),
                diff_size: data.len() as u64
            }
        );
        let zs = zstd::encode_all(&data[..], 3).unwrap();
        let (_, d) = read_all(&zs).unwrap();
        assert_eq!((d.blob, d.diff_id), (sha(&zs), sha(&data)));
        let (_, d) = read_all(&data).unwrap();
        assert_eq!((d.blob.as_str(), d.diff_id.as_str()), (sha(&data).as_str(), sha(&data).as_str()));
    }

    /// flate2's gzip decoder checks CRC32 and ISIZE of every member, also of a later member of a
    /// multi-member stream, and rejects bytes after the last member that are not gzip.
    #[test]
    fn gzip_trailer_checks_hold_for_multi_member_and_trailing_garbage() {
        let data = b"abcdefgh".repeat(512);
        let gz = gzip(&data);
        let crc_at = gz.len() - 8;
        let mut bad_crc = gz.clone();
        bad_crc[crc_at] ^= 0xff;
        assert!(read_all(&bad_crc).is_err(), "CRC32 mismatch must fail");
        let mut bad_size = gz.clone();
        bad_size[gz.len() - 1] ^= 0x01;
        assert!(read_all(&bad_size).is_err(), "ISIZE mismatch must fail");

        let mut two = gz.clone();
        two.extend_from_slice(&gzip(b"second member"));
        let (out, _) = read_all(&two).unwrap();
        assert!(out.ends_with(b"second member"));
        let mut two_bad = gz.clone();
        two_bad.extend_from_slice(&bad_crc);
        assert!(read_all(&two_bad).is_err(), "CRC32 mismatch in a later member must fail");

        let mut trailing = gz.clone();
        trailing.extend_from_slice(b"trailing garbage that is not gzip");
        assert!(read_all(&trailing).is_err(), "trailing garbage must fail");
        let truncated = &gz[..gz.len() - 4];
        assert!(read_all(truncated).is_err(), "a truncated trailer must fail");
    }

    #[test]
    fn zstd_checksum_and_truncation_are_errors() {
        let data = b"0123456789".repeat(1000);
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        enc.include_checksum(true).unwrap();
        enc.write_all(&data).unwrap();
        let zs = enc.finish().unwrap();
        assert!(read_all(&zs).is_ok());
        let mut bad = zs.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert!(read_all(&bad).is_err(), "checksum mismatch must fail");
        assert!(read_all(&zs[..zs.len() - 6]).is_err(), "truncation must fail");
    }

    #[test]
    fn ratio_bound_trips() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 8 * 1024 * 1024];
        for _ in 0..4 {
            enc.write_all(&zeros).unwrap();
        }
        let gz = enc.finish().unwrap();
        let limits = WalkLimits { ratio_check_after: 1024 * 1024, max_ratio: 100, ..WalkLimits::default() };
        let budget = Budget::new(u64::MAX);
        let mut src = &gz[..];
        let (c, mut r) = open(&mut src, &limits, &budget).unwrap();
        assert_eq!(c, Compression::Gzip);
        let err = io::copy(&mut r, &mut io::sink()).unwrap_err().to_string();
        assert!(err.contains("decompression bomb"), "{err}");
        assert!(r.limit_hit.is_some());
    }

    #[test]
    fn budget_is_shared_and_trips() {
        let budget = Budget::new(10_000);
        let data = vec![7u8; 6_000];
        for i in 0..2 {
            let mut src = &data[..];
            let (_, mut r) = open(&mut src, &WalkLimits::default(), &budget).unwrap();
            let res = io::copy(&mut r, &mut io::sink());
            assert_eq!(res.is_err(), i == 1, "the second layer spends the budget");
            assert_eq!(r.limit_hit.is_some(), i == 1);
        }
    }
}
