//! Placement sites and supervision (issue 6): the site registry and site page, the foster-care consultant's
//! worklist, planned personal supervision visits, danger signals, finances of residential homes, the annual
//! supervision report to the city council, and the child's "Hvis du har brug for hjælp" card.

use crate::audit::Action;
use crate::auth::{AuthUser, CsrfForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::{cell, ctx, display_name, flash_of, link, query_map, Cell, FilterView, ListPage, Row, Section};
use crate::table::Format;
use crate::web_util::{da_date, da_when, today, urlencode};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use domain::access::Role;
use domain::event::{Body, Event, EventType, PlacementType, Severity, Signal, SignalSource};
use domain::obligation::Status;
use domain::rules::id as rule_id;
use domain::supervision::finance::{breaches, kr, pct, Breach, KeyFigures};
use domain::supervision::plans::{match_plans, Plan, PlanState, Visit};
use domain::supervision::ApprovalState;
use std::collections::HashMap;
use store::supervision::{SignalFilter, SignalRow, SiteFilter, SiteRow};
use store::Actor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tilsyn", get(worklist))
        .route("/tilsyn/planlaeg", post(plan_visit))
        .route("/tilsyn/plan/{id}/aflys", post(cancel_plan))
        .route("/steder", get(registry))
        .route("/steder/oekonomi", get(finances))
        .route("/steder/{site}", get(site_page))
        .route("/steder/{site}/konsulent", post(assign_consultant))
        .route("/faresignaler", get(signals_page))
        .route("/rapporter/tilsyn", get(report_page))
        .route("/rapporter/tilsyn.pdf", get(report_pdf))
        .route("/rapporter/tilsyn.xlsx", get(report_xlsx))
        .route("/boern/{child}/hjaelp.pdf", get(help_card))
}

/// Danish or English.
fn tr(l: Lang, da: &'static str, en: &'static str) -> String {
    if l == Lang::En { en } else { da }.to_string()
}

fn type_label(t: &str) -> &'static str {
    PlacementType::parse(t).map(|p| p.label_da()).unwrap_or("Andet")
}

fn approval_text(s: &SiteRow) -> String {
    let state = ApprovalState::parse(&s.approval).unwrap_or(ApprovalState::NotApproved);
    match (state, &s.approved_until, &s.revoked_on) {
        (ApprovalState::Approved, Some(u), _) => format!("Godkendt til {}", da_when(u)),
        (ApprovalState::Revoked, _, Some(r)) => format!("Tilbagekaldt {}", da_when(r)),
        (ApprovalState::Expired, Some(u), _) => format!("Udløbet {}", da_when(u)),
        _ => state.label_da().to_string(),
    }
}

/// Whether an approval in force runs out within 90 days.
fn expiring(s: &SiteRow, today: NaiveDate) -> bool {
    s.approval == "approved"
        && s.approved_until
            .as_deref()
            .and_then(|u| u.parse::<NaiveDate>().ok())
            .is_some_and(|u| u <= today + Duration::days(90))
}

fn status_cell(status: Status, text: String) -> Cell {
    Cell { text, href: None, class: matches!(status, Status::Overdue).then_some("overdue") }
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Overdue => "Overskredet",
        Status::Due => "Kommende",
        Status::Met => "Overholdt",
        Status::Late => "For sent",
    }
}

fn opt_date(s: &Option<String>) -> String {
    s.as_deref().map(da_when).unwrap_or_else(|| "–".into())
}

/// The consultants (username, full name) for a picker.
async fn consultants(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    let users = state.store.users().await?;
    let mut v: Vec<(String, String)> = users
        .into_iter()
        .filter(|u| u.role == Role::Consultant.as_str() && u.active)
        .map(|u| (u.username, u.full_name))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

// ---- the consultant's worklist -----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "worklist.html")]
struct WorklistPage {
    ctx: crate::pages::Ctx,
    heading: String,
    intro: String,
    consultants: Vec<(String, String)>,
    consultant: String,
    plan_children: Vec<(String, String)>,
    plan_default: String,
    sections: Vec<Section>,
}

const VISIT_RULES: &[&str] = &[rule_id::SUPERVISION_VISITS, rule_id::FIRST_VISIT];

/// What a consultant's worklist shows, read from the store in one go (remembered per journal head and work version).
pub struct WorklistData {
    sites: Vec<SiteRow>,
    placed: Vec<store::supervision::PlacedChild>,
    open: Vec<store::projection::ObligationRow>,
    plans: Vec<store::supervision::VisitPlan>,
    held: Vec<store::supervision::VisitHeld>,
    signals: Vec<SignalRow>,
    people: HashMap<String, store::caseload::Person>,
}

async fn worklist_data(
    state: &AppState,
    consultant: &str,
    now: chrono::DateTime<Utc>,
) -> Result<WorklistData, store::StoreError> {
    let sites = state
        .store
        .site_registry(&SiteFilter { consultant: Some(consultant.to_string()), ..SiteFilter::default() }, now)
        .await?;
    let site_ids: Vec<String> = sites.iter().map(|s| s.site.clone()).collect();
    let placed = state.store.placed_at(&site_ids).await?;
    let children: Vec<String> = placed.iter().map(|p| p.child.clone()).collect();
    let signal_filter = SignalFilter { sites: Some(site_ids.clone()), open_only: true, ..Default::default() };
    let child_refs: Vec<&str> = children.iter().map(String::as_str).collect();
    let (open, plans, held, signals, people) = tokio::try_join!(
        state.store.open_obligations_for(&site_ids, &children, VISIT_RULES, now),
        state.store.visit_plans(&children),
        state.store.visits_held(&children, now),
        state.store.signals(&signal_filter, now),
        state.store.people(&child_refs),
    )?;
    Ok(WorklistData { sites, placed, open, plans, held, signals, people })
}

async fn worklist(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let now = Utc::now();
    let td = today(now);
    let qm = query_map(&q);
    let consultant = match user.role {
        Role::Consultant => user.username.clone(),
        _ => qm.get("konsulent").cloned().unwrap_or_else(|| user.username.clone()),
    };
    let (head, version) = state.store.work_version().await?;
    let data = state
        .dashboards
        .worklists
        .get_current(&format!("{consultant}#{version}"), head, worklist_data(&state, &consultant, now))
        .await?;
    let WorklistData { sites, placed, open, plans, held, signals, people } = &*data;
    let children: Vec<&String> = placed.iter().map(|p| &p.child).collect();
    let site_name: HashMap<&str, &str> = sites.iter().map(|s| (s.site.as_str(), s.name.as_str())).collect();
    // Like "Mine børn", the worklist is the consultant's own caseload (always within need-to-know): one audit line
    // for the view, naming whose worklist and how many children, committed before the page is sent.
    let line = crate::audit::line(
        &user,
        Action::ViewCaseload,
        None,
        Some(format!("Mit tilsyn ({consultant}): {} anbragte børn, {} steder", children.len(), sites.len())),
        None,
    );
    let logged = Some(state.audit.submit(vec![line]).await?);

    // Visits: per placed child, the next deadline, the planned visit and the last visit.
    let mut visit_rows: Vec<(i64, Row)> = Vec::new();
    let mut plan_rows: Vec<(NaiveDate, Row)> = Vec::new();
    for p in placed {
        let next = open
            .iter()
            .find(|o| o.child.as_deref() == Some(p.child.as_str()) && VISIT_RULES.contains(&o.rule.as_str()));
        let mine: Vec<&store::supervision::VisitPlan> =
            plans.iter().filter(|v| v.child == p.child && v.placement == p.placement).collect();
        let visits: Vec<Visit> = held
            .iter()
            .filter(|v| v.child == p.child && v.placement == p.placement)
            .map(|v| Visit { date: v.date, recorded_ts: v.recorded_ts })
            .collect();
        let plan_list: Vec<Plan> = mine
            .iter()
            .map(|v| Plan { planned_for: v.planned_for, made_on: v.created_on, made_ts: v.created_ts })
            .collect();
        let states = match_plans(&plan_list, &visits, td);
        let upcoming =
            mine.iter().zip(&states).find(|(_, s)| matches!(s, PlanState::Planned)).map(|(v, _)| v.planned_for);
        let name = display_name(people, &p.child);
        for (v, s) in mine.iter().zip(&states) {
            plan_rows.push((
                v.planned_for,
                Row {
                    attrs: vec![
                        ("plan", v.id.clone()),
                        ("child", p.child.clone()),
                        (
                            "state",
                            match s {
                                PlanState::Held(_) => "held".to_string(),
                                PlanState::Planned => "planned".to_string(),
                                PlanState::Missed => "missed".to_string(),
                            },
                        ),
                    ],
                    cells: vec![
                        cell(da_date(v.planned_for)),
                        link(name.clone(), format!("/boern/{}", urlencode(&p.child))),
                        cell(site_name.get(p.site.as_str()).copied().unwrap_or(&p.site)),
                        Cell {
                            text: match s {
                                PlanState::Held(d) => format!("{} {}", s.label_da(), da_date(*d)),
                                _ => s.label_da().to_string(),
                            },
                            href: None,
                            class: matches!(s, PlanState::Missed).then_some("overdue"),
                        },
                        cell(v.planned_by.clone()),
                    ],
                },
            ));
        }
        let last = visits.iter().map(|v| v.date).max();
        let (sort, deadline, status) = match next {
            Some(o) => {
                (o.due_ts, format!("{} ({})", da_when(&o.due), domain::rules::id::label_da(&o.rule)), Some(o.status))
            }
            None => (i64::MAX, "–".into(), None),
        };
        visit_rows.push((
            sort,
            Row {
                attrs: vec![("child", p.child.clone()), ("placement", p.placement.clone())],
                cells: vec![
                    link(name, format!("/boern/{}", urlencode(&p.child))),
                    link(
                        site_name.get(p.site.as_str()).copied().unwrap_or(&p.site),
                        format!("/steder/{}", urlencode(&p.site)),
                    ),
                    cell(opt_date(&p.placed_since)),
                    match status {
                        Some(s) => status_cell(s, format!("{deadline} · {}", status_text(s))),
                        None => cell(deadline),
                    },
                    cell(upcoming.map(da_date).unwrap_or_else(|| "–".into())),
                    cell(last.map(da_date).unwrap_or_else(|| "–".into())),
                    link(
                        tr(l, "Registrér besøg", "Record visit"),
                        format!(
                            "/boern/{}/ny/supervision_visit?placement={}",
                            urlencode(&p.child),
                            urlencode(&p.placement)
                        ),
                    ),
                ],
            },
        ));
    }
    visit_rows.sort_by_key(|(k, _)| *k);
    plan_rows.sort_by_key(|(d, _)| *d);

    // Sites: the earliest open site obligation.
    let site_rows: Vec<Row> = sites
        .iter()
        .map(|s| {
            let next = open.iter().find(|o| o.child.is_none() && o.subject == s.site);
            Row {
                attrs: vec![("site", s.site.clone())],
                cells: vec![
                    link(s.name.clone(), format!("/steder/{}", urlencode(&s.site))),
                    cell(type_label(&s.site_type)),
                    Cell {
                        text: approval_text(s),
                        href: None,
                        class: (s.approval != "approved" || expiring(s, td)).then_some("overdue"),
                    },
                    cell(format!("{} / {}", s.placed, s.places.map(|p| p.to_string()).unwrap_or_else(|| "–".into()))),
                    match next {
                        Some(o) => status_cell(
                            o.status,
                            format!(
                                "{} {} · {}",
                                domain::rules::id::label_da(&o.rule),
                                da_when(&o.due),
                                status_text(o.status)
                            ),
                        ),
                        None => cell("–"),
                    },
                    cell(opt_date(&s.last_supervision)),
                ],
            }
        })
        .collect();
    let signal_rows = signal_rows(l, signals, &site_name, true);

    let h = |keys: &[(&'static str, &'static str)]| keys.iter().map(|(da, en)| tr(l, da, en)).collect::<Vec<_>>();
    let sections = vec![
        Section {
            id: "visits".into(),
            heading: tr(l, "Personrettet tilsyn med anbragte børn", "Personal supervision of placed children"),
            count: Some(visit_rows.len()),
            headers: h(&[
                ("Barn", "Child"),
                ("Anbringelsessted", "Placement site"),
                ("Anbragt siden", "Placed since"),
                ("Næste frist", "Next deadline"),
                ("Planlagt besøg", "Planned visit"),
                ("Seneste besøg", "Last visit"),
                ("Handling", "Action"),
            ]),
            rows: visit_rows.into_iter().map(|(_, r)| r).collect(),
            ..Default::default()
        },
        Section {
            id: "plans".into(),
            heading: tr(l, "Planlagte besøg", "Planned visits"),
            count: Some(plan_rows.len()),
            headers: h(&[
                ("Dato", "Date"),
                ("Barn", "Child"),
                ("Sted", "Site"),
                ("Status", "Status"),
                ("Planlagt af", "Planned by"),
            ]),
            rows: plan_rows.into_iter().map(|(_, r)| r).collect(),
            ..Default::default()
        },
        Section {
            id: "sites".into(),
            heading: tr(l, "Mine plejefamilier og anbringelsessteder", "My foster families and sites"),
            count: Some(site_rows.len()),
            headers: h(&[
                ("Sted", "Site"),
                ("Type", "Type"),
                ("Godkendelse", "Approval"),
                ("Anbragte / pladser", "Placed / places"),
                ("Næste frist", "Next deadline"),
                ("Seneste supervision", "Last supervision"),
            ]),
            rows: site_rows,
            ..Default::default()
        },
        Section {
            id: "signals".into(),
            heading: tr(l, "Faresignaler uden reaktion", "Danger signals awaiting reaction"),
            count: Some(signal_rows.len()),
            headers: signal_headers(l, true),
            rows: signal_rows,
            ..Default::default()
        },
    ];
    let plan_children: Vec<(String, String)> = placed
        .iter()
        .map(|p| {
            (
                p.child.clone(),
                format!(
                    "{} — {}",
                    display_name(people, &p.child),
                    site_name.get(p.site.as_str()).copied().unwrap_or(&p.site)
                ),
            )
        })
        .collect();
    let mut c = ctx(&user, "nav_supervision", l.t("supervision_title"));
    c.flash = flash_of(&q);
    let page = WorklistPage {
        ctx: c,
        heading: l.t("supervision_title").into(),
        intro: l.t("supervision_intro").into(),
        consultants: if user.role == Role::Consultant { Vec::new() } else { consultants(&state).await? },
        consultant,
        plan_children: if user.may_write() { plan_children } else { Vec::new() },
        plan_default: (td + Duration::days(14)).to_string(),
        sections,
    }
    .into_response();
    if let Some(p) = logged {
        p.committed().await?;
    }
    Ok(page)
}

/// The child's current placement, if the consultant (or leader) may plan visits for it.
async fn plan_target(state: &AppState, user: &AuthUser, child: &str) -> Result<String, AppError> {
    let (case, _) = crate::access::open_child(state, user, child, Action::Record, "Planlægger tilsynsbesøg").await?;
    case.placement
        .clone()
        .ok_or_else(|| AppError::bad("child", "Barnet er ikke anbragt; der kan ikke planlægges tilsyn."))
}

async fn plan_visit(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(&[Role::Consultant, Role::TeamLeader])?;
    crate::pages::check_writer(user)?;
    let child = form.get("child").unwrap_or_default().trim().to_string();
    if child.is_empty() {
        return Err(AppError::bad("child", "Vælg det barn, besøget gælder."));
    }
    let date = form.get("planned_for").unwrap_or_default();
    let planned_for = date
        .trim()
        .parse::<NaiveDate>()
        .map_err(|_| AppError::bad("planned_for", "Datoen for besøget skal skrives som åååå-mm-dd."))?;
    let now = Utc::now();
    if planned_for < today(now) {
        return Err(AppError::bad("planned_for", "Et planlagt besøg kan ikke ligge i fortiden."));
    }
    if planned_for > today(now) + Duration::days(400) {
        return Err(AppError::bad("planned_for", "Besøget kan højst planlægges 13 måneder frem."));
    }
    let placement = plan_target(&state, user, &child).await?;
    state.store.plan_visit(&child, &placement, planned_for, &Actor::new(&user.username, now)).await?;
    let back = match form.get("konsulent").filter(|k| !k.is_empty() && user.role != Role::Consultant) {
        Some(k) => format!("/tilsyn?konsulent={}&ok=planned", urlencode(k)),
        None => "/tilsyn?ok=planned".into(),
    };
    Ok(Redirect::to(&back).into_response())
}

async fn cancel_plan(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(&[Role::Consultant, Role::TeamLeader])?;
    crate::pages::check_writer(user)?;
    let child = form.get("child").unwrap_or_default();
    plan_target(&state, user, child).await?;
    if !state.store.cancel_visit_plan(&id, child, &Actor::new(&user.username, Utc::now())).await? {
        return Err(AppError::NotFound("Det planlagte besøg findes ikke (eller er allerede aflyst).".into()));
    }
    Ok(Redirect::to("/tilsyn?ok=cancelled").into_response())
}

// ---- danger signals -------------------------------------------------------------------------------------------

fn signal_headers(l: Lang, with_action: bool) -> Vec<String> {
    let mut v = vec![
        tr(l, "Rejst", "Raised"),
        tr(l, "Alvor", "Severity"),
        tr(l, "Kilde", "Source"),
        tr(l, "Hvad", "What"),
        tr(l, "Sted", "Site"),
        tr(l, "Reaktionsfrist", "Reaction deadline"),
        tr(l, "Reaktion", "Reaction"),
        tr(l, "Socialtilsynet orienteret", "Socialtilsyn notified"),
    ];
    if with_action {
        v.push(tr(l, "Handling", "Action"));
    }
    v
}

fn signal_rows(l: Lang, signals: &[SignalRow], names: &HashMap<&str, &str>, with_action: bool) -> Vec<Row> {
    signals
        .iter()
        .map(|s| {
            let escalated = s.handled.is_none() && s.status == Some(Status::Overdue);
            let mut cells = vec![
                cell(da_date(s.raised)),
                Cell {
                    text: s.severity.as_deref().and_then(Severity::parse).map_or("–", |x| x.label_da()).to_string(),
                    href: None,
                    class: matches!(s.severity.as_deref(), Some("critical" | "high")).then_some("overdue"),
                },
                cell(s.source.as_deref().and_then(SignalSource::parse).map_or("–", |x| x.label_da())),
                cell(s.kind.clone().unwrap_or_default()),
                match &s.site {
                    Some(site) => {
                        link(names.get(site.as_str()).copied().unwrap_or(site), format!("/steder/{}", urlencode(site)))
                    }
                    None => cell("–"),
                },
                Cell {
                    text: match (&s.due, s.status) {
                        (Some(d), Some(st)) if s.handled.is_none() => {
                            format!(
                                "{} · {}{}",
                                da_when(d),
                                status_text(st),
                                if escalated { " · eskaleret til leder" } else { "" }
                            )
                        }
                        (Some(d), _) => da_when(d),
                        _ => "–".into(),
                    },
                    href: None,
                    class: escalated.then_some("overdue"),
                },
                cell(match s.handled {
                    Some(d) => {
                        format!("{}{}", da_date(d), s.action.as_deref().map(|a| format!(": {a}")).unwrap_or_default())
                    }
                    None => tr(l, "Afventer", "Awaiting"),
                }),
                cell(if s.socialtilsyn_notified { tr(l, "Ja", "Yes") } else { tr(l, "Nej", "No") }),
            ];
            if with_action {
                cells.push(if s.handled.is_none() {
                    link(
                        tr(l, "Registrér reaktion", "Record reaction"),
                        format!("/steder/ny/danger_signal_handled?signal={}", urlencode(&s.signal)),
                    )
                } else {
                    cell("")
                });
            }
            Row { attrs: vec![("signal", s.signal.clone())], cells }
        })
        .collect()
}

async fn signals_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let now = Utc::now();
    let qm = query_map(&q);
    let status = qm.get("status").cloned().unwrap_or_else(|| "open".into());
    let year: Option<i32> = match qm.get("aar").map(String::as_str) {
        None | Some("") => None,
        Some(y) => Some(y.parse().map_err(|_| AppError::bad("aar", "Året skal være et årstal, fx 2025."))?),
    };
    let mut list =
        state.store.signals(&SignalFilter { open_only: status != "all", year, ..SignalFilter::default() }, now).await?;
    if status == "escalated" {
        list.retain(|s| s.handled.is_none() && s.status == Some(Status::Overdue));
    }
    let names = state.store.site_names().await?;
    let names: HashMap<&str, &str> = names.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    // Leaders see the reactions' actions (personal data in the journal's personal part); the list names no child.
    let escalated = list.iter().filter(|s| s.handled.is_none() && s.status == Some(Status::Overdue)).count();
    let section = Section {
        id: "signals".into(),
        heading: tr(l, "Faresignaler", "Danger signals"),
        count: Some(list.len()),
        export: Some(format!("/faresignaler?status={status}&aar={}&", year.map(|y| y.to_string()).unwrap_or_default())),
        headers: signal_headers(l, user.may_write()),
        rows: signal_rows(l, &list, &names, user.may_write()),
        more: (escalated > 0).then(|| {
            format!(
                "{escalated} faresignaler har overskredet reaktionsfristen og er eskaleret til teamleder og ledelse."
            )
        }),
    };
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        return Ok(section.table().download(fmt, "faresignaler"));
    }
    let options = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
    let mut c = ctx(&user, "nav_signals", tr(l, "Faresignaler", "Danger signals"));
    c.flash = flash_of(&q);
    let this_year = today(now).year();
    Ok(ListPage {
        ctx: c,
        heading: tr(l, "Faresignaler", "Danger signals"),
        intro: Some(tr(
            l,
            "Faresignaler fra tilsynsbesøg, børn, skoler, økonomi, medier og whistleblowere. Hvert signal har en \
             reaktionsfrist efter alvor; et signal uden reaktion efter fristen eskaleres til teamleder og ledelse.",
            "Danger signals from visits, children, schools, finances, media and whistle-blowers. Each has a reaction \
             deadline by severity; a signal without reaction after the deadline is escalated to the leaders.",
        )),
        action: "/faresignaler".into(),
        filters: vec![
            FilterView {
                name: "status",
                label: tr(l, "Vis", "Show"),
                value: status.clone(),
                options: options(&[
                    ("open", "Uden reaktion"),
                    ("escalated", "Eskalerede (frist overskredet)"),
                    ("all", "Alle"),
                ]),
            },
            FilterView {
                name: "aar",
                label: tr(l, "År", "Year"),
                value: year.map(|y| y.to_string()).unwrap_or_default(),
                options: std::iter::once((String::new(), "Alle år".to_string()))
                    .chain((this_year - 5..=this_year).rev().map(|y| (y.to_string(), y.to_string())))
                    .collect(),
            },
        ],
        submit_label: l.t("filter").into(),
        charts: Vec::new(),
        sections: vec![section],
    }
    .into_response())
}

/// A danger signal raised by a finance report beyond the municipality's thresholds (`[finances]` of the rule
/// pack), recorded in the same append as the report. `None` when the figures are within the thresholds.
pub async fn finance_signal(state: &AppState, event: &Event) -> Result<Option<Event>, AppError> {
    let Body::SiteFinancesReported { site, year, revenue_dkk, costs_dkk, equity_dkk } = &event.body else {
        return Ok(None);
    };
    let places = state.store.site(site, Utc::now()).await?.and_then(|s| s.places).and_then(|p| u16::try_from(p).ok());
    let k = KeyFigures::new(*year, *revenue_dkk, *costs_dkk, *equity_dkk, places);
    let b = breaches(&k, &state.pack.finances);
    if b.is_empty() {
        return Ok(None);
    }
    let severe = b.iter().any(|x| matches!(x, Breach::EquityLow(..) | Breach::MarginLow(..)));
    let signal = format!("f-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let mut e = Event::new(
        event.at,
        event.child.clone(),
        Body::DangerSignal(Box::new(Signal {
            signal: signal.into(),
            site: Some(site.clone()),
            placement: None,
            kind: Some(format!(
                "Økonomiske nøgletal {year}: {}",
                b.iter().map(Breach::text_da).collect::<Vec<_>>().join("; ")
            )),
            source: Some(SignalSource::Finances),
            severity: Some(if severe { Severity::High } else { Severity::Medium }),
        })),
    );
    e.set_note(Some("Rejst automatisk: regnskabet ligger uden for kommunens grænser for nøgletal.".into()));
    Ok(Some(e))
}

// ---- the registry and the site page -------------------------------------------------------------------------------

async fn registry(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let now = Utc::now();
    let td = today(now);
    let qm = query_map(&q);
    let get = |k: &str| qm.get(k).filter(|v| !v.is_empty()).cloned();
    let filter = SiteFilter {
        consultant: get("konsulent"),
        site_type: get("type"),
        approval: get("godkendelse"),
        behind_only: get("bagud").is_some(),
        site: None,
    };
    if let Some(t) = &filter.site_type {
        if PlacementType::parse(t).is_none() {
            return Err(AppError::bad("type", format!("ukendt type \"{t}\"")));
        }
    }
    let sites = state.store.site_registry(&filter, now).await?;
    let people = consultants(&state).await?;
    let consultant_name: HashMap<&str, &str> = people.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let headers = [
        ("Sted", "Site"),
        ("Type", "Type"),
        ("Godkendelse", "Approval"),
        ("Målgruppe", "Target group"),
        ("Pladser", "Places"),
        ("Anbragte", "Placed"),
        ("Konsulent", "Consultant"),
        ("Seneste supervision", "Last supervision"),
        ("Seneste efteruddannelse", "Last training"),
        ("Seneste driftstilsyn", "Last operational supervision"),
        ("Åbne frister", "Open deadlines"),
        ("Overskredne", "Overdue"),
    ];
    let section = Section {
        id: "sites".into(),
        heading: l.t("sites_title").into(),
        count: Some(sites.len()),
        export: Some(format!(
            "/steder?{}&",
            serde_urlencoded::to_string(qm.iter().filter(|(k, _)| k.as_str() != "format").collect::<Vec<_>>())
                .unwrap_or_default()
        )),
        headers: headers.iter().map(|(d, e)| tr(l, d, e)).collect(),
        rows: sites
            .iter()
            .map(|s| Row {
                attrs: vec![
                    ("site", s.site.clone()),
                    ("type", s.site_type.clone()),
                    ("placed", s.placed.to_string()),
                    ("approval", s.approval.clone()),
                ],
                cells: vec![
                    link(s.name.clone(), format!("/steder/{}", urlencode(&s.site))),
                    cell(type_label(&s.site_type)),
                    Cell {
                        text: approval_text(s),
                        href: None,
                        class: (s.approval != "approved" || expiring(s, td)).then_some("overdue"),
                    },
                    cell(s.target_group.clone().unwrap_or_default()),
                    cell(s.places.map(|p| p.to_string()).unwrap_or_default()),
                    Cell {
                        text: s.placed.to_string(),
                        href: None,
                        class: s.places.is_some_and(|p| s.placed > p).then_some("overdue"),
                    },
                    cell(
                        s.consultant
                            .as_deref()
                            .map(|c| consultant_name.get(c).copied().unwrap_or(c).to_string())
                            .unwrap_or_default(),
                    ),
                    cell(opt_date(&s.last_supervision)),
                    cell(opt_date(&s.last_training)),
                    cell(opt_date(&s.last_operational)),
                    cell(s.open.to_string()),
                    Cell { text: s.overdue.to_string(), href: None, class: (s.overdue > 0).then_some("overdue") },
                ],
            })
            .collect(),
        more: None,
    };
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        return Ok(section.table().download(fmt, "anbringelsessteder"));
    }
    let forms_section = Section {
        id: "site-forms".into(),
        heading: l.t("site_forms").into(),
        headers: vec![tr(l, "Hændelse", "Event")],
        rows: EventType::ALL
            .iter()
            .filter(|t| !crate::forms::is_child_event(**t) && **t != EventType::Correction)
            .map(|t| Row {
                attrs: vec![("new-event", t.as_str().into())],
                cells: vec![link(t.label_da(), format!("/steder/ny/{}", t.as_str()))],
            })
            .collect(),
        ..Default::default()
    };
    let blank = |label: &str| std::iter::once((String::new(), label.to_string()));
    let mut c = ctx(&user, "nav_sites", l.t("sites_title"));
    c.flash = flash_of(&q);
    Ok(ListPage {
        ctx: c,
        heading: l.t("sites_title").into(),
        intro: Some(l.t("sites_intro").into()),
        action: "/steder".into(),
        filters: vec![
            FilterView {
                name: "type",
                label: tr(l, "Type", "Type"),
                value: filter.site_type.clone().unwrap_or_default(),
                options: blank("Alle typer")
                    .chain(PlacementType::ALL.iter().map(|t| (t.as_str().to_string(), t.label_da().to_string())))
                    .collect(),
            },
            FilterView {
                name: "godkendelse",
                label: tr(l, "Godkendelse", "Approval"),
                value: filter.approval.clone().unwrap_or_default(),
                options: blank("Alle")
                    .chain(ApprovalState::ALL.iter().map(|a| (a.as_str().to_string(), a.label_da().to_string())))
                    .collect(),
            },
            FilterView {
                name: "konsulent",
                label: l.t("consultant").into(),
                value: filter.consultant.clone().unwrap_or_default(),
                options: blank("Alle").chain(people.iter().cloned()).collect(),
            },
            FilterView {
                name: "bagud",
                label: tr(l, "Bagud med uddannelse/supervision/tilsyn", "Behind on training/supervision"),
                value: if filter.behind_only { "1".into() } else { String::new() },
                options: vec![
                    (String::new(), "Alle".into()),
                    ("1".into(), "Kun steder med overskredne frister".into()),
                ],
            },
        ],
        submit_label: l.t("filter").into(),
        charts: Vec::new(),
        sections: if user.may_write() && matches!(user.role, Role::Consultant | Role::TeamLeader) {
            vec![section, forms_section]
        } else {
            vec![section]
        },
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "site.html")]
struct SitePage {
    ctx: crate::pages::Ctx,
    heading: String,
    site: String,
    facts: Vec<(String, String, Option<&'static str>)>,
    actions: Vec<(String, String)>,
    consultants: Vec<(String, String)>,
    consultant: String,
    sections: Vec<Section>,
}

async fn site_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path(site): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let now = Utc::now();
    let td = today(now);
    let s = state
        .store
        .site(&site, now)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Anbringelsesstedet \"{site}\" findes ikke.")))?;
    let ids = vec![site.clone()];
    let placed = state.store.placed_at(&ids).await?;
    let children: Vec<String> = placed.iter().map(|p| p.child.clone()).collect();
    let signal_filter = SignalFilter { site: Some(site.clone()), ..Default::default() };
    let child_refs: Vec<&str> = children.iter().map(String::as_str).collect();
    let (open, events, signals, held, people) = tokio::try_join!(
        state.store.open_obligations_for(&ids, &children, VISIT_RULES, now),
        state.store.site_events(&site, now),
        state.store.signals(&signal_filter, now),
        state.store.visits_held(&children, now),
        state.store.people(&child_refs),
    )?;
    let lines = children
        .iter()
        .map(|c| crate::audit::line(&user, Action::ViewList, Some(c), Some(format!("Anbringelsessted {site}")), None))
        .collect::<Vec<_>>();
    let logged = if lines.is_empty() { None } else { Some(state.audit.submit(lines).await?) };
    let type_ = PlacementType::parse(&s.site_type);
    let consultant_list = consultants(&state).await?;
    let consultant_name = s
        .consultant
        .as_deref()
        .map(|c| consultant_list.iter().find(|(u, _)| u == c).map(|(_, n)| n.clone()).unwrap_or_else(|| c.to_string()))
        .unwrap_or_else(|| tr(l, "Ingen", "None"));
    let mut facts = vec![
        (tr(l, "Type", "Type"), type_label(&s.site_type).to_string(), None),
        (
            tr(l, "Godkendelse", "Approval"),
            approval_text(&s),
            (s.approval != "approved" || expiring(&s, td)).then_some("overdue"),
        ),
        (tr(l, "Godkendt fra", "Approved from"), opt_date(&s.approved_from), None),
        (tr(l, "Godkendt af", "Approved by"), s.approved_by.clone().unwrap_or_else(|| "–".into()), None),
        (tr(l, "Målgruppe", "Target group"), s.target_group.clone().unwrap_or_else(|| "–".into()), None),
        (
            tr(l, "Anbragte / pladser", "Placed / places"),
            format!("{} / {}", s.placed, s.places.map(|p| p.to_string()).unwrap_or_else(|| "–".into())),
            s.places.is_some_and(|p| s.placed > p).then_some("overdue"),
        ),
        (l.t("consultant").to_string(), consultant_name, None),
    ];
    if type_.is_some_and(|t| t.is_foster_family()) {
        facts.push((tr(l, "Grundkursus", "Basic course"), opt_date(&s.basic_course_on), None));
        facts.push((
            tr(l, "Efteruddannelse i år (timer)", "Training this year (hours)"),
            s.training_hours.to_string(),
            None,
        ));
    }
    let mut sections = Vec::new();
    let names: HashMap<&str, &str> = [(site.as_str(), s.name.as_str())].into_iter().collect();
    // Deadlines of the site and of the visits to its children.
    sections.push(Section {
        id: "deadlines".into(),
        heading: tr(l, "Åbne frister", "Open deadlines"),
        count: Some(open.len()),
        headers: vec![
            tr(l, "Frist", "Due"),
            tr(l, "Pligt", "Obligation"),
            tr(l, "Lov", "Law"),
            tr(l, "Barn", "Child"),
            tr(l, "Status", "Status"),
        ],
        rows: open
            .iter()
            .map(|o| Row {
                attrs: vec![("rule", o.rule.clone())],
                cells: vec![
                    cell(da_when(&o.due)),
                    cell(domain::rules::id::label_da(&o.rule)),
                    cell(o.law.clone()),
                    match &o.child {
                        Some(c) => link(display_name(&people, c), format!("/boern/{}", urlencode(c))),
                        None => cell("–"),
                    },
                    status_cell(o.status, status_text(o.status).into()),
                ],
            })
            .collect(),
        ..Default::default()
    });
    // Children placed now, with their visits: personal supervision beside the site's own supervision.
    sections.push(Section {
        id: "children".into(),
        heading: tr(l, "Anbragte børn og personrettet tilsyn", "Placed children and personal supervision"),
        count: Some(placed.len()),
        headers: vec![
            tr(l, "Barn", "Child"),
            tr(l, "Anbragt siden", "Placed since"),
            tr(l, "Besøg i år", "Visits this year"),
            tr(l, "Seneste besøg", "Last visit"),
            tr(l, "Talt alene med barnet", "Child spoken to alone"),
        ],
        rows: placed
            .iter()
            .map(|p| {
                let mine: Vec<&store::supervision::VisitHeld> = held.iter().filter(|v| v.child == p.child).collect();
                let last = mine.last();
                Row {
                    attrs: vec![("child", p.child.clone())],
                    cells: vec![
                        link(display_name(&people, &p.child), format!("/boern/{}", urlencode(&p.child))),
                        cell(opt_date(&p.placed_since)),
                        cell(mine.iter().filter(|v| v.date.year() == td.year()).count().to_string()),
                        cell(last.map(|v| da_date(v.date)).unwrap_or_else(|| "–".into())),
                        cell(match last {
                            Some(v) if v.child_spoken_to && v.without_carers => tr(l, "Ja", "Yes"),
                            Some(_) => tr(l, "Nej", "No"),
                            None => "–".into(),
                        }),
                    ],
                }
            })
            .collect(),
        ..Default::default()
    });
    sections.push(Section {
        id: "signals".into(),
        heading: tr(l, "Faresignaler", "Danger signals"),
        count: Some(signals.len()),
        headers: signal_headers(l, user.may_write()),
        rows: signal_rows(l, &signals, &names, user.may_write()),
        ..Default::default()
    });
    // The site's history: approvals, training, supervision, operational supervision with the Socialtilsyn's
    // conclusion, finances with key figures.
    let places = s.places.and_then(|p| u16::try_from(p).ok());
    let mut history: Vec<Row> = Vec::new();
    for (e, by) in events.iter().rev() {
        let text = match &e.body {
            Body::SiteRegistered { .. } => "Registreret".to_string(),
            Body::SiteApproved { valid_until, by: who, places, target_group, .. } => format!(
                "Godkendt{}{}{}{}",
                valid_until.map(|d| format!(" til {}", da_date(d))).unwrap_or_default(),
                who.as_deref().map(|w| format!(" af {w}")).unwrap_or_default(),
                places.map(|p| format!(", {p} pladser")).unwrap_or_default(),
                target_group.as_deref().map(|t| format!(", målgruppe: {t}")).unwrap_or_default()
            ),
            Body::SiteApprovalRevoked { .. } => "Godkendelsen tilbagekaldt".into(),
            Body::FosterTraining { course, hours, .. } => format!(
                "Efteruddannelse{}{}",
                course.as_deref().map(|c| format!(": {c}")).unwrap_or_default(),
                hours.map(|h| format!(" ({h} timer)")).unwrap_or_default()
            ),
            Body::FosterSupervision { .. } => "Supervision af plejefamilien".into(),
            Body::OperationalSupervision { announced, conclusion, .. } => format!(
                "Driftsorienteret tilsyn ({}){}",
                if *announced { "anmeldt" } else { "uanmeldt" },
                conclusion.as_deref().map(|c| format!(": {c}")).unwrap_or_default()
            ),
            Body::SiteFinancesReported { year, revenue_dkk, costs_dkk, equity_dkk, .. } => {
                let k = KeyFigures::new(*year, *revenue_dkk, *costs_dkk, *equity_dkk, places);
                let b = breaches(&k, &state.pack.finances);
                format!(
                    "Regnskab {year}: omsætning {} kr., overskudsgrad {} %{}{}",
                    kr(k.revenue_dkk),
                    pct(k.margin_pct),
                    k.cost_per_place_day_dkk.map(|c| format!(", {} kr. pr. plads pr. døgn", kr(c))).unwrap_or_default(),
                    if b.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", b.iter().map(Breach::text_da).collect::<Vec<_>>().join("; "))
                    }
                )
            }
            Body::PlacementStarted { .. } | Body::DangerSignal(_) | Body::DangerSignalHandled { .. } => continue,
            _ => continue,
        };
        history.push(Row {
            attrs: vec![("event", e.event_type().as_str().into())],
            cells: vec![cell(da_date(e.at.date())), cell(e.event_type().label_da()), cell(text), cell(by.clone())],
        });
    }
    sections.push(Section {
        id: "history".into(),
        heading: tr(
            l,
            "Godkendelse, uddannelse, supervision og tilsyn",
            "Approval, training, supervision and inspection",
        ),
        count: Some(history.len()),
        headers: vec![
            tr(l, "Dato", "Date"),
            tr(l, "Hændelse", "Event"),
            tr(l, "Indhold", "Content"),
            tr(l, "Registreret af", "Recorded by"),
        ],
        rows: history,
        ..Default::default()
    });
    let mut actions = Vec::new();
    if user.may_write() && matches!(user.role, Role::Consultant | Role::TeamLeader) {
        let mut kinds = vec![EventType::SiteApproved, EventType::SiteApprovalRevoked, EventType::DangerSignal];
        if type_.is_some_and(|t| t.is_foster_family()) {
            kinds.extend([EventType::FosterTraining, EventType::FosterSupervision]);
        }
        if type_.is_some_and(|t| t.is_socialtilsyn_site()) {
            kinds.push(EventType::OperationalSupervision);
        }
        if type_ == Some(PlacementType::ResidentialHome) {
            kinds.push(EventType::SiteFinancesReported);
        }
        actions = kinds
            .into_iter()
            .map(|k| (k.label_da().to_string(), format!("/steder/ny/{}?site={}", k.as_str(), urlencode(&site))))
            .collect();
    }
    actions.push(("VISO-henvendelser".to_string(), format!("/steder/{}/viso", urlencode(&site))));
    let mut c = ctx(&user, "nav_sites", s.name.clone());
    c.flash = flash_of(&q);
    let page = SitePage {
        ctx: c,
        heading: s.name.clone(),
        site: urlencode(&site),
        facts,
        actions,
        consultants: if user.role == Role::TeamLeader && user.may_write() { consultant_list } else { Vec::new() },
        consultant: s.consultant.clone().unwrap_or_default(),
        sections,
    }
    .into_response();
    if let Some(p) = logged {
        p.committed().await?;
    }
    Ok(page)
}

async fn assign_consultant(
    State(state): State<AppState>,
    Path(site): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(&[Role::TeamLeader])?;
    crate::pages::check_writer(user)?;
    let consultant = form.get("consultant").unwrap_or_default();
    if !consultants(&state).await?.iter().any(|(u, _)| *u == consultant) {
        return Err(AppError::bad("consultant", "Vælg en aktiv familieplejekonsulent."));
    }
    if state.store.site(&site, Utc::now()).await?.is_none() {
        return Err(AppError::NotFound(format!("Anbringelsesstedet \"{site}\" findes ikke.")));
    }
    state.store.assign_site(&site, consultant, &Actor::new(&user.username, Utc::now())).await?;
    state
        .audit
        .log(user, Action::AdminChange, None, Some(format!("Anbringelsessted {site} tildelt {consultant}")), None)
        .await?;
    Ok(Redirect::to(&format!("/steder/{}?ok=saved", urlencode(&site))).into_response())
}

// ---- finances of residential homes ----------------------------------------------------------------------------

async fn finances(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager, Role::Analyst])?;
    let l = user.lang;
    let qm = query_map(&q);
    let sites = state.store.site_registry(&SiteFilter::default(), Utc::now()).await?;
    let mut rows: Vec<(f64, Row)> = Vec::new();
    for s in sites.iter().filter(|s| s.site_type == PlacementType::ResidentialHome.as_str()) {
        let Some((year, revenue, costs, equity)) = s.finances else { continue };
        let places = s.places.and_then(|p| u16::try_from(p).ok());
        let k = KeyFigures::new(year as i32, revenue, costs, equity, places);
        let b = breaches(&k, &state.pack.finances);
        let flag = |on: bool| on.then_some("overdue");
        rows.push((
            k.cost_per_place_day_dkk.unwrap_or(0.0),
            Row {
                attrs: vec![("site", s.site.clone())],
                cells: vec![
                    link(s.name.clone(), format!("/steder/{}", urlencode(&s.site))),
                    cell(year.to_string()),
                    cell(kr(k.revenue_dkk)),
                    cell(kr(k.costs_dkk)),
                    Cell {
                        text: pct(k.margin_pct),
                        href: None,
                        class: flag(b.iter().any(|x| matches!(x, Breach::MarginHigh(..) | Breach::MarginLow(..)))),
                    },
                    Cell {
                        text: k.equity_dkk.map(kr).unwrap_or_default(),
                        href: None,
                        class: flag(b.iter().any(|x| matches!(x, Breach::EquityLow(..)))),
                    },
                    cell(places.map(|p| p.to_string()).unwrap_or_default()),
                    Cell {
                        text: k.cost_per_place_day_dkk.map(kr).unwrap_or_default(),
                        href: None,
                        class: flag(b.iter().any(|x| matches!(x, Breach::CostHigh(..)))),
                    },
                    cell(b.iter().map(Breach::text_da).collect::<Vec<_>>().join("; ")),
                ],
            },
        ));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let t = &state.pack.finances;
    let limit = |v: Option<f64>, f: fn(f64) -> String, unit: &str| {
        v.map(|x| format!("{} {unit}", f(x))).unwrap_or("ingen".into())
    };
    let section = Section {
        id: "finances".into(),
        heading: tr(l, "Opholdssteders økonomiske nøgletal", "Residential homes' key figures"),
        count: Some(rows.len()),
        export: Some("/steder/oekonomi?".into()),
        headers: [
            ("Opholdssted", "Residential home"),
            ("Regnskabsår", "Year"),
            ("Omsætning (kr.)", "Revenue (DKK)"),
            ("Omkostninger (kr.)", "Costs (DKK)"),
            ("Overskudsgrad (%)", "Profit margin (%)"),
            ("Egenkapital (kr.)", "Equity (DKK)"),
            ("Pladser", "Places"),
            ("Pr. plads pr. døgn (kr.)", "Per place per day (DKK)"),
            ("Uden for grænserne", "Beyond thresholds"),
        ]
        .iter()
        .map(|(d, e)| tr(l, d, e))
        .collect(),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        more: Some(format!(
            "Kommunens grænser: overskudsgrad højst {} og mindst {}, egenkapital mindst {}, omkostninger pr. plads pr. \
             døgn højst {}. Et regnskab uden for grænserne rejser automatisk et faresignal.",
            limit(t.max_profit_margin_pct, pct, "%"),
            limit(t.min_profit_margin_pct, pct, "%"),
            limit(t.min_equity_dkk, kr, "kr."),
            limit(t.max_cost_per_place_day_dkk, kr, "kr.")
        )),
    };
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        return Ok(section.table().download(fmt, "opholdssteder-oekonomi"));
    }
    Ok(ListPage {
        ctx: ctx(&user, "nav_sites", tr(l, "Økonomi", "Finances")),
        heading: tr(l, "Opholdssteders økonomi", "Finances of residential homes"),
        intro: Some(tr(
            l,
            "Seneste indberettede regnskab for hvert opholdssted, sorteret efter omkostninger pr. plads pr. døgn.",
            "The latest accounts of each residential home, by cost per place per day.",
        )),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        charts: Vec::new(),
        sections: vec![section],
    }
    .into_response())
}

// ---- the council report ---------------------------------------------------------------------------------------

async fn council(state: &AppState, q: &Option<String>) -> Result<domain::supervision::report::CouncilReport, AppError> {
    let qm = query_map(q);
    let now = Utc::now();
    let this_year = today(now).year();
    let year = match qm.get("aar").map(String::as_str) {
        None | Some("") => this_year - 1,
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2011..=this_year).contains(y))
            .ok_or_else(|| AppError::bad("aar", format!("Året skal være mellem 2011 og {this_year}.")))?,
    };
    let code = state.store.municipality();
    let as_of = domain::time::AsOf::end_of(today(now));
    let events =
        state.store.municipality_events(&code.to_string(), as_of, domain::supervision::council::EVENT_TYPES).await?;
    let pack = state.pack.clone();
    tokio::task::spawn_blocking(move || domain::supervision::council::council_report(&events, &pack, code, year, as_of))
        .await
        .map_err(|e| AppError::Internal(format!("rapporten kunne ikke beregnes: {e}")))
}

fn require_report(user: &AuthUser) -> Result<(), AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager, Role::Analyst])
}

async fn report_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    require_report(&user)?;
    let l = user.lang;
    let r = council(&state, &q).await?;
    let this_year = today(Utc::now()).year();
    let figures = vec![
        ("Anbringelsessteder brugt i året", r.approvals.total.sites.to_string()),
        ("Godkendt ved årets udgang", r.approvals.total.approved_end.to_string()),
        ("Lovpligtige tilsynsbesøg", r.visits.required.to_string()),
        ("— holdt til tiden", r.visits.on_time.to_string()),
        ("— holdt for sent", r.visits.late.to_string()),
        ("— mangler", r.visits.missing.to_string()),
        ("Plejefamilier", r.foster.families.to_string()),
        ("— med grundkursus", r.foster.basic_course.to_string()),
        ("— bagud med uddannelse eller supervision", r.foster.behind.len().to_string()),
        ("Faresignaler", r.signals.raised.to_string()),
        ("— håndteret til tiden", r.signals.reacted_on_time.to_string()),
        ("— uden reaktion", r.signals.open.to_string()),
        (
            "Opholdssteder med regnskab uden for grænserne",
            r.finances.iter().filter(|f| !f.breaches.is_empty()).count().to_string(),
        ),
    ];
    let q_year = format!("aar={}", r.year);
    Ok(ListPage {
        ctx: ctx(&user, "nav_report", l.t("report_title")),
        heading: format!("{} {}", l.t("report_title"), r.year),
        intro: Some(r.summary.join(" ")),
        action: "/rapporter/tilsyn".into(),
        filters: vec![FilterView {
            name: "aar",
            label: tr(l, "År", "Year"),
            value: r.year.to_string(),
            options: (2020.min(this_year)..=this_year).rev().map(|y| (y.to_string(), y.to_string())).collect(),
        }],
        submit_label: l.t("filter").into(),
        charts: Vec::new(),
        sections: vec![Section {
            id: "report".into(),
            heading: format!("{} {} — {}", r.municipality, r.year, tr(l, "nøgletal", "key figures")),
            count: None,
            export: None,
            headers: vec![tr(l, "Nøgletal", "Figure"), tr(l, "Antal", "Count")],
            rows: figures
                .into_iter()
                .map(|(a, b)| Row { attrs: Vec::new(), cells: vec![cell(a), cell(b)] })
                .chain([
                    Row {
                        attrs: Vec::new(),
                        cells: vec![
                            cell(tr(
                                l,
                                "Rapporten til kommunalbestyrelsen (PDF/A)",
                                "The report to the council (PDF/A)",
                            )),
                            link("PDF", format!("/rapporter/tilsyn.pdf?{q_year}")),
                        ],
                    },
                    Row {
                        attrs: Vec::new(),
                        cells: vec![
                            cell(tr(l, "Tallene med diagrammer (regneark)", "The figures with charts (spreadsheet)")),
                            link("XLSX", format!("/rapporter/tilsyn.xlsx?{q_year}")),
                        ],
                    },
                ])
                .collect(),
            more: None,
        }],
    }
    .into_response())
}

fn download(bytes: Vec<u8>, mime: &'static str, name: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

async fn report_pdf(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    require_report(&user)?;
    let r = council(&state, &q).await?;
    let name = format!("tilsynsrapport-{}-{}.pdf", r.municipality_code, r.year);
    let bytes = tokio::task::spawn_blocking(move || report::council_report_pdf(&r))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(bytes, "application/pdf", name))
}

async fn report_xlsx(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    require_report(&user)?;
    let r = council(&state, &q).await?;
    let name = format!("tilsynsrapport-{}-{}.xlsx", r.municipality_code, r.year);
    let bytes = report::council_report_xlsx(&r).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name))
}

// ---- the child's help card ------------------------------------------------------------------------------------

async fn help_card(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
) -> Result<Response, AppError> {
    let (case, _) =
        crate::access::open_child(&state, &user, &child, Action::Export, "Hjælpekort (PDF) til barnet").await?;
    let now = Utc::now();
    let td = today(now);
    let site = case
        .site
        .clone()
        .ok_or_else(|| AppError::bad("child", "Hjælpekortet er til anbragte børn; barnet er ikke anbragt."))?;
    let person = state.store.people(&[child.as_str()]).await?.remove(&child).unwrap_or_default();
    let birth = case
        .birth_date
        .as_deref()
        .and_then(|b| b.parse::<NaiveDate>().ok())
        .ok_or_else(|| AppError::bad("child", "Barnets fødselsdato mangler."))?;
    let age = domain::supervision::age_on(birth, td);
    let first_name = person
        .name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .map(str::to_string)
        .unwrap_or_else(|| "dig".to_string());
    let placement_name = state.store.site(&site, now).await?.map(|s| s.name).unwrap_or(site);
    let caseworker = match &case.caseworker {
        Some(u) => state.store.user(u).await?.map(|u| u.full_name).unwrap_or_else(|| u.clone()),
        None => "Din sagsbehandler".into(),
    };
    let cfg = &state.config;
    let regime = domain::supervision::help::RightsRegime::from_pack_id(&state.pack.regime_at(td).id);
    let card = domain::supervision::report::HelpCard {
        child_first_name: first_name,
        age,
        placement_name,
        municipality: state.store.municipality().name().to_string(),
        caseworker_name: caseworker,
        caseworker_phone: cfg.contact_phone.clone(),
        caseworker_email: cfg.contact_email.clone(),
        out_of_hours_phone: cfg.out_of_hours_phone.clone(),
        childrens_phone: "116 111".into(),
        rights: domain::supervision::help::rights(age, regime),
        printed: td.to_string(),
    };
    let bytes = tokio::task::spawn_blocking(move || report::help_card_pdf(&card))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(bytes, "application/pdf", format!("hjaelpekort-{child}.pdf")))
}
