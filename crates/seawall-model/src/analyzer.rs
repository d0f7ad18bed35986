//! Integration: the `model` [`FileAnalyzer`] for the layer walker, and [`scan_path`] for
//! `seawall scan model PATH`.

use fs_err::File;
use std::io::Read;
use std::path::Path;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest, read_full};
use seawall_core::{Location, ScanWarning};

use crate::ctx::{ScanOptions, ScanOutput};
use crate::detect::{self, Sniff};
use crate::scan::scan_reader_with;

/// Smallest file considered (a pickle needs at least `PROTO`+opcode+`STOP`, GGUF 24 bytes …).
const MIN_SIZE: u64 = 4;

/// The model-file analyzer: detects model formats by content and proves them free of
/// code-execution payloads. Streams files of any size with bounded memory.
#[derive(Debug, Clone, Default)]
pub struct ModelAnalyzer {
    opts: ScanOptions,
}

impl ModelAnalyzer {
    /// An analyzer with the given bounds.
    pub fn new(opts: ScanOptions) -> Self {
        ModelAnalyzer { opts }
    }
}

impl FileAnalyzer for ModelAnalyzer {
    fn name(&self) -> &'static str {
        "model"
    }

    fn version(&self) -> u32 {
        3
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if meta.is_file() && meta.size >= MIN_SIZE { Interest::Sniff } else { Interest::No }
    }

    /// Wanted unless the prefix proves the file is not a model: an undecided prefix (a pickle whose
    /// first argument runs past the window, a compressed stream, a file named like a checkpoint)
    /// brings the whole file, which is then judged in full.
    fn required_by_content(&self, meta: &EntryMeta<'_>, head: &[u8]) -> bool {
        detect::sniff(head, meta.file_name()) != Sniff::No
    }

    fn max_size(&self) -> u64 {
        u64::MAX
    }

    fn streams(&self) -> bool {
        true
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let o = scan_reader_with(meta.location(), meta.file_name(), Some(meta.size), content, self.opts);
        out.findings.extend(o.findings);
        out.models.extend(o.models);
        out.warnings.extend(o.warnings);
        Ok(())
    }
}

/// Scans one reader as a file called `name` at `location` (`size` when known improves bounds checks).
pub fn scan_reader(location: Location, name: &str, size: Option<u64>, reader: &mut dyn Read) -> ScanOutput {
    scan_reader_with(location, name, size, reader, ScanOptions::default())
}

/// Scans a file, or every regular file below a directory (symlinks are not followed), for model
/// files. Locations are the path as given for a file, relative to the directory otherwise.
pub fn scan_path(path: &Path) -> ScanOutput {
    scan_path_with(path, ScanOptions::default())
}

/// [`scan_path`] with explicit bounds. Directories are walked by `seawall-walker` (the same walk
/// and dispatch as `seawall scan model`), a single file is read directly.
pub fn scan_path_with(path: &Path, opts: ScanOptions) -> ScanOutput {
    let mut out = ScanOutput::default();
    // the path given by the user is followed if it is a symlink; links below it are not
    match fs_err::metadata(path) {
        Ok(m) if m.is_dir() => {
            let walker =
                seawall_walker::Walker::new(vec![Box::new(ModelAnalyzer::new(opts))], Default::default());
            let facts = walker.walk_dir(path);
            out.findings = facts.findings;
            out.models = facts.models;
            out.warnings = facts.warnings;
        }
        Ok(m) if m.is_file() => scan_file(path, &path.display().to_string(), m.len(), opts, &mut out),
        Ok(_) => {}
        Err(e) => out.warnings.push(ScanWarning::at(
            "model",
            Location::file(path.display().to_string()),
            e.to_string(),
        )),
    }
    out
}

fn scan_file(path: &Path, display: &str, size: u64, opts: ScanOptions, out: &mut ScanOutput) {
    let warn = |out: &mut ScanOutput, e: std::io::Error| {
        out.warnings.push(ScanWarning::at("model", Location::file(display), e.to_string()));
    };
    if size < MIN_SIZE {
        return;
    }
    let mut head = vec![0u8; crate::SNIFF];
    let n = match File::open(path).and_then(|mut f| read_full(&mut f, &mut head)) {
        Ok(n) => n,
        Err(e) => return warn(out, e),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if detect::sniff(&head[..n], &name) == Sniff::No {
        return;
    }
    match File::open(path) {
        Ok(f) => {
            // unbuffered: the scanner's own buffer reads large blocks directly from the file
            let mut r = f.take(size);
            out.extend(scan_reader_with(Location::file(display), &name, Some(size), &mut r, opts));
        }
        Err(e) => warn(out, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_analyzer::EntryKind;

    #[test]
    fn required_and_sniff() {
        let a = ModelAnalyzer::default();
        assert_eq!(a.name(), "model");
        assert!(a.streams());
        let m = EntryMeta::file("/opt/models/blob.dat", 1000, Some(2));
        assert_eq!(a.required(&m), Interest::Sniff);
        let mut d = m;
        d.kind = EntryKind::Dir;
        assert_eq!(a.required(&d), Interest::No);
        assert!(a.required_by_content(&m, b"\x80\x02cos\nsystem\nq\x00."));
        assert!(a.required_by_content(&m, b"PK\x03\x04\x14\x00"));
        assert!(!a.required_by_content(&m, b"#!/bin/sh\nexec python app.py\n"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(
            &mut gz,
            b"seawall (1.0) unstable; urgency=medium\n\n  * Initial release.\n",
        )
        .unwrap();
        let gz = gz.finish().unwrap();
        assert!(!a.required_by_content(&EntryMeta::file("/usr/share/doc/x/changelog.gz", 100, Some(0)), &gz));
        assert!(a.required_by_content(
            &EntryMeta::file("/m/model.onnx", 100, Some(0)),
            b"\x08\x07\x12\x07pytorch"
        ));
    }

    #[test]
    fn analyze_records_location_and_layer() {
        let a = ModelAnalyzer::default();
        let data = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.";
        let m = EntryMeta::file("/opt/models/model.bin", data.len() as u64, Some(3));
        let mut facts = Facts::default();
        a.analyze(&m, &mut &data[..], &mut facts).unwrap();
        assert_eq!(facts.findings[0].location.path, "/opt/models/model.bin");
        assert_eq!(facts.findings[0].location.layer, Some(3));
        assert_eq!(facts.findings[0].kind, seawall_core::FindingKind::Model);
        assert_eq!(facts.findings[0].format.as_deref(), Some("pickle"));
        assert_eq!(facts.models[0].size, data.len() as u64);
        assert_eq!(facts.models[0].verdict, seawall_core::ModelVerdict::Unsafe);
        assert!(!facts.findings[0].fingerprint.is_empty());
    }
}
