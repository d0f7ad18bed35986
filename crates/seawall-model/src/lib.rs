//! ML model file analysis: pickle VM emulation and format checks, without loading anything.
