//! API tokens: scoped to one organisation, acting as the user who created them with at most
//! that user's role, stored only as a hash, revocable.

use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, ApiToken, OrgId, Role, TokenId, User, UserId};
use crate::orgs::clean_name;
use crate::time;
use crate::users::{USER_COLUMNS, role_from_db, user_from_row};

const TOKEN_COLUMNS: &str = "t.id AS t_id, t.org_id AS t_org_id, t.user_id AS t_user_id, \
     t.name AS t_name, t.token_prefix AS t_token_prefix, t.role AS t_role, \
     t.created_at AS t_created_at, t.last_used_at AS t_last_used_at, t.revoked_at AS t_revoked_at";

/// last_used_at is refreshed at most this often, so API reads do not each become a write.
const LAST_USED_RESOLUTION: SignedDuration = SignedDuration::from_secs(60);

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId(get_i64(row, "t_id")?),
        org_id: OrgId(get_i64(row, "t_org_id")?),
        user_id: UserId(get_i64(row, "t_user_id")?),
        name: get_string(row, "t_name")?,
        token_prefix: get_string(row, "t_token_prefix")?,
        role: role_from_db("api_tokens", &get_string(row, "t_role")?)?,
        created_at: time::from_text("api_tokens.created_at", &get_string(row, "t_created_at")?)?,
        last_used_at: time::opt_from_text(
            "api_tokens.last_used_at",
            get_opt_string(row, "t_last_used_at")?,
        )?,
        revoked_at: time::opt_from_text(
            "api_tokens.revoked_at",
            get_opt_string(row, "t_revoked_at")?,
        )?,
    })
}

async fn load_token(conn: &mut AnyConnection, org: OrgId, id: TokenId) -> Result<ApiToken> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = $1 AND t.org_id = $2"
    )))
    .bind(id.0)
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("API token", id))?;
    token_from_row(&row)
}

impl Store {
    /// Creates a token for the acting user. `role` may not exceed the user's own role.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        token_hash: &str,
        token_prefix: &str,
        role: Role,
    ) -> Result<ApiToken> {
        let Some(user_id) = actor.user_id else {
            return Err(StoreError::Invalid(
                "an API token must be created by a user: it acts as that user".into(),
            ));
        };
        let name = clean_name("token name", name)?;
        check_text("token hash", token_hash)?;
        check_text("token prefix", token_prefix)?;
        if token_hash.is_empty() {
            return Err(StoreError::Invalid("token hash is empty".into()));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.org_id = $2"
        )))
        .bind(user_id.0)
        .bind(actor.org_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("user", user_id))?;
        let creator = user_from_row(&row)?;
        if creator.disabled {
            return Err(StoreError::Invalid(format!(
                "user {} is disabled and cannot create tokens",
                creator.email
            )));
        }
        if !role.is_within(creator.role) {
            return Err(StoreError::Invalid(format!(
                "a token cannot have role {role}: its creator {} is only {}",
                creator.email, creator.role
            )));
        }
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (org_id, user_id, name, token_hash, token_prefix, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(user_id.0)
        .bind(name.clone())
        .bind(token_hash.to_string())
        .bind(token_prefix.to_string())
        .bind(role.as_str())
        .bind(time::to_text(now))
        .fetch_one(&mut *tx)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: "a token with this hash already exists".into(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        let token = ApiToken {
            id: TokenId(get_i64(&row, "id")?),
            org_id: actor.org_id,
            user_id,
            name,
            token_prefix: token_prefix.to_string(),
            role,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "token.create",
                entity_type: "api_token",
                entity_id: token.id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&token)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The token and its user for a presented token's hash. None when unknown, revoked, or its
    /// user is disabled. The returned token's role is capped at the user's current role, so
    /// demoting a user also demotes their tokens.
    pub async fn token_principal(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM api_tokens t \
             JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
        )))
        .bind(token_hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut token = token_from_row(&row)?;
        let user = user_from_row(&row)?;
        if !token.role.is_within(user.role) {
            token.role = user.role;
        }
        let now = time::now();
        let stale = token
            .last_used_at
            .is_none_or(|t| now.duration_since(t) >= LAST_USED_RESOLUTION);
        if stale {
            let threshold = now
                .checked_sub(LAST_USED_RESOLUTION)
                .unwrap_or(Timestamp::UNIX_EPOCH);
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 \
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
            )
            .bind(time::to_text(now))
            .bind(token.id.0)
            .bind(time::to_text(threshold))
            .execute(&self.pool)
            .await?;
            token.last_used_at = Some(now);
        }
        Ok(Some((token, user)))
    }

    /// All tokens of the organisation, revoked ones included, newest first.
    pub async fn list_api_tokens(&self, org: OrgId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.org_id = $1 ORDER BY t.id DESC"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn get_api_token(&self, org: OrgId, id: TokenId) -> Result<ApiToken> {
        let mut conn = self.pool.acquire().await?;
        load_token(&mut conn, org, id).await
    }

    /// Revokes a token of the actor's organisation. Revoking twice is not an error.
    pub async fn revoke_api_token(&self, actor: &Actor, id: TokenId) -> Result<()> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = load_token(&mut tx, actor.org_id, id).await?;
        if before.is_revoked() {
            return Ok(());
        }
        let now = time::now();
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3")
            .bind(time::to_text(now))
            .bind(id.0)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        let after = ApiToken {
            revoked_at: Some(now),
            ..before.clone()
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "token.revoke",
                entity_type: "api_token",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&before)?),
                after: Some(audit::json(&after)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
