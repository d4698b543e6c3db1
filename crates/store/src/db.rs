//! Connecting, migrating and the small helpers every query module shares.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::error::{Result, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The file name of the default SQLite database inside the data directory.
pub const DEFAULT_SQLITE_FILE: &str = "tradelane.sqlite3";

/// The URL the server uses when none is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./tradelane-data/tradelane.sqlite3?mode=rwc";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Which backend a database URL is for.
    pub fn from_url(url: &str) -> Result<Backend> {
        let lower = url.trim().to_ascii_lowercase();
        if lower.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "database URL {} is not supported; expected sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            )))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A database URL whose `Debug` and `Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url.into())
    }

    /// The real URL, password included: pass it to `Store::connect`, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", redact_url(&self.0))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

/// Replaces the password of `scheme://user:password@host/...` (and a `password=` query
/// parameter) with `***`, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                let end = rest_start + at;
                out.replace_range(start..end, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let redacted: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{head}{}", redacted.join("&"));
    }
    out
}

/// Normalises a SQLite URL: creates the parent directory of a file database and adds
/// `mode=rwc` when no mode is given (so a fresh install needs no set-up).
fn prepare_sqlite_url(url: &str) -> Result<(String, bool)> {
    let rest = url
        .trim()
        .strip_prefix("sqlite://")
        .or_else(|| url.trim().strip_prefix("sqlite:"))
        .unwrap_or_default();
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let in_memory = path.is_empty()
        || path == ":memory:"
        || query.is_some_and(|q| q.split('&').any(|kv| kv == "mode=memory"));
    if !in_memory {
        let decoded = percent_decode(path);
        if let Some(parent) = Path::new(&decoded).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.display().to_string(),
                source,
            })?;
        }
    }
    let has_mode = query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("mode=")));
    let url = match (query, has_mode || in_memory) {
        (_, true) => url.trim().to_string(),
        (Some(q), false) => format!("sqlite://{path}?{q}&mode=rwc"),
        (None, false) => format!("sqlite://{path}?mode=rwc"),
    };
    Ok((url, in_memory))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = [bytes[i + 1], bytes[i + 2]];
            let digits = std::str::from_utf8(&hex).unwrap_or("00");
            out.push(u8::from_str_radix(digits, 16).unwrap_or(0));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

/// The SQLite URL for the default database file inside `data_dir`.
pub fn sqlite_url_for_dir(data_dir: &Path) -> String {
    let file = data_dir.join(DEFAULT_SQLITE_FILE);
    format!(
        "sqlite://{}?mode=rwc",
        percent_encode_path(&file.to_string_lossy())
    )
}

/// Per-connection SQLite settings. WAL lets readers run beside the one writer; NORMAL
/// synchronous is durable across application crashes in WAL mode and much faster than FULL.
/// The page cache (default 2 MB) is raised to 32 MB: with 100,000 SKUs the indexes alone
/// exceed 2 MB and bulk imports spent their time re-reading pages. It grows only as used.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; \
     PRAGMA synchronous = NORMAL; \
     PRAGMA cache_size = -32768; \
     PRAGMA temp_store = MEMORY;";

pub(crate) async fn open_pool(url: &str) -> Result<(AnyPool, Backend)> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    let pool = match backend {
        Backend::Sqlite => {
            let (url, in_memory) = prepare_sqlite_url(url)?;
            let mut options = AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        sqlx::raw_sql(SQLITE_CONNECTION_PRAGMAS)
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                });
            options = if in_memory {
                // Every connection to ":memory:" would be its own empty database: keep one forever.
                options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
            } else {
                options.max_connections(8)
            };
            options.connect(&url).await?
        }
        Backend::Postgres => {
            AnyPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?
        }
    };
    migrator(backend).run(&pool).await?;
    Ok((pool, backend))
}

/// The backend's migrations.
pub(crate) fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock up front
/// (BEGIN IMMEDIATE): a deferred transaction that reads first and writes later can fail with
/// SQLITE_BUSY when another writer got in between, and the busy timeout cannot help then.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

pub(crate) fn get_i64(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn get_opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

pub(crate) fn get_string(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn get_opt_string(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn bool_to_db(b: bool) -> i64 {
    i64::from(b)
}

pub(crate) fn bool_from_db(v: i64) -> bool {
    v != 0
}

/// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE ... ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db.example:5432/tl"),
            "postgres://app:***@db.example:5432/tl"
        );
        assert_eq!(
            redact_url("postgres://app@db/tl?sslmode=require&password=hunter2"),
            "postgres://app@db/tl?sslmode=require&password=***"
        );
        assert_eq!(
            redact_url("sqlite://./data/x.sqlite3?mode=rwc"),
            "sqlite://./data/x.sqlite3?mode=rwc"
        );
        let url = DatabaseUrl::new("postgres://u:pw@h/d");
        assert!(!format!("{url:?}").contains("pw"));
        assert!(!url.to_string().contains("pw"));
        assert_eq!(url.expose(), "postgres://u:pw@h/d");
    }

    #[test]
    fn backend_from_url() {
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgresql://x@y/z").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:topsecret@h/d").unwrap_err();
        assert!(!err.to_string().contains("topsecret"), "{err}");
    }

    #[test]
    fn sqlite_url_gets_mode_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a b").join("c").join("db.sqlite3");
        let (url, mem) = prepare_sqlite_url(&format!("sqlite://{}", path.display())).unwrap();
        assert!(!mem);
        assert!(url.ends_with("?mode=rwc"), "{url}");
        assert!(path.parent().unwrap().is_dir());
        let (url, mem) = prepare_sqlite_url("sqlite::memory:").unwrap();
        assert!(mem);
        assert_eq!(url, "sqlite::memory:");
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
