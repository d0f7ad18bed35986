//! # seawall-model — prove ML model files free of code-execution payloads
//!
//! Reads model files as bytes — never loads, unpickles or executes them — and reports whether
//! loading them could run code. Formats are detected by content, not by extension:
//!
//! * **pickle** (protocols 0–5, stacked pickles, junk between them; dill/cloudpickle), judged by a
//!   symbolic emulation of CPython's C unpickler (real stack with MARK fences, memo, `FRAME`, `EXT*`,
//!   dotted `STACK_GLOBAL` names, getattr/`__import__` chains resolved to the callable they produce)
//!   against an allowlist of framework globals plus
//!   argument-aware rules (call-through arguments of `copyreg._reconstructor`,
//!   `_rebuild_from_type_v2`; `BUILD`/`SETITEM` on class or module objects; getattr gadgets);
//! * **PyTorch** zip archives (every `.pkl` member, read like torch reads them, cross-checking local
//!   headers against the central directory: CVE-2025-1944/1945 tricks), TorchScript (embedded code),
//!   the legacy stacked-pickle and legacy tar formats;
//! * **joblib** (inline NumPy arrays after `NumpyArrayWrapper` are skipped exactly, parsing resumes
//!   after them; zlib/gzip-compressed streams are decompressed on the fly with a ratio bound);
//! * **NumPy** `.npy` (object dtype → embedded pickle) and `.npz`;
//! * **Keras** `.h5` (`model_config` JSON located inside HDF5 attributes) and `.keras` (`config.json`):
//!   Lambda bytecode, non-Keras modules (CVE-2025-1550), `TFSMLayer`;
//! * **TensorFlow** `saved_model.pb`, **ONNX**, **GGUF** (table bounds, chat-template SSTI),
//!   **safetensors** (header and offset validation), nested archives with depth and ratio limits.
//!
//! Everything streams through a bounded buffer: a 50 GB checkpoint costs the same memory as a
//! 50 KB one. Any parse failure of a format that can carry code yields an *unscannable* finding
//! (fail closed), while whatever was found before the failure is still reported.
//!
//! Findings carry `callables` (resolved, e.g. `os.system` for `("pathlib", "os.system")`),
//! `opcode_offset` (relative to the stream that holds the pickle) and `format`; `location.member`
//! names the archive member (`archive/data.pkl`), nested levels joined with `!`, decompressed streams
//! as `(gunzip)`/`(zlib)`/`(bunzip2)`/`(unxz)`, and checkpoints embedded in a pickle through
//! `torch.storage._load_from_bytes` as `@<opcode offset>`.
//!
//! Main types: [`ModelAnalyzer`] (the `model` [`seawall_analyzer::FileAnalyzer`] used by
//! `seawall-walker` for images and directory scans), [`scan_path`] / [`scan_reader`] for
//! `seawall scan model PATH`, [`ScanOutput`] (findings of kind `model`, [`seawall_core::ModelFile`]
//! inventory entries, warnings) and the rule catalog [`RULES`]. Fuzz entry points live in [`fuzz`].
//!
//! ```
//! use seawall_core::{Location, Severity};
//! // protocol 2: os.system('id')
//! let evil = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";
//! let out = seawall_model::scan_reader(Location::file("model.bin"), "model.bin", None, &mut &evil[..]);
//! assert_eq!(out.max_severity(), Some(Severity::Critical));
//! assert_eq!(out.findings[0].callables, vec!["posix.system".to_string()]);
//! assert_eq!(out.models[0].verdict, seawall_core::ModelVerdict::Unsafe);
//! ```
#![deny(missing_docs)]

mod analyzer;
mod bounded;
mod ctx;
mod detect;
mod formats;
mod input;
mod pickle;
mod picklefile;
mod rules;
mod scan;
mod zip;

pub mod fuzz;

pub use analyzer::{ModelAnalyzer, scan_path, scan_path_with, scan_reader};
pub use ctx::{ScanOptions, ScanOutput};
pub use rules::RULES;
pub use scan::scan_reader_with;

/// Bytes looked at for format detection (the walker's sniff length).
pub(crate) const SNIFF: usize = seawall_analyzer::SNIFF_LEN;
