//! Queue benchmark on a real PostgreSQL (run by `bench/fleet.sh`):
//!
//! 1. enqueue 10,000 jobs (enqueues/s);
//! 2. claim latency with those 10,000 jobs ready: two claimers drain the queue, every `claim` timed;
//! 3. enqueue-to-claim latency: with 10,000 jobs in the table waiting for a retry time, an idle
//!    claimer woken by LISTEN/NOTIFY (as `seawall worker` is) claims each of 1,000 jobs enqueued one by
//!    one; the time from the end of `enqueue` to the end of `claim` is recorded.
//!
//! `cargo run --release -p seawall-store --example queue-bench -- postgres://…/db` (the database is
//! migrated and its tables are emptied first: use a throwaway database).
#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program: a failed step ends the run"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use seawall_store::{NewJob, Store};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn job(project_id: i64, n: usize) -> NewJob {
    NewJob {
        project_id,
        reference: format!("registry.bench:5000/app{}:v{n}", n % 50),
        pinned_digest: None,
        platform: None,
        insecure: false,
        sealed_credentials: None,
        max_attempts: 3,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = std::env::args().nth(1).expect("usage: queue-bench POSTGRES_URL");
    let store = Store::connect(&url, 8).unwrap();
    store.migrate().await.unwrap();
    // Admin statements on a plain connection (the store exposes no such operation).
    let (admin, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    admin
        .batch_execute(
            "TRUNCATE jobs, results, images, packages, findings, result_packages, tokens, projects CASCADE",
        )
        .await
        .unwrap();
    let token = store.create_token("bench").await.unwrap();
    let project = store.authenticate(&token).await.unwrap().unwrap().project_id;

    // 1. Enqueue 10,000.
    let t0 = Instant::now();
    for n in 0..10_000 {
        store.enqueue(&job(project, n)).await.unwrap();
    }
    let enq = t0.elapsed().as_secs_f64();
    println!("enqueue: 10000 jobs in {enq:.2} s ({:.0}/s, one connection)", 10_000.0 / enq);

    // 2. Claim latency with 10,000 ready jobs, two claimers.
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for w in 0..2 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let t = Instant::now();
                match s.claim(&format!("bench-{w}"), 600.0).await.unwrap() {
                    Some(_) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    None => return lat,
                }
            }
        }));
    }
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.await.unwrap());
    }
    let el = t0.elapsed().as_secs_f64();
    println!(
        "claim with 10000 ready: {} claims in {el:.2} s ({:.0}/s); claim latency p50 {:.2} ms, p99 {:.2} ms",
        lat.len(),
        lat.len() as f64 / el,
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );

    // 3. Enqueue-to-claim with 10,000 jobs waiting for a retry time and an idle LISTENing claimer.
    admin
        .batch_execute("UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires = NULL, run_after = now() + interval '1 hour'")
        .await
        .unwrap();
    let listener = store.listen_jobs().await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Instant)>();
    // Keyed by reference, recorded before `enqueue` is called: the latency includes the enqueue itself.
    let enqueued_at: Arc<std::sync::Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    let s = store.clone();
    let seen = enqueued_at.clone();
    let claimer = tokio::spawn(async move {
        let mut got = 0;
        while got < 1000 {
            match s.claim("bench-idle", 600.0).await.unwrap() {
                Some(j) => {
                    let done = Instant::now();
                    let start = loop {
                        if let Some(t) = seen.lock().unwrap().remove(&j.reference) {
                            break t;
                        }
                        tokio::task::yield_now().await;
                    };
                    tx.send((start, done)).unwrap();
                    got += 1;
                }
                None => {
                    tokio::select! {
                        () = listener.notified() => {},
                        () = tokio::time::sleep(Duration::from_secs(5)) => {},
                    }
                }
            }
        }
    });
    for n in 0..1000 {
        let j = job(project, 100_000 + n);
        enqueued_at.lock().unwrap().insert(j.reference.clone(), Instant::now());
        store.enqueue(&j).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    claimer.await.unwrap();
    let mut lat = Vec::new();
    while let Ok((a, b)) = rx.try_recv() {
        lat.push(b.saturating_duration_since(a).as_secs_f64() * 1000.0);
    }
    println!(
        "enqueue-to-claim (10000 jobs queued for retry, idle LISTEN claimer): n={} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        pct(&mut lat, 1.0)
    );
}
