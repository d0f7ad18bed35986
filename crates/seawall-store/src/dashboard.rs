//! Read-only queries of the web dashboard (`/dashboard` of `seawall serve`): a project's figures, its
//! images with their worst finding and completeness, findings per severity per day, the hosts that
//! report to the service with their running containers, and the latest drift alerts.

use serde::Serialize;

use crate::{Counts, Store, StoreError};

/// An RFC 3339 UTC rendering of a timestamp column.
macro_rules! ts {
    ($col:literal) => {
        concat!("to_char(", $col, " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
}

const OVERVIEW: &str = concat!(
    "SELECT p.name, s.images, s.incomplete, s.critical, s.high, s.medium, s.low, ",
    ts!("s.last"),
    ", q.queued, q.running
    FROM projects p
    CROSS JOIN LATERAL (SELECT count(*) AS images, count(*) FILTER (WHERE NOT r.complete) AS incomplete,
            coalesce(sum((r.counts->>'critical')::bigint), 0)::bigint AS critical,
            coalesce(sum((r.counts->>'high')::bigint), 0)::bigint AS high,
            coalesce(sum((r.counts->>'medium')::bigint), 0)::bigint AS medium,
            coalesce(sum((r.counts->>'low')::bigint), 0)::bigint AS low,
            max(r.created_at) AS last
        FROM images i JOIN results r ON r.id = i.latest_result_id WHERE i.project_id = p.id) s
    CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE j.status = 'queued') AS queued,
            count(*) FILTER (WHERE j.status = 'running') AS running
        FROM jobs j WHERE j.project_id = p.id AND j.status IN ('queued', 'running')) q
    WHERE p.id = $1"
);

/// Incomplete scans first, then by severity counts, newest first.
const IMAGES: &str = concat!(
    "SELECT i.digest, i.reference, r.origin, r.complete, r.completeness, r.counts, ",
    ts!("r.created_at"),
    ", w.rule_id, w.severity, w.title, w.pname, w.pversion
    FROM images i JOIN results r ON r.id = i.latest_result_id
    LEFT JOIN LATERAL (SELECT f.rule_id, f.severity, f.title, p.name AS pname, p.version AS pversion
        FROM findings f LEFT JOIN packages p ON p.id = f.package_id
        WHERE f.result_id = r.id ORDER BY f.severity_rank DESC, f.ordinal LIMIT 1) w ON true
    WHERE i.project_id = $1
    ORDER BY r.complete, (r.counts->>'critical')::bigint DESC, (r.counts->>'high')::bigint DESC,
        (r.counts->>'medium')::bigint DESC, (r.counts->>'low')::bigint DESC, i.id DESC
    LIMIT $2"
);

/// Per day (UTC), the counts of each image's latest result created before the day's end: a result
/// counts from its creation until the image's next result (one pass over the results, not a lookup
/// per day and image).
const TRENDS: &str = "WITH days AS (
        SELECT d AS day, (d + interval '1 day') AT TIME ZONE 'UTC' AS day_end
        FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $2 - 1),
                             date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS d),
    spans AS (
        SELECT (r.counts->>'critical')::bigint AS critical, (r.counts->>'high')::bigint AS high,
            (r.counts->>'medium')::bigint AS medium, (r.counts->>'low')::bigint AS low, r.created_at AS from_t,
            lead(r.created_at) OVER (PARTITION BY r.image_id ORDER BY r.id) AS to_t
        FROM images i JOIN results r ON r.image_id = i.id WHERE i.project_id = $1)
    SELECT to_char(d.day, 'YYYY-MM-DD'), coalesce(sum(s.critical), 0)::bigint, coalesce(sum(s.high), 0)::bigint,
        coalesce(sum(s.medium), 0)::bigint, coalesce(sum(s.low), 0)::bigint, count(s.from_t)
    FROM days d LEFT JOIN spans s ON s.from_t < d.day_end AND (s.to_t IS NULL OR s.to_t >= d.day_end)
    GROUP BY d.day ORDER BY d.day";

const AGENT_TABLES: &str = "SELECT to_regclass('agent_hosts') IS NOT NULL
    AND to_regclass('agent_containers') IS NOT NULL AND to_regclass('agent_alerts') IS NOT NULL";

const HOSTS: &str = concat!(
    "SELECT hostname, agent_version, ",
    ts!("first_seen"),
    ", ",
    ts!("last_seen"),
    ", extract(epoch FROM now() - last_seen)::float8
    FROM agent_hosts WHERE project_id = $1 ORDER BY hostname LIMIT $2"
);

/// Containers of the project's hosts, each with the digest of the scanned image it runs, if any.
const CONTAINERS: &str = concat!(
    "SELECT ac.hostname, ac.container_id, ac.name, ac.image_ref, ac.image_digest, ac.state, ",
    ts!("ac.seen_at"),
    ", m.digest, m.complete, m.counts
    FROM agent_containers ac
    LEFT JOIN LATERAL (SELECT i.digest, r.complete, r.counts FROM images i
        JOIN results r ON r.id = i.latest_result_id
        WHERE i.project_id = ac.project_id
          AND (ac.image_digest = i.digest OR ac.image_digest = i.config_digest)
        ORDER BY i.id DESC LIMIT 1) m ON true
    WHERE ac.project_id = $1 ORDER BY ac.hostname, ac.name, ac.container_id LIMIT $2"
);

const ALERTS: &str = concat!(
    "SELECT ",
    ts!("occurred_at"),
    ", hostname, severity, kind, container_id, message
    FROM agent_alerts WHERE project_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2"
);

/// A project's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectOverview {
    /// Project name.
    pub name: String,
    /// Images with a result.
    pub images: i64,
    /// Images whose latest scan is incomplete.
    pub incomplete: i64,
    /// CRITICAL findings across the latest results.
    pub critical: i64,
    /// HIGH findings.
    pub high: i64,
    /// MEDIUM findings.
    pub medium: i64,
    /// LOW findings.
    pub low: i64,
    /// The newest result (RFC 3339, UTC).
    pub last_scan: Option<String>,
    /// Jobs waiting.
    pub queued: i64,
    /// Jobs running.
    pub running: i64,
}

/// The finding of highest severity of an image's latest result.
#[derive(Debug, Clone, Serialize)]
pub struct WorstFinding {
    /// Rule or advisory id.
    pub id: String,
    /// Severity.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Package name (vulnerabilities).
    pub package: Option<String>,
    /// Package version.
    pub version: Option<String>,
}

/// An image row of the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardImage {
    /// Image digest (the key of its report).
    pub digest: String,
    /// Reference it was last scanned or uploaded as.
    pub reference: String,
    /// `worker` or `upload`.
    pub origin: String,
    /// Whether the scan read every input.
    pub complete: bool,
    /// The completeness verdict with its reasons.
    pub completeness: seawall_core::Completeness,
    /// Counts.
    pub counts: Counts,
    /// When the latest result was stored (RFC 3339, UTC).
    pub scanned_at: String,
    /// Its worst finding.
    pub worst: Option<WorstFinding>,
}

/// Findings per severity on one day.
#[derive(Debug, Clone, Serialize)]
pub struct TrendDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// CRITICAL findings.
    pub critical: i64,
    /// HIGH findings.
    pub high: i64,
    /// MEDIUM findings.
    pub medium: i64,
    /// LOW findings.
    pub low: i64,
    /// Images with a result by then.
    pub images: i64,
}

/// A host that reports to the service.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardHost {
    /// Host name.
    pub hostname: String,
    /// Agent version.
    pub agent_version: String,
    /// First report (RFC 3339, UTC).
    pub first_seen: Option<String>,
    /// Latest report.
    pub last_seen: Option<String>,
    /// Seconds since the latest report.
    pub idle_seconds: f64,
    /// The containers it runs.
    pub containers: Vec<DashboardContainer>,
}

/// A container a host runs.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardContainer {
    /// Container id.
    pub container_id: String,
    /// Container name.
    pub name: String,
    /// Image reference.
    pub image_ref: String,
    /// Image id as the Engine reports it.
    pub image_digest: String,
    /// State (`running`, `exited`, …).
    pub state: String,
    /// When the agent saw it.
    pub seen_at: Option<String>,
    /// The digest of the scanned image it runs (the key of its report), if scanned.
    pub scanned_digest: Option<String>,
    /// That scan's completeness.
    pub scanned_complete: Option<bool>,
    /// That scan's counts.
    pub scanned_counts: Option<Counts>,
}

/// A drift alert.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardAlert {
    /// When it happened (RFC 3339, UTC).
    pub occurred_at: Option<String>,
    /// Host.
    pub hostname: String,
    /// Severity.
    pub severity: String,
    /// Kind.
    pub kind: String,
    /// Container id.
    pub container_id: String,
    /// Message.
    pub message: String,
}

/// Hosts and alerts, when the agent tables exist.
#[derive(Debug, Clone, Serialize)]
pub struct AgentView {
    /// Hosts with their containers.
    pub hosts: Vec<DashboardHost>,
    /// The latest alerts, newest first.
    pub alerts: Vec<DashboardAlert>,
}

impl Store {
    /// A project's figures; `None` for an unknown id.
    pub async fn project_overview(&self, project_id: i64) -> Result<Option<ProjectOverview>, StoreError> {
        let c = self.client().await?;
        Ok(c.query_opt(OVERVIEW, &[&project_id]).await?.map(|r| ProjectOverview {
            name: r.get(0),
            images: r.get(1),
            incomplete: r.get(2),
            critical: r.get(3),
            high: r.get(4),
            medium: r.get(5),
            low: r.get(6),
            last_scan: r.get(7),
            queued: r.get(8),
            running: r.get(9),
        }))
    }

    /// The project's images with a result: incomplete scans first, then by severity counts.
    pub async fn dashboard_images(
        &self,
        project_id: i64,
        limit: i64,
    ) -> Result<Vec<DashboardImage>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(IMAGES, &[&project_id, &limit]).await?;
        rows.iter()
            .map(|r| {
                let completeness: serde_json::Value = r.get(4);
                let counts: serde_json::Value = r.get(5);
                let worst = r.get::<_, Option<String>>(7).map(|id| WorstFinding {
                    id,
                    severity: r.get::<_, Option<String>>(8).unwrap_or_default(),
                    title: r.get::<_, Option<String>>(9).unwrap_or_default(),
                    package: r.get(10),
                    version: r.get(11),
                });
                Ok(DashboardImage {
                    digest: r.get(0),
                    reference: r.get(1),
                    origin: r.get(2),
                    complete: r.get(3),
                    completeness: serde_json::from_value(completeness)
                        .map_err(|e| StoreError::Corrupt(format!("stored completeness: {e}")))?,
                    counts: serde_json::from_value(counts)
                        .map_err(|e| StoreError::Corrupt(format!("stored counts: {e}")))?,
                    scanned_at: r.get(6),
                    worst,
                })
            })
            .collect()
    }

    /// Findings per severity for each of the last `days` days (UTC), oldest first: the counts of
    /// each image's latest result as of the end of that day.
    pub async fn finding_trends(&self, project_id: i64, days: i32) -> Result<Vec<TrendDay>, StoreError> {
        let c = self.client().await?;
        let days = days.clamp(1, 366);
        let rows = c.query(TRENDS, &[&project_id, &days]).await?;
        Ok(rows
            .iter()
            .map(|r| TrendDay {
                day: r.get(0),
                critical: r.get(1),
                high: r.get(2),
                medium: r.get(3),
                low: r.get(4),
                images: r.get(5),
            })
            .collect())
    }

    /// Hosts (with their containers) and the latest `alerts` alerts of the project; `None` when the
    /// agent tables do not exist in this database.
    pub async fn agent_view(
        &self,
        project_id: i64,
        hosts: i64,
        alerts: i64,
    ) -> Result<Option<AgentView>, StoreError> {
        let c = self.client().await?;
        let exists: Option<bool> = c.query_one(AGENT_TABLES, &[]).await?.get(0);
        if exists != Some(true) {
            return Ok(None);
        }
        let mut out: Vec<DashboardHost> = c
            .query(HOSTS, &[&project_id, &hosts])
            .await?
            .iter()
            .map(|r| DashboardHost {
                hostname: r.get(0),
                agent_version: r.get(1),
                first_seen: r.get(2),
                last_seen: r.get(3),
                idle_seconds: r.get::<_, Option<f64>>(4).unwrap_or(0.0),
                containers: Vec::new(),
            })
            .collect();
        for r in c.query(CONTAINERS, &[&project_id, &(hosts * 200)]).await? {
            let hostname: String = r.get(0);
            let counts: Option<serde_json::Value> = r.get(9);
            let container = DashboardContainer {
                container_id: r.get(1),
                name: r.get(2),
                image_ref: r.get(3),
                image_digest: r.get(4),
                state: r.get(5),
                seen_at: r.get(6),
                scanned_digest: r.get(7),
                scanned_complete: r.get(8),
                scanned_counts: counts.and_then(|v| serde_json::from_value(v).ok()),
            };
            if let Some(h) = out.iter_mut().find(|h| h.hostname == hostname) {
                h.containers.push(container);
            }
        }
        let alerts = c
            .query(ALERTS, &[&project_id, &alerts])
            .await?
            .iter()
            .map(|r| DashboardAlert {
                occurred_at: r.get(0),
                hostname: r.get(1),
                severity: r.get(2),
                kind: r.get(3),
                container_id: r.get(4),
                message: r.get(5),
            })
            .collect();
        Ok(Some(AgentView { hosts: out, alerts }))
    }
}
