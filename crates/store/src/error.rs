//! The one error type of the store.

/// What can go wrong in a store call. Messages name the entity, field or value involved so the
/// server can show them (after mapping `NotFound` to 404, `Conflict`/`VersionMismatch` to 409 and
/// `Invalid` to 422); `Database` and `Migration` are internal and should be logged, not shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The entity does not exist in the caller's organisation (which, for isolation, is the same
    /// answer as "it exists in another organisation").
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// A uniqueness rule would be broken (SKU code in the organisation, e-mail address, ...).
    #[error("conflict: {what}")]
    Conflict { what: String },
    /// Optimistic concurrency: the row was changed since the caller read it.
    #[error("the record was changed by someone else since it was loaded; reload and try again")]
    VersionMismatch,
    /// The input cannot be stored as given (NUL characters, bad e-mail, paging out of range ...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A stored row could not be turned back into its type: the database was edited by hand or
    /// written by an incompatible version.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database URL is unusable.
    #[error("database configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        StoreError::Corrupt(what.into())
    }
}

/// True when the error is a unique-constraint violation on either backend.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

/// Rejects text PostgreSQL cannot store (TEXT cannot hold NUL), naming the field.
pub(crate) fn check_text(field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(StoreError::Invalid(format!(
            "{field} contains a NUL character (\\0), which cannot be stored; remove it"
        )));
    }
    Ok(())
}
