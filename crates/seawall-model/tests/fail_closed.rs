//! Fail-closed regression tests (issue 11): inputs that used to end in a clean or silently shorter
//! result. Each ends in a finding at the right severity or an explicit unscannable verdict.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

mod common;

use seawall_core::ModelVerdict;
use std::io::Write;

use common::*;
use seawall_analyzer::{EntryMeta, Facts, FileAnalyzer};
use seawall_core::{Location, Severity};
use seawall_model::{ModelAnalyzer, ScanOptions, scan_path, scan_reader};

/// `os.system('id')` behind a first opcode whose argument (a 4 KiB BINUNICODE) runs past the
/// 512-byte sniff window; the string is popped, so the pickle is a complete, loadable payload.
fn long_first_argument_payload() -> Vec<u8> {
    let mut p = b"\x80\x02X\x00\x10\x00\x00".to_vec();
    p.extend(std::iter::repeat_n(b'a', 4096));
    p.extend_from_slice(b"0");
    p.extend_from_slice(OS_SYSTEM_P2.strip_prefix(b"\x80\x02").unwrap());
    p
}

/// What the walker does with one file: sniff on the first 512 bytes, then analyze the content.
fn through_analyzer(path: &str, data: &[u8]) -> Facts {
    let a = ModelAnalyzer::default();
    let meta = EntryMeta::file(path, data.len() as u64, Some(1));
    let mut facts = Facts::default();
    assert_eq!(a.required(&meta), seawall_analyzer::Interest::Sniff);
    if a.required_by_content(&meta, &data[..data.len().min(seawall_analyzer::SNIFF_LEN)]) {
        a.analyze(&meta, &mut &data[..], &mut facts).unwrap();
    }
    facts
}

#[test]
fn long_first_opcode_argument_beyond_sniff_window() {
    let p = long_first_argument_payload();
    // as a plain file, under a checkpoint name and under a neutral one
    for name in ["pytorch_model.bin", "blob.dat"] {
        let o = scan(name, &p);
        assert!(has(&o, EXEC, "os.system"), "{name}: {:?}", ids(&o));
        assert_eq!(o.models[0].verdict, ModelVerdict::Unsafe);
        let f = through_analyzer(&format!("/models/{name}"), &p);
        assert!(f.findings.iter().any(|x| x.severity == Severity::Critical), "{name} via the walker's sniff");
    }
    // as a zip member
    let z = build_zip(&[m("archive/data.pkl", "archive/data.pkl", &p)], &[]);
    let o = scan("model.pt", &z);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    // in a directory scan (the walker's walk and dispatch)
    let d = tempfile::tempdir().unwrap();
    fs_err::write(d.path().join("pytorch_model.bin"), &p).unwrap();
    let o = scan_path(d.path());
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
}

#[test]
fn long_first_argument_that_is_not_a_pickle_is_not_a_model() {
    // a binary blob that starts like BINUNICODE but is not a pickle: read in full, then rejected
    let mut p = b"X\x00\x10\x00\x00".to_vec();
    p.extend(std::iter::repeat_n(0xffu8, 8000));
    let o = scan("blob.dat", &p);
    assert!(o.findings.is_empty() && o.models.is_empty(), "{:?}", ids(&o));
    // a file named like a checkpoint that is a PNG: no loader can run anything from it
    let o = scan("bad_pytorch.pt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
}

/// A pickle referencing `n` distinct globals outside the allowlist (each a MEDIUM finding).
fn decoy(n: usize) -> Vec<u8> {
    let mut p = b"\x80\x02(".to_vec();
    for i in 0..n {
        p.extend_from_slice(format!("cdecoy{i}\nC\n").as_bytes());
    }
    p.extend_from_slice(b"l.");
    p
}

#[test]
fn findings_cap_keeps_the_most_severe() {
    let d = decoy(250);
    let z = build_zip(
        &[
            m("archive/aaa.pkl", "archive/aaa.pkl", &d),
            m("archive/data.pkl", "archive/data.pkl", OS_SYSTEM_P2),
        ],
        &[],
    );
    let o = scan("model.pt", &z);
    assert_eq!(o.findings.len(), ScanOptions::default().max_findings);
    assert!(has(&o, EXEC, "os.system"), "the CRITICAL behind 250 MEDIUM findings is kept");
    let top = o.models.iter().find(|m| m.location.member.is_none()).unwrap();
    assert_eq!(top.verdict, ModelVerdict::Unsafe);
    let w = o.warnings.iter().map(|w| w.message.clone()).collect::<Vec<_>>().join("; ");
    assert!(w.contains("51 further model findings elided") && w.contains("51 MEDIUM"), "{w}");
}

/// A zip of `n` copies of `inner` (deflated: identical members compress to almost nothing).
fn zip_of_copies(inner: &[u8], n: usize, ext: &str) -> Vec<u8> {
    let names: Vec<String> = (0..n).map(|i| format!("m{i}.{ext}")).collect();
    let members: Vec<Member<'_>> =
        names.iter().map(|nm| Member { deflate: true, ..m(nm, nm, inner) }).collect();
    build_zip(&members, &[])
}

#[test]
fn nested_archive_budgets_bound_entries_and_the_model_list() {
    // 60 × 60 × 60 = 216,000 pickles in three levels of nested zips, about 100 KB on disk
    let l1 = zip_of_copies(b"\x80\x02}q\x00.", 60, "pkl");
    let l2 = zip_of_copies(&l1, 60, "zip");
    let l3 = zip_of_copies(&l2, 60, "zip");
    assert!(l3.len() < 400_000, "{}", l3.len());
    let t = std::time::Instant::now();
    let o = scan("nested.zip", &l3);
    assert!(t.elapsed().as_secs() < 120);
    let opts = ScanOptions::default();
    assert!(o.models.len() <= opts.max_models + 1, "{} model entries", o.models.len());
    assert!(
        o.findings.iter().any(|f| f.id == UNSCANNABLE && f.message.contains("archive entries")),
        "{:?}",
        ids(&o)
    );
    let top = o.models.iter().find(|m| m.location.member.is_none()).unwrap();
    assert_eq!(top.verdict, ModelVerdict::Unscannable);
    // the model list is bounded too, and says what it left out
    let opts = ScanOptions { max_models: 100, ..opts };
    let o = seawall_model::scan_reader_with(
        Location::file("n.zip"),
        "n.zip",
        Some(l3.len() as u64),
        &mut &l3[..],
        opts,
    );
    assert!(o.models.len() <= 101, "{}", o.models.len());
    assert!(o.warnings.iter().any(|w| w.message.contains("further model entries")), "{:?}", o.warnings);
}

#[test]
fn nested_archive_inflated_bytes_budget() {
    // a small file whose nested content inflates far beyond its size × ratio
    let zeros = vec![0u8; 8 << 20];
    let l1 = zip_of_copies(&zeros, 4, "bin");
    let l2 = zip_of_copies(&l1, 20, "zip");
    let opts = ScanOptions { max_decompressed: 64 << 20, ..ScanOptions::default() };
    let o = seawall_model::scan_reader_with(
        Location::file("bomb.zip"),
        "bomb.zip",
        Some(l2.len() as u64),
        &mut &l2[..],
        opts,
    );
    assert!(
        o.findings
            .iter()
            .any(|f| f.id == UNSCANNABLE && (f.message.contains("budget") || f.message.contains("limit"))),
        "{:?}",
        ids(&o)
    );
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn sagemaker_model_tar_gz() {
    let t = tar_of(&[("code/inference.py", b"import torch\n"), ("model.pth", OS_SYSTEM_P2)]);
    for name in ["model.tar.gz", "model.tgz", "artifact"] {
        let o = scan(name, &gzip(&t));
        assert!(has(&o, EXEC, "os.system"), "{name}: {:?}", ids(&o));
        assert!(o.findings.iter().any(|f| f.location.member.as_deref() == Some("(gunzip)!model.pth")));
    }
    // a source tarball is not a model
    let src = tar_of(&[("pkg/setup.py", b"from setuptools import setup\nsetup()\n")]);
    let o = scan("pkg-1.0.tar.gz", &gzip(&src));
    assert!(o.findings.is_empty() && o.models.is_empty(), "{:?}", ids(&o));
}

#[test]
fn compressed_pickles_whatever_their_name() {
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(OS_SYSTEM_P2).unwrap();
    let bz = bz.finish().unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(OS_SYSTEM_P2).unwrap();
    let xz = xz.finish().unwrap();
    let zst = zstd::encode_all(OS_SYSTEM_P2, 3).unwrap();
    let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz.write_all(OS_SYSTEM_P2).unwrap();
    let lz = lz.finish().unwrap();
    for (what, data) in [("gzip", gzip(OS_SYSTEM_P2)), ("bzip2", bz), ("xz", xz), ("zstd", zst), ("lz4", lz)]
    {
        let o = scan("weights.dat", &data);
        assert!(has(&o, EXEC, "os.system"), "{what}: {:?}", ids(&o));
        let f = through_analyzer("/srv/weights.dat", &data);
        assert!(f.findings.iter().any(|x| x.severity == Severity::Critical), "{what} via the walker's sniff");
    }
    // compressed text is not a model
    let o = scan("notes.zst", &zstd::encode_all(&b"hello world\n"[..], 3).unwrap());
    assert!(o.findings.is_empty() && o.models.is_empty(), "{:?}", ids(&o));
}

#[test]
fn sevenz_archive_members_are_scanned() {
    let mut w = sevenz_rust2::ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
    w.push_archive_entry(sevenz_rust2::ArchiveEntry::new_file("data.pkl"), Some(OS_SYSTEM_P2)).unwrap();
    let z = w.finish().unwrap().into_inner();
    let o = scan("malicious1.7z", &z);
    assert!(has(&o, EXEC, "os.system"), "{:?}", ids(&o));
    assert!(o.models.iter().any(|m| m.format == "7z"));
    // a 7z archive that cannot be read is unscannable, never clean
    let mut broken = z.clone();
    let n = broken.len();
    broken.truncate(n - 10);
    let o = scan("broken.7z", &broken);
    assert!(has(&o, UNSCANNABLE, ""), "{:?}", ids(&o));
}

fn npy(shape: &str, data: usize) -> Vec<u8> {
    let mut h = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut f = b"\x93NUMPY\x01\x00".to_vec();
    f.extend_from_slice(&(h.len() as u16).to_le_bytes());
    f.extend_from_slice(h.as_bytes());
    f.extend(std::iter::repeat_n(0u8, data));
    f
}

#[test]
fn npy_with_impossible_shape_is_malformed() {
    for shape in ["(1000000, 1000000)", "(99999999999, 999999999999)", "(-1, 8)", "(9,)"] {
        let o = scan("x.npy", &npy(shape, 64));
        assert!(has(&o, "SW-MODEL-017", ""), "{shape}: {:?}", ids(&o));
        assert_eq!(o.models[0].verdict, ModelVerdict::Unscannable);
    }
    // the shape the data holds is fine
    let o = scan("x.npy", &npy("(2, 4)", 64));
    assert!(o.findings.is_empty(), "{:?}", ids(&o));
    assert_eq!(o.models[0].verdict, ModelVerdict::Safe);
}

#[test]
fn safetensors_absurd_header_length_is_malformed() {
    let mut f = u64::MAX.to_le_bytes().to_vec();
    f.extend_from_slice(br#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#);
    f.extend_from_slice(&[0u8; 4]);
    for name in ["model.safetensors", "blob"] {
        let o = scan(name, &f);
        assert!(has(&o, "SW-MODEL-017", ""), "{name}: {:?}", ids(&o));
        assert_eq!(o.models[0].verdict, ModelVerdict::Unscannable);
    }
}

#[test]
fn scan_reader_locations_are_kept() {
    let o = scan_reader(Location::file("a/b.pkl"), "b.pkl", None, &mut &OS_SYSTEM_P2[..]);
    assert_eq!(o.findings[0].location.path, "a/b.pkl");
}
