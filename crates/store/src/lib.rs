//! Storage for tradelane on SQLite (default) and PostgreSQL behind one interface.
//!
//! One set of SQL serves both backends through sqlx's `Any` driver (`$1` placeholders, portable
//! column types: BIGINT ids and counters, BIGINT 0/1 booleans, TEXT for the rest). Migrations
//! live in `migrations/sqlite` and `migrations/postgres`, kept in step, and run on connect.
//!
//! Invariants:
//! - every query on tenant data filters by `org_id`; methods taking an [`Actor`] act only inside
//!   `actor.org_id`, so one organisation can never read or change another's rows;
//! - every change writes its audit row in the same transaction as the change;
//! - every multi-row write is one transaction: it happens entirely or not at all.

pub mod alerts;
mod audit;
mod db;
mod derive;
mod error;
pub mod exceptions;
pub mod freight;
mod import;
pub mod landed_cost;
pub mod listings;
mod model;
mod orgs;
mod owned;
pub mod pools;
mod sessions;
mod skus;
mod sql;
pub mod tax;
mod time;
mod tokens;
pub mod tracking;
pub mod trade_profile;
pub mod trademarks;
pub mod translation;
mod users;
pub mod vault;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;

pub use alerts::{
    Alert, AlertId, AlertSeverity, AttemptOutcome, Channel, DeliveryStatus, DueWebhook,
    EndpointSpec, InboxItem, JobRow, Localized, NewAlert, OutboxEmail, RaisedAlert,
    StoredSubscription, SubscriptionRule, WebhookDelivery, WebhookEndpoint,
};
pub use db::{
    Backend, DEFAULT_DATABASE_URL, DEFAULT_SQLITE_FILE, DatabaseUrl, redact_url, sqlite_url_for_dir,
};
pub use error::{Result, StoreError};
pub use exceptions::{ExceptionQuery, ExceptionRuleSet, ExceptionRunReport, ShipmentException};
pub use jiff::Timestamp;
pub use landed_cost::{
    FxRateRow, NewQuote, RulePackInfo, StoredQuote, StoredRulePack, compose_pack,
};
pub use listings::{
    JobItem, JobStatus, ListingAction, ListingContent, ListingId, ListingImportOutcome,
    ListingImportRow, ListingJob, ListingQuery, ListingState, ListingVersion, NewListing,
    StoredListing,
};
pub use model::{
    Actor, ApiToken, AuditEntry, AuditId, AuditQuery, BatchId, DEFAULT_PER_PAGE, ImportOutcome,
    MAX_PER_PAGE, NewUser, Org, OrgId, Page, Role, SessionInfo, SkuId, SkuQuery, SkuSort,
    StoredSku, TokenId, User, UserId,
};
pub use pools::{
    CartonWrite, CartonWriteOutcome, JoinPool, NewPool, PoolId, PoolMember, PoolStatus,
    PoolVisibility, StoredPool,
};
pub use sessions::hash_token;
pub use time::{now, truncate_to_micros};
pub use tracking::{
    ConnectorCredentials, ConnectorKind, ConnectorUpdate, IngestOutcome, MappingOverride,
    MasterEvent, MasterMember, MatchKind, NewConnector, NewLeg, NewMappingOverride,
    NewMasterShipment, NewShipment, RawEventError, RawIngestOptions, RawIngestReport,
    ReclassifyReport, ShipmentId, ShipmentQuery, StoredConnector, StoredEvent, StoredLeg,
    StoredMasterShipment, StoredShipment, UnmappedCode, WebhookSource,
};
pub use trade_profile::{TradeProfile, TradeProfileInput, TradeRegistration};
pub use users::normalize_email;
pub use vault::{DocumentId, DocumentQuery, NewDocument, StoredDocument, SubjectKind};

/// The database handle: cheap to clone (it wraps a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: sqlx::AnyPool,
    backend: Backend,
    url: DatabaseUrl,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("url", &self.url)
            .finish()
    }
}

impl Store {
    /// Connects to `sqlite://PATH[?mode=rwc]` (the file and its directory are created when
    /// missing) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        let (pool, backend) = db::open_pool(url).await?;
        tracing::debug!(backend = %backend, url = %redact_url(url), "store connected");
        Ok(Store {
            pool,
            backend,
            url: DatabaseUrl::new(url),
        })
    }

    /// Opens (creating if needed) the default SQLite database `tradelane.sqlite3` in `data_dir`.
    pub async fn open_default(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        })?;
        Store::connect(&sqlite_url_for_dir(data_dir)).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL this store was opened with, password hidden when printed.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Checks the database answers (for a health endpoint).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes all connections; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
