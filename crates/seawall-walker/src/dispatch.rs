//! Offering one entry to the analyzers and feeding its content to those that want it.

use std::io::{self, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use seawall_analyzer::{
    AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest, SNIFF_LEN, ScanWarning, read_full,
};
use seawall_core::WarningKind;

use crate::WalkLimits;

const TEE_CHUNK: usize = 1024 * 1024;

/// Runs one analyzer, turning errors and panics into warnings.
fn run_one(a: &dyn FileAnalyzer, meta: &EntryMeta<'_>, content: &mut dyn Read, out: &mut Facts) {
    let result = catch_unwind(AssertUnwindSafe(|| a.analyze(meta, content, out)));
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => out.warnings.push(warning(a, meta, &e)),
        Err(_) => out.warnings.push(
            ScanWarning::at(
                a.name(),
                meta.location(),
                "analyzer panicked on this file (bug: please report); its facts for this file may be incomplete",
            )
            .with_kind(WarningKind::ScannerError),
        ),
    }
}

/// An analyzer's error as a warning: a declared bound is a parse budget, anything else a file not
/// analysed.
fn warning(a: &dyn FileAnalyzer, meta: &EntryMeta<'_>, e: &AnalyzerError) -> ScanWarning {
    let kind = match e {
        AnalyzerError::Limit(_) => WarningKind::ParseBudgetExceeded,
        _ => WarningKind::FileNotAnalyzed,
    };
    ScanWarning::at(a.name(), meta.location(), e.to_string()).with_kind(kind)
}

/// Offers an entry to every analyzer and feeds the content to those that want it.
///
/// Returns an error only when reading the entry's content itself failed (the layer stream is broken);
/// analyzer failures are recorded as warnings in `out`.
pub(crate) fn offer(
    analyzers: &[Box<dyn FileAnalyzer>],
    limits: &WalkLimits,
    meta: &EntryMeta<'_>,
    content: &mut dyn Read,
    out: &mut Facts,
) -> io::Result<()> {
    let mut wanted: Vec<&dyn FileAnalyzer> = Vec::new();
    let mut sniffers: Vec<&dyn FileAnalyzer> = Vec::new();
    for a in analyzers {
        match a.required(meta) {
            Interest::No => {}
            Interest::Yes => wanted.push(a.as_ref()),
            Interest::Sniff if meta.is_file() => sniffers.push(a.as_ref()),
            Interest::Sniff => {}
        }
    }
    if wanted.is_empty() && sniffers.is_empty() {
        return Ok(());
    }

    let mut head = Vec::new();
    if meta.is_file() {
        let want = (SNIFF_LEN as u64).min(meta.size) as usize;
        head.resize(want, 0);
        let n = read_full(content, &mut head)?;
        head.truncate(n);
    }
    for a in sniffers {
        let verdict = catch_unwind(AssertUnwindSafe(|| a.required_by_content(meta, &head)));
        if verdict.unwrap_or(false) {
            wanted.push(a);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }

    // Size limits: an analyzer that does not stream never gets a file above its cap, and says so.
    if meta.is_file() {
        wanted.retain(|a| {
            if meta.size > a.max_size() && !a.streams() {
                out.warnings.push(
                    ScanWarning::at(
                        a.name(),
                        meta.location(),
                        format!(
                            "not analyzed: file of {} bytes exceeds this analyzer's limit of {} bytes",
                            meta.size,
                            a.max_size()
                        ),
                    )
                    .with_kind(WarningKind::FileNotAnalyzed),
                );
                false
            } else {
                true
            }
        });
    }

    let mut reader = Cursor::new(head).chain(content);
    match wanted.len() {
        0 => Ok(()),
        1 => {
            run_one(wanted[0], meta, &mut reader, out);
            Ok(())
        }
        _ if !meta.is_file() || meta.size <= limits.shared_buffer_max => {
            let mut buf = Vec::with_capacity(meta.size.min(limits.shared_buffer_max) as usize);
            reader.take(limits.shared_buffer_max.saturating_add(1)).read_to_end(&mut buf)?;
            for a in wanted {
                run_one(a, meta, &mut &buf[..], out);
            }
            Ok(())
        }
        _ => tee(&wanted, meta, &mut reader, out),
    }
}

/// Feeds one large file to several analyzers at once through bounded channels (memory: a few MiB per
/// analyzer, whatever the file size).
fn tee(
    wanted: &[&dyn FileAnalyzer],
    meta: &EntryMeta<'_>,
    reader: &mut dyn Read,
    out: &mut Facts,
) -> io::Result<()> {
    std::thread::scope(|s| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for a in wanted {
            let (tx, rx) = sync_channel::<Arc<Vec<u8>>>(4);
            senders.push(tx);
            let a = *a;
            handles.push(s.spawn(move || {
                let mut facts = Facts::default();
                let mut r = ChannelReader { rx, cur: None, pos: 0 };
                run_one(a, meta, &mut r, &mut facts);
                facts
            }));
        }
        let mut read_err = None;
        loop {
            let mut chunk = vec![0u8; TEE_CHUNK];
            match read_full(reader, &mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    chunk.truncate(n);
                    let chunk = Arc::new(chunk);
                    // A consumer that finished early dropped its receiver: ignore its send error.
                    for tx in &senders {
                        let _ = tx.send(chunk.clone());
                    }
                }
                Err(e) => {
                    read_err = Some(e);
                    break;
                }
            }
        }
        drop(senders);
        for h in handles {
            match h.join() {
                Ok(f) => out.extend(f),
                Err(_) => out.warnings.push(
                    ScanWarning::at("walker", meta.location(), "analyzer thread panicked")
                        .with_kind(WarningKind::ScannerError),
                ),
            }
        }
        match read_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })
}

struct ChannelReader {
    rx: Receiver<Arc<Vec<u8>>>,
    cur: Option<Arc<Vec<u8>>>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(c) = &self.cur
                && self.pos < c.len()
            {
                let n = (c.len() - self.pos).min(buf.len());
                buf[..n].copy_from_slice(&c[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            match self.rx.recv() {
                Ok(c) => {
                    self.cur = Some(c);
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
    }
}
