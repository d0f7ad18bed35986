//! Fuzz entry points: each parser over arbitrary bytes. None of them panics, allocates without
//! bound or loops forever; they return what a scan of such a file would report.
//!
//! ```
//! let out = seawall_model::fuzz::pickle(b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f.");
//! assert!(!out.findings.is_empty()); // truncated / invalid: unscannable, fail closed
//! ```

use seawall_core::Location;

use crate::detect::Format;
use crate::input::Input;
use crate::scan::{Ctx, ScanOptions, ScanOutput, Scope, scan_format};

fn run(fmt: Format, name: &str, data: &[u8]) -> ScanOutput {
    let mut ctx = Ctx::new(Location::file(name), ScanOptions::default());
    let scope = Scope { member: None, name: name.to_owned(), size: Some(data.len() as u64), depth: 0 };
    let mut r = data;
    let mut inp = Input::new(&mut r);
    scan_format(&mut ctx, &mut inp, &scope, fmt);
    ctx.finish()
}

/// The pickle VM (stacked pickles, trailing-data probing, joblib arrays).
pub fn pickle(data: &[u8]) -> ScanOutput {
    run(Format::Pickle, "fuzz.pkl", data)
}

/// The streaming zip reader (PyTorch / `.keras` / `.npz` archives, members scanned recursively).
pub fn zip(data: &[u8]) -> ScanOutput {
    crate::zip::fuzz_zip(data)
}

/// The GGUF parser.
pub fn gguf(data: &[u8]) -> ScanOutput {
    run(Format::Gguf, "fuzz.gguf", data)
}

/// The safetensors parser.
pub fn safetensors(data: &[u8]) -> ScanOutput {
    run(Format::Safetensors, "fuzz.safetensors", data)
}

/// The `.npy` parser.
pub fn npy(data: &[u8]) -> ScanOutput {
    run(Format::Npy, "fuzz.npy", data)
}

/// The HDF5 / Keras config locator.
pub fn hdf5(data: &[u8]) -> ScanOutput {
    run(Format::Hdf5, "fuzz.h5", data)
}

/// The ONNX protobuf walker.
pub fn onnx(data: &[u8]) -> ScanOutput {
    run(Format::Onnx, "fuzz.onnx", data)
}

/// The SavedModel protobuf walker.
pub fn saved_model(data: &[u8]) -> ScanOutput {
    run(Format::SavedModel, "saved_model.pb", data)
}

/// Full dispatch by content (what the analyzer does), for any bytes.
pub fn any(data: &[u8]) -> ScanOutput {
    let mut r = data;
    crate::scan::scan_reader_impl(
        Location::file("fuzz"),
        "fuzz",
        Some(data.len() as u64),
        &mut r,
        ScanOptions::default(),
    )
}
