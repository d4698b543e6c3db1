//! Provider API keys encrypted at rest: ChaCha20-Poly1305 with a 256-bit server key, a fresh
//! random 96-bit nonce per value, and the organisation id as associated data (a ciphertext
//! copied to another organisation's row does not decrypt).
//!
//! Stored form: `tlk1:<key id>:<base64(nonce ‖ ciphertext)>`, key id = first 8 hex digits of
//! SHA-256 of the key, so a value names the key that can open it.
//!
//! The server key comes from `TRADELANE_SECRET_KEY` (64 hex digits or base64 of 32 bytes)
//! or else the file `secret.key` in the data directory (created with 32 random bytes, mode
//! 0600, on first use). Rotation: move `secret.key` to `secret.key.old` (or put the old value
//! in `TRADELANE_SECRET_KEY_PREVIOUS`), then run `tradelane listings provider rekey`, which
//! decrypts every stored key with whichever key it names and encrypts it with the new one.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const ENV_KEY: &str = "TRADELANE_SECRET_KEY";
pub const ENV_PREVIOUS: &str = "TRADELANE_SECRET_KEY_PREVIOUS";
pub const KEY_FILE: &str = "secret.key";
pub const OLD_KEY_FILE: &str = "secret.key.old";
const PREFIX: &str = "tlk1";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret key: {0}")]
    BadKey(String),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("stored secret is not in the tlk1 format")]
    Format,
    #[error(
        "stored secret was encrypted with key {0}, which is not loaded (see TRADELANE_SECRET_KEY_PREVIOUS / secret.key.old)"
    )]
    UnknownKey(String),
    #[error("stored secret does not decrypt (wrong key or tampered value)")]
    Decrypt,
}

/// One 256-bit key and its id.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; 32],
    id: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id)
    }
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        SecretKey { bytes, id }
    }

    /// 64 hex digits or base64 of 32 bytes (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<SecretKey, SecretError> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).map_err(|e| SecretError::BadKey(e.to_string()))?
        } else {
            B64.decode(t).map_err(|_| {
                SecretError::BadKey("expected 64 hex digits or base64 of 32 bytes".into())
            })?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SecretError::BadKey("the key must be exactly 32 bytes".into()))?;
        Ok(SecretKey::from_bytes(arr))
    }

    pub fn generate() -> SecretKey {
        let mut b = [0u8; 32];
        rand::rng().fill_bytes(&mut b);
        SecretKey::from_bytes(b)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Hex form, for writing a key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }
}

/// The current key (encrypts) and older keys (decrypt only).
#[derive(Debug, Clone)]
pub struct Keyring {
    current: SecretKey,
    previous: Vec<SecretKey>,
}

fn aad(org_id: i64) -> Vec<u8> {
    format!("tradelane provider api key; org {org_id}").into_bytes()
}

impl Keyring {
    pub fn new(current: SecretKey, previous: Vec<SecretKey>) -> Keyring {
        Keyring { current, previous }
    }

    /// From the environment, else `secret.key` in `data_dir` (created when missing), plus
    /// `secret.key.old` / `TRADELANE_SECRET_KEY_PREVIOUS` (comma-separated) as previous keys.
    pub fn load(data_dir: &Path) -> Result<Keyring, SecretError> {
        Keyring::load_with(data_dir, |k| std::env::var(k).ok())
    }

    pub fn load_with(
        data_dir: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Keyring, SecretError> {
        let current = match env(ENV_KEY).filter(|v| !v.trim().is_empty()) {
            Some(v) => SecretKey::parse(&v)?,
            None => read_or_create(&data_dir.join(KEY_FILE))?,
        };
        let mut previous = Vec::new();
        if let Some(v) = env(ENV_PREVIOUS) {
            for part in v.split(',').filter(|p| !p.trim().is_empty()) {
                previous.push(SecretKey::parse(part)?);
            }
        }
        let old = data_dir.join(OLD_KEY_FILE);
        if old.exists() {
            let text = std::fs::read_to_string(&old).map_err(|source| SecretError::Io {
                path: old.display().to_string(),
                source,
            })?;
            previous.push(SecretKey::parse(&text)?);
        }
        Ok(Keyring { current, previous })
    }

    pub fn current_id(&self) -> &str {
        self.current.id()
    }

    /// Encrypts `plain` for organisation `org_id` with the current key.
    pub fn encrypt(&self, org_id: i64, plain: &str) -> Result<String, SecretError> {
        let cipher = ChaCha20Poly1305::new(&Key::from(self.current.bytes));
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let aad = aad(org_id);
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| SecretError::Decrypt)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        Ok(format!(
            "{PREFIX}:{}:{}",
            self.current.id(),
            B64.encode(blob)
        ))
    }

    /// Key id a stored value was encrypted with.
    pub fn key_id_of(stored: &str) -> Option<&str> {
        let mut parts = stored.splitn(3, ':');
        (parts.next()? == PREFIX).then_some(())?;
        parts.next()
    }

    pub fn decrypt(&self, org_id: i64, stored: &str) -> Result<String, SecretError> {
        let mut parts = stored.splitn(3, ':');
        if parts.next() != Some(PREFIX) {
            return Err(SecretError::Format);
        }
        let id = parts.next().ok_or(SecretError::Format)?;
        let blob = B64
            .decode(parts.next().ok_or(SecretError::Format)?)
            .map_err(|_| SecretError::Format)?;
        if blob.len() < 12 + 16 {
            return Err(SecretError::Format);
        }
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id() == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_string()))?;
        let cipher = ChaCha20Poly1305::new(&Key::from(key.bytes));
        let (nonce, ct) = blob.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SecretError::Format)?;
        let aad = aad(org_id);
        let plain = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| SecretError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| SecretError::Decrypt)
    }

    /// The value re-encrypted with the current key; None when it already uses it.
    pub fn reencrypt(&self, org_id: i64, stored: &str) -> Result<Option<String>, SecretError> {
        if Keyring::key_id_of(stored) == Some(self.current.id()) {
            return Ok(None);
        }
        let plain = self.decrypt(org_id, stored)?;
        self.encrypt(org_id, &plain).map(Some)
    }
}

fn read_or_create(path: &PathBuf) -> Result<SecretKey, SecretError> {
    let io = |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let key = SecretKey::generate();
            write_private(path, &key.to_hex()).map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{text}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_org_binding() {
        let ring = Keyring::new(SecretKey::generate(), vec![]);
        let stored = ring.encrypt(7, "sk-live-123").unwrap();
        assert!(stored.starts_with("tlk1:"));
        assert!(!stored.contains("sk-live"));
        assert_eq!(ring.decrypt(7, &stored).unwrap(), "sk-live-123");
        assert!(matches!(
            ring.decrypt(8, &stored),
            Err(SecretError::Decrypt)
        ));
        // Two encryptions of the same value differ (fresh nonce).
        assert_ne!(stored, ring.encrypt(7, "sk-live-123").unwrap());
        let mut tampered = stored.clone();
        tampered.pop();
        tampered.push('A');
        assert!(ring.decrypt(7, &tampered).is_err());
    }

    #[test]
    fn rotation_through_previous_keys() {
        let old = SecretKey::generate();
        let old_ring = Keyring::new(old.clone(), vec![]);
        let stored = old_ring.encrypt(1, "deepl-key:fx").unwrap();
        let new_ring = Keyring::new(SecretKey::generate(), vec![old]);
        let re = new_ring.reencrypt(1, &stored).unwrap().unwrap();
        assert_eq!(Keyring::key_id_of(&re), Some(new_ring.current_id()));
        assert_eq!(new_ring.decrypt(1, &re).unwrap(), "deepl-key:fx");
        assert_eq!(new_ring.reencrypt(1, &re).unwrap(), None);
        let lost = Keyring::new(SecretKey::generate(), vec![]);
        assert!(matches!(
            lost.decrypt(1, &stored),
            Err(SecretError::UnknownKey(_))
        ));
    }

    #[test]
    fn key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = Keyring::load_with(dir.path(), |_| None).unwrap();
        let b = Keyring::load_with(dir.path(), |_| None).unwrap();
        assert_eq!(a.current_id(), b.current_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let hex = "11".repeat(32);
        let env = Keyring::load_with(dir.path(), |k| (k == ENV_KEY).then(|| hex.clone())).unwrap();
        assert_eq!(env.current_id(), SecretKey::parse(&hex).unwrap().id());
        assert!(SecretKey::parse("short").is_err());
    }
}
