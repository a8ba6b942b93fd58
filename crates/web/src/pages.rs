//! The Danish pages: sign-in, "Mine børn", the child's page and its forms, search, the leaders' dashboards and
//! lists (each exportable as CSV and XLSX), the audit pages, administration and the profile with API tokens.

use crate::access::{break_glass, open_child, within_need_to_know};
use crate::audit::Action;
use crate::auth::{self, require_admin, AuthUser, CsrfForm, LOGIN_CSRF_COOKIE};
use crate::chart::{stacked_shares, Bar};
use crate::error::AppError;
use crate::forms::{self, Known, Values};
use crate::i18n::Lang;
use crate::table::{Format, Table};
use crate::web_util::{age_on, cookie, da_date, da_when, random_token, today, urlencode};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Datelike, Duration, Utc};
use domain::access::Role;
use domain::event::{Body, EventType};
use domain::obligation::Status;
use domain::rules::id as rule_id;
use std::collections::{BTreeMap, HashMap};
use store::caseload::{ListedObligation, ObligationFilter};
use store::Actor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/sprog/{code}", get(set_language))
        .route("/mine-boern", get(my_children))
        .route("/boern/ny", get(new_child_form).post(new_child))
        .route("/boern/{child}", get(child_page))
        .route("/boern/{child}/indsigt", get(child_insight))
        .route("/boern/{child}/adgang", post(break_glass_post))
        .route("/boern/{child}/ny/{kind}", get(event_form).post(event_post))
        .route("/soeg", get(search))
        .route("/team", get(team_dashboard))
        .route("/kommune", get(municipality_dashboard))
        .route("/statistik", get(statistics))
        .route("/liste", get(obligation_list))
        .route("/audit", get(audit_page))
        .route("/steder/ny/{kind}", get(site_event_form).post(site_event_post))
        .route("/admin/brugere", get(admin_users).post(admin_create_user))
        .route("/admin/brugere/{username}", post(admin_update_user))
        .route("/admin/teams", get(admin_teams).post(admin_create_team))
        .route("/profil", get(profile))
        .route("/profil/noegler", post(create_token))
        .route("/profil/noegler/{id}/tilbagekald", post(revoke_token))
        .route("/profil/adgangskode", post(change_password))
}

// ---- layout -------------------------------------------------------------------------------------------------------

/// What the layout needs.
pub struct Ctx {
    pub l: Lang,
    pub user: Option<UserNav>,
    pub csrf: String,
    pub nav: &'static str,
    pub flash: Option<String>,
    pub title: String,
}

pub struct UserNav {
    pub full_name: String,
    pub role_label: &'static str,
    pub team: Option<String>,
    pub nav: Vec<(&'static str, &'static str)>,
}

/// The menu of a role.
pub fn nav_for(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut v = Vec::new();
    if matches!(role, Role::Caseworker | Role::Consultant | Role::TeamLeader) {
        v.push(("nav_my", "/mine-boern"));
    }
    if role.handles_cases() {
        v.push(("nav_search", "/soeg"));
    }
    if matches!(role, Role::Consultant | Role::TeamLeader) {
        v.push(("nav_supervision", "/tilsyn"));
    }
    if matches!(role, Role::Consultant | Role::TeamLeader | Role::Manager) {
        v.push(("nav_sites", "/steder"));
        v.push(("nav_signals", "/faresignaler"));
    }
    if matches!(role, Role::TeamLeader | Role::Manager | Role::Analyst) {
        v.push(("nav_report", "/rapporter/tilsyn"));
    }
    if role.leads() {
        v.push(("nav_team", "/team"));
        v.push(("nav_lists", "/liste?status=overdue"));
        v.push(("nav_audit", "/audit"));
    }
    if role == Role::Manager {
        v.push(("nav_municipality", "/kommune"));
        v.push(("nav_practice", "/praksis"));
    }
    if matches!(role, Role::Analyst | Role::Manager) {
        v.push(("nav_stats", "/statistik"));
        v.push(("nav_national", "/landstal"));
    }
    if matches!(role, Role::Consultant | Role::TeamLeader | Role::Manager) {
        v.push(("nav_viso", "/viso"));
    }
    if role.leads() {
        v.push(("nav_effect", "/oekonomi"));
    } else if matches!(role, Role::Caseworker | Role::Consultant) {
        v.push(("nav_effect", "/effekt"));
    }
    v.push(("nav_methods", "/metoder"));
    if role == Role::Admin {
        v.push(("nav_admin_users", "/admin/brugere"));
        v.push(("nav_admin_teams", "/admin/teams"));
    }
    v.push(("nav_profile", "/profil"));
    v
}

pub(crate) fn ctx(user: &AuthUser, nav: &'static str, title: impl Into<String>) -> Ctx {
    Ctx {
        l: user.lang,
        user: Some(UserNav {
            full_name: user.full_name.clone(),
            role_label: if user.lang == Lang::En { user.role.label_en() } else { user.role.label_da() },
            team: user.team.clone(),
            nav: nav_for(user.role),
        }),
        csrf: user.csrf.clone(),
        nav,
        flash: None,
        title: title.into(),
    }
}

fn anon_ctx(l: Lang, title: &str, csrf: String) -> Ctx {
    Ctx { l, user: None, csrf, nav: "", flash: None, title: title.to_string() }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    heading: String,
    message: String,
}

/// A page for an error (no user context: it is also used where none is at hand).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let heading = match status {
        StatusCode::FORBIDDEN => "Ingen adgang",
        StatusCode::NOT_FOUND => "Findes ikke",
        StatusCode::BAD_REQUEST => "Forkert input",
        _ => "Der skete en fejl",
    };
    let page =
        ErrorPage { ctx: anon_ctx(Lang::Da, heading, String::new()), heading: heading.into(), message: message.into() };
    (status, page).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    ctx: Ctx,
    child: String,
    error: Option<String>,
    reason: String,
}

/// The break-the-glass form (403: the case is not opened until a reason is given).
pub fn break_glass_page(child: &str, csrf: &str, l: Lang, error: Option<&str>, reason: &str) -> Response {
    let page = BreakGlassPage {
        ctx: anon_ctx(l, l.t("break_glass_title"), csrf.to_string()),
        child: child.to_string(),
        error: error.map(str::to_string),
        reason: reason.to_string(),
    };
    (StatusCode::FORBIDDEN, page).into_response()
}

/// A generic page of filters, charts and tables.
#[derive(Template, WebTemplate)]
#[template(path = "list.html")]
pub(crate) struct ListPage {
    pub(crate) ctx: Ctx,
    pub(crate) heading: String,
    pub(crate) intro: Option<String>,
    pub(crate) action: String,
    pub(crate) filters: Vec<FilterView>,
    pub(crate) submit_label: String,
    pub(crate) charts: Vec<(String, String)>,
    pub(crate) sections: Vec<Section>,
}

pub(crate) struct FilterView {
    pub(crate) name: &'static str,
    pub(crate) label: String,
    pub(crate) value: String,
    pub(crate) options: Vec<(String, String)>,
}

#[derive(Default, Clone)]
pub(crate) struct Section {
    pub(crate) id: String,
    pub(crate) heading: String,
    pub(crate) count: Option<usize>,
    pub(crate) export: Option<String>,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Row>,
    pub(crate) more: Option<String>,
}

#[derive(Default, Clone)]
pub(crate) struct Row {
    pub(crate) attrs: Vec<(&'static str, String)>,
    pub(crate) cells: Vec<Cell>,
}

#[derive(Default, Clone)]
pub(crate) struct Cell {
    pub(crate) text: String,
    pub(crate) href: Option<String>,
    pub(crate) class: Option<&'static str>,
}

pub(crate) fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), ..Default::default() }
}

pub(crate) fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
    Cell { text: text.into(), href: Some(href.into()), class: None }
}

impl Section {
    pub(crate) fn table(&self) -> Table {
        Table {
            title: self.heading.clone(),
            headers: self.headers.clone(),
            rows: self.rows.iter().map(|r| r.cells.iter().map(|c| c.text.clone()).collect()).collect(),
        }
    }
}

// ---- sign-in ------------------------------------------------------------------------------------------------------

async fn home(user: Result<AuthUser, AppError>) -> Redirect {
    match user {
        Err(_) => Redirect::to("/login"),
        Ok(u) => Redirect::to(match u.role {
            Role::Caseworker | Role::Consultant | Role::TeamLeader => "/mine-boern",
            Role::Manager => "/kommune",
            Role::Analyst => "/statistik",
            Role::Admin => "/admin/brugere",
            Role::Editor => "/metoder",
        }),
    }
}

#[derive(serde::Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
    expired: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    next: String,
    username: String,
}

/// Only local paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_page(l: Lang, error: Option<String>, next: &str, username: &str, status: StatusCode) -> Response {
    let token = random_token();
    let page = LoginPage {
        ctx: anon_ctx(l, l.t("login_title"), token.clone()),
        error,
        next: next.to_string(),
        username: username.to_string(),
    };
    let cookie = format!("{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict");
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

async fn login_form(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let l = auth::lang_of(&headers);
    let msg = q.expired.map(|_| l.t("session_ended").to_string());
    login_page(l, msg, &safe_next(q.next.as_deref()), "", StatusCode::OK)
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let l = auth::lang_of(&headers);
    let form: LoginForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest { field: None, message: "formularen kan ikke læses".into() })?;
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if !auth::same(&form.csrf, expected) {
        return Err(AppError::Csrf);
    }
    let next = safe_next(form.next.as_deref());
    let username = form.username.trim().to_lowercase();
    let now = Utc::now();
    let user = state.store.user(&username).await?;
    let locked = user
        .as_ref()
        .and_then(|u| u.locked_until.as_deref())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t > now);
    let hash = user.as_ref().and_then(|u| u.password_hash.clone()).unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = form.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let anon = |name: &str| AuthUser {
        username: name.to_string(),
        full_name: String::new(),
        role: Role::Caseworker,
        team: None,
        csrf: String::new(),
        session: None,
        scopes: None,
        lang: l,
    };
    let Some(u) = user.filter(|u| u.active && u.password_hash.is_some()) else {
        return Ok(login_page(l, Some(l.t("login_failed").into()), &next, &username, StatusCode::UNAUTHORIZED));
    };
    if locked {
        state.audit.log(&anon(&u.username), Action::LoginFailed, None, Some("konto låst".into()), None).await?;
        return Ok(login_page(l, Some(l.t("login_locked").into()), &next, &username, StatusCode::FORBIDDEN));
    }
    if !ok {
        let until = (now + Duration::minutes(state.config.lockout_minutes)).to_rfc3339();
        let n = state.store.record_failed_login(&u.username, state.config.lockout_after, &until).await?;
        state.audit.log(&anon(&u.username), Action::LoginFailed, None, Some(format!("forsøg {n}")), None).await?;
        let msg = if n >= state.config.lockout_after { l.t("login_locked") } else { l.t("login_failed") };
        return Ok(login_page(l, Some(msg.into()), &next, &username, StatusCode::UNAUTHORIZED));
    }
    state.store.reset_failed_logins(&u.username).await?;
    // A fresh token at every sign-in (no session fixation).
    let token = random_token();
    let csrf = random_token();
    state.store.create_session(&crate::web_util::sha256_hex(&token), &u.username, &csrf, now.timestamp()).await?;
    let role = Role::parse(&u.role).unwrap_or(Role::Caseworker);
    let who = AuthUser { role, team: u.team.clone(), full_name: u.full_name.clone(), ..anon(&u.username) };
    state.audit.log(&who, Action::Login, None, None, None).await?;
    let to = if next == "/" { "/".to_string() } else { next };
    Ok((
        StatusCode::SEE_OTHER,
        axum::response::AppendHeaders([
            (header::SET_COOKIE, auth::session_cookie(&token)),
            (header::SET_COOKIE, format!("{LOGIN_CSRF_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")),
            (header::LOCATION, to),
        ]),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    if let Some(h) = &form.user.session {
        state.store.delete_session(h).await?;
        state.sessions.forget(h);
    }
    state.audit.log(&form.user, Action::Logout, None, None, None).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, auth::clear_session_cookie()), (header::LOCATION, "/login".into())],
    )
        .into_response())
}

async fn set_language(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let code = if code == "en" { "en" } else { "da" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string())))
        .unwrap_or_else(|| "/".into());
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, format!("lang={code}; Path=/; Max-Age=31536000; SameSite=Lax; Secure")),
            (header::LOCATION, safe_next(Some(&back))),
        ],
    )
        .into_response()
}

// ---- shared pieces ------------------------------------------------------------------------------------------------

/// Danish label of a rule.
pub fn rule_label(rule: &str) -> &'static str {
    rule_id::label_da(rule)
}

pub(crate) fn status_label(s: Status, l: Lang) -> &'static str {
    match (s, l) {
        (Status::Met, Lang::Da) => "Opfyldt",
        (Status::Late, Lang::Da) => "For sent",
        (Status::Due, Lang::Da) => "Åben",
        (Status::Overdue, Lang::Da) => "Overskredet",
        (Status::Met, Lang::En) => "Met",
        (Status::Late, Lang::En) => "Late",
        (Status::Due, Lang::En) => "Due",
        (Status::Overdue, Lang::En) => "Overdue",
    }
}

/// The date part of a due value (`YYYY-MM-DD` or RFC 3339 in local time).
pub(crate) fn due_date(due: &str) -> String {
    if due.len() == 10 {
        return due.to_string();
    }
    match DateTime::parse_from_rfc3339(due) {
        Ok(t) => t.with_timezone(&chrono_tz::Europe::Copenhagen).date_naive().to_string(),
        Err(_) => due.get(..10).unwrap_or(due).to_string(),
    }
}

/// What fulfils an obligation: the form to record it (with its subject filled in) when `role` may record it, else
/// who does (site events are the foster-care consultant's).
fn action_link(role: Role, child: &str, rule: &str, subject: &str) -> Option<(Option<String>, String)> {
    let (t, field) = forms::fulfilling_event(rule)?;
    if !forms::is_child_event(t) {
        return Some(if matches!(role, Role::Consultant | Role::TeamLeader) {
            (Some(format!("/steder/ny/{}?{field}={}", t.as_str(), urlencode(subject))), t.label_da().to_string())
        } else {
            (None, format!("Familieplejekonsulenten: {}", t.label_da().to_lowercase()))
        });
    }
    if !role.records() {
        return None;
    }
    let q =
        if field.is_empty() || subject == child { String::new() } else { format!("?{field}={}", urlencode(subject)) };
    Some((
        Some(format!("/boern/{}/ny/{}{q}", urlencode(child), t.as_str())),
        format!("Registrér: {}", t.label_da().to_lowercase()),
    ))
}

pub(crate) fn display_name(people: &HashMap<String, store::caseload::Person>, child: &str) -> String {
    people.get(child).and_then(|p| p.name.clone()).unwrap_or_else(|| format!("Barn {child}"))
}

fn obligation_rows(
    list: &[ListedObligation],
    people: &HashMap<String, store::caseload::Person>,
    l: Lang,
    extra: bool,
    role: Role,
) -> Vec<Row> {
    list.iter()
        .map(|lo| {
            let o = &lo.obligation;
            let child = o.child.clone().unwrap_or_default();
            let mut cells = vec![
                link(display_name(people, &child), format!("/boern/{}", urlencode(&child))),
                cell(rule_label(&o.rule)),
                cell(o.law.clone()),
                cell(o.subject.clone()),
                Cell { text: da_when(&o.due), href: None, class: (o.status == Status::Overdue).then_some("overdue") },
            ];
            if extra {
                cells.push(cell(status_label(o.status, l)));
                cells.push(cell(lo.caseworker.clone().unwrap_or_default()));
                cells.push(cell(lo.team.clone().unwrap_or_default()));
            } else {
                match action_link(role, &child, &o.rule, &o.subject) {
                    Some((Some(href), label)) => cells.push(link(label, href)),
                    Some((None, label)) => cells.push(cell(label)),
                    None => cells.push(cell("")),
                }
            }
            Row {
                attrs: vec![
                    ("child", child),
                    ("rule", o.rule.clone()),
                    ("subject", o.subject.clone()),
                    ("due", due_date(&o.due)),
                ],
                cells,
            }
        })
        .collect()
}

pub(crate) fn headers(l: Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| l.t(k).to_string()).collect()
}

pub(crate) fn flash_of(q: &Option<String>) -> Option<String> {
    let q = q.as_deref()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok()?.into_iter().find(|(k, _)| k == "ok").map(|(_, v)| {
        match v.as_str() {
            "saved" => "Hændelsen er gemt i journalen.".to_string(),
            "created" => "Barnet er oprettet, og sagen er tildelt dig.".to_string(),
            "access" => "Adgangen er givet og logget med din begrundelse.".to_string(),
            "planned" => "Tilsynsbesøget er planlagt.".to_string(),
            "cancelled" => "Det planlagte besøg er aflyst.".to_string(),
            "budget-saved" => "Budgetlinjen er gemt som en ny version.".to_string(),
            "budget-removed" => "Budgetlinjen er fjernet fra årets budget.".to_string(),
            "budget-unchanged" => "Budgetlinjen var uændret; intet er gemt.".to_string(),
            "audit-created" => "Stikprøven er trukket og gemt. Gennemgå sagerne én ad gangen.".to_string(),
            "review-saved" => "Tjeklisten er gemt. Her er den næste sag, der mangler.".to_string(),
            "review-done" => "Tjeklisten er gemt. Alle sager i stikprøven er gennemgået.".to_string(),
            _ => "Gemt.".to_string(),
        }
    })
}

pub(crate) fn query_map(q: &Option<String>) -> BTreeMap<String, String> {
    q.as_deref()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

// ---- Mine børn ----------------------------------------------------------------------------------------------------

/// End of the ISO week containing `now` (Sunday 23:59:59 local), as a timestamp.
fn end_of_week(now: DateTime<Utc>, weeks_after: i64) -> i64 {
    let d = today(now);
    let sunday = d + Duration::days(6 - d.weekday().num_days_from_monday() as i64 + 7 * weeks_after);
    domain::calendar::end_of_day_ts(sunday)
}

async fn my_children(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Caseworker, Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let now = Utc::now();
    let qm = query_map(&q);
    let horizon = domain::calendar::end_of_day_ts(today(now) + Duration::days(30)).max(end_of_week(now, 1));
    // One statement: the open obligations of the caseworker's cases due before the horizon (overdue ones
    // included), the cases, and the children's names.
    // The caseload view is always within need-to-know: its audit line is written while the overview is read.
    let logged = if Format::parse(qm.get("format").map(String::as_str)).is_none() {
        let line = crate::audit::line(&user, Action::ViewCaseload, None, Some("Mine børn".into()), None);
        Some(state.audit.submit(vec![line]).await?)
    } else {
        None
    };
    let store::caseload::Overview { open, cases, people } =
        state.store.overview(&user.username, horizon + 1, now).await?;
    let (overdue, due): (Vec<ListedObligation>, Vec<ListedObligation>) =
        open.into_iter().partition(|o| o.obligation.status == Status::Overdue);

    let week1 = end_of_week(now, 0);
    let week2 = end_of_week(now, 1);
    let split = |lo: &&ListedObligation| lo.obligation.due_ts;
    let this_week: Vec<ListedObligation> = due.iter().filter(|o| split(o) <= week1).cloned().collect();
    let next_week: Vec<ListedObligation> =
        due.iter().filter(|o| split(o) > week1 && split(o) <= week2).cloned().collect();
    let later: Vec<ListedObligation> = due.iter().filter(|o| split(o) > week2).cloned().collect();
    let heads = headers(l, &["child", "rule", "law", "subject", "due", "action"]);
    let mk = |id: &str, key: &str, list: &[ListedObligation]| Section {
        id: id.into(),
        heading: l.t(key).into(),
        count: Some(list.len()),
        export: Some(format!("/mine-boern?section={id}&")),
        headers: heads.clone(),
        rows: obligation_rows(list, &people, l, false, user.role),
        more: None,
    };
    let mut sections = vec![
        mk("overdue", "overdue", &overdue),
        mk("this-week", "this_week", &this_week),
        mk("next-week", "next_week", &next_week),
        mk("later", "later", &later),
    ];
    let overdue_by_child = overdue.iter().fold(HashMap::<&str, usize>::new(), |mut m, o| {
        *m.entry(o.obligation.child.as_deref().unwrap_or("")).or_default() += 1;
        m
    });
    let td = today(now);
    sections.push(Section {
        id: "cases".into(),
        heading: l.t("my_cases").into(),
        count: Some(cases.len()),
        export: Some("/mine-boern?section=cases&".into()),
        headers: vec![l.t("child").into(), l.t("age").into(), l.t("placement").into(), l.t("overdue").into()],
        rows: cases
            .iter()
            .map(|c| Row {
                attrs: vec![("case", c.child.clone())],
                cells: vec![
                    link(display_name(&people, &c.child), format!("/boern/{}", urlencode(&c.child))),
                    cell(
                        c.birth_date
                            .as_deref()
                            .and_then(|b| chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").ok())
                            .map(|b| age_on(b, td).to_string())
                            .unwrap_or_default(),
                    ),
                    cell(placement_text(c)),
                    cell(overdue_by_child.get(c.child.as_str()).copied().unwrap_or(0).to_string()),
                ],
            })
            .collect(),
        more: None,
    });
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let which = qm.get("section").map(String::as_str).unwrap_or("overdue");
        let s = sections.iter().find(|s| s.id == which).ok_or_else(|| AppError::bad("section", "ukendt afsnit"))?;
        let kids: Vec<String> = s.rows.iter().filter_map(|r| r.attrs.first().map(|a| a.1.clone())).collect();
        state
            .audit
            .log_children(&user, Action::Export, kids.iter().map(String::as_str), &format!("Mine børn: {which}"))
            .await?;
        return Ok(s.table().download(fmt, &format!("mine-boern-{which}")));
    }
    let mut c = ctx(&user, "nav_my", l.t("my_title"));
    c.flash = flash_of(&q);
    let response = ListPage {
        ctx: c,
        heading: l.t("my_title").into(),
        intro: Some(l.t("my_intro").into()),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        charts: Vec::new(),
        sections,
    }
    .into_response();
    if let Some(l) = logged {
        l.committed().await?;
    }
    Ok(response)
}

/// Users' full names by username (a memory of all users, refreshed every 30 seconds and at every change).
pub(crate) async fn user_names(state: &AppState) -> Result<std::sync::Arc<HashMap<String, String>>, AppError> {
    state
        .dashboards
        .names
        .get_or("users", 0, async {
            let users = state.store.users().await?;
            Ok::<_, AppError>(users.into_iter().map(|u| (u.username, u.full_name)).collect())
        })
        .await
}

/// A user's full name.
async fn full_name(state: &AppState, username: &str) -> Result<String, AppError> {
    Ok(user_names(state).await?.get(username).cloned().unwrap_or_else(|| username.to_string()))
}

fn placement_text(c: &store::caseload::CaseState) -> String {
    match (&c.placement_type, &c.site) {
        (Some(t), Some(s)) => format!(
            "{} ({s}){}",
            domain::event::PlacementType::parse(t).map(|p| p.label_da()).unwrap_or(t),
            c.placed_since.as_deref().map(|d| format!(" siden {}", da_when(d))).unwrap_or_default()
        ),
        _ => "Ikke anbragt".into(),
    }
}

// ---- the child's page -------------------------------------------------------------------------------------------

struct ObligationView {
    rule: String,
    label: &'static str,
    law: String,
    subject: String,
    due: String,
    due_date: String,
    status: &'static str,
    status_label: &'static str,
    met_at: Option<String>,
    action_href: Option<String>,
    action_label: String,
}

struct TimelineItem {
    kind: &'static str,
    iso: String,
    when: String,
    label: &'static str,
    detail: String,
    note: Option<String>,
    by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "child.html")]
struct ChildPage {
    ctx: Ctx,
    case: store::caseload::CaseState,
    name: String,
    cpr: Option<String>,
    age: Option<i32>,
    caseworker: String,
    team: String,
    placement: String,
    granted_reason: Option<String>,
    event_types: Vec<(&'static str, &'static str)>,
    obligations: Vec<ObligationView>,
    interventions: Vec<String>,
    goals: Vec<String>,
    effect_flags: Vec<EffectFlag>,
    goal_chart: Option<String>,
    sdq_chart: Option<String>,
    goal_rows: Vec<(String, String)>,
    timeline: Vec<TimelineItem>,
}

/// An intervention "uden effekt" awaiting the caseworker's decision, on the child's page.
struct EffectFlag {
    intervention: String,
    kind: String,
    scores: String,
    since: String,
    decide_href: Option<String>,
    stop_href: Option<String>,
}

/// A one-line summary of an event's facts for the timeline.
fn summary(b: &Body) -> String {
    let yes = |b: bool| if b { "ja" } else { "nej" };
    match b {
        Body::ChildRegistered { birth_date, municipality, .. } => {
            format!("født {}, {}", da_date(*birth_date), municipality.name())
        }
        Body::NotificationReceived { notification, from_professional, source, .. } => format!(
            "{notification}{}{}",
            source.as_ref().map(|s| format!(", kilde: {s}")).unwrap_or_default(),
            if *from_professional { ", fra fagperson" } else { "" }
        ),
        Body::NotificationAssessed { notification, outcome } => format!("{notification}: {}", outcome.label_da()),
        Body::NotificationReceiptSent { notification } | Body::NotificationFeedbackSent { notification } => {
            notification.to_string()
        }
        Body::InvestigationStarted { investigation, aware_since } => format!(
            "{investigation}{}",
            aware_since.map(|d| format!(", bekendt siden {}", da_date(d))).unwrap_or_default()
        ),
        Body::InvestigationCompleted { investigation, .. } => investigation.to_string(),
        Body::ChildConversation { purpose, without_carers, .. } => {
            format!("{}, uden plejeforældre/personale: {}", purpose.label_da(), yes(*without_carers))
        }
        Body::PlanCreated { plan, goals } => format!("{plan}, {} mål", goals.len()),
        Body::PlanFollowedUp { intervention, next_follow_up, goal_progress, .. } => format!(
            "{}{}{}",
            intervention.as_deref().unwrap_or("-"),
            next_follow_up.map(|d| format!(", næste opfølgning {}", da_date(d))).unwrap_or_default(),
            if goal_progress.is_empty() {
                String::new()
            } else {
                format!(
                    ", scorer: {}",
                    goal_progress.iter().map(|g| format!("{} {}", g.goal, g.score)).collect::<Vec<_>>().join(", ")
                )
            }
        ),
        Body::InterventionDecided(d) => format!(
            "{}: {}{}",
            d.intervention,
            domain::event::InterventionKind::parse(&d.kind)
                .map(domain::event::InterventionKind::label_da)
                .unwrap_or(d.kind.as_str()),
            d.section.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
        ),
        Body::InterventionStarted { intervention } => intervention.to_string(),
        Body::InterventionEnded { intervention, reason } => {
            format!("{intervention}{}", reason.map(|r| format!(": {}", r.label_da())).unwrap_or_default())
        }
        Body::PlacementStarted { placement, site, placement_type, consent, .. } => format!(
            "{placement}: {} ({site}), {}",
            placement_type.label_da(),
            if *consent { "med samtykke" } else { "uden samtykke" }
        ),
        Body::PlacementEnded { placement, .. } => placement.to_string(),
        Body::SupervisionVisit { placement, child_spoken_to, without_carers, child_view } => format!(
            "{placement}, talt med barnet: {}, uden plejeforældre/personale: {}{}",
            yes(*child_spoken_to),
            yes(*without_carers),
            child_view.as_ref().map(|v| format!(" — barnet: “{v}”")).unwrap_or_default()
        ),
        Body::DangerSignal(s) => {
            format!("{}{}", s.signal, s.kind.as_ref().map(|k| format!(": {k}")).unwrap_or_default())
        }
        Body::DangerSignalHandled { signal, action, socialtilsyn_notified } => format!(
            "{signal}{}{}",
            action.as_ref().map(|a| format!(": {a}")).unwrap_or_default(),
            if *socialtilsyn_notified { ", socialtilsynet orienteret" } else { "" }
        ),
        Body::Correction(c) => format!(
            "retter {}: {} — {}",
            c.corrects,
            c.fields.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "),
            c.reason
        ),
        _ => String::new(),
    }
}

async fn child_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let now = Utc::now();
    // One statement reads the case, its journal and its obligations; nothing is shown before need-to-know allows it
    // and the read is logged.
    let store::caseload::ChildView { case, events, obligations } = state
        .store
        .child_view(&child, now)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Barnet \"{child}\" findes ikke i journalen.")))?;
    let (access, logged) =
        crate::access::admit_pending(&state, &user, &case, Action::ViewChild, "barnets side").await?;
    let l = user.lang;
    let granted_reason = if access == domain::access::Access::Granted {
        state.store.active_grant(&user.username, &child, now.timestamp()).await?
    } else {
        None
    };
    let mut name = None;
    let mut cpr = None;
    let mut birth = None;
    let mut interventions: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut goals: BTreeMap<String, (String, Option<u8>)> = BTreeMap::new();
    for s in &events {
        match &s.event.body {
            Body::ChildRegistered { name: n, cpr: c, birth_date, .. } => {
                name = n.clone();
                cpr = c.as_ref().map(|c| c.expose());
                birth = Some(*birth_date);
            }
            Body::InterventionDecided(d) => {
                let kind = domain::event::InterventionKind::parse(&d.kind)
                    .map(domain::event::InterventionKind::label_da)
                    .unwrap_or("Indsats");
                interventions.insert(
                    d.intervention.to_string(),
                    (format!("{kind} ({})", d.intervention), format!("besluttet {}", da_date(s.event.at.date()))),
                );
            }
            Body::InterventionStarted { intervention } => {
                if let Some(i) = interventions.get_mut(intervention.as_str()) {
                    i.1 = format!("iværksat {}", da_date(s.event.at.date()));
                }
            }
            Body::InterventionEnded { intervention, reason } => {
                if let Some(i) = interventions.get_mut(intervention.as_str()) {
                    i.1 = format!(
                        "ophørt {}{}",
                        da_date(s.event.at.date()),
                        reason.map(|r| format!(" ({})", r.label_da())).unwrap_or_default()
                    );
                }
            }
            Body::PlanCreated { goals: gs, .. } => {
                for g in gs {
                    goals.insert(g.id.to_string(), (format!("{}: {}", g.theme.label_da(), g.text), None));
                }
            }
            Body::PlanFollowedUp { goal_progress, .. } => {
                for p in goal_progress {
                    if let Some(g) = goals.get_mut(p.goal.as_str()) {
                        g.1 = Some(p.score);
                    }
                }
            }
            _ => {}
        }
    }
    let caseworker = match &case.caseworker {
        Some(cw) => full_name(&state, cw).await?,
        None => "Ikke tildelt".into(),
    };
    // Goals over time and interventions without effect, from the journal as corrected.
    let corrected = store::projection::engine_events(&events, store::projection::as_of_today(now))?;
    let (series, sdq) = domain::effect::goal_series(&corrected);
    let records = domain::effect::interventions(&corrected, today(now));
    let records_child = urlencode(&child);
    let effect_flags: Vec<EffectFlag> = records
        .iter()
        .filter(|r| r.awaiting_decision())
        .map(|r| {
            let i = urlencode(r.intervention.as_str());
            EffectFlag {
                intervention: r.intervention.to_string(),
                kind: domain::event::InterventionKind::parse(&r.kind).map(|k| k.label_da()).unwrap_or("Indsats").into(),
                scores: r
                    .scores
                    .iter()
                    .rev()
                    .take(3)
                    .rev()
                    .map(|s| format!("{:.1}", s.1).replace('.', ","))
                    .collect::<Vec<_>>()
                    .join(" → "),
                since: r.scores.last().map(|s| da_date(s.0)).unwrap_or_default(),
                decide_href: user
                    .role
                    .records()
                    .then(|| format!("/boern/{records_child}/ny/plan_followed_up?intervention={i}")),
                stop_href: user
                    .role
                    .records()
                    .then(|| format!("/boern/{records_child}/ny/intervention_ended?intervention={i}&reason=no_effect")),
            }
        })
        .collect();
    let scored: Vec<(String, Vec<(chrono::NaiveDate, f64)>)> = series
        .iter()
        .filter(|g| !g.points.is_empty())
        .map(|g| {
            let text: String = g.text.chars().take(40).collect();
            (format!("{}: {text}", g.theme.label_da()), g.points.iter().map(|p| (p.0, f64::from(p.1))).collect())
        })
        .collect();
    let goal_rows: Vec<(String, String)> = scored
        .iter()
        .map(|(name, pts)| {
            (name.clone(), pts.iter().map(|(d, v)| format!("{}: {v}", da_date(*d))).collect::<Vec<_>>().join(" · "))
        })
        .collect();
    let goal_chart =
        (!scored.is_empty()).then(|| crate::chart::lines("Målenes score over tid", &scored, (1.0, 10.0), "score"));
    let sdq_chart = (!sdq.is_empty()).then(|| {
        let pts = vec![("SDQ".to_string(), sdq.iter().map(|(d, v)| (*d, f64::from(*v))).collect())];
        crate::chart::lines("SDQ over tid", &pts, (0.0, 40.0), "SDQ")
    });
    let child_types: Vec<(&'static str, &'static str)> = EventType::ALL
        .iter()
        .filter(|t| forms::is_child_event(**t) && **t != EventType::ChildRegistered)
        .map(|t| (t.as_str(), t.label_da()))
        .collect();
    let page = ChildPage {
        ctx: {
            let mut c = ctx(&user, "nav_my", name.clone().unwrap_or_else(|| format!("Barn {child}")));
            c.flash = flash_of(&q);
            c
        },
        name: name.clone().unwrap_or_else(|| format!("Barn {child}")),
        cpr,
        age: birth.map(|b| age_on(b, today(now))),
        caseworker,
        team: case.team.clone().unwrap_or_else(|| "—".into()),
        placement: placement_text(&case),
        granted_reason,
        event_types: if user.role.records() { child_types } else { Vec::new() },
        obligations: obligations
            .iter()
            .map(|o| {
                let action = if matches!(o.status, Status::Due | Status::Overdue) {
                    action_link(user.role, &child, &o.rule, &o.subject)
                } else {
                    None
                };
                ObligationView {
                    rule: o.rule.clone(),
                    label: rule_label(&o.rule),
                    law: o.law.clone(),
                    subject: o.subject.clone(),
                    due: da_when(&o.due),
                    due_date: due_date(&o.due),
                    status: o.status.as_str(),
                    status_label: status_label(o.status, l),
                    met_at: o.met_at.as_deref().map(da_when),
                    action_href: action.as_ref().and_then(|a| a.0.clone()),
                    action_label: action.map(|a| a.1).unwrap_or_default(),
                }
            })
            .collect(),
        interventions: interventions.into_values().map(|(a, b)| format!("{a} — {b}")).collect(),
        goals: goals
            .into_values()
            .map(|(t, s)| match s {
                Some(s) => format!("{t} (seneste score {s}/10)"),
                None => t,
            })
            .collect(),
        effect_flags,
        goal_chart,
        sdq_chart,
        goal_rows,
        timeline: events
            .iter()
            .rev()
            .map(|s| TimelineItem {
                kind: s.event.event_type().as_str(),
                iso: s.event.at.to_output(),
                when: da_when(&s.event.at.to_output()),
                label: s.event.event_type().label_da(),
                detail: summary(&s.event.body),
                note: s.event.note().map(str::to_string),
                by: s.recorded_by.clone(),
            })
            .collect(),
        case,
    };
    let response = page.into_response();
    logged.committed().await?;
    Ok(response)
}

async fn break_glass_post(
    State(state): State<AppState>,
    Path(child): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let reason = form.get("reason").unwrap_or("").to_string();
    break_glass(&state, &form.user, &child, &reason).await?;
    Ok(Redirect::to(&format!("/boern/{}?ok=access", urlencode(&child))).into_response())
}

async fn child_insight(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    open_child(&state, &user, &child, Action::ViewChild, "hvem har set sagen").await?;
    let l = user.lang;
    let entries = state
        .store
        .audit(&store::access::AuditFilter { child: Some(child.clone()), limit: 1000, ..Default::default() })
        .await?;
    let rows = audit_rows(&entries);
    let page = ListPage {
        ctx: ctx(&user, "nav_my", l.t("who_has_seen")),
        heading: format!("{} — {child}", l.t("who_has_seen")),
        intro: Some(l.t("insight_intro").into()),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        charts: Vec::new(),
        sections: vec![Section {
            id: "insight".into(),
            heading: l.t("audit_title").into(),
            count: Some(rows.len()),
            export: Some(format!("/boern/{}/indsigt?", urlencode(&child))),
            headers: headers(l, &["when", "who", "role", "what", "why"]),
            rows,
            more: None,
        }],
    };
    if let (Some(fmt), Some(sec)) =
        (Format::parse(query_map(&q).get("format").map(String::as_str)), page.sections.first())
    {
        state.audit.log(&user, Action::Export, Some(&child), Some("hvem har set sagen".into()), None).await?;
        return Ok(sec.table().download(fmt, &format!("indsigt-{child}")));
    }
    Ok(page.into_response())
}

fn audit_rows(entries: &[store::access::AuditEntry]) -> Vec<Row> {
    entries
        .iter()
        .map(|e| Row {
            attrs: vec![("action", e.action.clone()), ("child", e.child.clone().unwrap_or_default())],
            cells: vec![
                cell(da_when(&e.at)),
                cell(e.username.clone()),
                cell(Role::parse(&e.role).map(|r| r.label_da()).unwrap_or("")),
                cell(format!(
                    "{}{}{}",
                    crate::audit::Action::label_da(&e.action),
                    e.child.as_ref().map(|c| format!(" — barn {c}")).unwrap_or_default(),
                    e.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
                )),
                cell(e.reason.clone().unwrap_or_default()),
            ],
        })
        .collect()
}

// ---- event forms --------------------------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "form.html")]
struct FormPage {
    ctx: Ctx,
    heading: String,
    action: String,
    back: String,
    back_label: String,
    has_errors: bool,
    inputs: Vec<forms::Input>,
    /// Suggested methods from the knowledge bank (intervention decisions), rendered.
    suggest: Option<String>,
}

pub(crate) fn event_type(kind: &str) -> Result<EventType, AppError> {
    EventType::parse(kind).ok_or_else(|| AppError::NotFound(format!("Ukendt hændelsestype \"{kind}\".")))
}

pub(crate) fn check_writer(user: &AuthUser) -> Result<(), AppError> {
    if !user.role.records() {
        return Err(AppError::Forbidden("Rollen kan ikke registrere i journalen.".into()));
    }
    if !user.may_write() {
        return Err(AppError::Forbidden("API-nøglen har ikke rettigheden write.".into()));
    }
    Ok(())
}

pub(crate) async fn known_for(state: &AppState, child: Option<&str>) -> Result<Known, AppError> {
    match child {
        Some(c) => known_with(state, Some(&state.store.child_events(c).await?)).await,
        None => known_with(state, None).await,
    }
}

/// What a form can refer to, from a child's events already read (`None` for a site form).
async fn known_with(state: &AppState, child_events: Option<&[store::StoredEvent]>) -> Result<Known, AppError> {
    let sites = state.store.site_names().await?;
    let mut known = Known::from_events(child_events.unwrap_or_default().iter().map(|s| &s.event), &sites);
    if child_events.is_some() {
        let bank = state.bank.current()?;
        let methods = bank
            .entries()
            .iter()
            .filter(|e| e.category == domain::knowledge::Category::Intervention)
            .map(|e| (e.id.to_string(), e.name.clone()))
            .collect();
        known.objects.insert(forms::Obj::Method, methods);
    }
    Ok(known)
}

/// What a site form can refer to; the reaction form also lists the danger signals awaiting a reaction and those of
/// the last 90 days.
async fn known_for_site(state: &AppState, t: EventType) -> Result<Known, AppError> {
    let mut known = known_for(state, None).await?;
    if t == EventType::DangerSignalHandled {
        let now = Utc::now();
        let recent = today(now) - Duration::days(90);
        let sites: HashMap<String, String> = state.store.site_names().await?.into_iter().collect();
        let signals = state.store.signals(&Default::default(), now).await?;
        known.add_signals(signals.into_iter().filter(|s| s.handled.is_none() || s.raised >= recent).map(|s| {
            let site = s.site.as_ref().map(|x| sites.get(x).cloned().unwrap_or(x.clone())).unwrap_or_default();
            let label = format!(
                "{} {}{}{}",
                s.signal,
                da_date(s.raised),
                s.kind.as_deref().map(|k| format!(": {k}")).unwrap_or_default(),
                if site.is_empty() { String::new() } else { format!(" ({site})") }
            );
            (s.signal, label)
        }));
    }
    Ok(known)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn render_form(
    user: &AuthUser,
    t: EventType,
    child: Option<&str>,
    known: &Known,
    values: &Values,
    errors: &forms::Errors,
    status: StatusCode,
) -> Response {
    render_form_with(user, t, child, known, values, errors, status, None)
}

#[allow(clippy::too_many_arguments)]
fn render_form_with(
    user: &AuthUser,
    t: EventType,
    child: Option<&str>,
    known: &Known,
    values: &Values,
    errors: &forms::Errors,
    status: StatusCode,
    suggest: Option<String>,
) -> Response {
    let (action, back, back_label) = match child {
        Some(c) => (
            format!("/boern/{}/ny/{}", urlencode(c), t.as_str()),
            format!("/boern/{}", urlencode(c)),
            format!("Barn {c}"),
        ),
        None if t == EventType::ChildRegistered => ("/boern/ny".into(), "/mine-boern".into(), "Mine børn".into()),
        None => (format!("/steder/ny/{}", t.as_str()), "/steder".into(), "Anbringelsessteder".into()),
    };
    let page = FormPage {
        ctx: ctx(user, if child.is_some() { "nav_my" } else { "nav_sites" }, t.label_da()),
        heading: format!("{}: {}", user.lang.t("new_event"), t.label_da()),
        action,
        back,
        back_label,
        has_errors: !errors.is_empty(),
        inputs: forms::inputs(t, known, values, errors, user.lang == Lang::En),
        suggest,
    };
    (status, page).into_response()
}

pub(crate) fn prefill(q: &Option<String>, now: DateTime<Utc>) -> Values {
    let mut v: Values = query_map(q).into_iter().filter(|(k, _)| k != "csrf").collect();
    v.entry("at".into()).or_insert_with(|| today(now).to_string());
    v
}

async fn event_form(
    State(state): State<AppState>,
    user: AuthUser,
    Path((child, kind)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let t = event_type(&kind)?;
    if !forms::is_child_event(t) || t == EventType::ChildRegistered {
        return Err(AppError::NotFound(format!("\"{kind}\" registreres ikke på et barns sag.")));
    }
    check_writer(&user)?;
    open_child(&state, &user, &child, Action::ViewChild, &format!("formular: {}", t.as_str())).await?;
    let events = state.store.child_events(&child).await?;
    let known = known_with(&state, Some(&events)).await?;
    let values = prefill(&q, Utc::now());
    let suggest = if t == EventType::InterventionDecided {
        let get = |k: &str| values.get(k).map(String::as_str);
        let panel = crate::methods::suggest_panel(&state, &child, &events, get("kind"), get("ladder_step")).await?;
        Some(panel.render().map_err(|e| AppError::Internal(e.to_string()))?)
    } else {
        None
    };
    Ok(render_form_with(&user, t, Some(&child), &known, &values, &Default::default(), StatusCode::OK, suggest))
}

pub(crate) fn values_of(form: &CsrfForm) -> Values {
    form.fields.iter().filter(|(k, _)| k != "csrf").map(|(k, v)| (k.clone(), v.clone())).collect()
}

async fn event_post(
    State(state): State<AppState>,
    Path((child, kind)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let t = event_type(&kind)?;
    if !forms::is_child_event(t) || t == EventType::ChildRegistered {
        return Err(AppError::NotFound(format!("\"{kind}\" registreres ikke på et barns sag.")));
    }
    let user = &form.user;
    check_writer(user)?;
    open_child(&state, user, &child, Action::Record, &format!("registrerer {}", t.as_str())).await?;
    let known = known_for(&state, Some(&child)).await?;
    let values = values_of(&form);
    let now = Utc::now();
    match forms::build(t, Some(&child), &values, &known, today(now), &forms::new_object_id) {
        Err(errors) => Ok(render_form(user, t, Some(&child), &known, &values, &errors, StatusCode::BAD_REQUEST)),
        Ok(event) => {
            state.store.append(&Actor::new(&user.username, now), vec![event]).await?;
            Ok(Redirect::to(&format!("/boern/{}?ok=saved", urlencode(&child))).into_response())
        }
    }
}

async fn new_child_form(
    user: AuthUser,
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    check_writer(&user)?;
    let mut v = prefill(&q, Utc::now());
    v.entry("municipality".into()).or_insert_with(|| state.store.municipality().to_string());
    Ok(render_form(&user, EventType::ChildRegistered, None, &Known::default(), &v, &Default::default(), StatusCode::OK))
}

async fn new_child(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = &form.user;
    check_writer(user)?;
    let values = values_of(&form);
    let now = Utc::now();
    let child = format!("b-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    match forms::build(
        EventType::ChildRegistered,
        Some(&child),
        &values,
        &Known::default(),
        today(now),
        &forms::new_object_id,
    ) {
        Err(errors) => Ok(render_form(
            user,
            EventType::ChildRegistered,
            None,
            &Known::default(),
            &values,
            &errors,
            StatusCode::BAD_REQUEST,
        )),
        Ok(event) => {
            let actor = Actor::new(&user.username, now);
            state.store.append(&actor, vec![event]).await?;
            state.store.assign(&child, Some(&user.username), user.team.as_deref(), &actor).await?;
            state.audit.log(user, Action::Record, Some(&child), Some("opretter barnet".into()), None).await?;
            Ok(Redirect::to(&format!("/boern/{}?ok=created", urlencode(&child))).into_response())
        }
    }
}

// ---- sites --------------------------------------------------------------------------------------------------------

fn check_site_writer(user: &AuthUser) -> Result<(), AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader])?;
    check_writer(user)
}

async fn site_event_form(
    State(state): State<AppState>,
    user: AuthUser,
    Path(kind): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let t = event_type(&kind)?;
    if forms::is_child_event(t) {
        return Err(AppError::NotFound(format!("\"{kind}\" registreres på et barns sag.")));
    }
    check_site_writer(&user)?;
    let known = known_for_site(&state, t).await?;
    Ok(render_form(&user, t, None, &known, &prefill(&q, Utc::now()), &Default::default(), StatusCode::OK))
}

async fn site_event_post(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let t = event_type(&kind)?;
    if forms::is_child_event(t) {
        return Err(AppError::NotFound(format!("\"{kind}\" registreres på et barns sag.")));
    }
    let user = &form.user;
    check_site_writer(user)?;
    let known = known_for_site(&state, t).await?;
    let values = values_of(&form);
    let now = Utc::now();
    match forms::build(t, None, &values, &known, today(now), &forms::new_object_id) {
        Err(errors) => Ok(render_form(user, t, None, &known, &values, &errors, StatusCode::BAD_REQUEST)),
        Ok(event) => {
            let back = match event.site() {
                Some(s) => format!("/steder/{}?ok=saved", urlencode(s)),
                None if t == EventType::DangerSignalHandled => "/faresignaler?ok=saved".to_string(),
                None => "/steder?ok=saved".to_string(),
            };
            let mut events = vec![event];
            if let Some(signal) = crate::sites::finance_signal(&state, &events[0]).await? {
                events.push(signal);
            }
            state.store.append(&Actor::new(&user.username, now), events).await?;
            Ok(Redirect::to(&back).into_response())
        }
    }
}

// ---- search -------------------------------------------------------------------------------------------------------

/// Lower-case, without separators: how names and CPR numbers are compared.
fn fold(s: &str) -> String {
    s.to_lowercase().chars().filter(|c| !matches!(c, '-' | ' ')).collect()
}

/// Children whose name, CPR number or reference matches `q` (every word of a name query must match).
pub async fn search_children(
    state: &AppState,
    q: &str,
) -> Result<Vec<(store::caseload::CaseState, store::caseload::Person)>, AppError> {
    let words: Vec<String> = q.split_whitespace().map(fold).filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let digits = fold(q);
    let mut hits = Vec::new();
    for (child, p) in state.store.all_people().await? {
        let name = p.name.as_deref().map(str::to_lowercase).unwrap_or_default();
        let cpr = p.cpr.as_deref().map(fold).unwrap_or_default();
        let by_cpr = digits.len() >= 6 && digits.chars().all(|c| c.is_ascii_digit()) && cpr.starts_with(&digits);
        let by_name = !name.is_empty() && words.iter().all(|w| name.contains(w.as_str()));
        let by_ref = fold(&child) == digits;
        if by_cpr || by_name || by_ref {
            hits.push((child, p));
            if hits.len() >= 50 {
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (child, p) in hits {
        if let Some(c) = state.store.case_state(&child).await? {
            out.push((c, p));
        }
    }
    Ok(out)
}

async fn search(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    if !user.role.handles_cases() {
        return Err(AppError::Forbidden("Rollen giver ikke adgang til at søge efter børn.".into()));
    }
    let l = user.lang;
    let qm = query_map(&q);
    let text = qm.get("q").cloned().unwrap_or_default();
    let hits = if text.trim().is_empty() { Vec::new() } else { search_children(&state, &text).await? };
    let cases: Vec<store::caseload::CaseState> = hits.iter().map(|(c, _)| c.clone()).collect();
    let visible: std::collections::HashSet<&str> =
        within_need_to_know(&user, &cases).into_iter().map(|c| c.child.as_str()).collect();
    let fmt = Format::parse(qm.get("format").map(String::as_str));
    let action = if fmt.is_some() { Action::Export } else { Action::SearchHit };
    state.audit.log_children(&user, action, visible.iter().copied(), &format!("søgning: {text}")).await?;
    let rows = hits
        .iter()
        .map(|(c, p)| {
            if visible.contains(c.child.as_str()) {
                Row {
                    attrs: vec![("child", c.child.clone())],
                    cells: vec![
                        link(
                            p.name.clone().unwrap_or_else(|| format!("Barn {}", c.child)),
                            format!("/boern/{}", urlencode(&c.child)),
                        ),
                        cell(p.cpr.clone().unwrap_or_default()),
                        cell(c.caseworker.clone().unwrap_or_default()),
                        cell(c.team.clone().unwrap_or_default()),
                    ],
                }
            } else {
                Row {
                    attrs: vec![("child", c.child.clone()), ("restricted", "1".into())],
                    cells: vec![
                        link(
                            format!("Barn uden for dine sager ({})", c.child),
                            format!("/boern/{}", urlencode(&c.child)),
                        ),
                        cell("— kræver begrundelse —"),
                        cell(""),
                        cell(c.team.clone().unwrap_or_default()),
                    ],
                }
            }
        })
        .collect::<Vec<_>>();
    let page = ListPage {
        ctx: ctx(&user, "nav_search", l.t("search_title")),
        heading: l.t("search_title").into(),
        intro: Some(l.t("search_hint").into()),
        action: "/soeg".into(),
        filters: vec![FilterView {
            name: "q",
            label: l.t("search_label").into(),
            value: text.clone(),
            options: Vec::new(),
        }],
        submit_label: l.t("search_button").into(),
        charts: Vec::new(),
        sections: if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![Section {
                id: "hits".into(),
                heading: format!("{} “{text}”", l.t("results_for")),
                count: Some(rows.len()),
                export: Some(format!("/soeg?q={}&", urlencode(&text))),
                headers: vec![l.t("name").into(), "CPR".into(), l.t("caseworker").into(), l.t("team").into()],
                rows,
                more: None,
            }]
        },
    };
    if let (Some(fmt), Some(sec)) = (fmt, page.sections.first()) {
        return Ok(sec.table().download(fmt, "soegning"));
    }
    Ok(page.into_response())
}

// ---- dashboards ---------------------------------------------------------------------------------------------------

fn month_label(m: &str) -> String {
    const NAMES: [&str; 12] = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];
    match (m.get(..4), m.get(5..7).and_then(|x| x.parse::<usize>().ok())) {
        (Some(y), Some(mm)) if (1..=12).contains(&mm) => format!("{} {}", NAMES[mm - 1], &y[2..]),
        _ => m.to_string(),
    }
}

fn share(met: i64, total: i64) -> String {
    if total == 0 {
        "—".into()
    } else {
        format!("{:.0} %", 100.0 * met as f64 / total as f64)
    }
}

/// Compliance counts of the last 12 months for a team (or the municipality), remembered per journal head.
pub async fn compliance_rows(
    state: &AppState,
    team: Option<&str>,
    now: DateTime<Utc>,
    head: i64,
) -> Result<std::sync::Arc<Vec<store::caseload::MonthCounts>>, AppError> {
    let from = (today(now) - chrono::Months::new(11)).format("%Y-%m").to_string();
    let key = format!("{}|{from}", team.unwrap_or("*"));
    Ok(state.dashboards.compliance.get_or(&key, head, state.store.compliance_by_month(team, &from, now)).await?)
}

/// Compute the dashboards' figures ahead of the first leader (at start and every hour).
pub async fn warm_dashboards(state: &AppState) -> Result<(), AppError> {
    let now = Utc::now();
    let head = state.store.event_count().await?;
    let teams = state.store.teams().await?;
    compliance_rows(state, None, now, head).await?;
    state.dashboards.workload.get_or("*", head, state.store.workload(None, now)).await?;
    state.dashboards.teams.get_or("teams", head, state.store.counts(store::projection::GroupBy::Team, now)).await?;
    for t in &teams {
        compliance_rows(state, Some(&t.id), now, head).await?;
        state.dashboards.workload.get_or(&t.id, head, state.store.workload(Some(&t.id), now)).await?;
    }
    Ok(())
}

/// Compliance sections and chart for a team (or the whole municipality).
async fn compliance(
    state: &AppState,
    user: &AuthUser,
    team: Option<&str>,
    drill: bool,
    chart_rule: Option<&str>,
    head: i64,
) -> Result<(Vec<(String, String)>, Section), AppError> {
    let l = user.lang;
    let now = Utc::now();
    let t = today(now);
    let rows = compliance_rows(state, team, now, head).await?;
    // The chart shows every rule together, or the one rule asked for (`?rule=`).
    let chart_rule = chart_rule.filter(|r| rows.iter().any(|x| x.rule == *r));
    let mut by_month: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    let mut by_rule: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    let this_month = t.format("%Y-%m").to_string();
    for r in rows.iter() {
        if r.month > this_month {
            continue;
        }
        let add = |acc: &mut [i64; 4]| {
            acc[0] += r.met;
            acc[1] += r.late;
            acc[2] += r.overdue;
            acc[3] += r.due;
        };
        if chart_rule.is_none_or(|c| c == r.rule) {
            add(by_month.entry(r.month.clone()).or_default());
        }
        add(by_rule.entry(r.rule.clone()).or_default());
    }
    let legend = [l.t("met_on_time"), l.t("late"), l.t("overdue"), l.t("open_due")];
    let bars: Vec<Bar> = by_month.iter().map(|(m, p)| Bar { label: month_label(m), parts: *p }).collect();
    let title = match chart_rule {
        Some(r) => format!("{}: {}", l.t("compliance_over_time"), rule_label(r)),
        None => format!("{}: {}", l.t("compliance_over_time"), l.t("all").to_lowercase()),
    };
    let chart = stacked_shares(&title, &bars, legend);
    let team_q = team.map(|t| format!("team={}&", urlencode(t))).unwrap_or_default();
    let page = if team.is_some() {
        "/team"
    } else if drill {
        "/kommune"
    } else {
        "/statistik"
    };
    let section = Section {
        id: "compliance".into(),
        heading: l.t("compliance").into(),
        count: None,
        export: Some(format!("{}?{team_q}table=compliance&", if team.is_some() { "/team" } else { "/kommune" })),
        headers: vec![
            l.t("rule").into(),
            l.t("met_on_time").into(),
            l.t("late").into(),
            l.t("overdue").into(),
            l.t("open_due").into(),
            l.t("share_on_time").into(),
        ],
        rows: by_rule
            .iter()
            .map(|(rule, p)| {
                let closed = p[0] + p[1] + p[2];
                let num = |n: i64, status: &str| {
                    if drill && n > 0 {
                        link(n.to_string(), format!("/liste?{team_q}rule={}&status={status}", urlencode(rule)))
                    } else {
                        cell(n.to_string())
                    }
                };
                Row {
                    attrs: vec![("rule", rule.clone())],
                    cells: vec![
                        link(rule_label(rule), format!("{page}?{team_q}rule={}#indhold", urlencode(rule))),
                        num(p[0], "met"),
                        num(p[1], "late"),
                        num(p[2], "overdue"),
                        num(p[3], "due"),
                        cell(share(p[0], closed)),
                    ],
                }
            })
            .collect(),
        more: Some(
            "Seneste 12 måneder efter fristens måned. Andel rettidigt = rettidigt / (rettidigt + for sent + \
             overskredet). Klik på en pligt for at se den over tid."
                .into(),
        ),
    };
    Ok((vec![(title, chart)], section))
}

async fn workload_section(
    state: &AppState,
    user: &AuthUser,
    team: Option<&str>,
    head: i64,
) -> Result<Section, AppError> {
    let l = user.lang;
    let rows =
        state.dashboards.workload.get_or(team.unwrap_or("*"), head, state.store.workload(team, Utc::now())).await?;
    let team_q = team.map(|t| format!("team={}&", urlencode(t))).unwrap_or_default();
    Ok(Section {
        id: "workload".into(),
        heading: l.t("workload").into(),
        count: Some(rows.len()),
        export: Some(format!("{}?{team_q}table=workload&", if team.is_some() { "/team" } else { "/kommune" })),
        headers: vec![
            l.t("caseworker").into(),
            l.t("children").into(),
            l.t("placed").into(),
            l.t("open_due").into(),
            l.t("overdue").into(),
        ],
        rows: rows
            .iter()
            .map(|w| Row {
                attrs: vec![("caseworker", w.caseworker.clone())],
                cells: vec![
                    cell(if w.caseworker.is_empty() { "(ikke tildelt)".to_string() } else { w.caseworker.clone() }),
                    cell(w.children.to_string()),
                    cell(w.placed.to_string()),
                    link(w.due.to_string(), format!("/liste?caseworker={}&status=due", urlencode(&w.caseworker))),
                    Cell {
                        text: w.overdue.to_string(),
                        href: Some(format!("/liste?caseworker={}&status=overdue", urlencode(&w.caseworker))),
                        class: (w.overdue > 0).then_some("overdue"),
                    },
                ],
            })
            .collect(),
        more: None,
    })
}

async fn team_dashboard(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let qm = query_map(&q);
    let teams = state.store.teams().await?;
    let team = if user.role == Role::Manager {
        qm.get("team").cloned().filter(|t| !t.is_empty()).or_else(|| teams.first().map(|t| t.id.clone()))
    } else {
        user.team.clone()
    }
    .ok_or_else(|| AppError::Forbidden("Du er ikke knyttet til et team.".into()))?;
    // The journal head, read once: every remembered figure of the page is checked against it.
    let head = state.store.event_count().await?;
    let (charts, comp) = compliance(&state, &user, Some(&team), true, qm.get("rule").map(String::as_str), head).await?;
    let work = workload_section(&state, &user, Some(&team), head).await?;
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let s = if qm.get("table").map(String::as_str) == Some("workload") { &work } else { &comp };
        return Ok(s.table().download(fmt, &format!("team-{team}-{}", s.id)));
    }
    let team_name = teams.iter().find(|t| t.id == team).map(|t| t.name.clone()).unwrap_or(team.clone());
    let filters = if user.role == Role::Manager {
        vec![FilterView {
            name: "team",
            label: l.t("team").into(),
            value: team.clone(),
            options: teams.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        }]
    } else {
        Vec::new()
    };
    let escalated = *state.dashboards.escalated.get_or("*", head, state.store.escalated_signals(Utc::now())).await?;
    let mut c = ctx(&user, "nav_team", l.t("team_title"));
    if escalated > 0 {
        c.flash = Some(format!(
            "{escalated} faresignaler har overskredet reaktionsfristen uden reaktion og er eskaleret til dig — se \
             Faresignaler."
        ));
    }
    Ok(ListPage {
        ctx: c,
        heading: format!("{}: {team_name}", l.t("team_title")),
        intro: Some(l.t("team_intro").into()),
        action: "/team".into(),
        filters,
        submit_label: l.t("filter").into(),
        charts,
        sections: vec![comp, work],
    }
    .into_response())
}

async fn municipality_dashboard(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Manager])?;
    let l = user.lang;
    let qm = query_map(&q);
    let head = state.store.event_count().await?;
    let (charts, comp) = compliance(&state, &user, None, true, qm.get("rule").map(String::as_str), head).await?;
    let now = Utc::now();
    let teams = state.store.teams().await?;
    let counts =
        state.dashboards.teams.get_or("teams", head, state.store.counts(store::projection::GroupBy::Team, now)).await?;
    let per_team = Section {
        id: "teams".into(),
        heading: l.t("per_team").into(),
        count: Some(counts.len()),
        export: Some("/kommune?table=teams&".into()),
        headers: vec![
            l.t("team").into(),
            l.t("met_on_time").into(),
            l.t("late").into(),
            l.t("overdue").into(),
            l.t("open_due").into(),
            l.t("share_on_time").into(),
        ],
        rows: counts
            .iter()
            .map(|c| Row {
                attrs: vec![("team", c.key.clone())],
                cells: vec![
                    if c.key.is_empty() {
                        cell("(sted- og signalpligter / ikke tildelt)")
                    } else {
                        link(
                            teams.iter().find(|t| t.id == c.key).map(|t| t.name.clone()).unwrap_or(c.key.clone()),
                            format!("/team?team={}", urlencode(&c.key)),
                        )
                    },
                    cell(c.met.to_string()),
                    cell(c.late.to_string()),
                    Cell {
                        text: c.overdue.to_string(),
                        href: Some(format!("/liste?team={}&status=overdue", urlencode(&c.key))),
                        class: (c.overdue > 0).then_some("overdue"),
                    },
                    cell(c.due.to_string()),
                    cell(share(c.met, c.met + c.late + c.overdue)),
                ],
            })
            .collect(),
        more: None,
    };
    let work = workload_section(&state, &user, None, head).await?;
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let s = match qm.get("table").map(String::as_str) {
            Some("workload") => &work,
            Some("teams") => &per_team,
            _ => &comp,
        };
        return Ok(s.table().download(fmt, &format!("kommune-{}", s.id)));
    }
    Ok(ListPage {
        ctx: ctx(&user, "nav_municipality", l.t("municipality_title")),
        heading: format!("{}: {}", l.t("municipality_title"), state.store.municipality().name()),
        intro: Some(l.t("municipality_intro").into()),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        charts,
        sections: vec![comp, per_team, work],
    }
    .into_response())
}

async fn statistics(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Analyst, Role::Manager])?;
    let l = user.lang;
    let qm = query_map(&q);
    let head = state.store.event_count().await?;
    let (charts, mut comp) = compliance(&state, &user, None, false, qm.get("rule").map(String::as_str), head).await?;
    // Aggregates only: cells under 5 are suppressed (disclosure control), no drill-down to children.
    for r in &mut comp.rows {
        for c in r.cells.iter_mut().skip(1).take(4) {
            if c.text.parse::<i64>().is_ok_and(|n| n > 0 && n < 5) {
                c.text = "<5".into();
            }
            c.href = None;
        }
    }
    comp.export = Some("/statistik?".into());
    if let Some(fmt) = Format::parse(query_map(&q).get("format").map(String::as_str)) {
        return Ok(comp.table().download(fmt, "statistik-overholdelse"));
    }
    Ok(ListPage {
        ctx: ctx(&user, "nav_stats", l.t("stats_title")),
        heading: format!("{}: {}", l.t("stats_title"), state.store.municipality().name()),
        intro: Some(l.t("stats_intro").into()),
        action: String::new(),
        filters: Vec::new(),
        submit_label: String::new(),
        charts,
        sections: vec![comp],
    }
    .into_response())
}

// ---- lists --------------------------------------------------------------------------------------------------------

async fn obligation_list(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Caseworker, Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let qm = query_map(&q);
    let pick = |k: &str| qm.get(k).cloned().filter(|v| !v.is_empty());
    let status = match pick("status") {
        Some(s) => {
            Some(Status::parse(&s).ok_or_else(|| AppError::bad("status", "ukendt status (met, late, due, overdue)"))?)
        }
        None => None,
    };
    // Need-to-know: everyone but managers sees only their own team's list.
    let team = if user.role == Role::Manager { pick("team") } else { user.team.clone() };
    if user.role != Role::Manager && team.is_none() {
        return Err(AppError::Forbidden("Du er ikke knyttet til et team.".into()));
    }
    let filter = ObligationFilter {
        caseworker: pick("caseworker"),
        team: team.clone(),
        rule: pick("rule"),
        status,
        month: pick("month"),
        due_before: None,
        open_only: false,
        limit: 1000,
    };
    let list = state.store.obligation_list(&filter, Utc::now()).await?;
    let children: Vec<&str> = list.iter().filter_map(|o| o.obligation.child.as_deref()).collect();
    let people = state.store.people(&children).await?;
    let mut keys = vec!["child", "rule", "law", "subject", "due"];
    keys.extend(["status", "caseworker", "team"]);
    let base: String =
        qm.iter().filter(|(k, _)| k.as_str() != "format").map(|(k, v)| format!("{k}={}&", urlencode(v))).collect();
    let section = Section {
        id: "list".into(),
        heading: l.t("list_title").into(),
        count: Some(list.len()),
        export: Some(format!("/liste?{base}")),
        headers: headers(l, &keys),
        rows: obligation_rows(&list, &people, l, true, user.role),
        more: (list.len() >= 1000).then(|| "Listen viser de første 1.000; afgræns med filtrene.".to_string()),
    };
    let fmt = Format::parse(qm.get("format").map(String::as_str));
    state
        .audit
        .log_children(
            &user,
            if fmt.is_some() { Action::Export } else { Action::ViewList },
            children.iter().copied(),
            &format!("liste: {base}"),
        )
        .await?;
    if let Some(fmt) = fmt {
        return Ok(section.table().download(fmt, "pligter"));
    }
    let rules: Vec<(String, String)> = std::iter::once((String::new(), l.t("all").to_string()))
        .chain(
            rule_id::LAW_RULES
                .iter()
                .chain(&[rule_id::FIRST_VISIT, rule_id::SIGNAL_REACTION, rule_id::FOSTER_SUPERVISION])
                .map(|r| (r.to_string(), rule_label(r).to_string())),
        )
        .collect();
    let statuses: Vec<(String, String)> =
        [("", l.t("all")), ("overdue", "Overskredet"), ("due", "Åben"), ("late", "For sent"), ("met", "Opfyldt")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    let mut filters = vec![
        FilterView { name: "rule", label: l.t("rule").into(), value: pick("rule").unwrap_or_default(), options: rules },
        FilterView {
            name: "status",
            label: l.t("status").into(),
            value: pick("status").unwrap_or_default(),
            options: statuses,
        },
        FilterView {
            name: "caseworker",
            label: l.t("caseworker").into(),
            value: pick("caseworker").unwrap_or_default(),
            options: Vec::new(),
        },
    ];
    if user.role == Role::Manager {
        filters.push(FilterView {
            name: "team",
            label: l.t("team").into(),
            value: pick("team").unwrap_or_default(),
            options: std::iter::once((String::new(), l.t("all").to_string()))
                .chain(state.store.teams().await?.into_iter().map(|t| (t.id, t.name)))
                .collect(),
        });
    }
    Ok(ListPage {
        ctx: ctx(&user, "nav_lists", l.t("list_title")),
        heading: l.t("list_title").into(),
        intro: None,
        action: "/liste".into(),
        filters,
        submit_label: l.t("filter").into(),
        charts: Vec::new(),
        sections: vec![section],
    }
    .into_response())
}

// ---- audit --------------------------------------------------------------------------------------------------------

async fn audit_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::TeamLeader, Role::Manager])?;
    let l = user.lang;
    let qm = query_map(&q);
    let pick = |k: &str| qm.get(k).cloned().filter(|v| !v.is_empty());
    let team = if user.role == Role::Manager { pick("team") } else { user.team.clone() };
    if user.role != Role::Manager && team.is_none() {
        return Err(AppError::Forbidden("Du er ikke knyttet til et team.".into()));
    }
    let filter = store::access::AuditFilter {
        team,
        child: pick("child"),
        username: pick("user"),
        action: pick("action"),
        before: None,
        limit: 500,
    };
    let entries = state.store.audit(&filter).await?;
    let section = Section {
        id: "audit".into(),
        heading: l.t("audit_title").into(),
        count: Some(entries.len()),
        export: Some(format!(
            "/audit?{}",
            qm.iter()
                .filter(|(k, _)| k.as_str() != "format")
                .map(|(k, v)| format!("{k}={}&", urlencode(v)))
                .collect::<String>()
        )),
        headers: headers(l, &["when", "who", "role", "what", "why"]),
        rows: audit_rows(&entries),
        more: (entries.len() >= 500).then(|| "Viser de nyeste 500; afgræns med filtrene.".into()),
    };
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        return Ok(section.table().download(fmt, "logning"));
    }
    let actions: Vec<(String, String)> = std::iter::once((String::new(), l.t("all").to_string()))
        .chain(
            [
                "break_glass",
                "view_child",
                "search_hit",
                "export",
                "record",
                "view_list",
                "login_failed",
                "admin_change",
            ]
            .iter()
            .map(|a| (a.to_string(), crate::audit::Action::label_da(a).to_string())),
        )
        .collect();
    Ok(ListPage {
        ctx: ctx(&user, "nav_audit", l.t("audit_title")),
        heading: l.t("audit_title").into(),
        intro: Some(l.t("audit_intro").into()),
        action: "/audit".into(),
        filters: vec![
            FilterView {
                name: "action",
                label: l.t("what").into(),
                value: pick("action").unwrap_or_default(),
                options: actions,
            },
            FilterView {
                name: "user",
                label: l.t("who").into(),
                value: pick("user").unwrap_or_default(),
                options: Vec::new(),
            },
            FilterView {
                name: "child",
                label: l.t("child").into(),
                value: pick("child").unwrap_or_default(),
                options: Vec::new(),
            },
        ],
        submit_label: l.t("filter").into(),
        charts: Vec::new(),
        sections: vec![section],
    }
    .into_response())
}

// ---- administration ---------------------------------------------------------------------------------------------

struct UserRow {
    username: String,
    full_name: String,
    role: String,
    team: Option<String>,
    active: bool,
    locked: bool,
}

impl UserRow {
    fn is_team(&self, t: &str) -> bool {
        self.team.as_deref() == Some(t)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct AdminUsersPage {
    ctx: Ctx,
    error: Option<String>,
    roles: Vec<(&'static str, &'static str)>,
    teams: Vec<store::access::Team>,
    users: Vec<UserRow>,
}

async fn admin_users_page(
    state: &AppState,
    user: &AuthUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let users = state.store.users().await?;
    let page = AdminUsersPage {
        ctx: ctx(user, "nav_admin_users", user.lang.t("users_title")),
        error,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label_da())).collect(),
        teams: state.store.teams().await?,
        users: users
            .into_iter()
            .map(|u| UserRow {
                locked: u
                    .locked_until
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t > now),
                username: u.username,
                full_name: u.full_name,
                role: u.role,
                team: u.team,
                active: u.active,
            })
            .collect(),
    };
    Ok((status, page).into_response())
}

async fn admin_users(State(state): State<AppState>, user: AuthUser) -> Result<Response, AppError> {
    require_admin(&user)?;
    admin_users_page(&state, &user, None, StatusCode::OK).await
}

/// Validate a user form: username pattern, role, team.
async fn user_fields(state: &AppState, form: &CsrfForm) -> Result<(String, Role, Option<String>), AppError> {
    let full_name = auth::check_name("full_name", form.get("full_name").unwrap_or(""))?;
    let role = form.get("role").and_then(Role::parse).ok_or_else(|| AppError::bad("role", "vælg en rolle"))?;
    let team = form.text("team");
    if let Some(t) = &team {
        if !state.store.teams().await?.iter().any(|x| &x.id == t) {
            return Err(AppError::bad("team", format!("teamet \"{t}\" findes ikke")));
        }
    }
    Ok((full_name, role, team))
}

async fn admin_create_user(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = form.user.clone();
    require_admin(&user)?;
    let result: Result<(), AppError> = async {
        let username = auth::check_username(form.get("username").unwrap_or(""))?;
        if state.store.user(&username).await?.is_some() {
            return Err(AppError::bad("username", format!("brugeren \"{username}\" findes allerede")));
        }
        let (full_name, role, team) = user_fields(&state, &form).await?;
        let pw = form.get("password").unwrap_or("").to_string();
        auth::check_new_password(&pw)?;
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let now = Utc::now().to_rfc3339();
        state
            .store
            .create_user(
                &store::access::User {
                    username: username.clone(),
                    full_name,
                    role: role.as_str().into(),
                    team,
                    password_hash: Some(hash),
                    active: true,
                    failed_logins: 0,
                    locked_until: None,
                },
                &now,
            )
            .await?;
        state
            .audit
            .log(
                &user,
                Action::AdminChange,
                None,
                Some(format!("opretter bruger {username} ({})", role.as_str())),
                None,
            )
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/admin/brugere").into_response()),
        Err(e @ AppError::BadRequest { .. }) => {
            admin_users_page(&state, &user, Some(e.message()), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e),
    }
}

async fn admin_update_user(
    State(state): State<AppState>,
    Path(username): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = form.user.clone();
    require_admin(&user)?;
    let result: Result<(), AppError> = async {
        if state.store.user(&username).await?.is_none() {
            return Err(AppError::NotFound(format!("Brugeren \"{username}\" findes ikke.")));
        }
        let (full_name, role, team) = user_fields(&state, &form).await?;
        let active = form.get("active").is_some();
        if username == user.username && (!active || role != Role::Admin) {
            return Err(AppError::bad(
                "role",
                "du kan ikke fjerne din egen administratorrolle eller deaktivere dig selv",
            ));
        }
        let now = Utc::now().to_rfc3339();
        state.store.update_user(&username, &full_name, role.as_str(), team.as_deref(), active, &now).await?;
        state.dashboards.names.clear();
        if let Some(pw) = form.text("password") {
            auth::check_new_password(&pw)?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??;
            state.store.set_password(&username, &hash, &now).await?;
        }
        state.sessions.clear();
        state
            .audit
            .log(
                &user,
                Action::AdminChange,
                None,
                Some(format!(
                    "ændrer bruger {username}: {} / {} / aktiv: {active}",
                    role.as_str(),
                    team.as_deref().unwrap_or("-")
                )),
                None,
            )
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/admin/brugere").into_response()),
        Err(e @ AppError::BadRequest { .. }) => {
            admin_users_page(&state, &user, Some(e.message()), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_teams.html")]
struct AdminTeamsPage {
    ctx: Ctx,
    error: Option<String>,
    teams: Vec<(String, String, usize, usize)>,
}

async fn admin_teams_page(
    state: &AppState,
    user: &AuthUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let users = state.store.users().await?;
    let mut out = Vec::new();
    for t in state.store.teams().await? {
        let members = users.iter().filter(|u| u.team.as_deref() == Some(&t.id)).count();
        let children = state.store.caseload(None, Some(&t.id)).await?.len();
        out.push((t.id, t.name, members, children));
    }
    Ok((status, AdminTeamsPage { ctx: ctx(user, "nav_admin_teams", user.lang.t("teams_title")), error, teams: out })
        .into_response())
}

async fn admin_teams(State(state): State<AppState>, user: AuthUser) -> Result<Response, AppError> {
    require_admin(&user)?;
    admin_teams_page(&state, &user, None, StatusCode::OK).await
}

async fn admin_create_team(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = form.user.clone();
    require_admin(&user)?;
    let result: Result<(), AppError> = async {
        let id = auth::check_team_id(form.get("id").unwrap_or(""))?;
        let name = auth::check_name("name", form.get("name").unwrap_or(""))?;
        if state.store.teams().await?.iter().any(|t| t.id == id) {
            return Err(AppError::bad("id", format!("teamet \"{id}\" findes allerede")));
        }
        state.store.create_team(&id, &name, &Utc::now().to_rfc3339()).await?;
        state.audit.log(&user, Action::AdminChange, None, Some(format!("opretter team {id}")), None).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/admin/teams").into_response()),
        Err(e @ AppError::BadRequest { .. }) => {
            admin_teams_page(&state, &user, Some(e.message()), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e),
    }
}

// ---- profile and API tokens ---------------------------------------------------------------------------------------

struct TokenRow {
    id: String,
    name: String,
    scopes: String,
    created: String,
    expires: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    ctx: Ctx,
    error: Option<String>,
    new_token: Option<String>,
    tokens: Vec<TokenRow>,
    is_admin: bool,
    username: String,
}

async fn profile_page(
    state: &AppState,
    user: &AuthUser,
    error: Option<String>,
    new_token: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tokens = state.store.api_tokens_of(&user.username).await?;
    let page = ProfilePage {
        ctx: ctx(user, "nav_profile", user.lang.t("profile_title")),
        error,
        new_token,
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                scopes: t.scopes,
                created: da_when(&t.created_at),
                expires: t.expires_at.as_deref().map(da_when).unwrap_or_else(|| "aldrig".into()),
                last_used: t.last_used.as_deref().map(da_when).unwrap_or_else(|| "—".into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        is_admin: user.role == Role::Admin,
        username: user.username.clone(),
    };
    Ok((status, page).into_response())
}

async fn profile(State(state): State<AppState>, user: AuthUser) -> Result<Response, AppError> {
    profile_page(&state, &user, None, None, StatusCode::OK).await
}

/// Create an API token for `user` (shared by the profile page and the API). Returns (id, secret).
pub async fn issue_token(
    state: &AppState,
    user: &AuthUser,
    name: &str,
    scopes: &str,
    days: Option<i64>,
) -> Result<(String, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::bad("name", "giv nøglen et navn på 1–80 tegn"));
    }
    let scopes = auth::Scopes::parse(scopes)?;
    if scopes.admin && user.role != Role::Admin {
        return Err(AppError::bad("scopes", "kun administratorer kan få rettigheden admin"));
    }
    if let Some(d) = days {
        if !(1..=3650).contains(&d) {
            return Err(AppError::bad("days", "udløb skal være 1–3650 dage"));
        }
    }
    let now = Utc::now();
    let secret = format!("vaern_{}", random_token());
    let id = uuid::Uuid::now_v7().to_string();
    let expires = days.map(|d| (now + Duration::days(d)).to_rfc3339());
    state
        .store
        .create_api_token(
            &id,
            &crate::web_util::sha256_hex(&secret),
            &user.username,
            name,
            &scopes.to_text(),
            &now.to_rfc3339(),
            expires.as_deref(),
        )
        .await?;
    Ok((id, secret))
}

async fn create_token(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = form.user.clone();
    let days = form
        .text("days")
        .map(|d| d.parse::<i64>().map_err(|_| AppError::bad("days", "udløb skal være et helt antal dage")))
        .transpose();
    let result = match days {
        Ok(days) => {
            issue_token(&state, &user, form.get("name").unwrap_or(""), &form.all("scope").join(" "), days).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((_, secret)) => profile_page(&state, &user, None, Some(secret), StatusCode::OK).await,
        Err(e @ AppError::BadRequest { .. }) => {
            profile_page(&state, &user, Some(e.message()), None, StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    if !state.store.revoke_api_token(&id, &form.user.username, &Utc::now().to_rfc3339()).await? {
        return Err(AppError::NotFound("API-nøglen findes ikke (eller er allerede tilbagekaldt).".into()));
    }
    Ok(Redirect::to("/profil").into_response())
}

async fn change_password(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = form.user.clone();
    let current = form.get("current").unwrap_or("").to_string();
    let new = form.get("password").unwrap_or("").to_string();
    let stored = state.store.user(&user.username).await?.and_then(|u| u.password_hash).unwrap_or_default();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&current, &stored))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        return profile_page(
            &state,
            &user,
            Some("Felt \"current\": den nuværende adgangskode er forkert.".into()),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    if let Err(e) = auth::check_new_password(&new) {
        return profile_page(&state, &user, Some(e.message()), None, StatusCode::BAD_REQUEST).await;
    }
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    state.store.set_password(&user.username, &hash, &Utc::now().to_rfc3339()).await?;
    state.sessions.clear();
    Ok(Redirect::to("/login").into_response())
}

/// Plain HTML helper for tests and tools.
pub fn html(s: &str) -> Html<String> {
    Html(s.to_string())
}
