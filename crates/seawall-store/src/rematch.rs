//! Re-evaluation of stored inventories after a vulnerability-DB update, without rescanning: the
//! distinct packages of every image's latest result are matched again (by a worker, which has the
//! database) and the differences are recorded per image in `image_advisories` — new findings get
//! `first_seen` and the DB version that first reported them, findings the new data no longer
//! reports are closed. Projects with a webhook get one notification per DB version (an outbox row
//! delivered with retries, see [`Store::due_webhooks`]).

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::{Store, StoreError, sql};

/// A distinct package of the latest results, to match again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RematchPackage {
    /// `packages.id`.
    pub id: i64,
    /// Ecosystem as stored (with release for OS packages: `Debian:12`).
    pub ecosystem: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Package URL (`upstream=` names the source package of OS packages), empty when none.
    pub purl: String,
}

/// One advisory matched on one package by the new database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryMatch {
    /// `packages.id`.
    pub package_id: i64,
    /// The primary advisory id.
    pub advisory: String,
    /// Severity (`CRITICAL` … `INFO`).
    pub severity: String,
    /// Every other id of the advisory.
    pub aliases: Vec<String>,
}

/// A finding the re-match opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenedFinding {
    /// Project id.
    #[serde(skip)]
    pub project_id: i64,
    /// Image digest.
    pub digest: String,
    /// Last reference of the image.
    pub reference: String,
    /// Advisory id.
    pub advisory: String,
    /// Severity.
    pub severity: String,
    /// Other ids.
    pub aliases: Vec<String>,
    /// Package ecosystem.
    pub ecosystem: String,
    /// Package name.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// Hosts whose monitor agent reports a container of this image (`agent_containers`).
    pub hosts: Vec<String>,
}

/// What one re-match did.
#[derive(Debug, Clone, Default)]
pub struct RematchSummary {
    /// True when another worker had re-matched this DB version already (nothing done).
    pub already_done: bool,
    /// Distinct packages matched.
    pub packages: usize,
    /// (image, advisory, package) triples affected under the new data.
    pub affected: u64,
    /// Findings opened (new, or reopened).
    pub opened: u64,
    /// The opened findings of projects with a webhook, by project, advisory and digest.
    pub notified: Vec<OpenedFinding>,
    /// Findings closed (no longer reported by the data).
    pub closed: u64,
    /// Webhook notifications queued.
    pub notifications: u64,
    /// Seconds spent in the database.
    pub seconds: f64,
}

/// A webhook delivery due now.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Outbox id.
    pub id: i64,
    /// Project name.
    pub project: String,
    /// Target URL.
    pub url: String,
    /// HMAC key.
    pub secret: String,
    /// The JSON body.
    pub payload: Vec<u8>,
    /// Attempts before this one.
    pub attempts: i32,
}

/// An image's exposure to an advisory, open or closed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exposure {
    /// Image digest.
    pub digest: String,
    /// Last reference.
    pub reference: String,
    /// Advisory id as recorded.
    pub advisory: String,
    /// Severity.
    pub severity: String,
    /// Package name.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// Package ecosystem.
    pub ecosystem: String,
    /// When it was first reported (RFC 3339).
    pub first_seen: String,
    /// The DB version that first reported it.
    pub first_db_version: Option<String>,
    /// When the data stopped reporting it.
    pub closed_at: Option<String>,
    /// The DB version that closed it.
    pub closed_db_version: Option<String>,
    /// Hosts whose monitor agent reports a container of this image now.
    pub hosts: Vec<String>,
}

/// Severities from lowest to highest, as stored.
const SEVERITIES: [&str; 5] = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

fn rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| x.eq_ignore_ascii_case(s)).unwrap_or(0)
}

/// Whether `s` is a severity name (for webhook thresholds).
pub fn valid_severity(s: &str) -> bool {
    SEVERITIES.iter().any(|x| x.eq_ignore_ascii_case(s))
}

/// The notification body of one project: the new findings at or above the threshold, grouped by
/// advisory, with a one-line summary per advisory ("CVE-… now affects 14 images"; when agents report
/// where images run: "…; 3 of them run on host X").
pub fn notification(project: &str, db_version: &str, opened: &[&OpenedFinding]) -> serde_json::Value {
    let mut by_advisory: BTreeMap<&str, Vec<&OpenedFinding>> = BTreeMap::new();
    for o in opened {
        by_advisory.entry(o.advisory.as_str()).or_default().push(o);
    }
    let mut advisories = Vec::new();
    let mut summary = Vec::new();
    for (id, rows) in &by_advisory {
        let mut images: Vec<&str> = rows.iter().map(|r| r.digest.as_str()).collect();
        images.sort_unstable();
        images.dedup();
        let severity = rows.iter().map(|r| r.severity.as_str()).max_by_key(|s| rank(s)).unwrap_or("");
        let mut running: Vec<&str> =
            rows.iter().filter(|r| !r.hosts.is_empty()).map(|r| r.digest.as_str()).collect();
        running.sort_unstable();
        running.dedup();
        let mut hosts: Vec<&str> = rows.iter().flat_map(|r| r.hosts.iter().map(String::as_str)).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let mut line = format!(
            "{id} ({severity}) now affects {} image{}",
            images.len(),
            if images.len() == 1 { "" } else { "s" }
        );
        if !running.is_empty() {
            let verb = match (images.len(), running.len()) {
                (1, _) => "it runs".to_string(),
                (_, 1) => "1 of them runs".to_string(),
                (_, n) => format!("{n} of them run"),
            };
            let shown: Vec<&str> = hosts.iter().copied().take(10).collect();
            let more = if hosts.len() > shown.len() {
                format!(" and {} more", hosts.len() - shown.len())
            } else {
                String::new()
            };
            line.push_str(&format!(
                "; {verb} on host{} {}{more}",
                if hosts.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ));
        }
        summary.push(line);
        advisories.push(serde_json::json!({
            "id": id,
            "severity": severity,
            "aliases": rows.first().map(|r| r.aliases.clone()).unwrap_or_default(),
            "images": rows,
            "hosts": hosts,
        }));
    }
    serde_json::json!({
        "event": "findings.new",
        "project": project,
        "db_version": db_version,
        "summary": summary,
        "advisories": advisories,
    })
}

impl Store {
    /// Whether `db_version` was re-matched already.
    pub async fn rematch_done(&self, db_version: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        Ok(c.query_opt(sql::REMATCH_DONE, &[&db_version]).await?.is_some())
    }

    /// The distinct packages of every image's latest result.
    pub async fn rematch_packages(&self) -> Result<Vec<RematchPackage>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(sql::REMATCH_PACKAGES, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| RematchPackage {
                id: r.get(0),
                ecosystem: r.get(1),
                name: r.get(2),
                version: r.get(3),
                purl: r.get(4),
            })
            .collect())
    }

    /// Records the re-match of `db_version` (once fleet-wide, under an advisory lock): seeds
    /// `image_advisories` from the latest results' findings, opens what `matches` adds, closes what
    /// they no longer report (an advisory that changed its primary id to one of its aliases is the
    /// same finding), and queues one webhook notification per project with new findings at or above
    /// its threshold.
    pub async fn apply_rematch(
        &self,
        db_version: &str,
        worker: &str,
        packages: usize,
        matches: &[AdvisoryMatch],
    ) -> Result<RematchSummary, StoreError> {
        let t0 = Instant::now();
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(sql::REMATCH_LOCK, &[]).await?;
        if tx.query_opt(sql::REMATCH_DONE, &[&db_version]).await?.is_some() {
            return Ok(RematchSummary { already_done: true, ..Default::default() });
        }
        tx.execute(sql::REMATCH_SEED, &[]).await?;
        tx.batch_execute(sql::REMATCH_TEMP).await?;
        let ids: Vec<i64> = matches.iter().map(|m| m.package_id).collect();
        let advisories: Vec<&str> = matches.iter().map(|m| m.advisory.as_str()).collect();
        let severities: Vec<&str> = matches.iter().map(|m| m.severity.as_str()).collect();
        let aliases: Vec<String> = matches.iter().map(|m| m.aliases.join("\n")).collect();
        tx.execute(sql::REMATCH_FILL, &[&ids, &advisories, &severities, &aliases]).await?;
        let affected = tx.execute(sql::REMATCH_CURRENT, &[]).await?;
        tx.batch_execute(sql::REMATCH_CURRENT_INDEX).await?;
        tx.execute(sql::REMATCH_PICK_NEW, &[]).await?;
        let opened = tx.execute(sql::REMATCH_OPEN, &[&db_version]).await?;
        let closed = tx.execute(sql::REMATCH_CLOSE, &[&db_version]).await?;
        // Details only for projects with a webhook (the others need the counts only).
        let rows = tx.query(sql::REMATCH_OPENED_FOR_WEBHOOKS, &[]).await?;
        let mut notified: Vec<OpenedFinding> = rows
            .iter()
            .map(|r| OpenedFinding {
                project_id: r.get(0),
                digest: r.get(1),
                reference: r.get(2),
                advisory: r.get(3),
                severity: r.get(4),
                aliases: r.get(5),
                ecosystem: r.get(6),
                package: r.get(7),
                version: r.get(8),
                hosts: Vec::new(),
            })
            .collect();
        // Where the images run, from the monitor agents' latest audits.
        let mut by_project: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for o in &notified {
            by_project.entry(o.project_id).or_default().push(o.digest.clone());
        }
        for (project_id, mut digests) in by_project {
            digests.sort_unstable();
            digests.dedup();
            let mut hosts: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for r in tx.query(crate::agents::RUNNING_HOSTS, &[&project_id, &digests]).await? {
                hosts.entry(r.get(0)).or_default().push(r.get(1));
            }
            for o in notified.iter_mut().filter(|o| o.project_id == project_id) {
                if let Some(h) = hosts.get(&o.digest) {
                    o.hosts = h.clone();
                }
            }
        }
        // One notification per project with a webhook and something at or above its threshold.
        let hooks = tx.query(sql::WEBHOOK_THRESHOLDS, &[]).await?;
        let mut notifications = 0;
        for h in &hooks {
            let (project_id, project, min): (i64, String, String) = (h.get(0), h.get(1), h.get(2));
            let selected: Vec<&OpenedFinding> = notified
                .iter()
                .filter(|o| o.project_id == project_id && rank(&o.severity) >= rank(&min))
                .collect();
            if selected.is_empty() {
                continue;
            }
            let body = serde_json::to_vec(&notification(&project, db_version, &selected))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            notifications += tx.execute(sql::QUEUE_NOTIFICATION, &[&project_id, &db_version, &body]).await?;
        }
        let seconds = t0.elapsed().as_secs_f64();
        tx.execute(
            sql::REMATCH_RECORD,
            &[
                &db_version,
                &worker,
                &(packages.min(i32::MAX as usize) as i32),
                &(matches.len().min(i32::MAX as usize) as i32),
                &(opened.min(i32::MAX as u64) as i32),
                &(closed.min(i32::MAX as u64) as i32),
                &seconds,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(RematchSummary {
            already_done: false,
            packages,
            affected,
            opened,
            notified,
            closed,
            notifications,
            seconds,
        })
    }

    /// Sets (or replaces) a project's webhook.
    pub async fn set_webhook(
        &self,
        project_id: i64,
        url: &str,
        secret: &str,
        min_severity: &str,
    ) -> Result<(), StoreError> {
        if !valid_severity(min_severity) {
            return Err(StoreError::Invalid(format!(
                "invalid min_severity {min_severity:?}: CRITICAL, HIGH, MEDIUM, LOW or INFO"
            )));
        }
        let c = self.client().await?;
        c.execute(sql::SET_WEBHOOK, &[&project_id, &url, &secret, &min_severity.to_ascii_uppercase()])
            .await?;
        Ok(())
    }

    /// Claims up to `limit` deliveries that are due (each is leased for `lease_seconds`, so that two
    /// workers do not deliver the same one at once).
    pub async fn due_webhooks(&self, limit: i64, lease_seconds: f64) -> Result<Vec<Delivery>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(sql::CLAIM_DELIVERIES, &[&limit, &lease_seconds]).await?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                id: r.get(0),
                project: r.get(1),
                url: r.get(2),
                secret: r.get(3),
                payload: r.get(4),
                attempts: r.get(5),
            })
            .collect())
    }

    /// Records a delivery attempt: delivered, or failed with the reason and retried after
    /// `retry_seconds` (the caller's backoff).
    pub async fn webhook_attempted(
        &self,
        id: i64,
        error: Option<&str>,
        retry_seconds: f64,
    ) -> Result<(), StoreError> {
        let c = self.client().await?;
        match error {
            None => c.execute(sql::DELIVERED, &[&id]).await?,
            Some(e) => {
                let e: String = e.chars().take(2000).collect();
                c.execute(sql::DELIVERY_FAILED, &[&id, &e, &retry_seconds]).await?
            }
        };
        Ok(())
    }

    /// Every image of the project that is or was exposed to `advisory` (by id or alias).
    pub async fn exposure(&self, project_id: i64, advisory: &str) -> Result<Vec<Exposure>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(sql::EXPOSURE, &[&project_id, &advisory]).await?;
        Ok(rows
            .iter()
            .map(|r| Exposure {
                digest: r.get(0),
                reference: r.get(1),
                advisory: r.get(2),
                severity: r.get(3),
                package: r.get(4),
                version: r.get(5),
                ecosystem: r.get(6),
                first_seen: r.get(7),
                first_db_version: r.get(8),
                closed_at: r.get(9),
                closed_db_version: r.get(10),
                hosts: r.get(11),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(digest: &str, advisory: &str, severity: &str) -> OpenedFinding {
        OpenedFinding {
            project_id: 1,
            digest: digest.into(),
            reference: format!("r/{digest}"),
            advisory: advisory.into(),
            severity: severity.into(),
            aliases: vec!["CVE-1".into()],
            ecosystem: "PyPI".into(),
            package: "jinja2".into(),
            version: "2.10".into(),
            hosts: Vec::new(),
        }
    }

    #[test]
    fn notification_groups_by_advisory_and_counts_images() {
        let rows = [
            opened("sha256:a", "PYSEC-1", "HIGH"),
            opened("sha256:b", "PYSEC-1", "HIGH"),
            opened("sha256:a", "PYSEC-2", "CRITICAL"),
        ];
        let refs: Vec<&OpenedFinding> = rows.iter().collect();
        let n = notification("team", "osv-1", &refs);
        assert_eq!(n["summary"][0], "PYSEC-1 (HIGH) now affects 2 images");
        assert_eq!(n["summary"][1], "PYSEC-2 (CRITICAL) now affects 1 image");
        assert_eq!(n["advisories"][0]["images"].as_array().unwrap().len(), 2);
        assert_eq!(n["advisories"][0]["images"][0]["package"], "jinja2");
        assert!(n["advisories"][0]["images"][0].get("project_id").is_none());
    }

    #[test]
    fn notification_names_the_hosts_images_run_on() {
        let mut rows = [
            opened("sha256:a", "CVE-9", "HIGH"),
            opened("sha256:b", "CVE-9", "HIGH"),
            opened("sha256:c", "CVE-9", "HIGH"),
            opened("sha256:d", "CVE-8", "HIGH"),
        ];
        rows[0].hosts = vec!["web-1".into()];
        rows[1].hosts = vec!["web-1".into(), "web-2".into()];
        rows[3].hosts = vec!["db-1".into()];
        let refs: Vec<&OpenedFinding> = rows.iter().collect();
        let n = notification("team", "osv-2", &refs);
        assert_eq!(n["summary"][0], "CVE-8 (HIGH) now affects 1 image; it runs on host db-1");
        assert_eq!(n["summary"][1], "CVE-9 (HIGH) now affects 3 images; 2 of them run on hosts web-1, web-2");
        assert_eq!(n["advisories"][1]["hosts"], serde_json::json!(["web-1", "web-2"]));
        assert_eq!(n["advisories"][1]["images"][1]["hosts"], serde_json::json!(["web-1", "web-2"]));
        rows[1].hosts.clear();
        let refs: Vec<&OpenedFinding> = rows.iter().collect();
        let n = notification("team", "osv-2", &refs);
        assert_eq!(n["summary"][1], "CVE-9 (HIGH) now affects 3 images; 1 of them runs on host web-1");
    }

    #[test]
    fn severity_thresholds() {
        assert!(rank("CRITICAL") > rank("HIGH") && rank("HIGH") > rank("MEDIUM"));
        assert!(valid_severity("high") && !valid_severity("urgent"));
    }
}
