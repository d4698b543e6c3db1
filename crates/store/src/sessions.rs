//! Browser sessions. The store only ever sees the SHA-256 hash of a session token, so a leaked
//! database does not hand out live sessions.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, SessionInfo, User, UserId};
use crate::time;
use crate::users::{USER_COLUMNS, user_from_row};

/// Lower-case hex SHA-256 of a secret token: what sessions and API tokens are looked up by.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Records a login. `token_hash` is `hash_token(token)`; the token itself goes only into the
    /// cookie. Audited as "user.login".
    pub async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf_token: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        check_text("session token hash", token_hash)?;
        check_text("CSRF token", csrf_token)?;
        if token_hash.is_empty() || csrf_token.is_empty() {
            return Err(StoreError::Invalid(
                "session token hash and CSRF token must not be empty".into(),
            ));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        )))
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("user", user))?;
        let user = user_from_row(&row)?;
        if user.disabled {
            return Err(StoreError::Invalid(format!(
                "user {} is disabled and cannot log in",
                user.email
            )));
        }
        let inserted = sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash.to_string())
        .bind(user.id.0)
        .bind(csrf_token.to_string())
        .bind(time::to_text(now))
        .bind(time::to_text(expires_at))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: "a session with this token already exists".into(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        audit::write(
            &mut tx,
            &Actor::user(&user),
            now,
            AuditRecord {
                action: "user.login",
                entity_type: "user",
                entity_id: user.id.to_string(),
                batch_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a session that has not expired at `now`; None for unknown or expired
    /// sessions and disabled users.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(User, SessionInfo)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
        )))
        .bind(token_hash.to_string())
        .bind(time::to_text(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = user_from_row(&row)?;
        let info = SessionInfo {
            csrf_token: get_string(&row, "csrf_token")?,
            expires_at: time::from_text("sessions.expires_at", &get_string(&row, "expires_at")?)?,
        };
        Ok(Some((user, info)))
    }

    /// Logs a session out (no-op for an unknown token). Audited as "user.logout".
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1"
        )))
        .bind(token_hash.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(());
        };
        let user = user_from_row(&row)?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            &Actor::user(&user),
            time::now(),
            AuditRecord {
                action: "user.logout",
                entity_type: "user",
                entity_id: user.id.to_string(),
                batch_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes sessions that expired before `now`; returns how many. Housekeeping, not audited.
    pub async fn purge_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(time::to_text(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Number of live sessions of a user (for the users page).
    pub async fn count_sessions(&self, user: UserId, now: Timestamp) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1 AND expires_at > $2",
        )
        .bind(user.0)
        .bind(time::to_text(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(get_i64(&row, "n")?).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
