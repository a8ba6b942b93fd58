//! Read models: per child the case state and the obligations, per caseworker / team / municipality the counts.
//!
//! They are derived data. A *unit* (a child, a site, or a signal without a child) is recomputed with the deadline
//! engine in the same transaction as the append that touched it; `rebuild` recomputes everything from the journal;
//! `refresh_stale` recomputes units last computed before today (new placement years begin without any event).

use crate::journal::{stored_from_row, Prepared, StoredEvent, SELECT_STORED};
use crate::rows::{insert_any, obligation_vals, unit_vals, Table, Val, RM_OBLIGATION, RM_UNIT};
use crate::{col, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::local_date;
use domain::event::{Body, Event, EventType};
use domain::journal::Journal;
use domain::obligation::{Obligation, Status};
use domain::rules::{id, obligations, RulePack};
use domain::supervision::{site_facts, SiteFacts};
use domain::time::AsOf;
use sqlx::{Any, Transaction};
use std::collections::{BTreeSet, HashMap};

/// A unit of recomputation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    Child(String),
    Site(String),
    Signal(String),
}

impl Unit {
    pub fn key(&self) -> String {
        match self {
            Unit::Child(c) => format!("child:{c}"),
            Unit::Site(s) => format!("site:{s}"),
            Unit::Signal(s) => format!("signal:{s}"),
        }
    }

    /// The unit an obligation belongs to.
    pub fn of(o: &Obligation<'_>) -> Unit {
        if id::is_site_rule(o.rule) {
            return Unit::Site(o.subject.to_string());
        }
        match &o.child {
            Some(c) => Unit::Child(c.to_string()),
            None => Unit::Signal(o.subject.to_string()),
        }
    }
}

/// Units touched by an append, collected while writing.
#[derive(Debug, Default)]
pub struct Units {
    units: BTreeSet<Unit>,
    /// Sites whose approval changed: every child placed there is recomputed (placement-site-approved).
    approval_sites: BTreeSet<String>,
    /// Objects whose owning unit must be looked up (handled signals, corrected events).
    lookups: BTreeSet<String>,
}

/// Above this many touched units an append recomputes all read models at once (a large import).
pub const FULL_REBUILD_UNITS: usize = 2_000;

impl Units {
    pub(crate) fn len(&self) -> usize {
        self.units.len() + self.approval_sites.len() + self.lookups.len()
    }

    pub(crate) fn note(&mut self, p: &Prepared) {
        if let Some(c) = &p.child {
            self.units.insert(Unit::Child(c.clone()));
        }
        use EventType::*;
        match p.event_type {
            SiteRegistered | SiteApproved | SiteApprovalRevoked => {
                if let Some(s) = &p.site {
                    self.units.insert(Unit::Site(s.clone()));
                    self.approval_sites.insert(s.clone());
                }
            }
            FosterTraining | FosterSupervision | OperationalSupervision | SiteFinancesReported => {
                if let Some(s) = &p.site {
                    self.units.insert(Unit::Site(s.clone()));
                }
            }
            DangerSignal if p.child.is_none() => {
                if let Some(o) = &p.object {
                    self.units.insert(Unit::Signal(o.clone()));
                }
            }
            DangerSignalHandled | Correction => {
                if let Some(o) = &p.object {
                    self.lookups.insert(o.clone());
                }
            }
            _ => {}
        }
    }
}

/// Recompute the touched units inside the append transaction.
pub(crate) async fn refresh_units(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    mut units: Units,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for object in &units.lookups {
        // The signal a handling belongs to, or the event a correction corrects: its units too.
        let rows =
            sqlx::query("SELECT event_type, child, site, object FROM journal WHERE object = $1 OR event_id = $1")
                .bind(object)
                .fetch_all(&mut **tx)
                .await?;
        for r in rows {
            let t: String = col(&r, "event_type")?;
            let child: Option<String> = col(&r, "child")?;
            let site: Option<String> = col(&r, "site")?;
            match (child, t.as_str()) {
                (Some(c), _) => {
                    units.units.insert(Unit::Child(c));
                }
                (None, "danger_signal") => {
                    units.units.insert(Unit::Signal(object.clone()));
                }
                (None, _) => {
                    if let Some(s) = site {
                        units.units.insert(Unit::Site(s.clone()));
                        units.approval_sites.insert(s);
                    }
                }
            }
        }
    }
    for site in &units.approval_sites {
        let rows =
            sqlx::query("SELECT DISTINCT child FROM journal WHERE site = $1 AND event_type = 'placement_started'")
                .bind(site)
                .fetch_all(&mut **tx)
                .await?;
        for r in rows {
            if let Some(c) = col::<Option<String>>(&r, "child")? {
                units.units.insert(Unit::Child(c));
            }
        }
    }
    let pack = RulePack::default_pack();
    for unit in &units.units {
        recompute(store, tx, unit, &pack, now).await?;
    }
    Ok(())
}

async fn fetch(
    tx: &mut Transaction<'_, Any>,
    filter: &str,
    binds: &[&str],
    out: &mut HashMap<i64, StoredEvent>,
) -> Result<(), StoreError> {
    let sql = format!("{SELECT_STORED} WHERE {filter}");
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    for row in q.fetch_all(&mut **tx).await? {
        let e = stored_from_row(&row)?;
        out.insert(e.seq, e);
    }
    Ok(())
}

/// The events the engine needs for a unit.
async fn unit_events(tx: &mut Transaction<'_, Any>, unit: &Unit) -> Result<Vec<StoredEvent>, StoreError> {
    let mut found: HashMap<i64, StoredEvent> = HashMap::new();
    match unit {
        Unit::Child(c) => {
            fetch(tx, "j.child = $1", &[c], &mut found).await?;
            let mut sites = BTreeSet::new();
            let mut signals = BTreeSet::new();
            for e in found.values() {
                match &e.event.body {
                    Body::PlacementStarted { site, .. } => {
                        sites.insert(site.to_string());
                    }
                    Body::DangerSignal(d) => {
                        signals.insert(d.signal.to_string());
                    }
                    _ => {}
                }
            }
            for s in &sites {
                fetch(
                    tx,
                    "j.site = $1 AND j.event_type IN ('site_registered', 'site_approved', 'site_approval_revoked')",
                    &[s],
                    &mut found,
                )
                .await?;
            }
            for s in &signals {
                fetch(tx, "j.object = $1 AND j.event_type = 'danger_signal_handled'", &[s], &mut found).await?;
            }
        }
        Unit::Site(s) => fetch(tx, "j.site = $1", &[s], &mut found).await?,
        Unit::Signal(s) => {
            fetch(tx, "j.object = $1 AND j.event_type IN ('danger_signal', 'danger_signal_handled')", &[s], &mut found)
                .await?
        }
    }
    let ids: Vec<String> = found.values().map(|e| e.event_id.clone()).collect();
    for id in &ids {
        fetch(tx, "j.event_type = 'correction' AND j.object = $1", &[id], &mut found).await?;
    }
    let mut v: Vec<StoredEvent> = found.into_values().collect();
    v.sort_by_key(|e| e.seq);
    Ok(v)
}

/// The engine's input from stored events: corrections known at as-of applied.
pub fn engine_events(stored: &[StoredEvent], as_of: AsOf) -> Result<Vec<Event>, StoreError> {
    let mut journal = Journal {
        events: stored.iter().map(|s| s.event.clone()).collect(),
        lines: stored.iter().map(|s| s.seq as usize).collect(),
    };
    journal
        .apply_corrections(Some(as_of))
        .map_err(|e| StoreError::Corrupt(format!("rettelse i hændelse nr. {}: {}", e.line, e.message)))?;
    Ok(journal.events)
}

/// The as-of of the read models: the end of the local day of `now`.
pub fn as_of_today(now: DateTime<Utc>) -> AsOf {
    AsOf::end_of(local_date(now))
}

async fn recompute(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    unit: &Unit,
    pack: &RulePack,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let stored = unit_events(tx, unit).await?;
    let as_of = as_of_today(now);
    let events = engine_events(&stored, as_of)?;
    let list: Vec<Obligation> =
        obligations(&events, as_of, pack).into_iter().filter(|o| Unit::of(o) == *unit).collect();
    // The unit's own events (a site's unit reads its placed children's events too, but they are theirs).
    let own: Vec<(i64, &str, &Event)> = stored
        .iter()
        .filter(|e| event_unit(&e.event).as_ref() == Some(unit))
        .map(|e| (e.seq, e.municipality.as_str(), &e.event))
        .collect();
    let municipality = unit_municipality(store.municipality(), &own);
    write_unit(store.backend(), tx, unit, &municipality, &list, local_date(now)).await?;
    if let Unit::Child(c) = unit {
        write_child(store.backend(), tx, c, &municipality, &own).await?;
    }
    if let Unit::Site(s) = unit {
        let refs: Vec<&Event> = events.iter().collect();
        sqlx::query("DELETE FROM rm_site WHERE site = $1").bind(s).execute(&mut **tx).await?;
        if let Some(f) = site_facts(s, &refs, local_date(now), basic_course(pack)) {
            insert_any(store.backend(), tx, RM_SITE, &[(f, municipality)], site_row).await?;
        }
    }
    Ok(())
}

/// The course name that counts as the basic course (policy `foster-family-basic-course`).
fn basic_course(pack: &RulePack) -> &str {
    pack.policy(id::FOSTER_BASIC_COURSE).and_then(|p| p.course.as_deref()).unwrap_or("grundkursus")
}

pub(crate) const RM_SITE: Table = Table {
    name: "rm_site",
    cols: &[
        "site",
        "municipality",
        "name",
        "site_type",
        "approval",
        "approved_from",
        "approved_until",
        "revoked_on",
        "places",
        "target_group",
        "approved_by",
        "basic_course_on",
        "last_training",
        "training_hours",
        "last_supervision",
        "last_operational",
        "finance_year",
        "revenue_dkk",
        "costs_dkk",
        "equity_dkk",
    ],
};

/// A row of the site registry read model: the site's facts and the municipality it falls back to. Amounts are
/// stored as text (Rust's shortest round-trip form): the same on both back-ends, exact, and never summed in SQL.
pub(crate) fn site_row<'a>((f, m): &'a (SiteFacts, String), out: &mut Vec<Val<'a>>) {
    let d = |x: Option<NaiveDate>| Val::from(x.map(|d| d.to_string()));
    let fin = f.latest_finances;
    out.extend([
        Val::from(&f.site),
        Val::from(f.municipality.map(|m| m.to_string()).unwrap_or_else(|| m.clone())),
        Val::from(&f.name),
        Val::from(f.site_type.as_str()),
        Val::from(f.approval.as_str()),
        d(f.approved_from),
        d(f.approved_until),
        d(f.revoked_on),
        Val::from(f.places.map(i64::from)),
        Val::from(&f.target_group),
        Val::from(&f.approved_by),
        d(f.basic_course_on),
        d(f.last_training),
        Val::from(f.training_hours_year.to_string()),
        d(f.last_supervision),
        d(f.last_operational),
        Val::from(fin.map(|x| i64::from(x.0))),
        Val::from(fin.map(|x| x.1.to_string())),
        Val::from(fin.map(|x| x.2.to_string())),
        Val::from(fin.and_then(|x| x.3).map(|x| x.to_string())),
    ]);
}

/// The municipality of a unit's own events: its registration, else the events' recorded municipality.
fn unit_municipality(instance: domain::municipality::MunicipalityCode, own: &[(i64, &str, &Event)]) -> String {
    own.iter()
        .find_map(|(_, _, e)| match &e.body {
            Body::ChildRegistered { municipality, .. } => Some(municipality.to_string()),
            Body::SiteRegistered { municipality: Some(m), .. } => Some(m.to_string()),
            _ => None,
        })
        .or_else(|| own.first().map(|(_, m, _)| m.to_string()))
        .unwrap_or_else(|| instance.to_string())
}

async fn write_unit(
    backend: crate::Backend,
    tx: &mut Transaction<'_, Any>,
    unit: &Unit,
    municipality: &str,
    list: &[Obligation<'_>],
    today: NaiveDate,
) -> Result<(), StoreError> {
    let key = unit.key();
    sqlx::query("DELETE FROM rm_obligation WHERE unit = $1").bind(&key).execute(&mut **tx).await?;
    let rows: Vec<_> = list.iter().map(|o| (key.as_str(), municipality, o)).collect();
    insert_any(backend, tx, RM_OBLIGATION, &rows, obligation_vals).await?;
    sqlx::query("DELETE FROM rm_unit WHERE unit = $1").bind(&key).execute(&mut **tx).await?;
    insert_any(backend, tx, RM_UNIT, &[(key.clone(), today.to_string())], unit_vals).await
}

/// A child's row of `rm_child`: registration, current placement, open interventions.
pub(crate) struct ChildRow {
    child: String,
    municipality: String,
    birth: Option<String>,
    gender: Option<String>,
    /// (placement, site, placement type, since)
    placement: Option<(String, String, String, String)>,
    open_interventions: i64,
    last: Option<String>,
    events: i64,
}

fn child_row(child: &str, municipality: &str, events: &[(i64, &str, &Event)]) -> ChildRow {
    let mut birth = None;
    let mut gender = None;
    let mut placements: Vec<(String, String, String, String)> = Vec::new();
    let mut ended_placements = BTreeSet::new();
    let mut started = BTreeSet::new();
    let mut ended = BTreeSet::new();
    let mut last: Option<String> = None;
    let mut by_time: Vec<&(i64, &str, &Event)> = events.iter().collect();
    by_time.sort_by_key(|(seq, _, e)| (e.at.trigger_ts(), *seq));
    for (_, _, e) in by_time {
        match &e.body {
            Body::ChildRegistered { birth_date, gender: g, .. } => {
                birth = Some(birth_date.to_string());
                gender = g.map(|g| g.as_code().to_string());
            }
            Body::PlacementStarted { placement, site, placement_type, .. } => placements.push((
                placement.to_string(),
                site.to_string(),
                placement_type.as_str().to_string(),
                e.at.date().to_string(),
            )),
            Body::PlacementEnded { placement, .. } => {
                ended_placements.insert(placement.to_string());
            }
            Body::InterventionStarted { intervention } => {
                started.insert(intervention.to_string());
            }
            Body::InterventionEnded { intervention, .. } => {
                ended.insert(intervention.to_string());
            }
            _ => {}
        }
        last = Some(e.at.date().to_string());
    }
    let placement = placements.into_iter().rev().find(|p| !ended_placements.contains(&p.0));
    ChildRow {
        child: child.to_string(),
        municipality: municipality.to_string(),
        birth,
        gender,
        placement,
        open_interventions: started.difference(&ended).count() as i64,
        last,
        events: events.len() as i64,
    }
}

pub(crate) const RM_CHILD: Table = Table {
    name: "rm_child",
    cols: &[
        "child",
        "municipality",
        "birth_date",
        "gender",
        "placement",
        "site",
        "placement_type",
        "placed_since",
        "open_interventions",
        "last_event_at",
        "events",
    ],
};

pub(crate) fn child_vals<'a>(c: &'a ChildRow, out: &mut Vec<Val<'a>>) {
    let p = c.placement.as_ref();
    out.extend([
        Val::from(&c.child),
        Val::from(&c.municipality),
        Val::from(&c.birth),
        Val::from(&c.gender),
        Val::from(p.map(|p| p.0.as_str())),
        Val::from(p.map(|p| p.1.as_str())),
        Val::from(p.map(|p| p.2.as_str())),
        Val::from(p.map(|p| p.3.as_str())),
        Val::from(c.open_interventions),
        Val::from(&c.last),
        Val::from(c.events),
    ]);
}

/// Replace one child's row of `rm_child`.
async fn write_child(
    backend: crate::Backend,
    tx: &mut Transaction<'_, Any>,
    child: &str,
    municipality: &str,
    events: &[(i64, &str, &Event)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM rm_child WHERE child = $1").bind(child).execute(&mut **tx).await?;
    insert_any(backend, tx, RM_CHILD, &[child_row(child, municipality, events)], child_vals).await
}

/// Recompute every read model inside `tx`: the stored events (those before `new_events`, read back) and
/// `new_events` (just appended in this transaction: sequence number, municipality, event) in one engine run, and
/// write the results with multi-row INSERTs. Returns the number of obligations.
pub(crate) async fn rebuild_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    now: DateTime<Utc>,
    new_events: Vec<(i64, String, Event)>,
) -> Result<usize, StoreError> {
    let first_new = new_events.first().map(|(seq, _, _)| *seq).unwrap_or(i64::MAX);
    let mut all: Vec<(i64, String, Event)> = Vec::new();
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(&format!("{SELECT_STORED} WHERE j.seq > $1 AND j.seq < $2 ORDER BY j.seq LIMIT 20000"))
            .bind(after)
            .bind(first_new)
            .fetch_all(&mut **tx)
            .await?;
        let Some(last) = rows.last() else { break };
        after = col(last, "seq")?;
        for r in &rows {
            let e = stored_from_row(r)?;
            all.push((e.seq, e.municipality, e.event));
        }
    }
    all.extend(new_events);
    let pack = RulePack::default_pack();
    let as_of = as_of_today(now);
    let all: Vec<(i64, &str, &Event)> = all.iter().map(|(seq, m, e)| (*seq, m.as_str(), e)).collect();
    let journal = corrected_journal(&all, as_of)?;
    let list = obligations(&journal.events, as_of, &pack);
    let count = list.len();
    let r = rebuilt(store.municipality(), now, &all, &journal, list, &pack);
    let backend = store.backend();
    for table in REBUILT_TABLES {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut **tx).await?;
    }
    insert_any(backend, tx, RM_CHILD, &r.children, child_vals).await?;
    insert_any(backend, tx, RM_SITE, &r.sites, site_row).await?;
    // The read model is rewritten whole: its indexes are built once after the rows are in.
    let deferred = crate::drop_secondary_indexes(backend, tx, "rm_obligation").await?;
    insert_any(backend, tx, RM_OBLIGATION, &r.obligations, obligation_vals).await?;
    crate::recreate_indexes(tx, &deferred).await?;
    insert_any(backend, tx, RM_UNIT, &r.units, unit_vals).await?;
    Ok(count)
}

/// The read-model tables a full rebuild empties and writes again (the general append and the bulk loader alike).
pub(crate) const REBUILT_TABLES: [&str; 4] = ["rm_obligation", "rm_unit", "rm_child", "rm_site"];

/// The journal the engine reads: the events in journal order with their corrections applied (as of `as_of`).
pub(crate) fn corrected_journal(all: &[(i64, &str, &Event)], as_of: AsOf) -> Result<Journal, StoreError> {
    let mut journal = Journal {
        events: all.iter().map(|(_, _, e)| (*e).clone()).collect(),
        lines: all.iter().map(|(seq, _, _)| *seq as usize).collect(),
    };
    journal
        .apply_corrections(Some(as_of))
        .map_err(|e| StoreError::Corrupt(format!("rettelse i hændelse nr. {}: {}", e.line, e.message)))?;
    Ok(journal)
}

/// Every row of the read models, computed from the whole journal (`all`: sequence number, recorded municipality,
/// event), the corrected journal and the engine's obligations.
pub(crate) struct Rebuilt<'p> {
    pub children: Vec<ChildRow>,
    pub sites: Vec<(SiteFacts, String)>,
    /// (unit key, municipality, obligation)
    pub obligations: Vec<(String, String, Obligation<'p>)>,
    /// (unit key, computed for)
    pub units: Vec<(String, String)>,
}

pub(crate) fn rebuilt<'p>(
    instance: domain::municipality::MunicipalityCode,
    now: DateTime<Utc>,
    all: &[(i64, &str, &Event)],
    journal: &Journal,
    list: Vec<Obligation<'p>>,
    pack: &RulePack,
) -> Rebuilt<'p> {
    // Each unit's own events (for the municipality and the child's case state).
    let mut own: HashMap<Unit, Vec<(i64, &str, &Event)>> = HashMap::new();
    for &(seq, m, e) in all {
        if let Some(unit) = event_unit(e) {
            own.entry(unit).or_default().push((seq, m, e));
        }
    }
    let count = list.len();
    let mut by_unit: HashMap<Unit, Vec<Obligation<'p>>> = HashMap::new();
    for o in list {
        by_unit.entry(Unit::of(&o)).or_default().push(o);
    }
    let mut units: BTreeSet<Unit> = by_unit.keys().cloned().collect();
    // Every unit with events is computed (as the per-unit recomputation marks it), with or without obligations.
    units.extend(own.keys().cloned());
    let today = local_date(now);
    let empty = Vec::new();
    let mut out = Rebuilt {
        children: Vec::new(),
        sites: Vec::new(),
        obligations: Vec::with_capacity(count),
        units: Vec::with_capacity(units.len()),
    };
    for unit in &units {
        let mine = own.get(unit).unwrap_or(&empty);
        let municipality = unit_municipality(instance, mine);
        let key = unit.key();
        for o in by_unit.remove(unit).unwrap_or_default() {
            out.obligations.push((key.clone(), municipality.clone(), o));
        }
        if let Unit::Child(c) = unit {
            out.children.push(child_row(c, &municipality, mine));
        }
        out.units.push((key, today.to_string()));
    }
    // The site registry: every registered site from all its events.
    let mut by_site: HashMap<&str, Vec<&Event>> = HashMap::new();
    for e in &journal.events {
        if let Some(s) = crate::journal::site_of(e) {
            by_site.entry(s).or_default().push(e);
        }
    }
    out.sites = by_site
        .iter()
        .filter_map(|(s, evs)| {
            let f = site_facts(s, evs, today, basic_course(pack))?;
            let m = f.municipality.map(|m| m.to_string()).unwrap_or_else(|| instance.to_string());
            Some((f, m))
        })
        .collect();
    out
}

/// The unit an event belongs to: its child's, else its site's or signal's.
fn event_unit(e: &Event) -> Option<Unit> {
    match &e.child {
        Some(c) => Some(Unit::Child(c.to_string())),
        None => site_unit_of(e),
    }
}

/// The site or signal unit of an event without a child.
fn site_unit_of(e: &Event) -> Option<Unit> {
    match &e.body {
        Body::DangerSignal(d) => Some(Unit::Signal(d.signal.to_string())),
        _ => crate::journal::site_of(e).map(|s| Unit::Site(s.to_string())),
    }
}

/// An obligation as the read model serves it, with its status at a given instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationRow {
    pub child: Option<String>,
    pub municipality: String,
    pub rule: String,
    pub law: String,
    pub subject: String,
    pub due: String,
    pub due_ts: i64,
    pub status: Status,
    pub met_at: Option<String>,
}

/// The columns every read of `rm_obligation` as [`ObligationRow`]s selects.
pub(crate) const OBLIGATION_COLS: &str = "child, municipality, rule, law, subject, due, due_ts, fulfilled, met_at";

/// An [`ObligationRow`] from a row with [`OBLIGATION_COLS`], its status at `now`.
pub(crate) fn obligation_row(r: &sqlx::any::AnyRow, now: DateTime<Utc>) -> Result<ObligationRow, StoreError> {
    let fulfilled: String = col(r, "fulfilled")?;
    let due_ts: i64 = col(r, "due_ts")?;
    Ok(ObligationRow {
        child: col(r, "child")?,
        municipality: col(r, "municipality")?,
        rule: col(r, "rule")?,
        law: col(r, "law")?,
        subject: col(r, "subject")?,
        due: col(r, "due")?,
        due_ts,
        status: status_at(&fulfilled, due_ts, now),
        met_at: col(r, "met_at")?,
    })
}

fn status_at(fulfilled: &str, due_ts: i64, now: DateTime<Utc>) -> Status {
    status_at_ts(fulfilled, due_ts, now.timestamp())
}

/// The status of a stored obligation (`fulfilled` is `met`, `late` or `open`) at a Unix time.
pub(crate) fn status_at_ts(fulfilled: &str, due_ts: i64, now: i64) -> Status {
    match fulfilled {
        "met" => Status::Met,
        "late" => Status::Late,
        _ if now > due_ts => Status::Overdue,
        _ => Status::Due,
    }
}

/// Counts of obligations for one group (caseworker, team or municipality).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    pub key: String,
    pub met: i64,
    pub late: i64,
    pub due: i64,
    pub overdue: i64,
}

/// How to group counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Caseworker,
    Team,
    Municipality,
}

impl Store {
    /// A child's obligations from the read model, with status at `now`, in the contract's order.
    pub async fn child_obligations(&self, child: &str, now: DateTime<Utc>) -> Result<Vec<ObligationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OBLIGATION_COLS} FROM rm_obligation WHERE child = $1 ORDER BY due_ts, rule, subject"
        ))
        .bind(child)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| obligation_row(r, now)).collect()
    }

    /// Met / late / due / overdue per caseworker, team or municipality at `now`.
    pub async fn counts(&self, by: GroupBy, now: DateTime<Utc>) -> Result<Vec<Counts>, StoreError> {
        const SUMS: &str = "SUM(CASE WHEN o.fulfilled = 'met' THEN 1 ELSE 0 END) AS met, \
             SUM(CASE WHEN o.fulfilled = 'late' THEN 1 ELSE 0 END) AS late, \
             SUM(CASE WHEN o.fulfilled = 'open' AND o.due_ts >= $1 THEN 1 ELSE 0 END) AS due, \
             SUM(CASE WHEN o.fulfilled = 'open' AND o.due_ts < $1 THEN 1 ELSE 0 END) AS overdue";
        let sql = match by {
            GroupBy::Municipality => {
                format!("SELECT o.municipality AS k, {SUMS} FROM rm_obligation o GROUP BY o.municipality ORDER BY k")
            }
            GroupBy::Caseworker | GroupBy::Team => {
                let key = if by == GroupBy::Team { "COALESCE(a.team, '')" } else { "COALESCE(a.caseworker, '')" };
                // Counted per child first (one pass over the obligations), then summed per group: one lookup of
                // the case assignment per child instead of one per obligation.
                format!(
                    "SELECT {key} AS k, CAST(SUM(x.met) AS BIGINT) AS met, CAST(SUM(x.late) AS BIGINT) AS late, \
                     CAST(SUM(x.due) AS BIGINT) AS due, CAST(SUM(x.overdue) AS BIGINT) AS overdue \
                     FROM (SELECT o.child, {SUMS} FROM rm_obligation o GROUP BY o.child) x \
                     LEFT JOIN case_assignment a ON a.child = x.child GROUP BY {key} ORDER BY {key}"
                )
            }
        };
        let rows = sqlx::query(&sql).bind(now.timestamp()).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(Counts {
                    key: col(r, "k")?,
                    met: col(r, "met")?,
                    late: col(r, "late")?,
                    due: col(r, "due")?,
                    overdue: col(r, "overdue")?,
                })
            })
            .collect()
    }

    /// Assign a child's case to a caseworker and team (work routes to teams, not only to people who may leave).
    pub async fn assign(
        &self,
        child: &str,
        caseworker: Option<&str>,
        team: Option<&str>,
        actor: &crate::Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM case_assignment WHERE child = $1").bind(child).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO case_assignment (child, caseworker, team, assigned_at, assigned_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(child)
        .bind(caseworker)
        .bind(team)
        .bind(actor.now.to_rfc3339())
        .bind(&actor.user)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Recompute every read model from the journal (`vaern rebuild`). Returns the number of obligations.
    pub async fn rebuild(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut tx = self.pool().begin().await?;
        let n = rebuild_in(self, &mut tx, now, Vec::new()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Recompute the units last computed before today (placement years and follow-ups begin as time passes).
    pub async fn refresh_stale(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let today = local_date(now).to_string();
        let rows =
            sqlx::query("SELECT unit FROM rm_unit WHERE computed_for < $1").bind(&today).fetch_all(self.pool()).await?;
        let pack = RulePack::default_pack();
        let mut n = 0;
        for chunk in rows.chunks(200) {
            let mut tx = self.pool().begin().await?;
            for r in chunk {
                let key: String = col(r, "unit")?;
                let unit = match key.split_once(':') {
                    Some(("child", c)) => Unit::Child(c.to_string()),
                    Some(("site", s)) => Unit::Site(s.to_string()),
                    Some(("signal", s)) => Unit::Signal(s.to_string()),
                    _ => continue,
                };
                recompute(self, &mut tx, &unit, &pack, now).await?;
                n += 1;
            }
            tx.commit().await?;
        }
        Ok(n)
    }
}
