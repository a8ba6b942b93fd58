//! Small helpers: URL encoding, cookies, Danish date formatting, random tokens and digests.

use axum::http::HeaderMap;
use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Percent-encode a query value.
pub fn urlencode(s: &str) -> String {
    // References and ids are nearly always plain ASCII: those need no encoding (the fast path of every list row).
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')) {
        return s.to_string();
    }
    serde_urlencoded::to_string([("", s)]).map(|x| x[1..].to_string()).unwrap_or_default()
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find_map(|kv| kv.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}

/// 256 random bits, URL-safe base64.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 in hex (how sessions and API tokens are stored).
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A date as Danes write it: 24.11.2026.
pub fn da_date(d: NaiveDate) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// A stored date or instant (`YYYY-MM-DD` or RFC 3339) in Danish form, local time for instants.
pub fn da_when(s: &str) -> String {
    if s.len() == 10 {
        if let Ok(d) = s.parse::<NaiveDate>() {
            return da_date(d);
        }
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => {
            use chrono::Timelike;
            let local = t.with_timezone(&chrono_tz::Europe::Copenhagen);
            format!("{} kl. {:02}:{:02}", da_date(local.date_naive()), local.hour(), local.minute())
        }
        Err(_) => s.to_string(),
    }
}

/// Today in Copenhagen.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono_tz::Europe::Copenhagen).date_naive()
}

/// Whole years between a birth date and a day.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Text for HTML written outside the templates (SVG, the API reference): `& < > "` escaped.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A cell that a spreadsheet would run as a formula is prefixed with an apostrophe (CSV/Excel injection).
pub fn defuse_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; __Host-vaern=tok; lang=en".parse().unwrap());
        assert_eq!(cookie(&h, "__Host-vaern"), Some("tok"));
        assert_eq!(cookie(&h, "lang"), Some("en"));
        assert_eq!(cookie(&h, "vaern"), None);
        assert_eq!(urlencode("/boern/a b?x=1"), "%2Fboern%2Fa+b%3Fx%3D1");
        assert_eq!(urlencode("b000123-a1"), "b000123-a1");
        assert_eq!(urlencode("Ærø"), "%C3%86r%C3%B8");
        assert_eq!(da_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()), "05.01.2026");
        assert_eq!(da_when("2024-03-04T10:15:00+01:00"), "04.03.2024 kl. 10:15");
        assert_eq!(
            age_on(NaiveDate::from_ymd_opt(2014, 5, 17).unwrap(), NaiveDate::from_ymd_opt(2024, 5, 16).unwrap()),
            9
        );
        assert_eq!(defuse_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defuse_cell("Anna"), "Anna");
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
    }
}
