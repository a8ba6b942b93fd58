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
    batch_municipalities, chain_rows, check_correction, duplicate_id, municipality_of, prepare_all, Actor,
    AppendOutcome, Prepared, Recorded,
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
pub(crate) fn load(path: &Path, instance: MunicipalityCode, actor: &Actor, items: Items) -> Result<Loaded, StoreError> {
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

    // Checks that need the whole batch: ids are unique, corrections name an event of the batch (the journal is
    // empty), and every child's municipality.
    let mut outcome = AppendOutcome::default();
    let mut by_id: HashMap<&str, &Event> = HashMap::with_capacity(items.len());
    for (line, e, _) in &items {
        let id = e.id.as_deref().ok_or_else(|| StoreError::Input(format!("linje {line}: hændelse uden id")))?;
        if by_id.insert(id, e).is_some() {
            return Err(duplicate_id(*line, id));
        }
    }
    for (line, e, _) in &items {
        if let Body::Correction(c) = &e.body {
            check_correction(*line, e, by_id.get(c.corrects.as_str()).copied())?;
        }
    }
    drop(by_id);
    let child_municipality = batch_municipalities(&items);
    let default = instance.to_string();
    let all: Vec<(i64, &str, &Event)> = items
        .iter()
        .enumerate()
        .map(|(i, (_, e, rec))| {
            (seq + 1 + i as i64, municipality_of(e, rec.as_ref(), &child_municipality, &default), e)
        })
        .collect();
    lap("checked");

    let pack = RulePack::default_pack();
    let as_of = crate::projection::as_of_today(actor.now);
    let (models, head) = std::thread::scope(|scope| {
        // The read models are computed from the batch alone (the journal was empty) …
        let computing = scope.spawn(|| {
            let corrected = corrected_journal(&all, as_of)?;
            let list = obligations(&corrected.events, as_of, &pack);
            let r = rebuilt(instance, actor.now, &all, &corrected, list, &pack);
            lap("read models computed");
            Ok::<_, StoreError>(r)
        });
        // … while the rows are prepared and chained in pieces on another thread, and this one writes them: the
        // prepared rows of only a few pieces exist at a time.
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Piece, StoreError>>(2);
        let child_municipality = &child_municipality;
        let items = &items;
        let start = (seq, prev.clone());
        scope.spawn(move || {
            let (mut seq, mut prev) = start;
            for chunk in items.chunks(PIECE) {
                let piece = prepare_all(chunk, child_municipality, instance, actor).map(|rows| {
                    let (hashes, s, p) = chain_rows(&rows, seq, &prev);
                    (seq, prev) = (s, p);
                    Piece { rows, hashes }
                });
                let failed = piece.is_err();
                if send.send(piece).is_err() || failed {
                    break;
                }
            }
        });
        let written = write_journal(&tx, receive);
        lap("journal written");
        let models = computing
            .join()
            .unwrap_or_else(|_| Err(StoreError::Native("beregningen af læsemodellerne stoppede".into())));
        written.and_then(|head| Ok((models?, head)))
    })?;
    let (head_seq, head) = head.unwrap_or((seq, prev));
    tx.execute("UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1", rusqlite::params![head_seq, head])?;
    outcome.appended = items.len();
    outcome.head_seq = head_seq;
    drop(all);
    outcome.ids = items.into_iter().filter_map(|(_, e, _)| e.id.map(|id| id.to_string())).collect();
    for table in crate::projection::REBUILT_TABLES {
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

/// Events prepared and chained per piece.
const PIECE: usize = 32_768;

/// One piece of prepared rows and their place in the chain.
struct Piece {
    rows: Vec<Prepared>,
    hashes: Vec<(i64, String, String)>,
}

/// Write the journal's rows and their personal parts, piece by piece; returns the last row's (seq, hash).
fn write_journal(
    conn: &Connection,
    pieces: std::sync::mpsc::Receiver<Result<Piece, StoreError>>,
) -> Result<Option<(i64, String)>, StoreError> {
    let mut journal = Inserter::new(conn, rows::JOURNAL)?;
    let mut personal = Inserter::new(conn, rows::JOURNAL_PERSONAL)?;
    let mut head = None;
    for piece in pieces {
        let piece = piece?;
        let rows: Vec<(&Prepared, &(i64, String, String))> = piece.rows.iter().zip(&piece.hashes).collect();
        journal.insert(&rows, rows::journal_row)?;
        let with_personal: Vec<&Prepared> = piece.rows.iter().filter(|p| p.personal.is_some()).collect();
        personal.insert(&with_personal, rows::personal_row)?;
        if let Some((seq, _, hash)) = piece.hashes.last() {
            head = Some((*seq, hash.clone()));
        }
    }
    journal.report();
    personal.report();
    Ok(head)
}

/// Bind each item's row to one prepared `INSERT` and run it.
fn insert<'s, T>(
    conn: &Connection,
    table: Table,
    items: &'s [T],
    row: impl Fn(&'s T, &mut Vec<Val<'s>>),
) -> Result<(), StoreError> {
    let mut inserter = Inserter::new(conn, table)?;
    inserter.insert(items, row)?;
    inserter.report();
    Ok(())
}

/// One prepared single-row `INSERT`, run once per row. (Multi-row statements were measured slower: SQLite keeps a
/// statement journal for them, so that a failing row can be undone without the rest of the transaction.)
struct Inserter<'c> {
    table: Table,
    stmt: rusqlite::Statement<'c>,
    rows: usize,
    took: std::time::Duration,
}

impl<'c> Inserter<'c> {
    fn new(conn: &'c Connection, table: Table) -> Result<Inserter<'c>, StoreError> {
        let placeholders = vec!["?"; table.cols.len()].join(", ");
        let stmt = conn.prepare(&format!("{} VALUES ({placeholders})", table.insert_head()))?;
        Ok(Inserter { table, stmt, rows: 0, took: std::time::Duration::ZERO })
    }

    fn insert<'s, T>(&mut self, items: &'s [T], row: impl Fn(&'s T, &mut Vec<Val<'s>>)) -> Result<(), StoreError> {
        let clock = std::time::Instant::now();
        let mut vals: Vec<Val<'s>> = Vec::with_capacity(self.table.cols.len());
        for item in items {
            vals.clear();
            row(item, &mut vals);
            run(&mut self.stmt, &vals)?;
        }
        self.rows += items.len();
        self.took += clock.elapsed();
        Ok(())
    }

    /// With `VAERN_BULK_TIMING` set, print the rows written and the time spent (see BENCHMARKS.md).
    fn report(&self) {
        if std::env::var_os("VAERN_BULK_TIMING").is_some() {
            eprintln!("  {}: {} rows in {:.2} s", self.table.name, self.rows, self.took.as_secs_f64());
        }
    }
}

/// Bind the values in order and run the statement once.
fn run(stmt: &mut rusqlite::Statement<'_>, vals: &[Val<'_>]) -> Result<(), StoreError> {
    debug_assert_eq!(vals.len(), stmt.parameter_count());
    for (i, v) in vals.iter().enumerate() {
        match v {
            Val::Int(Some(x)) => stmt.raw_bind_parameter(i + 1, *x)?,
            Val::Int(None) | Val::Text(None) => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
            Val::Text(Some(s)) => stmt.raw_bind_parameter(i + 1, s.as_ref())?,
        }
    }
    stmt.raw_execute()?;
    Ok(())
}
