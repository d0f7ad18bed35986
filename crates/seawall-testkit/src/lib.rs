//! # seawall-testkit — fixture builders for tests
//!
//! The small builders several crates' tests repeated (a tar of regular files, gzip, an OCI digest),
//! in one place. A dev-dependency only (`publish = false`); fixtures stay built in test code, never
//! committed.
//!
//! ```
//! let layer = seawall_testkit::tar_of(&[("etc/hostname", b"box\n")]);
//! assert_eq!(layer.len() % 512, 0);
//! assert!(seawall_testkit::sha256(&layer).starts_with("sha256:"));
//! ```
#![expect(
    clippy::expect_used,
    reason = "fixture builders writing into memory: a failure there is a failed test, not input-derived"
)]

use std::io::Write;

use sha2::{Digest, Sha256};

/// `sha256:<hex>` of `data`, the OCI digest form.
pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// `data` gzip-compressed (fast level).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// A plain tar of regular files (GNU headers, mode `0644`), with end-of-archive blocks.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    tar_with_modes(files, |_| 0o644)
}

/// A plain tar of regular files (GNU headers) whose modes `mode(path)` gives, with end-of-archive blocks.
pub fn tar_with_modes(files: &[(&str, &[u8])], mode: impl Fn(&str) -> u32) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (p, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode(p));
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append_data(&mut h, p, *data).expect("tar into memory");
    }
    b.into_inner().expect("tar into memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_holds_the_files_with_their_modes() {
        let t = tar_with_modes(&[("bin/su", b"x"), ("a.txt", b"hello")], |p| {
            if p == "bin/su" { 0o4755 } else { 0o644 }
        });
        let mut a = tar::Archive::new(t.as_slice());
        let got: Vec<(String, u32, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().display().to_string(), e.header().mode().unwrap(), e.size())
            })
            .collect();
        assert_eq!(got, vec![("bin/su".into(), 0o4755, 1), ("a.txt".into(), 0o644, 5)]);
    }

    #[test]
    fn gzip_round_trips_and_digest_is_oci_form() {
        let z = gzip(b"layer");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(z.as_slice()), &mut out).unwrap();
        assert_eq!(out, b"layer");
        assert_eq!(sha256(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
