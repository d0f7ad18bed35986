//! `seawall serve`, `seawall worker`, `seawall token`, and `scan … --upload`.

use std::time::Duration;

use anyhow::{Context, Result, bail};

use seawall_core::Report;
use seawall_store::{SecretKey, Store};

use crate::cli::Cli;
use crate::cli_fleet::{ServeArgs, TokenAction, WorkerArgs};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

fn key(file: Option<&std::path::Path>) -> Result<Option<SecretKey>> {
    if let Some(text) = crate::env::secret_key() {
        return Ok(Some(SecretKey::parse(&text).context("SEAWALL_SECRET_KEY")?));
    }
    match file {
        Some(p) => Ok(Some(SecretKey::from_file(p)?)),
        None => Ok(None),
    }
}

pub(crate) fn serve(args: &ServeArgs) -> Result<u8> {
    let store = Store::connect_with_password_file(
        &args.database,
        args.database_password_file.as_deref(),
        args.pool_size,
    )?;
    let mut config = seawall_server::ServerConfig::new(args.listen);
    config.env = crate::env::process().clone();
    config.public_metrics = args.public_metrics;
    config.max_upload_bytes = args.max_upload_mib.saturating_mul(1 << 20);
    config.secret_key = key(args.secret_key_file.as_deref())?;
    config.allowed_registries = args.allow_registry.clone();
    config.max_attempts = args.max_attempts;
    config.crawl = !args.no_crawl;
    runtime()?.block_on(async {
        if args.migrate {
            // The database may still be starting (compose, Kubernetes): retry for a minute.
            let mut delay = Duration::from_millis(500);
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            loop {
                match store.migrate().await {
                    Ok(applied) => {
                        if !applied.is_empty() {
                            eprintln!("seawall serve: applied migrations {applied:?}");
                        }
                        break;
                    }
                    Err(e) if e.is_transient() && std::time::Instant::now() < deadline => {
                        eprintln!("seawall serve: waiting for the database: {e}");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(5));
                    }
                    Err(e) => return Err(anyhow::Error::from(e).context("migration failed")),
                }
            }
        } else {
            store.check_schema().await.context("schema check")?;
        }
        eprintln!(
            "seawall serve: listening on http://{} (schema {}, credentials {})",
            args.listen,
            seawall_store::migrate::latest_version(),
            if config.secret_key.is_some() {
                "sealed with the server key"
            } else {
                "refused: no --secret-key-file"
            }
        );
        seawall_server::serve(config, store).await?;
        Ok(0)
    })
}

pub(crate) fn worker(cli: &Cli, args: &WorkerArgs) -> Result<u8> {
    let store = Store::connect_with_password_file(
        &args.database,
        args.database_password_file.as_deref(),
        args.pool_size,
    )?;
    let db_path = cli
        .db
        .clone()
        .or_else(|| seawall_scan::default_db_path(crate::env::process()))
        .ok_or_else(|| anyhow::anyhow!("no database path: set --db or SEAWALL_DB"))?;
    let mut config = seawall_worker::WorkerConfig::new(db_path, crate::env::process().clone());
    if let Some(id) = &args.id {
        config.id = id.clone();
    }
    if !(args.lease.is_finite() && args.lease >= 0.5 && args.poll.is_finite() && args.poll > 0.0) {
        bail!("--lease must be at least 0.5 s and --poll positive");
    }
    config.concurrency = args.concurrency as usize;
    config.lease = Duration::from_secs_f64(args.lease);
    config.poll = Duration::from_secs_f64(args.poll);
    if let Some(s) = &args.db_source {
        config.db_source = s.clone();
    }
    if !args.db_ecosystems.is_empty() {
        config.db_ecosystems = args.db_ecosystems.clone();
    }
    config.db_update_interval = Duration::from_secs(args.db_update_interval);
    config.secret_key = key(args.secret_key_file.as_deref())?;
    config.cache_dir = args.cache_dir.clone();
    config.no_cache = args.no_cache;
    config.max_jobs = args.max_jobs;
    if cli.offline {
        bail!(
            "a worker keeps its vulnerability database current; --offline does not apply (use --db-update-interval 0)"
        );
    }
    runtime()?.block_on(seawall_worker::run(config, store))?;
    Ok(0)
}

pub(crate) fn token(action: &TokenAction) -> Result<u8> {
    match action {
        TokenAction::Keygen => {
            println!("{}", SecretKey::generate_hex()?);
            Ok(0)
        }
        TokenAction::Create { database, database_password_file, project } => {
            let store = Store::connect_with_password_file(database, database_password_file.as_deref(), 1)?;
            let token = runtime()?.block_on(async {
                store.check_schema().await?;
                store.create_token(project).await
            })?;
            println!("{token}");
            Ok(0)
        }
        TokenAction::List { database, database_password_file, project } => {
            let store = Store::connect_with_password_file(database, database_password_file.as_deref(), 1)?;
            let tokens = runtime()?.block_on(store.list_tokens(project.as_deref()))?;
            println!(
                "{:>5}  {:20} {:14} {:21} {:21} revoked",
                "id", "project", "prefix", "created", "last used"
            );
            for t in tokens {
                println!(
                    "{:>5}  {:20} {:14} {:21} {:21} {}",
                    t.id,
                    t.project,
                    t.prefix,
                    t.created_at,
                    t.last_used_at.as_deref().unwrap_or("-"),
                    t.revoked_at.as_deref().unwrap_or("-")
                );
            }
            Ok(0)
        }
        TokenAction::Revoke { database, database_password_file, token } => {
            let store = Store::connect_with_password_file(database, database_password_file.as_deref(), 1)?;
            let n = runtime()?.block_on(store.revoke_token(token))?;
            if n == 0 {
                bail!("no active token with id or prefix {token:?}");
            }
            eprintln!("revoked {n} token(s)");
            Ok(0)
        }
    }
}

/// The upload endpoint for a `--upload` value: a server base URL or the full endpoint.
fn upload_url(base: &str) -> String {
    let b = base.trim_end_matches('/');
    if b.ends_with("/api/v1/reports") { b.to_string() } else { format!("{b}/api/v1/reports") }
}

/// `scan … --upload URL`: sends the JSON report (as `--format json` writes it) with `SEAWALL_TOKEN`.
pub(crate) fn upload(report: &Report, base: &str, quiet: bool) -> Result<()> {
    let token = crate::env::token().context("--upload needs the project token in SEAWALL_TOKEN")?;
    let rules = seawall_scan::registry::catalog();
    let ctx = seawall_report::RenderContext::new(&rules);
    let mut body = Vec::new();
    seawall_report::render(report, seawall_report::Format::Json, &ctx, &mut body)?;
    let url = upload_url(base);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .context("cannot build the HTTP client")?;
    let resp = client
        .post(&url)
        .bearer_auth(token.trim())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .with_context(|| format!("cannot upload the report to {url}"))?;
    let status = resp.status();
    let text = resp.text().unwrap_or_default();
    if !status.is_success() {
        bail!("uploading the report to {url} failed: {status}: {}", text.trim());
    }
    if !quiet {
        eprintln!("uploaded to {url}: {}", text.trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_urls() {
        assert_eq!(upload_url("http://h:8443"), "http://h:8443/api/v1/reports");
        assert_eq!(upload_url("http://h:8443/"), "http://h:8443/api/v1/reports");
        assert_eq!(upload_url("http://h/api/v1/reports"), "http://h/api/v1/reports");
    }
}
