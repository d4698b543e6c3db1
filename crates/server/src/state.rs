//! Configuration and the shared state every handler receives.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tradelane_store::Store;

use crate::notify::{MailSettings, Services};
use crate::rate_limit::LoginLimiter;

/// How the server is run. Built by the binary from flags / environment.
#[derive(Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// `postgres://…` or `sqlite://…`; None = SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Database (when SQLite) and temporary import uploads live here.
    pub data_dir: PathBuf,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
}

impl std::fmt::Debug for ServerConfig {
    /// The database URL may hold a password: printed redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("bind", &self.bind)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(tradelane_store::redact_url),
            )
            .field("data_dir", &self.data_dir)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

/// Failed logins allowed per (IP, e-mail) within [`LOGIN_WINDOW`].
pub const LOGIN_MAX_FAILURES: usize = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Mailer and HTTP client of the background jobs (alerts by e-mail and webhook).
    pub services: Arc<Services>,
    /// Document vault blobs (local directory under the data dir, or S3-compatible storage).
    pub vault: Arc<tradelane_vault::Vault>,
    /// Translation-memory lookup indexes, rebuilt when the stored memory changes.
    pub tm_cache: Arc<crate::workbench::configured::MemoryCache>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let services = Arc::new(Services::new(&MailSettings::from_env(&config.data_dir)));
        let vault = tradelane_vault::Vault::from_env(&config.data_dir).unwrap_or_else(|e| {
            // `serve` refuses to start on this error; other callers (tests) fall back to the local store.
            tracing::error!(error = %e, "document vault configuration; using the local directory");
            tradelane_vault::Vault::local(&config.data_dir)
        });
        AppState {
            services,
            vault: Arc::new(vault),
            store,
            config: Arc::new(config),
            login_limiter: Arc::new(LoginLimiter::new(LOGIN_MAX_FAILURES, LOGIN_WINDOW)),
            tm_cache: Arc::default(),
        }
    }

    /// The same state with another document vault (tests: a small size limit, an S3 mock).
    pub fn with_vault(mut self, vault: tradelane_vault::Vault) -> Self {
        self.vault = Arc::new(vault);
        self
    }

    /// The same state with other services (tests: a mail directory or SMTP sink).
    pub fn with_services(mut self, services: Services) -> Self {
        self.services = Arc::new(services);
        self
    }

    /// Where uploaded import files wait between the wizard's steps.
    pub fn upload_dir(&self) -> PathBuf {
        self.config.data_dir.join("uploads")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_database_password() {
        let config = ServerConfig {
            bind: "127.0.0.1:8080".parse().unwrap(),
            database_url: Some("postgres://app:s3cret@db/tradelane".into()),
            data_dir: PathBuf::from("/var/lib/tradelane"),
            secure_cookies: true,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db/tradelane"), "{shown}");
    }
}
