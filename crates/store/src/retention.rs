//! Data retention and GDPR: closing a case records its date; a report lists cases past the municipality's
//! retention period; erasure removes a child's personal data (CPR number, name, notes, the child's words) while the
//! events' core — dates, types, decisions — stays for statistics and the hash chain still verifies.

use crate::{col, Actor, Store, StoreError};
use chrono::NaiveDate;
use domain::calendar::add_months;

/// A closed case past its retention period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    pub child: String,
    pub closed_on: NaiveDate,
    pub delete_after: NaiveDate,
    /// Whether its personal data is already erased.
    pub erased: bool,
}

impl Store {
    /// Record that a child's case was closed on `closed_on`.
    pub async fn close_case(&self, child: &str, closed_on: NaiveDate, actor: &Actor) -> Result<(), StoreError> {
        let exists = sqlx::query("SELECT 1 AS x FROM journal WHERE child = $1 LIMIT 1")
            .bind(child)
            .fetch_optional(self.pool())
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("barnet \"{child}\" har ingen sag")));
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM case_closure WHERE child = $1").bind(child).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO case_closure (child, closed_on, closed_by, recorded_at) VALUES ($1, $2, $3, $4)")
            .bind(child)
            .bind(closed_on.to_string())
            .bind(&actor.user)
            .bind(actor.now.to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cases closed more than `retention_years` before `today`.
    pub async fn retention_report(&self, today: NaiveDate, retention_years: u32) -> Result<Vec<Expired>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.child, c.closed_on, \
             (SELECT COUNT(*) FROM journal j JOIN journal_personal p ON p.event_id = j.event_id \
              WHERE j.child = c.child AND p.data IS NOT NULL) AS personal_left \
             FROM case_closure c ORDER BY c.closed_on, c.child",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let closed: String = col(&r, "closed_on")?;
            let closed_on = NaiveDate::parse_from_str(&closed, "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("ugyldig lukkedato {closed}")))?;
            let delete_after = add_months(closed_on, 12 * retention_years as i32);
            if delete_after < today {
                let left: i64 = col(&r, "personal_left")?;
                out.push(Expired { child: col(&r, "child")?, closed_on, delete_after, erased: left == 0 });
            }
        }
        Ok(out)
    }

    /// Erase the personal data of every event of a child. The events' core and the hash chain are untouched.
    /// Returns the number of events whose personal part was erased.
    pub async fn erase_personal_data(&self, child: &str, reason: &str, actor: &Actor) -> Result<u64, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::Input("en sletning skal have en begrundelse".into()));
        }
        let mut tx = self.pool().begin().await?;
        let r = sqlx::query(
            "UPDATE journal_personal SET data = NULL, salt = NULL, erased_at = $1, erased_by = $2, erasure_reason = $3 \
             WHERE data IS NOT NULL AND event_id IN (SELECT event_id FROM journal WHERE child = $4)",
        )
        .bind(actor.now.to_rfc3339())
        .bind(&actor.user)
        .bind(reason)
        .bind(child)
        .execute(&mut *tx)
        .await?;
        self.erase_viso(&mut tx, child).await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }

    /// A consistent online copy of an SQLite database (`VACUUM INTO`). PostgreSQL is backed up with `pg_dump`.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != crate::Backend::Sqlite {
            return Err(StoreError::Config("backup_sqlite kræver SQLite; brug pg_dump til PostgreSQL".into()));
        }
        if path.exists() {
            return Err(StoreError::Config(format!("{} findes allerede", path.display())));
        }
        sqlx::query("VACUUM INTO $1").bind(path.to_string_lossy().to_string()).execute(self.pool()).await?;
        Ok(())
    }
}
