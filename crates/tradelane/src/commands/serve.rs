//! `tradelane serve`.

use anyhow::{Context, Result};
use tradelane_server::ServerConfig;

use crate::cli::{GlobalOpts, ServeArgs};

pub fn server_config(
    global: &GlobalOpts,
    bind: std::net::SocketAddr,
    secure_cookies: bool,
) -> ServerConfig {
    ServerConfig {
        bind,
        database_url: Some(crate::context::database_url(global)),
        data_dir: global.data_dir.clone(),
        secure_cookies,
    }
}

pub async fn serve(global: &GlobalOpts, args: &ServeArgs) -> Result<()> {
    let config = server_config(global, args.bind, args.secure_cookies);
    tradelane_server::serve(config)
        .await
        .context("running the server")
}

/// The address to type into a browser for a bind address: a wildcard bind (0.0.0.0, ::) is
/// reachable as localhost.
pub fn public_url(bind: std::net::SocketAddr) -> String {
    let host = if bind.ip().is_unspecified() {
        "localhost".to_string()
    } else if bind.is_ipv6() {
        format!("[{}]", bind.ip())
    } else {
        bind.ip().to_string()
    };
    format!("http://{host}:{}/", bind.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_bind_addresses() {
        assert_eq!(
            public_url("127.0.0.1:8080".parse().expect("addr")),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            public_url("0.0.0.0:80".parse().expect("addr")),
            "http://localhost:80/"
        );
        assert_eq!(
            public_url("[::1]:9000".parse().expect("addr")),
            "http://[::1]:9000/"
        );
    }
}
