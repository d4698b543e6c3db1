//! Minimal cookie reading and writing (three cookies, no need for a cookie jar crate).

use axum::http::{HeaderMap, HeaderValue, header};

/// Session cookie: opaque random token, its SHA-256 is the key in the sessions table.
pub const SESSION_COOKIE: &str = "tl_session";
/// Double-submit token protecting the login form itself (there is no session yet).
pub const LOGIN_CSRF_COOKIE: &str = "tl_login_csrf";
/// UI language chosen before logging in.
pub const LANG_COOKIE: &str = "tl_lang";

/// Value of the first cookie called `name`, if any.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
}

/// `Set-Cookie` value. `max_age_secs = 0` deletes the cookie. Values are our own base64url
/// tokens or language codes, so no quoting is needed.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: u64,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age_secs}");
    if http_only {
        text.push_str("; HttpOnly");
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_among_several_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tl_session=abc-_9; tl_lang=zh-CN"),
        );
        assert_eq!(
            read_cookie(&headers, SESSION_COOKIE).as_deref(),
            Some("abc-_9")
        );
        assert_eq!(read_cookie(&headers, LANG_COOKIE).as_deref(), Some("zh-CN"));
        assert_eq!(read_cookie(&headers, "missing"), None);
    }

    #[test]
    fn cookie_attributes() {
        let v = set_cookie(SESSION_COOKIE, "tok", 43200, true, true);
        let s = v.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("Secure") && s.contains("SameSite=Lax"));
        let v = set_cookie(LANG_COOKIE, "en", 0, false, false);
        assert!(!v.to_str().unwrap().contains("HttpOnly"));
    }
}
