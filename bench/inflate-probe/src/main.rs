//! inflate-probe MODE JOBS FILE...: reads gzip layer blobs, JOBS threads (largest first), and reports the wall
//! time of MODE:
//!   inflate       flate2 (zlib-rs) MultiGzDecoder → sink
//!   sha-in        + sha256 of the compressed bytes (what digest verification of a blob costs)
//!   sha-both      + sha256 of the uncompressed bytes too (diff_id verification)
//!   tar           inflate + walk the tar entries (headers parsed, contents skipped by reading)
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::Mutex;
use std::time::Instant;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

struct HashRead<R> {
    inner: R,
    h: Option<Sha256>,
}
impl<R: Read> Read for HashRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.h {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

fn one(mode: &str, path: &str) -> io::Result<u64> {
    let f = BufReader::with_capacity(256 * 1024, File::open(path)?);
    let input = HashRead { inner: f, h: (mode.starts_with("sha")).then(Sha256::new) };
    let dec = MultiGzDecoder::new(input);
    let mut out = HashRead { inner: dec, h: (mode == "sha-both").then(Sha256::new) };
    let mut total = 0u64;
    if mode == "tar" {
        let mut ar = tar::Archive::new(out);
        for e in ar.entries()? {
            let mut e = e?;
            total += io::copy(&mut e, &mut io::sink())?;
        }
        return Ok(total);
    }
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = out.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    if let Some(h) = out.h.take() {
        std::hint::black_box(hex::encode(h.finalize()));
    }
    if let Some(h) = out.inner.into_inner().h.take() {
        std::hint::black_box(hex::encode(h.finalize()));
    }
    Ok(total)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: inflate-probe inflate|sha-in|sha-both|tar JOBS FILE...");
        std::process::exit(2);
    }
    let mode = args[1].clone();
    let jobs: usize = args[2].parse().unwrap_or(2);
    let mut files: Vec<(u64, String)> =
        args[3..].iter().map(|p| (std::fs::metadata(p).map(|m| m.len()).unwrap_or(0), p.clone())).collect();
    files.sort_by(|a, b| b.0.cmp(&a.0));
    let queue = Mutex::new(files.into_iter());
    let t0 = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| {
                    let mut t = 0u64;
                    loop {
                        let next = queue.lock().unwrap().next();
                        let Some((_, p)) = next else { break };
                        let t1 = Instant::now();
                        let n = one(&mode, &p).unwrap_or_else(|e| panic!("{p}: {e}"));
                        eprintln!("  {mode} {:>12} bytes out in {:6.2} s  {}", n, t1.elapsed().as_secs_f64(), p.rsplit('/').next().unwrap_or(&p));
                        t += n;
                    }
                    t
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!("{mode} jobs={jobs}: {total} bytes uncompressed in {:.2} s", t0.elapsed().as_secs_f64());
}
