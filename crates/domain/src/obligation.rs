//! Obligations — the output of the deadline engine (`../shared/spec/obligations.md`).

use crate::calendar::end_of_day;
use crate::event::Ref;
use crate::time::{AsOf, At};
use chrono::{DateTime, NaiveDate, Utc};

/// Status of an obligation at as-of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Fulfilled on or before the deadline.
    Met,
    /// Fulfilled after the deadline.
    Late,
    /// Not fulfilled; the deadline has not passed.
    Due,
    /// Not fulfilled; the deadline has passed.
    Overdue,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Met, Status::Late, Status::Due, Status::Overdue];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Late => "late",
            Status::Due => "due",
            Status::Overdue => "overdue",
        }
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Status::Met => "overholdt",
            Status::Late => "for sent",
            Status::Due => "kommende",
            Status::Overdue => "overskredet",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A deadline: the end of a day, or an exact instant (rules counted in hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    EndOfDay(NaiveDate),
    Instant(DateTime<Utc>),
}

impl Deadline {
    /// The instant the deadline passes.
    pub fn instant(self) -> DateTime<Utc> {
        match self {
            Deadline::EndOfDay(d) => end_of_day(d),
            Deadline::Instant(t) => t,
        }
    }

    /// Seconds since the epoch, for sorting (fast path without time-zone lookups for dates).
    pub fn sort_key(self) -> i64 {
        match self {
            Deadline::EndOfDay(d) => crate::calendar::end_of_day_ts(d),
            Deadline::Instant(t) => t.timestamp(),
        }
    }

    /// The local date of the deadline.
    pub fn date(self) -> NaiveDate {
        match self {
            Deadline::EndOfDay(d) => d,
            Deadline::Instant(t) => crate::calendar::local_date(t),
        }
    }

    /// Whether the deadline has passed at as-of.
    pub fn passed(self, as_of: AsOf) -> bool {
        match self {
            Deadline::EndOfDay(d) => {
                let today = as_of.date();
                today > d || (today == d && as_of.instant() > end_of_day(d))
            }
            Deadline::Instant(t) => as_of.instant() > t,
        }
    }

    /// Whether an event at `at` fulfils the deadline in time.
    pub fn in_time(self, at: &At) -> bool {
        match self {
            Deadline::EndOfDay(d) => at.date() <= d,
            Deadline::Instant(t) => at.as_fulfilment() <= t,
        }
    }
}

impl Deadline {
    /// Append `YYYY-MM-DD` for a day, RFC 3339 with the Copenhagen offset for an instant.
    pub fn push(&self, out: &mut String) {
        match self {
            Deadline::EndOfDay(d) => crate::calendar::push_date(out, *d),
            Deadline::Instant(t) => crate::calendar::push_rfc3339_local(out, *t),
        }
    }
}

impl std::fmt::Display for Deadline {
    /// `YYYY-MM-DD` for a day, RFC 3339 with the Copenhagen offset for an instant.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::with_capacity(25);
        self.push(&mut s);
        f.write_str(&s)
    }
}

/// One obligation. `law` borrows from the rule pack that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Obligation<'p> {
    pub rule: &'static str,
    pub law: &'p str,
    /// The child; `None` for a site-level obligation whose trigger names no child.
    pub child: Option<Ref>,
    pub subject: Ref,
    pub due: Deadline,
    /// `due.sort_key()`, computed once (sorting compares it many times).
    pub due_ts: i64,
    pub status: Status,
    pub met_at: Option<At>,
}

impl Obligation<'_> {
    /// Append the obligation as one JSON object (the contract's field order).
    pub fn write_json(&self, out: &mut String) {
        self.write_head(out);
        self.write_tail(out);
    }

    /// `{"rule":…,"law":…,"child":` — the same for every obligation of a rule (see [`JsonWriter`]).
    fn write_head(&self, out: &mut String) {
        out.push_str("{\"rule\":");
        json_str(out, self.rule);
        out.push_str(",\"law\":");
        json_str(out, self.law);
        out.push_str(",\"child\":");
    }

    /// The rest of the object, after the head.
    fn write_tail(&self, out: &mut String) {
        match &self.child {
            Some(c) => json_str(out, c),
            None => out.push_str("null"),
        }
        out.push_str(",\"subject\":");
        json_str(out, &self.subject);
        out.push_str(",\"due\":\"");
        self.due.push(out);
        out.push_str("\",\"status\":\"");
        out.push_str(self.status.as_str());
        out.push('"');
        if let Some(m) = &self.met_at {
            out.push_str(",\"met_at\":\"");
            m.push_output(out);
            out.push('"');
        }
        out.push('}');
    }

    /// The obligation as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        let mut s = String::new();
        self.write_json(&mut s);
        serde_json::from_str(&s).unwrap_or(serde_json::Value::Null)
    }
}

/// Writes many obligations as JSON (the same text as [`Obligation::write_json`]), keeping the written head of each
/// rule's objects: the rule's name and its § are then copied, not checked for characters to escape again for each of
/// millions of obligations. It owns what it keeps, so one writer can serve a thread for any number of rule packs.
#[derive(Debug, Default)]
pub struct JsonWriter {
    /// By the address of the rule's name (a `&'static str`, so the address is never reused): the § texts met with
    /// that rule (compared by content) and the head written for each.
    heads: rustc_hash::FxHashMap<usize, Vec<Head>>,
}

/// A § text and the head written for it.
type Head = (Box<str>, Box<str>);

impl JsonWriter {
    /// Append one obligation as a JSON object.
    pub fn write(&mut self, o: &Obligation<'_>, out: &mut String) {
        let known = self.heads.entry(o.rule.as_ptr() as usize).or_default();
        let head = match known.iter().position(|(law, _)| **law == *o.law) {
            Some(i) => &known[i].1,
            None => {
                let mut head = String::with_capacity(o.rule.len() + o.law.len() + 32);
                o.write_head(&mut head);
                known.push((o.law.into(), head.into()));
                &known[known.len() - 1].1
            }
        };
        out.push_str(head);
        o.write_tail(out);
    }
}

/// Write a list of obligations as one JSON array, one obligation per line.
pub fn write_json_array(list: &[Obligation<'_>], out: &mut String) {
    out.push('[');
    let mut writer = JsonWriter::default();
    for (i, o) in list.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        writer.write(o, out);
    }
    out.push_str(if list.is_empty() { "]\n" } else { "\n]\n" });
}

/// A JSON string. Runs for every text of millions of obligations: the check for characters to escape looks at eight
/// bytes at a time.
fn json_str(out: &mut String, s: &str) {
    if crate::flatjson::plain_run(s.as_bytes()) == s.len() {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::String(s.to_string()).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let o = Obligation {
            rule: "notification-assessment-24h",
            law: "Barnets lov § 136",
            child: Some("b1".into()),
            subject: "n1".into(),
            due: Deadline::Instant(crate::time::copenhagen(NaiveDate::from_ymd_opt(2024, 3, 5).unwrap(), 10, 15)),
            due_ts: 0,
            status: Status::Met,
            met_at: Some(At::parse("2024-03-05T09:00:00+01:00").unwrap()),
        };
        let mut s = String::new();
        o.write_json(&mut s);
        assert_eq!(
            s,
            r#"{"rule":"notification-assessment-24h","law":"Barnets lov § 136","child":"b1","subject":"n1","due":"2024-03-05T10:15:00+01:00","status":"met","met_at":"2024-03-05T09:00:00+01:00"}"#
        );
    }

    /// The writer that keeps the rules' heads writes what `write_json` writes, for every rule, § and child.
    #[test]
    fn writer_writes_what_write_json_writes() {
        let at = At::parse("2024-03-05T09:00:00+01:00").unwrap();
        let pairs = [("a-rule", "SEL § 50"), ("b-rule", "BL § 20"), ("a-rule", "BL § 20"), ("a-rule", "SEL § 50")];
        let laws: Vec<(&str, String)> = (0..12)
            .map(|i| {
                let (rule, law) = pairs[i % pairs.len()];
                (rule, format!("{law}{}", if i % 3 == 0 { ", stk. \"2\"" } else { "" }))
            })
            .collect();
        let mut writer = JsonWriter::default();
        let (mut plain, mut kept) = (String::new(), String::new());
        for (i, (rule, law)) in laws.iter().enumerate() {
            let o = Obligation {
                rule,
                law,
                child: (i % 2 == 0).then(|| Ref::from(format!("b{i}"))),
                subject: format!("s{i}").into(),
                due: Deadline::EndOfDay(NaiveDate::from_ymd_opt(2024, 3, 5).unwrap()),
                due_ts: 0,
                status: if i % 2 == 0 { Status::Met } else { Status::Overdue },
                met_at: (i % 2 == 0).then_some(at),
            };
            o.write_json(&mut plain);
            writer.write(&o, &mut kept);
        }
        assert_eq!(kept, plain);
        assert!(plain.contains(r#""law":"SEL § 50, stk. \"2\"""#), "{plain}");
    }

    /// References are free text: whatever they hold, the written JSON reads back as the same text.
    #[test]
    fn texts_are_escaped_where_needed() {
        for text in ["b1", "", "barn \"Ø\" nr. 1", "a\\b", "tab\there", "\u{1}", "langt-langt-langt-\"-langt", "æøå 😀"]
        {
            let mut out = String::new();
            json_str(&mut out, text);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text, "{out}");
            assert_eq!(out == format!("\"{text}\""), !text.chars().any(|c| c == '"' || c == '\\' || c < ' '));
        }
    }
}
