//! `seawall scan image REF`: one layer driver for random-access and streamed sources.
//!
//! For every stored blob (a blob that several layers reference is read and walked once):
//!
//! 1. **Cache, proven.** When the layer cache holds an entry for the blob digest the image claims
//!    (the manifest's descriptor, else — for uncompressed docker-save layers — the diff_id), the blob
//!    is hashed without being decompressed or analysed; only if its bytes hash to that digest are the
//!    cached facts used (as Docker and containerd trust a layer they hold by its content digest). The
//!    entry says which diff_id the blob has; a config claiming another one is a digest mismatch.
//!    A blob that does not prove the entry is walked (random-access sources reopen it; a streamed
//!    source cannot, and the layer is reported as not analysed).
//! 2. **Walk and verify in one pass.** The walker computes the blob digest and the diff_id on the
//!    bytes it reads; each layer's claims are compared with them. A mismatch is a
//!    `layer-digest-mismatch` warning naming the layer and both digests: the scan is incomplete (it
//!    fails `--fail-on`), and the facts found in the bytes actually read are still reported — they
//!    are what the image contains, hiding them would hide findings.
//! 3. **Cache only what verified.** A complete walk whose claims all verified is stored under its
//!    computed blob digest; nothing a claim merely asserts ever becomes a key.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use rayon::prelude::*;

use std::sync::Arc;

use seawall_core::{LayerInfo, Location, Report, ScanWarning, Target, TargetKind, WarningKind};
use seawall_source::{ImageMeta, ImageSource};
use seawall_walker::{LayerCache, LayerStore, LayerWalk, Walker, blob_digest, cache_key, squash};

use crate::fs::finish;
use crate::{ScanError, ScanOptions, registry};

/// Scans a container image given by reference (see `seawall_source::open` for the forms).
pub fn scan_image(reference: &str, opts: &ScanOptions) -> Result<Report, ScanError> {
    let source = seawall_source::open(reference, &opts.source)?;
    scan_source(source.as_ref(), opts)
}

/// One stored blob and the layers it stands for.
#[derive(Debug, Clone)]
struct Job {
    /// Layer indexes, ascending (at least one).
    indexes: Vec<u32>,
    /// The digest the stored bytes must have, when the image names it.
    blob_claim: Option<String>,
}

/// What the driver did with a blob.
enum Outcome {
    Walks(Vec<LayerWalk>),
    /// The blob did not prove its cache entry; read it again and walk it.
    Reopen,
}

/// Walks, verifies and caches layers; shared by both kinds of sources.
struct Driver<'a> {
    walker: &'a Walker,
    cache: Option<&'a dyn LayerStore>,
    fingerprint: String,
    /// The diff_id each layer's config entry claims.
    diff_ids: Vec<String>,
    opts: &'a ScanOptions,
    notices: Mutex<Vec<ScanWarning>>,
}

fn layer_loc(index: u32) -> Location {
    Location::file(format!("layer {index}")).with_layer(Some(index))
}

fn failed_layer(index: u32, kind: WarningKind, message: &str) -> LayerWalk {
    let mut w = LayerWalk { index, ..Default::default() };
    w.stats.incomplete = true;
    w.facts.warnings.push(ScanWarning::at("source", layer_loc(index), message).with_kind(kind));
    w
}

impl Driver<'_> {
    fn key(&self, blob: &str) -> String {
        cache_key(blob, self.walker.analyzers(), &self.fingerprint)
    }

    fn claimed_diff_id(&self, index: u32) -> Option<&str> {
        self.diff_ids.get(index as usize).map(String::as_str)
    }

    fn done(&self, index: u32, cached: bool) {
        if let Some(p) = &self.opts.progress {
            p.layer_done(index, 0, cached);
        }
    }

    /// Compares a walk's computed digests with the claims about layer `w.index`; a mismatch is a
    /// warning in the walk. True when every claim verified.
    fn verify(&self, w: &mut LayerWalk, blob_claim: Option<&str>) -> bool {
        let index = w.index;
        let Some(d) = w.digests.clone() else {
            // Not read to its end: the walk's own warning says why; nothing is verified.
            return false;
        };
        let mut ok = true;
        let mut mismatch = |message: String| {
            ok = false;
            w.facts.warnings.push(
                ScanWarning::at("source", layer_loc(index), message)
                    .with_kind(WarningKind::LayerDigestMismatch),
            );
        };
        if let Some(claim) = blob_claim {
            if !claim.starts_with("sha256:") {
                mismatch(format!("blob digest {claim} cannot be verified (only sha256 is supported)"));
            } else if claim != d.blob {
                mismatch(format!(
                    "blob digest mismatch: the manifest names {claim}, the {} bytes read hash to {}",
                    d.blob_size, d.blob
                ));
            }
        }
        match self.claimed_diff_id(index) {
            Some(claim) if !claim.starts_with("sha256:") => {
                mismatch(format!("diff_id {claim} cannot be verified (only sha256 is supported)"))
            }
            Some(claim) if claim != d.diff_id => mismatch(format!(
                "diff_id mismatch: the image config claims {claim}, the {} uncompressed bytes hash to {}",
                d.diff_size, d.diff_id
            )),
            Some(_) => {}
            None => mismatch("the image config lists no diff_id for this layer".to_string()),
        }
        ok
    }

    /// Handles one blob: a proven cache hit, or a walk with verification (and a cache store).
    fn run(&self, job: &Job, reader: &mut dyn Read, can_reopen: bool) -> Outcome {
        let first = job.indexes[0];
        let candidate = job.blob_claim.clone().or_else(|| self.claimed_diff_id(first).map(str::to_string));
        let lookup = |cache: &dyn LayerStore, candidate: &str| {
            cache
                .get(&self.key(candidate))
                .filter(|e| e.digests.as_ref().is_some_and(|d| d.blob == candidate))
        };
        let mut entry = None;
        // A shared store lets one scanner walk the layer while the others wait for its entry; the
        // guard is held until this blob's walk is stored.
        let mut _guard = None;
        if let (Some(cache), Some(candidate)) = (self.cache, candidate.as_deref()) {
            entry = lookup(cache, candidate);
            if entry.is_none() {
                _guard = cache.lock(&self.key(candidate));
                if _guard.is_some() {
                    entry = lookup(cache, candidate);
                }
            }
        }
        if let (Some(entry), Some(candidate)) = (entry, candidate) {
            return match blob_digest(reader) {
                Ok((actual, _)) if actual == candidate => Outcome::Walks(
                    job.indexes
                        .iter()
                        .map(|&i| {
                            let mut w = entry.for_layer(i);
                            self.verify(&mut w, job.blob_claim.as_deref());
                            self.done(i, true);
                            w
                        })
                        .collect(),
                ),
                Ok(_) if can_reopen => Outcome::Reopen,
                Ok((actual, size)) => Outcome::Walks(
                    job.indexes
                        .iter()
                        .map(|&i| {
                            self.done(i, false);
                            failed_layer(
                                i,
                                WarningKind::LayerDigestMismatch,
                                &format!(
                                    "blob digest mismatch: the image names {candidate}, the {size} bytes read hash to \
                                     {actual}; the layer was not analysed (its stream was consumed proving the cached \
                                     entry)"
                                ),
                            )
                        })
                        .collect(),
                ),
                Err(e) => Outcome::Walks(
                    job.indexes
                        .iter()
                        .map(|&i| {
                            self.done(i, false);
                            failed_layer(i, WarningKind::LayerUnreadable, &format!("cannot read layer blob: {e}"))
                        })
                        .collect(),
                ),
            };
        }
        Outcome::Walks(self.walk(job, reader))
    }

    /// Walks a blob, verifies every layer it stands for, stores it when all verified.
    fn walk(&self, job: &Job, reader: &mut dyn Read) -> Vec<LayerWalk> {
        let first = job.indexes[0];
        let walk = self.walker.walk_layer(first, reader);
        let mut walks: Vec<LayerWalk> =
            job.indexes.iter().map(|&i| if i == first { walk.clone() } else { walk.for_layer(i) }).collect();
        let mut verified = true;
        for w in &mut walks {
            verified &= self.verify(w, job.blob_claim.as_deref());
        }
        if verified
            && !walk.stats.incomplete
            && let (Some(cache), Some(d)) = (self.cache, &walk.digests)
            && let Err(e) = cache.put(&self.key(&d.blob), &walk)
            && let Ok(mut n) = self.notices.lock()
        {
            n.push(ScanWarning::notice("cache", format!("cannot write {}: {e}", cache.describe())));
        }
        for &i in &job.indexes {
            self.done(i, false);
        }
        walks
    }
}

/// Groups the layers of a random-access source by stored blob, largest first (the best order for a
/// few threads).
fn jobs(source: &dyn ImageSource, meta: &ImageMeta) -> Vec<Job> {
    let mut by_blob: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for l in &meta.layers {
        let key = source.blob_key(l.index).unwrap_or_else(|| format!("layer #{}", l.index));
        by_blob.entry(key).or_default().push(l.index);
    }
    let mut jobs: Vec<Job> = by_blob
        .into_values()
        .map(|mut indexes| {
            indexes.sort_unstable();
            let blob_claim = meta.layers.get(indexes[0] as usize).and_then(|l| l.digest.clone());
            Job { indexes, blob_claim }
        })
        .collect();
    let size = |j: &Job| meta.layers.get(j.indexes[0] as usize).map_or(0, |l| l.size);
    jobs.sort_by(|a, b| size(b).cmp(&size(a)).then(a.indexes.cmp(&b.indexes)));
    jobs
}

/// Scans an already opened image source.
pub fn scan_source(source: &dyn ImageSource, opts: &ScanOptions) -> Result<Report, ScanError> {
    let meta = source.meta();
    let walker = Walker::new(
        registry::file_analyzers_with(&opts.scanners, &opts.config_options()),
        opts.walk_limits(),
    );
    // Every store is keyed on a blob digest the driver verified on the bytes it read (a shared
    // fleet store as much as the local directory): no image can claim its way into another's facts.
    let local: Option<Arc<LayerCache>> = if opts.no_cache || opts.layer_store.is_some() {
        None
    } else {
        opts.cache_dir.clone().or_else(|| LayerCache::default_dir(&opts.env)).map(|d| {
            Arc::new(
                LayerCache::new(d)
                    .with_max_bytes(opts.cache_max_bytes.unwrap_or(seawall_walker::DEFAULT_MAX_BYTES)),
            )
        })
    };
    let cache: Option<Arc<dyn LayerStore>> = if opts.no_cache {
        None
    } else if let Some(s) = &opts.layer_store {
        Some(s.clone())
    } else {
        local.clone().map(|c| c as Arc<dyn LayerStore>)
    };
    if let Some(p) = &opts.progress {
        p.start(meta.layers.len(), meta.layers.iter().map(|l| l.size).sum());
        p.phase("walk");
    }
    let driver = Driver {
        walker: &walker,
        cache: cache.as_deref(),
        fingerprint: opts.fingerprint(),
        diff_ids: meta.layers.iter().map(|l| l.diff_id.clone()).collect(),
        opts,
        notices: Mutex::new(Vec::new()),
    };
    let mut warnings: Vec<ScanWarning> = Vec::new();
    let mut walks: Vec<LayerWalk> = if source.random_access() {
        jobs(source, meta)
            .par_iter()
            .with_max_len(1)
            .flat_map_iter(|job| {
                let open = || source.open_layer(job.indexes[0]);
                let unreadable = |e: &dyn std::fmt::Display| -> Vec<LayerWalk> {
                    job.indexes
                        .iter()
                        .map(|&i| {
                            driver.done(i, false);
                            failed_layer(i, WarningKind::LayerUnreadable, &format!("cannot read layer: {e}"))
                        })
                        .collect()
                };
                match open() {
                    Err(e) => unreadable(&e),
                    Ok(mut r) => match driver.run(job, &mut r, true) {
                        Outcome::Walks(w) => w,
                        Outcome::Reopen => match open() {
                            Ok(mut r) => driver.walk(job, &mut r),
                            Err(e) => unreadable(&e),
                        },
                    },
                }
            })
            .collect()
    } else {
        let mut out: Vec<LayerWalk> = Vec::new();
        let result = source.stream_layers(&mut |delivery, reader| {
            let mut indexes = delivery.indexes.clone();
            indexes.sort_unstable();
            indexes.dedup();
            if indexes.is_empty() {
                return Ok(());
            }
            let job = Job { indexes, blob_claim: delivery.blob_digest.clone() };
            if let Outcome::Walks(w) = driver.run(&job, reader, false) {
                out.extend(w);
            }
            Ok(())
        });
        if let Err(e) = result {
            warnings.push(
                ScanWarning::general("source", format!("image stream ended early: {e}"))
                    .with_kind(WarningKind::LayerUnreadable),
            );
        }
        out
    };
    // Every layer of the image has exactly one walk: the first delivered, or a failure.
    walks.sort_by_key(|w| w.index);
    walks.dedup_by_key(|w| w.index);
    for desc in &meta.layers {
        if walks.binary_search_by_key(&desc.index, |w| w.index).is_err() {
            walks.push(failed_layer(
                desc.index,
                WarningKind::LayerUnreadable,
                "cannot read layer: not delivered by the source",
            ));
            walks.sort_by_key(|w| w.index);
        }
    }
    warnings.extend(driver.notices.into_inner().unwrap_or_default());
    if let Some(c) = &local
        && let Err(e) = c.evict()
    {
        warnings.push(ScanWarning::notice(
            "cache",
            format!("cannot evict old entries in {}: {e}", c.dir().display()),
        ));
    }

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
    report.warnings.extend(warnings);
    report.normalize();
    Ok(report)
}
/// Masks every secret the secrets engine finds in a history `created_by` line (BuildKit records build
/// args verbatim: `RUN |1 HF_TOKEN=hf_… /bin/sh -c …`), so that the report never repeats one. Each
/// secret keeps its redacted form (first characters and length).
fn redact_created_by(text: &str) -> String {
    seawall_secrets::redact_text(text)
}
