//! Per-layer fact cache, keyed by verified blob digests.
//!
//! * Key: a hash of the cache format, the blob digest *computed on the bytes read* (never a digest an
//!   image merely claims), the sorted (name, version) of every analyzer and an options fingerprint
//!   (typed options, the rule catalog, the date for date-dependent checks — see `seawall-scan`).
//! * Entry: one file per key, `seawall-layer-cache 2\n<key>\nsha256:<digest of the body>\n<body>`;
//!   the body is the JSON of the [`LayerWalk`], whose [`LayerDigests`](crate::LayerDigests) say
//!   which blob and diff_id it describes. An entry whose digest, key or JSON does not check out is a
//!   miss (and is removed). This detects corruption and naive tampering; whoever can write the cache
//!   directory can also write a consistent entry, so the directory must be as private as the user's
//!   other files (it is created `0700`).
//! * Bound: [`LayerCache::evict`] removes the least recently used entries (a hit refreshes an
//!   entry's modification time) until the total size is under the bound.
//! * Concurrency: entries are written to a unique temporary file in the same directory and renamed
//!   into place, so readers see either nothing or a complete entry.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use seawall_analyzer::FileAnalyzer;

use crate::LayerWalk;

/// Version of the cached layer format; bump on any change of [`LayerWalk`]'s serialized shape or of
/// the key's meaning.
const CACHE_FORMAT: u32 = 2;
/// First line of every entry.
const MAGIC: &str = "seawall-layer-cache";
/// The default bound on the total size of the cache (1 GiB).
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// Temporary files older than this are leftovers of a crashed writer.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// The cache key of a layer: a hash of the cache format, the layer's *verified* blob digest, the
/// sorted (name, version) of every analyzer, and an options fingerprint (anything else that changes
/// the facts).
pub fn cache_key(blob_digest: &str, analyzers: &[Box<dyn FileAnalyzer>], options: &str) -> String {
    let mut ids: Vec<(String, u32)> = analyzers.iter().map(|a| (a.name().to_string(), a.version())).collect();
    ids.sort();
    let mut h = Sha256::new();
    h.update(CACHE_FORMAT.to_le_bytes());
    h.update((blob_digest.len() as u64).to_le_bytes());
    h.update(blob_digest.as_bytes());
    for (n, v) in &ids {
        h.update((n.len() as u64).to_le_bytes());
        h.update(n.as_bytes());
        h.update(v.to_le_bytes());
    }
    h.update((options.len() as u64).to_le_bytes());
    h.update(options.as_bytes());
    hex::encode(h.finalize())
}

/// `sha256:<hex>` and the size of everything `r` yields: proves that a blob is the one a cache entry
/// describes without decompressing or analysing it.
pub fn blob_digest(r: &mut dyn Read) -> io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((format!("sha256:{}", hex::encode(h.finalize())), n))
}

/// Size and content of a cache directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// The cache directory.
    pub dir: PathBuf,
    /// Number of cached layers.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The bound [`LayerCache::evict`] keeps the total under.
    pub max_bytes: u64,
}

/// A directory of cached [`LayerWalk`]s, one file per key (see the module documentation).
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
    max_bytes: u64,
}

/// One file of the cache directory.
struct EntryFile {
    path: PathBuf,
    size: u64,
    used: SystemTime,
    tmp: bool,
}

impl LayerCache {
    /// A cache in `dir` (created on first write), bounded by [`DEFAULT_MAX_BYTES`].
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LayerCache { dir: dir.into(), max_bytes: DEFAULT_MAX_BYTES }
    }

    /// The same cache with another size bound.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The default directory in `env`: `$SEAWALL_CACHE_DIR`, else `$XDG_CACHE_HOME/seawall`, else
    /// `~/.cache/seawall`; `None` when none of them is set.
    pub fn default_dir(env: &seawall_core::Environment) -> Option<PathBuf> {
        if let Some(d) = &env.seawall_cache_dir {
            return Some(PathBuf::from(d));
        }
        if let Some(d) = &env.xdg_cache_home {
            return Some(PathBuf::from(d).join("seawall"));
        }
        env.home.as_ref().map(|h| PathBuf::from(h).join(".cache").join("seawall"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn layers_dir(&self) -> PathBuf {
        self.dir.join("layers")
    }

    fn entry_path(&self, key: &str) -> Option<PathBuf> {
        // Keys are hex digests; anything else never names a file.
        (key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.layers_dir().join(format!("{key}.json")))
    }

    /// The cached walk for a key, if present and intact (format, key and content digest check out);
    /// a hit refreshes the entry's place in the least-recently-used order.
    pub fn get(&self, key: &str) -> Option<LayerWalk> {
        let path = self.entry_path(key)?;
        let bytes = fs_err::read(&path).ok()?;
        match decode_entry(key, &bytes) {
            Some(w) => {
                // Best effort: a read-only cache still serves hits.
                let _ = fs_err::File::options()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(SystemTime::now()));
                Some(w)
            }
            None => {
                let _ = fs_err::remove_file(&path);
                None
            }
        }
    }

    /// Stores a walk under a key (atomically). Callers store only complete walks whose digests
    /// verified, under the key of the verified blob digest.
    pub fn put(&self, key: &str, walk: &LayerWalk) -> io::Result<()> {
        let path = self.entry_path(key).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("invalid cache key {key:?}"))
        })?;
        let dir = self.layers_dir();
        create_private_dir(&dir)?;
        let bytes = encode_entry(key, walk)?;
        let unique = format!(
            ".{key}.{}.{:x}.tmp",
            std::process::id(),
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        );
        let tmp = dir.join(unique);
        let written = (|| {
            let mut f = fs_err::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()
        })();
        if let Err(e) = written.and_then(|()| fs_err::rename(&tmp, &path)) {
            let _ = fs_err::remove_file(&tmp);
            return Err(e);
        }
        Ok(())
    }

    fn files(&self) -> io::Result<Vec<EntryFile>> {
        let mut out = Vec::new();
        let rd = match fs_err::read_dir(self.layers_dir()) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for e in rd {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let tmp = name.ends_with(".tmp");
            if !tmp && !name.ends_with(".json") {
                continue;
            }
            let Ok(md) = e.metadata() else { continue };
            out.push(EntryFile {
                path: e.path(),
                size: md.len(),
                used: md.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                tmp,
            });
        }
        Ok(out)
    }

    /// Number of entries and total size.
    pub fn info(&self) -> io::Result<CacheInfo> {
        let files = self.files()?;
        let entries = files.iter().filter(|f| !f.tmp).count() as u64;
        let bytes = files.iter().map(|f| f.size).sum();
        Ok(CacheInfo { dir: self.dir.clone(), entries, bytes, max_bytes: self.max_bytes })
    }

    /// Removes the least recently used entries until the total size is at most 90 % of the bound
    /// (when it is over the bound), and temporary files left by crashed writers; returns how many
    /// entries were removed.
    pub fn evict(&self) -> io::Result<u64> {
        let mut files = self.files()?;
        let now = SystemTime::now();
        files.retain(|f| {
            let stale = f.tmp && now.duration_since(f.used).is_ok_and(|age| age > STALE_TMP);
            if stale {
                let _ = fs_err::remove_file(&f.path);
            }
            !f.tmp
        });
        let mut total: u64 = files.iter().map(|f| f.size).sum();
        if total <= self.max_bytes {
            return Ok(0);
        }
        let target = self.max_bytes / 10 * 9;
        files.sort_by_key(|f| f.used);
        let mut removed = 0;
        for f in files {
            if total <= target {
                break;
            }
            match fs_err::remove_file(&f.path) {
                Ok(()) => {
                    total = total.saturating_sub(f.size);
                    removed += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => total = total.saturating_sub(f.size),
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }

    /// Removes every cached entry; returns how many entries were removed.
    pub fn clean(&self) -> io::Result<u64> {
        let mut n = 0;
        for f in self.files()? {
            fs_err::remove_file(&f.path)?;
            if !f.tmp {
                n += 1;
            }
        }
        Ok(n)
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn encode_entry(key: &str, walk: &LayerWalk) -> io::Result<Vec<u8>> {
    let body = serde_json::to_vec(walk).map_err(io::Error::other)?;
    let digest = hex::encode(Sha256::digest(&body));
    let mut out = format!("{MAGIC} {CACHE_FORMAT}\n{key}\nsha256:{digest}\n").into_bytes();
    out.extend_from_slice(&body);
    Ok(out)
}

/// Parses an entry; `None` unless the format, the key and the content digest check out. Fuzz entry
/// point (see [`decode_cache_entry`]).
fn decode_entry(key: &str, bytes: &[u8]) -> Option<LayerWalk> {
    let mut lines = bytes.splitn(4, |&b| b == b'\n');
    let magic = lines.next()?;
    let stored_key = lines.next()?;
    let digest = lines.next()?;
    let body = lines.next()?;
    if magic != format!("{MAGIC} {CACHE_FORMAT}").as_bytes() || stored_key != key.as_bytes() {
        return None;
    }
    let expected = format!("sha256:{}", hex::encode(Sha256::digest(body)));
    if digest != expected.as_bytes() {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// Fuzz entry point: decodes arbitrary bytes as a cache entry for an arbitrary key. Never panics.
pub fn decode_cache_entry(key: &str, bytes: &[u8]) -> Option<LayerWalk> {
    decode_entry(key, bytes)
}

/// Fuzz entry point: frames `body` as a well-formed entry for `key` (right magic, key and content
/// digest) and decodes it, so that the fuzzer reaches the body decoder, which random bytes never
/// reach past the digest check. Never panics.
pub fn decode_framed_cache_body(key: &str, body: &[u8]) -> Option<LayerWalk> {
    let digest = hex::encode(Sha256::digest(body));
    let mut entry = format!("{MAGIC} {CACHE_FORMAT}\n{key}\nsha256:{digest}\n").into_bytes();
    entry.extend_from_slice(body);
    decode_entry(key, &entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dir_precedence() {
        use seawall_core::Environment;
        let at =
            |pairs: &[(&str, &str)]| LayerCache::default_dir(&Environment::from_pairs(pairs.iter().copied()));
        let all = [("SEAWALL_CACHE_DIR", "/c"), ("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u")];
        assert_eq!(at(&all), Some(PathBuf::from("/c")));
        assert_eq!(at(&all[1..]), Some(PathBuf::from("/xdg/seawall")));
        assert_eq!(at(&all[2..]), Some(PathBuf::from("/home/u/.cache/seawall")));
        assert_eq!(at(&[]), None);
    }

    fn walk(n: u32) -> LayerWalk {
        let mut w = LayerWalk { index: n, ..Default::default() };
        w.paths.present.insert(format!("/file{n}"));
        w
    }

    #[test]
    fn roundtrip_and_clean() {
        let d = tempfile::tempdir().unwrap();
        let c = LayerCache::new(d.path());
        let key = cache_key("sha256:abc", &[], "opts");
        assert!(c.get(&key).is_none());
        let w = walk(2);
        c.put(&key, &w).unwrap();
        assert_eq!(c.get(&key), Some(w));
        assert_eq!(c.info().unwrap().entries, 1);
        assert_eq!(c.clean().unwrap(), 1);
        assert!(c.get(&key).is_none());
    }

    #[test]
    fn framed_body_reaches_the_decoder() {
        let w = walk(4);
        let body = serde_json::to_vec(&w).unwrap();
        assert_eq!(decode_framed_cache_body("k", &body), Some(w));
        assert_eq!(decode_framed_cache_body("k", b"{not json"), None);
    }

    #[test]
    fn key_depends_on_inputs() {
        assert_ne!(cache_key("a", &[], ""), cache_key("b", &[], ""));
        assert_ne!(cache_key("a", &[], "x"), cache_key("a", &[], "y"));
    }

    #[test]
    fn tampered_cache_entry_is_a_miss() {
        let d = tempfile::tempdir().unwrap();
        let c = LayerCache::new(d.path());
        let key = cache_key("sha256:abc", &[], "");
        c.put(&key, &walk(1)).unwrap();
        let path = c.entry_path(&key).unwrap();
        let bytes = fs_err::read(&path).unwrap();
        // Change the body (a path of the walk) without fixing the digest.
        let text = String::from_utf8(bytes).unwrap().replace("/file1", "/fileX");
        fs_err::write(&path, text).unwrap();
        assert!(c.get(&key).is_none(), "a body that does not match its digest is a miss");
        assert!(!path.exists(), "and is removed");
        // An intact entry stored under another key is a miss too.
        let other = cache_key("sha256:def", &[], "");
        c.put(&other, &walk(3)).unwrap();
        fs_err::copy(c.entry_path(&other).unwrap(), c.entry_path(&key).unwrap()).unwrap();
        assert!(c.get(&key).is_none(), "an entry names its key");
        assert!(c.get("../../etc/passwd").is_none());
    }

    #[test]
    fn eviction_removes_least_recently_used_entries_first() {
        let d = tempfile::tempdir().unwrap();
        let probe = LayerCache::new(d.path());
        probe.put(&cache_key("sha256:size", &[], ""), &walk(0)).unwrap();
        let one = probe.info().unwrap().bytes;
        probe.clean().unwrap();
        // Room for about three entries.
        let c = LayerCache::new(d.path()).with_max_bytes(one * 3 + one / 2);
        let keys: Vec<String> = (0..5).map(|i| cache_key(&format!("sha256:{i}"), &[], "")).collect();
        let t0 = SystemTime::now() - Duration::from_secs(1000);
        for (i, k) in keys.iter().enumerate() {
            c.put(k, &walk(0)).unwrap();
            let f = fs_err::File::options().write(true).open(c.entry_path(k).unwrap()).unwrap();
            f.set_modified(t0 + Duration::from_secs(10 * i as u64)).unwrap();
        }
        // Entry 0 is used again: it becomes the most recent.
        assert!(c.get(&keys[0]).is_some());
        let removed = c.evict().unwrap();
        assert!(removed >= 2, "{removed}");
        assert!(c.info().unwrap().bytes <= c.info().unwrap().max_bytes);
        assert!(c.get(&keys[0]).is_some(), "recently used entry kept");
        assert!(c.get(&keys[1]).is_none() && c.get(&keys[2]).is_none(), "oldest entries evicted");
        assert!(c.get(&keys[4]).is_some());
    }

    #[test]
    fn blob_digest_hashes_everything() {
        let (d, n) = blob_digest(&mut &b"abc"[..]).unwrap();
        assert_eq!(n, 3);
        assert_eq!(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    proptest::proptest! {
        #[test]
        fn decoding_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..1024)) {
            let _ = decode_cache_entry("k", &data);
        }
    }
}
