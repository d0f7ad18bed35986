//! Accepted signers: public keys (PEM) and keyless identities (OIDC issuer + certificate subject, exact or
//! a regular expression).

use std::path::Path;

use sigstore_verify::types::DerPublicKey;

use crate::TrustError;

/// Largest public key file read (bytes).
const MAX_KEY_SIZE: u64 = 64 << 10;

/// A public key whose signatures are accepted.
#[derive(Debug, Clone)]
pub struct AcceptedKey {
    /// How the key is named in reports (its file name or policy label).
    pub name: String,
    pub(crate) der: DerPublicKey,
}

impl AcceptedKey {
    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo: ECDSA P-256/P-384, Ed25519, RSA).
    pub fn from_pem(name: impl Into<String>, pem: &str) -> Result<AcceptedKey, TrustError> {
        let name = name.into();
        let der = DerPublicKey::from_pem(pem.trim())
            .map_err(|e| TrustError::Key { what: name.clone(), reason: e.to_string() })?;
        sigstore_verify::crypto::VerificationKey::from_spki(&der)
            .map_err(|e| TrustError::Key { what: name.clone(), reason: e.to_string() })?;
        Ok(AcceptedKey { name, der })
    }

    /// Reads a PEM public key file; the file name becomes the key's name.
    pub fn from_file(path: &Path) -> Result<AcceptedKey, TrustError> {
        let text = crate::root::read_text(path, MAX_KEY_SIZE)?;
        Self::from_pem(path.display().to_string(), &text)
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo, hex: a stable fingerprint for reports.
    pub fn fingerprint(&self) -> String {
        crate::sha256_hex(self.der.as_bytes())
    }
}

/// How a certificate subject (the SAN: e-mail or URI) is matched.
#[derive(Debug, Clone)]
pub enum SubjectMatch {
    /// Equal to this string.
    Exact(String),
    /// Matches this regular expression (anchored at both ends).
    Regex(regex::Regex),
}

impl SubjectMatch {
    /// A regular-expression match; the pattern is anchored (`^(?:…)$`).
    pub fn regex(pattern: &str) -> Result<SubjectMatch, TrustError> {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .map(SubjectMatch::Regex)
            .map_err(|e| TrustError::Pattern { pattern: pattern.to_string(), reason: e.to_string() })
    }

    /// Whether `subject` is accepted.
    pub fn matches(&self, subject: &str) -> bool {
        match self {
            SubjectMatch::Exact(s) => s == subject,
            SubjectMatch::Regex(r) => r.is_match(subject),
        }
    }
}

impl std::fmt::Display for SubjectMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubjectMatch::Exact(s) => f.write_str(s),
            SubjectMatch::Regex(r) => {
                let p = r.as_str();
                let inner = p.strip_prefix("^(?:").and_then(|p| p.strip_suffix(")$")).unwrap_or(p);
                write!(f, "/{inner}/")
            }
        }
    }
}

/// A keyless (Fulcio certificate) identity whose signatures are accepted.
#[derive(Debug, Clone)]
pub struct AcceptedIdentity {
    /// The OIDC issuer, exactly (`https://token.actions.githubusercontent.com`).
    pub issuer: String,
    /// The certificate subject.
    pub subject: SubjectMatch,
}

impl AcceptedIdentity {
    /// Whether a certificate with this subject and issuer is accepted.
    pub fn accepts(&self, subject: &str, issuer: &str) -> bool {
        self.issuer == issuer && self.subject.matches(subject)
    }
}

/// Everything accepted for one verification: keys and identities. Empty means nobody is accepted.
#[derive(Debug, Clone, Default)]
pub struct Signers {
    /// Accepted public keys.
    pub keys: Vec<AcceptedKey>,
    /// Accepted keyless identities.
    pub identities: Vec<AcceptedIdentity>,
}

impl Signers {
    /// Whether no signer at all is accepted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.identities.is_empty()
    }

    /// A human-readable list of the accepted signers, for messages.
    pub fn describe(&self) -> String {
        let mut v: Vec<String> = self.keys.iter().map(|k| format!("key {}", k.name)).collect();
        v.extend(self.identities.iter().map(|i| format!("{} ({})", i.subject, i.issuer)));
        if v.is_empty() { "nobody".to_string() } else { v.join(", ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_subjects_are_anchored() {
        let m = SubjectMatch::regex(r"https://github\.com/acme/.*").unwrap();
        assert!(m.matches("https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"));
        assert!(!m.matches("evil https://github.com/acme/x"));
        assert_eq!(m.to_string(), r"/https://github\.com/acme/.*/");
        assert!(SubjectMatch::regex("(").is_err());
    }

    #[test]
    fn bad_key_is_an_error() {
        assert!(
            AcceptedKey::from_pem("k", "-----BEGIN PUBLIC KEY-----\nYWJjZA==\n-----END PUBLIC KEY-----")
                .is_err()
        );
        assert!(AcceptedKey::from_pem("k", "not pem").is_err());
    }
}
