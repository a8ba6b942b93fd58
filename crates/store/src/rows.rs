//! Rows written in bulk: each table's columns and one function per table that turns an item into its row, shared
//! by the two writers — multi-row `INSERT … VALUES` statements through sqlx (both back-ends, inside any
//! transaction) and the native SQLite bulk loader ([`crate::bulk`]), which binds the same rows to one prepared
//! statement. One definition of a row means the two paths cannot drift apart.

use crate::journal::Prepared;
use crate::{Backend, StoreError};
use domain::obligation::{Obligation, Status};
use sqlx::{Any, Transaction};
use std::borrow::{Borrow, Cow};

/// One value of a row. Nulls are typed: PostgreSQL checks a parameter's type against its column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Val<'a> {
        Val::Text(Some(Cow::Borrowed(s)))
    }
}
impl<'a> From<Option<&'a str>> for Val<'a> {
    fn from(s: Option<&'a str>) -> Val<'a> {
        Val::Text(s.map(Cow::Borrowed))
    }
}
impl<'a> From<&'a String> for Val<'a> {
    fn from(s: &'a String) -> Val<'a> {
        Val::Text(Some(Cow::Borrowed(s.as_str())))
    }
}
impl<'a> From<&'a Option<String>> for Val<'a> {
    fn from(s: &'a Option<String>) -> Val<'a> {
        Val::Text(s.as_deref().map(Cow::Borrowed))
    }
}
impl From<String> for Val<'_> {
    fn from(s: String) -> Self {
        Val::Text(Some(Cow::Owned(s)))
    }
}
impl From<Option<String>> for Val<'_> {
    fn from(s: Option<String>) -> Self {
        Val::Text(s.map(Cow::Owned))
    }
}
impl From<i64> for Val<'_> {
    fn from(i: i64) -> Self {
        Val::Int(Some(i))
    }
}
impl From<Option<i64>> for Val<'_> {
    fn from(i: Option<i64>) -> Self {
        Val::Int(i)
    }
}

/// A table written in bulk: its name and columns, in the order its row function pushes values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub name: &'static str,
    pub cols: &'static [&'static str],
}

impl Table {
    /// `INSERT INTO name (cols…)` without the values.
    pub fn insert_head(&self) -> String {
        format!("INSERT INTO {} ({})", self.name, self.cols.join(", "))
    }
}

pub(crate) const JOURNAL: Table = Table {
    name: "journal",
    cols: &[
        "seq",
        "event_id",
        "event_type",
        "child",
        "site",
        "municipality",
        "at",
        "core",
        "personal_digest",
        "recorded_by",
        "recorded_at",
        "prev_hash",
        "hash",
        "object",
    ],
};

/// A journal row: the prepared event and its place in the chain (sequence number, previous hash, hash).
pub(crate) fn journal_row<'a>(
    (p, (seq, prev, hash)): &'a (&'a Prepared, &'a (i64, String, String)),
    out: &mut Vec<Val<'a>>,
) {
    out.extend([
        Val::from(*seq),
        Val::from(&p.event_id),
        Val::from(p.event_type.as_str()),
        Val::from(&p.child),
        Val::from(&p.site),
        Val::from(&p.municipality),
        Val::from(&p.at),
        Val::from(&p.core),
        Val::from(&p.digest),
        Val::from(&p.recorded_by),
        Val::from(&p.recorded_at),
        Val::from(prev),
        Val::from(hash),
        Val::from(&p.object),
    ]);
}

pub(crate) const JOURNAL_PERSONAL: Table = Table { name: "journal_personal", cols: &["event_id", "data", "salt"] };

/// The personal part of an event: (event id, (data, salt)).
pub(crate) fn personal_row<'a, K: AsRef<str>, P: Borrow<(String, String)>>(
    (event_id, personal): &'a (K, P),
    out: &mut Vec<Val<'a>>,
) {
    let (data, salt) = personal.borrow();
    out.extend([Val::from(event_id.as_ref()), Val::from(data), Val::from(salt)]);
}

pub(crate) const RM_OBLIGATION: Table = Table {
    name: "rm_obligation",
    cols: &["unit", "child", "municipality", "rule", "law", "subject", "due", "due_ts", "fulfilled", "met_at"],
};

/// An obligation of the read model: (unit key, municipality, obligation).
pub(crate) fn obligation_vals<'a, 'p: 'a, K: AsRef<str>, M: AsRef<str>, O: Borrow<Obligation<'p>>>(
    (unit, municipality, o): &'a (K, M, O),
    out: &mut Vec<Val<'a>>,
) {
    let o: &Obligation<'p> = o.borrow();
    let fulfilled = match o.status {
        Status::Met => "met",
        Status::Late => "late",
        Status::Due | Status::Overdue => "open",
    };
    out.extend([
        Val::from(unit.as_ref()),
        Val::from(o.child.as_deref()),
        Val::from(municipality.as_ref()),
        Val::from(o.rule),
        Val::from(o.law),
        Val::from(o.subject.as_str()),
        Val::from(o.due.to_string()),
        Val::from(o.due_ts),
        Val::from(fulfilled),
        Val::from(o.met_at.map(|m| m.to_output())),
    ]);
}

pub(crate) const RM_UNIT: Table = Table { name: "rm_unit", cols: &["unit", "computed_for"] };

/// A computed unit: (unit key, the local date it was computed for).
pub(crate) fn unit_vals<'a>((unit, day): &'a (String, String), out: &mut Vec<Val<'a>>) {
    out.extend([Val::from(unit), Val::from(day)]);
}

/// Multi-row `INSERT … VALUES (…), (…)` statements in `tx` (both back-ends): `?` placeholders for SQLite (bound by
/// position), `$n` for PostgreSQL, at most about 8,000 parameters per statement.
pub(crate) async fn insert_any<'s, T>(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    table: Table,
    items: &'s [T],
    row: impl Fn(&'s T, &mut Vec<Val<'s>>),
) -> Result<(), StoreError> {
    let ncols = table.cols.len();
    let per_statement = (8_000 / ncols).clamp(1, 500);
    let mut vals: Vec<Val<'s>> = Vec::with_capacity(per_statement * ncols);
    for chunk in items.chunks(per_statement) {
        vals.clear();
        for item in chunk {
            let before = vals.len();
            row(item, &mut vals);
            debug_assert_eq!(vals.len() - before, ncols, "row of {} has the wrong number of values", table.name);
        }
        let sql = format!("{} VALUES {}", table.insert_head(), crate::values_list(backend, chunk.len(), ncols));
        let mut q = sqlx::query(&sql);
        for v in &vals {
            q = match v {
                Val::Int(i) => q.bind(*i),
                Val::Text(s) => q.bind(s.as_deref()),
            };
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
