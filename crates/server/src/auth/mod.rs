//! Credentials: password hashing (argon2id), opaque random tokens for sessions and API access,
//! and the request extractors that turn a cookie or bearer token into a [`Principal`].

pub(crate) mod cookies;
mod password;
mod principal;
mod tokens;

pub use password::{PasswordError, hash_password, verify_password};
pub use principal::{
    AuthKind, CSRF_FIELD, CSRF_HEADER, MaybeUser, PageUser, Principal, authenticate,
};
pub use tokens::{API_TOKEN_PREFIX, hash_token, new_api_token, new_random_token};
