//! Points in time as the journal gives them (`At`: a date, or a date and time) and the evaluation instant (`AsOf`).
//!
//! A date alone means 00:00 Copenhagen time when the event *triggers* an obligation and 23:59:59 when it *fulfils*
//! one (spec/events.md): the child never gets a worse deadline from a missing time.

use crate::calendar::{end_of_day, local_date, local_to_utc, start_of_day, TZ};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use std::fmt;

/// When an event happened: a Copenhagen local date, optionally with an exact instant.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct At {
    date: NaiveDate,
    /// The exact instant and the UTC offset it was written with, if a time was given.
    instant: Option<DateTime<FixedOffset>>,
}

/// Why a time string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ugyldig tid {value:?}: forventet en dato ÅÅÅÅ-MM-DD eller RFC 3339 (fx 2024-03-04T10:15:00+01:00)")]
pub struct TimeError {
    pub value: String,
}

/// Parse a calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// The usual journal form `YYYY-MM-DDTHH:MM:SS+HH:MM` (or `Z`), read without chrono's general parser (a fifth of the
/// national journal's events have a time). Anything else, such as fractions of seconds or a leap second, is `None`
/// and goes to `DateTime::parse_from_rfc3339`, which accepts the same and more.
fn parse_plain_rfc3339(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    let two = |at: usize| -> Option<u32> {
        let (hi, lo) = (*b.get(at)?, *b.get(at + 1)?);
        (hi.is_ascii_digit() && lo.is_ascii_digit()).then(|| u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
    };
    if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_date(s.get(..10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(two(11)?, two(14)?, two(17)?)?;
    let offset = match (&b[19..], b[19]) {
        (b"Z" | b"z", _) => 0,
        ([_, _, _, b':', _, _], sign @ (b'+' | b'-')) => {
            let (h, m) = (two(20)?, two(23)?);
            if m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i32;
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let offset = FixedOffset::east_opt(offset)?;
    date.and_time(time).and_local_timezone(offset).single()
}

impl At {
    /// A date without a time.
    pub fn date_only(date: NaiveDate) -> At {
        At { date, instant: None }
    }

    /// An exact instant, shown with the Copenhagen offset.
    pub fn instant(t: DateTime<Utc>) -> At {
        let local = t.with_timezone(&TZ);
        let offset = local.offset().fix();
        At { date: local.date_naive(), instant: Some(t.with_timezone(&offset)) }
    }

    /// Parse `YYYY-MM-DD`, RFC 3339 (`2024-03-04T10:15:00+01:00`, `…Z`), or a local date-time without offset
    /// (read as Copenhagen wall time).
    pub fn parse(s: &str) -> Result<At, TimeError> {
        if let Some(date) = parse_date(s) {
            return Ok(At::date_only(date));
        }
        let err = || TimeError { value: s.to_string() };
        if s.len() < 16 {
            return Err(err());
        }
        if let Some(t) = parse_plain_rfc3339(s).or_else(|| DateTime::parse_from_rfc3339(s).ok()) {
            let date = local_date(t.with_timezone(&Utc));
            return Ok(At { date, instant: Some(t) });
        }
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
            .map_err(|_| err())?;
        Ok(At::instant(local_to_utc(naive)))
    }

    /// The Copenhagen local date.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// Whether a time of day was given.
    pub fn has_time(&self) -> bool {
        self.instant.is_some()
    }

    /// The instant when this event triggers an obligation (a date alone: 00:00).
    pub fn as_trigger(&self) -> DateTime<Utc> {
        match self.instant {
            Some(t) => t.with_timezone(&Utc),
            None => start_of_day(self.date),
        }
    }

    /// The instant when this event fulfils an obligation (a date alone: 23:59:59).
    pub fn as_fulfilment(&self) -> DateTime<Utc> {
        match self.instant {
            Some(t) => t.with_timezone(&Utc),
            None => end_of_day(self.date),
        }
    }

    /// `as_trigger` as a Unix timestamp (fast path).
    pub fn trigger_ts(&self) -> i64 {
        match self.instant {
            Some(t) => t.timestamp(),
            None => crate::calendar::start_of_day_ts(self.date),
        }
    }

    /// `as_fulfilment` as a Unix timestamp (fast path).
    pub fn fulfil_ts(&self) -> i64 {
        match self.instant {
            Some(t) => t.timestamp(),
            None => crate::calendar::end_of_day_ts(self.date),
        }
    }

    /// Output form for obligations (`met_at`): the date, or RFC 3339 in Copenhagen time.
    pub fn to_output(&self) -> String {
        let mut s = String::with_capacity(25);
        self.push_output(&mut s);
        s
    }

    /// Append the output form.
    pub fn push_output(&self, out: &mut String) {
        match self.instant {
            None => crate::calendar::push_date(out, self.date),
            Some(t) => crate::calendar::push_rfc3339_local(out, t.with_timezone(&Utc)),
        }
    }
}

impl fmt::Display for At {
    /// The journal form: the date, or RFC 3339 with the offset it was written with.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.instant {
            None => {
                let mut s = String::with_capacity(10);
                crate::calendar::push_date(&mut s, self.date);
                f.write_str(&s)
            }
            Some(t) => f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        }
    }
}

impl fmt::Debug for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The instant at which obligations are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsOf(DateTime<Utc>);

impl AsOf {
    /// `YYYY-MM-DD` means the end of that day (23:59:59 Copenhagen); otherwise an RFC 3339 instant.
    pub fn parse(s: &str) -> Result<AsOf, TimeError> {
        let s = s.trim();
        if let Some(date) = parse_date(s) {
            return Ok(AsOf(end_of_day(date)));
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| AsOf(t.with_timezone(&Utc)))
            .map_err(|_| TimeError { value: s.to_string() })
    }

    /// The end of a local date.
    pub fn end_of(date: NaiveDate) -> AsOf {
        AsOf(end_of_day(date))
    }

    pub fn from_instant(t: DateTime<Utc>) -> AsOf {
        AsOf(t)
    }

    pub fn instant(&self) -> DateTime<Utc> {
        self.0
    }

    /// The Copenhagen local date of the as-of instant.
    pub fn date(&self) -> NaiveDate {
        local_date(self.0)
    }
}

/// Utility for tests and generators: an instant from a Copenhagen wall-clock time.
pub fn copenhagen(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    local_to_utc(date.and_hms_opt(h, m, 0).unwrap_or_default())
}

/// A Copenhagen wall-clock time as an `At`.
pub fn at_local(date: NaiveDate, h: u32, m: u32) -> At {
    At::instant(copenhagen(date, h, m))
}

/// The UTC offset Copenhagen has at an instant (for display).
pub fn copenhagen_offset(t: DateTime<Utc>) -> FixedOffset {
    TZ.offset_from_utc_datetime(&t.naive_utc()).fix()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The plain reading of RFC 3339 gives chrono's answer whenever it answers, and answers for the usual form.
        #[test]
        fn plain_rfc3339_is_chronos(
            y in 1900i32..2100, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..61, se in 0u32..62,
            oh in 0u32..25, om in 0u32..61, form in 0usize..6,
        ) {
            let tz = match form {
                0 => "Z".to_string(),
                1 => format!("+{oh:02}:{om:02}"),
                2 => format!("-{oh:02}:{om:02}"),
                3 => format!("+{oh:02}{om:02}"),
                4 => "z".to_string(),
                _ => format!(".5+{oh:02}:{om:02}"),
            };
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}{tz}");
            let chrono = DateTime::parse_from_rfc3339(&text).ok();
            let plain = parse_plain_rfc3339(&text);
            if plain.is_some() {
                prop_assert_eq!(plain, chrono, "{}", text);
            }
            if form <= 2 && se < 60 && chrono.is_some() {
                prop_assert!(plain.is_some(), "the usual form is read plainly: {}", text);
            }
        }
    }

    #[test]
    fn plain_rfc3339_declines_the_unusual() {
        for odd in [
            "2024-03-04T10:15:00",
            "2024-03-04 10:15:00+01:00",
            "2024-03-04T10:15+01:00",
            "2024-03-04T1:15:00Z",
            "2024-03-04T10:15:00+01",
            "2024-03-04T10:15:00+1:00",
            "2024-03-04T10:15:00+01:00x",
            "2024-03-04T10:15:60Z",
        ] {
            assert_eq!(parse_plain_rfc3339(odd), None, "{odd}");
        }
        let t = parse_plain_rfc3339("2024-03-31T02:30:00+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-31T02:30:00+02:00");
        assert_eq!(At::parse("2024-03-31T00:30:00Z").unwrap().date(), NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
        assert_eq!(At::parse("2024-03-30T23:30:00Z").unwrap().date(), NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
    }

    #[test]
    fn date_only_reads_by_role() {
        let at = At::parse("2024-03-04").unwrap();
        assert!(!at.has_time());
        assert_eq!(crate::calendar::format_rfc3339_local(at.as_trigger()), "2024-03-04T00:00:00+01:00");
        assert_eq!(crate::calendar::format_rfc3339_local(at.as_fulfilment()), "2024-03-04T23:59:59+01:00");
        assert_eq!(at.to_output(), "2024-03-04");
        assert_eq!(at.to_string(), "2024-03-04");
    }

    #[test]
    fn rfc3339_round_trips_and_localises() {
        let at = At::parse("2024-03-04T10:15:00+01:00").unwrap();
        assert_eq!(at.to_string(), "2024-03-04T10:15:00+01:00");
        let z = At::parse("2024-03-04T23:30:00Z").unwrap();
        assert_eq!(z.date(), parse_date("2024-03-05").unwrap(), "23:30 UTC is the next day in Copenhagen");
        assert_eq!(z.to_output(), "2024-03-05T00:30:00+01:00");
        assert_eq!(z.to_string(), "2024-03-04T23:30:00Z");
        let local = At::parse("2024-07-01T09:00:00").unwrap();
        assert_eq!(local.to_output(), "2024-07-01T09:00:00+02:00");
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "2024-13-01", "2024-02-30", "4. marts 2024", "2024-03-04T25:00:00+01:00", "20240304"] {
            assert!(At::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn as_of_date_is_end_of_day() {
        let a = AsOf::parse("2024-03-05").unwrap();
        assert_eq!(crate::calendar::format_rfc3339_local(a.instant()), "2024-03-05T23:59:59+01:00");
        assert!(AsOf::parse("i morgen").is_err());
    }
}
