//! Read queries behind the caseworkers' and leaders' pages: a child's case state, caseloads, open obligations,
//! compliance over time, workload, drill-down lists, and the children's names and CPR numbers for lists and search.

use crate::projection::ObligationRow;
use crate::{col, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::obligation::Status;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// A child's case as the read models know it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseState {
    pub child: String,
    pub municipality: String,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub placement: Option<String>,
    pub site: Option<String>,
    pub placement_type: Option<String>,
    pub placed_since: Option<String>,
    pub open_interventions: i64,
    pub last_event_at: Option<String>,
    pub events: i64,
    pub caseworker: Option<String>,
    pub team: Option<String>,
    pub closed_on: Option<String>,
}

/// Name and CPR number of a child (personal data; absent once erased).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub name: Option<String>,
    pub cpr: Option<String>,
}

/// An obligation in a list, with the case's caseworker and team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObligation {
    pub obligation: ObligationRow,
    pub caseworker: Option<String>,
    pub team: Option<String>,
}

/// Which obligations a list shows.
#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    pub caseworker: Option<String>,
    pub team: Option<String>,
    pub rule: Option<String>,
    pub status: Option<Status>,
    /// Only obligations due in this calendar month (`YYYY-MM`).
    pub month: Option<String>,
    /// Only obligations due before this instant (for "due this week and next").
    pub due_before: Option<i64>,
    /// Only open obligations (due and overdue).
    pub open_only: bool,
    pub limit: i64,
}

/// Compliance counts of one rule in one month (by due date).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonthCounts {
    pub rule: String,
    pub month: String,
    pub met: i64,
    pub late: i64,
    pub due: i64,
    pub overdue: i64,
}

/// One caseworker's load.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Workload {
    pub caseworker: String,
    pub children: i64,
    pub placed: i64,
    pub due: i64,
    pub overdue: i64,
}

const CASE_SELECT: &str = "SELECT c.child, c.municipality, c.birth_date, c.gender, c.placement, c.site, \
    c.placement_type, c.placed_since, c.open_interventions, c.last_event_at, c.events, a.caseworker, a.team, \
    k.closed_on FROM rm_child c LEFT JOIN case_assignment a ON a.child = c.child \
    LEFT JOIN case_closure k ON k.child = c.child";

fn case_from(r: &AnyRow) -> Result<CaseState, StoreError> {
    Ok(CaseState {
        child: col(r, "child")?,
        municipality: col(r, "municipality")?,
        birth_date: col(r, "birth_date")?,
        gender: col(r, "gender")?,
        placement: col(r, "placement")?,
        site: col(r, "site")?,
        placement_type: col(r, "placement_type")?,
        placed_since: col(r, "placed_since")?,
        open_interventions: col(r, "open_interventions")?,
        last_event_at: col(r, "last_event_at")?,
        events: col(r, "events")?,
        caseworker: col(r, "caseworker")?,
        team: col(r, "team")?,
        closed_on: col(r, "closed_on")?,
    })
}

fn status_sql(status: Status, now_param: &str) -> String {
    match status {
        Status::Met => "o.fulfilled = 'met'".into(),
        Status::Late => "o.fulfilled = 'late'".into(),
        Status::Due => format!("o.fulfilled = 'open' AND o.due_ts >= {now_param}"),
        Status::Overdue => format!("o.fulfilled = 'open' AND o.due_ts < {now_param}"),
    }
}

fn obligation_from(r: &AnyRow, now: i64) -> Result<ObligationRow, StoreError> {
    let fulfilled: String = col(r, "fulfilled")?;
    let due_ts: i64 = col(r, "due_ts")?;
    let status = crate::projection::status_at_ts(&fulfilled, due_ts, now);
    Ok(ObligationRow {
        child: col(r, "child")?,
        municipality: col(r, "municipality")?,
        rule: col(r, "rule")?,
        law: col(r, "law")?,
        subject: col(r, "subject")?,
        due: col(r, "due")?,
        due_ts,
        status,
        met_at: col(r, "met_at")?,
    })
}

impl Store {
    /// A child's case state; `None` for a child the journal does not know.
    pub async fn case_state(&self, child: &str) -> Result<Option<CaseState>, StoreError> {
        let row =
            sqlx::query(&format!("{CASE_SELECT} WHERE c.child = $1")).bind(child).fetch_optional(self.pool()).await?;
        row.as_ref().map(case_from).transpose()
    }

    /// The cases of a caseworker (or, with `team`, of a whole team), by child reference.
    pub async fn caseload(&self, caseworker: Option<&str>, team: Option<&str>) -> Result<Vec<CaseState>, StoreError> {
        let (cond, v) = match (caseworker, team) {
            (Some(c), _) => ("a.caseworker = $1", c),
            (None, Some(t)) => ("a.team = $1", t),
            (None, None) => return Ok(Vec::new()),
        };
        let rows =
            sqlx::query(&format!("{CASE_SELECT} WHERE {cond} ORDER BY c.child")).bind(v).fetch_all(self.pool()).await?;
        rows.iter().map(case_from).collect()
    }

    /// Every case assignment: child → (team, caseworker). For aggregates by team (economy, effect).
    pub async fn assignments(&self) -> Result<Vec<(String, Option<String>, Option<String>)>, StoreError> {
        let rows = sqlx::query("SELECT child, team, caseworker FROM case_assignment").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((col(r, "child")?, col(r, "team")?, col(r, "caseworker")?))).collect()
    }

    /// Obligations across cases, filtered, in due order (open ones first when no status is asked for).
    pub async fn obligation_list(
        &self,
        f: &ObligationFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<ListedObligation>, StoreError> {
        let now_ts = now.timestamp();
        // A caseworker's or team's list starts from their cases (a few dozen children) and looks up each child's
        // obligations; CROSS JOIN fixes that order in SQLite (PostgreSQL plans it the same way by itself).
        let from = if f.caseworker.is_some() || f.team.is_some() {
            "FROM case_assignment a CROSS JOIN rm_obligation o WHERE o.child = a.child"
        } else {
            "FROM rm_obligation o LEFT JOIN case_assignment a ON a.child = o.child WHERE 1 = 1"
        };
        let mut sql = format!(
            "SELECT o.child, o.municipality, o.rule, o.law, o.subject, o.due, o.due_ts, o.fulfilled, o.met_at, \
             a.caseworker, a.team {from}"
        );
        let mut binds: Vec<String> = Vec::new();
        let mut n = 1; // $1 is now
        let mut bind = |binds: &mut Vec<String>, v: &str| {
            n += 1;
            binds.push(v.to_string());
            format!("${n}")
        };
        if let Some(c) = &f.caseworker {
            sql.push_str(&format!(" AND a.caseworker = {}", bind(&mut binds, c)));
        }
        if let Some(t) = &f.team {
            sql.push_str(&format!(" AND a.team = {}", bind(&mut binds, t)));
        }
        if let Some(r) = &f.rule {
            sql.push_str(&format!(" AND o.rule = {}", bind(&mut binds, r)));
        }
        if let Some(m) = &f.month {
            sql.push_str(&format!(" AND substr(o.due, 1, 7) = {}", bind(&mut binds, m)));
        }
        match f.status {
            Some(s) => sql.push_str(&format!(" AND {}", status_sql(s, "$1"))),
            // Without a status: every obligation (but `$1` must still be used once for PostgreSQL's typing).
            None => sql.push_str(" AND $1 = $1"),
        }
        if let Some(b) = f.due_before {
            sql.push_str(&format!(" AND o.due_ts < {b}"));
        }
        if f.open_only {
            sql.push_str(" AND o.fulfilled = 'open'");
        }
        sql.push_str(&format!(" ORDER BY o.due_ts, o.child, o.rule, o.subject LIMIT {}", f.limit.clamp(1, 100_000)));
        let mut q = sqlx::query(&sql).bind(now_ts);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(ListedObligation {
                    obligation: obligation_from(r, now_ts)?,
                    caseworker: col(r, "caseworker")?,
                    team: col(r, "team")?,
                })
            })
            .collect()
    }

    /// Met / late / due / overdue per rule and month of the due date, from `from_month` (`YYYY-MM`) on.
    pub async fn compliance_by_month(
        &self,
        team: Option<&str>,
        from_month: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<MonthCounts>, StoreError> {
        // A team's figures start from its cases; the municipality's need no join at all.
        let (from, team_cond) = if team.is_some() {
            ("case_assignment a CROSS JOIN rm_obligation o", " AND o.child = a.child AND a.team = $3")
        } else {
            ("rm_obligation o", "")
        };
        let sql = format!(
            "SELECT o.rule AS rule, substr(o.due, 1, 7) AS month, \
             SUM(CASE WHEN o.fulfilled = 'met' THEN 1 ELSE 0 END) AS met, \
             SUM(CASE WHEN o.fulfilled = 'late' THEN 1 ELSE 0 END) AS late, \
             SUM(CASE WHEN o.fulfilled = 'open' AND o.due_ts >= $1 THEN 1 ELSE 0 END) AS due, \
             SUM(CASE WHEN o.fulfilled = 'open' AND o.due_ts < $1 THEN 1 ELSE 0 END) AS overdue \
             FROM {from} WHERE substr(o.due, 1, 7) >= $2{team_cond} \
             GROUP BY o.rule, substr(o.due, 1, 7) ORDER BY o.rule, substr(o.due, 1, 7)"
        );
        let mut q = sqlx::query(&sql).bind(now.timestamp()).bind(from_month);
        if let Some(t) = team {
            q = q.bind(t);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(MonthCounts {
                    rule: col(r, "rule")?,
                    month: col(r, "month")?,
                    met: col(r, "met")?,
                    late: col(r, "late")?,
                    due: col(r, "due")?,
                    overdue: col(r, "overdue")?,
                })
            })
            .collect()
    }

    /// Children, placed children and open obligations per caseworker (of a team, or of the municipality).
    pub async fn workload(&self, team: Option<&str>, now: DateTime<Utc>) -> Result<Vec<Workload>, StoreError> {
        let team_cond = if team.is_some() { "WHERE a.team = $2" } else { "WHERE $2 = $2" };
        // Open obligations are counted per child first (one pass), then summed per caseworker.
        let sql = format!(
            "SELECT COALESCE(a.caseworker, '') AS caseworker, COUNT(*) AS children, \
             CAST(SUM(CASE WHEN c.placement IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS placed, \
             CAST(SUM(COALESCE(x.due, 0)) AS BIGINT) AS due, CAST(SUM(COALESCE(x.overdue, 0)) AS BIGINT) AS overdue \
             FROM case_assignment a JOIN rm_child c ON c.child = a.child \
             LEFT JOIN (SELECT o.child, SUM(CASE WHEN o.due_ts >= $1 THEN 1 ELSE 0 END) AS due, \
                        SUM(CASE WHEN o.due_ts < $1 THEN 1 ELSE 0 END) AS overdue \
                        FROM rm_obligation o WHERE o.fulfilled = 'open' GROUP BY o.child) x ON x.child = a.child \
             {team_cond} GROUP BY COALESCE(a.caseworker, '') ORDER BY COALESCE(a.caseworker, '')"
        );
        let rows = sqlx::query(&sql).bind(now.timestamp()).bind(team.unwrap_or("")).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(Workload {
                    caseworker: col(r, "caseworker")?,
                    children: col(r, "children")?,
                    placed: col(r, "placed")?,
                    due: col(r, "due")?,
                    overdue: col(r, "overdue")?,
                })
            })
            .collect()
    }

    /// Names and CPR numbers of the given children, from their registrations (erased ones are absent).
    pub async fn people(&self, children: &[&str]) -> Result<HashMap<String, Person>, StoreError> {
        let mut out = HashMap::new();
        for chunk in children.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT j.child, p.data FROM journal j JOIN journal_personal p ON p.event_id = j.event_id \
                 WHERE j.event_type = 'child_registered' AND j.child IN ({}) ORDER BY j.seq",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q.bind(*c);
            }
            for r in q.fetch_all(self.pool()).await? {
                let child: String = col(&r, "child")?;
                let data: Option<String> = col(&r, "data")?;
                out.insert(child, person_of(data.as_deref()));
            }
        }
        Ok(out)
    }

    /// Every registered child's name and CPR number (for search; the web layer matches and access-checks).
    pub async fn all_people(&self) -> Result<Vec<(String, Person)>, StoreError> {
        let rows = sqlx::query(
            "SELECT j.child, p.data FROM journal j JOIN journal_personal p ON p.event_id = j.event_id \
             WHERE j.event_type = 'child_registered' ORDER BY j.seq",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let data: Option<String> = col(r, "data")?;
                Ok((col(r, "child")?, person_of(data.as_deref())))
            })
            .collect()
    }

    /// Children that have no case assignment yet.
    pub async fn unassigned_children(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.child FROM rm_child c LEFT JOIN case_assignment a ON a.child = c.child \
             WHERE a.child IS NULL ORDER BY c.child",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| col(r, "child")).collect()
    }

    /// Assign many cases in one transaction (demo data and bulk re-routing).
    pub async fn assign_many(
        &self,
        rows: &[(String, Option<String>, Option<String>)],
        actor: &crate::Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let now = actor.now.to_rfc3339();
        for chunk in rows.chunks(200) {
            let keys: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let del_sql = format!("DELETE FROM case_assignment WHERE child IN ({})", keys.join(", "));
            let mut del = sqlx::query(&del_sql);
            for (c, _, _) in chunk {
                del = del.bind(c);
            }
            del.execute(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO case_assignment (child, caseworker, team, assigned_at, assigned_by) VALUES {}",
                crate::values_list(self.backend(), chunk.len(), 5)
            );
            let mut q = sqlx::query(&sql);
            for (c, w, t) in chunk {
                q = q.bind(c).bind(w).bind(t).bind(&now).bind(&actor.user);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn person_of(data: Option<&str>) -> Person {
    let Some(d) = data else { return Person::default() };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(d) else {
        return Person::default();
    };
    Person {
        name: m.get("name").and_then(|v| v.as_str()).map(str::to_string),
        cpr: m.get("cpr").and_then(|v| v.as_str()).map(str::to_string),
    }
}

impl Store {
    /// Ids and names of the registered sites (for forms), by name, from the site registry read model.
    pub async fn site_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT site, name FROM rm_site ORDER BY name, site").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((col(r, "site")?, col(r, "name")?))).collect()
    }
}

/// Everything "Mine børn" shows, read in one statement.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Open obligations (due and overdue) of the caseworker's cases due before the horizon, in due order.
    pub open: Vec<ListedObligation>,
    /// The caseworker's cases, by child reference.
    pub cases: Vec<CaseState>,
    /// Names and CPR numbers of those children.
    pub people: HashMap<String, Person>,
}

/// A case row as a JSON array (the column order of the overview's and the child view's case list).
type CaseRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn case_of_row(r: CaseRow) -> CaseState {
    let (
        child,
        municipality,
        birth_date,
        gender,
        placement,
        site,
        placement_type,
        placed_since,
        open_interventions,
        last_event_at,
        events,
        caseworker,
        team,
        closed_on,
    ) = r;
    CaseState {
        child,
        municipality,
        birth_date,
        gender,
        placement,
        site,
        placement_type,
        placed_since,
        open_interventions,
        last_event_at,
        events,
        caseworker,
        team,
        closed_on,
    }
}

fn jstr(v: &serde_json::Value, i: usize) -> Option<String> {
    v.get(i).and_then(|x| x.as_str()).map(str::to_string)
}

fn jint(v: &serde_json::Value, i: usize) -> i64 {
    v.get(i).and_then(|x| x.as_i64()).unwrap_or(0)
}

impl Store {
    /// A caseworker's overview in one round trip: the database assembles the three lists as one JSON document
    /// (rows stay in the database engine; the driver hands over a single value).
    pub async fn overview(
        &self,
        caseworker: &str,
        due_before: i64,
        now: DateTime<Utc>,
    ) -> Result<Overview, StoreError> {
        const OPEN: &str = "SELECT o.child, o.municipality, o.rule, o.law, o.subject, o.due, o.due_ts, o.fulfilled, \
            o.met_at, a.caseworker, a.team FROM case_assignment a CROSS JOIN rm_obligation o \
            WHERE o.child = a.child AND a.caseworker = $1 AND o.fulfilled = 'open' AND o.due_ts < $2";
        const CASES: &str = "SELECT c.child, c.municipality, c.birth_date, c.gender, c.placement, c.site, \
            c.placement_type, c.placed_since, c.open_interventions, c.last_event_at, c.events, a.caseworker, a.team, \
            k.closed_on FROM case_assignment a CROSS JOIN rm_child c LEFT JOIN case_closure k ON k.child = c.child \
            WHERE c.child = a.child AND a.caseworker = $1";
        const PEOPLE: &str = "SELECT j.child, p.data FROM case_assignment a CROSS JOIN journal j \
            JOIN journal_personal p ON p.event_id = j.event_id \
            WHERE j.child = a.child AND a.caseworker = $1 AND j.event_type = 'child_registered'";
        let open_cols = "s.child, s.municipality, s.rule, s.law, s.subject, s.due, s.due_ts, s.fulfilled, s.met_at, \
            s.caseworker, s.team";
        let case_cols = "s.child, s.municipality, s.birth_date, s.gender, s.placement, s.site, s.placement_type, \
            s.placed_since, s.open_interventions, s.last_event_at, s.events, s.caseworker, s.team, s.closed_on";
        let sql = match self.backend() {
            // No ORDER BY: a caseworker's few hundred rows are sorted below, which spares SQLite a temporary
            // b-tree (and glibc a large allocation) per request.
            crate::Backend::Sqlite => format!(
                "SELECT json_array(\
                 (SELECT json_group_array(json_array({open_cols})) FROM ({OPEN}) s), \
                 (SELECT json_group_array(json_array({case_cols})) FROM ({CASES}) s), \
                 (SELECT json_group_array(json_array(s.child, s.data)) FROM ({PEOPLE}) s)) AS doc"
            ),
            crate::Backend::Postgres => format!(
                "SELECT CAST(json_build_array(\
                 COALESCE((SELECT json_agg(json_build_array({open_cols})) FROM ({OPEN}) s), '[]'::json), \
                 COALESCE((SELECT json_agg(json_build_array({case_cols})) FROM ({CASES}) s), '[]'::json), \
                 COALESCE((SELECT json_agg(json_build_array(s.child, s.data)) FROM ({PEOPLE}) s), '[]'::json)) AS TEXT) AS doc"
            ),
        };
        let row = sqlx::query(&sql).bind(caseworker).bind(due_before).fetch_one(self.pool()).await?;
        let doc: String = col(&row, "doc")?;
        // Rows arrive as JSON arrays and are read straight into typed tuples (no intermediate values).
        type OpenRow = (
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        type Doc = (Vec<OpenRow>, Vec<CaseRow>, Vec<(String, Option<String>)>);
        let (open, cases, people): Doc =
            serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt(format!("oversigten kan ikke læses: {e}")))?;
        let now_ts = now.timestamp();
        let open = open
            .into_iter()
            .map(|(child, municipality, rule, law, subject, due, due_ts, _, met_at, caseworker, team)| {
                ListedObligation {
                    obligation: ObligationRow {
                        child,
                        municipality,
                        rule,
                        law,
                        subject,
                        due,
                        due_ts,
                        status: if now_ts > due_ts { Status::Overdue } else { Status::Due },
                        met_at,
                    },
                    caseworker,
                    team,
                }
            })
            .collect();
        let mut open: Vec<ListedObligation> = open;
        open.sort_by(|a, b| {
            let (a, b) = (&a.obligation, &b.obligation);
            (a.due_ts, &a.child, &a.rule, &a.subject).cmp(&(b.due_ts, &b.child, &b.rule, &b.subject))
        });
        let mut cases: Vec<CaseState> = cases.into_iter().map(case_of_row).collect();
        cases.sort_by(|a, b| a.child.cmp(&b.child));
        let people = people.into_iter().map(|(child, data)| (child, person_of(data.as_deref()))).collect();
        Ok(Overview { open, cases, people })
    }
}

/// Everything a child's page shows, read in one statement.
#[derive(Debug, Clone)]
pub struct ChildView {
    pub case: CaseState,
    pub events: Vec<crate::StoredEvent>,
    pub obligations: Vec<ObligationRow>,
}

impl Store {
    /// A child's case, journal and obligations in one round trip (`None` for an unknown child).
    pub async fn child_view(&self, child: &str, now: DateTime<Utc>) -> Result<Option<ChildView>, StoreError> {
        const CASE: &str = "SELECT c.child, c.municipality, c.birth_date, c.gender, c.placement, c.site, \
            c.placement_type, c.placed_since, c.open_interventions, c.last_event_at, c.events, a.caseworker, a.team, \
            k.closed_on FROM rm_child c LEFT JOIN case_assignment a ON a.child = c.child \
            LEFT JOIN case_closure k ON k.child = c.child WHERE c.child = $1";
        const EVENTS: &str = "SELECT j.seq, j.event_id, j.municipality, j.recorded_by, j.recorded_at, j.core, \
            j.personal_digest, j.hash, p.data, p.erased_at FROM journal j \
            LEFT JOIN journal_personal p ON p.event_id = j.event_id WHERE j.child = $1";
        const OBLIGATIONS: &str = "SELECT o.child, o.municipality, o.rule, o.law, o.subject, o.due, o.due_ts, \
            o.fulfilled, o.met_at FROM rm_obligation o WHERE o.child = $1";
        let case_cols = "s.child, s.municipality, s.birth_date, s.gender, s.placement, s.site, s.placement_type, \
            s.placed_since, s.open_interventions, s.last_event_at, s.events, s.caseworker, s.team, s.closed_on";
        let event_cols = "s.seq, s.event_id, s.municipality, s.recorded_by, s.recorded_at, s.core, s.personal_digest, \
            s.hash, s.data, s.erased_at";
        let ob_cols = "s.child, s.municipality, s.rule, s.law, s.subject, s.due, s.due_ts, s.fulfilled, s.met_at";
        let sql = match self.backend() {
            crate::Backend::Sqlite => format!(
                "SELECT json_array(\
                 (SELECT json_group_array(json_array({case_cols})) FROM ({CASE}) s), \
                 (SELECT json_group_array(json_array({event_cols})) FROM ({EVENTS} ORDER BY j.seq) s), \
                 (SELECT json_group_array(json_array({ob_cols})) FROM ({OBLIGATIONS}) s)) AS doc"
            ),
            crate::Backend::Postgres => format!(
                "SELECT CAST(json_build_array(\
                 COALESCE((SELECT json_agg(json_build_array({case_cols})) FROM ({CASE}) s), '[]'::json), \
                 COALESCE((SELECT json_agg(json_build_array({event_cols}) ORDER BY s.seq) FROM ({EVENTS}) s), '[]'::json), \
                 COALESCE((SELECT json_agg(json_build_array({ob_cols})) FROM ({OBLIGATIONS}) s), '[]'::json)) AS TEXT) AS doc"
            ),
        };
        let row = sqlx::query(&sql).bind(child).fetch_one(self.pool()).await?;
        let doc: String = col(&row, "doc")?;
        type Doc = (Vec<CaseRow>, Vec<serde_json::Value>, Vec<serde_json::Value>);
        let (cases, events, obligations): Doc =
            serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt(format!("barnets side kan ikke læses: {e}")))?;
        let Some(case) = cases.into_iter().next().map(case_of_row) else { return Ok(None) };
        let events = events
            .iter()
            .map(|v| {
                crate::journal::stored_from_parts(crate::journal::StoredParts {
                    seq: jint(v, 0),
                    event_id: jstr(v, 1).unwrap_or_default(),
                    municipality: jstr(v, 2).unwrap_or_default(),
                    recorded_by: jstr(v, 3).unwrap_or_default(),
                    recorded_at: jstr(v, 4).unwrap_or_default(),
                    core: jstr(v, 5).unwrap_or_default(),
                    personal_digest: jstr(v, 6),
                    hash: jstr(v, 7).unwrap_or_default(),
                    data: jstr(v, 8),
                    erased_at: jstr(v, 9),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let now_ts = now.timestamp();
        let mut obligations: Vec<ObligationRow> = obligations
            .iter()
            .map(|v| {
                let due_ts = jint(v, 6);
                let fulfilled = jstr(v, 7).unwrap_or_default();
                ObligationRow {
                    child: jstr(v, 0),
                    municipality: jstr(v, 1).unwrap_or_default(),
                    rule: jstr(v, 2).unwrap_or_default(),
                    law: jstr(v, 3).unwrap_or_default(),
                    subject: jstr(v, 4).unwrap_or_default(),
                    due: jstr(v, 5).unwrap_or_default(),
                    due_ts,
                    status: crate::projection::status_at_ts(&fulfilled, due_ts, now_ts),
                    met_at: jstr(v, 8),
                }
            })
            .collect();
        obligations.sort_by(|a, b| (a.due_ts, &a.rule, &a.subject).cmp(&(b.due_ts, &b.rule, &b.subject)));
        Ok(Some(ChildView { case, events, obligations }))
    }
}
