//! Static files (CSS, vendored htmx) compiled into the binary and served under a path that
//! changes whenever their content does, so browsers may cache them forever.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// Short content hash of all assets; part of every asset URL.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut names: Vec<_> = Assets::iter().collect();
    names.sort();
    let mut hasher = Sha256::new();
    for name in names {
        hasher.update(name.as_bytes());
        if let Some(file) = Assets::get(&name) {
            hasher.update(file.metadata.sha256_hash());
        }
    }
    hex::encode(hasher.finalize())[..12].to_string()
});

/// URL of an asset, e.g. `asset_url("app.css")` -> `/assets/3f2a.../app.css`.
pub fn asset_url(name: &str) -> String {
    format!("/assets/{}/{name}", *ASSET_VERSION)
}

pub async fn serve_asset(Path((version, name)): Path<(String, String)>) -> Response {
    let Some(file) = Assets::get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    // An outdated version still gets the current file, but must not be cached for long.
    let cache = if version == *ASSET_VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        file.data.into_owned(),
    )
        .into_response()
}
