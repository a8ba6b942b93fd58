//! The municipality's interventions, notifications and placements read once from the journal for the effect,
//! economy, early-detection and placement-quality pages and the knowledge bank's effect figures. Reading them means
//! reading most of the municipality's journal (seconds for the largest municipality), so no request waits for it:
//! the answer is remembered per journal head, a remembered answer is served at once, and when the journal has grown
//! one background task recomputes it. Only a request before the first computation has finished waits (`serve`
//! starts that computation before the first request).

use crate::error::AppError;
use crate::web_util::today;
use crate::AppState;
use chrono::{Duration, NaiveDate, Utc};
use domain::detection::Flow;
use domain::effect::{EffectSummary, InterventionRecord};
use domain::event::EventType;
use domain::indicators::Quality;
use std::collections::HashMap;
use std::sync::Arc;

/// What the pages read.
pub struct Insight {
    /// The journal head the figures were computed at (figures derived from them are remembered under it).
    pub head: i64,
    /// The day the figures are computed for.
    pub as_of: NaiveDate,
    /// Every intervention of the municipality, in decision order.
    pub records: Vec<InterventionRecord>,
    /// Child → (team, caseworker) as assigned now.
    pub cases: HashMap<String, (Option<String>, Option<String>)>,
    /// Notifications of the last twelve months.
    pub flow: Flow,
    /// Placement quality per age group, total last.
    pub quality: Vec<((u8, u8), Quality)>,
    /// Effect figures per knowledge-bank method.
    pub methods: HashMap<String, EffectSummary>,
    /// Placement sites' names by id (the provider of a placement is its site).
    pub sites: HashMap<String, String>,
    /// Teams' names by id.
    pub team_names: HashMap<String, String>,
}

impl Insight {
    pub fn team_of(&self, r: &InterventionRecord) -> Option<&str> {
        r.child.as_ref().and_then(|c| self.cases.get(c.as_str())).and_then(|t| t.0.as_deref())
    }

    /// The provider: as decided (`provider`), else the placement site's name.
    pub fn provider_of(&self, r: &InterventionRecord) -> Option<String> {
        r.provider
            .clone()
            .or_else(|| r.site.as_ref().map(|s| self.sites.get(s.as_str()).cloned().unwrap_or_else(|| s.to_string())))
    }

    /// The name of the team of the intervention's case.
    pub fn team_name_of(&self, r: &InterventionRecord) -> String {
        match self.team_of(r) {
            Some(t) => self.team_names.get(t).cloned().unwrap_or_else(|| t.to_string()),
            None => "(ikke tildelt)".into(),
        }
    }

    pub fn caseworker_of(&self, r: &InterventionRecord) -> Option<&str> {
        r.child.as_ref().and_then(|c| self.cases.get(c.as_str())).and_then(|t| t.1.as_deref())
    }
}

/// The journal types the computation reads.
pub const TYPES: &[EventType] = &[
    EventType::ChildRegistered,
    EventType::NotificationReceived,
    EventType::NotificationAssessed,
    EventType::InterventionDecided,
    EventType::InterventionStarted,
    EventType::InterventionEnded,
    EventType::PlanFollowedUp,
    EventType::PlacementStarted,
    EventType::PlacementEnded,
];

const KEY: &str = "insight";

/// The figures: fresh, or the previous ones while a background task refreshes them.
pub async fn insight(state: &AppState) -> Result<Arc<Insight>, AppError> {
    let head = state.store.event_count().await?;
    let memo = &state.dashboards.insight;
    // The day is part of the key: the figures are as of today.
    let key = format!("{KEY}/{}", today(Utc::now()));
    let key = key.as_str();
    match memo.peek(key, head) {
        Some((v, true)) => Ok(v),
        Some((v, false)) => {
            let st = state.clone();
            tokio::spawn(async move {
                let key = format!("{KEY}/{}", today(Utc::now()));
                if let Err(e) = st.dashboards.insight.get_or(&key, head, compute(st.clone(), head)).await {
                    tracing::warn!(error = %e.message(), "effekt- og økonomital kunne ikke beregnes");
                }
            });
            Ok(v)
        }
        None => memo.get_or(key, head, compute(state.clone(), head)).await,
    }
}

async fn compute(state: AppState, head: i64) -> Result<Insight, AppError> {
    let started = std::time::Instant::now();
    let now = Utc::now();
    let td = today(now);
    let code = state.store.municipality().to_string();
    let events = state.store.municipality_events(&code, domain::time::AsOf::end_of(td), TYPES).await?;
    let cases: HashMap<String, (Option<String>, Option<String>)> =
        state.store.assignments().await?.into_iter().map(|(child, team, cw)| (child, (team, cw))).collect();
    let sites: HashMap<String, String> = state.store.site_names().await?.into_iter().collect();
    let teams: HashMap<String, String> = state.store.teams().await?.into_iter().map(|t| (t.id, t.name)).collect();
    let routing = state.pack.routing.clone();
    tokio::task::spawn_blocking(move || {
        let mut ins = derive(&events, cases, sites, &routing, td, now.timestamp());
        ins.team_names = teams;
        ins.head = head;
        tracing::info!(
            events = events.len(),
            interventions = ins.records.len(),
            ms = started.elapsed().as_millis() as u64,
            "effekt- og økonomital beregnet"
        );
        Ok(ins)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// The pure part: everything the pages need from the events.
pub fn derive(
    events: &[domain::event::Event],
    cases: HashMap<String, (Option<String>, Option<String>)>,
    sites: HashMap<String, String>,
    routing: &domain::detection::Routing,
    as_of: NaiveDate,
    now_ts: i64,
) -> Insight {
    let records = domain::effect::interventions(events, as_of);
    let mut by_method: HashMap<&str, Vec<&InterventionRecord>> = HashMap::new();
    for r in &records {
        if let Some(m) = &r.method {
            by_method.entry(m).or_default().push(r);
        }
    }
    let methods = by_method.into_iter().map(|(m, rs)| (m.to_string(), domain::effect::summarise(rs, as_of))).collect();
    Insight {
        head: 0,
        as_of,
        flow: domain::detection::flow(events, routing, as_of - Duration::days(365), as_of, now_ts),
        quality: domain::indicators::placement_quality(events, as_of),
        methods,
        records,
        cases,
        sites,
        team_names: HashMap::new(),
    }
}
