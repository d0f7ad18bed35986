//! Parsers for the non-pickle model formats. Each reads a stream once, keeps bounded memory, and
//! reports through the scan context.

pub(crate) mod archive;
pub(crate) mod gguf;
pub(crate) mod hdf5;
pub(crate) mod keras;
pub(crate) mod npy;
pub(crate) mod onnx;
pub(crate) mod protobuf;
pub(crate) mod safetensors;
pub(crate) mod savedmodel;
