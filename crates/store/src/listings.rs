//! Listing localization storage: one listing per SKU × marketplace × locale with its workflow
//! state, the full version history, and bulk-translation jobs.
//!
//! Invariants:
//! - every change (edit, translation, state transition, import, export) writes a new version row
//!   and an audit row in the same transaction as the change;
//! - the workflow only moves along [`ListingState::can_move`]; editing approved or exported text
//!   sends the listing back to draft, so nothing unreviewed is ever exported;
//! - descriptions are stored sanitised (listing-qa's HTML sanitiser), so no stored text can run
//!   script when shown;
//! - lengths are counted in Unicode scalar values, the way marketplaces count characters;
//! - an import or a multi-listing export is one transaction: all or nothing.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, get_i64, get_opt_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, OrgId, Page, SkuId, UserId, check_paging};
use crate::sql::{Arg, Filter};
use crate::time;

/// Marketplaces count at most this many bullet points.
pub const MAX_BULLETS: usize = 5;
/// Hard storage caps (characters); the marketplace limits are QA findings, not storage errors.
pub const MAX_TITLE_CHARS: usize = 1_000;
pub const MAX_BULLET_CHARS: usize = 2_000;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_SEARCH_TERMS_CHARS: usize = 2_000;
pub const MAX_ATTRIBUTES: usize = 50;

/// Tags kept in a stored description; anything else (and every script, style, event handler
/// and script URL) is removed by the sanitiser before the text is stored.
pub const STORED_HTML_TAGS: [&str; 18] = [
    "p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "h3", "h4", "table", "thead",
    "tbody", "tr", "th", "td",
];

/// Locales a listing is written from.
pub const SOURCE_LOCALES: [&str; 4] = ["zh-CN", "en", "en-US", "en-GB"];

/// Locales a listing can be stored in: the sources and the translation targets.
pub const LOCALES: [&str; 14] = [
    "zh-CN", "en", "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "zh-Hant",
    "nl-NL", "pl-PL", "sv-SE", "en-CA",
];

/// The canonical spelling of a supported locale tag (`de-de` → `de-DE`, `zh-TW` → `zh-Hant`).
pub fn canonical_locale(tag: &str) -> Result<&'static str> {
    let t = tag.trim().replace('_', "-");
    let alias = match t.to_ascii_lowercase().as_str() {
        "zh-tw" | "zh-hk" | "zh-hant-tw" => "zh-Hant",
        "zh-hans" | "zh" | "zh-hans-cn" => "zh-CN",
        _ => "",
    };
    if !alias.is_empty() {
        return Ok(if alias == "zh-Hant" {
            "zh-Hant"
        } else {
            "zh-CN"
        });
    }
    LOCALES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(&t))
        .copied()
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "locale {tag:?} is not supported; expected one of {}",
                LOCALES.join(", ")
            ))
        })
}

/// True for the locales listings are usually written in (zh-CN, en).
pub fn is_source_locale(locale: &str) -> bool {
    SOURCE_LOCALES.contains(&locale)
}

/// `amazon`, `amazon-de`, `ebay`, `shopify` ...: lower case letters, digits, `-` and `.`.
pub fn canonical_marketplace(m: &str) -> Result<String> {
    let m = m.trim().to_ascii_lowercase();
    if m.is_empty()
        || m.len() > 40
        || !m
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        return Err(StoreError::Invalid(format!(
            "marketplace {m:?} is not valid; expected a short name such as amazon or amazon-de"
        )));
    }
    Ok(m)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ListingId(pub i64);

impl fmt::Display for ListingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ListingId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        s.trim()
            .parse::<i64>()
            .map(ListingId)
            .map_err(|_| StoreError::Invalid(format!("listing id {s:?} is not a number")))
    }
}

/// Where a listing is in its review workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingState {
    Draft,
    MachineTranslated,
    InReview,
    Approved,
    Exported,
}

impl ListingState {
    pub const ALL: [ListingState; 5] = [
        ListingState::Draft,
        ListingState::MachineTranslated,
        ListingState::InReview,
        ListingState::Approved,
        ListingState::Exported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListingState::Draft => "draft",
            ListingState::MachineTranslated => "machine_translated",
            ListingState::InReview => "in_review",
            ListingState::Approved => "approved",
            ListingState::Exported => "exported",
        }
    }

    pub fn parse(s: &str) -> Result<ListingState> {
        let t = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        ListingState::ALL
            .into_iter()
            .find(|st| st.as_str() == t)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "state {s:?} is not one of draft, machine_translated, in_review, approved, exported"
                ))
            })
    }

    /// The state an action leads to from this one, or `None` when the workflow forbids it.
    pub fn after(self, action: ListingAction) -> Option<ListingState> {
        use ListingAction as A;
        use ListingState as S;
        match (action, self) {
            (A::Edit, S::Approved | S::Exported) => Some(S::Draft),
            (A::Edit, s) => Some(s),
            (A::Translate, S::Draft | S::MachineTranslated) => Some(S::MachineTranslated),
            (A::Submit, S::Draft | S::MachineTranslated) => Some(S::InReview),
            (A::Approve, S::InReview) => Some(S::Approved),
            (A::Reject, S::InReview) => Some(S::Draft),
            (A::Export, S::Approved | S::Exported) => Some(S::Exported),
            _ => None,
        }
    }

    /// True when the workflow allows `action` now.
    pub fn can_move(self, action: ListingAction) -> bool {
        self.after(action).is_some()
    }
}

impl fmt::Display for ListingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was done to a listing (one version row each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingAction {
    Create,
    Edit,
    Translate,
    Submit,
    Approve,
    Reject,
    Export,
    Import,
}

impl ListingAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingAction::Create => "create",
            ListingAction::Edit => "edit",
            ListingAction::Translate => "translate",
            ListingAction::Submit => "submit",
            ListingAction::Approve => "approve",
            ListingAction::Reject => "reject",
            ListingAction::Export => "export",
            ListingAction::Import => "import",
        }
    }

    fn parse(s: &str) -> Result<ListingAction> {
        [
            ListingAction::Create,
            ListingAction::Edit,
            ListingAction::Translate,
            ListingAction::Submit,
            ListingAction::Approve,
            ListingAction::Reject,
            ListingAction::Export,
            ListingAction::Import,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
        .ok_or_else(|| StoreError::corrupt(format!("listing_versions.action holds {s:?}")))
    }

    /// True for the actions that change the text (as opposed to moving the state).
    pub fn changes_text(self) -> bool {
        matches!(
            self,
            ListingAction::Create
                | ListingAction::Edit
                | ListingAction::Translate
                | ListingAction::Import
        )
    }
}

/// The text of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingContent {
    pub title: String,
    #[serde(default)]
    pub bullets: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub search_terms: String,
    /// Key attributes (`brand`, `colour`, `material`, `size` ...).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn cap(field: &str, value: &str, max: usize) -> Result<()> {
    check_text(field, value)?;
    let n = chars(value);
    if n > max {
        return Err(StoreError::Invalid(format!(
            "{field} has {n} characters; at most {max} can be stored"
        )));
    }
    Ok(())
}

impl ListingContent {
    /// Trims the fields, drops empty bullets, sanitises the description and checks the caps.
    pub fn normalised(&self) -> Result<ListingContent> {
        let title = self.title.trim().to_string();
        cap("title", &title, MAX_TITLE_CHARS)?;
        let bullets: Vec<String> = self
            .bullets
            .iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect();
        if bullets.len() > MAX_BULLETS {
            return Err(StoreError::Invalid(format!(
                "{} bullet points given; at most {MAX_BULLETS} are kept",
                bullets.len()
            )));
        }
        for (i, b) in bullets.iter().enumerate() {
            cap(&format!("bullet {}", i + 1), b, MAX_BULLET_CHARS)?;
        }
        let allowed: Vec<String> = STORED_HTML_TAGS.iter().map(|t| t.to_string()).collect();
        let description = tradelane_listing_qa::html::sanitize(self.description.trim(), &allowed)
            .trim()
            .to_string();
        cap("description", &description, MAX_DESCRIPTION_CHARS)?;
        let search_terms = self.search_terms.trim().to_string();
        cap("search terms", &search_terms, MAX_SEARCH_TERMS_CHARS)?;
        if self.attributes.len() > MAX_ATTRIBUTES {
            return Err(StoreError::Invalid(format!(
                "{} attributes given; at most {MAX_ATTRIBUTES} are kept",
                self.attributes.len()
            )));
        }
        let mut attributes = BTreeMap::new();
        for (k, v) in &self.attributes {
            let k = k.trim().to_lowercase();
            let v = v.trim().to_string();
            if k.is_empty() || v.is_empty() {
                continue;
            }
            cap(&format!("attribute {k}"), &v, 500)?;
            cap("attribute name", &k, 60)?;
            attributes.insert(k, v);
        }
        Ok(ListingContent {
            title,
            bullets,
            description,
            search_terms,
            attributes,
        })
    }

    /// True when there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.title.is_empty()
            && self.bullets.is_empty()
            && self.description.is_empty()
            && self.search_terms.is_empty()
    }
}

/// A listing to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewListing {
    pub sku_id: SkuId,
    pub marketplace: String,
    pub locale: String,
    /// The listing this one translates (same SKU); `None` for a source listing.
    pub source_id: Option<ListingId>,
    pub content: ListingContent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredListing {
    pub id: ListingId,
    pub org_id: OrgId,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub marketplace: String,
    pub locale: String,
    pub source_id: Option<ListingId>,
    pub state: ListingState,
    pub content: ListingContent,
    /// `human`, or the label of the translation provider that wrote the current text.
    pub origin: String,
    /// The reviewer's comment of the last approve / reject.
    pub review_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One entry of a listing's history: the full content after the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingVersion {
    pub version: i64,
    pub action: ListingAction,
    pub state: ListingState,
    pub content: ListingContent,
    pub comment: Option<String>,
    pub actor_user_id: Option<UserId>,
    pub actor_label: String,
    pub at: Timestamp,
}

/// Filters for the listing list; `None` means any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingQuery {
    pub sku_id: Option<SkuId>,
    pub marketplace: Option<String>,
    pub locale: Option<String>,
    pub state: Option<ListingState>,
    /// Substring of the SKU code or the title.
    pub text: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

impl Default for ListingQuery {
    fn default() -> Self {
        ListingQuery {
            sku_id: None,
            marketplace: None,
            locale: None,
            state: None,
            text: None,
            page: 1,
            per_page: crate::model::DEFAULT_PER_PAGE,
        }
    }
}

/// One row of an import: a listing named by SKU code, marketplace and locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingImportRow {
    pub sku_code: String,
    pub marketplace: String,
    pub locale: String,
    pub content: ListingContent,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Status of a bulk job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<JobStatus> {
        match s {
            "running" => Ok(JobStatus::Running),
            "done" => Ok(JobStatus::Done),
            "failed" => Ok(JobStatus::Failed),
            other => Err(StoreError::corrupt(format!(
                "listing_jobs.status holds {other:?}"
            ))),
        }
    }
}

/// One item of a job's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobItem {
    pub sku_code: String,
    pub listing_id: Option<ListingId>,
    /// `translated`, `skipped` or `failed`.
    pub outcome: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingJob {
    pub id: i64,
    pub org_id: OrgId,
    pub kind: String,
    pub marketplace: String,
    pub target_locale: String,
    pub status: JobStatus,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub items: Vec<JobItem>,
    pub actor_label: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ListingJob {
    /// Percentage of items processed, 0..=100.
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            100
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

const LISTING_COLUMNS: &str = "l.id, l.org_id, l.sku_id, s.code AS sku_code, l.marketplace, \
     l.locale, l.source_id, l.state, l.title, l.bullets_json, l.description, l.search_terms, \
     l.attributes_json, l.origin, l.review_comment, l.version, l.created_at, l.updated_at";

fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::corrupt(format!("{column} is not readable: {e}")))
}

fn listing_from_row(row: &AnyRow) -> Result<StoredListing> {
    let state = ListingState::parse(&get_string(row, "state")?)
        .map_err(|e| StoreError::corrupt(format!("listings.state: {e}")))?;
    Ok(StoredListing {
        id: ListingId(get_i64(row, "id")?),
        org_id: OrgId(get_i64(row, "org_id")?),
        sku_id: SkuId(get_i64(row, "sku_id")?),
        sku_code: get_string(row, "sku_code")?,
        marketplace: get_string(row, "marketplace")?,
        locale: get_string(row, "locale")?,
        source_id: get_opt_i64(row, "source_id")?.map(ListingId),
        state,
        content: ListingContent {
            title: get_string(row, "title")?,
            bullets: from_json("listings.bullets_json", &get_string(row, "bullets_json")?)?,
            description: get_string(row, "description")?,
            search_terms: get_string(row, "search_terms")?,
            attributes: from_json(
                "listings.attributes_json",
                &get_string(row, "attributes_json")?,
            )?,
        },
        origin: get_string(row, "origin")?,
        review_comment: get_opt_string(row, "review_comment")?,
        version: get_i64(row, "version")?,
        created_at: time::from_text("listings.created_at", &get_string(row, "created_at")?)?,
        updated_at: time::from_text("listings.updated_at", &get_string(row, "updated_at")?)?,
    })
}

async fn fetch(conn: &mut AnyConnection, org: OrgId, id: ListingId) -> Result<StoredListing> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {LISTING_COLUMNS} FROM listings l JOIN skus s ON s.id = l.sku_id \
         WHERE l.id = $1 AND l.org_id = $2"
    )))
    .bind(id.0)
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("listing", id))?;
    listing_from_row(&row)
}

/// The audit snapshot of a listing.
fn snapshot(l: &StoredListing) -> serde_json::Value {
    serde_json::json!({
        "sku": l.sku_code,
        "marketplace": l.marketplace,
        "locale": l.locale,
        "state": l.state.as_str(),
        "origin": l.origin,
        "version": l.version,
        "title": l.content.title,
        "bullets": l.content.bullets,
        "description": l.content.description,
        "search_terms": l.content.search_terms,
        "attributes": l.content.attributes,
        "review_comment": l.review_comment,
    })
}

fn comment_text(comment: Option<&str>) -> Result<Option<String>> {
    match comment.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => {
            cap("comment", c, 2_000)?;
            Ok(Some(c.to_string()))
        }
        None => Ok(None),
    }
}

/// Writes the row's new state and content, a version row and the audit row.
#[allow(clippy::too_many_arguments)]
async fn write_change(
    conn: &mut AnyConnection,
    actor: &Actor,
    before: Option<&StoredListing>,
    after: &StoredListing,
    action: ListingAction,
    comment: Option<&str>,
    batch: Option<crate::model::BatchId>,
) -> Result<()> {
    let at = after.updated_at;
    sqlx::query(
        "UPDATE listings SET state = $1, title = $2, bullets_json = $3, description = $4, \
         search_terms = $5, attributes_json = $6, origin = $7, review_comment = $8, version = $9, \
         updated_at = $10, source_id = $11 WHERE id = $12 AND org_id = $13",
    )
    .bind(after.state.as_str().to_string())
    .bind(after.content.title.clone())
    .bind(audit::json(&after.content.bullets)?)
    .bind(after.content.description.clone())
    .bind(after.content.search_terms.clone())
    .bind(audit::json(&after.content.attributes)?)
    .bind(after.origin.clone())
    .bind(after.review_comment.clone())
    .bind(after.version)
    .bind(time::to_text(at))
    .bind(after.source_id.map(|s| s.0))
    .bind(after.id.0)
    .bind(actor.org_id.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO listing_versions (org_id, listing_id, version, action, state, content_json, \
         comment, actor_user_id, actor_label, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(actor.org_id.0)
    .bind(after.id.0)
    .bind(after.version)
    .bind(action.as_str().to_string())
    .bind(after.state.as_str().to_string())
    .bind(audit::json(&after.content)?)
    .bind(comment.map(str::to_string))
    .bind(actor.user_id.map(|u| u.0))
    .bind(actor.label.clone())
    .bind(time::to_text(at))
    .execute(&mut *conn)
    .await?;
    audit::write(
        conn,
        actor,
        at,
        AuditRecord {
            action: &format!("listing.{}", action.as_str()),
            entity_type: "listing",
            entity_id: after.id.to_string(),
            batch_id: batch,
            before: before.map(|b| audit::json(&snapshot(b))).transpose()?,
            after: Some(audit::json(&snapshot(after))?),
        },
    )
    .await
}

async fn insert_listing(
    conn: &mut AnyConnection,
    actor: &Actor,
    sku_id: SkuId,
    marketplace: &str,
    locale: &str,
    source_id: Option<ListingId>,
    at: Timestamp,
) -> Result<ListingId> {
    let row = sqlx::query(
        "INSERT INTO listings (org_id, sku_id, marketplace, locale, source_id, state, title, \
         bullets_json, description, search_terms, attributes_json, origin, review_comment, \
         version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', '', '[]', '', '', '{}', 'human', NULL, 0, $6, $6) \
         RETURNING id",
    )
    .bind(actor.org_id.0)
    .bind(sku_id.0)
    .bind(marketplace.to_string())
    .bind(locale.to_string())
    .bind(source_id.map(|s| s.0))
    .bind(time::to_text(at))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                what: format!(
                    "this SKU already has a {marketplace} listing in {locale}; edit that one"
                ),
            }
        } else {
            e.into()
        }
    })?;
    Ok(ListingId(get_i64(&row, "id")?))
}

async fn sku_in_org(conn: &mut AnyConnection, org: OrgId, sku: SkuId) -> Result<String> {
    let row = sqlx::query("SELECT code FROM skus WHERE id = $1 AND org_id = $2")
        .bind(sku.0)
        .bind(org.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("SKU", sku))?;
    get_string(&row, "code")
}

fn check_version(current: &StoredListing, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != current.version => Err(StoreError::VersionMismatch),
        _ => Ok(()),
    }
}

fn not_allowed(l: &StoredListing, action: ListingAction) -> StoreError {
    StoreError::Conflict {
        what: format!(
            "listing {} is {}; it cannot be {} from that state",
            l.id,
            l.state,
            match action {
                ListingAction::Translate => "machine-translated",
                ListingAction::Submit => "submitted for review",
                ListingAction::Approve => "approved",
                ListingAction::Reject => "rejected",
                ListingAction::Export => "exported",
                _ => "changed",
            }
        ),
    }
}

impl Store {
    /// Creates a listing (state draft, version 1).
    pub async fn create_listing(&self, actor: &Actor, new: &NewListing) -> Result<StoredListing> {
        let marketplace = canonical_marketplace(&new.marketplace)?;
        let locale = canonical_locale(&new.locale)?;
        let content = new.content.normalised()?;
        if content.title.is_empty() {
            return Err(StoreError::Invalid(
                "title is empty; a listing needs at least a title".into(),
            ));
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        sku_in_org(&mut tx, actor.org_id, new.sku_id).await?;
        if let Some(src) = new.source_id {
            let s = fetch(&mut tx, actor.org_id, src).await?;
            if s.sku_id != new.sku_id {
                return Err(StoreError::Invalid(format!(
                    "source listing {src} belongs to another SKU"
                )));
            }
        }
        let at = time::now();
        let id = insert_listing(
            &mut tx,
            actor,
            new.sku_id,
            &marketplace,
            locale,
            new.source_id,
            at,
        )
        .await?;
        let mut after = fetch(&mut tx, actor.org_id, id).await?;
        after.content = content;
        after.version = 1;
        after.updated_at = at;
        write_change(
            &mut tx,
            actor,
            None,
            &after,
            ListingAction::Create,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn get_listing(&self, org: OrgId, id: ListingId) -> Result<StoredListing> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, org, id).await
    }

    /// The listing of a SKU on a marketplace in a locale, if there is one.
    pub async fn find_listing(
        &self,
        org: OrgId,
        sku: SkuId,
        marketplace: &str,
        locale: &str,
    ) -> Result<Option<StoredListing>> {
        let marketplace = canonical_marketplace(marketplace)?;
        let locale = canonical_locale(locale)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {LISTING_COLUMNS} FROM listings l JOIN skus s ON s.id = l.sku_id \
             WHERE l.org_id = $1 AND l.sku_id = $2 AND l.marketplace = $3 AND l.locale = $4"
        )))
        .bind(org.0)
        .bind(sku.0)
        .bind(marketplace)
        .bind(locale.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(listing_from_row).transpose()
    }

    /// Listings of the organisation, filtered, by SKU code then marketplace and locale.
    pub async fn list_listings(&self, org: OrgId, q: &ListingQuery) -> Result<Page<StoredListing>> {
        check_paging(q.page, q.per_page)?;
        let mut f = Filter::new();
        f.and("l.org_id = {}", vec![Arg::I64(org.0)]);
        if let Some(s) = q.sku_id {
            f.and("l.sku_id = {}", vec![Arg::I64(s.0)]);
        }
        if let Some(m) = q.marketplace.as_deref().filter(|m| !m.trim().is_empty()) {
            f.and(
                "l.marketplace = {}",
                vec![Arg::Text(canonical_marketplace(m)?)],
            );
        }
        if let Some(l) = q.locale.as_deref().filter(|l| !l.trim().is_empty()) {
            f.and(
                "l.locale = {}",
                vec![Arg::Text(canonical_locale(l)?.to_string())],
            );
        }
        if let Some(st) = q.state {
            f.and("l.state = {}", vec![Arg::Text(st.as_str().to_string())]);
        }
        if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!("%{}%", crate::db::escape_like(&t.to_lowercase()));
            f.and(
                "(LOWER(s.code) LIKE {} ESCAPE '\\' OR LOWER(l.title) LIKE {} ESCAPE '\\')",
                vec![Arg::Text(like.clone()), Arg::Text(like)],
            );
        }
        let where_sql = f.where_sql();
        let total: i64 = f
            .query(format!(
                "SELECT COUNT(*) AS n FROM listings l JOIN skus s ON s.id = l.sku_id {where_sql}"
            ))
            .fetch_one(&self.pool)
            .await
            .and_then(|r| sqlx::Row::try_get::<i64, _>(&r, "n"))?;
        let offset = i64::from(q.page - 1) * i64::from(q.per_page);
        let rows = f
            .query(format!(
                "SELECT {LISTING_COLUMNS} FROM listings l JOIN skus s ON s.id = l.sku_id \
                 {where_sql} ORDER BY s.code, l.marketplace, l.locale, l.id LIMIT {} OFFSET {offset}",
                q.per_page
            ))
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows
                .iter()
                .map(listing_from_row)
                .collect::<Result<Vec<_>>>()?,
            total: u64::try_from(total).unwrap_or(0),
            page: q.page,
            per_page: q.per_page,
        })
    }

    /// Number of listings per state (for the list page's filter chips).
    pub async fn count_listings_by_state(&self, org: OrgId) -> Result<BTreeMap<ListingState, i64>> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM listings WHERE org_id = $1 GROUP BY state",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = BTreeMap::new();
        for r in rows {
            let st = ListingState::parse(&get_string(&r, "state")?)
                .map_err(|e| StoreError::corrupt(format!("listings.state: {e}")))?;
            out.insert(st, get_i64(&r, "n")?);
        }
        Ok(out)
    }

    /// Replaces the text of a listing. `expected_version` guards against lost updates.
    /// Editing approved or exported text sends the listing back to draft.
    pub async fn update_listing_content(
        &self,
        actor: &Actor,
        id: ListingId,
        expected_version: Option<i64>,
        content: &ListingContent,
    ) -> Result<StoredListing> {
        let content = content.normalised()?;
        if content.title.is_empty() {
            return Err(StoreError::Invalid(
                "title is empty; a listing needs at least a title".into(),
            ));
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = fetch(&mut tx, actor.org_id, id).await?;
        check_version(&before, expected_version)?;
        if before.content == content {
            return Ok(before);
        }
        let mut after = before.clone();
        after.state = before
            .state
            .after(ListingAction::Edit)
            .unwrap_or(ListingState::Draft);
        after.content = content;
        if before.origin != "human" && !before.origin.ends_with("+edited") {
            after.origin = format!("{}+edited", before.origin);
        }
        after.version += 1;
        after.updated_at = time::now();
        write_change(
            &mut tx,
            actor,
            Some(&before),
            &after,
            ListingAction::Edit,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Stores a machine translation into the (target) listing: state machine_translated.
    /// Creates the target listing when `id` is `None`. Only draft and machine-translated
    /// listings are overwritten; anything a person has moved on is left alone (Conflict).
    pub async fn save_translation(
        &self,
        actor: &Actor,
        source: &StoredListing,
        marketplace: &str,
        locale: &str,
        content: &ListingContent,
        origin: &str,
    ) -> Result<StoredListing> {
        let marketplace = canonical_marketplace(marketplace)?;
        let locale = canonical_locale(locale)?;
        let content = content.normalised()?;
        if content.title.is_empty() {
            return Err(StoreError::Invalid(
                "the translation has an empty title".into(),
            ));
        }
        cap("origin", origin, 100)?;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let src = fetch(&mut tx, actor.org_id, source.id).await?;
        let existing = sqlx::query(
            "SELECT id FROM listings WHERE org_id = $1 AND sku_id = $2 AND marketplace = $3 \
             AND locale = $4",
        )
        .bind(actor.org_id.0)
        .bind(src.sku_id.0)
        .bind(marketplace.clone())
        .bind(locale.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let at = time::now();
        let (before, mut after) = match existing {
            Some(row) => {
                let b = fetch(&mut tx, actor.org_id, ListingId(get_i64(&row, "id")?)).await?;
                if b.id == src.id {
                    return Err(StoreError::Invalid(
                        "a listing cannot be translated into itself".into(),
                    ));
                }
                if !b.state.can_move(ListingAction::Translate) {
                    return Err(not_allowed(&b, ListingAction::Translate));
                }
                let a = b.clone();
                (Some(b), a)
            }
            None => {
                let id = insert_listing(
                    &mut tx,
                    actor,
                    src.sku_id,
                    &marketplace,
                    locale,
                    Some(src.id),
                    at,
                )
                .await?;
                (None, fetch(&mut tx, actor.org_id, id).await?)
            }
        };
        after.state = ListingState::MachineTranslated;
        after.content = content;
        after.origin = origin.to_string();
        after.source_id = Some(src.id);
        after.version += 1;
        after.updated_at = at;
        write_change(
            &mut tx,
            actor,
            before.as_ref(),
            &after,
            ListingAction::Translate,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Moves a listing along the workflow (submit, approve, reject, export). A reject needs a
    /// comment saying what to change.
    pub async fn transition_listing(
        &self,
        actor: &Actor,
        id: ListingId,
        expected_version: Option<i64>,
        action: ListingAction,
        comment: Option<&str>,
    ) -> Result<StoredListing> {
        if action.changes_text() {
            return Err(StoreError::Invalid(format!(
                "{} is not a workflow step",
                action.as_str()
            )));
        }
        let comment = comment_text(comment)?;
        if action == ListingAction::Reject && comment.is_none() {
            return Err(StoreError::Invalid(
                "a rejection needs a comment saying what to change".into(),
            ));
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = fetch(&mut tx, actor.org_id, id).await?;
        check_version(&before, expected_version)?;
        let Some(next) = before.state.after(action) else {
            return Err(not_allowed(&before, action));
        };
        let mut after = before.clone();
        after.state = next;
        if matches!(action, ListingAction::Approve | ListingAction::Reject) {
            after.review_comment = comment.clone();
        }
        after.version += 1;
        after.updated_at = time::now();
        write_change(
            &mut tx,
            actor,
            Some(&before),
            &after,
            action,
            comment.as_deref(),
            None,
        )
        .await?;
        // An approved translation teaches the memory, in the approval's transaction.
        if action == ListingAction::Approve
            && let Some(src_id) = after.source_id
        {
            match fetch(&mut tx, actor.org_id, src_id).await {
                Ok(src) => {
                    crate::translation::learn_approved(
                        &mut tx,
                        actor,
                        &src,
                        &after,
                        after.updated_at,
                    )
                    .await?;
                }
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(after)
    }

    /// Marks listings exported in one transaction: every one must be approved (or already
    /// exported), else nothing changes.
    pub async fn mark_listings_exported(
        &self,
        actor: &Actor,
        ids: &[ListingId],
    ) -> Result<Vec<StoredListing>> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let at = time::now();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let before = fetch(&mut tx, actor.org_id, *id).await?;
            if !before.state.can_move(ListingAction::Export) {
                return Err(not_allowed(&before, ListingAction::Export));
            }
            let mut after = before.clone();
            after.state = ListingState::Exported;
            after.version += 1;
            after.updated_at = at;
            write_change(
                &mut tx,
                actor,
                Some(&before),
                &after,
                ListingAction::Export,
                None,
                None,
            )
            .await?;
            out.push(after);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The version history, newest first.
    pub async fn listing_versions(&self, org: OrgId, id: ListingId) -> Result<Vec<ListingVersion>> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, org, id).await?;
        let rows = sqlx::query(
            "SELECT version, action, state, content_json, comment, actor_user_id, actor_label, at \
             FROM listing_versions WHERE org_id = $1 AND listing_id = $2 ORDER BY version DESC",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ListingVersion {
                    version: get_i64(r, "version")?,
                    action: ListingAction::parse(&get_string(r, "action")?)?,
                    state: ListingState::parse(&get_string(r, "state")?)
                        .map_err(|e| StoreError::corrupt(format!("listing_versions.state: {e}")))?,
                    content: from_json(
                        "listing_versions.content_json",
                        &get_string(r, "content_json")?,
                    )?,
                    comment: get_opt_string(r, "comment")?,
                    actor_user_id: get_opt_i64(r, "actor_user_id")?.map(UserId),
                    actor_label: get_string(r, "actor_label")?,
                    at: time::from_text("listing_versions.at", &get_string(r, "at")?)?,
                })
            })
            .collect()
    }

    /// Imports listings in one transaction, upserting by (SKU code, marketplace, locale).
    /// Rows whose text is unchanged write nothing; changed approved/exported listings go back
    /// to draft. Any bad row fails the whole import, naming the row (1-based, after the header).
    pub async fn import_listings(
        &self,
        actor: &Actor,
        rows: &[ListingImportRow],
    ) -> Result<ListingImportOutcome> {
        let mut prepared = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashSet::new();
        for (i, r) in rows.iter().enumerate() {
            let n = i + 2;
            let ctx = |e: StoreError| match e {
                StoreError::Invalid(m) => StoreError::Invalid(format!("row {n}: {m}")),
                other => other,
            };
            let marketplace = canonical_marketplace(&r.marketplace).map_err(ctx)?;
            let locale = canonical_locale(&r.locale).map_err(ctx)?;
            let content = r.content.normalised().map_err(ctx)?;
            if content.title.is_empty() {
                return Err(StoreError::Invalid(format!("row {n}: title is empty")));
            }
            let code = r.sku_code.trim().to_string();
            if !seen.insert((code.clone(), marketplace.clone(), locale)) {
                return Err(StoreError::Invalid(format!(
                    "row {n}: {code} {marketplace} {locale} appears twice in the file"
                )));
            }
            prepared.push((n, code, marketplace, locale, content));
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let at = time::now();
        let mut outcome = ListingImportOutcome::default();
        for (n, code, marketplace, locale, content) in prepared {
            let sku = sqlx::query("SELECT id FROM skus WHERE org_id = $1 AND code = $2")
                .bind(actor.org_id.0)
                .bind(code.clone())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "row {n}: SKU {code:?} is not in the catalogue; import the SKU first"
                    ))
                })?;
            let sku_id = SkuId(get_i64(&sku, "id")?);
            let existing = sqlx::query(
                "SELECT id FROM listings WHERE org_id = $1 AND sku_id = $2 AND marketplace = $3 \
                 AND locale = $4",
            )
            .bind(actor.org_id.0)
            .bind(sku_id.0)
            .bind(marketplace.clone())
            .bind(locale.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let (before, mut after) = match existing {
                Some(row) => {
                    let b = fetch(&mut tx, actor.org_id, ListingId(get_i64(&row, "id")?)).await?;
                    if b.content == content {
                        outcome.unchanged += 1;
                        continue;
                    }
                    outcome.updated += 1;
                    let mut a = b.clone();
                    a.state = b
                        .state
                        .after(ListingAction::Edit)
                        .unwrap_or(ListingState::Draft);
                    (Some(b), a)
                }
                None => {
                    outcome.created += 1;
                    let id = insert_listing(&mut tx, actor, sku_id, &marketplace, locale, None, at)
                        .await?;
                    (None, fetch(&mut tx, actor.org_id, id).await?)
                }
            };
            after.content = content;
            after.origin = "human".into();
            after.version += 1;
            after.updated_at = at;
            write_change(
                &mut tx,
                actor,
                before.as_ref(),
                &after,
                ListingAction::Import,
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Starts a job record (status running).
    pub async fn create_listing_job(
        &self,
        actor: &Actor,
        kind: &str,
        marketplace: &str,
        target_locale: &str,
        total: i64,
    ) -> Result<ListingJob> {
        let at = time::now();
        let row = sqlx::query(
            "INSERT INTO listing_jobs (org_id, kind, marketplace, target_locale, status, total, \
             done, failed, report_json, actor_label, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'running', $5, 0, 0, '[]', $6, $7, $7) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(kind.to_string())
        .bind(marketplace.to_string())
        .bind(target_locale.to_string())
        .bind(total)
        .bind(actor.label.clone())
        .bind(time::to_text(at))
        .fetch_one(&self.pool)
        .await?;
        self.get_listing_job(actor.org_id, get_i64(&row, "id")?)
            .await
    }

    /// Records a job's progress (items processed so far) and, when `status` is not running,
    /// its end.
    pub async fn update_listing_job(
        &self,
        org: OrgId,
        id: i64,
        status: JobStatus,
        items: &[JobItem],
    ) -> Result<()> {
        let failed = items.iter().filter(|i| i.outcome == "failed").count() as i64;
        sqlx::query(
            "UPDATE listing_jobs SET status = $1, done = $2, failed = $3, report_json = $4, \
             updated_at = $5 WHERE id = $6 AND org_id = $7",
        )
        .bind(status.as_str().to_string())
        .bind(items.len() as i64)
        .bind(failed)
        .bind(audit::json(&items)?)
        .bind(time::to_text(time::now()))
        .bind(id)
        .bind(org.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn get_listing_job(&self, org: OrgId, id: i64) -> Result<ListingJob> {
        let r = sqlx::query(
            "SELECT id, org_id, kind, marketplace, target_locale, status, total, done, failed, \
             report_json, actor_label, created_at, updated_at FROM listing_jobs \
             WHERE id = $1 AND org_id = $2",
        )
        .bind(id)
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("job", id))?;
        Ok(ListingJob {
            id: get_i64(&r, "id")?,
            org_id: OrgId(get_i64(&r, "org_id")?),
            kind: get_string(&r, "kind")?,
            marketplace: get_string(&r, "marketplace")?,
            target_locale: get_string(&r, "target_locale")?,
            status: JobStatus::parse(&get_string(&r, "status")?)?,
            total: get_i64(&r, "total")?,
            done: get_i64(&r, "done")?,
            failed: get_i64(&r, "failed")?,
            items: from_json("listing_jobs.report_json", &get_string(&r, "report_json")?)?,
            actor_label: get_string(&r, "actor_label")?,
            created_at: time::from_text("listing_jobs.created_at", &get_string(&r, "created_at")?)?,
            updated_at: time::from_text("listing_jobs.updated_at", &get_string(&r, "updated_at")?)?,
        })
    }
}

#[cfg(test)]
mod tests;
