//! `seawall verify image`: signatures of an image in a registry, then its layers against the signed
//! manifest.

use anyhow::{Context, Result, bail};
use seawall_source::{ImageRef, SourceOptions};
use seawall_trust::image::{covering_digests, verify_image_digests};
use seawall_trust::intoto::ProvenancePolicy;

use crate::cli::Cli;
use crate::cli_trust::SignerArgs;

pub(crate) fn run(
    cli: &Cli,
    reference: &str,
    sargs: &SignerArgs,
    insecure: bool,
    platform: Option<&str>,
    json: bool,
) -> Result<u8> {
    let signers = crate::commands::verify::signers(sargs)?;
    let root = crate::commands::verify::trust_root(sargs.trusted_root.as_deref())?;
    let ImageRef::Registry(rref) = ImageRef::parse(reference)? else {
        bail!(
            "verify image needs a registry reference (HOST[:PORT]/REPO[:TAG|@DIGEST]): signatures are stored in registries"
        );
    };
    let mut opts = SourceOptions::default();
    opts.env = crate::env::process().clone();
    opts.insecure = insecure;
    opts.platform = platform.map(str::to_string);
    let source =
        seawall_source::open(reference, &opts).with_context(|| format!("cannot open {reference}"))?;
    let digest = source.meta().digest.clone().context("the registry gave no manifest digest")?;
    // Signatures on the manifest, or on the multi-platform index that lists it.
    let digests = covering_digests(&rref, &digest, &opts)?;
    let verdict =
        verify_image_digests(&rref, &digests, &signers, &root, &ProvenancePolicy::default(), &opts)?;
    let signed = verdict.signed();
    // A signature covers the manifest digest; the manifest names the layer digests. Read every layer
    // and check it against its digest, so a verified signature means verified content.
    let mut layer_problems = Vec::new();
    if signed {
        for layer in &source.meta().layers {
            // Sources deliver blobs as stored; the digest is computed here on the bytes read.
            let Some(claim) = layer.digest.as_deref() else {
                layer_problems.push(format!("layer {}: the manifest names no digest for it", layer.index));
                continue;
            };
            match source.open_layer(layer.index).map_err(anyhow::Error::from).and_then(|mut r| {
                seawall_walker::blob_digest(&mut r).map_err(|e| anyhow::anyhow!("cannot read layer blob: {e}"))
            }) {
                Ok((actual, size)) if actual != claim => layer_problems.push(format!(
                    "layer {}: blob digest mismatch: the signed manifest names {claim}, the {size} bytes read hash to {actual}",
                    layer.index
                )),
                Ok(_) => {}
                Err(e) => layer_problems.push(format!("layer {} ({claim}): {e:#}", layer.index)),
            }
        }
    }
    let verified = signed && layer_problems.is_empty() && verdict.problems.is_empty();
    if json {
        let v = serde_json::json!({
            "reference": reference,
            "digest": digest,
            "verified": verified,
            "results": verdict.results,
            "problems": verdict.problems,
            "layer_problems": layer_problems,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for r in &verdict.results {
            let what = r.predicate_type.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
            match (&r.signer, &r.reason) {
                (Some(s), None) => println!(
                    "  {}{what} from {}: verified, signed by {s}{}{}",
                    r.kind,
                    r.source,
                    if r.tlog { ", transparency log verified" } else { "" },
                    if r.violations.is_empty() {
                        String::new()
                    } else {
                        format!("; policy: {}", r.violations.join("; "))
                    }
                ),
                (_, reason) => println!(
                    "  {}{what} from {}: {} — {}",
                    r.kind,
                    r.source,
                    r.rejection.map(|k| k.as_str()).unwrap_or("rejected"),
                    reason.as_deref().unwrap_or("")
                ),
            }
        }
        for p in verdict.problems.iter().chain(&layer_problems) {
            println!("  problem: {p}");
        }
        if verified {
            if !cli.quiet {
                println!(
                    "verified: {reference} ({digest}): {} layers match the signed manifest",
                    source.meta().layers.len()
                );
            }
        } else if signed {
            println!(
                "not verified: {reference} ({digest}): signed, but the content does not match what was signed"
            );
        } else if verdict.results.iter().all(|r| r.kind != "signature") {
            println!("not verified: {reference} ({digest}): no signature found");
        } else {
            println!("not verified: {reference} ({digest}): no signature from an accepted signer verified");
        }
    }
    Ok(if verified { 0 } else { 1 })
}
