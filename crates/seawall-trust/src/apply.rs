//! Trust checks applied to a scan report: image signatures and attestations, base-image lineage and
//! freshness, model signatures. Findings come from [`crate::rules`]; a [`TrustSummary`] goes into
//! `Report::trust` so every report format shows the status.

use std::path::{Path, PathBuf};

use seawall_core::{
    BaseImage, Finding, Location, Report, ScanWarning, TrustCheck, TrustSummary, WarningKind,
};
use seawall_policy::TrustConfig;
use seawall_source::{ImageRef, SourceOptions};

use crate::image::{CheckResult, ImageVerdict};
use crate::intoto::ProvenancePolicy;
use crate::lineage::BaseIndex;
use crate::model::ModelVerdict;
use crate::rules;
use crate::{AcceptedIdentity, AcceptedKey, RejectionKind, Signers, SubjectMatch, TrustError, TrustRoot};

/// Origin of trust warnings in reports.
const ORIGIN: &str = "trust";

/// Everything the trust checks need, resolved from `[trust]` (paths relative to seawall.toml).
#[derive(Debug, Clone)]
pub struct TrustSettings {
    /// Accepted signers.
    pub signers: Signers,
    /// The trusted root.
    pub root: TrustRoot,
    /// The provenance policy.
    pub provenance: ProvenancePolicy,
    /// Repository patterns that must be signed.
    pub require_signed: Vec<String>,
    /// Repository patterns that must carry verified provenance.
    pub require_provenance: Vec<String>,
    /// Models must be signed.
    pub require_signed_models: bool,
    /// The base-image index file.
    pub base_index: Option<PathBuf>,
}

impl TrustSettings {
    /// Settings from a `[trust]` section; `base_dir` is the directory of seawall.toml, `cache_dir`
    /// seawall's cache directory (installed trusted root, default base index).
    pub fn from_config(
        cfg: &TrustConfig,
        base_dir: &Path,
        cache_dir: Option<&Path>,
    ) -> Result<Self, TrustError> {
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base_dir.join(p) };
        let mut signers = Signers::default();
        for k in &cfg.keys {
            signers.keys.push(AcceptedKey::from_file(&resolve(k))?);
        }
        for id in &cfg.identities {
            let subject = match (&id.subject, &id.subject_regex) {
                (Some(s), None) => SubjectMatch::Exact(s.clone()),
                (None, Some(r)) => SubjectMatch::regex(r)?,
                _ => {
                    return Err(TrustError::Pattern {
                        pattern: id.issuer.clone(),
                        reason: "each [trust] identity needs exactly one of subject, subject_regex".into(),
                    });
                }
            };
            signers.identities.push(AcceptedIdentity { issuer: id.issuer.clone(), subject });
        }
        let root_path = cfg.trusted_root.as_deref().map(resolve);
        Ok(TrustSettings {
            signers,
            root: TrustRoot::resolve(root_path.as_deref(), cache_dir)?,
            provenance: ProvenancePolicy {
                required: false,
                builders: cfg.provenance.builders.clone(),
                source_repositories: cfg.provenance.source_repositories.clone(),
                build_types: cfg.provenance.build_types.clone(),
            },
            require_signed: cfg.require_signed.clone(),
            require_provenance: cfg.require_provenance.clone(),
            require_signed_models: cfg.require_signed_models,
            base_index: cfg
                .base_index
                .as_deref()
                .map(resolve)
                .or_else(|| cache_dir.map(BaseIndex::default_path)),
        })
    }
}

fn status(r: &CheckResult) -> String {
    match (r.rejection, r.violations.is_empty()) {
        (None, true) => "verified".into(),
        (None, false) => "policy-violation".into(),
        (Some(k), _) => k.as_str().into(),
    }
}

fn summary_check(r: &CheckResult) -> TrustCheck {
    let detail = match (&r.reason, &r.provenance) {
        (Some(reason), _) => Some(reason.clone()),
        (None, Some(p)) => Some(format!(
            "SLSA {} builder {} build type {}{}{}",
            p.slsa_version,
            p.builder_id,
            p.build_type,
            if p.sources.is_empty() { String::new() } else { format!(" source {}", p.sources.join(", ")) },
            if r.violations.is_empty() { String::new() } else { format!("; {}", r.violations.join("; ")) }
        )),
        _ => None,
    };
    TrustCheck {
        kind: r.kind.clone(),
        source: r.source.clone(),
        status: status(r),
        signer: r.signer.clone(),
        predicate_type: r.predicate_type.clone(),
        detail,
    }
}

fn rule_for(kind: RejectionKind) -> &'static seawall_core::RuleMeta {
    match kind {
        RejectionKind::Invalid => &rules::SIGNATURE_INVALID,
        RejectionKind::SignerNotAccepted => &rules::SIGNER_NOT_ACCEPTED,
        RejectionKind::CertificateExpired => &rules::CERT_EXPIRED,
    }
}

/// The findings for an image verdict. `required`/`provenance_required`: whether `[trust]` requires a
/// signature / provenance for this repository. Invalid signatures are findings even when not required
/// (tampering is always worth reporting); unaccepted signers only when a signature is required.
pub fn image_findings(
    v: &ImageVerdict,
    name: &str,
    required: bool,
    provenance_required: bool,
) -> Vec<Finding> {
    let loc = Location::file(name);
    let mut out = Vec::new();
    let signed = v.signed();
    for r in &v.results {
        let f = match (r.kind.as_str(), r.rejection) {
            ("signature", Some(k)) if k == RejectionKind::Invalid || (required && !signed) => {
                Finding::from_rule(rule_for(k))
            }
            ("attestation", Some(RejectionKind::Invalid)) => Finding::from_rule(&rules::ATTESTATION_INVALID),
            ("attestation", Some(k)) if provenance_required => Finding::from_rule(rule_for(k)),
            ("attestation", None) if !r.violations.is_empty() => Finding::from_rule(
                &rules::PROVENANCE_VIOLATION,
            )
            .with_message(format!("{}: {}", r.source, r.violations.join("; "))),
            _ => continue,
        };
        let f = if f.message.is_empty() || r.reason.is_some() {
            f.with_message(format!("{}: {}", r.source, r.reason.clone().unwrap_or_default()))
        } else {
            f
        };
        out.push(
            f.with_location(loc.clone())
                .with_detail("digest", v.digest.clone())
                .with_detail("source", r.source.clone()),
        );
    }
    if required && !signed && !v.results.iter().any(|r| r.kind == "signature") {
        out.push(
            Finding::from_rule(&rules::UNSIGNED)
                .with_message(format!("no signature found for {}", v.digest))
                .with_location(loc.clone())
                .with_detail("digest", v.digest.clone()),
        );
    }
    if provenance_required
        && !v.provenance_ok()
        && !v.results.iter().any(|r| r.provenance.is_some() && r.rejection.is_none())
    {
        out.push(
            Finding::from_rule(&rules::PROVENANCE_MISSING)
                .with_message(format!("no verified SLSA provenance for {}", v.digest))
                .with_location(loc)
                .with_detail("digest", v.digest.clone()),
        );
    }
    out
}

/// Signatures, attestations and base lineage of a scanned image, into `report`.
pub fn check_image(report: &mut Report, reference: &str, settings: &TrustSettings, opts: &SourceOptions) {
    let mut summary = TrustSummary::default();
    let registry_ref = match ImageRef::parse(reference) {
        Ok(ImageRef::Registry(r)) => Some(r),
        _ => None,
    };
    let repo = registry_ref.as_ref().map(|r| format!("{}/{}", r.registry, r.repository)).unwrap_or_default();
    let required = TrustConfig::matches(&settings.require_signed, &repo);
    let provenance_required = TrustConfig::matches(&settings.require_provenance, &repo);
    let check_signatures = !settings.signers.is_empty() || required || provenance_required;
    // Signatures name the manifest digest; the scan report names the config it read. Resolve the
    // manifest again and insist that it is the one whose config was scanned (the tag may have moved).
    let mut manifest_digest = None;
    if check_signatures && let Some(_) = &registry_ref {
        match seawall_source::open(reference, opts) {
            Ok(src) => {
                let meta = src.meta();
                if report.target.digest.as_deref() == Some(meta.config_digest.as_str()) {
                    manifest_digest = meta.digest.clone();
                } else {
                    report.warnings.push(ScanWarning::general(
                        ORIGIN,
                        format!(
                            "{reference} now resolves to config {}, the scan read {}: signatures not checked",
                            meta.config_digest,
                            report.target.digest.as_deref().unwrap_or("?")
                        ),
                    ));
                }
            }
            Err(e) => {
                report.warnings.push(ScanWarning::general(ORIGIN, format!("manifest not resolved: {e}")))
            }
        }
    }
    match (&registry_ref, manifest_digest) {
        _ if !check_signatures => {}
        (Some(r), Some(digest)) => match crate::image::covering_digests(r, &digest, opts).and_then(|ds| {
            crate::image::verify_image_digests(
                r,
                &ds,
                &settings.signers,
                &settings.root,
                &settings.provenance,
                opts,
            )
        }) {
            Ok(verdict) => {
                for p in &verdict.problems {
                    report.warnings.push(ScanWarning::general(ORIGIN, p.clone()));
                }
                report.findings.extend(image_findings(&verdict, reference, required, provenance_required));
                // A signature covers the manifest; the manifest names the layers. Layers that did not
                // match their digests (or could not be read) mean the signed content was not what we read.
                let broken: Vec<String> = report
                    .warnings
                    .iter()
                    .filter(|w| {
                        matches!(w.kind, WarningKind::LayerDigestMismatch | WarningKind::LayerUnreadable)
                            || (w.origin == "source"
                                && w.location.as_ref().is_some_and(|l| l.layer.is_some()))
                    })
                    .map(ScanWarning::render)
                    .collect();
                if verdict.signed() && !broken.is_empty() {
                    report.findings.push(
                        Finding::from_rule(&rules::SIGNATURE_INVALID)
                            .with_message(format!(
                                "signed manifest, but its layers do not match: {}",
                                broken.join("; ")
                            ))
                            .with_location(Location::file(reference))
                            .with_detail("digest", digest.clone()),
                    );
                }
                summary.signed = verdict.signed() && broken.is_empty();
                summary.checks = verdict.results.iter().map(summary_check).collect();
            }
            Err(e) => {
                report.warnings.push(ScanWarning::general(ORIGIN, format!("signatures not checked: {e}")));
                if required {
                    report.findings.push(
                        Finding::from_rule(&rules::UNSIGNED)
                            .with_message(format!("signatures could not be read: {e}"))
                            .with_location(Location::file(reference)),
                    );
                }
            }
        },
        _ => {
            let why = if registry_ref.is_none() {
                "signatures are stored in registries; this image reference is not one"
            } else {
                "the image has no manifest digest"
            };
            let msg = format!("signatures not checked: {why}");
            // Not verifying what the policy requires makes the scan incomplete; otherwise it is a notice.
            report.warnings.push(if required || provenance_required {
                ScanWarning::general(ORIGIN, msg)
            } else {
                ScanWarning::notice(ORIGIN, msg)
            });
            if required {
                report.findings.push(
                    Finding::from_rule(&rules::UNSIGNED)
                        .with_message(format!("signature required but not verifiable: {why}"))
                        .with_location(Location::file(reference)),
                );
            }
        }
    }
    summary.base = check_base(report, reference, settings, opts);
    if check_signatures || summary.base.is_some() {
        report.trust = Some(summary);
    }
}

/// Attributes the image to an indexed base (or its OCI base annotations) and checks freshness and EOL.
fn check_base(
    report: &mut Report,
    reference: &str,
    settings: &TrustSettings,
    opts: &SourceOptions,
) -> Option<BaseImage> {
    let diff_ids: Vec<String> = report.target.layers.iter().map(|l| l.diff_id.clone()).collect();
    let mut base = None;
    if let Some(path) = &settings.base_index {
        match BaseIndex::load(path) {
            Ok(idx) => {
                if let Some(a) = idx.attribute(&diff_ids) {
                    base = Some(BaseImage {
                        name: a.base.name.clone(),
                        digest: Some(a.base.digest.clone()),
                        via: "index".into(),
                        layers: u32::try_from(a.base.diff_ids.len()).unwrap_or(u32::MAX),
                        newer_digest: a.newer_digest.map(str::to_string),
                    });
                }
            }
            Err(e) => report.warnings.push(ScanWarning::notice(ORIGIN, format!("base index not read: {e}"))),
        }
    }
    if base.is_none() {
        base = annotated_base(reference, opts);
    }
    let mut base = base?;
    // The tag may have moved since the index was built: ask the registry when allowed.
    if base.newer_digest.is_none()
        && base.name != reference
        && let Ok(ImageRef::Registry(r)) = ImageRef::parse(&base.name)
        && r.digest.is_none()
    {
        {
            match seawall_source::open(&base.name, opts) {
                Ok(src) => {
                    let now = src.meta().digest.clone().unwrap_or_else(|| src.meta().config_digest.clone());
                    if base.digest.as_deref().is_some_and(|d| d != now) {
                        base.newer_digest = Some(now);
                    }
                }
                Err(e) => report.warnings.push(ScanWarning::notice(
                    ORIGIN,
                    format!("base {} not re-checked for a newer digest: {e}", base.name),
                )),
            }
        }
    }
    let loc = Location::file(reference);
    if let Some(newer) = &base.newer_digest {
        report.findings.push(
            Finding::from_rule(&rules::BASE_OUTDATED)
                .with_message(format!(
                    "built on {}@{}; the tag now points to {newer}",
                    base.name,
                    base.digest.as_deref().unwrap_or("?")
                ))
                .with_location(loc.clone())
                .with_detail("base", base.name.clone())
                .with_detail("newer_digest", newer.clone()),
        );
    }
    let today = jiff::ZonedDateTime::now().date().to_string();
    for (product, version, eol) in seawall_config::tables::image_eol(&base.name, &today) {
        report.findings.push(
            Finding::from_rule(&rules::BASE_EOL)
                .with_message(format!("base {}: {product} {version} is end-of-life since {eol}", base.name))
                .with_location(loc.clone())
                .with_detail("base", base.name.clone()),
        );
    }
    Some(base)
}

/// The base named by `org.opencontainers.image.base.name` / `.digest` (config labels, or the registry
/// manifest's annotations).
fn annotated_base(reference: &str, opts: &SourceOptions) -> Option<BaseImage> {
    const NAME: &str = "org.opencontainers.image.base.name";
    const DIGEST: &str = "org.opencontainers.image.base.digest";
    let mut annotations = std::collections::BTreeMap::new();
    if let Ok(ImageRef::Registry(r)) = ImageRef::parse(reference)
        && let Ok(reg) = seawall_source::RegistryArtifacts::connect(&r, opts)
        && let Ok(Some((_, bytes))) = reg.manifest(r.manifest_reference())
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(a) = v.get("annotations").and_then(|a| a.as_object())
    {
        for (k, v) in a {
            if let Some(s) = v.as_str() {
                annotations.insert(k.clone(), s.to_string());
            }
        }
    }
    let name = annotations.get(NAME).cloned()?;
    Some(BaseImage {
        name,
        digest: annotations.get(DIGEST).cloned(),
        via: "annotation".into(),
        layers: 0,
        newer_digest: None,
    })
}

/// The findings and summary for a model signature verdict.
pub fn model_findings(v: &ModelVerdict, required: bool) -> (Vec<Finding>, TrustCheck) {
    let mut out = Vec::new();
    let sig_loc = Location::file(&v.signature);
    if let (Some(k), Some(reason)) = (v.rejection, &v.reason) {
        if k == RejectionKind::Invalid || required {
            out.push(
                Finding::from_rule(rule_for(k)).with_message(reason.clone()).with_location(sig_loc.clone()),
            );
        }
        if required {
            out.push(
                Finding::from_rule(&rules::MODEL_UNSIGNED)
                    .with_message(format!("no accepted model signature: {reason}"))
                    .with_location(sig_loc.clone()),
            );
        }
    }
    for p in &v.modified {
        out.push(
            Finding::from_rule(&rules::MODEL_FILE_MISMATCH)
                .with_message(format!("{p} differs from the signed digest"))
                .with_location(Location::file(p)),
        );
    }
    for p in &v.missing {
        out.push(
            Finding::from_rule(&rules::MODEL_FILE_MISMATCH)
                .with_message(format!("{p} is signed but missing"))
                .with_location(Location::file(p)),
        );
    }
    for p in &v.unsigned {
        out.push(
            Finding::from_rule(&rules::MODEL_FILE_UNSIGNED)
                .with_message(format!("{p} is not in the signed manifest"))
                .with_location(Location::file(p)),
        );
    }
    let status = match v.rejection {
        Some(k) => k.as_str().to_string(),
        None if v.verified() => "verified".to_string(),
        None => "invalid".to_string(),
    };
    let detail = v.reason.clone().or_else(|| {
        (!v.verified()).then(|| {
            format!(
                "{} modified, {} missing, {} unsigned of {} signed files",
                v.modified.len(),
                v.missing.len(),
                v.unsigned.len(),
                v.files_checked + v.missing.len()
            )
        })
    });
    let check = TrustCheck {
        kind: "model-signature".into(),
        source: v.signature.clone(),
        status,
        signer: v.signer.clone(),
        predicate_type: Some(crate::model::MODEL_SIGNING_PREDICATE.into()),
        detail,
    };
    (out, check)
}

/// Verifies the model signature of `dir` into `report`. A missing signature file is a finding when
/// required and a summary entry otherwise; an unreadable one is a warning.
pub fn check_model(
    report: &mut Report,
    dir: &Path,
    signature: Option<&Path>,
    settings: &TrustSettings,
    required: bool,
) {
    let sig =
        signature.map(Path::to_path_buf).unwrap_or_else(|| dir.join(crate::model::DEFAULT_SIGNATURE_FILE));
    let mut summary = report.trust.take().unwrap_or_default();
    if !sig.exists() {
        if required {
            report.findings.push(
                Finding::from_rule(&rules::MODEL_UNSIGNED)
                    .with_message(format!("no model signature at {}", sig.display()))
                    .with_location(Location::file(dir.display().to_string())),
            );
        }
        report.trust = Some(summary);
        return;
    }
    match crate::model::verify_model(dir, Some(&sig), &settings.signers, &settings.root) {
        Ok(v) => {
            let (findings, check) = model_findings(&v, required);
            report.findings.extend(findings);
            summary.signed = v.verified();
            summary.checks.push(check);
        }
        Err(e) => {
            report.warnings.push(ScanWarning::general(ORIGIN, format!("model signature not verified: {e}")));
            if required {
                report.findings.push(
                    Finding::from_rule(&rules::MODEL_UNSIGNED)
                        .with_message(format!("model signature not verified: {e}"))
                        .with_location(Location::file(sig.display().to_string())),
                );
            }
        }
    }
    report.trust = Some(summary);
}
