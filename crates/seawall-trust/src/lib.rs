//! # seawall-trust — is the image (or model) what it claims to be?
//!
//! Practice 2 of the seed ("use trusted base images"): signatures, provenance and lineage.
//!
//! * [`TrustRoot`] — the Sigstore trusted root (Fulcio CAs, Rekor/CT keys, TSAs); the public-good root
//!   is embedded, an installed or explicit file replaces it. Everything is verified offline.
//! * [`Signers`] — accepted public keys ([`AcceptedKey`]) and keyless identities ([`AcceptedIdentity`]).
//! * [`verify_bundle`] — a Sigstore bundle (v0.1–v0.3, message signature or DSSE) over bytes or a
//!   digest; the result is [`Verified`] or a [`Rejection`] (invalid, signer not accepted, certificate
//!   expired at signing time).
//!
//! Errors that stop verification from running at all (unreadable files, bad keys) are [`TrustError`]s.
//!
//! ```
//! use seawall_trust::{Signers, Subject, TrustRoot, verify_bundle};
//! let root = TrustRoot::embedded()?;
//! let r = verify_bundle("{}", Subject::Bytes(b"hello"), &Signers::default(), &root);
//! assert!(r.is_err());
//! # Ok::<(), seawall_trust::TrustError>(())
//! ```
#![deny(missing_docs)]

pub mod apply;
pub mod cosign;
mod error;
pub mod image;
pub mod intoto;
pub mod lineage;
pub mod model;
mod root;
pub mod rules;
mod signer;
mod verify;

pub use error::TrustError;
pub use root::{INSTALLED_ROOT_FILE, RootOrigin, TrustRoot};
pub use rules::RULES;
pub use signer::{AcceptedIdentity, AcceptedKey, Signers, SubjectMatch};
pub use verify::{Rejection, RejectionKind, Subject, Verified, parse_bundle, verify_bundle, verify_parsed};

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// SHA-256 of `data`.
pub(crate) fn sha256_bytes(data: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).into()
}
