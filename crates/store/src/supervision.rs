//! Placement sites and supervision: the site registry read model, consultants' sites, planned visits, visits held,
//! danger signals, and the municipality's events for the council report.

use crate::journal::{stored_from_row, StoredEvent, SELECT_STORED};
use crate::projection::{engine_events, obligation_row, status_at_ts, ObligationRow, OBLIGATION_COLS};
use crate::{col, Actor, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::event::{Body, Event};
use domain::obligation::Status;
use domain::rules::id;
use domain::time::AsOf;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// A row of the site registry, with occupancy, consultant and open site obligations.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteRow {
    pub site: String,
    pub municipality: String,
    pub name: String,
    pub site_type: String,
    /// `approved`, `expired`, `revoked`, `not_approved` (domain::supervision::ApprovalState).
    pub approval: String,
    pub approved_from: Option<String>,
    pub approved_until: Option<String>,
    pub revoked_on: Option<String>,
    pub places: Option<i64>,
    pub target_group: Option<String>,
    pub approved_by: Option<String>,
    pub basic_course_on: Option<String>,
    pub last_training: Option<String>,
    pub training_hours: f64,
    pub last_supervision: Option<String>,
    pub last_operational: Option<String>,
    /// Latest accounts: (year, revenue, costs, equity).
    pub finances: Option<(i64, f64, f64, Option<f64>)>,
    /// Children placed there now.
    pub placed: i64,
    pub consultant: Option<String>,
    /// Open site obligations (training, supervision, operational supervision) and how many are overdue.
    pub open: i64,
    pub overdue: i64,
}

/// Which sites to list.
#[derive(Debug, Clone, Default)]
pub struct SiteFilter {
    pub consultant: Option<String>,
    pub site_type: Option<String>,
    pub approval: Option<String>,
    /// Only sites with an overdue training / supervision / operational-supervision obligation.
    pub behind_only: bool,
    pub site: Option<String>,
}

/// A child placed at a site now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedChild {
    pub child: String,
    pub site: String,
    pub placement: String,
    pub placement_type: String,
    pub placed_since: Option<String>,
    pub birth_date: Option<String>,
}

/// A planned personal supervision visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitPlan {
    pub id: String,
    pub child: String,
    pub placement: String,
    pub planned_for: NaiveDate,
    pub planned_by: String,
    pub created_on: NaiveDate,
    /// When the plan was made (Unix time).
    pub created_ts: i64,
}

/// A personal supervision visit held (journal event `supervision_visit`).
#[derive(Debug, Clone, PartialEq)]
pub struct VisitHeld {
    pub child: String,
    pub placement: String,
    pub date: NaiveDate,
    pub child_spoken_to: bool,
    pub without_carers: bool,
    pub child_view: Option<String>,
    pub recorded_by: String,
    /// When the visit was recorded (Unix time).
    pub recorded_ts: i64,
}

/// A danger signal with its reaction.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRow {
    pub signal: String,
    pub child: Option<String>,
    pub site: Option<String>,
    pub placement: Option<String>,
    pub kind: Option<String>,
    pub source: Option<String>,
    pub severity: Option<String>,
    pub raised: NaiveDate,
    pub recorded_by: String,
    /// The reaction deadline (policy danger-signal-reaction) and its status now.
    pub due: Option<String>,
    pub status: Option<Status>,
    /// The first reaction: date, action (personal data: shown only to those who may see it), passed on.
    pub handled: Option<NaiveDate>,
    pub action: Option<String>,
    pub socialtilsyn_notified: bool,
}

/// Which signals to list.
#[derive(Debug, Clone, Default)]
pub struct SignalFilter {
    pub sites: Option<Vec<String>>,
    pub site: Option<String>,
    /// Only signals without a reaction.
    pub open_only: bool,
    /// Raised in this year.
    pub year: Option<i32>,
}

fn rfc3339_ts(s: &str, what: &str) -> Result<i64, StoreError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.timestamp()).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Marks a change of plans or assignments (see [`Store::work_version`]).
const BUMP: &str = "UPDATE work_version SET n = n + 1 WHERE id = 1";

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

fn site_row(r: &AnyRow) -> Result<SiteRow, StoreError> {
    let num = |name: &str| -> Result<Option<f64>, StoreError> {
        let t: Option<String> = col(r, name)?;
        t.map(|t| t.parse::<f64>().map_err(|e| StoreError::Corrupt(format!("rm_site.{name}: {e}")))).transpose()
    };
    let year: Option<i64> = col(r, "finance_year")?;
    let revenue = num("revenue_dkk")?;
    let costs = num("costs_dkk")?;
    Ok(SiteRow {
        site: col(r, "site")?,
        municipality: col(r, "municipality")?,
        name: col(r, "name")?,
        site_type: col(r, "site_type")?,
        approval: col(r, "approval")?,
        approved_from: col(r, "approved_from")?,
        approved_until: col(r, "approved_until")?,
        revoked_on: col(r, "revoked_on")?,
        places: col(r, "places")?,
        target_group: col(r, "target_group")?,
        approved_by: col(r, "approved_by")?,
        basic_course_on: col(r, "basic_course_on")?,
        last_training: col(r, "last_training")?,
        training_hours: num("training_hours")?.unwrap_or(0.0),
        last_supervision: col(r, "last_supervision")?,
        last_operational: col(r, "last_operational")?,
        finances: match (year, revenue, costs) {
            (Some(y), Some(rv), Some(c)) => Some((y, rv, c, num("equity_dkk")?)),
            _ => None,
        },
        placed: col(r, "placed")?,
        consultant: col(r, "consultant")?,
        open: 0,
        overdue: 0,
    })
}

impl Store {
    /// The site registry: sites with occupancy, consultant and open/overdue site obligations, by name.
    pub async fn site_registry(&self, f: &SiteFilter, now: DateTime<Utc>) -> Result<Vec<SiteRow>, StoreError> {
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut p = 1;
        let mut add = |cond: &str, v: &str, conds: &mut Vec<String>, binds: &mut Vec<String>| {
            conds.push(cond.replace('?', &format!("${p}")));
            binds.push(v.to_string());
            p += 1;
        };
        if let Some(c) = &f.consultant {
            add("a.consultant = ?", c, &mut conds, &mut binds);
        }
        if let Some(t) = &f.site_type {
            add("s.site_type = ?", t, &mut conds, &mut binds);
        }
        if let Some(a) = &f.approval {
            add("s.approval = ?", a, &mut conds, &mut binds);
        }
        if let Some(s) = &f.site {
            add("s.site = ?", s, &mut conds, &mut binds);
        }
        let filter = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        let sql = format!(
            "SELECT s.*, a.consultant, (SELECT COUNT(*) FROM rm_child c WHERE c.site = s.site) AS placed \
             FROM rm_site s LEFT JOIN site_assignment a ON a.site = s.site{filter} ORDER BY s.name, s.site"
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut out: Vec<SiteRow> = rows.iter().map(site_row).collect::<Result<_, _>>()?;
        // Open site obligations per site, by the read model's unit index (only the sites listed).
        let mut counts: HashMap<String, (i64, i64)> = HashMap::new();
        for chunk in out.chunks(500) {
            let keys: Vec<String> = chunk.iter().map(|s| format!("site:{}", s.site)).collect();
            let sql = format!(
                "SELECT unit, COUNT(*) AS open, SUM(CASE WHEN due_ts < $1 THEN 1 ELSE 0 END) AS overdue \
                 FROM rm_obligation WHERE unit IN ({}) AND fulfilled = 'open' GROUP BY unit",
                placeholders(2, keys.len())
            );
            let mut q = sqlx::query(&sql).bind(now.timestamp());
            for k in &keys {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                let unit: String = col(&r, "unit")?;
                let overdue: Option<i64> = col(&r, "overdue")?;
                counts.insert(unit.trim_start_matches("site:").to_string(), (col(&r, "open")?, overdue.unwrap_or(0)));
            }
        }
        for s in &mut out {
            let (open, overdue) = counts.get(&s.site).copied().unwrap_or((0, 0));
            s.open = open;
            s.overdue = overdue;
        }
        if f.behind_only {
            out.retain(|s| s.overdue > 0);
        }
        Ok(out)
    }

    /// One site of the registry.
    pub async fn site(&self, site: &str, now: DateTime<Utc>) -> Result<Option<SiteRow>, StoreError> {
        let f = SiteFilter { site: Some(site.to_string()), ..SiteFilter::default() };
        Ok(self.site_registry(&f, now).await?.into_iter().next())
    }

    /// Open obligations (due and overdue) of the given sites' units — site rules whose trigger names no child —
    /// and of the children placed there for `child_rules`.
    pub async fn open_obligations_for(
        &self,
        sites: &[String],
        children: &[String],
        child_rules: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Vec<ObligationRow>, StoreError> {
        let mut out = Vec::new();
        for chunk in sites.chunks(500) {
            let keys: Vec<String> = chunk.iter().map(|s| format!("site:{s}")).collect();
            let sql = format!(
                "SELECT {OBLIGATION_COLS} FROM rm_obligation WHERE unit IN ({}) AND fulfilled = 'open'",
                placeholders(1, keys.len())
            );
            let mut q = sqlx::query(&sql);
            for k in &keys {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(obligation_row(&r, now)?);
            }
        }
        if !child_rules.is_empty() {
            for chunk in children.chunks(400) {
                let sql = format!(
                    "SELECT {OBLIGATION_COLS} FROM rm_obligation \
                     WHERE fulfilled = 'open' AND child IN ({}) AND rule IN ({})",
                    placeholders(1, chunk.len()),
                    placeholders(1 + chunk.len(), child_rules.len())
                );
                let mut q = sqlx::query(&sql);
                for c in chunk {
                    q = q.bind(c);
                }
                for r in child_rules {
                    q = q.bind(*r);
                }
                for r in q.fetch_all(self.pool()).await? {
                    out.push(obligation_row(&r, now)?);
                }
            }
        }
        out.sort_by(|a, b| a.due_ts.cmp(&b.due_ts).then(a.rule.cmp(&b.rule)).then(a.subject.cmp(&b.subject)));
        Ok(out)
    }

    /// The children placed at the given sites now.
    pub async fn placed_at(&self, sites: &[String]) -> Result<Vec<PlacedChild>, StoreError> {
        let mut out = Vec::new();
        for chunk in sites.chunks(500) {
            let sql = format!(
                "SELECT child, site, placement, placement_type, placed_since, birth_date FROM rm_child \
                 WHERE site IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for s in chunk {
                q = q.bind(s);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(PlacedChild {
                    child: col(&r, "child")?,
                    site: col(&r, "site")?,
                    placement: col::<Option<String>>(&r, "placement")?.unwrap_or_default(),
                    placement_type: col::<Option<String>>(&r, "placement_type")?.unwrap_or_default(),
                    placed_since: col(&r, "placed_since")?,
                    birth_date: col(&r, "birth_date")?,
                });
            }
        }
        out.sort_by(|a, b| a.site.cmp(&b.site).then(a.child.cmp(&b.child)));
        Ok(out)
    }

    /// Make a consultant responsible for a site (replaces the previous one).
    pub async fn assign_site(&self, site: &str, consultant: &str, actor: &Actor) -> Result<(), StoreError> {
        self.assign_sites(&[(site.to_string(), consultant.to_string())], actor).await
    }

    /// Assign many sites at once (demo data, reorganisations).
    pub async fn assign_sites(&self, pairs: &[(String, String)], actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for chunk in pairs.chunks(200) {
            let sql = format!("DELETE FROM site_assignment WHERE site IN ({})", placeholders(1, chunk.len()));
            let mut q = sqlx::query(&sql);
            for (s, _) in chunk {
                q = q.bind(s);
            }
            q.execute(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO site_assignment (site, consultant, assigned_at, assigned_by) VALUES {}",
                crate::values_list(self.backend(), chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for (s, c) in chunk {
                q = q.bind(s).bind(c).bind(actor.now.to_rfc3339()).bind(&actor.user);
            }
            q.execute(&mut *tx).await?;
        }
        sqlx::query(BUMP).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The journal head and the version of plans and assignments: a worklist computed at the same pair is current.
    pub async fn work_version(&self) -> Result<(i64, i64), StoreError> {
        let r =
            sqlx::query("SELECT (SELECT seq FROM chain_head WHERE id = 1) AS head, n FROM work_version WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        Ok((col(&r, "head")?, col(&r, "n")?))
    }

    /// The consultant responsible for each assigned site.
    pub async fn site_consultants(&self) -> Result<HashMap<String, String>, StoreError> {
        let rows = sqlx::query("SELECT site, consultant FROM site_assignment").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((col(r, "site")?, col(r, "consultant")?))).collect()
    }

    /// Plan a personal supervision visit. Returns the plan's id.
    pub async fn plan_visit(
        &self,
        child: &str,
        placement: &str,
        planned_for: NaiveDate,
        actor: &Actor,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO visit_plan (id, child, placement, planned_for, planned_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(child)
        .bind(placement)
        .bind(planned_for.to_string())
        .bind(&actor.user)
        .bind(actor.now.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        sqlx::query(BUMP).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Cancel a planned visit (kept, marked cancelled). Returns whether a plan of that child was cancelled.
    pub async fn cancel_visit_plan(&self, id: &str, child: &str, actor: &Actor) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let r = sqlx::query(
            "UPDATE visit_plan SET cancelled_at = $1, cancelled_by = $2 \
             WHERE id = $3 AND child = $4 AND cancelled_at IS NULL",
        )
        .bind(actor.now.to_rfc3339())
        .bind(&actor.user)
        .bind(id)
        .bind(child)
        .execute(&mut *tx)
        .await?;
        sqlx::query(BUMP).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// The planned (not cancelled) visits of some children, by date.
    pub async fn visit_plans(&self, children: &[String]) -> Result<Vec<VisitPlan>, StoreError> {
        let mut out = Vec::new();
        for chunk in children.chunks(500) {
            let sql = format!(
                "SELECT id, child, placement, planned_for, planned_by, created_at FROM visit_plan \
                 WHERE cancelled_at IS NULL AND child IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q.bind(c);
            }
            for r in q.fetch_all(self.pool()).await? {
                let planned: String = col(&r, "planned_for")?;
                let created: String = col(&r, "created_at")?;
                let created_ts = rfc3339_ts(&created, "visit_plan.created_at")?;
                let created_on =
                    domain::calendar::local_date(DateTime::from_timestamp(created_ts, 0).unwrap_or_default());
                out.push(VisitPlan {
                    id: col(&r, "id")?,
                    child: col(&r, "child")?,
                    placement: col(&r, "placement")?,
                    planned_for: planned
                        .parse()
                        .map_err(|e| StoreError::Corrupt(format!("visit_plan.planned_for: {e}")))?,
                    planned_by: col(&r, "planned_by")?,
                    created_on,
                    created_ts,
                });
            }
        }
        out.sort_by(|a, b| a.planned_for.cmp(&b.planned_for).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Stored events matching a filter on `journal j`, corrections known now applied.
    async fn events_where(&self, filter: &str, binds: &[String]) -> Result<Vec<StoredEvent>, StoreError> {
        // No ORDER BY: SQLite would pick an index for the order over the one for the filter; sorted below.
        let sql = format!("{SELECT_STORED} WHERE {filter}");
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let mut stored: Vec<StoredEvent> =
            q.fetch_all(self.pool()).await?.iter().map(stored_from_row).collect::<Result<_, _>>()?;
        let corrections = self.corrections_of(&stored).await?;
        stored.extend(corrections);
        stored.sort_by_key(|e| e.seq);
        Ok(stored)
    }

    /// The correction events of some stored events.
    async fn corrections_of(&self, stored: &[StoredEvent]) -> Result<Vec<StoredEvent>, StoreError> {
        let ids: Vec<&str> = stored.iter().map(|e| e.event_id.as_str()).collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "{SELECT_STORED} WHERE j.event_type = 'correction' AND j.object IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for b in chunk {
                q = q.bind(*b);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(stored_from_row(&r)?);
            }
        }
        Ok(out)
    }

    /// Corrected events of `stored`, each with its stored row (who recorded it, when); corrections left out.
    fn corrected(stored: &[StoredEvent], now: DateTime<Utc>) -> Result<Vec<(Event, &StoredEvent)>, StoreError> {
        let events = engine_events(stored, AsOf::end_of(domain::calendar::local_date(now)))?;
        Ok(events.into_iter().zip(stored).filter(|(e, _)| !matches!(e.body, Body::Correction(_))).collect())
    }

    /// A site's events (its own and the placements there), corrections applied, oldest first.
    pub async fn site_events(&self, site: &str, now: DateTime<Utc>) -> Result<Vec<(Event, String)>, StoreError> {
        let stored = self.events_where("j.site = $1", &[site.to_string()]).await?;
        Ok(Self::corrected(&stored, now)?.into_iter().map(|(e, s)| (e, s.recorded_by.clone())).collect())
    }

    /// The personal supervision visits held for some children, oldest first.
    pub async fn visits_held(&self, children: &[String], now: DateTime<Utc>) -> Result<Vec<VisitHeld>, StoreError> {
        let mut out = Vec::new();
        for chunk in children.chunks(400) {
            let filter =
                format!("j.event_type = 'supervision_visit' AND j.child IN ({})", placeholders(1, chunk.len()));
            let stored = self.events_where(&filter, chunk).await?;
            for (e, row) in Self::corrected(&stored, now)? {
                if let Body::SupervisionVisit { placement, child_spoken_to, without_carers, child_view } = e.body {
                    out.push(VisitHeld {
                        child: e.child.map(|c| c.to_string()).unwrap_or_default(),
                        placement: placement.to_string(),
                        date: e.at.date(),
                        child_spoken_to,
                        without_carers,
                        child_view,
                        recorded_by: row.recorded_by.clone(),
                        recorded_ts: rfc3339_ts(&row.recorded_at, "journal.recorded_at")?,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.date.cmp(&b.date).then(a.child.cmp(&b.child)));
        Ok(out)
    }

    /// Danger signals with their reaction deadline and first reaction, newest first.
    pub async fn signals(&self, f: &SignalFilter, now: DateTime<Utc>) -> Result<Vec<SignalRow>, StoreError> {
        let mut binds: Vec<String> = Vec::new();
        let mut filter = "j.event_type = 'danger_signal'".to_string();
        if let Some(s) = &f.site {
            filter.push_str(" AND j.site = $1");
            binds.push(s.clone());
        }
        if let Some(sites) = &f.sites {
            if sites.is_empty() {
                return Ok(Vec::new());
            }
            filter.push_str(&format!(" AND j.site IN ({})", placeholders(binds.len() + 1, sites.len())));
            binds.extend(sites.iter().cloned());
        }
        let raised = self.events_where(&filter, &binds).await?;
        let signal_ids: Vec<String> = raised
            .iter()
            .filter_map(|s| match &s.event.body {
                Body::DangerSignal(d) => Some(d.signal.to_string()),
                _ => None,
            })
            .collect();
        let unit_of: HashMap<String, Option<String>> = raised
            .iter()
            .filter_map(|s| match &s.event.body {
                Body::DangerSignal(d) => Some((d.signal.to_string(), s.event.child.as_ref().map(|c| c.to_string()))),
                _ => None,
            })
            .collect();
        let mut handled: Vec<StoredEvent> = Vec::new();
        let mut due: HashMap<String, (String, i64, String)> = HashMap::new();
        for chunk in signal_ids.chunks(400) {
            let filter =
                format!("j.event_type = 'danger_signal_handled' AND j.object IN ({})", placeholders(1, chunk.len()));
            handled.extend(self.events_where(&filter, chunk).await?);
            // By the read model's unit (the child's, or the signal's own when it names no child): indexed.
            let units: std::collections::BTreeSet<String> = chunk
                .iter()
                .map(|sig| match unit_of.get(sig.as_str()) {
                    Some(Some(child)) => format!("child:{child}"),
                    _ => format!("signal:{sig}"),
                })
                .collect();
            let sql = format!(
                "SELECT subject, due, due_ts, fulfilled FROM rm_obligation WHERE rule = $1 AND unit IN ({})",
                placeholders(2, units.len())
            );
            let mut q = sqlx::query(&sql).bind(id::SIGNAL_REACTION);
            for u in &units {
                q = q.bind(u);
            }
            for r in q.fetch_all(self.pool()).await? {
                due.insert(col(&r, "subject")?, (col(&r, "due")?, col(&r, "due_ts")?, col(&r, "fulfilled")?));
            }
        }
        let handled = Self::corrected(&handled, now)?;
        let mut out = Vec::new();
        for (e, row) in Self::corrected(&raised, now)? {
            let by = row.recorded_by.clone();
            let Body::DangerSignal(d) = &e.body else { continue };
            if f.year.is_some_and(|y| chrono::Datelike::year(&e.at.date()) != y) {
                continue;
            }
            let mut first: Option<(NaiveDate, Option<String>)> = None;
            let mut notified = false;
            for (h, _) in &handled {
                if let Body::DangerSignalHandled { signal, action, socialtilsyn_notified } = &h.body {
                    if *signal == d.signal {
                        notified |= *socialtilsyn_notified;
                        if first.as_ref().is_none_or(|(fd, _)| h.at.date() < *fd) {
                            first = Some((h.at.date(), action.clone()));
                        }
                    }
                }
            }
            if f.open_only && first.is_some() {
                continue;
            }
            let d_row = due.get(d.signal.as_str());
            out.push(SignalRow {
                signal: d.signal.to_string(),
                child: e.child.as_ref().map(|c| c.to_string()),
                site: d.site.as_ref().map(|s| s.to_string()),
                placement: d.placement.as_ref().map(|s| s.to_string()),
                kind: d.kind.clone(),
                source: d.source.map(|s| s.as_str().to_string()),
                severity: d.severity.map(|s| s.as_str().to_string()),
                raised: e.at.date(),
                recorded_by: by,
                due: d_row.map(|x| x.0.clone()),
                status: d_row.map(|x| status_at_ts(&x.2, x.1, now.timestamp())),
                handled: first.as_ref().map(|x| x.0),
                action: first.and_then(|x| x.1),
                socialtilsyn_notified: notified,
            });
        }
        out.sort_by(|a, b| b.raised.cmp(&a.raised).then(a.signal.cmp(&b.signal)));
        Ok(out)
    }

    /// How many danger signals have passed their reaction deadline without a reaction (escalated to the leaders).
    pub async fn escalated_signals(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM rm_obligation WHERE fulfilled = 'open' AND due_ts < $1 AND rule = $2",
        )
        .bind(now.timestamp())
        .bind(id::SIGNAL_REACTION)
        .fetch_one(self.pool())
        .await?;
        col(&r, "n")
    }

    /// Every event of a municipality — recorded there, or of a site its children are placed at — with the
    /// corrections known at `as_of` applied (corrections left out), for the council report.
    /// `types` limits the events read (empty: all); corrections of the events read are always included.
    pub async fn municipality_events(
        &self,
        municipality: &str,
        as_of: AsOf,
        types: &[domain::event::EventType],
    ) -> Result<Vec<Event>, StoreError> {
        let mut stored = Vec::new();
        let mut after = 0i64;
        let type_filter = if types.is_empty() {
            String::new()
        } else {
            format!(
                " AND j.event_type IN ({})",
                types.iter().map(|t| format!("'{}'", t.as_str())).collect::<Vec<_>>().join(", ")
            )
        };
        loop {
            let rows = sqlx::query(&format!(
                "{SELECT_STORED} WHERE j.municipality = $1 AND j.seq > $2{type_filter} ORDER BY j.seq LIMIT 50000"
            ))
            .bind(municipality)
            .bind(after)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = rows.last() else { break };
            after = col(last, "seq")?;
            for r in &rows {
                stored.push(stored_from_row(r)?);
            }
        }
        if !types.is_empty() {
            // Corrections of the events read (the full load has them already).
            let corrections = self.corrections_of(&stored).await?;
            stored.extend(corrections);
        }
        // Events of the municipality's own sites recorded without a child (they carry the store's default). Events
        // with a child belong to that child's municipality: other municipalities' children are not in this report.
        let own_sites = self
            .events_where(
                "j.municipality <> $1 AND j.child IS NULL AND j.site IN (SELECT site FROM rm_site WHERE municipality = $1)",
                &[municipality.to_string()],
            )
            .await?;
        stored.extend(own_sites);
        stored.sort_by_key(|e| e.seq);
        stored.dedup_by_key(|e| e.seq);
        // Reactions to its signals recorded without a child or site.
        let signals: Vec<String> = stored
            .iter()
            .filter_map(|s| match &s.event.body {
                Body::DangerSignal(d) => Some(d.signal.to_string()),
                _ => None,
            })
            .collect();
        for chunk in signals.chunks(400) {
            let filter = format!(
                "j.event_type = 'danger_signal_handled' AND j.object IN ({}) AND j.municipality <> ${}",
                placeholders(1, chunk.len()),
                chunk.len() + 1
            );
            let mut binds = chunk.to_vec();
            binds.push(municipality.to_string());
            stored.extend(self.events_where(&filter, &binds).await?);
        }
        // Sites used by the municipality's children but recorded elsewhere.
        let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut used: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for s in &stored {
            match &s.event.body {
                Body::SiteRegistered { site, .. } => {
                    known.insert(site.to_string());
                }
                Body::PlacementStarted { site, .. } => {
                    used.insert(site.to_string());
                }
                _ => {}
            }
        }
        let foreign: Vec<String> = used.into_iter().filter(|s| !known.contains(s)).collect();
        for chunk in foreign.chunks(400) {
            let filter = format!(
                "j.site IN ({}) AND j.municipality <> ${} AND j.child IS NULL",
                placeholders(1, chunk.len()),
                chunk.len() + 1
            );
            let mut binds = chunk.to_vec();
            binds.push(municipality.to_string());
            stored.extend(self.events_where(&filter, &binds).await?);
        }
        stored.sort_by_key(|e| e.seq);
        stored.dedup_by_key(|e| e.seq);
        let events = engine_events(&stored, as_of)?;
        Ok(events.into_iter().filter(|e| !matches!(e.body, Body::Correction(_))).collect())
    }
}
