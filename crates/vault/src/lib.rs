//! The document vault's file side: upload checks and blob storage. Metadata (type, issuer, standards, markets,
//! dates, checksum) lives in the store (`compliance_documents`); this crate holds the bytes.
//!
//! - [`sniff`]: the file type from magic bytes; empty, oversized, corrupt, unsupported or mislabelled uploads are
//!   refused with a reason.
//! - [`name`]: file names are sanitised for display and download; they never become paths.
//! - [`blob`]: the [`BlobStore`] trait, generated keys, the local file system store (default, under the data
//!   directory); [`s3`]: an S3-compatible store with hand-written SigV4 signing.
//!
//! Every blob is checksummed (SHA-256) at upload and verified on every read ([`Vault::fetch`]).

pub mod blob;
pub mod name;
pub mod s3;
pub mod sniff;

use std::path::Path;
use std::sync::Arc;

pub use blob::{BlobError, BlobKey, BlobStore, LocalBlobs};
pub use name::{content_disposition, sanitize_file_name};
pub use s3::{S3Blobs, S3Config, sha256_hex};
pub use sniff::{FileKind, UploadError, check_content};

/// Default upload limit: 20 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// An upload that passed the checks, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUpload {
    pub kind: FileKind,
    /// Sanitised display name, with the extension of its real kind.
    pub file_name: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
}

/// Why the vault could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Invalid { var: &'static str, message: String },
}

/// Upload checks plus a blob store.
#[derive(Clone)]
pub struct Vault {
    blobs: Arc<dyn BlobStore>,
    max_bytes: u64,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("blobs", &self.blobs.describe())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl Vault {
    pub fn new(blobs: Arc<dyn BlobStore>, max_bytes: u64) -> Vault {
        Vault {
            blobs,
            max_bytes: max_bytes.max(1),
        }
    }

    /// The default: files under `<data_dir>/vault`, 20 MiB limit.
    pub fn local(data_dir: &Path) -> Vault {
        Vault::new(
            Arc::new(LocalBlobs::new(data_dir.join("vault"))),
            DEFAULT_MAX_BYTES,
        )
    }

    /// From the environment (see [`Vault::from_lookup`]).
    pub fn from_env(data_dir: &Path) -> Result<Vault, ConfigError> {
        Vault::from_lookup(data_dir, |k| std::env::var(k).ok())
    }

    /// Configuration by variables: `TRADELANE_VAULT_MAX_BYTES` (default 20 MiB); `TRADELANE_VAULT_BACKEND`
    /// `fs` (default; `TRADELANE_VAULT_DIR`, default `<data_dir>/vault`) or `s3` (`TRADELANE_S3_ENDPOINT`,
    /// `TRADELANE_S3_BUCKET`, `TRADELANE_S3_REGION` default `us-east-1`, `TRADELANE_S3_ACCESS_KEY_ID`,
    /// `TRADELANE_S3_SECRET_ACCESS_KEY`).
    pub fn from_lookup(
        data_dir: &Path,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Vault, ConfigError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let max_bytes =
            match get("TRADELANE_VAULT_MAX_BYTES") {
                None => DEFAULT_MAX_BYTES,
                Some(v) => v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ConfigError::Invalid {
                        var: "TRADELANE_VAULT_MAX_BYTES",
                        message: format!("'{v}' is not a positive number of bytes"),
                    }
                })?,
            };
        let backend = get("TRADELANE_VAULT_BACKEND").unwrap_or_else(|| "fs".into());
        let blobs: Arc<dyn BlobStore> = match backend.to_ascii_lowercase().as_str() {
            "fs" | "file" | "local" => {
                let dir = get("TRADELANE_VAULT_DIR")
                    .map(std::path::PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("vault"));
                Arc::new(LocalBlobs::new(dir))
            }
            "s3" => {
                let need = |var: &'static str| {
                    get(var).ok_or(ConfigError::Invalid {
                        var,
                        message: "required when TRADELANE_VAULT_BACKEND=s3".into(),
                    })
                };
                let config = S3Config {
                    endpoint: need("TRADELANE_S3_ENDPOINT")?,
                    bucket: need("TRADELANE_S3_BUCKET")?,
                    region: get("TRADELANE_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: need("TRADELANE_S3_ACCESS_KEY_ID")?,
                    secret_access_key: need("TRADELANE_S3_SECRET_ACCESS_KEY")?,
                };
                Arc::new(S3Blobs::new(config).map_err(|e| ConfigError::Invalid {
                    var: "TRADELANE_S3_ENDPOINT",
                    message: e.to_string(),
                })?)
            }
            other => {
                return Err(ConfigError::Invalid {
                    var: "TRADELANE_VAULT_BACKEND",
                    message: format!("'{other}'; expected fs or s3"),
                });
            }
        };
        Ok(Vault::new(blobs, max_bytes))
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn describe(&self) -> String {
        self.blobs.describe()
    }

    /// Checks an upload (size, content kind, extension) and computes its checksum and display name.
    pub fn check(&self, file_name: &str, bytes: &[u8]) -> Result<CheckedUpload, UploadError> {
        let kind = check_content(file_name, bytes, self.max_bytes)?;
        Ok(CheckedUpload {
            kind,
            file_name: name::with_extension(&sanitize_file_name(file_name), kind),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        })
    }

    /// Stores the bytes under a new key of the organisation.
    pub async fn put(&self, org_id: i64, bytes: Vec<u8>) -> Result<BlobKey, BlobError> {
        let key = BlobKey::generate(org_id);
        self.blobs.put(&key, bytes).await?;
        Ok(key)
    }

    /// Reads a blob and verifies its SHA-256 against the stored checksum; a mismatch is an error, never data.
    pub async fn fetch(&self, key: &str, sha256: &str) -> Result<Vec<u8>, BlobError> {
        let key = BlobKey::parse(key)?;
        let bytes = self.blobs.get(&key).await?;
        let actual = sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(sha256) {
            return Err(BlobError::Integrity {
                key: key.to_string(),
                expected: sha256.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }

    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let key = BlobKey::parse(key)?;
        self.blobs.delete(&key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n%%EOF\n".to_vec()
    }

    #[tokio::test]
    async fn check_put_fetch_verifies_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::local(dir.path());
        let up = vault.check("../../CE DoC", &pdf()).unwrap();
        assert_eq!(up.file_name, "CE DoC.pdf");
        assert_eq!(up.kind, FileKind::Pdf);
        let key = vault.put(5, pdf()).await.unwrap();
        assert_eq!(vault.fetch(key.as_str(), &up.sha256).await.unwrap(), pdf());
        // Tampered on disk: the read is refused.
        std::fs::write(dir.path().join("vault").join(key.as_str()), b"%PDF-evil").unwrap();
        let err = vault.fetch(key.as_str(), &up.sha256).await.unwrap_err();
        assert!(matches!(err, BlobError::Integrity { .. }), "{err}");
        // Keys that are not generated ones never reach the file system.
        assert!(matches!(
            vault.fetch("../../etc/passwd", &up.sha256).await,
            Err(BlobError::BadKey(_))
        ));
        vault.delete(key.as_str()).await.unwrap();
    }

    #[test]
    fn configuration_from_variables() {
        let dir = Path::new("/data");
        let v = Vault::from_lookup(dir, |_| None).unwrap();
        assert_eq!(v.max_bytes(), DEFAULT_MAX_BYTES);
        assert_eq!(v.describe(), "file system /data/vault");
        let v = Vault::from_lookup(dir, |k| {
            (k == "TRADELANE_VAULT_MAX_BYTES").then(|| "100".into())
        })
        .unwrap();
        assert_eq!(v.max_bytes(), 100);
        assert!(
            Vault::from_lookup(dir, |k| (k == "TRADELANE_VAULT_MAX_BYTES")
                .then(|| "x".into()))
            .is_err()
        );
        let err = Vault::from_lookup(dir, |k| {
            (k == "TRADELANE_VAULT_BACKEND").then(|| "s3".into())
        })
        .unwrap_err();
        assert!(err.to_string().contains("TRADELANE_S3_ENDPOINT"), "{err}");
        let s3 = Vault::from_lookup(dir, |k| match k {
            "TRADELANE_VAULT_BACKEND" => Some("s3".into()),
            "TRADELANE_S3_ENDPOINT" => Some("http://127.0.0.1:9000".into()),
            "TRADELANE_S3_BUCKET" => Some("docs".into()),
            "TRADELANE_S3_ACCESS_KEY_ID" => Some("a".into()),
            "TRADELANE_S3_SECRET_ACCESS_KEY" => Some("b".into()),
            _ => None,
        })
        .unwrap();
        assert!(s3.describe().starts_with("s3 http://127.0.0.1:9000"));
    }
}
