//! The trust rules of the catalog (`SW-TRUST-*`, `SW-BASE-*`), practice 2 ("use trusted base images").

use seawall_core::RuleMeta;

// Same shape as the rule tables of seawall-config (the shared `rules!` macro of seawall-core has not
// landed yet); here the finding kind is given per rule.
macro_rules! rules {
    ($(
        $name:ident = $id:literal, $kind:ident, $sev:ident, $practice:literal, $title:literal,
        why: $why:literal,
        fix: $fix:literal,
        refs: [$($r:literal),* $(,)?];
    )*) => {
        $(
            #[doc = $title]
            pub const $name: RuleMeta = RuleMeta {
                id: $id,
                kind: seawall_core::FindingKind::$kind,
                severity: seawall_core::Severity::$sev,
                practice: $practice,
                title: $title,
                rationale: $why,
                fix: $fix,
                references: &[$($r),*],
            };
        )*
        /// Every trust rule, in id order.
        pub static RULES: &[RuleMeta] = &[$($name),*];
    };
}

rules! {
    BASE_OUTDATED = "SW-BASE-001", Misconfiguration, Medium, 2, "Base image tag now points to a newer image",
        why: "The image was built on a base whose tag has since moved to a new digest: the base publisher rebuilt it, usually to ship security fixes. Until the image is rebuilt it keeps the old base's vulnerable packages, and the gap grows silently because nothing in the image itself changes.",
        fix: "Rebuild the image on the current base (and pin it by digest so the next move is a deliberate update):\n\n```dockerfile\nFROM python:3.12-slim@sha256:<new digest>\n```\n\nAutomate it: Renovate or Dependabot update `FROM … @sha256` pins when the tag moves.",
        refs: ["https://docs.docker.com/build/building/best-practices/#pin-base-image-versions", "https://github.com/opencontainers/image-spec/blob/main/annotations.md"];
    BASE_EOL = "SW-BASE-002", Misconfiguration, Medium, 2, "Base image is end-of-life",
        why: "The image's base (its OS release, Python or CUDA runtime as named by the base image) is past its end of life: no more security fixes are published, so every new vulnerability in it stays open.",
        fix: "Move to a supported base release, e.g.\n\n```dockerfile\nFROM python:3.12-slim-bookworm\n```",
        refs: ["https://endoflife.date/"];
    UNSIGNED = "SW-TRUST-001", Misconfiguration, High, 2, "Image is not signed by an accepted signer (policy requires it)",
        why: "The policy requires a signature for this repository, and none was found for the image digest (neither a cosign `sha256-<digest>.sig` signature nor a Sigstore bundle referrer). Without one nothing proves the image was built and published by you: a compromised registry account or a typo-squatted tag looks exactly the same.",
        fix: "Sign the image by digest in the pipeline that builds it, and verify before deploying:\n\n```sh\ncosign sign --key cosign.key registry.example/ml/app@sha256:…\nseawall verify image registry.example/ml/app@sha256:… --key cosign.pub\n```",
        refs: ["https://docs.sigstore.dev/cosign/signing/signing_with_containers/", "https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md"];
    SIGNATURE_INVALID = "SW-TRUST-002", Misconfiguration, Critical, 2, "Signature is invalid",
        why: "A signature is attached but does not hold: the signed payload names another digest, the content does not match what was signed (a modified layer, manifest or model file), the certificate does not chain to the trusted root, or the transparency-log proof is wrong. This is what tampering looks like.",
        fix: "Do not deploy the artifact. Find out how it was changed after signing (registry audit log), rebuild from a trusted pipeline and sign again. `seawall verify image REF --key …` prints the exact reason.",
        refs: ["https://docs.sigstore.dev/about/security/", "https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md"];
    SIGNER_NOT_ACCEPTED = "SW-TRUST-003", Misconfiguration, High, 2, "Signed, but not by a signer the policy accepts",
        why: "The signature is cryptographically valid but was made by a key or an identity (certificate subject and OIDC issuer) that `[trust]` does not accept. Anyone can obtain a valid Sigstore signature for their own identity; only the identity tells you who built it.",
        fix: "If the signer is legitimate, add it to `[trust]` in seawall.toml:\n\n```toml\n[trust]\nkeys = [\"keys/release.pub\"]\nidentities = [{ issuer = \"https://token.actions.githubusercontent.com\", subject_regex = \"https://github.com/acme/.*\" }]\n```\n\nOtherwise treat the artifact as untrusted.",
        refs: ["https://docs.sigstore.dev/cosign/verifying/verify/"];
    CERT_EXPIRED = "SW-TRUST-004", Misconfiguration, High, 2, "Signing certificate was not valid at signing time",
        why: "Keyless (Fulcio) certificates live for minutes; a signature counts only if the transparency log or a timestamp authority proves it was made while the certificate was valid. This one was made outside that window, so it could have been made with a leaked key after the fact.",
        fix: "Sign again with a fresh certificate (`cosign sign` does this) and make sure the signature is uploaded to the transparency log or timestamped.",
        refs: ["https://docs.sigstore.dev/certificate_authority/overview/"];
    PROVENANCE_MISSING = "SW-TRUST-005", Misconfiguration, Medium, 2, "No verified build provenance (policy requires it)",
        why: "The policy requires a signed SLSA provenance attestation for this repository and none verified. Provenance records which builder built the image from which source; without it a correctly signed image can still come from an unreviewed branch or a developer laptop.",
        fix: "Generate and attach provenance in the build, e.g. with the SLSA GitHub generator or `cosign attest --type slsaprovenance --predicate provenance.json --key cosign.key IMAGE@sha256:…`.",
        refs: ["https://slsa.dev/spec/v1.0/provenance", "https://docs.sigstore.dev/cosign/verifying/attestation/"];
    PROVENANCE_VIOLATION = "SW-TRUST-006", Misconfiguration, High, 2, "Build provenance violates the policy",
        why: "A verified SLSA provenance attestation says the image was built by a builder, from a source repository or with a build type that `[trust.provenance]` does not accept.",
        fix: "Build the image with an accepted builder from an accepted repository, or extend `[trust.provenance]` if the new builder or source is legitimate.",
        refs: ["https://slsa.dev/spec/v1.0/verifying-artifacts"];
    ATTESTATION_INVALID = "SW-TRUST-007", Misconfiguration, Medium, 2, "Attestation is invalid",
        why: "An attestation (an in-toto statement in a DSSE envelope: provenance, SBOM, …) is attached to the image but its signature does not verify with an accepted signer, or its subject is another image. Its claims cannot be used.",
        fix: "Re-create the attestation for this image digest with an accepted key or identity.",
        refs: ["https://github.com/in-toto/attestation/blob/main/spec/README.md"];
    MODEL_UNSIGNED = "SW-TRUST-010", Model, High, 2, "Model is not signed (policy requires it)",
        why: "No OpenSSF model signature (`model.sig`) was found or it could not be verified. Model weights are code-adjacent: a swapped file can carry a backdoor or a code-execution payload, and without a signature nothing ties the files to the team that trained them.",
        fix: "Sign the model directory when it is produced and verify it before use:\n\n```sh\nmodel_signing sign key --private_key signing.key --signature model.sig ./model\nseawall scan model ./model --require-signed --key signing.pub\n```",
        refs: ["https://github.com/sigstore/model-transparency", "https://pypi.org/project/model-signing/"];
    MODEL_FILE_MISMATCH = "SW-TRUST-011", Model, Critical, 2, "Model file does not match its signature",
        why: "The model's signed manifest lists this file with a digest, and the file on disk is different or missing: the model was modified after signing.",
        fix: "Do not load the model. Restore the files from the signed source, or re-sign if the change is intended.",
        refs: ["https://github.com/sigstore/model-transparency"];
    MODEL_FILE_UNSIGNED = "SW-TRUST-012", Model, High, 2, "File in a signed model is not covered by the signature",
        why: "The model directory holds a file the signed manifest does not list. Loaders pick up extra files (a `pytorch_model.bin` next to `model.safetensors`, a tokenizer with custom code), so an unsigned extra file defeats the signature.",
        fix: "Remove the file, or sign the directory again including it.",
        refs: ["https://github.com/sigstore/model-transparency"];
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_sorted() {
        let ids: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }
}
