//! Monitor agents reporting to the service: hosts, the containers each host runs now, and the
//! alerts (`agent_hosts`, `agent_containers`, `agent_alerts`, migration 5).
//!
//! A batch is stored in one transaction, with the host's row locked, so that two deliveries of the
//! same batch (an agent's retry after a lost answer) serialize: alerts are inserted with
//! `ON CONFLICT (project_id, hostname, agent_seq) DO NOTHING`, and an audit replaces the host's
//! container set only when its sequence number is above the last applied one.

use serde::Serialize;

use crate::{Page, Store, StoreError, parse_id_cursor};

/// RFC 3339 (UTC, seconds) of a timestamptz column, as `sql.rs` formats them.
macro_rules! ts {
    ($col:literal) => {
        concat!("to_char(", $col, " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
}

/// One container of a host, as an audit reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostContainer {
    /// Container id.
    pub container_id: String,
    /// Name.
    pub name: String,
    /// Image reference as run.
    pub image_ref: String,
    /// Image id (`sha256:` of the image configuration).
    pub image_digest: String,
    /// `running`, `stopped`…
    pub state: String,
    /// `repo@sha256:…` manifest digests of the image.
    pub repo_digests: Vec<String>,
    /// Runtime-configuration findings (JSON array).
    pub findings: serde_json::Value,
}

/// One record of an agent's batch.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentInput {
    /// An alert.
    Alert {
        /// Agent sequence number.
        seq: i64,
        /// Rule (drift kind or finding id).
        kind: String,
        /// Severity.
        severity: String,
        /// Container id.
        container_id: String,
        /// What happened.
        message: String,
        /// The whole alert as the agent sent it.
        body: serde_json::Value,
        /// RFC 3339 time it was raised.
        occurred_at: String,
    },
    /// The host's containers now.
    Audit {
        /// Agent sequence number.
        seq: i64,
        /// RFC 3339 time of the audit.
        time: String,
        /// The containers.
        containers: Vec<HostContainer>,
    },
}

impl AgentInput {
    /// Its sequence number.
    pub fn seq(&self) -> i64 {
        match self {
            AgentInput::Alert { seq, .. } | AgentInput::Audit { seq, .. } => *seq,
        }
    }
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentReportOutcome {
    /// Records stored now.
    pub accepted: u64,
    /// Records already stored (or audits older than the one applied).
    pub duplicates: u64,
}

/// A container of a host.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HostContainerView {
    /// Container id.
    pub container_id: String,
    /// Name.
    pub name: String,
    /// Image reference as run.
    pub image_ref: String,
    /// Image id (`sha256:` of the image configuration).
    pub image_digest: String,
    /// `repo@sha256:…` manifest digests of the image.
    pub repo_digests: Vec<String>,
    /// State.
    pub state: String,
    /// When the audit that reported it was made (RFC 3339).
    pub seen_at: String,
    /// Runtime-configuration findings of the container.
    pub findings: i64,
}

/// A host running an agent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HostView {
    /// Host name.
    pub hostname: String,
    /// seawall version of the agent.
    pub agent_version: String,
    /// First report (RFC 3339).
    pub first_seen: String,
    /// Latest report (RFC 3339).
    pub last_seen: String,
    /// Time of the audit the container list comes from.
    pub last_audit_at: Option<String>,
    /// Containers of the latest audit.
    pub containers: Vec<HostContainerView>,
}

/// An alert an agent reported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentAlertView {
    /// Id (in arrival order).
    pub id: i64,
    /// Host.
    pub hostname: String,
    /// The agent's sequence number.
    pub agent_seq: i64,
    /// Rule (drift kind or finding id).
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// Container id.
    pub container_id: String,
    /// What happened.
    pub message: String,
    /// The alert as the agent sent it.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// When it was raised (RFC 3339).
    pub occurred_at: String,
    /// When the service stored it (RFC 3339, microseconds).
    pub received_at: String,
}

const UPSERT_HOST: &str = "INSERT INTO agent_hosts (project_id, hostname, agent_version) VALUES ($1, $2, $3)
    ON CONFLICT (project_id, hostname) DO UPDATE SET agent_version = EXCLUDED.agent_version, last_seen = now()
    RETURNING last_audit_seq";

const INSERT_ALERT: &str = "INSERT INTO agent_alerts
    (project_id, hostname, agent_seq, kind, severity, container_id, message, body, occurred_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::timestamptz)
    ON CONFLICT (project_id, hostname, agent_seq) DO NOTHING";

const CLEAR_CONTAINERS: &str = "DELETE FROM agent_containers WHERE project_id = $1 AND hostname = $2";

const INSERT_CONTAINER: &str = "INSERT INTO agent_containers
    (project_id, hostname, container_id, name, image_ref, image_digest, state, seen_at, repo_digests, findings)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::timestamptz, $9, $10)
    ON CONFLICT (project_id, hostname, container_id) DO UPDATE SET name = EXCLUDED.name,
        image_ref = EXCLUDED.image_ref, image_digest = EXCLUDED.image_digest, state = EXCLUDED.state,
        seen_at = EXCLUDED.seen_at, repo_digests = EXCLUDED.repo_digests, findings = EXCLUDED.findings";

const AUDIT_APPLIED: &str =
    "UPDATE agent_hosts SET last_audit_seq = $3, last_audit_at = $4::text::timestamptz
    WHERE project_id = $1 AND hostname = $2";

const HOST_SEQ: &str = "UPDATE agent_hosts SET last_seq = GREATEST(last_seq, $3)
    WHERE project_id = $1 AND hostname = $2";

const HOSTS: &str = concat!(
    "SELECT hostname, agent_version, ",
    ts!("first_seen"),
    ", ",
    ts!("last_seen"),
    ", CASE WHEN last_audit_at IS NULL THEN NULL ELSE ",
    ts!("last_audit_at"),
    " END FROM agent_hosts WHERE project_id = $1 ORDER BY hostname LIMIT 1000"
);

const HOST_CONTAINERS: &str = concat!(
    "SELECT hostname, container_id, name, image_ref, image_digest, repo_digests, state, ",
    ts!("seen_at"),
    ", jsonb_array_length(findings)::bigint
    FROM agent_containers WHERE project_id = $1 ORDER BY hostname, name, container_id"
);

const ALERTS: &str = concat!(
    "SELECT id, hostname, agent_seq, kind, severity, container_id, message, body, ",
    ts!("occurred_at"),
    ", to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
    FROM agent_alerts WHERE project_id = $1 AND ($2::text IS NULL OR hostname = $2) AND id > $3
    ORDER BY id LIMIT $4"
);

/// The hosts running each of `digests` (image manifest digests of the project): a container runs
/// an image when its image id is the image's digest or configuration digest, or one of its
/// repository digests names the image's digest.
pub(crate) const RUNNING_HOSTS: &str = "SELECT DISTINCT i.digest, ac.hostname
    FROM images i JOIN agent_containers ac ON ac.project_id = i.project_id
     AND (ac.image_digest = i.digest OR ac.image_digest = i.config_digest
          OR EXISTS (SELECT 1 FROM unnest(ac.repo_digests) rd WHERE split_part(rd, '@', 2) = i.digest))
    WHERE i.project_id = $1 AND i.digest = ANY ($2)
    ORDER BY 1, 2";

impl Store {
    /// Stores an agent's batch in one transaction (idempotent: see the module documentation).
    pub async fn record_agent_report(
        &self,
        project_id: i64,
        hostname: &str,
        agent_version: &str,
        records: &[AgentInput],
    ) -> Result<AgentReportOutcome, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let mut last_audit: i64 =
            tx.query_one(UPSERT_HOST, &[&project_id, &hostname, &agent_version]).await?.get(0);
        let mut out = AgentReportOutcome::default();
        let mut max_seq = 0i64;
        for r in records {
            max_seq = max_seq.max(r.seq());
            match r {
                AgentInput::Alert { seq, kind, severity, container_id, message, body, occurred_at } => {
                    let n = tx
                        .execute(
                            INSERT_ALERT,
                            &[
                                &project_id,
                                &hostname,
                                seq,
                                kind,
                                severity,
                                container_id,
                                message,
                                body,
                                occurred_at,
                            ],
                        )
                        .await?;
                    if n == 1 {
                        out.accepted += 1;
                    } else {
                        out.duplicates += 1;
                    }
                }
                AgentInput::Audit { seq, time, containers } => {
                    if *seq <= last_audit {
                        out.duplicates += 1;
                        continue;
                    }
                    tx.execute(CLEAR_CONTAINERS, &[&project_id, &hostname]).await?;
                    for k in containers {
                        tx.execute(
                            INSERT_CONTAINER,
                            &[
                                &project_id,
                                &hostname,
                                &k.container_id,
                                &k.name,
                                &k.image_ref,
                                &k.image_digest,
                                &k.state,
                                time,
                                &k.repo_digests,
                                &k.findings,
                            ],
                        )
                        .await?;
                    }
                    tx.execute(AUDIT_APPLIED, &[&project_id, &hostname, seq, time]).await?;
                    last_audit = *seq;
                    out.accepted += 1;
                }
            }
        }
        tx.execute(HOST_SEQ, &[&project_id, &hostname, &max_seq]).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The project's hosts with the containers of their latest audit.
    pub async fn hosts(&self, project_id: i64) -> Result<Vec<HostView>, StoreError> {
        let c = self.client().await?;
        let mut hosts: Vec<HostView> = c
            .query(HOSTS, &[&project_id])
            .await?
            .iter()
            .map(|r| HostView {
                hostname: r.get(0),
                agent_version: r.get(1),
                first_seen: r.get(2),
                last_seen: r.get(3),
                last_audit_at: r.get(4),
                containers: Vec::new(),
            })
            .collect();
        for r in c.query(HOST_CONTAINERS, &[&project_id]).await? {
            let host: String = r.get(0);
            if let Some(h) = hosts.iter_mut().find(|h| h.hostname == host) {
                h.containers.push(HostContainerView {
                    container_id: r.get(1),
                    name: r.get(2),
                    image_ref: r.get(3),
                    image_digest: r.get(4),
                    repo_digests: r.get(5),
                    state: r.get(6),
                    seen_at: r.get(7),
                    findings: r.get(8),
                });
            }
        }
        Ok(hosts)
    }

    /// The project's agent alerts in arrival order, optionally of one host.
    pub async fn agent_alerts(
        &self,
        project_id: i64,
        hostname: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<AgentAlertView>, StoreError> {
        let after = parse_id_cursor(cursor)?;
        let c = self.client().await?;
        let rows = c.query(ALERTS, &[&project_id, &hostname, &after, &limit]).await?;
        let items: Vec<AgentAlertView> = rows
            .iter()
            .map(|r| AgentAlertView {
                id: r.get(0),
                hostname: r.get(1),
                agent_seq: r.get(2),
                kind: r.get(3),
                severity: r.get(4),
                container_id: r.get(5),
                message: r.get(6),
                body: r.get(7),
                occurred_at: r.get(8),
                received_at: r.get(9),
            })
            .collect();
        let next_cursor =
            (items.len() as i64 == limit).then(|| items.last().map(|a| a.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }
}
