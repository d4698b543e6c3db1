//! Password hashing with argon2id and its default (OWASP-recommended) parameters.
//! The PHC string carries algorithm, parameters and salt, so verification keeps working
//! if the defaults change later.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must not be empty")]
    Empty,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// True when `password` matches the PHC string `phc`. A malformed stored hash counts as a
/// mismatch: a login must fail closed, never error open.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify_roundtrip() {
        let phc = hash_password("correct horse 电池").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 电池", &phc));
        assert!(!verify_password("correct horse", &phc));
    }

    #[test]
    fn same_password_gets_different_salts() {
        let a = hash_password("pw").unwrap();
        let b = hash_password("pw").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn empty_password_is_rejected() {
        assert!(matches!(hash_password(""), Err(PasswordError::Empty)));
    }

    #[test]
    fn garbage_hash_never_verifies() {
        assert!(!verify_password("pw", "not a phc string"));
        assert!(!verify_password("", ""));
    }
}
