//! Opaque bearer secrets. Only their SHA-256 is stored, so a database leak does not hand out
//! working sessions or API tokens; 256 random bits make brute force pointless, which is why
//! a fast hash (not argon2) is right here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API token starts with this, so leaked tokens are recognisable by secret scanners and
/// the `Authorization` header can be told apart from other schemes.
pub const API_TOKEN_PREFIX: &str = "tl_";

/// Number of characters of the plaintext token kept (in clear) to identify it in lists.
const DISPLAY_PREFIX_LEN: usize = 11;

/// 32 random bytes, URL-safe base64 without padding (43 characters).
pub fn new_random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API token: `(plaintext, sha256 hex of the plaintext, display prefix)`.
/// The plaintext is shown to the user once and never stored.
pub fn new_api_token() -> (String, String, String) {
    let plaintext = format!("{API_TOKEN_PREFIX}{}", new_random_token());
    let hash = hash_token(&plaintext);
    let prefix: String = plaintext.chars().take(DISPLAY_PREFIX_LEN).collect();
    (plaintext, hash, prefix)
}

/// Lower-case hex SHA-256 of a session or API token, as stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_token_shape() {
        let (plain, hash, prefix) = new_api_token();
        assert!(plain.starts_with(API_TOKEN_PREFIX));
        assert_eq!(plain.len(), API_TOKEN_PREFIX.len() + 43);
        assert_eq!(hash, hash_token(&plain));
        assert_eq!(hash.len(), 64);
        assert!(plain.starts_with(&prefix));
        assert_eq!(prefix.len(), DISPLAY_PREFIX_LEN);
    }

    #[test]
    fn same_hash_as_the_store_uses_for_lookups() {
        let (plain, hash, _) = new_api_token();
        assert_eq!(hash, tradelane_store::hash_token(&plain));
    }

    #[test]
    fn tokens_are_unique() {
        assert_ne!(new_random_token(), new_random_token());
    }

    #[test]
    fn hash_is_stable_and_known() {
        // SHA-256("abc") from FIPS 180-2 appendix B.1.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
