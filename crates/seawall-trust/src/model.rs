//! OpenSSF model signing (the `model-signing` package): a Sigstore bundle (v0.3, DSSE) over an in-toto
//! statement whose predicate (`https://model_signing/signature/v1.0`) lists every file of the model
//! with its digest, and whose subject digest is SHA-256 over those digests in order.
//!
//! Verification: the bundle verifies with an accepted signer (key or identity); the manifest is
//! self-consistent (the subject digest recomputed from the resources); every file in the manifest is
//! present with its digest; no file of the model directory is missing from the manifest (except the
//! signature itself and the manifest's `ignore_paths`). Methods `files` and `shards` with SHA-256 are
//! verified; other hash types are not (fail closed: reported as not verified).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::verify::{Rejection, Subject, verify_bundle};
use crate::{Signers, TrustError, TrustRoot};

/// Predicate type of OpenSSF model signing v1.0.
pub const MODEL_SIGNING_PREDICATE: &str = "https://model_signing/signature/v1.0";
/// The signature file name `model_signing sign` writes by default.
pub const DEFAULT_SIGNATURE_FILE: &str = "model.sig";
/// Largest signature file read (bytes).
const MAX_SIGNATURE: u64 = 64 << 20;

/// The signed manifest of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelManifest {
    /// The model name (the subject name).
    pub name: String,
    /// The subject digest (hex SHA-256 over the resource digests).
    pub root_digest: String,
    /// `files` or `shards`.
    pub method: String,
    /// `sha256`, …
    pub hash_type: String,
    /// Shard size for the `shards` method.
    pub shard_size: Option<u64>,
    /// Paths (relative, `/`-separated) excluded from signing.
    pub ignore_paths: Vec<String>,
    /// Whether symlinks were followed when signing.
    pub allow_symlinks: bool,
    /// `(name, algorithm, hex digest)` in manifest order; for shards the name is `path:start:end`.
    pub resources: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct RawPredicate {
    serialization: RawSerialization,
    #[serde(default)]
    resources: Vec<RawResource>,
}

#[derive(Deserialize)]
struct RawSerialization {
    method: String,
    #[serde(default)]
    hash_type: String,
    #[serde(default)]
    shard_size: Option<u64>,
    #[serde(default)]
    ignore_paths: Vec<String>,
    #[serde(default)]
    allow_symlinks: serde_json::Value,
}

#[derive(Deserialize)]
struct RawResource {
    name: String,
    algorithm: String,
    digest: String,
}

/// Parses the model-signing statement (the DSSE payload) into a manifest and checks that its subject
/// digest is consistent with the resources. Never panics.
pub fn parse_manifest(payload: &[u8]) -> Result<ModelManifest, String> {
    let stmt = crate::intoto::parse_statement(payload)?;
    if stmt.predicate_type != MODEL_SIGNING_PREDICATE {
        return Err(format!("not a model signature: predicate type {:?}", stmt.predicate_type));
    }
    let [subject] = stmt.subject.as_slice() else {
        return Err(format!("model signature must have exactly one subject, has {}", stmt.subject.len()));
    };
    let root = subject.digest.get("sha256").ok_or("model signature subject has no sha256 digest")?;
    let pred: RawPredicate = serde_json::from_value(stmt.predicate.clone())
        .map_err(|e| format!("model signature predicate: {e}"))?;
    let mut hasher = sha2::Sha256::new();
    for r in &pred.resources {
        let d = hex::decode(&r.digest).map_err(|e| format!("resource {:?}: digest: {e}", r.name))?;
        hasher.update(&d);
    }
    let recomputed = hex::encode(hasher.finalize());
    if !recomputed.eq_ignore_ascii_case(root) {
        return Err(format!(
            "manifest is inconsistent: subject digest {root}, resources hash to {recomputed}"
        ));
    }
    let allow_symlinks = match &pred.serialization.allow_symlinks {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => s == "true",
        _ => false,
    };
    Ok(ModelManifest {
        name: subject.name.clone(),
        root_digest: root.to_ascii_lowercase(),
        method: pred.serialization.method,
        hash_type: pred.serialization.hash_type,
        shard_size: pred.serialization.shard_size,
        ignore_paths: pred.serialization.ignore_paths,
        allow_symlinks,
        resources: pred
            .resources
            .into_iter()
            .map(|r| (r.name, r.algorithm, r.digest.to_ascii_lowercase()))
            .collect(),
    })
}

/// The verdict for a model directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ModelVerdict {
    /// The signature file.
    pub signature: String,
    /// The verified signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Why the signature itself was not accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<crate::RejectionKind>,
    /// The reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Files checked against the manifest.
    pub files_checked: usize,
    /// Files in the manifest that are absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Files whose content does not match the manifest digest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modified: Vec<String>,
    /// Files present but not in the manifest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsigned: Vec<String>,
}

impl ModelVerdict {
    /// Signature accepted and every file matches.
    pub fn verified(&self) -> bool {
        self.rejection.is_none()
            && self.missing.is_empty()
            && self.modified.is_empty()
            && self.unsigned.is_empty()
    }
}

/// A signed part of a file: the byte range (`None`: the whole file) and its hex SHA-256.
type Part = (Option<(u64, u64)>, String);

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn ignored(path: &str, ignore: &[String]) -> bool {
    ignore.iter().any(|i| {
        let i = i.trim_end_matches('/');
        path == i || path.starts_with(&format!("{i}/"))
    })
}

fn hash_range(path: &Path, range: Option<(u64, u64)>) -> Result<String, std::io::Error> {
    let mut f = fs_err::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut reader: Box<dyn Read> = match range {
        Some((start, end)) => {
            f.seek(SeekFrom::Start(start))?;
            Box::new(f.take(end.saturating_sub(start)))
        }
        None => Box::new(f),
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Verifies the model at `model` (a directory) with the signature file `signature` (default
/// `model/model.sig`).
pub fn verify_model(
    model: &Path,
    signature: Option<&Path>,
    signers: &Signers,
    root: &TrustRoot,
) -> Result<ModelVerdict, TrustError> {
    let sig_path: PathBuf =
        signature.map(Path::to_path_buf).unwrap_or_else(|| model.join(DEFAULT_SIGNATURE_FILE));
    let mut verdict = ModelVerdict { signature: sig_path.display().to_string(), ..Default::default() };
    let reject = |mut v: ModelVerdict, r: Rejection| {
        v.rejection = Some(r.kind);
        v.reason = Some(r.reason);
        v
    };
    let json = crate::root::read_text(&sig_path, MAX_SIGNATURE)?;
    // The manifest is read from the payload before verification only to learn the subject digest;
    // the verifier then checks the signature over exactly this payload and subject.
    let payload = match crate::parse_bundle(&json) {
        Ok(b) => match &b.content {
            sigstore_verify::types::SignatureContent::DsseEnvelope(env) => env.payload.as_bytes().to_vec(),
            _ => return Ok(reject(verdict, Rejection::invalid("model signature is not a DSSE bundle"))),
        },
        Err(e) => return Ok(reject(verdict, Rejection::invalid(format!("malformed bundle: {e}")))),
    };
    let manifest = match parse_manifest(&payload) {
        Ok(m) => m,
        Err(e) => return Ok(reject(verdict, Rejection::invalid(e))),
    };
    let mut digest = [0u8; 32];
    if hex::decode_to_slice(&manifest.root_digest, &mut digest).is_err() {
        return Ok(reject(verdict, Rejection::invalid("subject digest is not SHA-256")));
    }
    match verify_bundle(&json, Subject::Sha256(digest), signers, root) {
        Ok(v) => verdict.signer = Some(v.signer),
        Err(r) => return Ok(reject(verdict, r)),
    }
    if manifest.hash_type != "sha256" || !matches!(manifest.method.as_str(), "files" | "shards") {
        return Ok(reject(
            verdict,
            Rejection::invalid(format!(
                "serialization {}/{} is not supported (sha256 files or shards only)",
                manifest.method, manifest.hash_type
            )),
        ));
    }
    // Expected digests per path (files) or per (path, start, end) (shards).
    let mut expected: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    for (name, algorithm, digest) in &manifest.resources {
        if algorithm != "sha256" {
            return Ok(reject(
                verdict,
                Rejection::invalid(format!("resource {name}: algorithm {algorithm} not supported")),
            ));
        }
        let (path, range) = if manifest.method == "shards" {
            let mut parts = name.rsplitn(3, ':');
            let (Some(end), Some(start), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
                return Ok(reject(
                    verdict,
                    Rejection::invalid(format!("shard name {name:?} is not path:start:end")),
                ));
            };
            let (Ok(s), Ok(e)) = (start.parse::<u64>(), end.parse::<u64>()) else {
                return Ok(reject(
                    verdict,
                    Rejection::invalid(format!("shard name {name:?} has bad offsets")),
                ));
            };
            (path.to_string(), Some((s, e)))
        } else {
            (name.clone(), None)
        };
        expected.entry(path).or_default().push((range, digest.clone()));
    }
    // Files on disk.
    let sig_rel = sig_path.canonicalize().ok();
    let mut present = BTreeSet::new();
    let mut stack = vec![model.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = fs_err::read_dir(&dir).map_err(|e| TrustError::io(&dir, e))?;
        for e in rd {
            let e = e.map_err(|e| TrustError::io(&dir, e))?;
            let p = e.path();
            let r = rel(model, &p);
            if ignored(&r, &manifest.ignore_paths) || p.canonicalize().ok() == sig_rel && sig_rel.is_some() {
                continue;
            }
            let ft = e.file_type().map_err(|e| TrustError::io(&p, e))?;
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() || (ft.is_symlink() && manifest.allow_symlinks) {
                present.insert(r);
            } else {
                // A symlink the signer did not follow, a socket, …: not covered by the signature.
                verdict.unsigned.push(r);
            }
        }
    }
    for (path, parts) in &expected {
        if !present.contains(path) {
            verdict.missing.push(path.clone());
            continue;
        }
        let full = model.join(path);
        verdict.files_checked += 1;
        let len = fs_err::metadata(&full).map_err(|e| TrustError::io(&full, e))?.len();
        let covered: u64 = parts.iter().map(|(r, _)| r.map_or(len, |(s, e)| e.saturating_sub(s))).sum();
        let mut ok = covered == len;
        for (range, digest) in parts {
            if !ok {
                break;
            }
            ok = hash_range(&full, *range).map_err(|e| TrustError::io(&full, e))? == *digest;
        }
        if !ok {
            verdict.modified.push(path.clone());
        }
    }
    for p in &present {
        if !expected.contains_key(p) {
            verdict.unsigned.push(p.clone());
        }
    }
    verdict.unsigned.sort();
    Ok(verdict)
}
