use super::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};

/// The worked example of AWS's SigV4 documentation for S3 (GET Object with a Range header).
#[test]
fn signature_matches_the_published_example() {
    let empty = sha256_hex(b"");
    assert_eq!(
        empty,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let auth = authorization(&SignRequest {
        method: "GET",
        path: "/test.txt",
        query: "",
        headers: &[
            ("host", "examplebucket.s3.amazonaws.com"),
            ("range", "bytes=0-9"),
            ("x-amz-content-sha256", &empty),
            ("x-amz-date", "20130524T000000Z"),
        ],
        payload_sha256: &empty,
        amz_date: "20130524T000000Z",
        region: "us-east-1",
        service: "s3",
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    });
    assert_eq!(
        auth,
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
         SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
         Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );
}

const SECRET: &str = "test-secret-key-0123456789";

#[derive(Clone, Default)]
struct Mock {
    objects: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Checks the Authorization header's shape and recomputes the signature with the shared secret.
fn verify(method: &Method, path: &str, h: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let auth = header(h, "authorization");
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 Credential=")
        .ok_or("no AWS4-HMAC-SHA256 scheme")?;
    let (cred, rest) = rest
        .split_once(", SignedHeaders=")
        .ok_or("no SignedHeaders")?;
    let (signed, sig) = rest.split_once(", Signature=").ok_or("no Signature")?;
    let parts: Vec<&str> = cred.split('/').collect();
    if parts.len() != 5
        || parts[0] != "AKIDMOCK"
        || parts[2] != "eu-test-1"
        || parts[3] != "s3"
        || parts[4] != "aws4_request"
        || parts[1].len() != 8
    {
        return Err(format!("bad credential scope {cred}"));
    }
    if signed != "host;x-amz-content-sha256;x-amz-date" {
        return Err(format!("signed headers {signed}"));
    }
    if sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("signature is not 64 hex digits".into());
    }
    let payload = header(h, "x-amz-content-sha256");
    if payload != sha256_hex(body) {
        return Err("x-amz-content-sha256 does not match the body".into());
    }
    let date = header(h, "x-amz-date");
    if !date.starts_with(parts[1]) {
        return Err("x-amz-date does not match the scope".into());
    }
    let expected = authorization(&SignRequest {
        method: method.as_str(),
        path,
        query: "",
        headers: &[
            ("host", header(h, "host")),
            ("x-amz-content-sha256", payload),
            ("x-amz-date", date),
        ],
        payload_sha256: payload,
        amz_date: date,
        region: "eu-test-1",
        service: "s3",
        access_key_id: "AKIDMOCK",
        secret_access_key: SECRET,
    });
    if expected != auth {
        return Err("signature mismatch".into());
    }
    Ok(())
}

async fn object(
    State(mock): State<Mock>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let path = format!("/{bucket}/{key}");
    mock.requests
        .lock()
        .unwrap()
        .push(format!("{method} {path}"));
    if bucket != "docs" {
        return (StatusCode::NOT_FOUND, b"NoSuchBucket".to_vec());
    }
    if let Err(e) = verify(&method, &path, &headers, &body) {
        return (StatusCode::FORBIDDEN, e.into_bytes());
    }
    let mut objects = mock.objects.lock().unwrap();
    match method {
        Method::PUT => {
            objects.insert(key, body.to_vec());
            (StatusCode::OK, Vec::new())
        }
        Method::GET => match objects.get(&key) {
            Some(b) => (StatusCode::OK, b.clone()),
            None => (StatusCode::NOT_FOUND, b"NoSuchKey".to_vec()),
        },
        Method::DELETE => {
            objects.remove(&key);
            (StatusCode::NO_CONTENT, Vec::new())
        }
        _ => (StatusCode::METHOD_NOT_ALLOWED, Vec::new()),
    }
}

async fn start_mock() -> (String, Mock) {
    let mock = Mock::default();
    let app = axum::Router::new()
        .route("/{bucket}/{*key}", axum::routing::any(object))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), mock)
}

fn config(endpoint: &str, secret: &str) -> S3Config {
    S3Config {
        endpoint: format!("{endpoint}/"),
        bucket: "docs".into(),
        region: "eu-test-1".into(),
        access_key_id: "AKIDMOCK".into(),
        secret_access_key: secret.into(),
    }
}

#[tokio::test]
async fn put_get_delete_against_a_signature_checking_mock() {
    let (endpoint, mock) = start_mock().await;
    let s3 = S3Blobs::new(config(&endpoint, SECRET)).unwrap();
    let key = BlobKey::generate(3);
    let body = b"%PDF-1.7 test\n%%EOF".to_vec();
    s3.put(&key, body.clone()).await.unwrap();
    assert_eq!(
        mock.objects.lock().unwrap().get(key.as_str()),
        Some(&body),
        "stored under the generated key"
    );
    assert_eq!(s3.get(&key).await.unwrap(), body);
    s3.delete(&key).await.unwrap();
    assert!(matches!(s3.get(&key).await, Err(BlobError::Missing(_))));
    let log = mock.requests.lock().unwrap().clone();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(log[0].starts_with(&format!("PUT /docs/{}", key.as_str())));
    assert!(s3.describe().contains("bucket docs"));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_store() {
    let (endpoint, _mock) = start_mock().await;
    let s3 = S3Blobs::new(config(&endpoint, "wrong-secret")).unwrap();
    let err = s3
        .put(&BlobKey::generate(1), b"x".to_vec())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("403") && text.contains("signature mismatch"),
        "{text}"
    );
}

#[test]
fn bad_endpoints_and_buckets_are_refused() {
    assert!(S3Blobs::new(config("ftp://x", SECRET)).is_err());
    let mut c = config("http://127.0.0.1:9", SECRET);
    c.bucket = "Bad_Bucket".into();
    assert!(S3Blobs::new(c).is_err());
    let dbg = format!("{:?}", config("http://h", SECRET));
    assert!(!dbg.contains(SECRET));
}
