//! Benchmark: re-evaluating stored image inventories after a vulnerability-DB update (issue 16's
//! target: 10,000 inventories in under 60 s on the 2-core test machine).
//!
//! usage: `cargo run --release -p seawall-worker --example rematch_bench -- DATABASE_URL OSV_DIR [IMAGES] [PACKAGES_PER_IMAGE]`
//!
//! DATABASE_URL must name an empty database (the schema is migrated into it). OSV_DIR holds
//! `<Ecosystem>/all.zip` exports (`../shared/data/osv`: PyPI and Alpine). Synthetic inventories of
//! realistic size are written straight into the store: every image has ~30% OS packages (Alpine
//! v3.10, from a pool of 400 names × 3 versions, taken from the advisories' packages and fillers)
//! and ~70% PyPI packages (from a pool of the advisories' 600 most frequent names plus 6,000 filler
//! names, 3 versions each, half of them in affected ranges). Then two re-evaluations are timed
//! exactly as a worker runs them ([`seawall_worker::reevaluate::reevaluate`]): the first against a
//! database that has never been matched (everything it finds is new), the second for the next DB
//! version (steady state: the same data, nothing opens or closes).
#![expect(clippy::print_stdout, reason = "a benchmark program: it prints its figures")]

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: rematch_bench DATABASE_URL OSV_DIR [IMAGES] [PACKAGES_PER_IMAGE]".into());
    }
    let url = args[1].clone();
    let osv = std::path::PathBuf::from(&args[2]);
    let images: i64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(10_000);
    let per_image: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(400);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(url, osv, images, per_image))
}

type Pool = Vec<(String, Vec<String>)>;
type BoxError = Box<dyn std::error::Error>;

/// (name, versions) pools per ecosystem from the OSV exports: the package names with the most
/// advisories, each with one version affected by its latest advisories only (the second-highest
/// `fixed` version: an image a release or two behind) and two that are not (the highest `fixed`
/// version and a later one) — so an image has tens of findings, not hundreds.
fn advisory_pool(zip_path: &std::path::Path, ecosystem: &str, limit: usize) -> Result<Pool, BoxError> {
    let mut z = zip::ZipArchive::new(fs_err::File::open(zip_path)?)?;
    let mut fixed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i)?;
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        let v: serde_json::Value = serde_json::from_str(&s)?;
        for a in v["affected"].as_array().into_iter().flatten() {
            let Some(name) = a["package"]["name"].as_str() else { continue };
            if a["package"]["ecosystem"].as_str().is_some_and(|e| e != ecosystem) {
                continue;
            }
            for r in a["ranges"].as_array().into_iter().flatten() {
                if r["type"] != "ECOSYSTEM" {
                    continue;
                }
                for e in r["events"].as_array().into_iter().flatten() {
                    if let Some(fx) = e["fixed"].as_str() {
                        fixed.entry(name.to_string()).or_default().push(fx.to_string());
                    }
                }
            }
        }
    }
    let mut names: Vec<(String, Vec<String>)> = fixed.into_iter().collect();
    names.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    names.truncate(limit);
    let later = if ecosystem.starts_with("Alpine") { "999.0-r0" } else { "999.0" };
    Ok(names
        .into_iter()
        .map(|(name, mut fx)| {
            fx.sort_by(|a, b| seawall_version::compare(ecosystem, a, b).unwrap_or(std::cmp::Ordering::Equal));
            fx.dedup();
            let top = fx.last().cloned().unwrap_or_else(|| later.to_string());
            let behind = if fx.len() >= 2 { fx[fx.len() - 2].clone() } else { "0".to_string() };
            (name, vec![behind, top, later.to_string()])
        })
        .collect())
}

async fn run(
    url: String,
    osv: std::path::PathBuf,
    images: i64,
    per_image: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = seawall_store::Store::connect(&url, 4)?;
    store.migrate().await?;
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);

    // ---- the vulnerability database ----
    let dir = tempfile::tempdir()?;
    let db_path = dir.path().join("osv.db");
    let t = Instant::now();
    let ecosystems: Vec<&str> =
        ["PyPI", "Alpine"].into_iter().filter(|e| osv.join(e).join("all.zip").exists()).collect();
    seawall_vulndb::update(&db_path, &osv.display().to_string(), &ecosystems, &|_, _| {})?;
    println!("OSV import ({}): {:.1} s", ecosystems.join(", "), t.elapsed().as_secs_f64());

    // ---- package pools ----
    let mut pool: Vec<(String, String, String, String)> = Vec::new(); // ecosystem, name, version, purl
    let pypi = advisory_pool(&osv.join("PyPI/all.zip"), "PyPI", 600).unwrap_or_default();
    for (name, versions) in &pypi {
        for v in versions {
            pool.push(("PyPI".into(), name.clone(), v.clone(), format!("pkg:pypi/{name}@{v}")));
        }
    }
    for i in 0..6000 {
        for v in ["1.0.0", "1.2.0", "2.0.1"] {
            pool.push((
                "PyPI".into(),
                format!("filler-py-{i}"),
                v.into(),
                format!("pkg:pypi/filler-py-{i}@{v}"),
            ));
        }
    }
    let pypi_len = pool.len();
    let alpine = if osv.join("Alpine/all.zip").exists() {
        advisory_pool(&osv.join("Alpine/all.zip"), "Alpine:v3.10", 200)?
    } else {
        Vec::new()
    };
    for (name, versions) in &alpine {
        for v in versions {
            let v = v.clone();
            pool.push((
                "Alpine:v3.10".into(),
                name.clone(),
                v.clone(),
                format!("pkg:apk/alpine/{name}@{v}?upstream={name}"),
            ));
        }
    }
    for i in 0..200 {
        for v in ["1.0-r0", "1.1-r2", "2.0-r1"] {
            pool.push((
                "Alpine:v3.10".into(),
                format!("filler-apk-{i}"),
                v.into(),
                format!("pkg:apk/alpine/filler-apk-{i}@{v}"),
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut pypi_len_dedup = 0;
    let mut kept = Vec::with_capacity(pool.len());
    for (i, p) in pool.into_iter().enumerate() {
        if seen.insert((p.0.clone(), p.1.clone(), p.2.clone(), p.3.clone())) {
            if i < pypi_len {
                pypi_len_dedup += 1;
            }
            kept.push(p);
        }
    }
    let pool = kept;
    let pypi_len = pypi_len_dedup;
    let t = Instant::now();
    let cols: [Vec<String>; 4] = [
        pool.iter().map(|p| p.0.clone()).collect(),
        pool.iter().map(|p| p.1.clone()).collect(),
        pool.iter().map(|p| p.2.clone()).collect(),
        pool.iter().map(|p| p.3.clone()).collect(),
    ];
    client
        .execute(
            "INSERT INTO packages (ecosystem, name, version, purl) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])",
            &[&cols[0], &cols[1], &cols[2], &cols[3]],
        )
        .await?;
    let ids: Vec<i64> =
        client.query("SELECT id FROM packages ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    let (py_ids, os_ids) = ids.split_at(pypi_len.min(ids.len()));

    // ---- images and their latest results ----
    client.batch_execute("INSERT INTO projects (name) VALUES ('bench')").await?;
    client
        .execute(
            "INSERT INTO images (project_id, digest, reference)
             SELECT 1, 'sha256:' || lpad(to_hex(g), 64, '0'), 'bench/app:' || g FROM generate_series(1, $1::bigint) g",
            &[&images],
        )
        .await?;
    client
        .execute(
            "INSERT INTO results (project_id, image_id, origin, scanner, db_version, complete, completeness, counts, report, report_sha256)
             SELECT 1, id, 'worker', 'bench', 'bench-0', true, '{}'::jsonb, '{}'::jsonb, ''::bytea, '' FROM images",
            &[],
        )
        .await?;
    client
        .batch_execute("UPDATE images i SET latest_result_id = r.id FROM results r WHERE r.image_id = i.id")
        .await?;
    let results: Vec<i64> =
        client.query("SELECT id FROM results ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    // A deterministic pseudo-random choice per image: 30% OS, 70% PyPI; images share most OS packages.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut rid, mut pid): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
    let mut rows = 0usize;
    for r in &results {
        let mut chosen = std::collections::BTreeSet::new();
        let os_n = per_image * 3 / 10;
        while chosen.len() < os_n && !os_ids.is_empty() {
            // Most images use the same small set of OS package versions (a common base image).
            let i = (next() as usize) % os_ids.len().min(if next() % 10 < 8 { 180 } else { os_ids.len() });
            chosen.insert(os_ids[i]);
        }
        while chosen.len() < per_image && !py_ids.is_empty() {
            chosen.insert(py_ids[(next() as usize) % py_ids.len()]);
        }
        for p in chosen {
            rid.push(*r);
            pid.push(p);
        }
        if rid.len() >= 200_000 {
            rows += rid.len();
            client
                .execute(
                    "INSERT INTO result_packages SELECT * FROM unnest($1::bigint[], $2::bigint[])",
                    &[&rid, &pid],
                )
                .await?;
            rid.clear();
            pid.clear();
        }
    }
    rows += rid.len();
    client
        .execute(
            "INSERT INTO result_packages SELECT * FROM unnest($1::bigint[], $2::bigint[])",
            &[&rid, &pid],
        )
        .await?;
    client.batch_execute("ANALYZE").await?;
    println!(
        "synthetic store: {images} images, {rows} inventory rows ({} per image), {} distinct packages in the pool; written in {:.1} s",
        rows as i64 / images.max(1),
        pool.len(),
        t.elapsed().as_secs_f64()
    );

    // ---- re-evaluation, as a worker runs it ----
    for (label, version) in [
        ("first re-evaluation (nothing matched before)", "bench-1"),
        ("next DB version (steady state)", "bench-2"),
    ] {
        let t = Instant::now();
        let o = seawall_worker::reevaluate::reevaluate(&store, "bench", &db_path, version, || true).await?;
        println!("{label}: {:.1} s total — {}", t.elapsed().as_secs_f64(), o.line);
    }
    Ok(())
}
