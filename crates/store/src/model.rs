//! The store's public types: ids, principals, stored rows, queries and pages.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Country, SkuRecord, UiLang};

use crate::error::StoreError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, StoreError> {
                s.trim().parse::<i64>().map($name).map_err(|_| {
                    StoreError::Invalid(format!(
                        "{} {:?} is not a number", stringify!($name), s
                    ))
                })
            }
        }
    };
}

id_type!(
    /// An organisation (tenant).
    OrgId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A stored SKU row (not the seller's SKU code).
    SkuId
);
id_type!(
    /// An API token.
    TokenId
);
id_type!(
    /// One committed import.
    BatchId
);
id_type!(
    /// One audit log row.
    AuditId
);

/// What a user or token may do inside its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, tokens and organisation settings.
    Owner,
    /// Reads and writes catalogue data; no user administration.
    Operator,
    /// Reads only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Operator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// Parses "owner" / "operator" / "viewer" (case-insensitive, surrounding blanks ignored).
    pub fn parse(s: &str) -> Result<Role, StoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "operator" => Ok(Role::Operator),
            "viewer" => Ok(Role::Viewer),
            _ => Err(StoreError::Invalid(format!(
                "role {s:?} is not one of owner, operator, viewer"
            ))),
        }
    }

    pub fn can_write(self) -> bool {
        matches!(self, Role::Owner | Role::Operator)
    }

    pub fn can_admin(self) -> bool {
        matches!(self, Role::Owner)
    }

    /// True when `self` grants nothing that `other` does not (a token may not outrank its creator).
    pub fn is_within(self, other: Role) -> bool {
        self.rank() <= other.rank()
    }

    fn rank(self) -> u8 {
        match self {
            Role::Viewer => 0,
            Role::Operator => 1,
            Role::Owner => 2,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Role::parse(s)
    }
}

/// Who is making a change: written into every audit row, and the organisation every actor-taking
/// method is confined to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub org_id: OrgId,
    /// None for changes not made by a logged-in user (the CLI bootstrapping an owner, the system).
    pub user_id: Option<UserId>,
    /// Human-readable: "alice@example.com", "token:ci", "cli".
    pub label: String,
}

impl Actor {
    pub fn new(org_id: OrgId, user_id: Option<UserId>, label: impl Into<String>) -> Actor {
        Actor {
            org_id,
            user_id,
            label: label.into(),
        }
    }

    /// An actor for command-line administration (no user behind it).
    pub fn cli(org_id: OrgId) -> Actor {
        Actor::new(org_id, None, "cli")
    }

    /// The actor for a logged-in user.
    pub fn user(user: &User) -> Actor {
        Actor::new(user.org_id, Some(user.id), user.email.clone())
    }

    /// The actor for an API token: the token's creator, labelled with the token's name.
    pub fn token(token: &ApiToken) -> Actor {
        Actor::new(
            token.org_id,
            Some(token.user_id),
            format!("token:{}", token.name),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    /// An argon2 PHC string; the store never sees or checks passwords.
    pub password_hash: String,
    pub role: Role,
    pub locale: UiLang,
}

/// A user account (the password hash is deliberately not part of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    /// Lower-cased, unique across all organisations.
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub locale: UiLang,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a live session carries besides its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// An API token as listed (never the token or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub org_id: OrgId,
    /// The user who created it; requests with the token act as this user.
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the token, shown so people can tell tokens apart.
    pub token_prefix: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiToken {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// A SKU as stored: the validated record plus bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSku {
    pub id: SkuId,
    pub org_id: OrgId,
    pub record: SkuRecord,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Starts at 1, +1 on every change; pass it back as `expected_version` to update safely.
    pub version: i64,
}

/// Sort order of catalogue lists. Ties are broken by id so paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkuSort {
    #[default]
    CodeAsc,
    CodeDesc,
    TitleAsc,
    TitleDesc,
    UpdatedDesc,
    UpdatedAsc,
}

impl SkuSort {
    pub const ALL: [SkuSort; 6] = [
        SkuSort::CodeAsc,
        SkuSort::CodeDesc,
        SkuSort::TitleAsc,
        SkuSort::TitleDesc,
        SkuSort::UpdatedDesc,
        SkuSort::UpdatedAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkuSort::CodeAsc => "code_asc",
            SkuSort::CodeDesc => "code_desc",
            SkuSort::TitleAsc => "title_asc",
            SkuSort::TitleDesc => "title_desc",
            SkuSort::UpdatedDesc => "updated_desc",
            SkuSort::UpdatedAsc => "updated_asc",
        }
    }

    pub fn parse(s: &str) -> Result<SkuSort, StoreError> {
        SkuSort::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "sort {s:?} is not one of code_asc, code_desc, title_asc, title_desc, updated_desc, updated_asc"
                ))
            })
    }

    pub(crate) fn order_by(self) -> &'static str {
        match self {
            // Codes are unique within an organisation: no tie-breaker needed, and adding one
            // would stop PostgreSQL reading the order off the (org_id, code) index.
            SkuSort::CodeAsc => "s.code ASC",
            SkuSort::CodeDesc => "s.code DESC",
            SkuSort::TitleAsc => "s.title ASC, s.id ASC",
            SkuSort::TitleDesc => "s.title DESC, s.id DESC",
            SkuSort::UpdatedDesc => "s.updated_at DESC, s.id DESC",
            SkuSort::UpdatedAsc => "s.updated_at ASC, s.id ASC",
        }
    }
}

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;

/// Filters for the catalogue list. All filters combine with AND; `None` means "any".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SkuQuery {
    /// Case-insensitive substring of code, title, brand, customs descriptions or HS codes.
    pub text: Option<String>,
    /// Exact brand, case-insensitive.
    pub brand: Option<String>,
    pub origin: Option<Country>,
    /// Digits the (6-digit or national) HS code starts with, e.g. "8507".
    pub hs_prefix: Option<String>,
    /// Exact tag, case-insensitive.
    pub tag: Option<String>,
    pub has_battery: Option<bool>,
    pub sort: SkuSort,
    /// 1-based.
    pub page: u32,
    /// 1..=200.
    pub per_page: u32,
}

impl Default for SkuQuery {
    fn default() -> Self {
        SkuQuery {
            text: None,
            brand: None,
            origin: None,
            hs_prefix: None,
            tag: None,
            has_battery: None,
            sort: SkuSort::default(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of matching items over all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    /// Number of pages (at least 1, so "page 1 of 1" reads right for an empty list).
    pub fn page_count(&self) -> u32 {
        if self.per_page == 0 {
            return 1;
        }
        let pages = self.total.div_ceil(u64::from(self.per_page)).max(1);
        u32::try_from(pages).unwrap_or(u32::MAX)
    }

    pub fn has_next(&self) -> bool {
        self.page < self.page_count()
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
}

/// What an import did. Unchanged rows are neither written nor audited; when nothing changed no
/// batch is recorded and `batch_id` is None.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub batch_id: Option<BatchId>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub org_id: OrgId,
    pub at: Timestamp,
    pub actor_user_id: Option<UserId>,
    pub actor_label: String,
    /// e.g. "sku.create", "sku.update", "sku.delete", "sku.import.create", "user.role", "token.revoke".
    pub action: String,
    /// e.g. "sku", "user", "api_token", "org", "import_batch", "session".
    pub entity_type: String,
    pub entity_id: String,
    pub batch_id: Option<BatchId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Filters for the audit log (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub batch_id: Option<BatchId>,
    pub page: u32,
    pub per_page: u32,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            entity_type: None,
            entity_id: None,
            actor_user_id: None,
            batch_id: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// Checks paging parameters, naming the bad one.
pub(crate) fn check_paging(page: u32, per_page: u32) -> Result<(), StoreError> {
    if page == 0 {
        return Err(StoreError::Invalid(
            "page 0 does not exist; pages are numbered from 1".into(),
        ));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(StoreError::Invalid(format!(
            "per_page {per_page} is out of range; expected 1 to {MAX_PER_PAGE}"
        )));
    }
    Ok(())
}
