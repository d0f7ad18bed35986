//! Trust checks during `seawall scan image|model` (kept apart from scan.rs).

use anyhow::{Context, Result};
use seawall_core::Report;
use seawall_policy::Policy;
use seawall_scan::ScanOptions;
use seawall_trust::apply::TrustSettings;

use crate::cli::ScanTarget;

pub(crate) fn apply(
    what: &ScanTarget,
    policy: &Policy,
    opts: &ScanOptions,
    report: &mut Report,
) -> Result<()> {
    let cfg = policy.config.trust.clone().unwrap_or_default();
    let base_dir = policy
        .config
        .path
        .as_deref()
        .and_then(|p| p.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let cache = seawall_walker::LayerCache::default_dir(crate::env::process());
    match what {
        ScanTarget::Image { reference, .. } => {
            let settings =
                TrustSettings::from_config(&cfg, &base_dir, cache.as_deref()).context("[trust]")?;
            seawall_trust::apply::check_image(report, reference, &settings, &opts.source);
        }
        ScanTarget::Model { path, require_signed, signature, signers, .. } => {
            let mut settings =
                TrustSettings::from_config(&cfg, &base_dir, cache.as_deref()).context("[trust]")?;
            if !signers.key.is_empty() || signers.certificate_oidc_issuer.is_some() {
                let extra = crate::commands::verify::signers(signers)?;
                settings.signers.keys.extend(extra.keys);
                settings.signers.identities.extend(extra.identities);
            }
            if let Some(root) = &signers.trusted_root {
                settings.root = seawall_trust::TrustRoot::from_file(root)?;
            }
            let required = *require_signed || settings.require_signed_models;
            let has_sig = signature
                .clone()
                .unwrap_or_else(|| path.join(seawall_trust::model::DEFAULT_SIGNATURE_FILE))
                .exists();
            if required || has_sig && !settings.signers.is_empty() {
                if required && settings.signers.is_empty() {
                    anyhow::bail!(
                        "--require-signed needs an accepted signer: --key PUB.pem, --certificate-identity … --certificate-oidc-issuer …, or [trust] keys/identities"
                    );
                }
                seawall_trust::apply::check_model(report, path, signature.as_deref(), &settings, required);
            }
        }
        ScanTarget::Fs { .. } | ScanTarget::Config { .. } => {}
    }
    Ok(())
}
