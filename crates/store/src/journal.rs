//! The append-only journal: preparing rows (core, personal part, hash), appending them in one transaction under
//! the chain lock together with the read models, reading them back, and verifying the chain.

use crate::chain::{self, Link};
use crate::{col, projection, Store, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::event::{Body, Event, EventType};
use domain::personal;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::{BTreeSet, HashMap};

/// Who records events, and when (the clock is a parameter: the domain and the store never read it).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    pub now: DateTime<Utc>,
}

impl Actor {
    pub fn new(user: impl Into<String>, now: DateTime<Utc>) -> Actor {
        Actor { user: user.into(), now }
    }
}

/// Recording metadata carried by an exported line (`"recorded": {…}`), so a re-import reproduces the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub by: String,
    pub at: String,
    pub municipality: String,
    /// Salt of the personal part (when it is present).
    pub salt: Option<String>,
    /// Digest of an erased personal part.
    pub erased_digest: Option<String>,
}

/// An event to append: (line of its file, or position in the batch; event; recorded metadata of an export). The
/// metadata is boxed: most events have none, and batches hold millions.
pub(crate) type Item = (usize, Event, Option<Box<Recorded>>);

/// One row ready to be chained.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub line: usize,
    pub event_id: String,
    pub event_type: EventType,
    pub child: Option<String>,
    pub site: Option<String>,
    pub object: Option<String>,
    pub municipality: String,
    pub at: String,
    pub core: String,
    pub personal: Option<(String, String)>,
    pub digest: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppendOutcome {
    /// Events written.
    pub appended: usize,
    /// Events skipped because an identical event with the same id was already in the journal.
    pub skipped: usize,
    /// The sequence number of the last event in the journal after the append.
    pub head_seq: i64,
    /// Ids of the appended events, in order.
    pub ids: Vec<String>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event_id: String,
    pub municipality: String,
    pub recorded_by: String,
    pub recorded_at: String,
    /// Whether the personal part was erased.
    pub erased: bool,
    pub hash: String,
    pub event: Event,
}

/// The site a event concerns (for site units and the `site` column).
pub(crate) fn site_of(e: &Event) -> Option<&str> {
    e.site()
}

/// Canonical text of a JSON object (field order as given).
fn text(m: &Map<String, Value>) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

/// The core and the personal part of an event as JSON texts ([`personal::split`]). Most events carry no personal
/// field: their core is their JSON line as it is, without building a JSON tree.
pub(crate) fn split_texts(line: usize, event: &Event) -> Result<(String, Option<String>), StoreError> {
    let t = event.event_type();
    let json = event.to_json_line();
    // Compact JSON: a top-level key `k` is written `"k":`; inside a string value a quote is escaped, so the pattern
    // appears there only as `\"k\":`. A match elsewhere (a nested object) only takes the slow path.
    let has_key = |k: &str| {
        json.match_indices(k).any(|(i, _)| json[..i].ends_with('"') && json[i + k.len()..].starts_with("\":"))
    };
    if t != EventType::Correction && !personal::personal_keys(t).iter().any(|k| has_key(k)) {
        return Ok((json, None));
    }
    let Value::Object(full) = event.to_value() else {
        return Err(StoreError::Input(format!("linje {line}: hændelsen kunne ikke gemmes")));
    };
    let (core, personal) = personal::split(t, &full);
    Ok((text(&core), personal.map(|p| text(&p))))
}

/// Split an event into its stored parts. `event.id` must be set.
pub(crate) fn prepare(
    line: usize,
    event: &Event,
    municipality: &str,
    actor: &Actor,
    recorded: Option<&Recorded>,
) -> Result<Prepared, StoreError> {
    let event_id =
        event.id.as_deref().map(str::to_string).ok_or_else(|| StoreError::Input("hændelse uden id".into()))?;
    let (core, personal) = split_texts(line, event)?;
    let (personal, digest) = match (personal, recorded.and_then(|r| r.erased_digest.clone())) {
        // Exported after an erasure: no personal part, and the digest it was chained with.
        (_, Some(erased)) => (None, Some(erased)),
        (None, None) => (None, None),
        (Some(data), None) => {
            let salt = recorded.and_then(|r| r.salt.clone()).unwrap_or_else(chain::new_salt);
            let digest = chain::personal_digest(&salt, &data);
            (Some((data, salt)), Some(digest))
        }
    };
    Ok(Prepared {
        line,
        event_id,
        event_type: event.event_type(),
        child: event.child.as_deref().map(str::to_string),
        site: site_of(event).map(str::to_string),
        object: event.object().map(str::to_string),
        municipality: recorded.map(|r| r.municipality.clone()).unwrap_or_else(|| municipality.to_string()),
        at: event.at.to_string(),
        core,
        personal,
        digest,
        recorded_by: recorded.map(|r| r.by.clone()).unwrap_or_else(|| actor.user.clone()),
        recorded_at: recorded
            .map(|r| r.at.clone())
            .unwrap_or_else(|| actor.now.to_rfc3339_opts(SecondsFormat::Micros, true)),
    })
}

/// Each child's municipality as registered in the batch (the first registration counts).
pub(crate) fn batch_municipalities(items: &[Item]) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    for (_, e, _) in items {
        if let (Body::ChildRegistered { municipality, .. }, Some(c)) = (&e.body, &e.child) {
            out.entry(c.to_string()).or_insert_with(|| municipality.to_string());
        }
    }
    out
}

/// Prepare every item, in parallel; a child's events go to its municipality, else to the instance's.
pub(crate) fn prepare_all(
    items: &[Item],
    child_municipality: &HashMap<String, String>,
    instance: domain::municipality::MunicipalityCode,
    actor: &Actor,
) -> Result<Vec<Prepared>, StoreError> {
    use rayon::prelude::*;
    let default = instance.to_string();
    items
        .par_iter()
        .with_min_len(1024)
        .map(|(line, e, rec)| {
            prepare(*line, e, municipality_of(e, rec.as_deref(), child_municipality, &default), actor, rec.as_deref())
        })
        .collect()
}

/// The error for an id that occurs twice in a batch.
pub(crate) fn duplicate_id(line: usize, id: &str) -> StoreError {
    StoreError::Input(format!("linje {line}, felt \"id\": id \"{id}\" forekommer to gange"))
}

/// The municipality an event is recorded for: an export's recorded one, else its child's, else the instance's
/// (as [`prepare`] records it).
pub(crate) fn municipality_of<'a>(
    e: &Event,
    recorded: Option<&'a Recorded>,
    child_municipality: &'a HashMap<String, String>,
    default: &'a str,
) -> &'a str {
    match recorded {
        Some(r) => &r.municipality,
        None => e.child.as_deref().and_then(|c| child_municipality.get(c)).map_or(default, String::as_str),
    }
}

/// The rows to write: an id twice in the batch is refused; an id already stored (`existing`: core and personal
/// data) is skipped on import when its content is identical and refused otherwise.
pub(crate) fn select_new(
    prepared: Vec<Prepared>,
    existing: &HashMap<String, (String, Option<String>)>,
    idempotent: bool,
    outcome: &mut AppendOutcome,
) -> Result<Vec<Prepared>, StoreError> {
    let mut seen = std::collections::HashSet::with_capacity(prepared.len());
    let mut to_write = Vec::with_capacity(prepared.len());
    for p in prepared {
        if !seen.insert(p.event_id.clone()) {
            return Err(duplicate_id(p.line, &p.event_id));
        }
        match existing.get(&p.event_id) {
            Some((core, data))
                if idempotent
                    && *core == p.core
                    && (data.is_none() || data.as_deref() == p.personal.as_ref().map(|x| x.0.as_str())) =>
            {
                outcome.skipped += 1;
            }
            Some(_) => {
                return Err(StoreError::Input(format!(
                    "linje {}, felt \"id\": id \"{}\" findes allerede i journalen med et andet indhold",
                    p.line, p.event_id
                )))
            }
            None => to_write.push(p),
        }
    }
    Ok(to_write)
}

/// Chain the rows after the head (`seq`, `prev`): each row's (sequence number, previous hash, hash), and the new
/// head. The content digests are computed in parallel; only the short link step runs in order.
pub(crate) fn chain_rows(to_write: &[Prepared], seq: i64, prev: &str) -> (Vec<(i64, String, String)>, i64, String) {
    use rayon::prelude::*;
    let digests: Vec<[u8; 32]> = to_write
        .par_iter()
        .enumerate()
        .with_min_len(1024)
        .map(|(i, p)| {
            Link {
                prev_hash: "",
                seq: seq + 1 + i as i64,
                event_id: &p.event_id,
                municipality: &p.municipality,
                recorded_by: &p.recorded_by,
                recorded_at: &p.recorded_at,
                personal_digest: p.digest.as_deref(),
                core: &p.core,
            }
            .content_digest()
        })
        .collect();
    let mut prev = prev.to_string();
    let mut hashes = Vec::with_capacity(to_write.len());
    for (i, digest) in digests.iter().enumerate() {
        let hash = chain::link(&prev, digest);
        hashes.push((seq + 1 + i as i64, std::mem::replace(&mut prev, hash.clone()), hash));
    }
    (hashes, seq + to_write.len() as i64, prev)
}

/// From this many rows an append is a bulk load (secondary indexes are built after the rows are in).
pub(crate) const BULK_ROWS: usize = 50_000;

/// A new event id (UUID v7: time-ordered).
pub fn new_event_id(now: DateTime<Utc>) -> String {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, now.timestamp().max(0) as u64, now.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(ts).to_string()
}

impl Store {
    /// Append events recorded by `actor` (the web forms' and the API's path). Ids are generated where missing.
    /// Everything is checked first — a bad event rejects the whole batch and nothing is written.
    pub async fn append(&self, actor: &Actor, mut events: Vec<Event>) -> Result<AppendOutcome, StoreError> {
        for e in &mut events {
            if e.id.is_none() {
                e.id = Some(new_event_id(actor.now).into());
            }
        }
        let items: Vec<Item> = events.into_iter().enumerate().map(|(i, e)| (i + 1, e, None)).collect();
        self.append_items(actor, items, false).await
    }

    /// Check, prepare and append. With `idempotent`, events whose id is already stored with the same content are
    /// skipped (import); otherwise an existing id is an error.
    pub(crate) async fn append_items(
        &self,
        actor: &Actor,
        items: Vec<Item>,
        idempotent: bool,
    ) -> Result<AppendOutcome, StoreError> {
        let items = match self.sqlite_file() {
            Some(path) if items.len() >= self.bulk_load_rows() => {
                let (path, instance, actor2) = (path.to_path_buf(), self.municipality(), actor.clone());
                self.close_idle().await;
                let loaded = tokio::task::spawn_blocking(move || crate::bulk::load(&path, instance, &actor2, items))
                    .await
                    .map_err(|e| StoreError::Native(format!("indlæsningen stoppede: {e}")))??;
                match loaded {
                    crate::bulk::Loaded::Done(outcome) => return Ok(outcome),
                    crate::bulk::Loaded::NotEmpty(items) => items,
                }
            }
            _ => items,
        };
        // Municipality of each child: registered in this batch, else in the read model, else the instance's.
        let mut child_municipality = batch_municipalities(&items);
        let mut tx = self.pool().begin().await?;
        let big = items.len() > 50_000 && self.backend() == crate::Backend::Sqlite;
        if big {
            // A large import: keep the touched index pages in memory until commit, instead of spilling them into the
            // write-ahead log again and again (about 1 GiB for the national journal; reset below).
            sqlx::query("PRAGMA cache_size = -1048576").execute(&mut *tx).await?;
        }
        // The chain lock: the first statement is a write, so SQLite takes its write lock at once and PostgreSQL
        // locks the head row; concurrent appenders queue here and the chain stays linear.
        sqlx::query("UPDATE chain_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        let head = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1").fetch_one(&mut *tx).await?;
        let (mut seq, mut prev): (i64, String) = (col(&head, "seq")?, col(&head, "hash")?);

        let children: BTreeSet<String> =
            items.iter().filter_map(|(_, e, _)| e.child.as_deref().map(str::to_string)).collect();
        for c in &children {
            if child_municipality.contains_key(c) {
                continue;
            }
            let row = sqlx::query("SELECT municipality FROM rm_child WHERE child = $1")
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                child_municipality.insert(c.clone(), col(&row, "municipality")?);
            }
        }
        let prepared = prepare_all(&items, &child_municipality, self.municipality(), actor)?;

        // Existing ids: identical content is skipped on import, anything else is refused (an empty journal has none).
        let existing = if seq == 0 {
            HashMap::new()
        } else {
            existing_rows(&mut tx, prepared.iter().map(|p| p.event_id.as_str())).await?
        };
        let mut outcome = AppendOutcome::default();
        let to_write = select_new(prepared, &existing, idempotent, &mut outcome)?;
        check_corrections(&mut tx, &items).await?;

        let mut units = projection::Units::default();
        let (hashes, new_seq, new_prev) = chain_rows(&to_write, seq, &prev);
        (seq, prev) = (new_seq, new_prev);
        for p in &to_write {
            units.note(p);
            outcome.ids.push(p.event_id.clone());
        }
        // A bulk load builds the journal's secondary indexes once at the end instead of row by row.
        let deferred = if to_write.len() > BULK_ROWS {
            crate::drop_secondary_indexes(self.backend(), &mut tx, "journal").await?
        } else {
            Vec::new()
        };
        insert_rows(self.backend(), &mut tx, &to_write, &hashes).await?;
        crate::recreate_indexes(&mut tx, &deferred).await?;
        outcome.appended = to_write.len();
        sqlx::query("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
        outcome.head_seq = seq;
        if units.len() > self.bulk_rebuild_units {
            // A large import: recomputing everything once beats thousands of small recomputations.
            let new_events: Vec<(i64, String, Event)> = hashes
                .iter()
                .zip(&to_write)
                .zip(items.into_iter().filter(|(_, e, _)| e.id.as_deref().is_some_and(|id| !existing.contains_key(id))))
                .map(|(((seq, _, _), p), (_, e, _))| (*seq, p.municipality.clone(), e))
                .collect();
            projection::rebuild_in(self, &mut tx, actor.now, new_events).await?;
        } else if !to_write.is_empty() {
            projection::refresh_units(self, &mut tx, units, actor.now).await?;
        }
        if big {
            // Back to the connection's normal cache (the dirty pages are written at commit either way).
            sqlx::query("PRAGMA cache_size = -131072").execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The stored events of a child, in journal order (with personal data unless erased).
    pub async fn child_events(&self, child: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT_STORED} WHERE j.child = $1 ORDER BY j.seq"))
            .bind(child)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(stored_from_row).collect()
    }

    /// All stored events in journal order, in pages (for export, rebuild and statistics).
    pub async fn events_page(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT_STORED} WHERE j.seq > $1 ORDER BY j.seq LIMIT $2"))
            .bind(after_seq)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(stored_from_row).collect()
    }

    /// Number of events in the journal.
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT seq FROM chain_head WHERE id = 1").fetch_one(self.pool()).await?;
        col(&row, "seq")
    }
}

pub(crate) const SELECT_STORED: &str = "SELECT j.seq, j.event_id, j.municipality, j.recorded_by, j.recorded_at, \
     j.core, j.personal_digest, j.hash, p.data, p.salt, p.erased_at \
     FROM journal j LEFT JOIN journal_personal p ON p.event_id = j.event_id";

/// The columns of a stored event, however they were read.
pub(crate) struct StoredParts {
    pub seq: i64,
    pub event_id: String,
    pub municipality: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub core: String,
    pub personal_digest: Option<String>,
    pub hash: String,
    pub data: Option<String>,
    pub erased_at: Option<String>,
}

/// Rebuild the event from a stored row (core + personal part unless erased).
pub(crate) fn stored_from_row(row: &AnyRow) -> Result<StoredEvent, StoreError> {
    stored_from_parts(StoredParts {
        seq: col(row, "seq")?,
        event_id: col(row, "event_id")?,
        municipality: col(row, "municipality")?,
        recorded_by: col(row, "recorded_by")?,
        recorded_at: col(row, "recorded_at")?,
        core: col(row, "core")?,
        personal_digest: col(row, "personal_digest")?,
        hash: col(row, "hash")?,
        data: col(row, "data")?,
        erased_at: col(row, "erased_at")?,
    })
}

/// Rebuild the event from its stored columns.
pub(crate) fn stored_from_parts(p: StoredParts) -> Result<StoredEvent, StoreError> {
    let StoredParts {
        seq,
        event_id,
        municipality,
        recorded_by,
        recorded_at,
        core,
        personal_digest,
        hash,
        data,
        erased_at,
    } = p;
    let core_text = core;
    let digest = personal_digest;
    if data.is_none() && digest.is_none() {
        // No personal part: the core is the whole event (the fast path for most rows).
        let event = Event::parse_json(&core_text)
            .map_err(|e| StoreError::Corrupt(format!("hændelse nr. {seq}: {}", e.message)))?;
        return Ok(StoredEvent { seq, event_id, municipality, recorded_by, recorded_at, erased: false, hash, event });
    }
    let core: Map<String, Value> = serde_json::from_str(&core_text)
        .map_err(|e| StoreError::Corrupt(format!("hændelse nr. {seq} kan ikke læses: {e}")))?;
    let personal: Option<Map<String, Value>> = match &data {
        Some(d) => {
            Some(serde_json::from_str(d).map_err(|e| StoreError::Corrupt(format!("persondata for nr. {seq}: {e}")))?)
        }
        None => None,
    };
    let merged = personal::merge(&core, personal.as_ref());
    let event = if personal::is_empty_correction(&merged) {
        // A correction whose only content was personal data that has since been erased: nothing left to correct.
        let mut m = merged;
        m.insert("fields".into(), serde_json::json!({ "note": personal::ERASED }));
        Event::from_value(&Value::Object(m))
    } else {
        Event::from_value(&Value::Object(merged))
    }
    .map_err(|e| StoreError::Corrupt(format!("hændelse nr. {seq}: {}", e.message)))?;
    Ok(StoredEvent {
        seq,
        event_id,
        municipality,
        recorded_by,
        recorded_at,
        erased: erased_at.is_some() || (digest.is_some() && data.is_none()),
        hash,
        event,
    })
}

/// Write prepared rows (journal and personal parts) with multi-row INSERTs.
async fn insert_rows(
    backend: crate::Backend,
    tx: &mut Transaction<'_, Any>,
    rows: &[Prepared],
    hashes: &[(i64, String, String)],
) -> Result<(), StoreError> {
    let journal: Vec<(&Prepared, &(i64, String, String))> = rows.iter().zip(hashes).collect();
    crate::rows::insert_any(backend, tx, crate::rows::JOURNAL, &journal, crate::rows::journal_row).await?;
    let personal: Vec<(&str, &(String, String))> =
        rows.iter().filter_map(|p| p.personal.as_ref().map(|x| (p.event_id.as_str(), x))).collect();
    crate::rows::insert_any(backend, tx, crate::rows::JOURNAL_PERSONAL, &personal, crate::rows::personal_row).await
}

/// Stored (core, personal data) of the given ids.
async fn existing_rows<'a>(
    tx: &mut Transaction<'_, Any>,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, (String, Option<String>)>, StoreError> {
    let ids: Vec<&str> = ids.collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(400) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT j.event_id, j.core, p.data FROM journal j LEFT JOIN journal_personal p ON p.event_id = j.event_id \
             WHERE j.event_id IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut **tx).await? {
            out.insert(col(&row, "event_id")?, (col(&row, "core")?, col(&row, "data")?));
        }
    }
    Ok(out)
}

/// Every correction must name an event of the journal (stored or in the batch) and give a valid event.
async fn check_corrections(tx: &mut Transaction<'_, Any>, items: &[Item]) -> Result<(), StoreError> {
    let in_batch: HashMap<&str, &Event> =
        items.iter().filter_map(|(_, e, _)| e.id.as_deref().map(|id| (id, e))).collect();
    for (line, e, _) in items {
        let Body::Correction(c) = &e.body else { continue };
        let stored = match in_batch.get(c.corrects.as_str()) {
            Some(_) => None,
            None => sqlx::query(&format!("{SELECT_STORED} WHERE j.event_id = $1"))
                .bind(c.corrects.as_str())
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| stored_from_row(&r))
                .transpose()?
                .map(|s| s.event),
        };
        check_correction(*line, e, in_batch.get(c.corrects.as_str()).copied().or(stored.as_ref()))?;
    }
    Ok(())
}

/// A correction (on `line`) must name an event (`target`: found in the batch or the journal, else `None`) that is
/// not itself a correction, and must give a valid event.
pub(crate) fn check_correction(line: usize, e: &Event, target: Option<&Event>) -> Result<(), StoreError> {
    let Body::Correction(c) = &e.body else { return Ok(()) };
    let (corrects, fields) = (&c.corrects, &c.fields);
    let Some(target) = target else {
        return Err(StoreError::Input(format!(
            "linje {line}, felt \"corrects\": der findes ingen hændelse med id \"{corrects}\""
        )));
    };
    if matches!(target.body, Body::Correction(_)) {
        return Err(StoreError::Input(format!(
            "linje {line}, felt \"corrects\": en rettelse kan ikke rette en anden rettelse"
        )));
    }
    target.corrected(fields).map(|_| ()).map_err(|err| {
        StoreError::Input(format!(
            "linje {line}, felt \"fields.{}\": rettelsen giver en ugyldig hændelse: {}",
            err.field.unwrap_or_default(),
            err.message
        ))
    })
}

/// The result of `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: i64,
    /// The first broken link: sequence number, event id and what is wrong.
    pub first_broken: Option<(i64, String, String)>,
}

impl Store {
    /// Recompute the hash chain from the start and report the first broken link.
    pub async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut prev = chain::GENESIS.to_string();
        let mut after = 0i64;
        let mut expected_seq = 1i64;
        let mut count = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT j.seq, j.event_id, j.municipality, j.recorded_by, j.recorded_at, j.core, j.personal_digest, \
                 j.prev_hash, j.hash, p.data, p.salt FROM journal j LEFT JOIN journal_personal p ON p.event_id = j.event_id \
                 WHERE j.seq > $1 ORDER BY j.seq LIMIT 5000",
            )
            .bind(after)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let seq: i64 = col(row, "seq")?;
                let id: String = col(row, "event_id")?;
                let broken =
                    |why: String| Ok(VerifyReport { events: count, first_broken: Some((seq, id.clone(), why)) });
                if seq != expected_seq {
                    return broken(format!("hændelse nr. {expected_seq} mangler (næste er nr. {seq})"));
                }
                let stored_prev: String = col(row, "prev_hash")?;
                if stored_prev != prev {
                    return broken("henvisningen til den forrige hændelse passer ikke".into());
                }
                let digest: Option<String> = col(row, "personal_digest")?;
                let data: Option<String> = col(row, "data")?;
                let salt: Option<String> = col(row, "salt")?;
                if let (Some(d), Some(data), Some(salt)) = (&digest, &data, &salt) {
                    if chain::personal_digest(salt, data) != *d {
                        return broken("persondata er ændret".into());
                    }
                }
                let (core, municipality, by, at): (String, String, String, String) =
                    (col(row, "core")?, col(row, "municipality")?, col(row, "recorded_by")?, col(row, "recorded_at")?);
                let hash = Link {
                    prev_hash: &prev,
                    seq,
                    event_id: &id,
                    municipality: &municipality,
                    recorded_by: &by,
                    recorded_at: &at,
                    personal_digest: digest.as_deref(),
                    core: &core,
                }
                .hash();
                let stored: String = col(row, "hash")?;
                if hash != stored {
                    return broken("indholdet passer ikke til hashen (ændret efter registrering)".into());
                }
                prev = hash;
                after = seq;
                expected_seq += 1;
                count += 1;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1").fetch_one(self.pool()).await?;
        let (hseq, hhash): (i64, String) = (col(&head, "seq")?, col(&head, "hash")?);
        if hseq != count || hhash != prev {
            return Ok(VerifyReport {
                events: count,
                first_broken: Some((
                    hseq,
                    String::new(),
                    format!("kædens hoved (nr. {hseq}) passer ikke med journalens {count} hændelser"),
                )),
            });
        }
        Ok(VerifyReport { events: count, first_broken: None })
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;

    /// The shortcut for events without personal fields gives exactly the texts of the general split.
    #[test]
    fn split_texts_equals_the_general_split() {
        let cfg = domain::synth::SynthConfig { children: 60, seed: 3, ..Default::default() };
        let mut events = domain::synth::generate(&cfg);
        for line in [
            r#"{"type":"child_registered","at":"2024-01-10","child":"b1","birth_date":"2012-04-10","municipality":"751","cpr":"100412-4127","name":"Ida"}"#,
            r#"{"type":"supervision_visit","at":"2024-04-02","child":"b1","placement":"p1","child_spoken_to":true,"without_carers":true,"note":"Tekst med \"note\": i"}"#,
            r#"{"type":"investigation_started","at":"2024-02-05","child":"b1","investigation":"u1","x":{"note":"indlejret"}}"#,
            r#"{"type":"correction","at":"2024-06-01","child":"b1","corrects":"e4","fields":{"cpr":"100412-4127"},"reason":"x"}"#,
        ] {
            events.push(Event::parse_json(line).unwrap());
        }
        let mut fast = 0;
        for e in &events {
            let Value::Object(full) = e.to_value() else { panic!() };
            let (core, personal) = personal::split(e.event_type(), &full);
            let expected = (text(&core), personal.map(|p| text(&p)));
            assert_eq!(split_texts(1, e).unwrap(), expected, "{}", e.to_json_line());
            fast += usize::from(expected.1.is_none());
        }
        assert!(fast > events.len() / 2, "most events have no personal part ({fast} of {})", events.len());
    }
}
