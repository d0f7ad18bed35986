//! Measures the streaming path of the `binary` analyzer (ELF files above 64 MiB) on N MiB of
//! synthetic ELF data (or on a real file given as the argument): `cargo run --release -p seawall-inventory --example elf_stream_bench -- 1024`.
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

use std::io::Read;
use std::time::Instant;

use seawall_analyzer::{EntryMeta, Facts, FileAnalyzer};

/// An endless ELF-looking stream: the magic, then pseudo-random bytes.
struct Synthetic {
    left: u64,
    state: u64,
    started: bool,
}

impl Read for Synthetic {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for b in buf.iter_mut().take(n) {
            self.state = self.state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (self.state >> 56) as u8;
        }
        if !self.started && n >= 4 {
            buf[..4].copy_from_slice(b"\x7fELF");
            self.started = true;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn main() {
    if let Some(path) = std::env::args().nth(1).filter(|a| std::path::Path::new(a).exists()) {
        let Ok(bytes) = fs_err::read(&path) else { return };
        let size = bytes.len() as u64;
        let t = Instant::now();
        let mut facts = Facts::default();
        // Claim a size above the in-memory limit so the streaming path runs.
        let meta = EntryMeta::file(&path, size.max(seawall_inventory::binary::IN_MEMORY_MAX + 1), None);
        let res =
            seawall_inventory::BinaryAnalyzer::default().analyze(&meta, &mut bytes.as_slice(), &mut facts);
        let el = t.elapsed().as_secs_f64();
        println!(
            "{path}: {} MiB streamed in {el:.3}s → {:.2} GB/s; ok {}, {} packages, {} warnings",
            size >> 20,
            size as f64 / el / 1e9,
            res.is_ok(),
            facts.packages.len(),
            facts.warnings.len()
        );
        return;
    }
    let mib: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let size = mib * 1024 * 1024;
    // Time to generate the bytes alone, to subtract.
    let t0 = Instant::now();
    let mut r = Synthetic { left: size, state: 1, started: false };
    std::io::copy(&mut r, &mut std::io::sink()).ok();
    let generation = t0.elapsed();
    let t1 = Instant::now();
    let mut r = Synthetic { left: size, state: 1, started: false };
    let mut facts = Facts::default();
    let res = seawall_inventory::BinaryAnalyzer::default().analyze(
        &EntryMeta::file("big.so", size, None),
        &mut r,
        &mut facts,
    );
    let total = t1.elapsed();
    let net = total.saturating_sub(generation);
    println!(
        "{mib} MiB: analyzer {:.3}s (generation {:.3}s) → {:.2} GB/s; result {:?}, {} packages",
        net.as_secs_f64(),
        generation.as_secs_f64(),
        size as f64 / net.as_secs_f64() / 1e9,
        res.is_ok(),
        facts.packages.len()
    );
}
