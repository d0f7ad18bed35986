//! Projects and API tokens.

use crate::secret::{TOKEN_DISPLAY_LEN, generate_token, looks_like_token, token_hash};
use crate::{Principal, Store, StoreError, TokenInfo, sql};

/// Whether a project name is acceptable (letters, digits, `.`, `_`, `-`; 1–63 characters, not
/// starting with punctuation). The schema enforces the same rule.
pub fn valid_project_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

impl Store {
    /// Creates a token for `project` (creating the project if needed); returns the token text, the
    /// only time it is ever available.
    pub async fn create_token(&self, project: &str) -> Result<String, StoreError> {
        if !valid_project_name(project) {
            return Err(StoreError::Invalid(format!(
                "invalid project name {project:?}: 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )));
        }
        let token = generate_token()?;
        let hash = token_hash(&token).to_vec();
        let prefix: String = token.chars().take(TOKEN_DISPLAY_LEN).collect();
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let project_id: i64 = tx.query_one(sql::UPSERT_PROJECT, &[&project]).await?.get(0);
        tx.query_one(sql::INSERT_TOKEN, &[&project_id, &hash, &prefix]).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The project a bearer token speaks for; `None` for unknown, malformed or revoked tokens.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        if !looks_like_token(token) {
            return Ok(None);
        }
        let hash = token_hash(token).to_vec();
        let c = self.client().await?;
        let row = c.query_opt(sql::AUTHENTICATE, &[&hash]).await?;
        Ok(row.map(|r| Principal { token_id: r.get(0), project_id: r.get(1), project: r.get(2) }))
    }

    /// Revokes a token by id or displayed prefix; returns how many tokens were revoked.
    pub async fn revoke_token(&self, id_or_prefix: &str) -> Result<u64, StoreError> {
        let c = self.client().await?;
        Ok(c.query(sql::REVOKE_TOKEN, &[&id_or_prefix]).await?.len() as u64)
    }

    /// Tokens, optionally of one project.
    pub async fn list_tokens(&self, project: Option<&str>) -> Result<Vec<TokenInfo>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(sql::LIST_TOKENS, &[&project]).await?;
        Ok(rows
            .iter()
            .map(|r| TokenInfo {
                id: r.get(0),
                project: r.get(1),
                prefix: r.get(2),
                created_at: r.get(3),
                last_used_at: r.get(4),
                revoked_at: r.get(5),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names() {
        assert!(valid_project_name("ml-platform"));
        assert!(valid_project_name("a"));
        assert!(!valid_project_name(""));
        assert!(!valid_project_name("-x"));
        assert!(!valid_project_name("a b"));
        assert!(!valid_project_name("x'; DROP TABLE jobs; --"));
        assert!(!valid_project_name(&"a".repeat(64)));
    }
}
