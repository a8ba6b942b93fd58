//! Goals, effect and economy for leaders (issue 7): effect by intervention kind, provider, ladder step and method
//! with 95 % intervals and the interventions without effect awaiting a decision (`/effekt`); spend by month, ladder
//! step, kind, provider and team, the forecast, budget against actual per budget line and the investment view over
//! the years, with an XLSX workbook for the finance department (`/oekonomi`); the early-detection dashboard
//! (`/tidlig-opsporing`); placement quality by age group (`/anbringelser/kvalitet`). Aggregates from the shared
//! background computation (`insight`); the law and arithmetic are in `domain::{effect, economy, detection,
//! indicators}`.

use crate::auth::{AuthUser, CsrfForm};
use crate::error::AppError;
use crate::insight::{insight, Insight};
use crate::pages::{cell, ctx, link, query_map, Cell, Ctx, FilterView, Row, Section};
use crate::table::Format;
use crate::web_util::{da_date, urlencode};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Datelike;
use domain::access::Role;
use domain::economy::{
    budget_vs_actual, default_budget_lines, forecast_rest_of_year, monthly_spend, spend_categories, spend_category,
    yearly_spend, BudgetLine, Ore,
};
use domain::effect::{summarise, EffectSummary, InterventionRecord};
use domain::event::{InterventionKind, LadderStep};
use std::collections::{BTreeMap, HashMap};
use store::Actor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/effekt", get(effect_page))
        .route("/oekonomi", get(economy_page))
        .route("/oekonomi/budget", post(save_budget))
        .route("/oekonomi/eksport.xlsx", get(economy_workbook))
        .route("/tidlig-opsporing", get(detection_page))
        .route("/anbringelser/kvalitet", get(quality_page))
}

const LEADERS: &[Role] = &[Role::TeamLeader, Role::Manager];
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];

fn tabs(current: &str) -> Vec<(&'static str, &'static str, bool)> {
    [
        ("Effekt", "/effekt"),
        ("Økonomi", "/oekonomi"),
        ("Tidlig opsporing", "/tidlig-opsporing"),
        ("Anbringelseskvalitet", "/anbringelser/kvalitet"),
    ]
    .into_iter()
    .map(|(a, b)| (a, b, b == current))
    .collect()
}

/// The budget form on the economy page.
pub struct BudgetForm {
    pub year: i32,
    pub code: String,
    pub name: String,
    pub amount: String,
    pub covers: Vec<(String, String, bool)>,
    pub errors: BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "insight.html")]
struct InsightPage {
    ctx: Ctx,
    heading: String,
    intro: Option<String>,
    tabs: Vec<(&'static str, &'static str, bool)>,
    action: String,
    filters: Vec<FilterView>,
    submit_label: String,
    kpis: Vec<(String, String)>,
    download: Option<(String, String)>,
    charts: Vec<(String, String)>,
    sections: Vec<Section>,
    budget_form: Option<BudgetForm>,
}

/// Whole kroner with Danish thousands separators: 1.234.567 kr.
pub fn kr(o: Ore) -> String {
    let whole = (o.0 as f64 / 100.0).round() as i64;
    format!("{}{} kr.", if whole < 0 { "-" } else { "" }, domain::national::thousands(whole.unsigned_abs()))
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn share_ci(s: &EffectSummary) -> String {
    match s.progressing_share() {
        Some((p, lo, hi)) => format!("{} ({:.0}–{:.0} %)", pct(p), lo * 100.0, hi * 100.0),
        None => "—".into(),
    }
}

fn step_label(n: Option<LadderStep>) -> String {
    match n {
        Some(s) => s.label_da().to_string(),
        None => "Uden trin".into(),
    }
}

fn category_label(code: &str) -> String {
    spend_categories().into_iter().find(|(c, _)| *c == code).map(|(_, l)| l.to_string()).unwrap_or(code.to_string())
}

fn kind_label(code: &str) -> String {
    InterventionKind::parse(code).map(|k| k.label_da().to_string()).unwrap_or(code.to_string())
}

/// Rows shown on a page per table; the export has them all.
const PAGE_ROWS: usize = 40;

/// Keep the first rows of a long table on the page, saying how many the export holds.
fn shorten(mut sections: Vec<Section>) -> Vec<Section> {
    for s in sections.iter_mut() {
        let n = s.rows.len();
        if n > PAGE_ROWS {
            s.rows.truncate(PAGE_ROWS);
            let note = format!("Viser {PAGE_ROWS} af {n} rækker; alle er i CSV- og Excel-udtrækket.");
            s.more = Some(match s.more.take() {
                Some(m) => format!("{m} {note}"),
                None => note,
            });
        }
    }
    sections
}

/// The records a leader sees: the whole municipality, or one team (`?team=`).
fn scoped<'a>(ins: &'a Insight, team: Option<&str>) -> Vec<&'a InterventionRecord> {
    ins.records.iter().filter(|r| team.is_none_or(|t| ins.team_of(r) == Some(t))).collect()
}

async fn team_filter(state: &AppState, value: &str) -> Result<FilterView, AppError> {
    let teams = state.store.teams().await?;
    Ok(FilterView {
        name: "team",
        label: "Team".into(),
        value: value.into(),
        options: std::iter::once((String::new(), "Hele kommunen".to_string()))
            .chain(teams.into_iter().map(|t| (t.id, t.name)))
            .collect(),
    })
}

fn team_param(qm: &BTreeMap<String, String>) -> Option<String> {
    qm.get("team").filter(|t| !t.is_empty()).cloned()
}

// ---- effect -------------------------------------------------------------------------------------------------------

fn effect_headers() -> Vec<String> {
    [
        "Indsatser",
        "Målt (≥ 2 scorede opfølgninger)",
        "Med fremgang",
        "Andel med fremgang (95 %-interval)",
        "Gns. dage i indsatsen",
        "Afsluttet",
        "Mål nået",
        "Stoppet uden effekt",
        "Ophørt af andre grunde",
        "Uden effekt nu",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

fn effect_section<K: Ord>(
    id: &str,
    heading: &str,
    first: &str,
    records: &[&InterventionRecord],
    as_of: chrono::NaiveDate,
    key: impl Fn(&InterventionRecord) -> K,
    label: impl Fn(&K) -> String,
) -> (Section, Vec<(String, f64, f64, f64)>) {
    let mut groups: BTreeMap<K, Vec<&InterventionRecord>> = BTreeMap::new();
    for r in records {
        groups.entry(key(r)).or_default().push(r);
    }
    let mut ci = Vec::new();
    let mut ordered: Vec<(&K, &Vec<&InterventionRecord>)> = groups.iter().collect();
    ordered.sort_by_key(|(_, rs)| std::cmp::Reverse(rs.len()));
    let rows = ordered
        .into_iter()
        .map(|(k, rs)| {
            let s = summarise(rs.iter().copied(), as_of);
            let flagged = rs.iter().filter(|r| r.without_effect()).count();
            if let Some((p, lo, hi)) = s.progressing_share() {
                ci.push((format!("{} (n={})", label(k), s.measured), p, lo, hi));
            }
            Row {
                attrs: vec![("group", label(k))],
                cells: vec![
                    cell(label(k)),
                    cell(s.interventions.to_string()),
                    cell(s.measured.to_string()),
                    cell(s.progressing.to_string()),
                    cell(share_ci(&s)),
                    cell(format!("{:.0}", s.mean_days)),
                    cell(s.ended.to_string()),
                    cell(s.goal_reached.to_string()),
                    cell(s.no_effect.to_string()),
                    cell(s.ended.saturating_sub(s.goal_reached + s.no_effect).to_string()),
                    Cell { text: flagged.to_string(), href: None, class: (flagged > 0).then_some("late") },
                ],
            }
        })
        .collect();
    let mut headers = vec![first.to_string()];
    headers.extend(effect_headers());
    (
        Section {
            id: id.into(),
            heading: heading.into(),
            count: Some(groups.len()),
            export: Some(format!("/effekt?table={id}&")),
            headers,
            rows,
            more: None,
        },
        ci,
    )
}

fn scores_text(r: &InterventionRecord) -> String {
    r.scores.iter().rev().take(3).rev().map(|s| format!("{:.1}", s.1).replace('.', ",")).collect::<Vec<_>>().join(" → ")
}

async fn effect_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Caseworker, Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let qm = query_map(&q);
    let ins = insight(&state).await?;
    let team = team_param(&qm);
    let year: Option<i32> = qm.get("aar").and_then(|y| y.parse().ok());
    let as_of = ins.as_of;
    let key = format!("{}|{}", year.map(|y| y.to_string()).unwrap_or_default(), team.as_deref().unwrap_or(""));
    let tables = state
        .dashboards
        .effect
        .get_current(&key, ins.head, async { Ok::<_, AppError>(effect_tables(&state, &ins, team.as_deref(), year)) })
        .await?;
    // Interventions without effect awaiting a decision: the caseworker's own cases, the team leader's team, all for
    // the manager. Only the child's key is shown; opening the case goes through need-to-know.
    let awaiting: Vec<&InterventionRecord> = ins
        .records
        .iter()
        .filter(|r| r.awaiting_decision())
        .filter(|r| match user.role {
            Role::Manager => team.as_deref().is_none_or(|t| ins.team_of(r) == Some(t)),
            Role::TeamLeader => user.team.is_some() && ins.team_of(r) == user.team.as_deref(),
            _ => ins.caseworker_of(r) == Some(user.username.as_str()),
        })
        .collect();
    let people = crate::pages::user_names(&state).await?;
    let decisions = Section {
        id: "awaiting".into(),
        heading: "Uden effekt – beslutning mangler".into(),
        count: Some(awaiting.len()),
        export: Some("/effekt?table=awaiting&".into()),
        headers: ["Barn", "Indsats", "Type", "Leverandør", "Sagsbehandler", "Seneste scores", "Siden", "Beslut"]
            .into_iter()
            .map(String::from)
            .collect(),
        rows: awaiting
            .iter()
            .map(|r| {
                let child = r.child.as_ref().map(|c| c.to_string()).unwrap_or_default();
                let since = r.scores.last().map(|s| da_date(s.0)).unwrap_or_default();
                Row {
                    attrs: vec![("intervention", r.intervention.to_string())],
                    cells: vec![
                        link(&child, format!("/boern/{}", urlencode(&child))),
                        cell(r.intervention.to_string()),
                        cell(kind_label(&r.kind)),
                        cell(ins.provider_of(r).unwrap_or_default()),
                        cell(
                            ins.caseworker_of(r).map(|u| people.get(u).map(String::as_str).unwrap_or(u)).unwrap_or("—"),
                        ),
                        cell(scores_text(r)),
                        cell(since),
                        link(
                            "Registrér beslutning",
                            format!(
                                "/boern/{}/ny/plan_followed_up?intervention={}",
                                urlencode(&child),
                                urlencode(r.intervention.as_str())
                            ),
                        ),
                    ],
                }
            })
            .collect(),
        more: Some(
            "En indsats er uden effekt, når målene ikke er rykket ved to opfølgninger i træk. Ved næste opfølgning \
             besluttes: fortsæt (med begrundelse i notatet), ændr eller stop indsatsen."
                .into(),
        ),
    };
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let id = qm.get("table").map(String::as_str).unwrap_or("kind");
        let s = std::iter::once(&decisions).chain(&tables.sections).find(|s| s.id == id).unwrap_or(&tables.sections[0]);
        return Ok(s.table().download(fmt, &format!("effekt-{}", s.id)));
    }
    // The page shows the first rows of each table (remembered shortened); the exports have them all.
    let mut sections = shorten(vec![decisions]);
    sections.extend(tables.page.iter().cloned());
    let total = &tables.total;
    let (lo, hi) = (tables.first_year, as_of.year());
    let mut filters = vec![FilterView {
        name: "aar",
        label: "Besluttet i".into(),
        value: year.map(|y| y.to_string()).unwrap_or_default(),
        options: std::iter::once((String::new(), "Alle år".to_string()))
            .chain((lo..=hi).rev().map(|y| (y.to_string(), y.to_string())))
            .collect(),
    }];
    if user.role == Role::Manager {
        filters.push(team_filter(&state, team.as_deref().unwrap_or("")).await?);
    }
    Ok(InsightPage {
        ctx: ctx(&user, "nav_effect", "Effekt af indsatser"),
        heading: "Effekt af indsatser".into(),
        intro: Some(format!(
            "Fremgang måles på målenes score (1–10) ved opfølgningerne: en indsats har fremgang, når seneste score \
             er højere end første. Intervallerne er 95 %-intervaller (Wilson). Opgjort {}.",
            da_date(as_of)
        )),
        tabs: tabs("/effekt"),
        action: "/effekt".into(),
        filters,
        submit_label: user.lang.t("show").into(),
        kpis: vec![
            ("Indsatser".into(), total.interventions.to_string()),
            ("Målt".into(), total.measured.to_string()),
            ("Andel med fremgang".into(), share_ci(total)),
            ("Uden effekt – beslutning mangler".into(), awaiting.len().to_string()),
        ],
        download: None,
        charts: tables.charts.clone(),
        sections,
        budget_form: None,
    }
    .into_response())
}

/// The effect page's aggregate tables and charts for one year (or all) and team (or all), remembered per journal
/// head: they are the same for every leader.
pub struct EffectTables {
    pub(crate) sections: Vec<Section>,
    /// The same, shortened for the page.
    pub(crate) page: Vec<Section>,
    pub charts: Vec<(String, String)>,
    pub total: EffectSummary,
    pub first_year: i32,
}

fn effect_tables(state: &AppState, ins: &Insight, team: Option<&str>, year: Option<i32>) -> EffectTables {
    let records: Vec<&InterventionRecord> =
        scoped(ins, team).into_iter().filter(|r| year.is_none_or(|y| r.decided.year() == y)).collect();
    let as_of = ins.as_of;
    let names: HashMap<String, String> = state
        .bank
        .current()
        .ok()
        .map(|b| b.entries().iter().map(|e| (e.id.to_string(), e.name.clone())).collect())
        .unwrap_or_default();
    let ladder = &state.pack.ladder;
    let (by_kind, ci_kind) =
        effect_section("kind", "Effekt pr. indsatstype", "Indsatstype", &records, as_of, spend_category, |k| {
            category_label(k)
        });
    let (by_provider, _) = effect_section(
        "provider",
        "Effekt pr. leverandør",
        "Leverandør",
        &records,
        as_of,
        |r| ins.provider_of(r),
        |k| k.clone().unwrap_or_else(|| "(ikke oplyst)".into()),
    );
    let (by_step, ci_step) = effect_section(
        "step",
        "Effekt pr. trin på indsatstrappen",
        "Trin",
        &records,
        as_of,
        |r| ladder.step(r.ladder_step, &r.kind, r.placement_type).map(|s| s.number()),
        |k| step_label(k.and_then(LadderStep::from_number)),
    );
    let (by_method, _) = effect_section(
        "method",
        "Effekt pr. metode (vidensbanken)",
        "Metode",
        &records,
        as_of,
        |r| r.method.clone(),
        |k| match k {
            Some(id) => names.get(id).cloned().unwrap_or(id.clone()),
            None => "(ingen metode angivet)".into(),
        },
    );
    let mut charts = Vec::new();
    if !ci_kind.is_empty() {
        charts.push((
            "Andel med fremgang pr. indsatstype, med 95 %-interval".to_string(),
            crate::chart::intervals("Andel med fremgang pr. indsatstype", &ci_kind),
        ));
    }
    if !ci_step.is_empty() {
        charts.push((
            "Andel med fremgang pr. trin, med 95 %-interval".to_string(),
            crate::chart::intervals("Andel med fremgang pr. trin", &ci_step),
        ));
    }
    EffectTables {
        page: shorten(vec![by_kind.clone(), by_step.clone(), by_provider.clone(), by_method.clone()]),
        sections: vec![by_kind, by_step, by_provider, by_method],
        charts,
        total: summarise(records.iter().copied(), as_of),
        first_year: ins.records.iter().map(|r| r.decided.year()).min().unwrap_or(as_of.year()),
    }
}

// ---- economy ------------------------------------------------------------------------------------------------------

/// Everything on the economy page and in its workbook, for one year (and optionally one team).
pub struct Economy {
    pub year: i32,
    pub as_of: chrono::NaiveDate,
    /// Spend per month by ladder step number (None: no step).
    pub by_step: BTreeMap<Option<u8>, [Ore; 12]>,
    /// (label, spend to date, forecast rest of year, running interventions, mean daily cost) per group.
    pub by_kind: Vec<GroupSpend>,
    pub by_provider: Vec<GroupSpend>,
    pub by_team: Vec<GroupSpend>,
    pub budget: Vec<domain::economy::BudgetRow>,
    /// Whether the budget lines are the account plan's defaults (none saved for the year).
    pub default_budget: bool,
    /// Years with spend on preventive help (steps 1–3), placements (4–6), and without a step.
    pub investment: Vec<(i32, Ore, Ore, Ore)>,
}

pub struct GroupSpend {
    pub label: String,
    pub spent: Ore,
    pub forecast: Ore,
    pub running: usize,
    pub mean_daily: Option<f64>,
}

impl Economy {
    pub fn spent(&self) -> Ore {
        self.by_step.values().flat_map(|m| m.iter()).fold(Ore(0), |a, b| a + *b)
    }

    pub fn forecast(&self) -> Ore {
        self.by_kind.iter().fold(Ore(0), |a, g| a + g.forecast)
    }
}

fn group_spend(
    records: &[InterventionRecord],
    year: i32,
    as_of: chrono::NaiveDate,
    key: impl Fn(&InterventionRecord) -> String,
) -> Vec<GroupSpend> {
    let mut groups: BTreeMap<String, Vec<InterventionRecord>> = BTreeMap::new();
    for r in records {
        groups.entry(key(r)).or_default().push(r.clone());
    }
    let rest = as_of.year() == year;
    let mut out: Vec<GroupSpend> = groups
        .into_iter()
        .map(|(label, rs)| {
            let spent =
                monthly_spend(&rs, year, as_of, |_| ()).values().flat_map(|m| m.iter()).fold(Ore(0), |a, b| a + *b);
            let running: Vec<&InterventionRecord> = rs
                .iter()
                .filter(|r| r.ended.is_none_or(|e| e > as_of) && r.started.unwrap_or(r.decided) <= as_of)
                .collect();
            let costs: Vec<f64> = running.iter().filter_map(|r| r.daily_cost_dkk).collect();
            GroupSpend {
                label,
                spent,
                forecast: if rest { forecast_rest_of_year(&rs, year, as_of) } else { Ore(0) },
                running: running.len(),
                mean_daily: (!costs.is_empty()).then(|| costs.iter().sum::<f64>() / costs.len() as f64),
            }
        })
        .filter(|g| g.spent.0 > 0 || g.forecast.0 > 0 || g.running > 0)
        .collect();
    out.sort_by(|a, b| (b.spent + b.forecast).cmp(&(a.spent + a.forecast)).then_with(|| a.label.cmp(&b.label)));
    out
}

/// Compute the economy of `year` from the records (pure apart from the inputs).
pub fn economy(
    ins: &Insight,
    records: &[InterventionRecord],
    ladder: &domain::economy::LadderMap,
    lines: Option<Vec<BudgetLine>>,
    year: i32,
) -> Economy {
    let as_of = ins.as_of;
    let step_of = |r: &InterventionRecord| ladder.step(r.ladder_step, &r.kind, r.placement_type).map(|s| s.number());
    let by_step = monthly_spend(records, year, as_of, step_of);
    let teams = |r: &InterventionRecord| ins.team_name_of(r);
    let default_budget = lines.is_none();
    let lines = lines.unwrap_or_else(default_budget_lines);
    let invest = yearly_spend(records, year - 4..=year, as_of, |r| match step_of(r) {
        Some(1..=3) => 0u8,
        Some(_) => 1,
        None => 2,
    });
    let get = |k: u8, i: usize| invest.get(&k).map(|v| v[i].1).unwrap_or_default();
    Economy {
        year,
        as_of,
        by_step,
        by_kind: group_spend(records, year, as_of, |r| category_label(&spend_category(r))),
        by_provider: group_spend(records, year, as_of, |r| {
            ins.provider_of(r).unwrap_or_else(|| "(ikke oplyst)".into())
        }),
        by_team: group_spend(records, year, as_of, teams),
        budget: budget_vs_actual(&lines, records, year, as_of),
        default_budget,
        investment: (0..5).map(|i| (year - 4 + i as i32, get(0, i), get(1, i), get(2, i))).collect(),
    }
}

fn month_headers(first: &str) -> Vec<String> {
    std::iter::once(first.to_string())
        .chain(MONTHS.iter().map(|m| m.to_string()))
        .chain(std::iter::once("I alt".to_string()))
        .collect()
}

/// A table of spend per group; the page shows the `limit` largest (the export all).
fn group_section(id: &str, heading: &str, first: &str, year: i32, groups: &[GroupSpend], limit: usize) -> Section {
    Section {
        id: id.into(),
        heading: heading.into(),
        count: Some(groups.len()),
        export: Some(format!("/oekonomi?aar={year}&table={id}&")),
        headers: vec![
            first.into(),
            "Forbrug til dato".into(),
            "Prognose resten af året".into(),
            "Forventet helår".into(),
            "Aktive indsatser nu".into(),
            "Gns. pris pr. døgn".into(),
        ],
        rows: groups
            .iter()
            .take(limit)
            .map(|g| Row {
                attrs: vec![("group", g.label.clone())],
                cells: vec![
                    cell(&g.label),
                    cell(kr(g.spent)),
                    cell(kr(g.forecast)),
                    cell(kr(g.spent + g.forecast)),
                    cell(g.running.to_string()),
                    cell(g.mean_daily.map(|d| kr(Ore::from_dkk(d))).unwrap_or_else(|| "—".into())),
                ],
            })
            .collect(),
        more: (groups.len() > limit)
            .then(|| format!("Viser de {limit} største af {}; alle er i CSV- og Excel-udtrækket.", groups.len())),
    }
}

fn economy_sections(e: &Economy, may_edit: bool, limit: usize) -> Vec<Section> {
    let y = e.year;
    let months = Section {
        id: "months".into(),
        heading: format!("Forbrug pr. måned og trin på indsatstrappen, {y}"),
        count: None,
        export: Some(format!("/oekonomi?aar={y}&table=months&")),
        headers: month_headers("Trin"),
        rows: e
            .by_step
            .iter()
            .map(|(step, m)| Row {
                attrs: vec![("step", step.map(|s| s.to_string()).unwrap_or_default())],
                cells: std::iter::once(cell(step_label(step.and_then(LadderStep::from_number))))
                    .chain(m.iter().map(|o| cell(kr(*o))))
                    .chain(std::iter::once(cell(kr(m.iter().fold(Ore(0), |a, b| a + *b)))))
                    .collect(),
            })
            .collect(),
        more: Some(
            "Døgnpris × dage i indsatsen, dag for dag: en indsats, der starter eller slutter midt i en måned, \
                    tæller kun de dage, den var aktiv."
                .into(),
        ),
    };
    let budget = Section {
        id: "budget".into(),
        heading: format!("Budget mod forbrug pr. budgetlinje, {y}"),
        count: Some(e.budget.len()),
        export: Some(format!("/oekonomi?aar={y}&table=budget&")),
        headers: [
            "Konto",
            "Budgetlinje",
            "Dækker",
            "Budget",
            "Forbrug til dato",
            "Forventet helår",
            "Afvigelse",
            "Forbrugt",
        ]
        .into_iter()
        .map(String::from)
        .chain(may_edit.then(|| "Ret".to_string()))
        .collect(),
        rows: e
            .budget
            .iter()
            .map(|b| {
                let (code, name, covers, amount) = match &b.line {
                    Some(l) => (
                        l.code.clone(),
                        l.name.clone(),
                        l.covers.iter().map(|c| category_label(c)).collect::<Vec<_>>().join(", "),
                        kr(l.amount),
                    ),
                    None => (String::new(), "Uden budgetlinje".into(), "øvrige".into(), "—".into()),
                };
                let budget = b.line.as_ref().map_or(0, |l| l.amount.0);
                let dev = b.deviation();
                let mut cells = vec![
                    cell(&code),
                    cell(name),
                    cell(covers),
                    cell(amount),
                    cell(kr(b.actual)),
                    cell(kr(b.expected)),
                    Cell { text: kr(dev), href: None, class: (budget > 0 && dev.0 > 0).then_some("overdue") },
                    cell(if budget > 0 { pct(b.actual.0 as f64 / budget as f64) } else { "—".into() }),
                ];
                if may_edit {
                    cells.push(if b.line.is_some() {
                        link("Ret", format!("/oekonomi?aar={y}&rediger={}#budget-form", urlencode(&code)))
                    } else {
                        cell("")
                    });
                }
                Row { attrs: vec![("line", code)], cells }
            })
            .collect(),
        more: e.default_budget.then(|| {
            format!(
                "Der er ikke registreret et budget for {y}: linjerne er kontoplanens (hovedfunktion 5.28) med 0 kr."
            )
        }),
    };
    let invest = Section {
        id: "investment".into(),
        heading: "Investering: forebyggelse og anbringelser over årene".into(),
        count: None,
        export: Some(format!("/oekonomi?aar={y}&table=investment&")),
        headers: ["År", "Forebyggende (trin 1–3)", "Anbringelser (trin 4–6)", "Uden trin", "Andel forebyggende"]
            .into_iter()
            .map(String::from)
            .collect(),
        rows: e
            .investment
            .iter()
            .map(|(year, prev, place, none)| {
                let total = prev.0 + place.0;
                Row {
                    attrs: vec![("year", year.to_string())],
                    cells: vec![
                        cell(year.to_string()),
                        cell(kr(*prev)),
                        cell(kr(*place)),
                        cell(kr(*none)),
                        cell(if total > 0 { pct(prev.0 as f64 / total as f64) } else { "—".into() }),
                    ],
                }
            })
            .collect(),
        more: Some(format!("Til og med {} for indeværende år.", da_date(e.as_of))),
    };
    vec![
        budget,
        months,
        group_section("kind", &format!("Pr. indsatstype, {y}"), "Indsatstype / anbringelsestype", y, &e.by_kind, limit),
        group_section("provider", &format!("Pr. leverandør, {y}"), "Leverandør", y, &e.by_provider, limit),
        group_section("team", &format!("Pr. team, {y}"), "Team", y, &e.by_team, limit),
        invest,
    ]
}

fn year_param(qm: &BTreeMap<String, String>, as_of: chrono::NaiveDate) -> Result<i32, AppError> {
    match qm.get("aar").filter(|y| !y.is_empty()) {
        None => Ok(as_of.year()),
        Some(y) => {
            y.parse::<i32>().ok().filter(|y| (2000..=as_of.year() + 1).contains(y)).ok_or_else(|| {
                AppError::bad("aar", format!("\"{y}\" er ikke et år mellem 2000 og {}.", as_of.year() + 1))
            })
        }
    }
}

async fn load_economy(
    state: &AppState,
    ins: &Insight,
    team: Option<&str>,
    year: i32,
) -> Result<(std::sync::Arc<Economy>, Vec<store::budget::StoredBudgetLine>), AppError> {
    let stored = state.store.budget_lines(year).await?;
    // Remembered per journal head, year, team and budget version (a saved line shows at once).
    let versions: Vec<String> = stored.iter().map(|l| format!("{}@{}", l.line.code, l.version)).collect();
    let key = format!("{year}|{}|{}", team.unwrap_or(""), versions.join(","));
    let e = state
        .dashboards
        .economy
        .get_current(&key, ins.head, async {
            let lines = (!stored.is_empty()).then(|| stored.iter().map(|s| s.line.clone()).collect());
            let records: Vec<InterventionRecord> = scoped(ins, team).into_iter().cloned().collect();
            Ok::<_, AppError>(economy(ins, &records, &state.pack.ladder, lines, year))
        })
        .await?;
    Ok((e, stored))
}

fn budget_form(year: i32, line: Option<&BudgetLine>, errors: BTreeMap<String, String>) -> BudgetForm {
    let covers: &[String] = line.map(|l| l.covers.as_slice()).unwrap_or(&[]);
    BudgetForm {
        year,
        code: line.map(|l| l.code.clone()).unwrap_or_default(),
        name: line.map(|l| l.name.clone()).unwrap_or_default(),
        amount: line.map(|l| kr(l.amount).trim_end_matches(" kr.").to_string()).unwrap_or_default(),
        covers: spend_categories()
            .into_iter()
            .map(|(c, l)| (c.to_string(), l.to_string(), covers.iter().any(|x| x == c)))
            .collect(),
        errors,
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_economy(
    state: &AppState,
    user: &AuthUser,
    ins: &Insight,
    team: Option<String>,
    year: i32,
    form: Option<BudgetForm>,
    edit: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (e, _) = load_economy(state, ins, team.as_deref(), year).await?;
    let may_edit = user.role == Role::Manager;
    let sections = economy_sections(&e, may_edit && team.is_none(), PAGE_ROWS);
    let labels: Vec<String> = MONTHS.iter().map(|m| m.to_string()).collect();
    let series: Vec<(String, Vec<f64>)> = e
        .by_step
        .iter()
        .map(|(s, m)| (step_label(s.and_then(LadderStep::from_number)), m.iter().map(|o| o.dkk()).collect()))
        .collect();
    let years: Vec<String> = e.investment.iter().map(|i| i.0.to_string()).collect();
    let invest = vec![
        ("Forebyggende (trin 1–3)".to_string(), e.investment.iter().map(|i| i.1.dkk()).collect()),
        ("Anbringelser (trin 4–6)".to_string(), e.investment.iter().map(|i| i.2.dkk()).collect()),
    ];
    let budget_total = e.budget.iter().filter_map(|b| b.line.as_ref()).fold(Ore(0), |a, l| a + l.amount);
    let expected = e.spent() + e.forecast();
    let form = if may_edit && team.is_none() {
        Some(form.unwrap_or_else(|| {
            let line = edit.and_then(|c| e.budget.iter().filter_map(|b| b.line.as_ref()).find(|l| l.code == c));
            budget_form(year, line, BTreeMap::new())
        }))
    } else {
        None
    };
    let mut filters = vec![FilterView {
        name: "aar",
        label: "År".into(),
        value: year.to_string(),
        options: (e.as_of.year() - 6..=e.as_of.year() + 1).rev().map(|y| (y.to_string(), y.to_string())).collect(),
    }];
    filters.push(team_filter(state, team.as_deref().unwrap_or("")).await?);
    let page = InsightPage {
        ctx: ctx(user, "nav_effect", format!("Økonomi {year}")),
        heading: format!("Økonomi {year}: {}", state.store.municipality().name()),
        intro: Some(format!(
            "Forbrug er døgnpris × dage i indsatsen, opgjort {}. Prognosen lader de indsatser, der kører nu, fortsætte \
             til årets udgang til deres nuværende døgnpris.",
            da_date(e.as_of)
        )),
        tabs: tabs("/oekonomi"),
        action: "/oekonomi".into(),
        filters,
        submit_label: user.lang.t("show").into(),
        kpis: vec![
            (format!("Forbrug {year} til dato"), kr(e.spent())),
            ("Prognose resten af året".into(), kr(e.forecast())),
            ("Forventet helårsforbrug".into(), kr(expected)),
            ("Budget".into(), kr(budget_total)),
            ("Forventet afvigelse".into(), kr(Ore(expected.0 - budget_total.0))),
        ],
        download: Some((
            format!(
                "/oekonomi/eksport.xlsx?aar={year}{}",
                team.as_deref().map(|t| format!("&team={}", urlencode(t))).unwrap_or_default()
            ),
            "Hent hele opgørelsen som regneark (XLSX) til økonomiafdelingen".into(),
        )),
        charts: vec![
            (
                format!("Forbrug pr. måned {year}, fordelt på trin"),
                crate::chart::stacked_amounts(
                    &format!("Forbrug pr. måned {year} fordelt på trin på indsatstrappen"),
                    &labels,
                    &series,
                ),
            ),
            (
                "Forebyggelse og anbringelser over årene".into(),
                crate::chart::stacked_amounts(
                    "Forbrug pr. år: forebyggende indsatser og anbringelser",
                    &years,
                    &invest,
                ),
            ),
        ],
        sections,
        budget_form: form,
    };
    Ok((status, page).into_response())
}

async fn economy_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(LEADERS)?;
    let qm = query_map(&q);
    let ins = insight(&state).await?;
    let year = year_param(&qm, ins.as_of)?;
    let team = team_param(&qm);
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let (e, _) = load_economy(&state, &ins, team.as_deref(), year).await?;
        let sections = economy_sections(&e, false, usize::MAX);
        let id = qm.get("table").map(String::as_str).unwrap_or("budget");
        let s = sections.iter().find(|s| s.id == id).unwrap_or(&sections[0]);
        return Ok(s.table().download(fmt, &format!("oekonomi-{year}-{}", s.id)));
    }
    let edit = qm.get("rediger").cloned();
    render_economy(&state, &user, &ins, team, year, None, edit.as_deref(), StatusCode::OK).await
}

async fn save_budget(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(&[Role::Manager])?;
    let get = |k: &str| form.fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let ins = insight(&state).await?;
    let year_text = get("year");
    let year = year_text
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=ins.as_of.year() + 1).contains(y))
        .ok_or_else(|| AppError::bad("year", format!("\"{year_text}\" er ikke et budgetår.")))?;
    let covers: Vec<String> = form.fields.iter().filter(|(n, _)| n == "covers").map(|(_, v)| v.clone()).collect();
    let retired = !get("retired").is_empty();
    match BudgetLine::parse(&get("code"), &get("name"), &covers, &get("amount")) {
        Ok(line) => {
            let saved = state
                .store
                .save_budget_line(year, &line, retired, &Actor::new(&user.username, chrono::Utc::now()))
                .await?;
            let flag = match (saved, retired) {
                (None, _) => "unchanged",
                (Some(_), true) => "removed",
                (Some(_), false) => "saved",
            };
            Ok(Redirect::to(&format!("/oekonomi?aar={year}&ok=budget-{flag}#budget")).into_response())
        }
        Err((field, message)) => {
            let mut f = budget_form(year, None, BTreeMap::from([(field.to_string(), message)]));
            f.code = get("code");
            f.name = get("name");
            f.amount = get("amount");
            for c in f.covers.iter_mut() {
                c.2 = covers.contains(&c.0);
            }
            render_economy(&state, user, &ins, None, year, Some(f), None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// A cell of the finance workbook.
enum X {
    Text(String),
    Money(Ore),
    Int(i64),
}

fn write_sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    name: &str,
    headers: &[String],
    rows: &[Vec<X>],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Format as XFormat;
    let bold = XFormat::new().set_bold();
    let money = XFormat::new().set_num_format("#,##0.00");
    let sheet = wb.add_worksheet();
    sheet.set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                X::Text(t) => sheet.write_string(r, c, crate::web_util::defuse_cell(t))?,
                X::Money(o) => sheet.write_number_with_format(r, c, o.dkk(), &money)?,
                X::Int(n) => sheet.write_number(r, c, *n as f64)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(())
}

/// The finance department's workbook: every table of the page as a sheet, amounts as numbers in kroner.
pub fn workbook(e: &Economy, municipality: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = |t: &str| X::Text(t.to_string());
    let months: Vec<Vec<X>> = e
        .by_step
        .iter()
        .map(|(step, m)| {
            std::iter::once(X::Text(step_label(step.and_then(LadderStep::from_number))))
                .chain(m.iter().map(|o| X::Money(*o)))
                .chain(std::iter::once(X::Money(m.iter().fold(Ore(0), |a, b| a + *b))))
                .collect()
        })
        .collect();
    let budget: Vec<Vec<X>> = e
        .budget
        .iter()
        .map(|b| {
            let (code, name, covers, amount) = match &b.line {
                Some(l) => (l.code.clone(), l.name.clone(), l.covers.join(", "), l.amount),
                None => (String::new(), "Uden budgetlinje".into(), String::new(), Ore(0)),
            };
            vec![
                X::Text(code),
                X::Text(name),
                X::Text(covers),
                X::Money(amount),
                X::Money(b.actual),
                X::Money(b.expected),
                X::Money(b.deviation()),
            ]
        })
        .collect();
    let groups = |gs: &[GroupSpend]| -> Vec<Vec<X>> {
        gs.iter()
            .map(|g| {
                vec![
                    X::Text(g.label.clone()),
                    X::Money(g.spent),
                    X::Money(g.forecast),
                    X::Money(g.spent + g.forecast),
                    X::Int(g.running as i64),
                ]
            })
            .collect()
    };
    let group_headers: Vec<String> = [
        "Gruppe",
        "Forbrug til dato (kr.)",
        "Prognose resten af året (kr.)",
        "Forventet helår (kr.)",
        "Aktive indsatser",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let summary = vec![
        vec![s("Kommune"), X::Text(municipality.to_string())],
        vec![s("År"), X::Int(i64::from(e.year))],
        vec![s("Opgjort"), X::Text(e.as_of.to_string())],
        vec![s("Forbrug til dato (kr.)"), X::Money(e.spent())],
        vec![s("Prognose resten af året (kr.)"), X::Money(e.forecast())],
        vec![s("Forventet helår (kr.)"), X::Money(e.spent() + e.forecast())],
    ];
    write_sheet(&mut wb, "Oversigt", &["Nøgletal".into(), "Værdi".into()], &summary)?;
    write_sheet(
        &mut wb,
        "Budget",
        &[
            "Konto",
            "Budgetlinje",
            "Dækker",
            "Budget (kr.)",
            "Forbrug til dato (kr.)",
            "Forventet helår (kr.)",
            "Afvigelse (kr.)",
        ]
        .map(String::from),
        &budget,
    )?;
    write_sheet(&mut wb, "Måned og trin", &month_headers("Trin"), &months)?;
    write_sheet(&mut wb, "Indsatstype", &group_headers, &groups(&e.by_kind))?;
    write_sheet(&mut wb, "Leverandør", &group_headers, &groups(&e.by_provider))?;
    write_sheet(&mut wb, "Team", &group_headers, &groups(&e.by_team))?;
    let invest: Vec<Vec<X>> = e
        .investment
        .iter()
        .map(|(y, a, b, c)| vec![X::Int(i64::from(*y)), X::Money(*a), X::Money(*b), X::Money(*c)])
        .collect();
    write_sheet(
        &mut wb,
        "Investering",
        &["År", "Forebyggende trin 1-3 (kr.)", "Anbringelser trin 4-6 (kr.)", "Uden trin (kr.)"].map(String::from),
        &invest,
    )?;
    wb.save_to_buffer()
}

async fn economy_workbook(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(LEADERS)?;
    let qm = query_map(&q);
    let ins = insight(&state).await?;
    let year = year_param(&qm, ins.as_of)?;
    let (e, _) = load_economy(&state, &ins, team_param(&qm).as_deref(), year).await?;
    let bytes =
        workbook(&e, state.store.municipality().name()).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"oekonomi-{year}.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}

// ---- early detection ----------------------------------------------------------------------------------------------

fn source_label(code: &str) -> String {
    crate::forms::SOURCES.iter().find(|(c, _)| *c == code).map(|(_, l)| l.to_string()).unwrap_or(match code {
        "ukendt" => "Ikke oplyst".into(),
        c => c.to_string(),
    })
}

fn flow_section(
    id: &str,
    heading: &str,
    first: &str,
    rows: &[domain::detection::FlowRow],
    label: impl Fn(&str) -> String,
) -> Section {
    Section {
        id: id.into(),
        heading: heading.into(),
        count: Some(rows.len()),
        export: Some(format!("/tidlig-opsporing?table={id}&")),
        headers: [
            first,
            "Underretninger",
            "Vurderet",
            "Vurderet til tiden",
            "Andel til tiden",
            "Median svartid (timer)",
            "Ikke vurderet, over svartid",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: rows
            .iter()
            .map(|r| Row {
                attrs: vec![("key", r.key.clone())],
                cells: vec![
                    cell(label(&r.key)),
                    cell(r.notifications.to_string()),
                    cell(r.assessed.to_string()),
                    cell(r.on_time.to_string()),
                    cell(r.on_time_share().map(pct).unwrap_or_else(|| "—".into())),
                    cell(r.median_hours.map(|h| format!("{h:.0}")).unwrap_or_else(|| "—".into())),
                    Cell { text: r.open_late.to_string(), href: None, class: (r.open_late > 0).then_some("overdue") },
                ],
            })
            .collect(),
        more: None,
    }
}

async fn detection_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(LEADERS)?;
    let qm = query_map(&q);
    let ins = insight(&state).await?;
    let f = &ins.flow;
    let routing = &state.pack.routing;
    let model = Section {
        id: "routing".into(),
        heading: "Routing-model: bekymring → hvem gør hvad".into(),
        count: Some(routing.0.len()),
        export: Some("/tidlig-opsporing?table=routing&".into()),
        headers: ["Kilde", "Vurdering", "Ansvarligt team", "Svartid (timer)"].into_iter().map(String::from).collect(),
        rows: routing
            .0
            .iter()
            .map(|r| Row {
                attrs: Vec::new(),
                cells: vec![
                    cell(r.source.as_deref().map(source_label).unwrap_or_else(|| "alle".into())),
                    cell(r.outcome.map(|o| o.label_da().to_string()).unwrap_or_else(|| "alle".into())),
                    cell(&r.team),
                    cell(r.response_hours.to_string()),
                ],
            })
            .collect(),
        more: Some("Første linje, der passer, gælder. Modellen ændres i kommunens regelfil ([[routing]]).".into()),
    };
    let repeats = Section {
        id: "repeats".into(),
        heading: "Gentagne underretninger: samme barn 3 gange eller flere på 12 måneder".into(),
        count: Some(f.repeats.len()),
        export: Some("/tidlig-opsporing?table=repeats&".into()),
        headers: vec!["Barn".into(), "Underretninger på 12 måneder".into()],
        rows: f
            .repeats
            .iter()
            .map(|(c, n)| Row {
                attrs: vec![("child", c.to_string())],
                cells: vec![
                    link(c.to_string(), format!("/boern/{}", urlencode(c.as_str()))),
                    Cell { text: n.to_string(), href: None, class: Some("overdue") },
                ],
            })
            .collect(),
        more: None,
    };
    let sections = vec![
        flow_section("source", "Underretninger pr. kilde", "Kilde", &f.by_source, source_label),
        flow_section("team", "Pr. ansvarligt team (efter routing-modellen)", "Team", &f.by_team, |t| t.to_string()),
        repeats,
        model,
    ];
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let id = qm.get("table").map(String::as_str).unwrap_or("source");
        let s = sections.iter().find(|s| s.id == id).unwrap_or(&sections[0]);
        return Ok(s.table().download(fmt, &format!("tidlig-opsporing-{}", s.id)));
    }
    let sections = shorten(sections);
    let bars: Vec<crate::chart::Bar> = f
        .by_source
        .iter()
        .map(|r| crate::chart::Bar {
            label: source_label(&r.key),
            parts: [
                r.on_time as i64,
                (r.assessed - r.on_time) as i64,
                r.open_late as i64,
                (r.notifications - r.assessed - r.open_late) as i64,
            ],
        })
        .collect();
    Ok(InsightPage {
        ctx: ctx(&user, "nav_effect", "Tidlig opsporing"),
        heading: "Tidlig opsporing: underretninger de seneste 12 måneder".into(),
        intro: Some(format!(
            "Svartiden måles fra underretningen modtages til den er vurderet, mod den svartid routing-modellen giver \
             kilde og vurdering. Opgjort {}.",
            da_date(ins.as_of)
        )),
        tabs: tabs("/tidlig-opsporing"),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        kpis: vec![
            ("Underretninger".into(), f.total.notifications.to_string()),
            ("Vurderet til tiden".into(), f.total.on_time_share().map(pct).unwrap_or_else(|| "—".into())),
            ("Ikke vurderet, over svartid".into(), f.total.open_late.to_string()),
            ("Børn med 3+ underretninger".into(), f.repeats.len().to_string()),
        ],
        download: None,
        charts: vec![(
            "Underretninger pr. kilde: vurderet til tiden, for sent, åbne over svartid, åbne".into(),
            crate::chart::stacked_shares(
                "Underretninger pr. kilde",
                &bars,
                ["Til tiden", "For sent", "Åben, over svartid", "Åben"],
            ),
        )],
        sections,
        budget_form: None,
    }
    .into_response())
}

// ---- placement quality --------------------------------------------------------------------------------------------

async fn quality_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    use domain::indicators::{SchoolType, Setting};
    user.require(LEADERS)?;
    let qm = query_map(&q);
    let ins = insight(&state).await?;
    let group = |g: (u8, u8)| if g == (0, 22) { "Alle".to_string() } else { format!("{}–{} år", g.0, g.1) };
    let opt = |x: Option<f64>| x.map(pct).unwrap_or_else(|| "—".into());
    let n = |m: &HashMap<Setting, usize>, s| m.get(&s).copied().unwrap_or(0).to_string();
    let placed = Section {
        id: "setting".into(),
        heading: "Hvor bor de anbragte børn".into(),
        count: None,
        export: Some("/anbringelser/kvalitet?table=setting&".into()),
        headers: [
            "Alder",
            "Anbragte",
            "Netværksplejefamilie",
            "Plejefamilie",
            "Opholdssted/institution mv.",
            "Andel i familiepleje",
            "Forældrestøtte ved siden af",
            "Andel med forældrestøtte",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: ins
            .quality
            .iter()
            .map(|(g, q)| Row {
                attrs: vec![("age", group(*g))],
                cells: vec![
                    cell(group(*g)),
                    cell(q.placed.to_string()),
                    cell(n(&q.by_setting, Setting::Network)),
                    cell(n(&q.by_setting, Setting::FosterFamily)),
                    cell(n(&q.by_setting, Setting::Institution)),
                    cell(opt(q.family_share())),
                    cell(q.parent_support.to_string()),
                    cell(opt((q.placed > 0).then(|| q.parent_support as f64 / q.placed as f64))),
                ],
            })
            .collect(),
        more: Some("Forældrestøtte: familien har en støttende indsats (ikke en anbringelse) i gang samtidig.".into()),
    };
    let mut headers = vec!["Alder".to_string()];
    headers.extend(SchoolType::ALL.iter().map(|s| s.label_da().to_string()));
    headers.push("Skole ikke registreret".into());
    headers.push("Andel i almindelig folkeskole".into());
    let school = Section {
        id: "school".into(),
        heading: "De anbragte børns skole".into(),
        count: None,
        export: Some("/anbringelser/kvalitet?table=school&".into()),
        headers,
        rows: ins
            .quality
            .iter()
            .map(|(g, q)| Row {
                attrs: vec![("age", group(*g))],
                cells: std::iter::once(cell(group(*g)))
                    .chain(SchoolType::ALL.iter().map(|s| cell(q.by_school.get(s).copied().unwrap_or(0).to_string())))
                    .chain([cell(q.school_unknown.to_string()), cell(opt(q.ordinary_school_share()))])
                    .collect(),
            })
            .collect(),
        more: Some(
            "Andelen regnes af de anbragte, hvis skole er registreret (feltet \"Barnets skole\" ved anbringelsen)."
                .into(),
        ),
    };
    let sections = vec![placed, school];
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let id = qm.get("table").map(String::as_str).unwrap_or("setting");
        let s = sections.iter().find(|s| s.id == id).unwrap_or(&sections[0]);
        return Ok(s.table().download(fmt, &format!("anbringelseskvalitet-{}", s.id)));
    }
    let total = ins.quality.last().map(|q| &q.1);
    let bars: Vec<crate::chart::Bar> = ins
        .quality
        .iter()
        .map(|(g, q)| crate::chart::Bar {
            label: group(*g),
            parts: [
                q.by_setting.get(&Setting::Network).copied().unwrap_or(0) as i64,
                q.by_setting.get(&Setting::FosterFamily).copied().unwrap_or(0) as i64,
                q.by_setting.get(&Setting::Institution).copied().unwrap_or(0) as i64,
                0,
            ],
        })
        .collect();
    Ok(InsightPage {
        ctx: ctx(&user, "nav_effect", "Anbringelseskvalitet"),
        heading: "Anbringelseskvalitet".into(),
        intro: Some(format!(
            "KL anbefaler netværks- og plejefamilier frem for institutioner, støtte til forældrene under anbringelsen \
             og almindelig skole for anbragte børn. Børn anbragt {}.",
            da_date(ins.as_of)
        )),
        tabs: tabs("/anbringelser/kvalitet"),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        kpis: vec![
            ("Anbragte børn".into(), total.map(|q| q.placed.to_string()).unwrap_or_default()),
            ("Andel i familiepleje".into(), opt(total.and_then(|q| q.family_share()))),
            ("Andel i almindelig folkeskole".into(), opt(total.and_then(|q| q.ordinary_school_share()))),
        ],
        download: None,
        charts: vec![(
            "Anbringelsessted pr. aldersgruppe".into(),
            crate::chart::stacked_shares(
                "Anbringelsessted pr. aldersgruppe",
                &bars,
                ["Netværksplejefamilie", "Plejefamilie", "Opholdssted/institution", "—"],
            ),
        )],
        sections,
        budget_form: None,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kroner_are_written_the_danish_way() {
        assert_eq!(kr(Ore(123_456_789)), "1.234.568 kr.");
        assert_eq!(kr(Ore(0)), "0 kr.");
        assert_eq!(kr(Ore(-100_000)), "-1.000 kr.");
        assert_eq!(kr(Ore(99_900)), "999 kr.");
    }
}
