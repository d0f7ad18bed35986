//! The `secrets` file analyzer and the `secrets-image-config` image analyzer.

use std::io::Read;

use seawall_analyzer::{
    AnalyzerError, EntryMeta, Facts, FileAnalyzer, ImageAnalyzer, ImageView, Interest, ScanWarning,
};

use crate::image::scan_image_config;
use crate::paths::is_third_party_noise;
use crate::scan::scan_reader;
use crate::sniff::looks_binary;

/// Per-file secret analyzer (`secrets`): every regular text file, of any size (streamed in overlapping
/// windows with bounded memory), and always the known credential files (`.netrc`, `.git-credentials`, `.pypirc`, `pip.conf`, `.docker/config.json`,
/// `.aws/credentials`, `.kaggle/kaggle.json`, `.cache/huggingface/token`, `.git/config`, `.env*`, shell
/// histories, notebooks, SSH keys).
///
/// Fail closed: with the default (no byte limit) every byte of a text file is scanned. With an explicit
/// [`SecretsAnalyzer::with_max_file_size`], the part beyond the limit is reported as not analysed (a
/// [`ScanWarning`]), never silently dropped.
#[derive(Debug, Clone, Default)]
pub struct SecretsAnalyzer {
    max_file_size: Option<u64>,
}

impl SecretsAnalyzer {
    /// An analyzer that scans files of any size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scans at most `bytes` bytes of each file; the rest of a longer file is reported as not analysed.
    pub fn with_max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = Some(bytes);
        self
    }
}

const SKIP_EXT: &[&str] = &[
    "so",
    "a",
    "o",
    "ko",
    "pyc",
    "pyo",
    "whl",
    "egg",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "xz",
    "zst",
    "lz4",
    "7z",
    "rar",
    "jar",
    "war",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "ico",
    "bmp",
    "tif",
    "tiff",
    "pdf",
    "mp3",
    "mp4",
    "wav",
    "flac",
    "ogg",
    "avi",
    "mov",
    "mkv",
    "ttf",
    "otf",
    "woff",
    "woff2",
    "eot",
    "pt",
    "pth",
    "bin",
    "safetensors",
    "onnx",
    "gguf",
    "ggml",
    "h5",
    "hdf5",
    "keras",
    "pb",
    "tflite",
    "npy",
    "npz",
    "pkl",
    "pickle",
    "joblib",
    "ckpt",
    "parquet",
    "arrow",
    "feather",
    "avro",
    "orc",
    "db",
    "sqlite",
    "sqlite3",
    "mo",
    "class",
    "dll",
    "exe",
    "dylib",
    "deb",
    "rpm",
    "apk",
    "iso",
    "img",
    "qcow2",
    "msgpack",
    "tfrecord",
    "mdb",
    "lmdb",
    "cubin",
    "fatbin",
    "ptx",
    "nvvm",
    "lib",
    "dat",
    "gz.partial",
];

const SKIP_DIRS: &[&str] = &[
    "proc/",
    "sys/",
    "dev/",
    "usr/share/zoneinfo/",
    "usr/share/doc/",
    "usr/share/man/",
    "usr/share/info/",
    "usr/share/locale/",
    "usr/share/i18n/",
    "usr/lib/locale/",
    "usr/share/mime/",
    "usr/share/fonts/",
    "usr/share/icons/",
    "var/lib/dpkg/info/",
];

const CREDENTIAL_NAMES: &[&str] = &[
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".pypirc",
    "pip.conf",
    "pip.ini",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    "kaggle.json",
    ".bash_history",
    ".zsh_history",
    ".sh_history",
    ".ash_history",
    ".python_history",
    ".psql_history",
    ".mysql_history",
    ".node_repl_history",
    ".rediscli_history",
    ".sqlite_history",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".s3cfg",
    ".boto",
    ".pgpass",
    ".my.cnf",
    "application_default_credentials.json",
    "credentials.json",
    "service-account.json",
    ".dockercfg",
    "secrets.yaml",
    "secrets.yml",
    "secret.yaml",
    "secret.yml",
];

/// True for files that commonly hold credentials; the `secrets` analyzer always reads them (no
/// content sniff).
pub fn is_credential_file(rel_path: &str) -> bool {
    let rel = rel_path.trim_start_matches('/');
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    if CREDENTIAL_NAMES.contains(&lower.as_str()) {
        return true;
    }
    if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") || lower.ends_with(".ipynb") {
        return true;
    }
    if lower.ends_with(".pem") || lower.ends_with(".key") || lower.ends_with(".p8") {
        return true;
    }
    let parent_is = |suffix: &str| rel.len() > name.len() && rel[..rel.len() - name.len()].ends_with(suffix);
    (lower == "credentials" && parent_is(".aws/"))
        || (lower == "config" && (parent_is(".aws/") || parent_is(".git/") || parent_is(".kube/")))
        || (lower == "config.json" && parent_is(".docker/"))
        || ((lower == "token" || lower == "stored_tokens") && parent_is("huggingface/"))
        || (lower == "settings" && parent_is("wandb/"))
        || (lower == "hosts.yml" && parent_is("gh/"))
}

/// Package metadata files that embed the project README (documentation examples).
fn is_package_readme(rel: &str, lower_name: &str) -> bool {
    (lower_name == "metadata" && rel.contains(".dist-info/"))
        || (lower_name == "pkg-info" && rel.contains(".egg-info"))
        || (lower_name == "record" && rel.contains(".dist-info/"))
}

fn skipped_by_name(rel: &str, name: &str) -> bool {
    if SKIP_DIRS.iter().any(|d| rel.starts_with(d)) || is_third_party_noise(rel) {
        return true;
    }
    if is_package_readme(rel, &name.to_ascii_lowercase()) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, ext)) = lower.rsplit_once('.') {
        if SKIP_EXT.contains(&ext) {
            return true;
        }
        // versioned shared objects: libfoo.so.1.2
        if lower.contains(".so.") {
            return true;
        }
    }
    false
}

impl FileAnalyzer for SecretsAnalyzer {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn version(&self) -> u32 {
        2
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if !meta.is_file() || meta.size == 0 {
            return Interest::No;
        }
        let rel = meta.rel_path();
        if is_third_party_noise(meta.path) || SKIP_DIRS.iter().any(|d| rel.starts_with(d)) {
            return Interest::No;
        }
        if is_credential_file(rel) {
            return Interest::Yes;
        }
        if skipped_by_name(rel, meta.file_name()) {
            return Interest::No;
        }
        Interest::Sniff
    }

    fn required_by_content(&self, _meta: &EntryMeta<'_>, head: &[u8]) -> bool {
        !looks_binary(head)
    }

    fn max_size(&self) -> u64 {
        self.max_file_size.unwrap_or(u64::MAX)
    }

    fn streams(&self) -> bool {
        true
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let limit = self.max_file_size.unwrap_or(u64::MAX);
        let r = scan_reader(meta.path, meta.layer, content, limit).map_err(|e| match e {
            crate::SecretsError::Read { source, .. } => AnalyzerError::Io(source),
            other => AnalyzerError::parse(other.to_string()),
        })?;
        out.findings.extend(r.findings);
        if r.truncated {
            out.warnings.push(ScanWarning::at(
                self.name(),
                meta.location(),
                format!(
                    "not analysed for secrets beyond byte {} of {} (size limit set for this scan)",
                    r.bytes, meta.size
                ),
            ));
        }
        Ok(())
    }
}

/// Whole-image analyzer (`secrets-image-config`): image `Env`, labels, entrypoint/cmd and history.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageConfigSecretsAnalyzer;

impl ImageAnalyzer for ImageConfigSecretsAnalyzer {
    fn name(&self) -> &'static str {
        "secrets-image-config"
    }

    fn version(&self) -> u32 {
        2
    }

    fn analyze(&self, view: &ImageView<'_>, out: &mut Facts) -> Result<(), AnalyzerError> {
        if let Some(cfg) = view.config {
            out.findings.extend(scan_image_config(cfg));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_paths() {
        let a = SecretsAnalyzer::new();
        let yes = [
            "/root/.netrc",
            "/home/u/.git-credentials",
            "/root/.pypirc",
            "/etc/pip.conf",
            "/root/.docker/config.json",
            "/root/.aws/credentials",
            "/root/.kaggle/kaggle.json",
            "/root/.cache/huggingface/token",
            "repo/.git/config",
            ".env",
            ".env.production",
            "/root/.bash_history",
            "notebooks/train.ipynb",
        ];
        for p in yes {
            assert_eq!(a.required(&EntryMeta::file(p, 100, Some(0))), Interest::Yes, "{p}");
        }
        for p in [
            "/usr/lib/python3/dist-packages/websocket/tests/test_url.py",
            "/usr/local/lib/python3.11/site-packages/awscli/examples/ec2/run.rst",
            "/usr/lib/python3.11/test/certdata/keycert.pem",
            "/usr/local/lib/python3.11/site-packages/PyJWT-2.6.0.dist-info/METADATA",
            "/usr/share/doc/git/contrib/credential/netrc/test.netrc",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "model.safetensors",
            "/usr/share/zoneinfo/UTC",
            "w.pt",
        ] {
            assert_eq!(a.required(&EntryMeta::file(p, 100, Some(0))), Interest::No, "{p}");
        }
        assert_eq!(a.required(&EntryMeta::file("app/settings.py", 100, None)), Interest::Sniff);
        assert_eq!(a.required(&EntryMeta::file("app/settings.py", 0, None)), Interest::No);
        // no size cap: large files are streamed
        assert_eq!(a.required(&EntryMeta::file("big.log", 1 << 40, None)), Interest::Sniff);
        assert!(a.required_by_content(&EntryMeta::file("a", 3, None), b"abc"));
        assert!(!a.required_by_content(&EntryMeta::file("a", 3, None), b"\x7fELF\0\0"));
    }

    /// Endless filler text without keywords, then `tail`: a file of any size without holding it in memory.
    struct Filler {
        left: u64,
        tail: std::io::Cursor<Vec<u8>>,
    }

    impl Read for Filler {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return self.tail.read(buf);
            }
            const LINE: &[u8] = b"lorem ipsum dolor sit amet, consectetur adipiscing elit sed do\n";
            let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = LINE[(i + (self.left as usize)) % LINE.len()];
            }
            self.left -= n as u64;
            Ok(n)
        }
    }

    /// Fail closed (issue 11): files over 64 MiB used to be skipped; a secret past 64 MiB is found.
    #[test]
    fn secret_past_64_mib_is_found() {
        let tok = format!("\nHF_TOKEN=hf_{}\n", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp");
        let size = (65u64 << 20) + tok.len() as u64;
        let meta = EntryMeta::file("/data/train.log", size, Some(1));
        let a = SecretsAnalyzer::new();
        assert_eq!(a.required(&meta), Interest::Sniff);
        assert!(a.streams());
        let mut r = Filler { left: 65 << 20, tail: std::io::Cursor::new(tok.into_bytes()) };
        let mut facts = Facts::default();
        a.analyze(&meta, &mut r, &mut facts).unwrap();
        assert_eq!(facts.findings.len(), 1);
        assert_eq!(facts.findings[0].id, "SW-SEC-001");
        assert!(facts.findings[0].location.line.is_some_and(|l| l > 1_000_000));
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    }

    /// With an explicit byte limit, what is beyond it is reported as not analysed.
    #[test]
    fn bytes_beyond_an_explicit_limit_are_reported_not_analysed() {
        let meta = EntryMeta::file("/data/train.log", 5000, Some(1));
        let a = SecretsAnalyzer::new().with_max_file_size(1000);
        let mut r = Filler { left: 5000, tail: std::io::Cursor::new(Vec::new()) };
        let mut facts = Facts::default();
        a.analyze(&meta, &mut r, &mut facts).unwrap();
        assert_eq!(facts.warnings.len(), 1);
        assert!(facts.warnings[0].message.contains("not analysed"), "{}", facts.warnings[0].message);
    }

    #[test]
    fn analyze_pushes_findings_with_layer() {
        let tok = format!("ghp_{}", "Zq3v8LmT2pRx9WkBq8Zt2LmX9vKp3RwY7nBc");
        let text = format!("[url \"x\"]\n\turl = https://x-access-token:{tok}@github.com/org/repo\n");
        let meta = EntryMeta::file("/app/.git/config", text.len() as u64, Some(2));
        let mut facts = Facts::default();
        SecretsAnalyzer::new().analyze(&meta, &mut text.as_bytes(), &mut facts).unwrap();
        assert_eq!(facts.findings.len(), 1);
        let f = &facts.findings[0];
        assert_eq!(f.id, "SW-SEC-021");
        assert_eq!((f.location.layer, f.location.line), (Some(2), Some(2)));
    }
}
