//! Secrets at rest: API tokens (only their SHA-256 is stored) and registry credentials sealed with
//! the server key (XChaCha20-Poly1305, random 192-bit nonce, bound to the job's project and
//! reference as associated data).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// The prefix of every seawall API token (`swt_` + 43 base64url characters = 32 random bytes).
pub const TOKEN_PREFIX: &str = "swt_";

/// Characters of a token kept in clear (in listings and `token revoke`): the prefix and 8 more.
pub const TOKEN_DISPLAY_LEN: usize = TOKEN_PREFIX.len() + 8;

/// A new random API token.
pub fn generate_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The stored form of a token: SHA-256 of its text. A 256-bit random token needs no slow hash.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether a bearer string has the shape of a seawall token (checked before any database lookup).
pub fn looks_like_token(token: &str) -> bool {
    token.len() == TOKEN_PREFIX.len() + 43
        && token.starts_with(TOKEN_PREFIX)
        && token[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The server key that seals registry credentials stored in jobs.
///
/// Loaded from a file (or environment variable) holding 32 bytes as 64 hex characters or base64;
/// `seawall serve` and every `seawall worker` need the same key. Without one, submissions that
/// carry credentials are refused (credentials are never stored in plaintext).
#[derive(Clone)]
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

const NONCE_LEN: usize = 24;

impl SecretKey {
    /// Parses 32 key bytes given as 64 hex characters or (standard or URL-safe) base64; surrounding
    /// whitespace is ignored.
    pub fn parse(text: &str) -> Result<SecretKey, StoreError> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).ok()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .ok()
                .or_else(|| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).ok())
        };
        let key: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
            StoreError::Crypto("the secret key must be 32 bytes, as 64 hex characters or base64".into())
        })?;
        let cipher = XChaCha20Poly1305::new_from_slice(&key)
            .map_err(|_| StoreError::Crypto("invalid key length".into()))?;
        Ok(SecretKey { cipher })
    }

    /// Reads a key file.
    pub fn from_file(path: &std::path::Path) -> Result<SecretKey, StoreError> {
        let text = fs_err::read_to_string(path)
            .map_err(|e| StoreError::Crypto(format!("cannot read the secret key {}: {e}", path.display())))?;
        SecretKey::parse(&text)
    }

    /// A new random key, as 64 hex characters (for `seawall token keygen` and tests).
    pub fn generate_hex() -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
        Ok(hex::encode(bytes))
    }

    /// Encrypts `plaintext` bound to `context`; returns `nonce || ciphertext+tag`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
        let ct = self
            .cipher
            .encrypt(&nonce.into(), Payload { msg: plaintext, aad: context })
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts what [`SecretKey::seal`] produced with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (nonce, ct) = sealed
            .split_at_checked(NONCE_LEN)
            .ok_or_else(|| StoreError::Crypto("sealed credentials are truncated".into()))?;
        let nonce: [u8; NONCE_LEN] =
            nonce.try_into().map_err(|_| StoreError::Crypto("sealed credentials are truncated".into()))?;
        self.cipher.decrypt(&nonce.into(), Payload { msg: ct, aad: context }).map_err(|_| {
            StoreError::Crypto(
                "sealed credentials do not open with this key (a different --secret-key than the server's?)"
                    .into(),
            )
        })
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`: the signature of webhook notifications
/// (`X-Seawall-Signature: sha256=<hex>`).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let d: [u8; 32] = Sha256::digest(key).into();
        k[..32].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let inner: [u8; 32] = inner.finalize().into();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// The associated data that binds sealed credentials to one project and reference.
pub fn credentials_context(project_id: i64, reference: &str) -> Vec<u8> {
    let mut v = project_id.to_be_bytes().to_vec();
    v.extend_from_slice(reference.as_bytes());
    v
}

/// Registry credentials as submitted with a scan (only ever stored sealed).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Credentials {
    /// User name (or robot account).
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"…").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_shaped() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert!(!looks_like_token("swt_short"));
        assert!(!looks_like_token(&a.replace("swt_", "xyz_")));
        assert!(!looks_like_token(&format!("{}'", &a[..a.len() - 1])));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn sealed_credentials_open_only_with_key_and_context() {
        let k = SecretKey::parse(&SecretKey::generate_hex().unwrap()).unwrap();
        let other = SecretKey::parse(&SecretKey::generate_hex().unwrap()).unwrap();
        let ctx = credentials_context(1, "127.0.0.1:5000/a:1");
        let sealed = k.seal(b"{\"username\":\"u\",\"password\":\"p\"}", &ctx).unwrap();
        assert!(!sealed.windows(1).any(|_| false));
        assert!(!String::from_utf8_lossy(&sealed).contains("password"));
        assert_eq!(k.open(&sealed, &ctx).unwrap(), b"{\"username\":\"u\",\"password\":\"p\"}");
        assert!(other.open(&sealed, &ctx).is_err());
        assert!(k.open(&sealed, &credentials_context(2, "127.0.0.1:5000/a:1")).is_err());
        assert!(k.open(&sealed[..10], &ctx).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(k.open(&tampered, &ctx).is_err());
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 2 and 6 (a key longer than the block).
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn key_formats() {
        let hex_key = "00".repeat(32);
        assert!(SecretKey::parse(&hex_key).is_ok());
        assert!(SecretKey::parse(&format!("  {hex_key}\n")).is_ok());
        assert!(SecretKey::parse(&base64::engine::general_purpose::STANDARD.encode([7u8; 32])).is_ok());
        assert!(SecretKey::parse("too short").is_err());
        assert!(SecretKey::parse(&"00".repeat(31)).is_err());
        assert!(!format!("{:?}", SecretKey::parse(&hex_key).unwrap()).contains("00"));
    }
}
