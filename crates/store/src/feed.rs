//! Rows handed to SQLite through a virtual table, so that one `INSERT INTO t (…) SELECT … FROM vaern_feed` writes a
//! whole table for the bulk loader ([`crate::bulk`]). Against one prepared `INSERT` run per row this saves the
//! per-statement work (binding, opening a cursor on the table and on each of its indexes, resetting): the statement's
//! cursors stay open and positioned for the whole table (measured in BENCHMARKS.md).
//!
//! The rows arrive in [`Block`]s over a channel, so they can be prepared on another thread while SQLite writes; a
//! block is the rows of the general row functions ([`crate::rows`]) with their texts in one buffer. A producer that
//! fails sends its error instead of a block: the statement stops, nothing of it is kept (the loader's transaction
//! is rolled back), and [`Feed::insert`] returns the producer's own error.
//!
//! The only `unsafe` of the workspace: rusqlite's virtual-table traits are `unsafe` to implement, because SQLite
//! reads the table and cursor structs through C pointers. The safety conditions are the layout ones: each struct is
//! `#[repr(C)]` with rusqlite's base struct as its first field; no raw pointer is used here.
#![allow(unsafe_code)]

use crate::rows::{Table, Val};
use crate::StoreError;
use rusqlite::vtab::{
    eponymous_only_module, sqlite3_vtab, sqlite3_vtab_cursor, Context, IndexInfo, VTab, VTabConnection, VTabCursor,
    Values,
};
use rusqlite::Connection;
use std::marker::PhantomData;
use std::os::raw::c_int;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// The virtual table's name; it has columns `c0` … `c63`.
const MODULE: &str = "vaern_feed";
/// The most columns a fed table may have.
const MAX_COLS: usize = 64;
/// Rows per block when a slice of items is fed.
pub(crate) const BLOCK_ROWS: usize = 32_768;

/// One value of a block's row; texts are ranges of the block's text buffer.
#[derive(Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    Text(usize, usize),
}

/// Rows of one table, owned (so they can cross threads), with their texts in one buffer.
pub(crate) struct Block {
    ncols: usize,
    text: String,
    cells: Vec<Cell>,
}

impl Block {
    /// The rows `row` makes of `items`, for `table`.
    pub fn of<'s, T>(table: Table, items: &'s [T], row: impl Fn(&'s T, &mut Vec<Val<'s>>)) -> Block {
        let ncols = table.cols.len();
        let mut block = Block { ncols, text: String::new(), cells: Vec::with_capacity(items.len() * ncols) };
        let mut vals = Vec::with_capacity(ncols);
        for item in items {
            vals.clear();
            row(item, &mut vals);
            debug_assert_eq!(vals.len(), ncols, "row of {} has the wrong number of values", table.name);
            for v in &vals {
                let cell = match v {
                    Val::Int(Some(i)) => Cell::Int(*i),
                    Val::Int(None) | Val::Text(None) => Cell::Null,
                    Val::Text(Some(s)) => {
                        let start = block.text.len();
                        block.text.push_str(s);
                        Cell::Text(start, block.text.len())
                    }
                };
                block.cells.push(cell);
            }
        }
        block
    }

    fn rows(&self) -> usize {
        self.cells.len().checked_div(self.ncols).unwrap_or(0)
    }
}

/// A block, or the error of the producer that was to make it.
pub(crate) type Sent = Result<Block, StoreError>;

/// What the loader hands the virtual table: the blocks of the statement that runs now, and a producer's error.
#[derive(Default)]
struct Shared {
    incoming: Option<Receiver<Sent>>,
    failure: Option<StoreError>,
}

/// The feed registered on one connection.
pub(crate) struct Feed {
    shared: Arc<Mutex<Shared>>,
}

impl Feed {
    /// Register the virtual table on `conn` (it lives as long as the connection).
    pub fn register(conn: &Connection) -> Result<Feed, StoreError> {
        let shared = Arc::new(Mutex::new(Shared::default()));
        conn.create_module(MODULE, eponymous_only_module::<FeedTab>(), Some(Arc::clone(&shared)))?;
        Ok(Feed { shared })
    }

    /// Insert every row of the blocks that arrive on `incoming` into `table`, with one statement; returns the
    /// number of rows. A producer's error stops the statement and is returned as it was sent.
    pub fn insert(&self, conn: &Connection, table: Table, incoming: Receiver<Sent>) -> Result<usize, StoreError> {
        if table.cols.len() > MAX_COLS {
            return Err(StoreError::Native(format!("{} har flere kolonner end {MODULE} ({MAX_COLS})", table.name)));
        }
        {
            let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
            shared.incoming = Some(incoming);
            shared.failure = None;
        }
        let cols: Vec<String> = (0..table.cols.len()).map(|i| format!("c{i}")).collect();
        let sql = format!("{} SELECT {} FROM {MODULE}", table.insert_head(), cols.join(", "));
        let result = conn.execute(&sql, []);
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.incoming = None;
        match (shared.failure.take(), result) {
            (Some(failure), _) => Err(failure),
            (None, result) => Ok(result?),
        }
    }

    /// Insert the rows `row` makes of `items` into `table`: blocks are made on a second thread while SQLite writes.
    pub fn insert_all<'s, T: Sync>(
        &self,
        conn: &Connection,
        table: Table,
        items: &'s [T],
        row: impl Fn(&'s T, &mut Vec<Val<'s>>) + Sync,
    ) -> Result<usize, StoreError> {
        std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel(2);
            let row = &row;
            scope.spawn(move || {
                for chunk in items.chunks(BLOCK_ROWS) {
                    if send.send(Ok(Block::of(table, chunk, row))).is_err() {
                        break;
                    }
                }
            });
            self.insert(conn, table, receive)
        })
    }
}

/// A channel for blocks, for a producer that sends them itself.
pub(crate) fn channel() -> (SyncSender<Sent>, Receiver<Sent>) {
    std::sync::mpsc::sync_channel(2)
}

/// The virtual table.
#[repr(C)]
struct FeedTab {
    /// SQLite's part; must come first.
    base: sqlite3_vtab,
    shared: Arc<Mutex<Shared>>,
}

unsafe impl<'vtab> VTab<'vtab> for FeedTab {
    type Aux = Arc<Mutex<Shared>>;
    type Cursor = FeedCursor<'vtab>;

    fn connect(_: &mut VTabConnection, aux: Option<&Self::Aux>, _: &[&[u8]]) -> rusqlite::Result<(String, Self)> {
        let shared = aux.cloned().ok_or_else(|| rusqlite::Error::ModuleError(format!("{MODULE} uden data")))?;
        let cols: Vec<String> = (0..MAX_COLS).map(|i| format!("c{i}")).collect();
        Ok((format!("CREATE TABLE x({})", cols.join(", ")), FeedTab { base: sqlite3_vtab::default(), shared }))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<()> {
        // One way to read it: from the start, once.
        info.set_estimated_cost(1e9);
        Ok(())
    }

    fn open(&'vtab mut self) -> rusqlite::Result<FeedCursor<'vtab>> {
        Ok(FeedCursor {
            base: sqlite3_vtab_cursor::default(),
            shared: Arc::clone(&self.shared),
            incoming: None,
            block: Block { ncols: 1, text: String::new(), cells: Vec::new() },
            row: 0,
            rowid: 0,
            done: true,
            phantom: PhantomData,
        })
    }
}

/// A reading of the blocks of one statement.
#[repr(C)]
struct FeedCursor<'vtab> {
    /// SQLite's part; must come first.
    base: sqlite3_vtab_cursor,
    shared: Arc<Mutex<Shared>>,
    incoming: Option<Receiver<Sent>>,
    block: Block,
    row: usize,
    rowid: i64,
    done: bool,
    phantom: PhantomData<&'vtab FeedTab>,
}

impl FeedCursor<'_> {
    /// Move to the first row of the next block that has rows, or to the end.
    fn next_block(&mut self) -> rusqlite::Result<()> {
        self.row = 0;
        loop {
            match self.incoming.as_ref().map(Receiver::recv) {
                Some(Ok(Ok(block))) if block.rows() == 0 => continue,
                Some(Ok(Ok(block))) => {
                    self.block = block;
                    return Ok(());
                }
                Some(Ok(Err(failure))) => {
                    let message = failure.to_string();
                    self.shared.lock().unwrap_or_else(|p| p.into_inner()).failure = Some(failure);
                    self.done = true;
                    return Err(rusqlite::Error::ModuleError(message));
                }
                // The producer has sent everything (or there is none).
                Some(Err(_)) | None => {
                    self.done = true;
                    self.incoming = None;
                    return Ok(());
                }
            }
        }
    }
}

unsafe impl VTabCursor for FeedCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, _: &Values<'_>) -> rusqlite::Result<()> {
        self.incoming = self.shared.lock().unwrap_or_else(|p| p.into_inner()).incoming.take();
        self.done = false;
        self.rowid = 1;
        self.next_block()
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.rowid += 1;
        self.row += 1;
        if self.row >= self.block.rows() {
            self.next_block()?;
        }
        Ok(())
    }

    fn eof(&self) -> bool {
        self.done
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        let i = i as usize;
        if i >= self.block.ncols {
            return ctx.set_result(&rusqlite::types::Null);
        }
        match self.block.cells[self.row * self.block.ncols + i] {
            Cell::Null => ctx.set_result(&rusqlite::types::Null),
            Cell::Int(v) => ctx.set_result(&v),
            Cell::Text(start, end) => ctx.set_result(&&self.block.text[start..end]),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.rowid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Table;

    const T: Table = Table { name: "t", cols: &["a", "b", "c"] };

    fn row<'a>(item: &'a (i64, Option<String>), out: &mut Vec<Val<'a>>) {
        out.extend([Val::from(item.0), Val::from(&item.1), Val::Int(None)]);
    }

    fn db() -> (Connection, Feed) {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER NOT NULL UNIQUE, b TEXT, c INTEGER)").unwrap();
        let feed = Feed::register(&conn).unwrap();
        (conn, feed)
    }

    #[test]
    fn every_bulk_written_table_fits_the_feed() {
        for table in [
            crate::rows::JOURNAL,
            crate::rows::JOURNAL_PERSONAL,
            crate::rows::RM_OBLIGATION,
            crate::rows::RM_UNIT,
            crate::projection::RM_CHILD,
            crate::projection::RM_SITE,
        ] {
            assert!(table.cols.len() <= MAX_COLS, "{}", table.name);
        }
    }

    #[test]
    fn every_row_of_every_block_arrives_in_order() {
        let (conn, feed) = db();
        let items: Vec<(i64, Option<String>)> =
            (0..(BLOCK_ROWS as i64 * 2 + 5)).map(|i| (i, (i % 3 != 0).then(|| format!("æ{i}")))).collect();
        assert_eq!(feed.insert_all(&conn, T, &items, row).unwrap(), items.len());
        let back: Vec<(i64, Option<String>, Option<i64>)> = conn
            .prepare("SELECT a, b, c FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back.len(), items.len());
        for ((a, b, c), (i, s)) in back.iter().zip(&items) {
            assert_eq!((a, b, c), (i, s, &None));
        }
        // Empty blocks and no blocks at all are no rows.
        let (send, receive) = channel();
        send.send(Ok(Block::of(T, &items[..0], row))).unwrap();
        drop(send);
        assert_eq!(feed.insert(&conn, T, receive).unwrap(), 0);
    }

    #[test]
    fn a_producers_error_stops_the_statement_and_is_returned_as_sent() {
        let (conn, feed) = db();
        let items: Vec<(i64, Option<String>)> = (0..10).map(|i| (i, None)).collect();
        let (send, receive) = channel();
        let producer = std::thread::spawn(move || {
            send.send(Ok(Block::of(T, &items, row))).unwrap();
            send.send(Err(StoreError::Input("linje 7: forkert".into()))).unwrap();
        });
        conn.execute_batch("BEGIN").unwrap();
        let err = feed.insert(&conn, T, receive).unwrap_err();
        producer.join().unwrap();
        assert!(matches!(&err, StoreError::Input(m) if m == "linje 7: forkert"), "{err:?}");
        // The statement as a whole is undone.
        let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
        // A constraint violated by a fed row is SQLite's error, and the feed can be used again.
        let dup = vec![(1, None), (1, None)];
        assert!(matches!(feed.insert_all(&conn, T, &dup, row), Err(StoreError::Native(_))));
        let ok = vec![(2, None)];
        assert_eq!(feed.insert_all(&conn, T, &ok, row).unwrap(), 1);
    }
}
