//! Danish number and date formatting: "." between thousands, "," before decimals, "12.345.678 kr.", "14,2 %",
//! "31. december 2025". Done in Rust (not in typst) so that it is tested once and the templates only lay out text.
//! The space before "kr." and "%" is a no-break space (U+00A0), so a figure is never split over two lines.

/// Shown where a figure does not exist (no places, no reactions, not a number).
pub const NONE: &str = "–";

/// Groups the digits of a non-negative whole number with "." every three digits: 12345678 → "12.345.678".
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A whole number with thousands separators: 12345 → "12.345", -1500 → "-1.500".
pub fn int(n: i64) -> String {
    let s = group(&n.unsigned_abs().to_string());
    if n < 0 {
        format!("-{s}")
    } else {
        s
    }
}

/// A number with `decimals` decimals, Danish style: 1234.56 → "1.234,6" (1 decimal). Not a number → "–".
pub fn dec(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let negative = x < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group(whole));
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// Whole kroner without the unit: 12345678.4 → "12.345.678".
pub fn amount(x: f64) -> String {
    dec(x, 0)
}

/// Whole kroner with the unit: 12345678.0 → "12.345.678 kr.".
pub fn kr(x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    format!("{}\u{a0}kr.", amount(x))
}

/// A per cent figure (0–100) with one decimal: 14.2 → "14,2 %".
pub fn pct(x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    format!("{}\u{a0}%", dec(x, 1))
}

/// `part` as a per cent share of `whole`, "–" when `whole` is 0.
pub fn share(part: u32, whole: u32) -> String {
    if whole == 0 {
        NONE.to_string()
    } else {
        pct(f64::from(part) * 100.0 / f64::from(whole))
    }
}

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// An ISO date ("2025-12-31") as (year, month, day), if it is one.
pub fn parse_iso(iso: &str) -> Option<(i32, u8, u8)> {
    let iso = iso.get(..10)?;
    let mut parts = iso.splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// An ISO date in long Danish form: "2025-12-31" → "31. december 2025". Anything else is shown as it is.
pub fn date_long(iso: &str) -> String {
    match parse_iso(iso) {
        Some((y, m, d)) => format!("{d}. {} {y}", MONTHS[usize::from(m) - 1]),
        None => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1.000");
        assert_eq!(int(12_345_678), "12.345.678");
        assert_eq!(int(-1500), "-1.500");
        assert_eq!(int(i64::MIN), "-9.223.372.036.854.775.808");
        assert_eq!(dec(1234.56, 1), "1.234,6");
        assert_eq!(dec(-0.04, 1), "0,0");
        assert_eq!(dec(-1234.5, 2), "-1.234,50");
        assert_eq!(dec(f64::NAN, 1), "–");
        assert_eq!(kr(12_345_678.4), "12.345.678\u{a0}kr.");
        assert_eq!(kr(-250_000.0), "-250.000\u{a0}kr.");
        assert_eq!(amount(999.5), "1.000");
        assert_eq!(pct(14.2), "14,2\u{a0}%");
        assert_eq!(pct(100.0), "100,0\u{a0}%");
        assert_eq!(share(1, 3), "33,3\u{a0}%");
        assert_eq!(share(1, 0), "–");
    }

    #[test]
    fn danish_dates() {
        assert_eq!(date_long("2025-12-31"), "31. december 2025");
        assert_eq!(date_long("2026-03-01T10:00:00"), "1. marts 2026");
        assert_eq!(date_long("i går"), "i går");
        assert_eq!(parse_iso("2025-13-01"), None);
    }
}
