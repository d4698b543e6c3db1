//! Fresh stores for tests, on SQLite and (when reachable) PostgreSQL. Enabled for other crates by
//! the `test-support` feature.
//!
//! PostgreSQL is found at `TRADELANE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each store gets its own database, created from
//! template0 and dropped when the `TestStore` is dropped. When PostgreSQL cannot be reached the
//! PostgreSQL half is skipped with a note, unless `TRADELANE_REQUIRE_PG=1`, which turns that into
//! a test failure.
//!
//! ```ignore
//! for ts in tradelane_store::testing::all_backends().await {
//!     let org = ts.create_org("Acme").await?;   // TestStore derefs to Store
//! }
//! ```

use std::ops::Deref;
use std::sync::Once;
use std::time::Duration;

use sqlx::{AnyConnection, AssertSqlSafe, Connection};

use crate::{Backend, Store, redact_url};

pub const PG_URL_ENV: &str = "TRADELANE_TEST_PG_URL";
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const REQUIRE_PG_ENV: &str = "TRADELANE_REQUIRE_PG";

/// A store on a throw-away database, removed on drop.
pub struct TestStore {
    store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, db_name: String },
}

impl Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl TestStore {
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// "sqlite" or "postgres", for assertion messages.
    pub fn label(&self) -> &'static str {
        self.store.backend().as_str()
    }

    /// The URL of the test database (for tests that start a server or CLI against it).
    pub fn url(&self) -> &str {
        self.store.url().expose()
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, db_name } = &self.cleanup {
            drop_database(admin_url, db_name);
        }
    }
}

/// Best-effort DROP DATABASE. Called from `Drop`, inside the test's runtime, which cannot be
/// blocked on: a short-lived thread with its own runtime does the work.
fn drop_database(admin_url: &str, db_name: &str) {
    let (admin_url, db_name) = (admin_url.to_string(), db_name.to_string());
    let handle = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            if let Ok(mut conn) = AnyConnection::connect(&admin_url).await {
                let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{db_name}\" WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
                let _ = conn.close().await;
            }
        });
    });
    let _ = handle.join();
}

/// A store on a new SQLite file in a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
    let store = Store::open_default(dir.path())
        .await
        .unwrap_or_else(|e| panic!("cannot open a SQLite test store: {e}"));
    TestStore {
        store,
        cleanup: Cleanup::Sqlite(dir),
    }
}

fn pg_required() -> bool {
    std::env::var(REQUIRE_PG_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

fn pg_admin_url() -> String {
    std::env::var(PG_URL_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PG_URL.to_string())
}

/// Replaces the database name in a postgres:// URL, keeping any query string.
pub fn with_database(url: &str, db_name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{db_name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

static SKIP_NOTE: Once = Once::new();

/// A store on a new PostgreSQL database; None (with a note on stderr) when PostgreSQL is not
/// reachable and `TRADELANE_REQUIRE_PG` is not set. Panics when it is required but unreachable.
pub async fn postgres() -> Option<TestStore> {
    sqlx::any::install_default_drivers();
    let admin_url = pg_admin_url();
    let connect = tokio::time::timeout(Duration::from_secs(5), AnyConnection::connect(&admin_url));
    let mut admin = match connect.await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return pg_unreachable(&admin_url, &e.to_string()),
        Err(_) => return pg_unreachable(&admin_url, "timed out after 5 s"),
    };
    let db_name = format!("tradelane_t_{:016x}", rand::random::<u64>());
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE DATABASE \"{db_name}\" TEMPLATE template0 ENCODING 'UTF8'"
    )))
    .execute(&mut admin)
    .await
    .unwrap_or_else(|e| panic!("cannot create test database {db_name}: {e}"));
    let _ = admin.close().await;
    let url = with_database(&admin_url, &db_name);
    let cleanup = Cleanup::Postgres {
        admin_url: admin_url.clone(),
        db_name: db_name.clone(),
    };
    match Store::connect(&url).await {
        Ok(store) => Some(TestStore { store, cleanup }),
        Err(e) => {
            drop_database(&admin_url, &db_name);
            panic!(
                "cannot open PostgreSQL test store {}: {e}",
                redact_url(&url)
            )
        }
    }
}

fn pg_unreachable(url: &str, why: &str) -> Option<TestStore> {
    if pg_required() {
        panic!(
            "PostgreSQL at {} is unreachable ({why}) and {REQUIRE_PG_ENV}=1 requires it",
            redact_url(url)
        );
    }
    SKIP_NOTE.call_once(|| {
        eprintln!(
            "note: PostgreSQL at {} is unreachable ({why}); skipping the PostgreSQL half of the store tests \
             (set {REQUIRE_PG_ENV}=1 to make this a failure)",
            redact_url(url)
        );
    });
    None
}

/// A store whose database was migrated only up to `version`, then given `seed` (SQL statements,
/// as data of that version), then opened, which applies the later migrations: how an existing
/// installation upgrades. None: PostgreSQL unreachable and not required.
pub async fn upgraded_from(backend: Backend, version: i64, seed: &[&str]) -> Option<TestStore> {
    sqlx::any::install_default_drivers();
    let mut ts = match backend {
        Backend::Sqlite => {
            let dir =
                tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
            let url = crate::sqlite_url_for_dir(dir.path());
            let pool = sqlx::AnyPool::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
            TestStore {
                store: Store {
                    pool,
                    backend,
                    url: crate::DatabaseUrl::new(url),
                },
                cleanup: Cleanup::Sqlite(dir),
            }
        }
        Backend::Postgres => {
            // A database from postgres(), emptied of what it migrated.
            let ts = postgres().await?;
            sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                .execute(&ts.store.pool)
                .await
                .unwrap_or_else(|e| panic!("cannot empty the test database: {e}"));
            ts
        }
    };
    let pool = ts.store.pool.clone();
    crate::db::migrator(backend)
        .run_to(version, &pool)
        .await
        .unwrap_or_else(|e| panic!("cannot migrate to {version}: {e}"));
    for statement in seed {
        sqlx::query(AssertSqlSafe(*statement))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("seed {statement:?}: {e}"));
    }
    pool.close().await;
    let url = ts.store.url().expose().to_string();
    ts.store = Store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot upgrade {}: {e}", redact_url(&url)));
    Some(ts)
}

/// A fresh store on every available backend: SQLite always, PostgreSQL when reachable.
pub async fn all_backends() -> Vec<TestStore> {
    let mut stores = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        stores.push(pg);
    }
    stores
}

/// A fresh store on the given backend (None: PostgreSQL unreachable and not required).
pub async fn for_backend(backend: Backend) -> Option<TestStore> {
    match backend {
        Backend::Sqlite => Some(sqlite().await),
        Backend::Postgres => postgres().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_replacement() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
