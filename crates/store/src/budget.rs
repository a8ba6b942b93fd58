//! The municipality's budget lines per year, versioned: every change is a new row with who and when, and the newest
//! version of a line counts. Append-only (triggers refuse UPDATE and DELETE).

use crate::{col, on_conflict, Actor, Store, StoreError};
use domain::economy::{BudgetLine, Ore};
use sqlx::any::AnyRow;

/// The current version of a budget line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBudgetLine {
    pub line: BudgetLine,
    pub version: i64,
    pub edited_by: String,
    pub edited_at: String,
}

const COLS: &str = "municipality, year, code, version, name, covers, amount_ore, retired, edited_by, edited_at";

fn from_row(r: &AnyRow) -> Result<(StoredBudgetLine, bool), StoreError> {
    let covers: String = col(r, "covers")?;
    Ok((
        StoredBudgetLine {
            line: BudgetLine {
                code: col(r, "code")?,
                name: col(r, "name")?,
                covers: covers.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
                amount: Ore(col(r, "amount_ore")?),
            },
            version: col(r, "version")?,
            edited_by: col(r, "edited_by")?,
            edited_at: col(r, "edited_at")?,
        },
        col::<i64>(r, "retired")? != 0,
    ))
}

impl Store {
    /// The budget lines of the store's municipality for `year` (withdrawn lines left out), by account code.
    pub async fn budget_lines(&self, year: i32) -> Result<Vec<StoredBudgetLine>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM budget_line b WHERE municipality = $1 AND year = $2 AND version = \
             (SELECT MAX(version) FROM budget_line l WHERE l.municipality = b.municipality AND l.year = b.year \
              AND l.code = b.code)"
        ))
        .bind(self.municipality().as_str())
        .bind(i64::from(year))
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let (line, retired) = from_row(r)?;
            if !retired {
                out.push(line);
            }
        }
        out.sort_by(|a, b| a.line.code.cmp(&b.line.code));
        Ok(out)
    }

    /// Save a budget line for `year` as a new version (or withdraw it with `retired`). Returns the version written,
    /// or `None` when nothing changed.
    pub async fn save_budget_line(
        &self,
        year: i32,
        line: &BudgetLine,
        retired: bool,
        actor: &Actor,
    ) -> Result<Option<i64>, StoreError> {
        if !(2000..=2100).contains(&year) {
            return Err(StoreError::Input(format!("feltet \"year\": {year} er ikke et budgetår")));
        }
        let mut tx = self.pool().begin().await?;
        let current = sqlx::query(&format!(
            "SELECT {COLS} FROM budget_line WHERE municipality = $1 AND year = $2 AND code = $3 \
             ORDER BY version DESC LIMIT 1"
        ))
        .bind(self.municipality().as_str())
        .bind(i64::from(year))
        .bind(&line.code)
        .fetch_optional(&mut *tx)
        .await?;
        let current = current.as_ref().map(from_row).transpose()?;
        if current.as_ref().is_some_and(|(c, r)| c.line == *line && *r == retired) {
            return Ok(None);
        }
        if current.is_none() && retired {
            return Ok(None);
        }
        let version = current.map_or(0, |(c, _)| c.version) + 1;
        sqlx::query(&format!("INSERT INTO budget_line ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
            .bind(self.municipality().as_str())
            .bind(i64::from(year))
            .bind(&line.code)
            .bind(version)
            .bind(&line.name)
            .bind(line.covers.join(","))
            .bind(line.amount.0)
            .bind(i64::from(retired))
            .bind(&actor.user)
            .bind(actor.now.to_rfc3339())
            .execute(&mut *tx)
            .await
            .map_err(on_conflict("budgetlinjen blev gemt af en anden i samme øjeblik; prøv igen"))?;
        tx.commit().await?;
        Ok(Some(version))
    }
}
