//! # seawall-secrets — secret detection
//!
//! Finds credentials in files and image metadata: ML/AI provider tokens (Hugging Face, OpenAI,
//! Anthropic, W&B, Kaggle, Replicate, Cohere, Groq, LangSmith, Pinecone, Comet, Neptune, Mistral,
//! Together, Databricks, Amazon Bedrock), cloud and developer credentials (AWS, GCP, Azure, GitHub, GitLab, Slack,
//! Stripe, npm, PyPI, Docker Hub, registry `auth`, JWTs, private keys, database and basic-auth URLs,
//! `.netrc`, `Authorization` and API-key headers, `curl -u`) and generic high-entropy values assigned to
//! secret-like names.
//! Documentation examples and placeholders (`AKIAIOSFODNN7EXAMPLE`, `xxxx`, `changeme`, `<token>`,
//! `${VAR}`, `your_api_key_here`) are not findings.
//!
//! Inside installed third-party packages (`site-packages`, `node_modules`, conda `pkgs/`, …) a token on the
//! list of known public test tokens (`data/known-public-tokens.tsv`) is reported at INFO and any other
//! secret keeps its severity with `details["third_party"]`; see [`is_third_party`] and `docs/secrets.md`.
//!
//! Main items:
//! * [`RULES`] — the rule catalog entries (`SW-SEC-001` … `SW-SEC-048`), concatenated by `seawall-scan`.
//! * [`scan_text`] / [`scan_bytes`] — scan an in-memory file; [`scan_reader`] — scan a stream in
//!   overlapping chunks with bounded memory; [`scan_notebook`] — Jupyter cells and outputs.
//! * [`scan_assignment`] — one `NAME=value` pair where the name gives context (Dockerfile `ENV`/`ARG`,
//!   compose `environment`, Kubernetes `env`, image `Env`); used by `seawall-config`.
//! * [`redact_text`] / [`secret_spans`] — mask every secret in a free text (history lines, commands).
//! * [`scan_image_config`] — image `Env`, labels, entrypoint/cmd and history (BuildKit build args).
//! * [`SecretsAnalyzer`] (`secrets`) and [`ImageConfigSecretsAnalyzer`] (`secrets-image-config`) —
//!   the `seawall-analyzer` implementations the walker drives.
//!
//! The engine makes one pass per buffer: an Aho-Corasick keyword prefilter, then `regex-automata`
//! patterns on merged windows around keyword hits (linear time, no per-rule rescans). Findings are
//! [`seawall_core::Finding`]s of kind `secret` with a redacted value (first 4 characters and the length,
//! never the secret itself, also not in `message` or `Debug`) and a fingerprint
//! `stable_hash([rule id, path, sha256(secret)])` usable in `.seawallignore`.
//!
//! ```
//! use seawall_secrets::scan_text;
//! let token = format!("hf_{}", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp");
//! let findings = scan_text("app/.env", None, &format!("HF_TOKEN={token}\nDEBUG=1\n"));
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].id, "SW-SEC-001");
//! assert_eq!(findings[0].location.line, Some(1));
//! assert_eq!(findings[0].redacted.as_deref(), Some("hf_Q…(37 chars)"));
//! assert!(!format!("{:?}", findings[0]).contains(&token));
//!
//! // Placeholders are not findings.
//! assert!(scan_text("README.md", None, "export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").is_empty());
//! ```
#![deny(missing_docs)]

mod analyzer;
mod candidate;
mod checks;
mod detectors;
mod emit;
mod engine;
mod error;
mod generic;
mod image;
mod known;
mod notebook;
mod paths;
mod plain;
mod rules;
mod scan;
mod sniff;
mod validate;

pub use analyzer::{ImageConfigSecretsAnalyzer, SecretsAnalyzer, is_credential_file};
pub use emit::{SecretSpan, fingerprint, redact, redact_text, secret_spans};
pub use error::SecretsError;
pub use generic::Syntax;
pub use image::scan_image_config;
pub use notebook::scan_notebook;
pub use paths::{is_third_party, is_third_party_noise};
pub use rules::{RULES, rule};
pub use scan::{ReaderScan, scan_assignment, scan_bytes, scan_reader, scan_text};
pub use sniff::looks_binary;

/// How many leading bytes are sniffed for binary content.
pub(crate) const SNIFF: usize = 8192;

/// The longest secret match any detector can produce; chunked scans overlap by at least this much.
pub fn max_match_len() -> usize {
    engine::engine().map_or(0, |e| e.max_match_len())
}
