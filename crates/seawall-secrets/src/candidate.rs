//! [`Candidate`]: a validated match, as offsets into the scanned buffer. Produced by the regex detectors
//! (`engine.rs`) and the procedural generic detector (`generic.rs`), turned into findings by `emit.rs`.

use std::ops::Range;

use seawall_core::Severity;

/// A match that passed validation. Holds only offsets into the scanned buffer, never the bytes, so
/// `Debug` output cannot leak a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// Rule id.
    pub(crate) rule: &'static str,
    /// Byte range of the secret in the buffer.
    pub(crate) secret: Range<usize>,
    /// Non-secret context (variable name, key type, scheme).
    pub(crate) key: Option<String>,
    /// Overlap priority (lower wins).
    pub(crate) priority: u8,
    /// Severity override for this occurrence (Stripe test keys, encrypted private keys).
    pub(crate) severity: Option<Severity>,
}
