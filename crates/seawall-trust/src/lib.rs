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

#[cfg(test)]
mod no_panic {
    //! The fuzz entry points on arbitrary and JSON-shaped input (the fuzz targets in fuzz/ run the
    //! same functions under libFuzzer).
    use proptest::prelude::*;

    fn json_ish() -> impl Strategy<Value = String> {
        proptest::string::string_regex(
            r#"\{("(_type|subject|predicateType|predicate|digest|sha256|name|critical|image|identity|type|payload|payloadType|signatures|sig|mediaType|version|bases|diff_ids|serialization|resources|method|hash_type)"|:|,|\[|\]|\{|\}|"[a-z0-9:/.]{0,12}"|[0-9]{1,3}|true|null){0,40}\}"#,
        )
        .expect("regex")
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in prop_oneof![json_ish(), ".{0,300}"]) {
            let b = s.as_bytes();
            let _ = crate::cosign::parse_simple_signing(b);
            let _ = crate::cosign::parse_envelope(b);
            if let Ok(st) = crate::intoto::parse_statement(b) {
                let _ = crate::intoto::provenance(&st);
            }
            let _ = crate::model::parse_manifest(b);
            let _ = crate::lineage::parse_index(&s);
            let _ = crate::parse_bundle(&s);
            let _ = crate::TrustRoot::from_json_str(&s, crate::RootOrigin::Embedded);
        }
    }
}
