//! The import work shared by the API and the wizard: read + map + validate (CPU-bound, so on a
//! blocking thread), and the wizard's uploaded files kept between steps.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::{
    ColumnMapping, Import, ImportOptions, ReadError, ReadOptions, RowError, import_bytes,
};
use tradelane_store::{OrgId, UserId};

use crate::auth::new_random_token;
use crate::error::{ApiError, RowErrorBody};

/// Largest upload accepted: the 100 MB file limit plus room for multipart framing.
pub const IMPORT_BODY_LIMIT: usize = 110 * 1024 * 1024;

/// Uploads older than this are removed when the next upload arrives.
const UPLOAD_TTL: Duration = Duration::from_secs(24 * 3600);

/// Reads and validates a file off the async workers.
pub async fn analyse(
    bytes: std::sync::Arc<Vec<u8>>,
    mapping: Option<ColumnMapping>,
    options: ImportOptions,
) -> Result<Result<Import, ReadError>, ApiError> {
    tokio::task::spawn_blocking(move || {
        import_bytes(&bytes, &ReadOptions::default(), mapping.as_ref(), &options)
    })
    .await
    .map_err(|e| ApiError::internal("import task", e))
}

pub fn row_error_body(e: &RowError) -> RowErrorBody {
    RowErrorBody {
        line: e.line as u64,
        column: e.column.clone(),
        field: e.field.as_ref().map(|f| f.key()).unwrap_or_default(),
        value: e.value.clone(),
        expected: e.expected.clone(),
    }
}

/// What the wizard remembers about an upload, next to the file itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadMeta {
    pub org_id: i64,
    pub user_id: i64,
    /// SHA-256 of the session token: an upload belongs to the session that made it.
    pub session: String,
    pub file_name: String,
    pub mapping: Option<ColumnMapping>,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("no such upload")]
    Missing,
    #[error("upload storage failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("upload metadata unreadable: {0}")]
    Meta(#[from] serde_json::Error),
}

fn valid_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn dir_of(root: &Path, id: &str) -> Result<PathBuf, UploadError> {
    if valid_id(id) {
        Ok(root.join(id))
    } else {
        Err(UploadError::Missing)
    }
}

fn purge_old(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > UPLOAD_TTL);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Stores an uploaded file; returns its id.
pub async fn save_upload(
    root: PathBuf,
    meta: UploadMeta,
    bytes: std::sync::Arc<Vec<u8>>,
) -> Result<String, UploadError> {
    tokio::task::spawn_blocking(move || {
        purge_old(&root);
        let id = new_random_token();
        let dir = dir_of(&root, &id)?;
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("file"), bytes.as_slice())?;
        std::fs::write(dir.join("meta.json"), serde_json::to_vec(&meta)?)?;
        Ok(id)
    })
    .await
    .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
}

/// The upload's metadata, if it exists and belongs to this org, user and session.
pub async fn load_meta(
    root: &Path,
    id: &str,
    org: OrgId,
    user: UserId,
    session: &str,
) -> Result<UploadMeta, UploadError> {
    let dir = dir_of(root, id)?;
    let bytes = match tokio::fs::read(dir.join("meta.json")).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(UploadError::Missing),
        Err(e) => return Err(e.into()),
    };
    let meta: UploadMeta = serde_json::from_slice(&bytes)?;
    if meta.org_id != org.0 || meta.user_id != user.0 || meta.session != session {
        return Err(UploadError::Missing);
    }
    Ok(meta)
}

pub async fn load_file(root: &Path, id: &str) -> Result<Vec<u8>, UploadError> {
    let dir = dir_of(root, id)?;
    match tokio::fs::read(dir.join("file")).await {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(UploadError::Missing),
        Err(e) => Err(e.into()),
    }
}

pub async fn save_meta(root: &Path, id: &str, meta: &UploadMeta) -> Result<(), UploadError> {
    let dir = dir_of(root, id)?;
    tokio::fs::write(dir.join("meta.json"), serde_json::to_vec(meta)?).await?;
    Ok(())
}

pub async fn remove_upload(root: &Path, id: &str) {
    if let Ok(dir) = dir_of(root, id) {
        let _ = tokio::fs::remove_dir_all(dir).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_the_upload_dir() {
        let root = Path::new("/tmp/x");
        assert!(dir_of(root, "../../etc/passwd").is_err());
        assert!(dir_of(root, &"a".repeat(43)).is_ok());
        assert!(dir_of(root, &format!("{}/", "a".repeat(42))).is_err());
    }

    #[tokio::test]
    async fn uploads_belong_to_their_session() {
        let dir = tempfile::tempdir().unwrap();
        let meta = UploadMeta {
            org_id: 1,
            user_id: 2,
            session: "s".into(),
            file_name: "a.csv".into(),
            mapping: None,
        };
        let id = save_upload(
            dir.path().to_path_buf(),
            meta,
            std::sync::Arc::new(b"x".to_vec()),
        )
        .await
        .unwrap();
        assert!(
            load_meta(dir.path(), &id, OrgId(1), UserId(2), "s")
                .await
                .is_ok()
        );
        assert!(matches!(
            load_meta(dir.path(), &id, OrgId(1), UserId(2), "other").await,
            Err(UploadError::Missing)
        ));
        assert!(matches!(
            load_meta(dir.path(), &id, OrgId(9), UserId(2), "s").await,
            Err(UploadError::Missing)
        ));
        assert_eq!(load_file(dir.path(), &id).await.unwrap(), b"x");
        remove_upload(dir.path(), &id).await;
        assert!(matches!(
            load_file(dir.path(), &id).await,
            Err(UploadError::Missing)
        ));
    }
}
