use sha2::{Digest, Sha256};

/// A stable 64-bit hex hash (16 hex chars) of the given parts, separated unambiguously.
///
/// Stable across runs, platforms and seawall versions: SHA-256 over the length-prefixed parts, truncated.
/// Never derive it from `Debug` output.
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let out = h.finalize();
    hex::encode(&out[..8])
}

#[cfg(test)]
mod tests {
    #[test]
    fn unambiguous() {
        assert_ne!(super::stable_hash(&["ab", "c"]), super::stable_hash(&["a", "bc"]));
        assert_eq!(super::stable_hash(&["x"]), super::stable_hash(&["x"]));
    }
}
