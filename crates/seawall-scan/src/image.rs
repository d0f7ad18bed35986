//! `seawall scan image REF`.

use std::sync::Mutex;

use rayon::prelude::*;

use seawall_core::{LayerInfo, Report, ScanWarning, Target, TargetKind};
use seawall_source::ImageSource;
use std::sync::Arc;

use seawall_walker::{LayerCache, LayerStore, LayerWalk, Walker, cache_key, squash};

use crate::fs::finish;
use crate::{ScanError, ScanOptions, registry};

/// Scans a container image given by reference (see `seawall_source::open` for the forms).
pub fn scan_image(reference: &str, opts: &ScanOptions) -> Result<Report, ScanError> {
    let source = seawall_source::open(reference, &opts.source)?;
    scan_source(source.as_ref(), opts)
}

/// Scans an already opened image source.
pub fn scan_source(source: &dyn ImageSource, opts: &ScanOptions) -> Result<Report, ScanError> {
    let meta = source.meta();
    let walker = Walker::new(
        registry::file_analyzers_with(&opts.scanners, &opts.config_options()),
        Default::default(),
    );
    // A shared store (fleet mode) is keyed on the layer blob's digest, which the source verifies on
    // the bytes it reads: no image can claim its way into another image's facts.
    let shared = opts.layer_store.is_some();
    let cache: Option<Arc<dyn LayerStore>> = if opts.no_cache {
        None
    } else if let Some(s) = &opts.layer_store {
        Some(s.clone())
    } else {
        opts.cache_dir
            .clone()
            .or_else(LayerCache::default_dir)
            .map(|d| Arc::new(LayerCache::new(d)) as Arc<dyn LayerStore>)
    };
    if let Some(p) = &opts.progress {
        p.start(meta.layers.len(), meta.layers.iter().map(|l| l.size).sum());
        p.phase("walk");
    }
    let key_of = |desc: &seawall_source::LayerDesc| -> Option<String> {
        let id = if shared { desc.digest.as_deref()? } else { desc.diff_id.as_str() };
        Some(cache_key(id, walker.analyzers(), &opts.fingerprint()))
    };
    let cached = |index: u32| -> Option<LayerWalk> {
        let c = cache.as_ref()?;
        let desc = meta.layers.get(index as usize)?;
        let mut w = c.get(&key_of(desc)?)?;
        w.index = index;
        w.facts.set_layer(Some(index));
        Some(w)
    };
    let store = |w: &LayerWalk| -> Option<ScanWarning> {
        let c = cache.as_ref()?;
        if w.stats.incomplete {
            return None;
        }
        let desc = meta.layers.get(w.index as usize)?;
        c.put(&key_of(desc)?, w)
            .err()
            .map(|e| ScanWarning::notice("cache", format!("cannot write {}: {e}", c.describe())))
    };
    let warnings = Mutex::new(Vec::new());
    let mut walks: Vec<LayerWalk> = if source.random_access() {
        meta.layers
            .par_iter()
            .map(|desc| {
                if let Some(w) = cached(desc.index) {
                    if let Some(p) = &opts.progress {
                        p.layer_done(desc.index, desc.size, true);
                    }
                    return w;
                }
                // A shared store lets one scanner walk the layer while others wait for its entry.
                let _guard = cache.as_ref().zip(key_of(desc)).and_then(|(c, k)| c.lock(&k));
                if _guard.is_some()
                    && let Some(w) = cached(desc.index)
                {
                    if let Some(p) = &opts.progress {
                        p.layer_done(desc.index, desc.size, true);
                    }
                    return w;
                }
                let w = match source.open_layer(desc.index) {
                    Ok(mut r) => {
                        let w = walker.walk_layer(desc.index, &mut r);
                        // Read the blob to its end (tar padding the walk does not need), so that the
                        // source verifies its digest on the final read.
                        drain(&mut r, desc.index, w)
                    }
                    Err(e) => failed_layer(desc.index, &e.to_string()),
                };
                if let Some(warn) = store(&w)
                    && let Ok(mut v) = warnings.lock()
                {
                    v.push(warn);
                }
                if let Some(p) = &opts.progress {
                    p.layer_done(desc.index, desc.size, false);
                }
                w
            })
            .collect()
    } else {
        let mut out = Vec::new();
        let result = source.stream_layers(&mut |index, reader| {
            let w = match cached(index) {
                Some(w) => {
                    // The stream has to be consumed anyway; the cached facts save the analysis.
                    let _ = std::io::copy(reader, &mut std::io::sink());
                    w
                }
                None => {
                    let w = walker.walk_layer(index, reader);
                    let w = drain(reader, index, w);
                    if let Some(warn) = store(&w)
                        && let Ok(mut v) = warnings.lock()
                    {
                        v.push(warn);
                    }
                    w
                }
            };
            if let Some(p) = &opts.progress {
                p.layer_done(index, 0, false);
            }
            out.push(w);
            Ok(())
        });
        if let Err(e) = result
            && let Ok(mut v) = warnings.lock()
        {
            v.push(
                ScanWarning::general("source", format!("image stream ended early: {e}"))
                    .with_kind(seawall_core::WarningKind::LayerUnreadable),
            );
        }
        for desc in &meta.layers {
            if !out.iter().any(|w| w.index == desc.index) {
                out.push(failed_layer(desc.index, "layer not delivered by the source"));
            }
        }
        out
    };
    walks.sort_by_key(|w| w.index);

    // Streamed sources (the Docker Engine) know the exact config and layer sizes only after the stream.
    let meta = source.meta();
    let mut target = Target::new(TargetKind::Image, meta.name.clone());
    target.digest = Some(meta.config_digest.clone());
    target.layers = meta
        .layers
        .iter()
        .map(|d| LayerInfo {
            index: d.index,
            diff_id: d.diff_id.clone(),
            digest: None,
            size: walks.get(d.index as usize).map(|w| w.stats.uncompressed_bytes).unwrap_or(0),
            created_by: meta
                .config
                .history_index_for_layer(d.index as usize)
                .and_then(|i| meta.config.history.get(i))
                .map(|h| redact_created_by(&h.created_by)),
        })
        .collect();

    let squashed = squash(&walks);
    let mut report = finish(target, squashed, Some(&meta.config), opts)?;
    report.warnings.extend(warnings.into_inner().unwrap_or_default());
    report.normalize();
    Ok(report)
}

/// Consumes what is left of a layer blob; a read error there (digest mismatch, truncated blob) marks
/// the layer incomplete with a warning.
fn drain(reader: &mut dyn std::io::Read, index: u32, mut w: LayerWalk) -> LayerWalk {
    if let Err(e) = std::io::copy(reader, &mut std::io::sink()) {
        w.stats.incomplete = true;
        w.facts.warnings.push(ScanWarning::at(
            "source",
            seawall_core::Location::file(format!("layer {index}")).with_layer(Some(index)),
            format!("layer blob could not be read to its end: {e}"),
        ));
    }
    w
}

fn failed_layer(index: u32, message: &str) -> LayerWalk {
    let mut w = LayerWalk { index, ..Default::default() };
    w.stats.incomplete = true;
    w.facts.warnings.push(
        ScanWarning::at(
            "source",
            seawall_core::Location::file(format!("layer {index}")).with_layer(Some(index)),
            format!("cannot read layer: {message}"),
        )
        .with_kind(seawall_core::WarningKind::LayerUnreadable),
    );
    w
}

/// Masks every secret the secrets engine finds in a history `created_by` line (BuildKit records build
/// args verbatim: `RUN |1 HF_TOKEN=hf_… /bin/sh -c …`), so that the report never repeats one. Each
/// secret keeps its redacted form (first characters and length).
fn redact_created_by(text: &str) -> String {
    seawall_secrets::redact_text(text)
}
