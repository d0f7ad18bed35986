//! Versioned schema migrations, kept in `migrations/NNNN_name.sql` and embedded in the binary.
//!
//! Hand-written rather than `refinery`: the runner is ~80 lines, and fleet mode needs three things
//! together that the crates do not offer as one — a check-only mode for `seawall serve` without
//! `--migrate` (start refused when the schema is behind, ahead or edited), a PostgreSQL advisory lock
//! so that several `serve --migrate` replicas starting at once apply each migration exactly once, and
//! a checksum per applied migration.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::StoreError;

/// One schema migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version number, strictly increasing from 1.
    pub version: i32,
    /// Short name (the file name without number and extension).
    pub name: &'static str,
    /// The SQL, run in one transaction.
    pub sql: &'static str,
}

impl Migration {
    /// Hex SHA-256 of the SQL text (recorded when applied; a changed file is detected at start).
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// Every migration of this seawall version, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { version: 2, name: "layer_cache", sql: include_str!("../migrations/0002_layer_cache.sql") },
    Migration { version: 3, name: "reevaluation", sql: include_str!("../migrations/0003_reevaluation.sql") },
    Migration {
        version: 4,
        name: "reevaluation_lookup",
        sql: include_str!("../migrations/0004_reevaluation_lookup.sql"),
    },
    Migration { version: 5, name: "agents", sql: include_str!("../migrations/0005_agents.sql") },
    Migration { version: 6, name: "crawl", sql: include_str!("../migrations/0006_crawl.sql") },
];

/// The schema version this build needs.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Advisory-lock key that serializes migration runs ("seawall" in ASCII).
const LOCK_KEY: i64 = 0x0073_6561_7761_6c6c;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS seawall_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)";

async fn applied(client: &Client) -> Result<Vec<(i32, String, String)>, StoreError> {
    let exists: Option<String> =
        client.query_one("SELECT to_regclass('seawall_migrations')::text", &[]).await?.get(0);
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let rows =
        client.query("SELECT version, name, sha256 FROM seawall_migrations ORDER BY version", &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}

/// Compares what the database has applied with [`MIGRATIONS`]; returns the versions still pending.
fn compare(applied: &[(i32, String, String)]) -> Result<Vec<Migration>, StoreError> {
    for (version, name, sum) in applied {
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            None => {
                return Err(StoreError::Schema(format!(
                    "the database has migration {version} ({name}), which this seawall ({}) does not know: \
                     it was migrated by a newer seawall",
                    env!("CARGO_PKG_VERSION")
                )));
            }
            Some(m) if m.checksum() != *sum => {
                return Err(StoreError::Schema(format!(
                    "migration {version} ({name}) applied to the database differs from this seawall's copy \
                     (checksum {sum} vs {})",
                    m.checksum()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(MIGRATIONS.iter().filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version)).copied().collect())
}

/// Checks that the database schema is exactly at [`latest_version`] (what `seawall serve` and
/// `seawall worker` do at start without `--migrate`).
pub async fn check(client: &Client) -> Result<(), StoreError> {
    let pending = compare(&applied(client).await?)?;
    if let Some(first) = pending.first() {
        return Err(StoreError::Schema(format!(
            "the database schema is at version {}, this seawall needs {}: run `seawall serve --migrate` \
             (first pending: {:04}_{})",
            first.version - 1,
            latest_version(),
            first.version,
            first.name
        )));
    }
    Ok(())
}

/// Applies every pending migration, each in its own transaction, under an advisory lock. Returns
/// the versions applied (empty when the schema was current).
pub async fn migrate(client: &mut Client) -> Result<Vec<i32>, StoreError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY]).await?;
    let result = migrate_locked(client).await;
    // Unlock even after a failure; a lost connection releases the lock by itself.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]).await;
    result
}

async fn migrate_locked(client: &mut Client) -> Result<Vec<i32>, StoreError> {
    client.batch_execute(CREATE_TABLE).await?;
    let pending = compare(&applied(client).await?)?;
    let mut done = Vec::new();
    for m in pending {
        let tx = client.transaction().await?;
        tx.batch_execute(m.sql).await.map_err(|e| {
            StoreError::Schema(format!(
                "migration {:04}_{} failed: {}",
                m.version,
                m.name,
                crate::db_message(&e)
            ))
        })?;
        tx.execute(
            "INSERT INTO seawall_migrations (version, name, sha256) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &m.checksum()],
        )
        .await?;
        tx.commit().await?;
        done.push(m.version);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_strictly_increase_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i32 + 1, "{}", m.name);
            assert!(!m.sql.trim().is_empty());
        }
    }

    #[test]
    fn compare_detects_edited_unknown_and_pending() {
        let first = MIGRATIONS[0];
        let ok = vec![(1, first.name.to_string(), first.checksum())];
        let pending = compare(&ok).unwrap_or_default();
        assert_eq!(pending.len(), MIGRATIONS.len() - 1);
        let edited = vec![(1, first.name.to_string(), "0".repeat(64))];
        assert!(matches!(compare(&edited), Err(StoreError::Schema(m)) if m.contains("differs")));
        let newer = vec![(999, "future".to_string(), "x".to_string())];
        assert!(matches!(compare(&newer), Err(StoreError::Schema(m)) if m.contains("newer")));
        assert_eq!(compare(&[]).map(|p| p.len()).unwrap_or(0), MIGRATIONS.len());
    }
}
