//! Practice-survey audits (`domain::practice`): the drawn sample, its strata and cases with the checklist as the
//! journal answered it, and the reviewers' findings, each save a new version of the case's checklist (the newest
//! counts). Append-only: triggers refuse UPDATE and DELETE.

use crate::{col, on_conflict, Actor, Store, StoreError};
use chrono::NaiveDate;
use domain::practice::{findings_code, parse_findings, Design, Findings, Period, Sample, Stratum};
use std::collections::BTreeMap;

/// An audit's description.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditHead {
    pub id: i64,
    pub title: String,
    pub period: Period,
    pub as_of: NaiveDate,
    pub design: Design,
    /// Cases in the population, in the sample, and reviewed.
    pub population: usize,
    pub sampled: usize,
    pub reviewed: usize,
    pub created_by: String,
    pub created_at: String,
}

/// The newest review of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseReview {
    pub version: i64,
    pub findings: Findings,
    /// Point code → the reviewer's comment.
    pub comments: BTreeMap<String, String>,
    pub reviewer: String,
    pub reviewed_at: String,
}

/// A sampled case.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditCase {
    pub child: String,
    pub position: i64,
    pub stratum: Stratum,
    /// The checklist as the journal answered it when the sample was drawn.
    pub prefill: Findings,
    pub review: Option<CaseReview>,
}

/// An audit with its strata (population, sample) and cases in sample order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAudit {
    pub head: AuditHead,
    pub strata: BTreeMap<Stratum, (usize, usize)>,
    pub cases: Vec<AuditCase>,
}

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("praksisundersøgelse: {what} kan ikke læses"))
}

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("en dato"))
}

impl Store {
    /// Save a drawn sample as a new audit of the store's municipality; returns its number.
    pub async fn create_practice_audit(
        &self,
        title: &str,
        period: Period,
        as_of: NaiveDate,
        design: &Design,
        sample: &Sample,
        actor: &Actor,
    ) -> Result<i64, StoreError> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(StoreError::Input("feltet \"titel\": skriv en titel på højst 200 tegn".into()));
        }
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM practice_audit").fetch_one(&mut *tx).await?;
        let id = col::<i64>(&row, "id")? + 1;
        sqlx::query(
            "INSERT INTO practice_audit (id, municipality, title, period_from, period_to, as_of, seed, size, \
             min_per_stratum, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(self.municipality().as_str())
        .bind(title)
        .bind(period.from.to_string())
        .bind(period.to.to_string())
        .bind(as_of.to_string())
        .bind(design.seed.to_string())
        .bind(design.size as i64)
        .bind(design.min_per_stratum as i64)
        .bind(&actor.user)
        .bind(actor.now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .map_err(on_conflict("en anden oprettede en undersøgelse i samme øjeblik; prøv igen"))?;
        for (s, (pop, n)) in &sample.strata {
            sqlx::query(
                "INSERT INTO practice_audit_stratum (audit_id, stratum, population, sample) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(s.code())
            .bind(*pop as i64)
            .bind(*n as i64)
            .execute(&mut *tx)
            .await?;
        }
        for (i, c) in sample.cases.iter().enumerate() {
            sqlx::query(
                "INSERT INTO practice_audit_case (audit_id, child, position, stratum, prefill) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(c.child.as_str())
            .bind(i as i64 + 1)
            .bind(c.stratum.code())
            .bind(findings_code(&c.prefill))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The municipality's audits, newest first.
    pub async fn practice_audits(&self) -> Result<Vec<AuditHead>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.title, a.period_from, a.period_to, a.as_of, a.seed, a.size, a.min_per_stratum, \
             a.created_by, a.created_at, \
             (SELECT CAST(COALESCE(SUM(population), 0) AS BIGINT) FROM practice_audit_stratum s \
             WHERE s.audit_id = a.id) AS pop, \
             (SELECT COUNT(*) FROM practice_audit_case c WHERE c.audit_id = a.id) AS sampled, \
             (SELECT COUNT(DISTINCT r.child) FROM practice_audit_review r WHERE r.audit_id = a.id) AS reviewed \
             FROM practice_audit a WHERE a.municipality = $1 ORDER BY a.id DESC",
        )
        .bind(self.municipality().as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(head_of).collect()
    }

    /// One audit of the municipality, with its strata, cases and their newest reviews.
    pub async fn practice_audit(&self, id: i64) -> Result<Option<StoredAudit>, StoreError> {
        let heads = self.practice_audits().await?;
        let Some(head) = heads.into_iter().find(|h| h.id == id) else { return Ok(None) };
        let mut strata = BTreeMap::new();
        for r in sqlx::query("SELECT stratum, population, sample FROM practice_audit_stratum WHERE audit_id = $1")
            .bind(id)
            .fetch_all(self.pool())
            .await?
        {
            let s = Stratum::parse(&col::<String>(&r, "stratum")?).ok_or_else(|| bad("et stratum"))?;
            strata.insert(s, (col::<i64>(&r, "population")? as usize, col::<i64>(&r, "sample")? as usize));
        }
        let mut reviews: BTreeMap<String, CaseReview> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT child, version, findings, comments, reviewer, reviewed_at FROM practice_audit_review r \
             WHERE audit_id = $1 AND version = (SELECT MAX(version) FROM practice_audit_review l \
             WHERE l.audit_id = r.audit_id AND l.child = r.child)",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        {
            let comments: String = col(&r, "comments")?;
            reviews.insert(
                col(&r, "child")?,
                CaseReview {
                    version: col(&r, "version")?,
                    findings: parse_findings(&col::<String>(&r, "findings")?).ok_or_else(|| bad("et svar"))?,
                    comments: serde_json::from_str(&comments).map_err(|_| bad("en bemærkning"))?,
                    reviewer: col(&r, "reviewer")?,
                    reviewed_at: col(&r, "reviewed_at")?,
                },
            );
        }
        let mut cases = Vec::new();
        for r in sqlx::query(
            "SELECT child, position, stratum, prefill FROM practice_audit_case WHERE audit_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        {
            let child: String = col(&r, "child")?;
            cases.push(AuditCase {
                review: reviews.remove(&child),
                child,
                position: col(&r, "position")?,
                stratum: Stratum::parse(&col::<String>(&r, "stratum")?).ok_or_else(|| bad("et stratum"))?,
                prefill: parse_findings(&col::<String>(&r, "prefill")?).ok_or_else(|| bad("et svar"))?,
            });
        }
        Ok(Some(StoredAudit { head, strata, cases }))
    }

    /// Save a reviewer's checklist for a sampled case as a new version; returns the version, or `None` when nothing
    /// changed. Refused for a child outside the sample.
    pub async fn review_practice_case(
        &self,
        id: i64,
        child: &str,
        findings: &Findings,
        comments: &BTreeMap<String, String>,
        actor: &Actor,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let exists = sqlx::query(
            "SELECT c.child FROM practice_audit_case c JOIN practice_audit a ON a.id = c.audit_id \
             WHERE c.audit_id = $1 AND c.child = $2 AND a.municipality = $3",
        )
        .bind(id)
        .bind(child)
        .bind(self.municipality().as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("barnet \"{child}\" er ikke i stikprøven i undersøgelse {id}")));
        }
        let current = sqlx::query(
            "SELECT version, findings, comments FROM practice_audit_review WHERE audit_id = $1 AND child = $2 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(id)
        .bind(child)
        .fetch_optional(&mut *tx)
        .await?;
        let code = findings_code(findings);
        let text = serde_json::to_string(comments).map_err(|e| StoreError::Input(e.to_string()))?;
        let version = match &current {
            Some(r) => {
                if col::<String>(r, "findings")? == code && col::<String>(r, "comments")? == text {
                    return Ok(None);
                }
                col::<i64>(r, "version")? + 1
            }
            None => 1,
        };
        sqlx::query(
            "INSERT INTO practice_audit_review (audit_id, child, version, findings, comments, reviewer, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(child)
        .bind(version)
        .bind(code)
        .bind(text)
        .bind(&actor.user)
        .bind(actor.now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .map_err(on_conflict("sagen blev gemt af en anden i samme øjeblik; prøv igen"))?;
        tx.commit().await?;
        Ok(Some(version))
    }
}

fn head_of(r: &sqlx::any::AnyRow) -> Result<AuditHead, StoreError> {
    Ok(AuditHead {
        id: col(r, "id")?,
        title: col(r, "title")?,
        period: Period { from: date(&col::<String>(r, "period_from")?)?, to: date(&col::<String>(r, "period_to")?)? },
        as_of: date(&col::<String>(r, "as_of")?)?,
        design: Design {
            size: col::<i64>(r, "size")? as usize,
            min_per_stratum: col::<i64>(r, "min_per_stratum")? as usize,
            seed: col::<String>(r, "seed")?.parse().map_err(|_| bad("frøet"))?,
        },
        population: col::<i64>(r, "pop")? as usize,
        sampled: col::<i64>(r, "sampled")? as usize,
        reviewed: col::<i64>(r, "reviewed")? as usize,
        created_by: col(r, "created_by")?,
        created_at: col(r, "created_at")?,
    })
}
