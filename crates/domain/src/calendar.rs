//! The Danish calendar: public holidays (helligdage), working days (hverdage), month arithmetic with
//! end-of-month clamping, and Europe/Copenhagen local time.
//!
//! Reference: `../shared/data/holidays.md`. Store bededag is a public holiday up to and including 2023 only.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;

/// Værn's one time zone: every local date and time is Copenhagen time.
pub const TZ: Tz = chrono_tz::Europe::Copenhagen;

/// Easter Sunday (Gregorian computus, the anonymous Meeus/Jones/Butcher algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction of the algorithm.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// A Danish public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    /// Danish name, e.g. "Skærtorsdag".
    pub name: &'static str,
}

/// The public holidays of `year`, in date order.
pub fn public_holidays(year: i32) -> Vec<Holiday> {
    let easter = easter_sunday(year);
    let rel = |days: i64, name: &'static str| Holiday { date: easter + Duration::days(days), name };
    let fixed = |m: u32, d: u32, name: &'static str| Holiday {
        date: NaiveDate::from_ymd_opt(year, m, d).unwrap_or(NaiveDate::MIN),
        name,
    };
    let mut days = vec![
        fixed(1, 1, "Nytårsdag"),
        rel(-3, "Skærtorsdag"),
        rel(-2, "Langfredag"),
        rel(0, "Påskedag"),
        rel(1, "2. påskedag"),
    ];
    if year <= 2023 {
        days.push(rel(26, "Store bededag"));
    }
    days.extend([
        rel(39, "Kristi himmelfartsdag"),
        rel(49, "Pinsedag"),
        rel(50, "2. pinsedag"),
        fixed(12, 25, "Juledag"),
        fixed(12, 26, "2. juledag"),
    ]);
    days
}

/// The name of the public holiday on `date`, if it is one.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    let (m, d) = (date.month(), date.day());
    match (m, d) {
        (1, 1) => return Some("Nytårsdag"),
        (12, 25) => return Some("Juledag"),
        (12, 26) => return Some("2. juledag"),
        // Movable feasts fall between 19 March (skærtorsdag) and 14 June (2. pinsedag).
        (3..=6, _) => {}
        _ => return None,
    }
    let offset = (date - easter_sunday(date.year())).num_days();
    match offset {
        -3 => Some("Skærtorsdag"),
        -2 => Some("Langfredag"),
        0 => Some("Påskedag"),
        1 => Some("2. påskedag"),
        26 if date.year() <= 2023 => Some("Store bededag"),
        39 => Some("Kristi himmelfartsdag"),
        49 => Some("Pinsedag"),
        50 => Some("2. pinsedag"),
        _ => None,
    }
}

/// Whether `date` is a Danish public holiday.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    holiday_name(date).is_some()
}

/// Whether `date` is a working day (hverdag): Monday–Friday and not a public holiday.
/// Grundlovsdag, juleaftensdag and nytårsaftensdag are working days in Værn's default calendar.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(date)
}

/// The `n`-th working day strictly after `date` ("n hverdage efter").
pub fn add_working_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

/// "N months after D": the same day of month N months later, clamped to that month's last day.
/// Negative `months` go back in time with the same clamping.
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
    let last = days_in_month(year, month0 + 1);
    NaiveDate::from_ymd_opt(year, month0 + 1, date.day().min(last)).unwrap_or(date)
}

/// Number of days in a month (1-based month).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    match (NaiveDate::from_ymd_opt(ny, nm, 1), NaiveDate::from_ymd_opt(year, month, 1)) {
        (Some(next), Some(first)) => (next - first).num_days() as u32,
        _ => 30,
    }
}

/// The UTC instant of a Copenhagen wall-clock time. In the autumn fold the earlier instant is taken; a time in the
/// spring gap (02:00–03:00 on the last Sunday of March) is moved forward by the gap.
pub fn local_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match TZ.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            let shifted = local + Duration::hours(1);
            match TZ.from_local_datetime(&shifted) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => Utc.from_utc_datetime(&(local - Duration::hours(1))),
            }
        }
    }
}

/// 00:00 Copenhagen time on `date`.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(date.and_time(NaiveTime::MIN))
}

/// The last second of `date` in Copenhagen (23:59:59, or earlier on a historical day whose last hour a clock
/// change skipped) — the end of a day-based deadline.
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    match date.succ_opt() {
        Some(next) => start_of_day(next) - Duration::seconds(1),
        None => local_to_utc(date.and_hms_opt(23, 59, 59).unwrap_or_default()),
    }
}

/// Day of the month of the last Sunday of March or October (31-day months), by Sakamoto's weekday formula.
const fn last_sunday_of(year: i32, month: u32) -> u32 {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if month < 3 { year - 1 } else { year };
    let weekday_31 = (y + y / 4 - y / 100 + y / 400 + T[(month - 1) as usize] + 31).rem_euclid(7);
    31 - weekday_31 as u32
}

/// Whether Copenhagen is on summer time (CEST) at midnight (`at_midnight`) or at 23:59:59 of `d` (EU rule,
/// Denmark since 1996: from 02:00 on the last Sunday of March to 03:00 on the last Sunday of October).
fn is_summer_time(d: NaiveDate, at_midnight: bool) -> bool {
    let (m, day) = (d.month(), d.day());
    if !(3..=10).contains(&m) {
        return false;
    }
    if (4..=9).contains(&m) {
        return true;
    }
    let switch = last_sunday_of(d.year(), m);
    match (m, at_midnight) {
        (3, true) => day > switch,
        (3, false) => day >= switch,
        (_, true) => day <= switch,
        (_, false) => day < switch,
    }
}

/// 00:00 Copenhagen time on `d` as a Unix timestamp (fast path 1996–2037, the time-zone database otherwise).
pub fn start_of_day_ts(d: NaiveDate) -> i64 {
    if !(1996..=2037).contains(&d.year()) {
        return start_of_day(d).timestamp();
    }
    let offset = if is_summer_time(d, true) { 7200 } else { 3600 };
    d.and_time(NaiveTime::MIN).and_utc().timestamp() - offset
}

/// 23:59:59 Copenhagen time on `d` as a Unix timestamp (fast path 1996–2037, the time-zone database otherwise).
pub fn end_of_day_ts(d: NaiveDate) -> i64 {
    if !(1996..=2037).contains(&d.year()) {
        return end_of_day(d).timestamp();
    }
    let offset = if is_summer_time(d, false) { 7200 } else { 3600 };
    d.and_time(NaiveTime::MIN).and_utc().timestamp() + 86_399 - offset
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
const fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year as i64 - 1 } else { year as i64 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The years of the summer-time table (Denmark has followed the EU rule since 1996).
const DST_FIRST: i32 = 1996;
const DST_YEARS: usize = 42;
/// The table covers [DST_START, DST_END): 1996-01-01 to 2038-01-01, 00:00 UTC.
const DST_START: i64 = days_from_civil(DST_FIRST, 1, 1) * 86_400;
const DST_END: i64 = days_from_civil(DST_FIRST + DST_YEARS as i32, 1, 1) * 86_400;

/// The instants (Unix seconds) when summer time starts and ends in 1996–2037, in order: 01:00 UTC on the last Sunday
/// of March, then of October, each year. Built at compile time.
const DST_SWITCHES: [i64; 2 * DST_YEARS] = {
    let mut out = [0i64; 2 * DST_YEARS];
    let mut i = 0;
    while i < DST_YEARS {
        let year = DST_FIRST + i as i32;
        out[2 * i] = days_from_civil(year, 3, last_sunday_of(year, 3)) * 86_400 + 3600;
        out[2 * i + 1] = days_from_civil(year, 10, last_sunday_of(year, 10)) * 86_400 + 3600;
        i += 1;
    }
    out
};

/// Copenhagen's UTC offset in seconds at a Unix timestamp (fast path 1996–2037: summer time from 01:00 UTC on
/// the last Sunday of March to 01:00 UTC on the last Sunday of October, looked up in a table built at compile time;
/// the time-zone database otherwise).
pub fn copenhagen_offset_secs(ts: i64) -> i32 {
    if (DST_START..DST_END).contains(&ts) {
        // Inside summer time exactly when an odd number of switches have passed.
        return if DST_SWITCHES.partition_point(|&s| s <= ts) % 2 == 1 { 7200 } else { 3600 };
    }
    let Some(t) = DateTime::from_timestamp(ts, 0) else { return 3600 };
    TZ.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()
}

/// The Copenhagen local date of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    let offset = copenhagen_offset_secs(t.timestamp());
    (t.naive_utc() + Duration::seconds(i64::from(offset))).date()
}

fn push_2(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// Append `YYYY-MM-DD` (without the formatting machinery: this runs for millions of obligations).
pub fn push_date(out: &mut String, d: NaiveDate) {
    let y = d.year();
    if (0..=9999).contains(&y) {
        push_2(out, (y / 100) as u32);
        push_2(out, (y % 100) as u32);
        out.push('-');
        push_2(out, d.month());
        out.push('-');
        push_2(out, d.day());
    } else {
        out.push_str(&d.format("%Y-%m-%d").to_string());
    }
}

/// Append RFC 3339 with the Copenhagen offset, seconds precision, e.g. `2024-03-05T10:15:00+01:00`.
pub fn push_rfc3339_local(out: &mut String, t: DateTime<Utc>) {
    let offset = copenhagen_offset_secs(t.timestamp());
    let local = t.naive_utc() + Duration::seconds(i64::from(offset));
    push_date(out, local.date());
    out.push('T');
    push_2(out, local.hour());
    out.push(':');
    push_2(out, local.minute());
    out.push(':');
    push_2(out, local.second());
    out.push(if offset < 0 { '-' } else { '+' });
    push_2(out, offset.unsigned_abs() / 3600);
    out.push(':');
    push_2(out, offset.unsigned_abs() % 3600 / 60);
}

/// RFC 3339 with the Copenhagen offset, seconds precision, e.g. `2024-03-05T10:15:00+01:00`.
pub fn format_rfc3339_local(t: DateTime<Utc>) -> String {
    let mut s = String::with_capacity(25);
    push_rfc3339_local(&mut s, t);
    s
}

/// Danish date format, e.g. `24.11.2026`.
pub fn format_dk(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// ISO week number (ugenummer), as Danish calendars show it.
pub fn week_number(date: NaiveDate) -> u32 {
    date.iso_week().week()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The table of `../shared/data/holidays.md`, 2020–2028.
    #[test]
    fn holidays_match_reference_table() {
        let easter = [
            (2020, "2020-04-12"),
            (2021, "2021-04-04"),
            (2022, "2022-04-17"),
            (2023, "2023-04-09"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
        ];
        for (y, e) in easter {
            assert_eq!(easter_sunday(y), d(e), "Easter {y}");
        }
        assert_eq!(holiday_name(d("2023-05-05")), Some("Store bededag"));
        assert_eq!(holiday_name(d("2022-05-13")), Some("Store bededag"));
        assert_eq!(holiday_name(d("2024-04-26")), None, "store bededag abolished from 2024");
        assert_eq!(holiday_name(d("2026-05-14")), Some("Kristi himmelfartsdag"));
        assert_eq!(holiday_name(d("2028-06-05")), Some("2. pinsedag"));
        assert_eq!(holiday_name(d("2027-03-25")), Some("Skærtorsdag"));
        assert_eq!(public_holidays(2023).len(), 11);
        assert_eq!(public_holidays(2024).len(), 10);
        for y in 1900..2100 {
            for h in public_holidays(y) {
                assert_eq!(holiday_name(h.date), Some(h.name), "{y}");
            }
        }
    }

    #[test]
    fn grundlovsdag_and_christmas_eve_are_working_days() {
        assert!(is_working_day(d("2024-06-05")));
        assert!(is_working_day(d("2024-12-24")));
        assert!(is_working_day(d("2024-12-31")));
        assert!(!is_working_day(d("2024-12-25")));
        assert!(!is_working_day(d("2024-03-30")), "Saturday");
    }

    #[test]
    fn working_days_skip_easter() {
        // Wed 27.03.2024 + 6 working days: Thu 28 and Fri 29 (skærtorsdag, langfredag), Mon 1.4 (2. påskedag)
        // are holidays ⇒ 2,3,4,5,8,9 April.
        assert_eq!(add_working_days(d("2024-03-27"), 6), d("2024-04-09"));
        assert_eq!(add_working_days(d("2024-03-27"), 0), d("2024-03-27"));
        // Friday + 1 = Monday.
        assert_eq!(add_working_days(d("2024-11-22"), 1), d("2024-11-25"));
    }

    #[test]
    fn month_arithmetic_clamps() {
        assert_eq!(add_months(d("2023-10-31"), 4), d("2024-02-29"));
        assert_eq!(add_months(d("2025-01-31"), 1), d("2025-02-28"));
        assert_eq!(add_months(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(add_months(d("2024-03-31"), -1), d("2024-02-29"));
        assert_eq!(add_months(d("2024-12-15"), 1), d("2025-01-15"));
    }

    #[test]
    fn twenty_four_hours_across_dst() {
        let received = local_to_utc(d("2024-03-30").and_hms_opt(10, 0, 0).unwrap());
        let due = received + Duration::hours(24);
        assert_eq!(format_rfc3339_local(due), "2024-03-31T11:00:00+02:00");
        let received = local_to_utc(d("2024-10-26").and_hms_opt(10, 0, 0).unwrap());
        assert_eq!(format_rfc3339_local(received + Duration::hours(24)), "2024-10-27T09:00:00+01:00");
    }

    #[test]
    fn local_times_in_gap_and_fold() {
        // 02:30 on 31.03.2024 does not exist: moved to 03:30 CEST.
        let t = local_to_utc(d("2024-03-31").and_hms_opt(2, 30, 0).unwrap());
        assert_eq!(format_rfc3339_local(t), "2024-03-31T03:30:00+02:00");
        // 02:30 on 27.10.2024 exists twice: the earlier (CEST) is taken.
        let t = local_to_utc(d("2024-10-27").and_hms_opt(2, 30, 0).unwrap());
        assert_eq!(format_rfc3339_local(t), "2024-10-27T02:30:00+02:00");
        assert_eq!(format_dk(d("2026-11-24")), "24.11.2026");
        assert_eq!(week_number(d("2026-11-24")), 48);
    }

    /// Around every switch of the table (a second before, at, after) and at the table's edges, the offset is the
    /// time-zone database's.
    #[test]
    fn summer_time_table_matches_tz_database_at_every_switch() {
        let tz_offset = |ts: i64| {
            let t = DateTime::from_timestamp(ts, 0).unwrap();
            TZ.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()
        };
        assert_eq!(DST_START, d("1996-01-01").and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp());
        assert_eq!(DST_END, d("2038-01-01").and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp());
        let mut checked = 0;
        for &switch in DST_SWITCHES.iter().chain(&[DST_START, DST_END]) {
            for ts in [switch - 3601, switch - 1, switch, switch + 1, switch + 3600] {
                assert_eq!(copenhagen_offset_secs(ts), tz_offset(ts), "at {ts}");
                checked += 1;
            }
        }
        assert_eq!(checked, 5 * (2 * DST_YEARS + 2));
        assert_eq!(copenhagen_offset_secs(d("2024-03-31").and_hms_opt(1, 0, 0).unwrap().and_utc().timestamp()), 7200);
        assert_eq!(copenhagen_offset_secs(d("2024-03-31").and_hms_opt(0, 59, 59).unwrap().and_utc().timestamp()), 3600);
    }

    proptest! {
        #[test]
        fn add_months_is_clamped_and_monotone(days in 0i64..60_000, m in 0i32..400) {
            let start = d("1900-01-01") + Duration::days(days);
            let r = add_months(start, m);
            let r2 = add_months(start, m + 1);
            prop_assert!(r < r2);
            prop_assert!(r.day() <= start.day());
            prop_assert_eq!((r.year() * 12 + r.month0() as i32) - (start.year() * 12 + start.month0() as i32), m);
            if r.day() < start.day() {
                prop_assert_eq!(r.day(), days_in_month(r.year(), r.month()));
            }
        }

        #[test]
        fn working_day_addition_counts_working_days(days in 0i64..40_000, n in 0u32..40) {
            let start = d("1950-01-01") + Duration::days(days);
            let end = add_working_days(start, n);
            let mut count = 0;
            let mut x = start;
            while x < end { x = x.succ_opt().unwrap(); if is_working_day(x) { count += 1; } }
            prop_assert_eq!(count, n);
            prop_assert!(n == 0 || is_working_day(end));
        }

        #[test]
        fn fast_local_time_matches_tz_database(secs in 0i64..2_500_000_000) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            prop_assert_eq!(local_date(t), t.with_timezone(&TZ).date_naive());
            prop_assert_eq!(format_rfc3339_local(t), t.with_timezone(&TZ).to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
            let mut s = String::new();
            push_date(&mut s, local_date(t));
            prop_assert_eq!(s, local_date(t).format("%Y-%m-%d").to_string());
        }

        #[test]
        fn fast_day_bounds_match_tz_database(days in 0i64..50_000) {
            let date = d("1990-01-01") + Duration::days(days);
            prop_assert_eq!(end_of_day_ts(date), end_of_day(date).timestamp());
            prop_assert_eq!(start_of_day_ts(date), start_of_day(date).timestamp());
        }

        #[test]
        fn end_of_day_is_last_second_of_local_date(days in 0i64..60_000) {
            let date = d("1900-01-01") + Duration::days(days);
            prop_assert_eq!(local_date(end_of_day(date)), date);
            prop_assert_eq!(local_date(end_of_day(date) + Duration::seconds(1)), date.succ_opt().unwrap());
            prop_assert_eq!(local_date(start_of_day(date)), date);
        }
    }
}
