//! Store semantics against a real PostgreSQL (run by `tests/e2e/test-fleet.sh`, which starts a
//! throwaway cluster; by hand: `SEAWALL_TEST_DATABASE_URL=postgres://… cargo test -p seawall-store
//! pg_tests -- --ignored`). Each test uses its own fresh database.

use std::collections::HashSet;
use std::str::FromStr;

use seawall_core::{
    Finding, FindingKind, Location, Package, PackageRef, Report, Severity, Target, TargetKind,
};

use crate::secret::credentials_context as credentials_context_for_test;
use crate::{Failure, FindingFilter, JobStatus, NewJob, NewResult, Origin, SecretKey, Store};

#[expect(
    clippy::disallowed_methods,
    reason = "test harness: the PostgreSQL server of these tests is named by the test runner's environment"
)]
async fn fresh_store(name: &str) -> Store {
    let base = std::env::var("SEAWALL_TEST_DATABASE_URL").expect("SEAWALL_TEST_DATABASE_URL");
    let admin = Store::connect(&base, 1).unwrap();
    {
        let c = admin.client().await.unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    }
    let mut config = tokio_postgres::Config::from_str(&base).unwrap();
    config.dbname(name);
    let store = Store::from_config(config, 8).unwrap();
    assert!(store.check_schema().await.is_err(), "an empty database must fail the schema check");
    assert_eq!(
        store.migrate().await.unwrap(),
        crate::migrate::MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>(),
        "every migration applied"
    );
    assert!(store.migrate().await.unwrap().is_empty(), "migrations run once");
    store.check_schema().await.unwrap();
    store
}

fn job(project_id: i64, reference: &str) -> NewJob {
    NewJob {
        project_id,
        reference: reference.to_string(),
        pinned_digest: None,
        platform: None,
        insecure: true,
        sealed_credentials: None,
        max_attempts: 2,
    }
}

fn report(digest: &str, jinja: &str) -> Report {
    let mut r = Report::new(Target::new(TargetKind::Image, "127.0.0.1:5000/app:1"));
    r.target.digest = Some(digest.to_string());
    r.packages.push(Package::new("jinja2", jinja, "PyPI", Location::file("/venv/jinja2.dist-info/METADATA")));
    r.packages.push(Package::new("bash", "5.2.15-2+b2", "Debian:12", Location::file("/var/lib/dpkg/status")));
    let mut f = Finding::new(FindingKind::Vulnerability, "GHSA-h5c8-rqwp-cp95", Severity::Medium, 7, "xss");
    f.aliases = vec!["CVE-2024-22195".into()];
    f.package = Some(PackageRef { name: "jinja2".into(), version: jinja.into(), ecosystem: "PyPI".into() });
    r.findings.push(f);
    r.findings.push(Finding::new(FindingKind::Secret, "SW-SEC-001", Severity::High, 6, "token"));
    r.normalize();
    r
}

async fn last_used(c: &tokio_postgres::Client) -> Option<String> {
    c.query_one("SELECT last_used_at::text FROM tokens ORDER BY id LIMIT 1", &[]).await.unwrap().get(0)
}

async fn project_of(store: &Store, token: &str) -> i64 {
    store.authenticate(token).await.unwrap().unwrap().project_id
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn tokens_are_hashed_scoped_and_revocable() {
    let store = fresh_store("sw_test_tokens").await;
    let a = store.create_token("team-a").await.unwrap();
    let b = store.create_token("team-b").await.unwrap();
    let pa = store.authenticate(&a).await.unwrap().unwrap();
    let pb = store.authenticate(&b).await.unwrap().unwrap();
    assert_ne!(pa.project_id, pb.project_id);
    assert!(store.authenticate("swt_wrong").await.unwrap().is_none());
    // last_used_at is written on first use and then at most once a minute.
    let c = store.client().await.unwrap();
    let first = last_used(&c).await;
    assert!(first.is_some());
    store.authenticate(&a).await.unwrap().unwrap();
    assert_eq!(last_used(&c).await, first, "not rewritten within a minute");
    c.execute("UPDATE tokens SET last_used_at = now() - interval '2 minutes'", &[]).await.unwrap();
    let old = last_used(&c).await;
    store.authenticate(&a).await.unwrap().unwrap();
    assert_ne!(last_used(&c).await, old, "rewritten after a minute");
    let listed = store.list_tokens(None).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| !a.starts_with(&t.prefix) || t.prefix.len() < a.len()));
    assert_eq!(store.revoke_token(&listed[0].prefix).await.unwrap(), 1);
    assert!(store.authenticate(&a).await.unwrap().is_none(), "revoked");
    assert!(store.create_token("bad name; --").await.is_err());
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn duplicate_submissions_are_one_job_and_claims_never_overlap() {
    let store = fresh_store("sw_test_queue").await;
    let t = store.create_token("p").await.unwrap();
    let p = project_of(&store, &t).await;
    let first = store.enqueue(&job(p, "127.0.0.1:5000/a:1")).await.unwrap();
    let again = store.enqueue(&job(p, "127.0.0.1:5000/a:1")).await.unwrap();
    assert_eq!(first.id, again.id);
    assert!(again.deduplicated && !first.deduplicated);
    for i in 0..49 {
        store.enqueue(&job(p, &format!("127.0.0.1:5000/a:{}", i + 2))).await.unwrap();
    }
    // 8 concurrent claimers drain 50 jobs: every job claimed exactly once.
    let mut handles = Vec::new();
    for w in 0..8 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = s.claim(&format!("w{w}"), 60.0).await.unwrap() {
                got.push(j.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 50);
    assert_eq!(distinct.len(), 50);
    // A running job is still the active one for its key.
    let dup = store.enqueue(&job(p, "127.0.0.1:5000/a:1")).await.unwrap();
    assert_eq!(dup.id, first.id);
    assert_eq!(dup.status, JobStatus::Running);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn expired_leases_are_retried_then_failed_with_reason() {
    let store = fresh_store("sw_test_leases").await;
    let t = store.create_token("p").await.unwrap();
    let p = project_of(&store, &t).await;
    let e = store.enqueue(&job(p, "127.0.0.1:5000/gone:1")).await.unwrap();
    let c = store.claim("w1", 0.2).await.unwrap().unwrap();
    assert_eq!(c.attempt, 1);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(store.reap_expired().await.unwrap(), (1, 0));
    assert!(!store.heartbeat(c.id, "w1", 30.0).await.unwrap(), "the lease is gone");
    let v = store.job(p, e.id).await.unwrap().unwrap();
    assert_eq!(v.status, JobStatus::Queued);
    assert!(v.error.unwrap_or_default().contains("lost its lease"));
    // Backoff: not claimable at once.
    assert!(store.claim("w2", 30.0).await.unwrap().is_none());
    // A transient failure on the last attempt fails the job with the reason.
    sqlx_like_make_ready(&store).await;
    let c2 = store.claim("w2", 30.0).await.unwrap().unwrap();
    assert_eq!(c2.attempt, 2);
    let st = store.fail_job(c2.id, "w2", Failure::Transient, "connection refused", None).await.unwrap();
    assert_eq!(st, Some(JobStatus::Failed));
    let v = store.job(p, e.id).await.unwrap().unwrap();
    assert_eq!(v.error.as_deref(), Some("connection refused"));
    // A permanent failure fails at once.
    let e3 = store.enqueue(&job(p, "127.0.0.1:5000/missing:1")).await.unwrap();
    let c3 = store.claim("w3", 30.0).await.unwrap().unwrap();
    assert_eq!(c3.id, e3.id);
    let st = store.fail_job(c3.id, "w3", Failure::Permanent, "manifest unknown", None).await.unwrap();
    assert_eq!(st, Some(JobStatus::Failed));
    // The wrong worker cannot touch a job.
    assert_eq!(store.fail_job(c3.id, "w1", Failure::Permanent, "x", None).await.unwrap(), None);
}

async fn sqlx_like_make_ready(store: &Store) {
    let c = store.client().await.unwrap();
    c.execute("UPDATE jobs SET run_after = now() WHERE status = 'queued'", &[]).await.unwrap();
}

async fn dump_jobs(store: &Store) -> String {
    let c = store.client().await.unwrap();
    let rows = c.query("SELECT row_to_json(j)::text FROM jobs j", &[]).await.unwrap();
    rows.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn results_are_idempotent_queryable_and_project_scoped() {
    let store = fresh_store("sw_test_results").await;
    let ta = store.create_token("a").await.unwrap();
    let tb = store.create_token("b").await.unwrap();
    let pa = project_of(&store, &ta).await;
    let pb = project_of(&store, &tb).await;
    let e = store.enqueue(&job(pa, "127.0.0.1:5000/app:1")).await.unwrap();
    let c = store.claim("w1", 30.0).await.unwrap().unwrap();
    let r = report("sha256:aaa", "3.1.2");
    let json = serde_json::to_vec(&r).unwrap();
    let new = NewResult {
        project_id: pa,
        reference: "127.0.0.1:5000/app:1",
        digest: "sha256:aaa",
        config_digest: Some("sha256:cfg"),
        origin: Origin::Worker,
        scanner: "s1",
        db_version: Some("db1"),
        report: &r,
        report_json: &json,
        layers_walked: Some(3),
        layers_cached: Some(1),
        worker: Some("w1"),
    };
    // A worker without the lease stores nothing.
    assert!(store.store_result(&new, Some((c.id, "intruder"))).await.unwrap().is_none());
    let stored = store.store_result(&new, Some((c.id, "w1"))).await.unwrap().unwrap();
    assert!(!stored.existed);
    let v = store.job(pa, e.id).await.unwrap().unwrap();
    assert_eq!(v.status, JobStatus::Done);
    assert_eq!(v.result.as_ref().map(|r| r.result_id), Some(stored.result_id));
    assert_eq!(v.result.as_ref().map(|r| r.counts.findings), Some(2));
    // Same identity again: the existing result.
    let again = store.store_result(&new, None).await.unwrap().unwrap();
    assert!(again.existed);
    assert_eq!(again.result_id, stored.result_id);
    assert_eq!(
        store.existing_result(pa, "sha256:aaa", "s1", Some("db1")).await.unwrap(),
        Some(stored.result_id)
    );

    let rep = store.latest_report(pa, "sha256:aaa").await.unwrap().unwrap();
    assert_eq!(rep.json, json, "report bytes are stored exactly");
    assert_eq!(
        store.latest_report(pa, "sha256:cfg").await.unwrap().map(|r| r.result_id),
        Some(stored.result_id)
    );
    // Cross-project: nothing.
    assert!(store.latest_report(pb, "sha256:aaa").await.unwrap().is_none());
    assert!(store.job(pb, e.id).await.unwrap().is_none());
    assert!(store.image(pb, "sha256:aaa").await.unwrap().is_none());

    let keep_all = |_: &str, _: &str| true;
    let hits = store.images_with_package(pa, "jinja2", Some("PyPI"), &keep_all, None, 10).await.unwrap();
    assert_eq!(hits.items.len(), 1);
    assert_eq!(hits.items[0].version, "3.1.2");
    let deb = store.images_with_package(pa, "bash", Some("Debian"), &keep_all, None, 10).await.unwrap();
    assert_eq!(deb.items.len(), 1, "ecosystem matched without its release suffix");
    assert!(
        store.images_with_package(pb, "jinja2", None, &keep_all, None, 10).await.unwrap().items.is_empty()
    );
    let adv = store.images_with_advisory(pa, "CVE-2024-22195", None, 10).await.unwrap();
    assert_eq!(adv.items.len(), 1);
    assert_eq!(adv.items[0].name, "jinja2");
    let f = FindingFilter { severities: vec!["HIGH".into()], ..Default::default() };
    let high = store.findings(pa, &f, None, 10).await.unwrap();
    assert_eq!(high.items.len(), 1);
    assert_eq!(high.items[0].kind, "secret");
    let injection = FindingFilter { kind: Some("secret' OR '1'='1".into()), ..Default::default() };
    assert!(store.findings(pa, &injection, None, 10).await.unwrap().items.is_empty());

    // Uploads of the same digest are separate results; the latest one is the image's report.
    let r2 = report("sha256:aaa", "3.1.4");
    let json2 = serde_json::to_vec(&r2).unwrap();
    let up = NewResult { origin: Origin::Upload, report: &r2, report_json: &json2, worker: None, ..new };
    let s2 = store.store_result(&up, None).await.unwrap().unwrap();
    assert!(s2.result_id > stored.result_id);
    assert_eq!(store.latest_report(pa, "sha256:aaa").await.unwrap().unwrap().json, json2);
    // A job's own result stays readable by id after a newer one became the latest (Harbor reports).
    let (first, created) = store.report_of_result(pa, stored.result_id).await.unwrap().unwrap();
    assert_eq!(first.json, json);
    assert!(created.ends_with('Z') && created.len() == 20, "{created}");
    assert!(store.report_of_result(pb, stored.result_id).await.unwrap().is_none(), "cross-project");
    assert!(store.report_of_result(pa, s2.result_id + 1000).await.unwrap().is_none());
    let page = store.list_images(pa, None, 1).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next_cursor.is_none());
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn layer_cache_roundtrip_and_tamper_is_a_miss() {
    let store = fresh_store("sw_test_cache").await;
    assert!(store.layer_cache_get("k").await.unwrap().is_none());
    store.layer_cache_put("k", b"facts").await.unwrap();
    store.layer_cache_put("k", b"other").await.unwrap();
    assert_eq!(store.layer_cache_get("k").await.unwrap().as_deref(), Some(&b"facts"[..]));
    assert_eq!(store.layer_cache_stats().await.unwrap().duplicate_walks, 1, "the second put is counted");
    let lock = store.layer_cache_lock("k").await.unwrap();
    lock.release().await.unwrap();
    assert_eq!(store.layer_cache_evict(30).await.unwrap(), 0, "fresh entries stay");
    {
        let c = store.client().await.unwrap();
        c.execute("UPDATE layer_cache SET walk_sha256 = repeat('0', 64) WHERE key = 'k'", &[]).await.unwrap();
    }
    assert!(store.layer_cache_get("k").await.unwrap().is_none(), "tampered entry is a miss");
    let stats = store.layer_cache_stats().await.unwrap();
    assert_eq!(stats.entries, 0);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn sealed_credentials_survive_the_queue_only_sealed() {
    let store = fresh_store("sw_test_creds").await;
    let t = store.create_token("p").await.unwrap();
    let p = project_of(&store, &t).await;
    let key = SecretKey::parse(&SecretKey::generate_hex().unwrap()).unwrap();
    let reference = "127.0.0.1:5001/private:1";
    let sealed = key.seal(b"robot:s3cret-pass", &credentials_context_for_test(p, reference)).unwrap();
    let mut j = job(p, reference);
    j.sealed_credentials = Some(sealed);
    store.enqueue(&j).await.unwrap();
    assert!(!dump_jobs(&store).await.contains("s3cret-pass"));
    let c = store.claim("w", 30.0).await.unwrap().unwrap();
    let opened =
        key.open(c.sealed_credentials.as_deref().unwrap(), &credentials_context_for_test(p, reference));
    assert_eq!(opened.unwrap(), b"robot:s3cret-pass");
    store.fail_job(c.id, "w", Failure::Permanent, "x", None).await.unwrap();
    assert!(dump_jobs(&store).await.contains("\"credentials\":null"), "credentials erased when the job ends");
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn rematch_opens_and_closes_without_rescanning_and_notifies_once() {
    let store = fresh_store("sw_test_rematch").await;
    let ta = store.create_token("a").await.unwrap();
    let tb = store.create_token("b").await.unwrap();
    let pa = project_of(&store, &ta).await;
    let pb = project_of(&store, &tb).await;
    // Two images of project a and one of b, all with jinja2 3.1.2 (one finding each: GHSA-h5c8…).
    for (p, d) in [(pa, "sha256:a1"), (pa, "sha256:a2"), (pb, "sha256:b1")] {
        let r = report(d, "3.1.2");
        let json = serde_json::to_vec(&r).unwrap();
        let new = NewResult {
            project_id: p,
            reference: "127.0.0.1:5000/app:1",
            digest: d,
            config_digest: None,
            origin: Origin::Worker,
            scanner: "s1",
            db_version: Some("db1"),
            report: &r,
            report_json: &json,
            layers_walked: None,
            layers_cached: None,
            worker: Some("w1"),
        };
        store.store_result(&new, None).await.unwrap().unwrap();
    }
    store.set_webhook(pa, "http://127.0.0.1:9/hook", "0123456789abcdef", "medium").await.unwrap();
    assert!(store.set_webhook(pa, "http://x/", "0123456789abcdef", "urgent").await.is_err());
    let jobs_before = dump_jobs(&store).await;
    let pkgs = store.rematch_packages().await.unwrap();
    assert_eq!(pkgs.len(), 2, "distinct packages across images: jinja2 3.1.2 and bash: {pkgs:?}");
    let jinja = pkgs.iter().find(|p| p.name == "jinja2").unwrap().id;
    let bash = pkgs.iter().find(|p| p.name == "bash").unwrap().id;
    // db2: the old advisory under its CVE alias as primary id (same finding), plus a new HIGH one on
    // bash; nothing on jinja2 otherwise.
    let m = |pkg: i64, id: &str, sev: &str, aliases: &[&str]| crate::AdvisoryMatch {
        package_id: pkg,
        advisory: id.into(),
        severity: sev.into(),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
    };
    let db2 = vec![
        m(jinja, "CVE-2024-22195", "MEDIUM", &["GHSA-h5c8-rqwp-cp95"]),
        m(bash, "DEBIAN-CVE-2099-1", "HIGH", &["CVE-2099-1"]),
    ];
    let s = store.apply_rematch("db2", "w1", pkgs.len(), &db2).await.unwrap();
    assert!(!s.already_done);
    assert_eq!(s.opened, 3, "bash advisory in 3 images");
    assert_eq!(s.notified.len(), 2, "details of project a's (the one with a webhook): {:?}", s.notified);
    assert!(s.notified.iter().all(|o| o.advisory == "DEBIAN-CVE-2099-1" && o.project_id == pa));
    assert_eq!(s.closed, 0, "the alias-renamed advisory is not closed");
    assert_eq!(s.notifications, 1, "project a only (b has no webhook)");
    assert!(store.apply_rematch("db2", "w2", pkgs.len(), &db2).await.unwrap().already_done);
    assert_eq!(dump_jobs(&store).await, jobs_before, "nothing rescanned");
    let exp = store.exposure(pa, "CVE-2099-1").await.unwrap();
    assert_eq!(exp.len(), 2);
    assert!(exp.iter().all(|e| e.first_db_version.as_deref() == Some("db2") && e.closed_at.is_none()));
    assert!(
        store.exposure(pa, "GHSA-h5c8-rqwp-cp95").await.unwrap()[0].first_db_version.as_deref()
            == Some("db1")
    );
    // db3: jinja2's advisory withdrawn: closed everywhere; bash's stays open.
    let db3 = vec![m(bash, "DEBIAN-CVE-2099-1", "HIGH", &["CVE-2099-1"])];
    let s = store.apply_rematch("db3", "w1", pkgs.len(), &db3).await.unwrap();
    assert_eq!((s.opened, s.closed, s.notifications), (0, 3, 0));
    let closed = store.exposure(pa, "GHSA-h5c8-rqwp-cp95").await.unwrap();
    assert!(closed.iter().all(|e| e.closed_db_version.as_deref() == Some("db3")), "{closed:?}");
    // The outbox: one delivery, leased, retried after a failure, then delivered.
    let due = store.due_webhooks(10, 60.0).await.unwrap();
    assert_eq!(due.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&due[0].payload).unwrap();
    assert_eq!(body["summary"][0], "DEBIAN-CVE-2099-1 (HIGH) now affects 2 images");
    assert!(store.due_webhooks(10, 60.0).await.unwrap().is_empty(), "leased");
    store.webhook_attempted(due[0].id, Some("connection refused"), 0.0).await.unwrap();
    let again = store.due_webhooks(10, 60.0).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    store.webhook_attempted(again[0].id, None, 0.0).await.unwrap();
    assert!(store.due_webhooks(10, 0.0).await.unwrap().is_empty(), "delivered");
}

fn agent_alert(seq: i64, message: &str) -> crate::AgentInput {
    crate::AgentInput::Alert {
        seq,
        kind: "shell_spawned".into(),
        severity: "HIGH".into(),
        container_id: "c1".into(),
        message: message.into(),
        body: serde_json::json!({"rule": "shell_spawned", "message": message}),
        occurred_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn agent_audit(seq: i64, containers: &[(&str, &str)]) -> crate::AgentInput {
    crate::AgentInput::Audit {
        seq,
        time: "2026-01-01T00:00:01Z".into(),
        containers: containers
            .iter()
            .map(|(id, image_digest)| crate::HostContainer {
                container_id: id.to_string(),
                name: format!("name-{id}"),
                image_ref: "127.0.0.1:5000/app:1".into(),
                image_digest: image_digest.to_string(),
                state: "running".into(),
                repo_digests: vec![],
                findings: serde_json::json!([]),
            })
            .collect(),
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
async fn agent_reports_are_idempotent_and_say_where_images_run() {
    let store = fresh_store("sw_test_agents").await;
    let ta = store.create_token("a").await.unwrap();
    let tb = store.create_token("b").await.unwrap();
    let pa = project_of(&store, &ta).await;
    let pb = project_of(&store, &tb).await;
    let batch = vec![
        agent_alert(10, "one"),
        agent_alert(11, "two"),
        agent_audit(12, &[("c1", "sha256:cfg1"), ("c2", "sha256:other")]),
        agent_alert(13, "three"),
    ];
    let o = store.record_agent_report(pa, "h1", "0.1.0", &batch).await.unwrap();
    assert_eq!((o.accepted, o.duplicates), (4, 0));
    // The same batch again (a retry after a lost answer): nothing new.
    let o = store.record_agent_report(pa, "h1", "0.1.0", &batch).await.unwrap();
    assert_eq!((o.accepted, o.duplicates), (0, 4));
    // Concurrent deliveries of one batch store it once.
    let four = [agent_alert(14, "four")];
    let (x, y) = tokio::join!(
        store.record_agent_report(pa, "h1", "0.1.0", &four),
        store.record_agent_report(pa, "h1", "0.1.0", &four)
    );
    assert_eq!(x.unwrap().accepted + y.unwrap().accepted, 1);
    let page = store.agent_alerts(pa, Some("h1"), None, 100).await.unwrap();
    let msgs: Vec<&str> = page.items.iter().map(|a| a.message.as_str()).collect();
    assert_eq!(msgs, ["one", "two", "three", "four"]);
    assert!(page.items.windows(2).all(|w| w[0].agent_seq < w[1].agent_seq));
    assert_eq!(page.items[0].occurred_at, "2026-01-01T00:00:00Z");
    let first = store.agent_alerts(pa, None, None, 2).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = store.agent_alerts(pa, None, first.next_cursor.as_deref(), 100).await.unwrap();
    assert_eq!(rest.items.len(), 2);
    assert!(store.agent_alerts(pb, None, None, 100).await.unwrap().items.is_empty(), "cross-project");
    assert!(store.hosts(pb).await.unwrap().is_empty(), "cross-project");
    let hosts = store.hosts(pa).await.unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].containers.len(), 2);
    // A newer audit replaces the set; an older one arriving late does not.
    store.record_agent_report(pa, "h1", "0.1.1", &[agent_audit(20, &[("c1", "sha256:cfg1")])]).await.unwrap();
    let o = store
        .record_agent_report(pa, "h1", "0.1.1", &[agent_audit(19, &[("c9", "sha256:x")])])
        .await
        .unwrap();
    assert_eq!(o.duplicates, 1);
    let hosts = store.hosts(pa).await.unwrap();
    assert_eq!(hosts[0].agent_version, "0.1.1");
    assert_eq!(hosts[0].containers.len(), 1);
    assert_eq!(hosts[0].containers[0].container_id, "c1");
    // A second host runs the same image under its manifest digest (repo digest).
    let mut audit2 = agent_audit(1, &[("k1", "sha256:local-id")]);
    if let crate::AgentInput::Audit { containers, .. } = &mut audit2 {
        containers[0].repo_digests = vec!["127.0.0.1:5000/app@sha256:a1".into()];
    }
    store.record_agent_report(pa, "h2", "0.1.0", &[audit2]).await.unwrap();

    // Re-evaluation names the hosts: image sha256:a1 (config sha256:cfg1) runs on h1 and h2,
    // sha256:a2 nowhere.
    for (d, cfg) in [("sha256:a1", Some("sha256:cfg1")), ("sha256:a2", None)] {
        let r = report(d, "3.1.2");
        let json = serde_json::to_vec(&r).unwrap();
        let new = NewResult {
            project_id: pa,
            reference: "127.0.0.1:5000/app:1",
            digest: d,
            config_digest: cfg,
            origin: Origin::Worker,
            scanner: "s1",
            db_version: Some("db1"),
            report: &r,
            report_json: &json,
            layers_walked: None,
            layers_cached: None,
            worker: Some("w1"),
        };
        store.store_result(&new, None).await.unwrap().unwrap();
    }
    store.set_webhook(pa, "http://127.0.0.1:9/hook", "0123456789abcdef", "high").await.unwrap();
    let pkgs = store.rematch_packages().await.unwrap();
    let bash = pkgs.iter().find(|p| p.name == "bash").unwrap().id;
    let jinja = pkgs.iter().find(|p| p.name == "jinja2").unwrap().id;
    let db2 = vec![
        crate::AdvisoryMatch {
            package_id: jinja,
            advisory: "GHSA-h5c8-rqwp-cp95".into(),
            severity: "MEDIUM".into(),
            aliases: vec!["CVE-2024-22195".into()],
        },
        crate::AdvisoryMatch {
            package_id: bash,
            advisory: "DEBIAN-CVE-2099-1".into(),
            severity: "HIGH".into(),
            aliases: vec!["CVE-2099-1".into()],
        },
    ];
    let s = store.apply_rematch("db2", "w1", pkgs.len(), &db2).await.unwrap();
    assert_eq!(s.notifications, 1);
    let due = store.due_webhooks(10, 60.0).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&due[0].payload).unwrap();
    assert_eq!(
        body["summary"][0],
        "DEBIAN-CVE-2099-1 (HIGH) now affects 2 images; 1 of them runs on hosts h1, h2"
    );
    let exp = store.exposure(pa, "CVE-2099-1").await.unwrap();
    let hosts_of = |d: &str| exp.iter().find(|e| e.digest == d).map(|e| e.hosts.clone()).unwrap();
    assert_eq!(hosts_of("sha256:a1"), ["h1", "h2"]);
    assert!(hosts_of("sha256:a2").is_empty());
    // The host set follows the latest audit: h1 stops the container.
    store.record_agent_report(pa, "h1", "0.1.1", &[agent_audit(30, &[])]).await.unwrap();
    let exp = store.exposure(pa, "CVE-2099-1").await.unwrap();
    assert_eq!(exp.iter().find(|e| e.digest == "sha256:a1").unwrap().hosts, ["h2"]);
}
