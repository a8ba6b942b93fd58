//! CPR numbers (personnumre): parsing, century rules, gender and masking.
//!
//! A [`Cpr`] can only be obtained by parsing, so holding one proves that the number has ten digits and —
//! unless it is an explicit substitute number (erstatningspersonnummer) — a real date of birth in the
//! century derived from the 7th digit ("parse, don't validate"). The modulus-11 check is deliberately
//! *not* a validity rule (numbers failing it have been issued since 2007); see [`Cpr::mod11_ok`].
//!
//! A CPR number is highly sensitive personal data. `Display` and `Debug` therefore print only the masked
//! form `DDMMYY-****`; the full number is available only through the explicit [`Cpr::expose`] (and
//! serialization, because the journal needs it). Callers must audit-log every display of the full number.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Prefix marking a substitute number in serialized form, e.g. `"erstatningsnummer:010203-4567"`.
///
/// Ordinary CPR numbers serialize as plain `DDMMYY-SSSS`. Without the marker a substitute number could not
/// round-trip: its date part need not be a real date, and [`Cpr::parse`] must never accept it implicitly.
pub const SUBSTITUTE_PREFIX: &str = "erstatningsnummer:";

/// Gender as recorded on a case. Derived from a CPR number (which only yields `Female`/`Male`) or
/// recorded explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gender {
    /// "F" — pige.
    Female,
    /// "M" — dreng.
    Male,
    /// "X" — andet.
    Other,
}

/// Error when parsing a [`Gender`] code. Message in Danish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Ukendt køn «{0}» (forventet F, M eller X)")]
pub struct GenderError(pub String);

impl Gender {
    /// Parses the code `"F"`, `"M"` or `"X"` (surrounding whitespace and case are ignored).
    pub fn parse(s: &str) -> Result<Gender, GenderError> {
        match s.trim() {
            "F" | "f" => Ok(Gender::Female),
            "M" | "m" => Ok(Gender::Male),
            "X" | "x" => Ok(Gender::Other),
            other => Err(GenderError(other.to_owned())),
        }
    }

    /// The one-letter code: `"F"`, `"M"` or `"X"`.
    pub const fn as_code(self) -> &'static str {
        match self {
            Gender::Female => "F",
            Gender::Male => "M",
            Gender::Other => "X",
        }
    }

    /// Danish label for a child: `"pige"`, `"dreng"` or `"andet"`.
    pub const fn label_da(self) -> &'static str {
        match self {
            Gender::Female => "pige",
            Gender::Male => "dreng",
            Gender::Other => "andet",
        }
    }
}

impl FromStr for Gender {
    type Err = GenderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gender::parse(s)
    }
}

impl Serialize for Gender {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_code())
    }
}

impl<'de> Deserialize<'de> for Gender {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GenderVisitor;

        impl de::Visitor<'_> for GenderVisitor {
            type Value = Gender;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a gender code \"F\", \"M\" or \"X\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Gender::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(GenderVisitor)
    }
}

/// Error when parsing a CPR number. Messages are in Danish (shown to case workers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CprError {
    /// Not ten digits (optionally `DDMMYY-SSSS` with a hyphen).
    #[error("CPR-nummeret skal have 10 cifre (DDMMÅÅ-SSSS)")]
    Format,
    /// Ten digits, but the date part is not a real date in the derived century.
    #[error("CPR-nummeret {number} har en ugyldig fødselsdato: {date} findes ikke")]
    InvalidDate {
        /// The number as `DDMMYY-SSSS`.
        number: String,
        /// The impossible date as `DD.MM.YYYY`.
        date: String,
    },
}

/// A parsed CPR number (or an explicit substitute number). See the module documentation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cpr {
    /// The ten digits as values 0–9.
    digits: [u8; 10],
    /// `None` exactly for substitute numbers.
    birth_date: Option<NaiveDate>,
    substitute: bool,
}

/// Reads `DDMMYYSSSS` or `DDMMYY-SSSS` (after trimming) into ten digit values.
fn read_digits(s: &str) -> Result<[u8; 10], CprError> {
    let b = s.trim().as_bytes();
    let (date, serial) = match b.len() {
        10 => b.split_at(6),
        11 if b.get(6) == Some(&b'-') => {
            let (date, rest) = b.split_at(6);
            (date, rest.get(1..).unwrap_or_default())
        }
        _ => return Err(CprError::Format),
    };
    let mut out = [0u8; 10];
    let mut n = 0;
    for (slot, &c) in out.iter_mut().zip(date.iter().chain(serial)) {
        if !c.is_ascii_digit() {
            return Err(CprError::Format);
        }
        *slot = c - b'0';
        n += 1;
    }
    if n == 10 {
        Ok(out)
    } else {
        Err(CprError::Format)
    }
}

/// The full birth year from the two-digit year and the 7th digit (first digit of the serial), per the
/// CPR office's century table.
fn birth_year(yy: u8, seventh: u8) -> i32 {
    let yy = i32::from(yy);
    let century = match seventh {
        0..=3 => 1900,
        4 | 9 => {
            if yy <= 36 {
                2000
            } else {
                1900
            }
        }
        // 5, 6, 7, 8
        _ => {
            if yy <= 57 {
                2000
            } else {
                1800
            }
        }
    };
    century + yy
}

impl Cpr {
    /// Parses an ordinary CPR number, `DDMMYYSSSS` or `DDMMYY-SSSS` (surrounding whitespace ignored).
    ///
    /// The date part must be a real date in the century given by the 7th digit. Substitute numbers are
    /// not accepted here; use [`Cpr::parse_substitute`].
    pub fn parse(s: &str) -> Result<Cpr, CprError> {
        let digits = read_digits(s)?;
        let [d1, d2, m1, m2, y1, y2, s1, ..] = digits;
        let day = d1 * 10 + d2;
        let month = m1 * 10 + m2;
        let year = birth_year(y1 * 10 + y2, s1);
        match NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day)) {
            Some(date) => Ok(Cpr { digits, birth_date: Some(date), substitute: false }),
            None => {
                let cpr = Cpr { digits, birth_date: None, substitute: false };
                Err(CprError::InvalidDate { number: cpr.expose(), date: format!("{day:02}.{month:02}.{year:04}") })
            }
        }
    }

    /// Parses a substitute number (erstatningspersonnummer): the same ten-digit format, but the date part
    /// may be any digits. The result always reports [`Cpr::is_substitute`] and has no birth date.
    pub fn parse_substitute(s: &str) -> Result<Cpr, CprError> {
        Ok(Cpr { digits: read_digits(s)?, birth_date: None, substitute: true })
    }

    /// Whether this is a substitute number (created through [`Cpr::parse_substitute`]).
    pub fn is_substitute(&self) -> bool {
        self.substitute
    }

    /// The date of birth; `None` for substitute numbers.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.birth_date
    }

    /// Gender from the last digit: odd = male, even = female.
    pub fn gender(&self) -> Gender {
        if self.digits[9] % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The modulus-11 check (weights 4,3,2,7,6,5,4,3,2,1). A *soft* check only: since 2007 numbers that
    /// fail it are issued, so a `false` may at most be shown as a warning, never reject the number.
    pub fn mod11_ok(&self) -> bool {
        const WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];
        let sum: u32 = self.digits.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d) * w).sum();
        // Not `is_multiple_of`: that needs Rust 1.87, the workspace declares rust-version 1.85.
        #[allow(clippy::manual_is_multiple_of)]
        let ok = sum % 11 == 0;
        ok
    }

    /// The full number as `DDMMYY-SSSS`. Sensitive: never put it in URLs or logs, and audit-log every
    /// display of it to a user.
    pub fn expose(&self) -> String {
        let mut s = String::with_capacity(11);
        for (i, &d) in self.digits.iter().enumerate() {
            if i == 6 {
                s.push('-');
            }
            s.push(char::from(b'0' + d));
        }
        s
    }

    /// The masked form `DDMMYY-****`, safe for partial display.
    pub fn masked(&self) -> String {
        let mut s = String::with_capacity(11);
        for &d in &self.digits[..6] {
            s.push(char::from(b'0' + d));
        }
        s.push_str("-****");
        s
    }
}

/// Prints the masked form only (`DDMMYY-****`).
impl fmt::Display for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Prints the masked form only (`DDMMYY-****`), so the full number never reaches logs by accident.
impl fmt::Debug for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for Cpr {
    type Err = CprError;

    /// Same as [`Cpr::parse`] (ordinary numbers only).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cpr::parse(s)
    }
}

/// Serializes the full number `DDMMYY-SSSS` (the journal needs it); substitute numbers carry the
/// [`SUBSTITUTE_PREFIX`] marker.
impl Serialize for Cpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.substitute {
            serializer.serialize_str(&format!("{SUBSTITUTE_PREFIX}{}", self.expose()))
        } else {
            serializer.serialize_str(&self.expose())
        }
    }
}

/// Deserializes from a string via [`Cpr::parse`], or via [`Cpr::parse_substitute`] when the string
/// carries the [`SUBSTITUTE_PREFIX`] marker.
impl<'de> Deserialize<'de> for Cpr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CprVisitor;

        impl de::Visitor<'_> for CprVisitor {
            type Value = Cpr;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CPR number \"DDMMYY-SSSS\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v.strip_prefix(SUBSTITUTE_PREFIX) {
                    Some(rest) => Cpr::parse_substitute(rest),
                    None => Cpr::parse(v),
                }
                .map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CprVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cpr(s: &str) -> Cpr {
        Cpr::parse(s).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn year_of(s: &str) -> i32 {
        use chrono::Datelike;
        cpr(s).birth_date().unwrap().year()
    }

    #[test]
    fn century_table_every_row_and_column() {
        // Rows of the table in cpr.md: 7th digits and the century per column (YY 00–36, 37–57, 58–99).
        let rows: [(&[u8], [i32; 3]); 3] =
            [(&[0, 1, 2, 3], [1900, 1900, 1900]), (&[4, 9], [2000, 1900, 1900]), (&[5, 6, 7, 8], [2000, 2000, 1800])];
        let columns: [&[i32]; 3] = [&[0, 1, 36], &[37, 45, 57], &[58, 80, 99]];
        let mut checked = 0;
        for (sevenths, centuries) in rows {
            for &d7 in sevenths {
                for (col, yys) in columns.iter().enumerate() {
                    for &yy in *yys {
                        let s = format!("0101{yy:02}-{d7}123");
                        assert_eq!(year_of(&s), centuries[col] + yy, "{s}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 10 * 9);
    }

    #[test]
    fn century_examples_from_brief() {
        assert_eq!(year_of("010136-4000"), 2036);
        assert_eq!(year_of("010137-4000"), 1937);
        assert_eq!(year_of("010157-5000"), 2057);
        assert_eq!(year_of("010158-5000"), 1858);
        assert_eq!(year_of("010199-9000"), 1999);
        assert_eq!(year_of("010100-9000"), 2000);
        assert_eq!(year_of("311299-3999"), 1999);
    }

    #[test]
    fn leap_days() {
        assert_eq!(cpr("290200-4123").birth_date(), Some(ymd(2000, 2, 29)));
        assert_eq!(cpr("290224-0123").birth_date(), Some(ymd(1924, 2, 29)));
        assert_eq!(cpr("290256-6123").birth_date(), Some(ymd(2056, 2, 29)));
        let err = Cpr::parse("290223-0123").unwrap_err();
        assert_eq!(err.to_string(), "CPR-nummeret 290223-0123 har en ugyldig fødselsdato: 29.02.1923 findes ikke");
        assert_eq!(err, CprError::InvalidDate { number: "290223-0123".into(), date: "29.02.1923".into() });
        // 1900 is not a leap year (7th digit 0 → 1900), nor is 1858.
        assert!(Cpr::parse("290200-0123").unwrap_err().to_string().contains("29.02.1900 findes ikke"));
        assert!(Cpr::parse("290258-5123").unwrap_err().to_string().contains("29.02.1858 findes ikke"));
    }

    #[test]
    fn impossible_dates() {
        for s in ["000190-1234", "320190-1234", "310490-1234", "010090-1234", "011390-1234"] {
            assert!(matches!(Cpr::parse(s), Err(CprError::InvalidDate { .. })), "{s}");
        }
        assert_eq!(
            Cpr::parse("3104901234").unwrap_err().to_string(),
            "CPR-nummeret 310490-1234 har en ugyldig fødselsdato: 31.04.1990 findes ikke"
        );
    }

    #[test]
    fn hyphen_optional_and_whitespace_trimmed() {
        let a = cpr("070761-4285");
        assert_eq!(cpr("0707614285"), a);
        assert_eq!(cpr("  070761-4285\n"), a);
        assert_eq!("0707614285".parse::<Cpr>().unwrap(), a);
        assert_eq!(a.expose(), "070761-4285");
        assert_eq!(a.birth_date(), Some(ymd(1961, 7, 7)));
    }

    #[test]
    fn format_errors() {
        for s in [
            "",
            "123",
            "070761-428",
            "070761-42855",
            "07076142855",
            "070761 4285",
            "0707-614285",
            "070761--4285",
            "07076l-4285",
            "07076-14285",
            "+70761-4285",
            "070761-428５",
            "æøå",
        ] {
            assert_eq!(Cpr::parse(s), Err(CprError::Format), "{s:?}");
            assert_eq!(Cpr::parse_substitute(s), Err(CprError::Format), "{s:?}");
        }
        assert_eq!(CprError::Format.to_string(), "CPR-nummeret skal have 10 cifre (DDMMÅÅ-SSSS)");
    }

    #[test]
    fn masking_in_display_and_debug() {
        let c = cpr("070761-4285");
        assert_eq!(c.masked(), "070761-****");
        assert_eq!(c.to_string(), "070761-****");
        assert_eq!(format!("{c:?}"), "070761-****");
        assert_eq!(format!("{c:#?}"), "070761-****");
        assert!(!format!("{:?}", Some(&c)).contains("4285"));
        let s = cpr("010203-4567");
        assert_eq!(format!("{s} {s:?}"), "010203-**** 010203-****");
    }

    #[test]
    fn gender_from_last_digit() {
        assert_eq!(cpr("070761-4285").gender(), Gender::Male);
        assert_eq!(cpr("070761-4286").gender(), Gender::Female);
        assert_eq!(cpr("070761-4280").gender(), Gender::Female);
        assert_eq!(cpr("070761-4289").gender(), Gender::Male);
    }

    #[test]
    fn gender_codes() {
        for g in [Gender::Female, Gender::Male, Gender::Other] {
            assert_eq!(Gender::parse(g.as_code()), Ok(g));
            assert_eq!(g.as_code().parse::<Gender>(), Ok(g));
            let json = serde_json::to_string(&g).unwrap();
            assert_eq!(json, format!("\"{}\"", g.as_code()));
            assert_eq!(serde_json::from_str::<Gender>(&json).unwrap(), g);
        }
        assert_eq!(Gender::parse(" f "), Ok(Gender::Female));
        assert_eq!(Gender::Female.label_da(), "pige");
        assert_eq!(Gender::Male.label_da(), "dreng");
        assert_eq!(Gender::Other.label_da(), "andet");
        assert_eq!(Gender::parse("K").unwrap_err().to_string(), "Ukendt køn «K» (forventet F, M eller X)");
        assert!(Gender::parse("").is_err());
    }

    #[test]
    fn mod11_is_a_soft_check() {
        assert!(cpr("070761-4285").mod11_ok());
        let fails = cpr("070761-4286");
        assert!(!fails.mod11_ok());
        assert_eq!(fails.birth_date(), Some(ymd(1961, 7, 7)));
    }

    #[test]
    fn substitute_numbers() {
        // Date part need not be a date, but it must still be ten digits.
        let s = Cpr::parse_substitute("619901-2345").unwrap();
        assert!(s.is_substitute());
        assert_eq!(s.birth_date(), None);
        assert_eq!(s.gender(), Gender::Male);
        assert_eq!(s.expose(), "619901-2345");
        assert_eq!(format!("{s:?}"), "619901-****");
        assert!(Cpr::parse("619901-2345").is_err());
        // Even with a real date part, an explicitly substitute number has no birth date and differs
        // from the ordinary number.
        let s2 = Cpr::parse_substitute("0707614285").unwrap();
        assert!(s2.is_substitute());
        assert_eq!(s2.birth_date(), None);
        assert_ne!(s2, cpr("070761-4285"));
        assert!(!cpr("070761-4285").is_substitute());
    }

    #[test]
    fn serde_full_number() {
        let c = cpr("0707614285");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"070761-4285\"");
        assert_eq!(serde_json::from_str::<Cpr>(&json).unwrap(), c);
        assert_eq!(serde_json::from_str::<Cpr>("\"0707614285\"").unwrap(), c);
        assert!(serde_json::from_str::<Cpr>("\"290223-0123\"").is_err());
        assert!(serde_json::from_str::<Cpr>("7076142").is_err());

        let s = Cpr::parse_substitute("619901-2345").unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"erstatningsnummer:619901-2345\"");
        assert_eq!(serde_json::from_str::<Cpr>(&json).unwrap(), s);
    }

    #[test]
    fn hash_and_eq() {
        use std::collections::HashSet;
        let set: HashSet<Cpr> = ["070761-4285", "0707614285", "070761-4286"].into_iter().map(cpr).collect();
        assert_eq!(set.len(), 2);
    }

    /// 7th digits that yield `year`, straight from the table in cpr.md (independent of `birth_year`).
    fn sevenths_for(year: i32) -> &'static [u8] {
        match year {
            1858..=1899 => &[5, 6, 7, 8],
            1900..=1936 => &[0, 1, 2, 3],
            1937..=1999 => &[0, 1, 2, 3, 4, 9],
            2000..=2036 => &[4, 5, 6, 7, 8, 9],
            _ => &[5, 6, 7, 8],
        }
    }

    fn valid_cpr() -> impl Strategy<Value = (NaiveDate, String)> {
        (1858i32..=2057, 1u32..=366, any::<prop::sample::Index>(), 0u32..1000, any::<bool>()).prop_filter_map(
            "day of year exists",
            |(year, ordinal, pick, rest, hyphen)| {
                use chrono::Datelike;
                let date = NaiveDate::from_yo_opt(year, ordinal)?;
                let sevenths = sevenths_for(year);
                let d7 = sevenths[pick.index(sevenths.len())];
                let sep = if hyphen { "-" } else { "" };
                let s = format!("{:02}{:02}{:02}{sep}{d7}{rest:03}", date.day(), date.month(), year % 100);
                Some((date, s))
            },
        )
    }

    proptest! {
        #[test]
        fn round_trip_valid_numbers((date, s) in valid_cpr()) {
            let c = Cpr::parse(&s).unwrap();
            prop_assert_eq!(c.birth_date(), Some(date));
            prop_assert!(!c.is_substitute());
            prop_assert_eq!(Cpr::parse(&c.expose()).unwrap(), c.clone());
            prop_assert_eq!(c.expose().replace('-', ""), s.replace('-', ""));
            prop_assert_eq!(c.masked(), format!("{}-****", &c.expose()[..6]));
            let json = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(serde_json::from_str::<Cpr>(&json).unwrap(), c);
        }

        #[test]
        fn substitute_round_trip(s in "[0-9]{6}-?[0-9]{4}") {
            let c = Cpr::parse_substitute(&s).unwrap();
            prop_assert!(c.is_substitute());
            prop_assert_eq!(Cpr::parse_substitute(&c.expose()).unwrap(), c.clone());
            let json = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(serde_json::from_str::<Cpr>(&json).unwrap(), c);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Cpr::parse(&s);
            let _ = Cpr::parse_substitute(&s);
            let _ = Gender::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[0-9 \\-]{0,13}") {
            if let Ok(c) = Cpr::parse(&s) {
                prop_assert!(c.birth_date().is_some());
                prop_assert_eq!(c.expose().replace('-', ""), s.trim().replace('-', ""));
            }
        }
    }
}
