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
}

/// All migrations this binary knows, in order. Never edit an applied one: add a new one to both trees.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "journal",
        sqlite: include_str!("../migrations/sqlite/0001_journal.sql"),
        postgres: include_str!("../migrations/postgres/0001_journal.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sqlite: include_str!("../migrations/sqlite/0002_access.sql"),
        postgres: include_str!("../migrations/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "supervision",
        sqlite: include_str!("../migrations/sqlite/0003_supervision.sql"),
        postgres: include_str!("../migrations/postgres/0003_supervision.sql"),
    },
    Migration {
        version: 4,
        name: "knowledge",
        sqlite: include_str!("../migrations/sqlite/0004_knowledge.sql"),
        postgres: include_str!("../migrations/postgres/0004_knowledge.sql"),
    },
    Migration {
        version: 5,
        name: "budget",
        sqlite: include_str!("../migrations/sqlite/0005_budget.sql"),
        postgres: include_str!("../migrations/postgres/0005_budget.sql"),
    },
    Migration {
        version: 6,
        name: "practice",
        sqlite: include_str!("../migrations/sqlite/0006_practice.sql"),
        postgres: include_str!("../migrations/postgres/0006_practice.sql"),
    },
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
    for m in MIGRATIONS.iter().filter(|m| m.version > have) {
        let sql = match store.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let mut tx = store.pool().begin().await?;
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Schema(format!("migrering {} ({}) fejlede: {e}", m.version, m.name)))?;
        sqlx::query("INSERT INTO vaern_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        applied.push(m.version);
    }
    Ok(applied)
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
            assert!(m.postgres.contains("CREATE TABLE"), "{}", m.name);
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
