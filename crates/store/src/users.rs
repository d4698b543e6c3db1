//! Users: one organisation each, e-mail unique across all organisations.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tradelane_domain::UiLang;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, bool_from_db, bool_to_db, get_i64, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, NewUser, OrgId, Role, User, UserId};
use crate::orgs::clean_name;
use crate::time;

pub(crate) const USER_COLUMNS: &str = "u.id, u.org_id, u.email, u.display_name, u.role, u.locale, u.disabled, u.created_at, u.updated_at";

const MAX_EMAIL_LEN: usize = 254;

/// Lower-cases and checks an e-mail address (shape only; whether it receives mail is not ours
/// to know).
pub fn normalize_email(email: &str) -> Result<String> {
    let e = email.trim().to_lowercase();
    check_text("e-mail", &e)?;
    let valid_shape = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    };
    if !valid_shape || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::Invalid(format!(
            "e-mail {email:?} is not an address of the form name@domain"
        )));
    }
    if e.len() > MAX_EMAIL_LEN {
        return Err(StoreError::Invalid(format!(
            "e-mail is {} bytes long; at most {MAX_EMAIL_LEN} are allowed",
            e.len()
        )));
    }
    Ok(e)
}

pub(crate) fn lang_to_db(lang: UiLang) -> &'static str {
    lang.code()
}

pub(crate) fn lang_from_db(code: &str) -> Result<UiLang> {
    [UiLang::En, UiLang::ZhCn]
        .into_iter()
        .find(|l| l.code() == code)
        .ok_or_else(|| StoreError::corrupt(format!("users.locale holds unknown locale {code:?}")))
}

pub(crate) fn role_from_db(table: &str, s: &str) -> Result<Role> {
    Role::parse(s)
        .map_err(|_| StoreError::corrupt(format!("{table}.role holds unknown role {s:?}")))
}

/// Reads a user from columns selected with `USER_COLUMNS`, optionally prefixed (`u_id` ...).
pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: UserId(get_i64(row, "id")?),
        org_id: OrgId(get_i64(row, "org_id")?),
        email: get_string(row, "email")?,
        display_name: get_string(row, "display_name")?,
        role: role_from_db("users", &get_string(row, "role")?)?,
        locale: lang_from_db(&get_string(row, "locale")?)?,
        disabled: bool_from_db(get_i64(row, "disabled")?),
        created_at: time::from_text("users.created_at", &get_string(row, "created_at")?)?,
        updated_at: time::from_text("users.updated_at", &get_string(row, "updated_at")?)?,
    })
}

/// Loads a user of `org` inside a transaction.
async fn load_user(conn: &mut AnyConnection, org: OrgId, id: UserId) -> Result<User> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.org_id = $2"
    )))
    .bind(id.0)
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("user", id))?;
    user_from_row(&row)
}

async fn active_owner_count(conn: &mut AnyConnection, org: OrgId) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE org_id = $1 AND role = 'owner' AND disabled = 0",
    )
    .bind(org.0)
    .fetch_one(&mut *conn)
    .await?;
    get_i64(&row, "n")
}

/// An organisation must always keep one active owner, or nobody could administer it again.
async fn ensure_not_last_owner(conn: &mut AnyConnection, user: &User) -> Result<()> {
    if user.role == Role::Owner
        && !user.disabled
        && active_owner_count(conn, user.org_id).await? <= 1
    {
        return Err(StoreError::Conflict {
            what: format!(
                "{} is the last active owner of the organisation; make another user owner first",
                user.email
            ),
        });
    }
    Ok(())
}

impl Store {
    /// Creates a user in the actor's organisation (`new.org_id` must be the actor's).
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        if new.org_id != actor.org_id {
            return Err(StoreError::Invalid(format!(
                "cannot create a user in organisation {} while acting for organisation {}",
                new.org_id, actor.org_id
            )));
        }
        let email = normalize_email(&new.email)?;
        let display_name = clean_name("display name", &new.display_name)?;
        check_text("password hash", &new.password_hash)?;
        if new.password_hash.trim().is_empty() {
            return Err(StoreError::Invalid("password hash is empty".into()));
        }
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let org_exists = sqlx::query("SELECT id FROM orgs WHERE id = $1")
            .bind(new.org_id.0)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !org_exists {
            return Err(StoreError::not_found("organisation", new.org_id));
        }
        let inserted = sqlx::query(
            "INSERT INTO users (org_id, email, display_name, password_hash, role, locale, disabled, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) RETURNING id",
        )
        .bind(new.org_id.0)
        .bind(email.clone())
        .bind(display_name.clone())
        .bind(new.password_hash)
        .bind(new.role.as_str())
        .bind(lang_to_db(new.locale))
        .bind(time::to_text(now))
        .fetch_one(&mut *tx)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: format!("a user with e-mail {email} already exists"),
                });
            }
            Err(e) => return Err(e.into()),
        };
        let user = User {
            id: UserId(get_i64(&row, "id")?),
            org_id: new.org_id,
            email,
            display_name,
            role: new.role,
            locale: new.locale,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "user.create",
                entity_type: "user",
                entity_id: user.id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&user)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn get_user(&self, org: OrgId, id: UserId) -> Result<User> {
        let mut conn = self.pool.acquire().await?;
        load_user(&mut conn, org, id).await
    }

    /// The user with this e-mail (any case) and their password hash; None when there is no such
    /// user or the account is disabled (a disabled user cannot log in).
    pub async fn find_user_for_login(&self, email: &str) -> Result<Option<(User, String)>> {
        let Ok(email) = normalize_email(email) else {
            return Ok(None);
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1 AND u.disabled = 0"
        )))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((
                user_from_row(&row)?,
                get_string(&row, "password_hash")?,
            ))),
            None => Ok(None),
        }
    }

    pub async fn list_users(&self, org: OrgId) -> Result<Vec<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 ORDER BY u.email"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Changes a user's role. The last active owner cannot be demoted.
    pub async fn update_user_role(&self, actor: &Actor, id: UserId, role: Role) -> Result<User> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = load_user(&mut tx, actor.org_id, id).await?;
        if before.role == role {
            return Ok(before);
        }
        if role != Role::Owner {
            ensure_not_last_owner(&mut tx, &before).await?;
        }
        let now = time::now();
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
            .bind(role.as_str())
            .bind(time::to_text(now))
            .bind(id.0)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        let after = User {
            role,
            updated_at: now,
            ..before.clone()
        };
        self.audit_user_change(&mut tx, actor, "user.role", &before, &after)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Sets the language a user sees the UI in.
    pub async fn set_user_locale(&self, actor: &Actor, id: UserId, locale: UiLang) -> Result<()> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = load_user(&mut tx, actor.org_id, id).await?;
        if before.locale == locale {
            return Ok(());
        }
        let now = time::now();
        sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
            .bind(lang_to_db(locale))
            .bind(time::to_text(now))
            .bind(id.0)
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        let after = User {
            locale,
            updated_at: now,
            ..before.clone()
        };
        self.audit_user_change(&mut tx, actor, "user.locale", &before, &after)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (or re-enables) a user. Disabling ends all their sessions; their API tokens stop
    /// working while they are disabled. The last active owner cannot be disabled.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        id: UserId,
        disabled: bool,
    ) -> Result<User> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = load_user(&mut tx, actor.org_id, id).await?;
        if before.disabled == disabled {
            return Ok(before);
        }
        if disabled {
            ensure_not_last_owner(&mut tx, &before).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        let now = time::now();
        sqlx::query(
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
        )
        .bind(bool_to_db(disabled))
        .bind(time::to_text(now))
        .bind(id.0)
        .bind(actor.org_id.0)
        .execute(&mut *tx)
        .await?;
        let after = User {
            disabled,
            updated_at: now,
            ..before.clone()
        };
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.audit_user_change(&mut tx, actor, action, &before, &after)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Replaces a user's password hash and ends their sessions. The audit row records that the
    /// password changed, never a hash.
    pub async fn set_user_password(
        &self,
        actor: &Actor,
        id: UserId,
        password_hash: &str,
    ) -> Result<()> {
        check_text("password hash", password_hash)?;
        if password_hash.trim().is_empty() {
            return Err(StoreError::Invalid("password hash is empty".into()));
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let user = load_user(&mut tx, actor.org_id, id).await?;
        let now = time::now();
        sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
        )
        .bind(password_hash.to_string())
        .bind(time::to_text(now))
        .bind(id.0)
        .bind(actor.org_id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "user.password",
                entity_type: "user",
                entity_id: user.id.to_string(),
                batch_id: None,
                before: None,
                after: Some(r#"{"password":"changed"}"#.to_string()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_user_change(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        action: &str,
        before: &User,
        after: &User,
    ) -> Result<()> {
        audit::write(
            conn,
            actor,
            after.updated_at,
            AuditRecord {
                action,
                entity_type: "user",
                entity_id: after.id.to_string(),
                batch_id: None,
                before: Some(audit::json(before)?),
                after: Some(audit::json(after)?),
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalize_email("  Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
        for bad in [
            "",
            "alice",
            "@x.com",
            "a@",
            "a b@x.com",
            "a@b@c",
            "a@.com",
            "a\0@x.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }
}
