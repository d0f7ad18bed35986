//! Fuzz entry points: each parser over arbitrary bytes. None of them panics, allocates without
//! bound or loops forever; they return what a scan of such a file would report.
//!
//! ```
//! let out = seawall_model::fuzz::pickle(b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f.");
//! assert!(!out.findings.is_empty()); // truncated / invalid: unscannable, fail closed
//! ```

use seawall_core::Location;

use crate::ScanOptions;
use crate::ctx::ScanOutput;
use crate::detect::Format;

fn run(fmt: Format, name: &str, data: &[u8]) -> ScanOutput {
    crate::scan::scan_bytes_as(fmt, name, data)
}

/// The pickle VM (stacked pickles, trailing-data probing, joblib arrays).
pub fn pickle(data: &[u8]) -> ScanOutput {
    run(Format::Pickle, "fuzz.pkl", data)
}

/// The streaming zip reader (PyTorch / `.keras` / `.npz` archives, members scanned recursively).
pub fn zip(data: &[u8]) -> ScanOutput {
    run(Format::Zip, "fuzz.zip", data)
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

/// The 7z reader (archive held in memory up to its bound, members scanned recursively).
pub fn sevenz(data: &[u8]) -> ScanOutput {
    run(Format::SevenZ, "fuzz.7z", data)
}

/// Full dispatch by content (what the analyzer does), for any bytes.
pub fn any(data: &[u8]) -> ScanOutput {
    let mut r = data;
    crate::scan::scan_reader_with(
        Location::file("fuzz"),
        "fuzz",
        Some(data.len() as u64),
        &mut r,
        ScanOptions::default(),
    )
}
