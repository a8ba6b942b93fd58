//! Sign-in, sessions, API tokens and CSRF.
//!
//! - Passwords: argon2id (PHC strings); unknown users cost the same time as wrong passwords.
//! - Sessions: a random 256-bit token in a `__Host-` cookie (HttpOnly, Secure, SameSite=Strict), stored only as its
//!   SHA-256; idle and absolute expiry; a new token at every sign-in; a per-session CSRF token for every form.
//! - API tokens: random, stored as SHA-256, with scopes (`read`, `write`, `admin`), revocable, optionally expiring.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::web_util::{cookie, random_token, sha256_hex};
use crate::AppState;
use argon2::password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use domain::access::{Role, Viewer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// The session cookie. `__Host-` binds it to this origin, path `/`, Secure.
pub const SESSION_COOKIE: &str = "__Host-vaern";
/// Cookie of the sign-in form's CSRF token (before there is a session).
pub const LOGIN_CSRF_COOKIE: &str = "__Host-vaern-login";

/// Hash a password (argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// Check a password against a stored hash (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody has, to spend the same time on unknown users as on known ones.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Minimal password policy (Danish message naming the field).
pub fn check_new_password(pw: &str) -> Result<(), AppError> {
    if pw.chars().count() < 10 {
        return Err(AppError::bad("password", "adgangskoden skal være mindst 10 tegn"));
    }
    if pw.chars().count() > 256 {
        return Err(AppError::bad("password", "adgangskoden må højst være 256 tegn"));
    }
    Ok(())
}

/// Only administrators (and, through the API, only with the `admin` scope) change users and teams.
pub fn require_admin(user: &AuthUser) -> Result<(), AppError> {
    if user.may_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden("Kun administratorer (med rettigheden admin) kan se og ændre brugere og teams.".into()))
    }
}

/// A username: 2–40 characters a–z, 0–9, `.`, `-`, `_` (lower-cased).
pub fn check_username(raw: &str) -> Result<String, AppError> {
    let u = raw.trim().to_lowercase();
    if !(2..=40).contains(&u.len())
        || !u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    {
        return Err(AppError::bad("username", "brug 2–40 tegn: a–z, 0–9, punktum, bindestreg, understreg"));
    }
    Ok(u)
}

/// A team id: 2–40 characters a–z, 0–9 and `-`.
pub fn check_team_id(raw: &str) -> Result<String, AppError> {
    let id = raw.trim();
    if !(2..=40).contains(&id.len()) || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(AppError::bad("id", "brug 2–40 tegn: a–z, 0–9 og bindestreg"));
    }
    Ok(id.to_string())
}

/// A person's or team's name: 1–120 characters.
pub fn check_name(field: &str, raw: &str) -> Result<String, AppError> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > 120 {
        return Err(AppError::bad(field, "navnet skal være 1–120 tegn"));
    }
    Ok(n.to_string())
}

/// API token scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub read: bool,
    pub write: bool,
    pub admin: bool,
}

impl Scopes {
    pub const ALL: Scopes = Scopes { read: true, write: true, admin: true };

    pub fn parse(s: &str) -> Result<Scopes, AppError> {
        let mut out = Scopes { read: false, write: false, admin: false };
        for p in s.split([' ', ',']).filter(|p| !p.is_empty()) {
            match p {
                "read" => out.read = true,
                "write" => out.write = true,
                "admin" => out.admin = true,
                other => {
                    return Err(AppError::bad(
                        "scopes",
                        format!("ukendt rettighed \"{other}\" (brug read, write, admin)"),
                    ))
                }
            }
        }
        if !(out.read || out.write || out.admin) {
            return Err(AppError::bad("scopes", "vælg mindst én rettighed"));
        }
        Ok(out)
    }

    pub fn to_text(self) -> String {
        let mut v = Vec::new();
        if self.read {
            v.push("read");
        }
        if self.write {
            v.push("write");
        }
        if self.admin {
            v.push("admin");
        }
        v.join(" ")
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub team: Option<String>,
    /// The session's CSRF token (empty for API tokens, which are not sent by browsers on their own).
    pub csrf: String,
    /// Hash of the session token (for sign-out), when signed in with a session.
    pub session: Option<String>,
    /// Scopes when signed in with an API token; `None` for a browser session (all the role allows).
    pub scopes: Option<Scopes>,
    pub lang: Lang,
}

impl AuthUser {
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer { username: &self.username, role: self.role, team: self.team.as_deref() }
    }

    pub fn may_read(&self) -> bool {
        self.scopes.is_none_or(|s| s.read)
    }

    pub fn may_write(&self) -> bool {
        self.scopes.is_none_or(|s| s.write)
    }

    pub fn may_admin(&self) -> bool {
        self.role == Role::Admin && self.scopes.is_none_or(|s| s.admin)
    }

    /// Refuse unless the role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("Siden er ikke for rollen {}.", self.role.label_da().to_lowercase())))
        }
    }
}

/// A cached session (a few seconds, to spare the database a lookup on every request of a busy user).
#[derive(Clone)]
struct Cached {
    user: Arc<store::access::User>,
    csrf: String,
    created_at: i64,
    last_seen: i64,
    fetched_at: i64,
}

/// Sessions and users recently looked up. Sign-out and every change to users clear it at once.
#[derive(Default)]
pub struct SessionCache {
    map: Mutex<HashMap<String, Cached>>,
}

const CACHE_SECONDS: i64 = 5;
const TOUCH_SECONDS: i64 = 60;

impl SessionCache {
    pub fn forget(&self, token_hash: &str) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).remove(token_hash);
    }

    pub fn clear(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn get(&self, token_hash: &str, now: i64) -> Option<Cached> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(token_hash).filter(|c| now - c.fetched_at < CACHE_SECONDS).cloned()
    }

    fn put(&self, token_hash: &str, c: Cached) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 50_000 {
            map.clear();
        }
        map.insert(token_hash.to_string(), c);
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<AuthUser, AppError> {
        if let Some(u) = parts.extensions.get::<AuthUser>() {
            return Ok(u.clone());
        }
        let api = parts.uri.path().starts_with("/api/");
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let lang = lang_of(&parts.headers);
        let unauth = || AppError::Unauthenticated { api, next: next.clone() };
        let now = chrono::Utc::now();
        let now_s = now.timestamp();

        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let user = if let Some(token) = bearer {
            let t = state.store.api_token_by_hash(&sha256_hex(token), &now.to_rfc3339()).await?.ok_or_else(unauth)?;
            let u = state.store.user(&t.username).await?.filter(|u| u.active).ok_or_else(unauth)?;
            state.store.touch_api_token(&t.id, &now.to_rfc3339()).await?;
            let role = Role::parse(&u.role).ok_or_else(unauth)?;
            AuthUser {
                username: u.username,
                full_name: u.full_name,
                role,
                team: u.team,
                csrf: String::new(),
                session: None,
                scopes: Some(Scopes::parse(&t.scopes).unwrap_or(Scopes { read: false, write: false, admin: false })),
                lang,
            }
        } else {
            let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(unauth)?;
            let hash = sha256_hex(token);
            let cfg = &state.config;
            let cached = match state.sessions.get(&hash, now_s) {
                Some(c) => c,
                None => {
                    let s = state.store.session(&hash).await?.ok_or_else(unauth)?;
                    let u = state.store.user(&s.username).await?.ok_or_else(unauth)?;
                    let c = Cached {
                        user: Arc::new(u),
                        csrf: s.csrf,
                        created_at: s.created_at,
                        last_seen: s.last_seen,
                        fetched_at: now_s,
                    };
                    state.sessions.put(&hash, c.clone());
                    c
                }
            };
            let idle = now_s - cached.last_seen > cfg.session_idle_minutes * 60;
            let too_old = now_s - cached.created_at > cfg.session_absolute_hours * 3600;
            if idle || too_old || !cached.user.active {
                state.store.delete_session(&hash).await?;
                state.sessions.forget(&hash);
                return Err(unauth());
            }
            if now_s - cached.last_seen > TOUCH_SECONDS {
                state.store.touch_session(&hash, now_s).await?;
                state.sessions.put(&hash, Cached { last_seen: now_s, ..cached.clone() });
            }
            let u = &cached.user;
            AuthUser {
                username: u.username.clone(),
                full_name: u.full_name.clone(),
                role: Role::parse(&u.role).ok_or_else(unauth)?,
                team: u.team.clone(),
                csrf: cached.csrf.clone(),
                session: Some(hash),
                scopes: None,
                lang,
            }
        };
        // A cookie-authenticated API write must carry the session's CSRF token in a header.
        if api && user.session.is_some() && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !same(given, &user.csrf) {
                return Err(AppError::Csrf);
            }
        }
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// The language of a request (cookie, then Accept-Language).
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    Lang::negotiate(cookie(headers, "lang"), headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// Constant-time comparison of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    !b.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A form posted by a signed-in user, with its CSRF token checked against the session's: the fields in order.
pub struct CsrfForm {
    pub user: AuthUser,
    pub fields: Vec<(String, String)>,
}

impl CsrfForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A field's trimmed value, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

impl FromRequest<AppState> for CsrfForm {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<CsrfForm, AppError> {
        let (mut parts, body) = req.into_parts();
        let user = AuthUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .map_err(|_| AppError::BadRequest { field: None, message: "formularen er for stor".into() })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest { field: None, message: "formularen kan ikke læses".into() })?;
        let given = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        if user.session.is_none() || !same(given, &user.csrf) {
            return Err(AppError::Csrf);
        }
        Ok(CsrfForm { user, fields })
    }
}

/// The `Set-Cookie` value of a new session (a browser-session cookie: it ends when the browser closes).
pub fn session_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("korrekt hest batteri").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("korrekt hest batteri", &h));
        assert!(!verify_password("forkert", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(check_new_password("kort").is_err());
    }

    #[test]
    fn scopes_parse_and_name_bad_ones() {
        let s = Scopes::parse("read write").unwrap();
        assert!(s.read && s.write && !s.admin);
        assert_eq!(s.to_text(), "read write");
        assert!(matches!(Scopes::parse("root"), Err(AppError::BadRequest { field: Some(f), .. }) if f == "scopes"));
        assert!(Scopes::parse("").is_err());
    }

    #[test]
    fn tokens_compare_in_constant_time_and_never_empty() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("", ""));
    }
}
