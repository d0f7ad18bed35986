//! `seawall verify image|blob` and `seawall trust update|status`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use seawall_trust::{AcceptedIdentity, AcceptedKey, Signers, Subject, SubjectMatch, TrustRoot};

use crate::cli::Cli;
use crate::cli_trust::{SignerArgs, TrustAction, VerifyTarget};

/// Exit code: verified.
const VERIFIED: u8 = 0;
/// Exit code: not verified.
const NOT_VERIFIED: u8 = 1;

/// The accepted signers named on the command line.
pub(crate) fn signers(args: &SignerArgs) -> Result<Signers> {
    let mut s = Signers::default();
    for k in &args.key {
        s.keys.push(AcceptedKey::from_file(k)?);
    }
    if let Some(issuer) = &args.certificate_oidc_issuer {
        let subject = match (&args.certificate_identity, &args.certificate_identity_regexp) {
            (Some(id), _) => SubjectMatch::Exact(id.clone()),
            (None, Some(re)) => SubjectMatch::regex(re)?,
            (None, None) => bail!(
                "--certificate-oidc-issuer needs --certificate-identity or --certificate-identity-regexp"
            ),
        };
        s.identities.push(AcceptedIdentity { issuer: issuer.clone(), subject });
    }
    if s.is_empty() {
        bail!(
            "name the accepted signer: --key PUB.pem, or --certificate-identity ID --certificate-oidc-issuer URL"
        );
    }
    Ok(s)
}

/// The trusted root: `--trusted-root`, else the installed one, else the embedded public-good root.
pub(crate) fn trust_root(explicit: Option<&Path>) -> Result<TrustRoot> {
    let cache = seawall_walker::LayerCache::default_dir(crate::env::process());
    Ok(TrustRoot::resolve(explicit, cache.as_deref())?)
}

pub(crate) fn run(cli: &Cli, what: &VerifyTarget) -> Result<u8> {
    match what {
        VerifyTarget::Blob { bundle, signers: sargs, file } => {
            let signers = signers(sargs)?;
            let root = trust_root(sargs.trusted_root.as_deref())?;
            let bundle_json = fs_err::read_to_string(bundle)
                .with_context(|| format!("reading bundle {}", bundle.display()))?;
            let data;
            let subject = if let Some(hexd) = file.strip_prefix("sha256:") {
                let mut d = [0u8; 32];
                hex::decode_to_slice(hexd, &mut d).with_context(|| format!("bad digest {file}"))?;
                Subject::Sha256(d)
            } else {
                data = fs_err::read(file).with_context(|| format!("reading {file}"))?;
                Subject::Bytes(&data)
            };
            match seawall_trust::verify_bundle(&bundle_json, subject, &signers, &root) {
                Ok(v) => {
                    if !cli.quiet {
                        println!(
                            "verified: {file} signed by {} (transparency log: {})",
                            v.signer,
                            if v.tlog { "verified" } else { "none" }
                        );
                    }
                    Ok(VERIFIED)
                }
                Err(r) => {
                    println!("not verified: {file}: {r}");
                    Ok(NOT_VERIFIED)
                }
            }
        }
        VerifyTarget::Image { reference, signers: sargs, insecure, platform, json } => {
            crate::commands::verify_image::run(cli, reference, sargs, *insecure, platform.as_deref(), *json)
        }
    }
}

pub(crate) fn trust(cli: &Cli, action: &TrustAction) -> Result<u8> {
    let cache = seawall_walker::LayerCache::default_dir(crate::env::process())
        .ok_or_else(|| anyhow::anyhow!("no cache directory (set SEAWALL_CACHE_DIR or HOME)"))?;
    match action {
        TrustAction::Update { from } => {
            let dest = TrustRoot::install(from, &cache)?;
            if !cli.quiet {
                eprintln!("installed {} as {}", from.display(), dest.display());
            }
        }
        TrustAction::Status => {
            let r = TrustRoot::resolve(None, Some(&cache))?;
            let (ca, tl, ct, tsa) = r.counts();
            println!(
                "trusted root: {} ({ca} certificate authorities, {tl} transparency logs, {ct} CT logs, {tsa} timestamp authorities)",
                r.origin
            );
        }
    }
    Ok(0)
}
