//! The native SQLite bulk loader: a large batch (the national journal, a restore, a move from an old system) into
//! an **empty** SQLite journal. The checks, the rows, the hash chain and the read models are the general append's
//! own functions ([`crate::journal`], [`crate::rows`], [`crate::projection`]); only the writing differs. Instead of
//! sqlx's multi-row statements (every value converted twice and sent to the connection's worker thread), one native
//! connection writes each table with one `INSERT … SELECT` from the rows as they are prepared ([`crate::feed`]). It
//! is one transaction under the same chain lock (`BEGIN IMMEDIATE`), durable at commit (`synchronous=FULL`),
//! and all or nothing like every append. When no other connection has the file open, the load writes through a
//! rollback journal instead of the WAL, so that every page is written once ([`rollback_journal`]).
//!
//! A journal that is not empty when the lock is taken is left to the general append, which compares ids with the
//! stored events; so the loader never needs to read the journal.

use crate::feed::{self, Block, Feed};
use crate::journal::{
    batch_municipalities, chain_rows, check_correction, duplicate_id, municipality_of, prepare_all, Actor,
    AppendOutcome, Item, Prepared,
};
use crate::projection::{child_vals, corrected_journal, rebuilt, site_row, RM_CHILD, RM_SITE};
use crate::rows::{self, Table};
use crate::StoreError;
use domain::event::{Body, Event};
use domain::municipality::MunicipalityCode;
use domain::rules::{obligations, RulePack};
use rayon::prelude::*;
use rusqlite::Connection;
use std::path::Path;

/// A batch of events to append: (line, event, recorded metadata of an export).
pub(crate) type Items = Vec<Item>;

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
    let mut conn = Connection::open(path)?;
    let own_journal = rollback_journal(&conn);
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let loaded = load_on(&mut conn, instance, actor, items, clock);
    if own_journal {
        // Back to the store's WAL (a failure is harmless: every connection of the store sets WAL when it opens).
        let _ = conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()));
        lap(clock, "back in WAL mode");
    }
    loaded
}

/// Switch the database file from WAL to a rollback journal for the load, if no other connection has it open (a
/// running `vaern serve` does; then the load goes through the WAL as before). For an empty journal this halves what
/// is written: a rollback journal keeps only the old content of the few pages that existed before (a page beyond the
/// file's old end is not journaled), so each new page is written once, to the database file — in WAL mode it is
/// written to the log at commit and again to the file at the checkpoint. The commit is as durable (`synchronous=
/// FULL`), and a crash leaves a hot journal that the next opening rolls back to the empty journal.
fn rollback_journal(conn: &Connection) -> bool {
    // Ask once, without waiting: another connection holds its lock for as long as it is open.
    if conn.busy_timeout(std::time::Duration::ZERO).is_err() {
        return false;
    }
    let mode = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get::<_, String>(0));
    matches!(mode.as_deref(), Ok("delete"))
}

/// The load itself, on the loader's connection (whatever its journal mode): one transaction, all or nothing.
fn load_on(
    conn: &mut Connection,
    instance: MunicipalityCode,
    actor: &Actor,
    items: Items,
    clock: std::time::Instant,
) -> Result<Loaded, StoreError> {
    // The store's own settings (the journal mode is set above), with a 1 GiB page cache so that the
    // touched index pages stay in memory until commit, and a second thread for the sorts that build indexes. Foreign
    // keys are checked once before the commit instead of row by row: while the journal has no id index (it is built
    // after the rows), SQLite cannot check a reference to it.
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-1048576; \
         PRAGMA threads=2;",
    )?;
    let feed = Feed::register(conn)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (seq, prev): (i64, String) =
        tx.query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if seq != 0 {
        return Ok(Loaded::NotEmpty(items));
    }

    lap(clock, "locked");

    // Checks that need the whole batch: ids are unique, corrections name an event of the batch (the journal is
    // empty), and every child's municipality.
    let mut outcome = AppendOutcome::default();
    let mut by_id: rustc_hash::FxHashMap<&str, &Event> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(items.len(), Default::default());
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
        .par_iter()
        .enumerate()
        .with_min_len(4096)
        .map(|(i, (_, e, rec))| {
            (seq + 1 + i as i64, municipality_of(e, rec.as_deref(), &child_municipality, &default), e)
        })
        .collect();
    lap(clock, "checked");

    let pack = RulePack::default_pack();
    let as_of = crate::projection::as_of_today(actor.now);
    let (models, head) = std::thread::scope(|scope| {
        // The read models are computed from the batch alone (the journal was empty) …
        let computing = scope.spawn(|| {
            let corrected = corrected_journal(&all, as_of)?;
            let list = obligations(&corrected.events, as_of, &pack);
            let r = rebuilt(instance, actor.now, &all, &corrected, list, &pack);
            lap(clock, "read models computed");
            Ok::<_, StoreError>(r)
        });
        // … while the rows are prepared and chained in pieces on another thread, and this one writes them with one
        // statement through the feed: the prepared rows of only a few pieces exist at a time. The personal parts
        // are kept aside, to be written after the journal's rows that they belong to.
        let (send, receive) = feed::channel();
        let child_municipality = &child_municipality;
        let items = &items;
        let start = (seq, prev.clone());
        let producer = scope.spawn(move || {
            let (mut seq, mut prev) = start;
            let mut personal = Vec::new();
            for chunk in items.chunks(PIECE) {
                let block = prepare_all(chunk, child_municipality, instance, actor).map(|rows| {
                    let (hashes, s, p) = chain_rows(&rows, seq, &prev);
                    (seq, prev) = (s, p);
                    let pairs: Vec<(&Prepared, &(i64, String, String))> = rows.iter().zip(&hashes).collect();
                    let block = Block::of(rows::JOURNAL, &pairs, rows::journal_row);
                    drop(pairs);
                    personal.extend(rows.into_iter().filter_map(|p| p.personal.map(|x| (p.event_id, x))));
                    block
                });
                let failed = block.is_err();
                if send.send(block).is_err() || failed {
                    break;
                }
            }
            ((seq, prev), personal)
        });
        // The event-id index is built after the rows: sorting the random ids once is cheaper than inserting them one
        // by one into a growing index. The other indexes' keys (child, site, object) arrive nearly in order.
        let written = with_indexes_after(&tx, rows::JOURNAL, Some(&[JOURNAL_ID_INDEX]), || {
            feed.insert(&tx, rows::JOURNAL, receive)
        });
        let ((head_seq, head), mut personal) =
            producer.join().map_err(|_| StoreError::Native("forberedelsen af journalens rækker stoppede".into()))?;
        let head = written.and_then(|n| {
            report(rows::JOURNAL, n, clock);
            // In id order, the personal rows go to the end of their table's key.
            personal.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let n = feed.insert_all(&tx, rows::JOURNAL_PERSONAL, &personal, rows::personal_row)?;
            report(rows::JOURNAL_PERSONAL, n, clock);
            Ok((head_seq, head))
        });
        drop(personal);
        lap(clock, "journal written");
        let models = computing
            .join()
            .unwrap_or_else(|_| Err(StoreError::Native("beregningen af læsemodellerne stoppede".into())));
        head.and_then(|head| Ok((models?, head)))
    })?;
    let (head_seq, head) = head;
    tx.execute("UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1", rusqlite::params![head_seq, head])?;
    outcome.appended = items.len();
    outcome.head_seq = head_seq;
    drop(all);
    outcome.ids = items.into_iter().filter_map(|(_, e, _)| e.id.map(|id| id.to_string())).collect();
    for table in crate::projection::REBUILT_TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    report(RM_CHILD, feed.insert_all(&tx, RM_CHILD, &models.children, child_vals)?, clock);
    report(RM_SITE, feed.insert_all(&tx, RM_SITE, &models.sites, site_row)?, clock);
    // All of the obligations' indexes are built after the rows (measured faster than keeping any of them).
    let n = with_indexes_after(&tx, rows::RM_OBLIGATION, None, || {
        feed.insert_all(&tx, rows::RM_OBLIGATION, &models.obligations, rows::obligation_vals)
    })?;
    report(rows::RM_OBLIGATION, n, clock);
    report(rows::RM_UNIT, feed.insert_all(&tx, rows::RM_UNIT, &models.units, rows::unit_vals)?, clock);
    lap(clock, "read models written");
    // The one reference the loader writes: each personal part to its event.
    let dangling: usize =
        tx.prepare("PRAGMA foreign_key_check(journal_personal)")?.query([])?.mapped(|_| Ok(())).count();
    if dangling > 0 {
        return Err(StoreError::Native(format!("{dangling} personlige dele uden deres hændelse")));
    }
    lap(clock, "references checked");
    tx.commit()?;
    lap(clock, "committed");
    Ok(Loaded::Done(outcome))
}

/// Events prepared and chained per piece.
const PIECE: usize = 32_768;

/// The journal's index the loader builds after the rows: the unique index of event ids, whose keys arrive in random
/// order. (The journal's other indexes get their keys nearly in order and cost less kept than built again.)
const JOURNAL_ID_INDEX: &str = "journal_event_id";

/// Run `write` on `table` without the indexes named in `names` (all of its indexes with `None`), then create them
/// again as the schema has them: for an empty table that receives many rows in an order unlike those indexes' keys
/// (each index built afterwards costs a scan of the table and a sort). Inside the loader's transaction, so nobody ever sees the table without them.
fn with_indexes_after<R>(
    conn: &Connection,
    table: Table,
    names: Option<&[&str]>,
    write: impl FnOnce() -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    let mut stmt =
        conn.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL")?;
    let mut indexes: Vec<(String, String)> =
        stmt.query_map([table.name], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    if let Some(names) = names {
        indexes.retain(|(name, _)| names.contains(&name.as_str()));
    }
    for (name, _) in &indexes {
        conn.execute(&format!("DROP INDEX \"{name}\""), [])?;
    }
    let written = write()?;
    let clock = std::time::Instant::now();
    for (_, sql) in &indexes {
        conn.execute(sql, [])?;
    }
    if std::env::var_os("VAERN_BULK_TIMING").is_some() {
        eprintln!("  {}: {} indexes built in {:.2} s", table.name, indexes.len(), clock.elapsed().as_secs_f64());
    }
    Ok(written)
}

/// With `VAERN_BULK_TIMING` set, print when the loader reached a step.
fn lap(clock: std::time::Instant, what: &str) {
    if std::env::var_os("VAERN_BULK_TIMING").is_some() {
        eprintln!("{what}: {:.2} s", clock.elapsed().as_secs_f64());
    }
}

/// With `VAERN_BULK_TIMING` set, print a table's rows and when they were written (see BENCHMARKS.md).
fn report(table: Table, rows: usize, clock: std::time::Instant) {
    if std::env::var_os("VAERN_BULK_TIMING").is_some() {
        eprintln!("  {}: {rows} rows, done at {:.2} s", table.name, clock.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loader finds the journal's id index by name: a migration that renames it must rename it here too, or
    /// the loads get slow again without any other test failing.
    #[test]
    fn the_index_built_after_the_rows_exists_in_the_schema() {
        let schema: String = crate::migrate::MIGRATIONS.iter().map(|m| m.sqlite).collect();
        assert!(schema.contains(&format!("CREATE UNIQUE INDEX {JOURNAL_ID_INDEX} ON journal")));
    }

    /// The loader leaves WAL only when no other connection has the file open, without waiting for one to close.
    #[test]
    fn the_loader_takes_a_rollback_journal_only_with_the_file_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mode = |c: &Connection| c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
        other.query_row("SELECT x FROM t", [], |_| Ok(())).unwrap();
        let conn = Connection::open(&path).unwrap();
        let t = std::time::Instant::now();
        assert!(!rollback_journal(&conn), "another connection has the file open");
        assert!(t.elapsed() < std::time::Duration::from_secs(1), "it does not wait");
        assert_eq!(mode(&conn), "wal");
        drop(other);
        assert!(rollback_journal(&conn));
        assert_eq!(mode(&conn), "delete");
    }
}
