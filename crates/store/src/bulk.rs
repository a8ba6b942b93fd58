//! The native SQLite bulk loader: a large batch (the national journal, a restore, a move from an old system) into
//! an **empty** SQLite journal. The checks, the rows, the hash chain and the read models are the general append's
//! own functions ([`crate::journal`], [`crate::rows`], [`crate::projection`]); only the writing differs. Instead of
//! sqlx's multi-row statements (every value converted twice and sent to the connection's worker thread), one native
//! connection binds each row to a prepared statement. It is one transaction under the same chain lock (`BEGIN
//! IMMEDIATE`), durable at commit (`synchronous=FULL`, WAL), and all or nothing like every append.
//!
//! A journal that is not empty when the lock is taken is left to the general append, which compares ids with the
//! stored events; so the loader never needs to read the journal.

use crate::journal::{
    batch_municipalities, chain_rows, check_correction, prepare_all, select_new, Actor, AppendOutcome, Prepared,
    Recorded,
};
use crate::projection::{child_vals, corrected_journal, rebuilt, site_row, RM_CHILD, RM_SITE};
use crate::rows::{self, Table, Val};
use crate::StoreError;
use domain::event::{Body, Event};
use domain::municipality::MunicipalityCode;
use domain::rules::{obligations, RulePack};
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;

/// A batch of events to append: (line, event, recorded metadata of an export).
pub(crate) type Items = Vec<(usize, Event, Option<Recorded>)>;

/// What the loader did.
pub(crate) enum Loaded {
    Done(AppendOutcome),
    /// The journal was not empty: the batch is handed back for the general append.
    NotEmpty(Items),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Native(e.to_string())
    }
}

/// Load `items` into the empty journal of the SQLite database file at `path`, with its read models computed as of
/// `actor.now`. Synchronous: run it on a blocking thread.
pub(crate) fn load(
    path: &Path,
    instance: MunicipalityCode,
    actor: &Actor,
    items: Items,
    idempotent: bool,
) -> Result<Loaded, StoreError> {
    let clock = std::time::Instant::now();
    let lap = |what: &str| {
        if std::env::var_os("VAERN_BULK_TIMING").is_some() {
            eprintln!("{what}: {:.2} s", clock.elapsed().as_secs_f64());
        }
    };
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // The store's own settings (the journal mode is the database's: WAL), with a 1 GiB page cache so that the
    // touched index pages stay in memory until commit.
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-1048576;",
    )?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (seq, prev): (i64, String) =
        tx.query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if seq != 0 {
        return Ok(Loaded::NotEmpty(items));
    }

    lap("locked");
    let prepared = prepare_all(&items, &batch_municipalities(&items), instance, actor)?;
    lap("prepare_all");
    let mut outcome = AppendOutcome::default();
    let to_write = select_new(prepared, &HashMap::new(), idempotent, &mut outcome)?;
    lap("select_new");
    // In an empty journal a correction can only name an event of the batch.
    let in_batch: HashMap<&str, &Event> =
        items.iter().filter_map(|(_, e, _)| e.id.as_deref().map(|id| (id, e))).collect();
    for (line, e, _) in &items {
        if let Body::Correction(c) = &e.body {
            check_correction(*line, e, in_batch.get(c.corrects.as_str()).copied())?;
        }
    }
    let (hashes, head_seq, head) = chain_rows(&to_write, seq, &prev);
    lap("prepared and chained");
    outcome.appended = to_write.len();
    outcome.head_seq = head_seq;
    outcome.ids = to_write.iter().map(|p| p.event_id.clone()).collect();

    // The read models are computed from the batch alone (the journal was empty) on the other threads, while this
    // one writes the journal's rows.
    let all: Vec<(i64, String, Event)> = to_write
        .iter()
        .zip(items)
        .enumerate()
        .map(|(i, (p, (_, e, _)))| (seq + 1 + i as i64, p.municipality.clone(), e))
        .collect();
    let pack = RulePack::default_pack();
    let as_of = crate::projection::as_of_today(actor.now);
    let models = std::thread::scope(|scope| {
        let computing = scope.spawn(|| {
            let corrected = corrected_journal(&all, as_of)?;
            let list = obligations(&corrected.events, as_of, &pack);
            let r = rebuilt(instance, actor.now, &all, &corrected, list, &pack);
            lap("read models computed");
            Ok::<_, StoreError>(r)
        });
        let written = write_journal(&tx, &to_write, &hashes, &head);
        lap("journal written");
        let models = computing
            .join()
            .unwrap_or_else(|_| Err(StoreError::Native("beregningen af læsemodellerne stoppede".into())));
        written.and(models)
    })?;
    drop((to_write, hashes, all));
    for table in ["rm_obligation", "rm_unit", "rm_child", "rm_site"] {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    insert(&tx, RM_CHILD, &models.children, child_vals)?;
    insert(&tx, RM_SITE, &models.sites, site_row)?;
    insert(&tx, rows::RM_OBLIGATION, &models.obligations, rows::obligation_vals)?;
    insert(&tx, rows::RM_UNIT, &models.units, rows::unit_vals)?;
    lap("read models written");
    tx.commit()?;
    lap("committed");
    Ok(Loaded::Done(outcome))
}

/// The journal's rows, their personal parts and the new chain head.
fn write_journal(
    conn: &Connection,
    to_write: &[Prepared],
    hashes: &[(i64, String, String)],
    head: &str,
) -> Result<(), StoreError> {
    let journal: Vec<(&Prepared, &(i64, String, String))> = to_write.iter().zip(hashes).collect();
    insert(conn, rows::JOURNAL, &journal, rows::journal_row)?;
    let personal: Vec<&Prepared> = to_write.iter().filter(|p| p.personal.is_some()).collect();
    insert(conn, rows::JOURNAL_PERSONAL, &personal, rows::personal_row)?;
    let head_seq = hashes.last().map(|h| h.0).unwrap_or(0);
    conn.execute("UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1", rusqlite::params![head_seq, head])?;
    Ok(())
}

/// Bind each item's row to one prepared `INSERT` and run it.
fn insert<'s, T>(
    conn: &Connection,
    table: Table,
    items: &'s [T],
    row: impl Fn(&'s T, &mut Vec<Val<'s>>),
) -> Result<(), StoreError> {
    let n = table.cols.len();
    let sql = format!("{} VALUES ({})", table.insert_head(), vec!["?"; n].join(", "));
    let mut stmt = conn.prepare(&sql)?;
    let clock = std::time::Instant::now();
    let mut vals: Vec<Val<'s>> = Vec::with_capacity(n);
    for item in items {
        vals.clear();
        row(item, &mut vals);
        debug_assert_eq!(vals.len(), n, "row of {} has the wrong number of values", table.name);
        for (i, v) in vals.iter().enumerate() {
            match v {
                Val::Int(Some(x)) => stmt.raw_bind_parameter(i + 1, *x)?,
                Val::Int(None) | Val::Text(None) => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
                Val::Text(Some(s)) => stmt.raw_bind_parameter(i + 1, s.as_ref())?,
            }
        }
        stmt.raw_execute()?;
    }
    if std::env::var_os("VAERN_BULK_TIMING").is_some() {
        eprintln!("  {}: {} rows in {:.2} s", table.name, items.len(), clock.elapsed().as_secs_f64());
    }
    Ok(())
}
