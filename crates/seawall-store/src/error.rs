//! The error type of the store.

/// Everything that can go wrong talking to the fleet database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL or pool settings are invalid.
    #[error("{0}")]
    Config(String),
    /// No connection could be had from the pool (database down, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A statement failed.
    #[error("database error: {}", db_message(.0))]
    Db(#[from] tokio_postgres::Error),
    /// The schema is missing, behind, ahead of this build, or was edited.
    #[error("{0}")]
    Schema(String),
    /// Sealing or opening credentials failed, or no randomness.
    #[error("{0}")]
    Crypto(String),
    /// Input the store refuses (bad project name, oversized value).
    #[error("{0}")]
    Invalid(String),
    /// A stored blob could not be (de)compressed or decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(db) => StoreError::Unavailable(db_message(&db)),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl StoreError {
    /// Whether retrying later may succeed (connection lost, database restarting, serialization
    /// failure, deadlock) rather than the request itself being wrong.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Db(e) => {
                e.is_closed()
                    || e.code().is_none()
                    || e.code().is_some_and(|c| {
                        let s = c.code();
                        // 08: connection exception, 40: transaction rollback (serialization, deadlock),
                        // 53: insufficient resources, 57P: operator intervention (shutdown, restart).
                        s.starts_with("08")
                            || s.starts_with("40")
                            || s.starts_with("53")
                            || s.starts_with("57P")
                    })
            }
            _ => false,
        }
    }
}

/// A PostgreSQL error with its server message, detail and code (tokio-postgres's own `Display`
/// says only "db error").
pub fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{} ({})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                s.push_str(": ");
                s.push_str(d);
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut cur = std::error::Error::source(e);
            while let Some(c) = cur {
                s.push_str(": ");
                s.push_str(&c.to_string());
                cur = c.source();
            }
            s
        }
    }
}
