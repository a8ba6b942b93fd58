//! Værn's storage: the append-only, hash-chained case journal and the read models, on SQLite (embedded default,
//! WAL, `synchronous=FULL`) and PostgreSQL (production), chosen by the URL. One implementation of runtime SQL with
//! `$n` placeholders serves both back-ends (sqlx `Any`); the schema has one migration tree per back-end.

pub mod access;
pub mod budget;
pub(crate) mod bulk;
pub mod caseload;
pub mod chain;
pub mod export;
pub(crate) mod feed;
pub mod import;
pub(crate) mod journal;
pub mod knowledge;
pub mod migrate;
pub mod practice;
pub mod projection;
pub mod retention;
pub(crate) mod rows;
pub mod supervision;

pub use journal::{Actor, AppendOutcome, StoredEvent};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The back-end of a database URL (`sqlite://…`, `postgres://…`).
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "DATABASE_URL skal begynde med sqlite:// eller postgres:// (fik \"{}\")",
                redact_url(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A URL with its password replaced by `***` (for messages and logs).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Errors of the storage layer (Danish messages).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("konfiguration: {0}")]
    Config(String),
    #[error("databasefejl: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Schema(String),
    #[error("ugyldigt input:\n{0}")]
    Input(String),
    #[error("journalen er beskadiget: {0}")]
    Corrupt(String),
    #[error("findes ikke: {0}")]
    NotFound(String),
    #[error("databasefejl (SQLite): {0}")]
    Native(String),
    #[error("filfejl: {0}")]
    Io(#[from] std::io::Error),
}

/// A connected store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The municipality this instance keeps journals for (events of unregistered children and sites default to it).
    municipality: domain::municipality::MunicipalityCode,
    /// Above this many touched read-model units an append recomputes all read models at once.
    bulk_rebuild_units: usize,
    /// The SQLite database file (`None` in memory and on PostgreSQL): the native bulk loader opens it.
    sqlite_file: Option<std::path::PathBuf>,
    /// From this many events an append to an empty SQLite journal goes through the native bulk loader.
    bulk_load_rows: usize,
}

/// The default municipality of an instance that was not told otherwise (København).
pub fn default_municipality() -> domain::municipality::MunicipalityCode {
    domain::municipality::MunicipalityCode::KOEBENHAVN
}

impl Store {
    /// Connect, apply migrations, and refuse a database newer than this binary.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, default_municipality()).await
    }

    /// Connect for a given municipality.
    pub async fn connect_with(
        url: &str,
        municipality: domain::municipality::MunicipalityCode,
    ) -> Result<Store, StoreError> {
        Store::connect_up_to(url, municipality, None).await
    }

    /// Connect and migrate only up to schema `version`: for tests of an upgrade from an older database.
    #[doc(hidden)]
    pub async fn connect_at_schema(url: &str, version: i64) -> Result<Store, StoreError> {
        Store::connect_up_to(url, default_municipality(), Some(version)).await
    }

    async fn connect_up_to(
        url: &str,
        municipality: domain::municipality::MunicipalityCode,
        up_to: Option<i64>,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_string(),
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        options = match backend {
            Backend::Sqlite => {
                options.max_connections(if url.contains(":memory:") { 1 } else { 8 }).after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; \
                             PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824; \
                             PRAGMA foreign_keys=ON;",
                        )
                        .await?;
                        Ok(())
                    })
                })
            }
            Backend::Postgres => options.max_connections(16),
        };
        let pool = options.connect(&url).await?;
        let sqlite_file = match backend {
            Backend::Sqlite => {
                let file: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(&pool)
                    .await?;
                (!file.is_empty()).then(|| std::path::PathBuf::from(file))
            }
            Backend::Postgres => None,
        };
        let store = Store {
            pool,
            backend,
            municipality,
            bulk_rebuild_units: projection::FULL_REBUILD_UNITS,
            sqlite_file,
            bulk_load_rows: journal::BULK_ROWS,
        };
        let applied = migrate::run_up_to(&store, up_to).await?;
        if applied.iter().any(|v| migrate::ADDS_READ_MODEL.contains(v)) && applied.first() != Some(&1) {
            // An existing journal meets a new read model: fill it (once, at the upgrade).
            store.rebuild(chrono::Utc::now()).await?;
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn municipality(&self) -> domain::municipality::MunicipalityCode {
        self.municipality
    }

    pub(crate) fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.sqlite_file.as_deref()
    }

    pub(crate) fn bulk_load_rows(&self) -> usize {
        self.bulk_load_rows
    }

    /// Set how many touched read-model units make an append rebuild all read models (tests use small numbers).
    pub fn with_bulk_rebuild_units(mut self, units: usize) -> Store {
        self.bulk_rebuild_units = units;
        self
    }

    /// From how many events an append to an empty SQLite journal uses the native bulk loader (tests lower it;
    /// `usize::MAX` turns the loader off).
    pub fn with_bulk_load_rows(mut self, rows: usize) -> Store {
        self.bulk_load_rows = rows;
        self
    }

    /// Close the pool's idle connections (it opens new ones when next asked): an idle SQLite connection keeps a
    /// lock on the file, and the bulk loader can switch journal mode only when no other connection has the file open.
    pub(crate) async fn close_idle(&self) {
        while let Some(conn) = self.pool.try_acquire() {
            // A connection that fails to close cleanly is gone all the same.
            let _ = conn.close().await;
        }
    }

    /// Close all connections (checkpointing the SQLite WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// `(…), (…)` placeholders of a multi-row INSERT: `?` for SQLite (bound by position — `$n` would be looked up by
/// name for every parameter, quadratic in a statement with thousands of them), `$n` for PostgreSQL.
pub(crate) fn values_list(backend: Backend, rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            match backend {
                Backend::Sqlite => out.push('?'),
                Backend::Postgres => {
                    out.push('$');
                    out.push_str(&(r * cols + c + 1).to_string());
                }
            }
        }
        out.push(')');
    }
    out
}

/// Read a column, mapping a type mismatch to a store error.
/// A database error, with a unique-key violation (someone saved the same version at the same moment) told in
/// Danish as `message`.
pub(crate) fn on_conflict(message: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Input(message.into()),
        _ => StoreError::Db(e),
    }
}

pub(crate) fn col<T>(row: &AnyRow, name: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    Ok(row.try_get::<T, _>(name)?)
}

/// Non-constraint indexes of a table, dropped for a bulk load and created again after it (in the same transaction:
/// one sort per index instead of millions of random inserts). Returns their definitions.
pub(crate) async fn drop_secondary_indexes(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
) -> Result<Vec<String>, StoreError> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
        Backend::Postgres => {
            "SELECT CAST(indexname AS TEXT) AS name, CAST(indexdef AS TEXT) AS def FROM pg_indexes WHERE tablename = $1 AND schemaname = current_schema() \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        }
    };
    let rows = sqlx::query(sql).bind(table).fetch_all(&mut **tx).await?;
    let mut defs = Vec::with_capacity(rows.len());
    for r in &rows {
        let name: String = col(r, "name")?;
        defs.push(col::<String>(r, "def")?);
        sqlx::query(&format!("DROP INDEX {name}")).execute(&mut **tx).await?;
    }
    Ok(defs)
}

/// Create the indexes [`drop_secondary_indexes`] dropped.
pub(crate) async fn recreate_indexes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    defs: &[String],
) -> Result<(), StoreError> {
    for d in defs {
        sqlx::query(d).execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_hide_passwords() {
        assert_eq!(Backend::of_url("sqlite://vaern.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgres://u:p@h/db").unwrap(), Backend::Postgres);
        assert!(Backend::of_url("mysql://x").is_err());
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://vaern.db"), "sqlite://vaern.db");
    }
}
