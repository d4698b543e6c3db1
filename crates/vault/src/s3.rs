//! S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Cloudflare R2, Backblaze B2 …) with path-style URLs
//! (`<endpoint>/<bucket>/<key>`) and requests signed with AWS Signature Version 4, written here against the
//! published algorithm (no SDK: the vault needs three verbs).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::blob::{BlobError, BlobKey, BlobStore, BoxFuture};

/// Connection settings of an S3-compatible store.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.eu-central-1.amazonaws.com`, `http://127.0.0.1:9000` …
    pub endpoint: String,
    pub bucket: String,
    /// `us-east-1` when the store does not care.
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    /// The secret is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The blob store over S3.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    config: S3Config,
    client: reqwest::Client,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding of one path segment, as SigV4 wants it (unreserved characters kept).
pub fn uri_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One request to sign.
pub struct SignRequest<'a> {
    pub method: &'a str,
    /// Canonical (already encoded) path, e.g. `/bucket/org-1/abc`.
    pub path: &'a str,
    /// Canonical query string (`""` when none).
    pub query: &'a str,
    /// Headers to sign, names lower-case; must include `host`, `x-amz-date` and `x-amz-content-sha256`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the payload.
    pub payload_sha256: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
}

/// The `Authorization` header value for `req` (AWS4-HMAC-SHA256).
pub fn authorization(req: &SignRequest<'_>) -> String {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method, req.path, req.query, canonical_headers, signed_headers, req.payload_sha256
    );
    let date = &req.amz_date[..req.amz_date.len().min(8)];
    let scope = format!("{date}/{}/{}/aws4_request", req.region, req.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        req.amz_date,
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac(
        format!("AWS4{}", req.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac(&k_date, req.region.as_bytes());
    let k_service = hmac(&k_region, req.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        req.access_key_id
    )
}

/// `YYYYMMDDTHHMMSSZ` of an instant.
pub fn amz_date(now: jiff::Timestamp) -> String {
    now.strftime("%Y%m%dT%H%M%SZ").to_string()
}

impl S3Blobs {
    pub fn new(config: S3Config) -> Result<S3Blobs, BlobError> {
        let endpoint = config.endpoint.trim_end_matches('/');
        let url = reqwest::Url::parse(endpoint)
            .map_err(|e| BlobError::Remote(format!("endpoint '{endpoint}': {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(BlobError::Remote(format!(
                "endpoint '{endpoint}': expected http(s)://host[:port]"
            )));
        }
        if config.bucket.is_empty()
            || !config
                .bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
        {
            return Err(BlobError::Remote(format!(
                "bucket '{}': expected lower-case letters, digits, '-' and '.'",
                config.bucket
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| BlobError::Remote(format!("http client: {e}")))?;
        Ok(S3Blobs {
            config: S3Config {
                endpoint: endpoint.to_string(),
                ..config
            },
            client,
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        key: &BlobKey,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, BlobError> {
        let path = format!(
            "/{}/{}",
            uri_encode(&self.config.bucket),
            key.as_str()
                .split('/')
                .map(uri_encode)
                .collect::<Vec<_>>()
                .join("/")
        );
        let url_text = format!("{}{path}", self.config.endpoint);
        let url = reqwest::Url::parse(&url_text)
            .map_err(|e| BlobError::Remote(format!("url {url_text}: {e}")))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(BlobError::Remote(format!("url {url_text} has no host"))),
        };
        let payload = sha256_hex(&body);
        let date = amz_date(jiff::Timestamp::now());
        let auth = authorization(&SignRequest {
            method: method.as_str(),
            path: &path,
            query: "",
            headers: &[
                ("host", &host),
                ("x-amz-content-sha256", &payload),
                ("x-amz-date", &date),
            ],
            payload_sha256: &payload,
            amz_date: &date,
            region: &self.config.region,
            service: "s3",
            access_key_id: &self.config.access_key_id,
            secret_access_key: &self.config.secret_access_key,
        });
        let mut req = self
            .client
            .request(method, url)
            .header("x-amz-content-sha256", payload)
            .header("x-amz-date", date)
            .header("authorization", auth);
        if !body.is_empty() {
            req = req.body(body);
        }
        req.send()
            .await
            .map_err(|e| BlobError::Remote(format!("{url_text}: {e}")))
    }
}

async fn failure(key: &BlobKey, what: &str, resp: reqwest::Response) -> BlobError {
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    BlobError::Remote(format!(
        "{what} {key}: HTTP {status}: {}",
        body.chars().take(300).collect::<String>()
    ))
}

impl BlobStore for S3Blobs {
    fn put<'a>(&'a self, key: &'a BlobKey, bytes: Vec<u8>) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let resp = self.send(reqwest::Method::PUT, key, bytes).await?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(failure(key, "PUT", resp).await)
            }
        })
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        Box::pin(async move {
            let resp = self.send(reqwest::Method::GET, key, Vec::new()).await?;
            if resp.status() == reqwest::StatusCode::NOT_FOUND {
                return Err(BlobError::Missing(key.to_string()));
            }
            if !resp.status().is_success() {
                return Err(failure(key, "GET", resp).await);
            }
            resp.bytes()
                .await
                .map(|b| b.to_vec())
                .map_err(|e| BlobError::Remote(format!("GET {key}: {e}")))
        })
    }

    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let resp = self.send(reqwest::Method::DELETE, key, Vec::new()).await?;
            if resp.status().is_success() || resp.status() == reqwest::StatusCode::NOT_FOUND {
                Ok(())
            } else {
                Err(failure(key, "DELETE", resp).await)
            }
        })
    }

    fn describe(&self) -> String {
        format!("s3 {} bucket {}", self.config.endpoint, self.config.bucket)
    }
}

#[cfg(test)]
mod tests;
