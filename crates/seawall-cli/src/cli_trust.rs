//! Flags of the trust commands (`verify`, `base`, `trust`) — kept apart from `cli.rs`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Who is accepted as signer: a public key, or a keyless identity (both flags together).
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct SignerArgs {
    /// Accept signatures made with this public key (PEM; repeatable).
    #[arg(long, value_name = "PUB.pem")]
    pub(crate) key: Vec<PathBuf>,
    /// Accept keyless signatures whose certificate names this subject (e-mail or URI); needs
    /// --certificate-oidc-issuer.
    #[arg(long, value_name = "ID", requires = "certificate_oidc_issuer")]
    pub(crate) certificate_identity: Option<String>,
    /// Like --certificate-identity, a regular expression matched against the whole subject.
    #[arg(
        long,
        value_name = "REGEX",
        requires = "certificate_oidc_issuer",
        conflicts_with = "certificate_identity"
    )]
    pub(crate) certificate_identity_regexp: Option<String>,
    /// The OIDC issuer of the accepted keyless identity.
    #[arg(long, value_name = "URL")]
    pub(crate) certificate_oidc_issuer: Option<String>,
    /// Trusted root (Sigstore trusted_root.json) instead of the installed or embedded public-good root.
    #[arg(long, value_name = "FILE")]
    pub(crate) trusted_root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VerifyTarget {
    /// Verify the signatures of an image in a registry (cosign `sha256-<digest>.sig` and OCI 1.1
    /// referrers carrying Sigstore bundles), then that every layer matches the signed manifest.
    /// Exit 0 verified, 1 not verified (reason printed), 2 error.
    Image {
        /// HOST[:PORT]/REPO[:TAG|@DIGEST].
        reference: String,
        #[command(flatten)]
        signers: SignerArgs,
        /// Allow plain HTTP for registries on loopback addresses.
        #[arg(long)]
        insecure: bool,
        /// Platform to pick from a multi-platform index (os/arch[/variant]).
        #[arg(long)]
        platform: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify a Sigstore bundle over a file (or `sha256:HEX`). Exit 0 verified, 1 not verified, 2 error.
    Blob {
        /// The Sigstore bundle (.sigstore.json).
        #[arg(long, value_name = "FILE")]
        bundle: PathBuf,
        #[command(flatten)]
        signers: SignerArgs,
        /// The signed file, or `sha256:HEX` for its digest.
        file: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BaseAction {
    /// Record the layer chains (diff_ids) of base images in the local base index.
    Index {
        /// Base image references (registry, oci:, docker-archive:, …).
        #[arg(required = true)]
        references: Vec<String>,
        /// Allow plain HTTP for registries on loopback addresses.
        #[arg(long)]
        insecure: bool,
        /// Platform to pick from a multi-platform index (os/arch[/variant]).
        #[arg(long)]
        platform: Option<String>,
        /// Index file (default: base-index.json in seawall's cache directory).
        #[arg(long, value_name = "FILE", env = crate::env::SEAWALL_BASE_INDEX)]
        index: Option<PathBuf>,
    },
    /// List the indexed bases.
    List {
        /// Index file (default: base-index.json in seawall's cache directory).
        #[arg(long, value_name = "FILE", env = crate::env::SEAWALL_BASE_INDEX)]
        index: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TrustAction {
    /// Install a Sigstore trusted root file (validated first) as the default for every verification.
    Update {
        /// The trusted_root.json to install.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// Show which trusted root is in use.
    Status,
}
