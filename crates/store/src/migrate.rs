//! Versioned schema migrations, one tree per back-end (`migrations/sqlite`, `migrations/postgres`), applied on
//! start in one transaction each. A database whose schema is newer than this binary is refused.

use crate::{Backend, Store, StoreError};
use sqlx::Row;

/// A migration: version, name, SQL for SQLite, SQL for PostgreSQL.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
    /// SQLite only: run with foreign keys off, as SQLite's procedure for rebuilding a table that others refer to
    /// asks; every reference is checked (`PRAGMA foreign_key_check`) before the migration commits.
    pub rebuilds_referenced_table: bool,
}

/// A migration from its version, name and file name (the same in both trees).
macro_rules! migration {
    ($version:expr, $name:literal, $file:literal, $rebuilds:expr) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $file, ".sql")),
            rebuilds_referenced_table: $rebuilds,
        }
    };
}

/// All migrations this binary knows, in order. Never edit an applied one: add a new one to both trees.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "journal", "0001_journal", false),
    migration!(2, "access", "0002_access", false),
    migration!(3, "supervision", "0003_supervision", false),
    migration!(4, "knowledge", "0004_knowledge", false),
    migration!(5, "budget", "0005_budget", false),
    migration!(6, "practice", "0006_practice", false),
    migration!(7, "journal_rowid", "0007_journal_rowid", true),
];

/// The newest schema version this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

/// The schema version of the database (0 when empty).
pub async fn current(store: &Store) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM vaern_migrations").fetch_one(store.pool()).await?;
    Ok(row.try_get::<i64, _>("v")?)
}

/// Apply missing migrations; refuse a database that is newer than this binary. Returns the versions applied.
pub async fn run(store: &Store) -> Result<Vec<i64>, StoreError> {
    run_up_to(store, None).await
}

/// Apply missing migrations up to `up_to` (all with `None`).
pub(crate) async fn run_up_to(store: &Store, up_to: Option<i64>) -> Result<Vec<i64>, StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS vaern_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(store.pool())
    .await?;
    let have = current(store).await?;
    if have > latest() {
        return Err(StoreError::Schema(format!(
            "databasen har skemaversion {have}, men denne version af Værn kender kun til version {}. \
             Opgradér Værn (en ældre version må ikke skrive i en nyere database).",
            latest()
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > have && m.version <= up_to.unwrap_or(i64::MAX)) {
        apply(store, m).await?;
        applied.push(m.version);
    }
    Ok(applied)
}

/// Apply one migration in one transaction.
async fn apply(store: &Store, m: &Migration) -> Result<(), StoreError> {
    let failed = |e: sqlx::Error| StoreError::Schema(format!("migrering {} ({}) fejlede: {e}", m.version, m.name));
    let (sql, fk_off) = match store.backend() {
        Backend::Sqlite => (m.sqlite, m.rebuilds_referenced_table),
        Backend::Postgres => (m.postgres, false),
    };
    let mut conn = store.pool().acquire().await?;
    if fk_off {
        // Outside the transaction: inside one, SQLite ignores the pragma.
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
    }
    let result = async {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(failed)?;
        if fk_off {
            let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *tx).await?;
            if !broken.is_empty() {
                return Err(StoreError::Schema(format!(
                    "migrering {} ({}) fejlede: {} rækker henviser til noget, der ikke findes",
                    m.version,
                    m.name,
                    broken.len()
                )));
            }
        }
        sqlx::query("INSERT INTO vaern_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if fk_off {
        // The pooled connection goes back with foreign keys on, or not at all.
        if sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.is_err() {
            conn.detach();
        }
    }
    result
}

/// Migrations that add a read model: a database that already has a journal rebuilds its read models once.
pub const ADDS_READ_MODEL: &[i64] = &[3];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_trees_have_every_migration() {
        for m in MIGRATIONS {
            assert!(m.sqlite.contains("CREATE TABLE"), "{}", m.name);
            assert!(
                m.postgres.contains("CREATE TABLE") || m.postgres.contains("Nothing changes on PostgreSQL"),
                "{}",
                m.name
            );
        }
        let dir = |b: &str| {
            let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{b}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(dir("sqlite"), dir("postgres"), "the migration trees must not drift");
        assert_eq!(dir("sqlite").len(), MIGRATIONS.len());
    }
}
