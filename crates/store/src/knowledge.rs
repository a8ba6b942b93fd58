//! The knowledge bank's entries with their full version history, and VISO referrals with their status history.
//! Both are append-only: an edit is a new version, a status change a new row.

use crate::{col, Actor, Store, StoreError};
use chrono::NaiveDate;
use domain::knowledge::{MethodEntry, MethodId, VisoStatus};
use sqlx::any::AnyRow;

/// One stored version of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodVersion {
    pub entry: MethodEntry,
    pub version: i64,
    /// Withdrawn from the bank (kept in the history, no longer searched or suggested).
    pub retired: bool,
    pub edited_by: String,
    pub edited_at: String,
    pub comment: String,
}

/// What saving an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new version with this number.
    Version(i64),
    /// Identical to the current version: nothing written.
    Unchanged,
}

/// The result of importing a file of entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MethodImport {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

const VERSION_COLS: &str = "method_id, version, body, retired, edited_by, edited_at, comment";

fn version_from_row(r: &AnyRow) -> Result<MethodVersion, StoreError> {
    let body: String = col(r, "body")?;
    let value: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("metodeversion: {e}")))?;
    let entry = MethodEntry::from_json(&value).map_err(|e| StoreError::Corrupt(format!("metodeversion: {e}")))?;
    Ok(MethodVersion {
        entry,
        version: col(r, "version")?,
        retired: col::<i64>(r, "retired")? != 0,
        edited_by: col(r, "edited_by")?,
        edited_at: col(r, "edited_at")?,
        comment: col(r, "comment")?,
    })
}

impl Store {
    /// The newest version of every entry (retired ones included, marked), by name.
    pub async fn methods(&self) -> Result<Vec<MethodVersion>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLS} FROM method_version m WHERE version = \
             (SELECT MAX(version) FROM method_version l WHERE l.method_id = m.method_id)"
        ))
        .fetch_all(self.pool())
        .await?;
        let mut out = rows.iter().map(version_from_row).collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| a.entry.name.cmp(&b.entry.name));
        Ok(out)
    }

    /// Every version of one entry, newest first.
    pub async fn method_history(&self, id: &MethodId) -> Result<Vec<MethodVersion>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {VERSION_COLS} FROM method_version WHERE method_id = $1"))
            .bind(id.as_str())
            .fetch_all(self.pool())
            .await?;
        let mut out = rows.iter().map(version_from_row).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|v| std::cmp::Reverse(v.version));
        Ok(out)
    }

    /// Save an entry as a new version. `expected` is the version the editor started from (`None` for a new entry):
    /// if someone saved in between, nothing is written and the editor is told (no lost update). An unchanged entry
    /// writes nothing. `retired` withdraws the entry (or brings it back).
    pub async fn save_method(
        &self,
        entry: &MethodEntry,
        expected: Option<i64>,
        retired: bool,
        comment: &str,
        actor: &Actor,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.pool().begin().await?;
        let current = sqlx::query(&format!(
            "SELECT {VERSION_COLS} FROM method_version WHERE method_id = $1 ORDER BY version DESC LIMIT 1"
        ))
        .bind(entry.id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let current = current.as_ref().map(version_from_row).transpose()?;
        let have = current.as_ref().map(|c| c.version);
        if have != expected {
            return Err(StoreError::Input(match (&current, expected) {
                (Some(c), None) => {
                    format!("feltet \"id\": der findes allerede en post med id \"{}\" ({})", entry.id, c.entry.name)
                }
                (Some(c), Some(_)) => format!(
                    "posten er ændret af {} ({}) siden du åbnede den; åbn den igen og gentag din ændring",
                    c.edited_by, c.edited_at
                ),
                (None, _) => format!("posten \"{}\" findes ikke", entry.id),
            }));
        }
        if current.as_ref().is_some_and(|c| c.entry == *entry && c.retired == retired) {
            return Ok(Saved::Unchanged);
        }
        let version = have.unwrap_or(0) + 1;
        insert_version(&mut tx, entry, version, retired, comment, actor).await?;
        tx.commit().await?;
        Ok(Saved::Version(version))
    }

    /// Import entries (all in one transaction): new ids are added, changed entries get a new version, identical ones
    /// are left alone — so importing the same file twice changes nothing.
    pub async fn import_methods(&self, entries: &[MethodEntry], actor: &Actor) -> Result<MethodImport, StoreError> {
        let current = self.methods().await?;
        let mut result = MethodImport::default();
        let mut tx = self.pool().begin().await?;
        for e in entries {
            match current.iter().find(|c| c.entry.id == e.id) {
                Some(c) if c.entry == *e && !c.retired => result.unchanged += 1,
                Some(c) => {
                    insert_version(&mut tx, e, c.version + 1, false, "Importeret", actor).await?;
                    result.changed += 1;
                }
                None => {
                    insert_version(&mut tx, e, 1, false, "Importeret", actor).await?;
                    result.added += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(result)
    }
}

async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry: &MethodEntry,
    version: i64,
    retired: bool,
    comment: &str,
    actor: &Actor,
) -> Result<(), StoreError> {
    sqlx::query(&format!("INSERT INTO method_version ({VERSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
        .bind(entry.id.as_str())
        .bind(version)
        .bind(entry.to_line())
        .bind(i64::from(retired))
        .bind(&actor.user)
        .bind(actor.now.to_rfc3339())
        .bind(comment.trim())
        .execute(&mut **tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Input(
                "posten blev gemt af en anden i samme øjeblik; åbn den igen og gentag din ændring".into(),
            ),
            _ => StoreError::Db(e),
        })?;
    Ok(())
}

/// A new VISO referral: for a child or a placement site.
#[derive(Debug, Clone)]
pub struct NewViso {
    pub child: Option<String>,
    pub site: Option<String>,
    pub topic: String,
    pub question: String,
    pub requested_on: NaiveDate,
}

/// A change of a referral's status.
#[derive(Debug, Clone)]
pub struct VisoChange {
    pub status: VisoStatus,
    pub answer_due: Option<NaiveDate>,
    pub answered_on: Option<NaiveDate>,
    pub advice: Option<String>,
}

/// One row of a referral's status history.
#[derive(Debug, Clone, PartialEq)]
pub struct VisoUpdate {
    pub status: VisoStatus,
    pub answer_due: Option<NaiveDate>,
    pub answered_on: Option<NaiveDate>,
    pub advice: Option<String>,
    pub by_user: String,
    pub at: String,
}

/// A referral with its status history (oldest first); the current status is the last update's.
#[derive(Debug, Clone, PartialEq)]
pub struct Viso {
    pub id: String,
    pub municipality: String,
    pub child: Option<String>,
    pub site: Option<String>,
    pub topic: String,
    pub question: String,
    pub requested_on: NaiveDate,
    pub requested_by: String,
    pub updates: Vec<VisoUpdate>,
}

impl Viso {
    pub fn current(&self) -> &VisoUpdate {
        // A referral is created with its first update in the same transaction.
        &self.updates[self.updates.len() - 1]
    }

    /// The expected answer date of the latest update that named one.
    pub fn answer_due(&self) -> Option<NaiveDate> {
        self.updates.iter().rev().find_map(|u| u.answer_due)
    }

    /// The advice received (latest update with advice).
    pub fn advice(&self) -> Option<(&str, Option<NaiveDate>)> {
        self.updates.iter().rev().find_map(|u| u.advice.as_deref().map(|a| (a, u.answered_on)))
    }
}

fn date_of(s: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    s.map(|s| s.parse().map_err(|e| StoreError::Corrupt(format!("VISO-dato \"{s}\": {e}")))).transpose()
}

/// Which referrals to list.
#[derive(Debug, Clone, Copy)]
pub enum VisoScope<'a> {
    /// One referral, by id.
    Id(&'a str),
    Child(&'a str),
    Site(&'a str),
    Municipality(&'a str),
}

impl Store {
    /// Register a referral (status "requested"). Returns its id.
    pub async fn create_viso(&self, new: &NewViso, actor: &Actor) -> Result<String, StoreError> {
        let topic = new.topic.trim();
        let question = new.question.trim();
        if topic.is_empty() {
            return Err(StoreError::Input("feltet \"topic\": angiv hvad rådgivningen drejer sig om".into()));
        }
        if question.is_empty() {
            return Err(StoreError::Input("feltet \"question\": skriv spørgsmålet til VISO".into()));
        }
        if new.child.is_none() == new.site.is_none() {
            return Err(StoreError::Input("en VISO-henvendelse gælder enten et barn eller et anbringelsessted".into()));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO viso_referral (id, municipality, child, site, topic, question, requested_on, requested_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(self.municipality().as_str())
        .bind(new.child.as_deref())
        .bind(new.site.as_deref())
        .bind(topic)
        .bind(question)
        .bind(new.requested_on.to_string())
        .bind(&actor.user)
        .bind(actor.now.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        let first = VisoChange { status: VisoStatus::Requested, answer_due: None, answered_on: None, advice: None };
        insert_update(&mut tx, &id, &first, actor).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Record a change of a referral's status (a new row; earlier rows are kept).
    pub async fn update_viso(&self, id: &str, change: &VisoChange, actor: &Actor) -> Result<(), StoreError> {
        if change.status == VisoStatus::Answered && change.advice.as_deref().is_none_or(|a| a.trim().is_empty()) {
            return Err(StoreError::Input("feltet \"advice\": skriv den rådgivning, VISO har givet".into()));
        }
        if change.status == VisoStatus::Answered && change.answered_on.is_none() {
            return Err(StoreError::Input("feltet \"answered_on\": angiv datoen for VISO's svar".into()));
        }
        let mut tx = self.pool().begin().await?;
        let exists =
            sqlx::query("SELECT id FROM viso_referral WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("VISO-henvendelse {id}")));
        }
        insert_update(&mut tx, id, change, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Referrals of a child, a site or the whole municipality (or the one with an id), newest request first.
    pub async fn visos(&self, scope: VisoScope<'_>) -> Result<Vec<Viso>, StoreError> {
        let (cond, key) = match scope {
            VisoScope::Id(id) => ("r.id = $1", id),
            VisoScope::Child(c) => ("r.child = $1", c),
            VisoScope::Site(s) => ("r.site = $1", s),
            VisoScope::Municipality(m) => ("r.municipality = $1", m),
        };
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.municipality, r.child, r.site, r.topic, r.question, r.requested_on, r.requested_by, \
             u.status, u.answer_due, u.answered_on, u.advice, u.by_user, u.at \
             FROM viso_referral r JOIN viso_update u ON u.referral = r.id WHERE {cond}"
        ))
        .bind(key)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<Viso> = Vec::new();
        for r in &rows {
            let id: String = col(r, "id")?;
            let status: String = col(r, "status")?;
            let update = VisoUpdate {
                status: VisoStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("ukendt VISO-status \"{status}\"")))?,
                answer_due: date_of(col(r, "answer_due")?)?,
                answered_on: date_of(col(r, "answered_on")?)?,
                advice: col(r, "advice")?,
                by_user: col(r, "by_user")?,
                at: col(r, "at")?,
            };
            match out.iter_mut().find(|v| v.id == id) {
                Some(v) => v.updates.push(update),
                None => out.push(Viso {
                    id,
                    municipality: col(r, "municipality")?,
                    child: col(r, "child")?,
                    site: col(r, "site")?,
                    topic: col(r, "topic")?,
                    question: col(r, "question")?,
                    requested_on: date_of(Some(col(r, "requested_on")?))?.unwrap_or_default(),
                    requested_by: col(r, "requested_by")?,
                    updates: vec![update],
                }),
            }
        }
        for v in &mut out {
            v.updates.sort_by(|a, b| a.at.cmp(&b.at));
        }
        out.sort_by(|a, b| b.requested_on.cmp(&a.requested_on).then_with(|| b.id.cmp(&a.id)));
        Ok(out)
    }

    /// Erase the personal text of a child's referrals (question and advice), keeping dates and statuses.
    pub(crate) async fn erase_viso(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        child: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE viso_referral SET question = '(slettet)' WHERE child = $1")
            .bind(child)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE viso_update SET advice = CASE WHEN advice IS NULL THEN NULL ELSE '(slettet)' END \
             WHERE referral IN (SELECT id FROM viso_referral WHERE child = $1)",
        )
        .bind(child)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

async fn insert_update(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    referral: &str,
    change: &VisoChange,
    actor: &Actor,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO viso_update (id, referral, status, answer_due, answered_on, advice, by_user, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(referral)
    .bind(change.status.as_str())
    .bind(change.answer_due.map(|d| d.to_string()))
    .bind(change.answered_on.map(|d| d.to_string()))
    .bind(change.advice.as_deref().map(str::trim).filter(|a| !a.is_empty()))
    .bind(&actor.user)
    .bind(actor.now.to_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
