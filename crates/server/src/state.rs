//! Configuration and the shared state every handler receives.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tradelane_store::Store;

use crate::rate_limit::LoginLimiter;

/// How the server is run. Built by the binary from flags / environment.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// `postgres://…` or `sqlite://…`; None = SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Database (when SQLite) and temporary import uploads live here.
    pub data_dir: PathBuf,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
}

/// Failed logins allowed per (IP, e-mail) within [`LOGIN_WINDOW`].
pub const LOGIN_MAX_FAILURES: usize = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub login_limiter: Arc<LoginLimiter>,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            login_limiter: Arc::new(LoginLimiter::new(LOGIN_MAX_FAILURES, LOGIN_WINDOW)),
        }
    }

    /// Where uploaded import files wait between the wizard's steps.
    pub fn upload_dir(&self) -> PathBuf {
        self.config.data_dir.join("uploads")
    }
}
