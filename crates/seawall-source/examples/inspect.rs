//! Prints an image's metadata and, for each layer, the number of bytes read from its blob.
//!
//! `cargo run -p seawall-source --example inspect -- [--platform os/arch] [--insecure] [--parallel] REF`
//!
//! Blobs are read as stored, not verified (`seawall scan image` verifies them while it walks).
#![expect(clippy::print_stdout, reason = "an example program: what it prints is its output")]

use std::io::Read;
use std::time::Instant;

use seawall_source::{LayerDelivery, SourceError, SourceOptions, open};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = SourceOptions::default();
    let mut reference = None;
    let mut parallel = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--platform" => opts.platform = args.next(),
            "--insecure" => opts.insecure = true,
            "--parallel" => parallel = true,
            _ => reference = Some(a),
        }
    }
    let reference = reference.ok_or("usage: inspect [--platform os/arch] [--insecure] REF")?;
    let t0 = Instant::now();
    let source = open(&reference, &opts)?;
    let meta = source.meta().clone();
    println!("name:          {}", meta.name);
    println!("digest:        {}", meta.digest.as_deref().unwrap_or("-"));
    println!("config_digest: {}", meta.config_digest);
    println!("platform:      {}/{}", meta.config.os, meta.config.architecture);
    println!("history:       {} entries", meta.config.history.len());
    println!("random_access: {}", source.random_access());
    println!("opened in      {:?}", t0.elapsed());
    let mut total = 0u64;
    let t1 = Instant::now();
    let mut report = |d: &LayerDelivery, r: &mut dyn Read| -> Result<(), SourceError> {
        let n = std::io::copy(r, &mut std::io::sink())
            .map_err(|e| SourceError::Read { what: format!("layers {:?}", d.indexes), source: e })?;
        for &index in &d.indexes {
            let l = &meta.layers[index as usize];
            println!(
                "layer {index:>2} {} size={} read={n} {}{}",
                l.diff_id,
                l.size,
                l.media_type,
                d.blob_digest.as_deref().map(|d| format!(" blob={d}")).unwrap_or_default()
            );
        }
        total += n;
        Ok(())
    };
    if parallel && source.random_access() {
        // Every layer on its own thread, as the walker does with rayon.
        let src = source.as_ref();
        let counts = std::thread::scope(|s| {
            let handles: Vec<_> = meta
                .layers
                .iter()
                .map(|l| {
                    s.spawn(move || -> Result<u64, SourceError> {
                        let mut r = src.open_layer(l.index)?;
                        std::io::copy(&mut r, &mut std::io::sink())
                            .map_err(|e| SourceError::Read { what: format!("layer {}", l.index), source: e })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().map_err(|_| "thread panicked")).collect::<Vec<_>>()
        });
        for c in counts {
            total += c??;
        }
    } else {
        source.stream_layers(&mut report)?;
    }
    println!("{} layers, {total} bytes read in {:?}", meta.layers.len(), t1.elapsed());
    // Sources may refine their metadata while streaming (the Docker Engine does): show the final view.
    let after = source.meta();
    for l in &after.layers {
        let step = after.config.history_index_for_layer(l.index as usize);
        let created_by =
            step.and_then(|i| after.config.history.get(i)).map_or("?", |h| h.created_by.as_str());
        println!("after: layer {} size={} created_by={created_by:.60}", l.index, l.size);
    }
    let before: Vec<_> = (0..meta.layers.len()).map(|i| meta.config.history_index_for_layer(i)).collect();
    let now: Vec<_> = (0..after.layers.len()).map(|i| after.config.history_index_for_layer(i)).collect();
    println!(
        "config refined while streaming: {}; layer→history before {before:?}, after {now:?}",
        meta.config != after.config
    );
    Ok(())
}
