//! The JSON API under `/api/v1`: everything the pages do, for other systems and scripts. Authentication by API
//! token (`Authorization: Bearer vaern_…`, scopes `read`/`write`/`admin`) or by the browser session (writes then need
//! the `X-CSRF-Token` header). The same need-to-know rules and audit log as the pages. The OpenAPI 3.1 document is
//! at `/api/v1/openapi.json`; `/api/v1/docs` is a reference page rendered from it on the server (nothing fetched).

use crate::access::{break_glass, open_child, within_need_to_know};
use crate::audit::Action;
use crate::auth::{check_name, check_team_id, check_username, require_admin, AuthUser};
use crate::error::{ApiError, AppError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::Utc;
use domain::access::Role;
use domain::event::{Event, EventType};
use domain::obligation::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::caseload::ObligationFilter;
use store::Actor;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

type ApiResult<T> = Result<Json<T>, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(docs))
        .route("/api/v1/me", get(me))
        .route("/api/v1/my/obligations", get(my_obligations))
        .route("/api/v1/children/{child}", get(child))
        .route("/api/v1/children/{child}/events", get(child_events).post(append_child_event))
        .route("/api/v1/children/{child}/access", post(child_access))
        .route("/api/v1/children/{child}/audit", get(child_audit))
        .route("/api/v1/search", get(search))
        .route("/api/v1/obligations", get(obligations))
        .route("/api/v1/dashboard/compliance", get(compliance))
        .route("/api/v1/dashboard/workload", get(workload))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/sites", get(sites))
        .route("/api/v1/sites/events", post(append_site_event))
        .route("/api/v1/users", get(users).post(create_user))
        .route("/api/v1/users/{username}", axum::routing::patch(update_user))
        .route("/api/v1/children", post(register_child))
        .route("/api/v1/teams", get(teams).post(create_team))
        .route("/api/v1/tokens", get(tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound("Ukendt adresse i API'et. Se /api/v1/docs.".into()))
}

// ---- schemas ------------------------------------------------------------------------------------------------------

/// An error: a code, a Danish message, and the field at fault when there is one.
#[derive(Serialize, ToSchema)]
pub struct ErrorDto {
    /// `unauthenticated`, `forbidden`, `reason_required`, `not_found`, `bad_request`, `csrf`, `internal`.
    pub error: String,
    pub message: String,
    pub field: Option<String>,
    /// For `reason_required`: the child that needs a stated reason (POST it to `/children/{child}/access`).
    pub child: Option<String>,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub username: String,
    pub full_name: String,
    /// `caseworker`, `consultant`, `team_leader`, `manager`, `analyst`, `admin`.
    pub role: String,
    pub team: Option<String>,
    /// Scopes of the API token in use; absent for a browser session.
    pub scopes: Option<String>,
}

/// An obligation (the format of `spec/obligations.md`), with the case's caseworker and team where listed.
#[derive(Serialize, ToSchema)]
pub struct ObligationDto {
    pub rule: String,
    pub law: String,
    pub child: Option<String>,
    pub subject: String,
    /// `YYYY-MM-DD` (end of that day) or RFC 3339 for deadlines counted in hours.
    pub due: String,
    /// `met`, `late`, `due`, `overdue`.
    pub status: String,
    pub met_at: Option<String>,
    pub caseworker: Option<String>,
    pub team: Option<String>,
}

/// A child's case: state, assignment and (for those allowed) name and CPR number.
#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub child: String,
    pub municipality: String,
    pub name: Option<String>,
    pub cpr: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub placement: Option<String>,
    pub site: Option<String>,
    pub placement_type: Option<String>,
    pub placed_since: Option<String>,
    pub open_interventions: i64,
    pub events: i64,
    pub caseworker: Option<String>,
    pub team: Option<String>,
    pub closed_on: Option<String>,
    /// Why the caller may see the case: `own_case`, `team`, `placement`, `municipality`, `break_glass`.
    pub access: String,
}

/// A child's case with its obligations as of now.
#[derive(Serialize, ToSchema)]
pub struct ChildDto {
    pub case: CaseDto,
    pub obligations: Vec<ObligationDto>,
}

/// A stored journal event.
#[derive(Serialize, ToSchema)]
pub struct StoredEventDto {
    pub seq: i64,
    pub id: String,
    pub recorded_by: String,
    pub recorded_at: String,
    /// SHA-256 chain hash of the event.
    pub hash: String,
    /// The event in the journal format of `spec/events.md`.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

/// The result of recording an event.
#[derive(Serialize, ToSchema)]
pub struct AppendedDto {
    pub id: String,
    pub seq: i64,
}

/// A stated reason for opening a case outside one's need-to-know.
#[derive(Deserialize, ToSchema)]
pub struct ReasonDto {
    /// At least 10 characters; logged and shown to the team leader.
    pub reason: String,
}

/// One line of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub role: String,
    pub team: Option<String>,
    pub action: String,
    pub child: Option<String>,
    pub detail: Option<String>,
    pub reason: Option<String>,
}

/// A search hit. Outside need-to-know only the reference is shown (`restricted`).
#[derive(Serialize, ToSchema)]
pub struct SearchHitDto {
    pub child: String,
    pub name: Option<String>,
    pub cpr: Option<String>,
    pub team: Option<String>,
    pub restricted: bool,
}

/// Compliance counts for one rule and month (by due date).
#[derive(Serialize, ToSchema)]
pub struct ComplianceDto {
    pub rule: String,
    pub label: String,
    pub month: String,
    pub met: i64,
    pub late: i64,
    pub due: i64,
    pub overdue: i64,
}

/// One caseworker's load.
#[derive(Serialize, ToSchema)]
pub struct WorkloadDto {
    pub caseworker: String,
    pub children: i64,
    pub placed: i64,
    pub due: i64,
    pub overdue: i64,
}

/// A placement site.
#[derive(Serialize, ToSchema)]
pub struct SiteDto {
    pub site: String,
    pub name: String,
    pub site_type: String,
    /// `approved`, `expired`, `revoked` or `not_approved`.
    pub approval: String,
    /// Last day of the approval (none: open-ended or not approved).
    pub approved_until: Option<String>,
    /// Approved places.
    pub places: Option<i64>,
    /// The responsible foster-care consultant (username).
    pub consultant: Option<String>,
    pub placed_children: i64,
    pub open_obligations: i64,
    pub overdue_obligations: i64,
}

/// A user account (never its password).
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub team: Option<String>,
    pub active: bool,
    pub locked_until: Option<String>,
}

/// A new user.
#[derive(Deserialize, ToSchema)]
pub struct NewUserDto {
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub team: Option<String>,
    /// At least 10 characters.
    pub password: String,
}

/// Changes to a user (fields left out stay as they are).
#[derive(Deserialize, ToSchema)]
pub struct UserUpdateDto {
    pub full_name: Option<String>,
    pub role: Option<String>,
    /// A team id; an empty string removes the user from their team.
    pub team: Option<String>,
    pub active: Option<bool>,
    /// A new password (at least 10 characters); ends the user's sessions.
    pub password: Option<String>,
}

/// A newly registered child.
#[derive(Serialize, ToSchema)]
pub struct RegisteredDto {
    /// The child's new reference.
    pub child: String,
    pub id: String,
    pub seq: i64,
}

/// A team.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TeamDto {
    pub id: String,
    pub name: String,
}

/// An API token (never its secret).
#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used: Option<String>,
}

/// A new API token.
#[derive(Deserialize, ToSchema)]
pub struct NewTokenDto {
    pub name: String,
    /// Space-separated: `read`, `write`, `admin`.
    pub scopes: String,
    /// Days until it expires (1–3650); none: never.
    pub days: Option<i64>,
}

/// A created API token: the secret is shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewTokenResultDto {
    pub id: String,
    pub token: String,
}

/// Filters of the obligation list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this caseworker's cases.
    pub caseworker: Option<String>,
    /// Only this team's cases (managers; others always see their own team).
    pub team: Option<String>,
    /// Only this rule id.
    pub rule: Option<String>,
    /// `met`, `late`, `due` or `overdue`.
    pub status: Option<String>,
    /// Only deadlines in this month, `YYYY-MM`.
    pub month: Option<String>,
    /// At most this many (1–5000, default 1000).
    pub limit: Option<i64>,
}

/// A team filter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// The team (managers; team leaders always see their own).
    pub team: Option<String>,
}

/// A search.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Name, CPR number (at least 6 digits) or reference.
    pub q: String,
}

/// Audit filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub child: Option<String>,
    pub user: Option<String>,
    pub action: Option<String>,
    /// Lines with an id below this (paging back from the newest).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

// ---- helpers ------------------------------------------------------------------------------------------------------

/// Query parameters, leniently: unknown keys are ignored, bad values are named.
fn query<T: for<'de> Deserialize<'de>>(q: &Option<String>) -> Result<T, AppError> {
    serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
        .map_err(|e| AppError::BadRequest { field: None, message: format!("ugyldige parametre: {e}") })
}

/// A JSON body, with a Danish error naming the problem.
fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        let field = msg.split('`').nth(1).map(str::to_string);
        AppError::BadRequest { field, message: format!("ugyldig JSON: {msg}") }
    })
}

fn obligation_dto(
    o: &store::projection::ObligationRow,
    caseworker: Option<String>,
    team: Option<String>,
) -> ObligationDto {
    ObligationDto {
        rule: o.rule.clone(),
        law: o.law.clone(),
        child: o.child.clone(),
        subject: o.subject.clone(),
        due: o.due.clone(),
        status: o.status.as_str().into(),
        met_at: o.met_at.clone(),
        caseworker,
        team,
    }
}

fn parse_status(s: Option<&str>) -> Result<Option<Status>, AppError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            Status::parse(s).map(Some).ok_or_else(|| AppError::bad("status", "ukendt status (met, late, due, overdue)"))
        }
    }
}

fn require(user: &AuthUser, roles: &[Role]) -> Result<(), AppError> {
    user.require(roles)
}

fn need_read(user: &AuthUser) -> Result<(), AppError> {
    if user.may_read() {
        Ok(())
    } else {
        Err(AppError::Forbidden("API-nøglen har ikke rettigheden read.".into()))
    }
}

fn need_write(user: &AuthUser) -> Result<(), AppError> {
    if !user.may_write() {
        return Err(AppError::Forbidden("API-nøglen har ikke rettigheden write.".into()));
    }
    if !user.role.records() {
        return Err(AppError::Forbidden("Rollen kan ikke registrere i journalen.".into()));
    }
    Ok(())
}

/// The team a leader's request is about: managers choose, others get their own.
fn team_scope(user: &AuthUser, asked: Option<String>) -> Result<Option<String>, AppError> {
    if user.role == Role::Manager {
        Ok(asked.filter(|t| !t.is_empty()))
    } else {
        user.team.clone().map(Some).ok_or_else(|| AppError::Forbidden("Du er ikke knyttet til et team.".into()))
    }
}

// ---- handlers -----------------------------------------------------------------------------------------------------

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "bruger",
    responses((status = 200, body = MeDto), (status = 401, body = ErrorDto)), security(("bearer" = [])))]
async fn me(user: AuthUser) -> ApiResult<MeDto> {
    Ok(Json(MeDto {
        username: user.username.clone(),
        full_name: user.full_name.clone(),
        role: user.role.as_str().into(),
        team: user.team.clone(),
        scopes: user.scopes.map(|s| s.to_text()),
    }))
}

/// Open obligations (due and overdue) of the caller's own cases — "Mine børn".
#[utoipa::path(get, path = "/api/v1/my/obligations", tag = "sager",
    responses((status = 200, body = Vec<ObligationDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn my_obligations(State(state): State<AppState>, user: AuthUser) -> ApiResult<Vec<ObligationDto>> {
    need_read(&user)?;
    require(&user, &[Role::Caseworker, Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let now = Utc::now();
    // One query for the open ones: in due order the overdue come first, as on "Mine børn".
    let f = ObligationFilter {
        caseworker: Some(user.username.clone()),
        open_only: true,
        limit: 10_000,
        ..Default::default()
    };
    let list = state.store.obligation_list(&f, now).await?;
    let out: Vec<ObligationDto> =
        list.iter().map(|l| obligation_dto(&l.obligation, l.caseworker.clone(), l.team.clone())).collect();
    state.audit.log(&user, Action::ApiRead, None, Some(format!("egne pligter: {}", out.len())), None).await?;
    Ok(Json(out))
}

/// A child's case and obligations. Outside need-to-know: 403 `reason_required`.
#[utoipa::path(get, path = "/api/v1/children/{child}", tag = "sager",
    params(("child" = String, Path, description = "The child's reference")),
    responses((status = 200, body = ChildDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn child(State(state): State<AppState>, user: AuthUser, Path(child): Path<String>) -> ApiResult<ChildDto> {
    let (case, access) = open_child(&state, &user, &child, Action::ApiRead, "API: sag").await?;
    let person = state.store.people(&[child.as_str()]).await?.remove(&child).unwrap_or_default();
    let obligations = state.store.child_obligations(&child, Utc::now()).await?;
    Ok(Json(ChildDto {
        obligations: obligations
            .iter()
            .map(|o| obligation_dto(o, case.caseworker.clone(), case.team.clone()))
            .collect(),
        case: CaseDto {
            child: case.child,
            municipality: case.municipality,
            name: person.name,
            cpr: person.cpr,
            birth_date: case.birth_date,
            gender: case.gender,
            placement: case.placement,
            site: case.site,
            placement_type: case.placement_type,
            placed_since: case.placed_since,
            open_interventions: case.open_interventions,
            events: case.events,
            caseworker: case.caseworker,
            team: case.team,
            closed_on: case.closed_on,
            access: access.basis().into(),
        },
    }))
}

/// The child's journal, oldest first.
#[utoipa::path(get, path = "/api/v1/children/{child}/events", tag = "sager",
    params(("child" = String, Path, description = "The child's reference")),
    responses((status = 200, body = Vec<StoredEventDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn child_events(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
) -> ApiResult<Vec<StoredEventDto>> {
    open_child(&state, &user, &child, Action::ApiRead, "API: journal").await?;
    let events = state.store.child_events(&child).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|s| StoredEventDto {
                seq: s.seq,
                id: s.event_id,
                recorded_by: s.recorded_by,
                recorded_at: s.recorded_at,
                hash: s.hash,
                event: s.event.to_value(),
            })
            .collect(),
    ))
}

/// Record an event in the child's journal (the format of `spec/events.md`; `child` is taken from the path).
#[utoipa::path(post, path = "/api/v1/children/{child}/events", tag = "sager",
    params(("child" = String, Path, description = "The child's reference")),
    request_body(content = Object, description = "One journal event, e.g. {\"type\":\"supervision_visit\",\"at\":\"2026-11-02\",\"placement\":\"a1\",\"child_spoken_to\":true,\"without_carers\":true}"),
    responses((status = 201, body = AppendedDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn append_child_event(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    need_write(&user)?;
    let mut v: serde_json::Value = body(&bytes)?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| AppError::BadRequest { field: None, message: "hændelsen skal være et JSON-objekt".into() })?;
    match obj.get("child").and_then(|c| c.as_str()) {
        Some(c) if c != child => {
            return Err(AppError::bad("child", "child i hændelsen skal være barnet i adressen").into())
        }
        _ => {}
    }
    obj.insert("child".into(), serde_json::Value::String(child.clone()));
    let event = Event::from_value(&v).map_err(|e| AppError::BadRequest { field: e.field, message: e.message })?;
    if !crate::forms::is_child_event(event.event_type()) || event.event_type() == EventType::ChildRegistered {
        return Err(
            AppError::bad("type", format!("\"{}\" registreres ikke på et barns sag her", event.event_type())).into()
        );
    }
    open_child(&state, &user, &child, Action::Record, &format!("API: registrerer {}", event.event_type())).await?;
    let out = state.store.append(&Actor::new(&user.username, Utc::now()), vec![event]).await?;
    let id = out.ids.first().cloned().unwrap_or_default();
    Ok((StatusCode::CREATED, Json(AppendedDto { id, seq: out.head_seq })).into_response())
}

/// Open a case outside need-to-know with a stated reason (logged, shown to the team leader).
#[utoipa::path(post, path = "/api/v1/children/{child}/access", tag = "sager",
    params(("child" = String, Path, description = "The child's reference")),
    request_body = ReasonDto,
    responses((status = 204, description = "Access granted"), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn child_access(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    need_read(&user)?;
    let r: ReasonDto = body(&bytes)?;
    match break_glass(&state, &user, &child, &r.reason).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(AppError::BreakGlass { error, .. }) => Err(AppError::bad("reason", error.unwrap_or_default()).into()),
        Err(e) => Err(e.into()),
    }
}

/// Who has seen the child's case (GDPR art. 15), newest first.
#[utoipa::path(get, path = "/api/v1/children/{child}/audit", tag = "sager",
    params(("child" = String, Path, description = "The child's reference")),
    responses((status = 200, body = Vec<AuditDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn child_audit(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
) -> ApiResult<Vec<AuditDto>> {
    open_child(&state, &user, &child, Action::ApiRead, "API: hvem har set sagen").await?;
    let f = store::access::AuditFilter { child: Some(child), limit: 1000, ..Default::default() };
    Ok(Json(state.store.audit(&f).await?.into_iter().map(audit_dto).collect()))
}

fn audit_dto(e: store::access::AuditEntry) -> AuditDto {
    AuditDto {
        id: e.id,
        at: e.at,
        username: e.username,
        role: e.role,
        team: e.team,
        action: e.action,
        child: e.child,
        detail: e.detail,
        reason: e.reason,
    }
}

/// Search children by name, CPR number or reference (hits are logged).
#[utoipa::path(get, path = "/api/v1/search", tag = "sager", params(SearchQuery),
    responses((status = 200, body = Vec<SearchHitDto>), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn search(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> ApiResult<Vec<SearchHitDto>> {
    need_read(&user)?;
    if !user.role.handles_cases() {
        return Err(AppError::Forbidden("Rollen giver ikke adgang til at søge efter børn.".into()).into());
    }
    let sq: SearchQuery = query(&q)?;
    if sq.q.trim().is_empty() {
        return Err(AppError::bad("q", "skriv et navn, et CPR-nummer eller en reference").into());
    }
    let hits = crate::pages::search_children(&state, &sq.q).await?;
    let cases: Vec<_> = hits.iter().map(|(c, _)| c.clone()).collect();
    let visible: std::collections::HashSet<String> =
        within_need_to_know(&user, &cases).into_iter().map(|c| c.child.clone()).collect();
    state
        .audit
        .log_children(&user, Action::SearchHit, visible.iter().map(String::as_str), &format!("API-søgning: {}", sq.q))
        .await?;
    Ok(Json(
        hits.into_iter()
            .map(|(c, p)| {
                let ok = visible.contains(&c.child);
                SearchHitDto {
                    restricted: !ok,
                    name: if ok { p.name } else { None },
                    cpr: if ok { p.cpr } else { None },
                    team: c.team,
                    child: c.child,
                }
            })
            .collect(),
    ))
}

/// Obligations across cases (drill-down lists), filtered; every child listed is logged.
#[utoipa::path(get, path = "/api/v1/obligations", tag = "ledelse", params(ListQuery),
    responses((status = 200, body = Vec<ObligationDto>), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn obligations(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Vec<ObligationDto>> {
    need_read(&user)?;
    require(&user, &[Role::Caseworker, Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let lq: ListQuery = query(&q)?;
    let limit = lq.limit.unwrap_or(1000);
    if !(1..=5000).contains(&limit) {
        return Err(AppError::bad("limit", "limit skal være 1–5000").into());
    }
    let f = ObligationFilter {
        caseworker: lq.caseworker.filter(|s| !s.is_empty()),
        team: team_scope(&user, lq.team)?,
        rule: lq.rule.filter(|s| !s.is_empty()),
        status: parse_status(lq.status.as_deref())?,
        month: lq.month.filter(|s| !s.is_empty()),
        due_before: None,
        open_only: false,
        limit,
    };
    let list = state.store.obligation_list(&f, Utc::now()).await?;
    state
        .audit
        .log_children(
            &user,
            Action::ApiRead,
            list.iter().filter_map(|o| o.obligation.child.as_deref()),
            "API: liste over pligter",
        )
        .await?;
    Ok(Json(list.iter().map(|l| obligation_dto(&l.obligation, l.caseworker.clone(), l.team.clone())).collect()))
}

/// Compliance per rule and month (last 12 months by due date) — aggregates, no children.
#[utoipa::path(get, path = "/api/v1/dashboard/compliance", tag = "ledelse", params(TeamQuery),
    responses((status = 200, body = Vec<ComplianceDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn compliance(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Vec<ComplianceDto>> {
    need_read(&user)?;
    require(&user, &[Role::TeamLeader, Role::Manager, Role::Analyst])?;
    let tq: TeamQuery = query(&q)?;
    let team = if user.role == Role::Analyst { None } else { team_scope(&user, tq.team)? };
    let now = Utc::now();
    let from = (crate::web_util::today(now) - chrono::Months::new(11)).format("%Y-%m").to_string();
    let rows = state.store.compliance_by_month(team.as_deref(), &from, now).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ComplianceDto {
                label: domain::rules::id::label_da(&r.rule).into(),
                rule: r.rule,
                month: r.month,
                met: r.met,
                late: r.late,
                due: r.due,
                overdue: r.overdue,
            })
            .collect(),
    ))
}

/// Children and open obligations per caseworker.
#[utoipa::path(get, path = "/api/v1/dashboard/workload", tag = "ledelse", params(TeamQuery),
    responses((status = 200, body = Vec<WorkloadDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn workload(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> ApiResult<Vec<WorkloadDto>> {
    need_read(&user)?;
    require(&user, &[Role::TeamLeader, Role::Manager])?;
    let tq: TeamQuery = query(&q)?;
    let team = team_scope(&user, tq.team)?;
    let rows = state.store.workload(team.as_deref(), Utc::now()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|w| WorkloadDto {
                caseworker: w.caseworker,
                children: w.children,
                placed: w.placed,
                due: w.due,
                overdue: w.overdue,
            })
            .collect(),
    ))
}

/// The audit log (team leaders: their team; managers: everything), newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "ledelse", params(AuditQuery),
    responses((status = 200, body = Vec<AuditDto>), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn audit(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> ApiResult<Vec<AuditDto>> {
    need_read(&user)?;
    require(&user, &[Role::TeamLeader, Role::Manager])?;
    let aq: AuditQuery = query(&q)?;
    let limit = aq.limit.unwrap_or(500);
    if !(1..=10_000).contains(&limit) {
        return Err(AppError::bad("limit", "limit skal være 1–10000").into());
    }
    let f = store::access::AuditFilter {
        team: team_scope(&user, None)?,
        child: aq.child.filter(|s| !s.is_empty()),
        username: aq.user.filter(|s| !s.is_empty()),
        action: aq.action.filter(|s| !s.is_empty()),
        before: aq.before,
        limit,
    };
    Ok(Json(state.store.audit(&f).await?.into_iter().map(audit_dto).collect()))
}

/// Placement sites with placed children and open site obligations.
#[utoipa::path(get, path = "/api/v1/sites", tag = "steder",
    responses((status = 200, body = Vec<SiteDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn sites(State(state): State<AppState>, user: AuthUser) -> ApiResult<Vec<SiteDto>> {
    need_read(&user)?;
    require(&user, &[Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let registry = state.store.site_registry(&Default::default(), Utc::now()).await?;
    Ok(Json(
        registry
            .into_iter()
            .map(|s| SiteDto {
                site: s.site,
                name: s.name,
                site_type: s.site_type,
                approval: s.approval,
                approved_until: s.approved_until,
                places: s.places,
                consultant: s.consultant,
                placed_children: s.placed,
                open_obligations: s.open,
                overdue_obligations: s.overdue,
            })
            .collect(),
    ))
}

/// Record a site event (site_registered, site_approved, foster_training, …).
#[utoipa::path(post, path = "/api/v1/sites/events", tag = "steder",
    request_body(content = Object, description = "One site event, e.g. {\"type\":\"foster_supervision\",\"at\":\"2026-11-02\",\"site\":\"s1\"}"),
    responses((status = 201, body = AppendedDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn append_site_event(State(state): State<AppState>, user: AuthUser, bytes: Bytes) -> Result<Response, ApiError> {
    need_write(&user)?;
    require(&user, &[Role::Consultant, Role::TeamLeader])?;
    let v: serde_json::Value = body(&bytes)?;
    let event = Event::from_value(&v).map_err(|e| AppError::BadRequest { field: e.field, message: e.message })?;
    if crate::forms::is_child_event(event.event_type()) {
        return Err(AppError::bad("type", format!("\"{}\" registreres på et barns sag", event.event_type())).into());
    }
    // A finance report beyond the thresholds raises a danger signal in the same append.
    let signal = crate::sites::finance_signal(&state, &event).await?;
    let out = state
        .store
        .append(&Actor::new(&user.username, Utc::now()), std::iter::once(event).chain(signal).collect())
        .await?;
    Ok((StatusCode::CREATED, Json(AppendedDto { id: out.ids.first().cloned().unwrap_or_default(), seq: out.head_seq }))
        .into_response())
}

/// All users (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "administration",
    responses((status = 200, body = Vec<UserDto>), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn users(State(state): State<AppState>, user: AuthUser) -> ApiResult<Vec<UserDto>> {
    require_admin(&user)?;
    Ok(Json(
        state
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| UserDto {
                username: u.username,
                full_name: u.full_name,
                role: u.role,
                team: u.team,
                active: u.active,
                locked_until: u.locked_until,
            })
            .collect(),
    ))
}

/// Create a user (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "administration", request_body = NewUserDto,
    responses((status = 201, body = UserDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn create_user(State(state): State<AppState>, user: AuthUser, bytes: Bytes) -> Result<Response, ApiError> {
    require_admin(&user)?;
    let n: NewUserDto = body(&bytes)?;
    let username = check_username(&n.username)?;
    let full_name = check_name("full_name", &n.full_name)?;
    let role = Role::parse(&n.role).ok_or_else(|| AppError::bad("role", "ukendt rolle"))?;
    let team = n.team.filter(|t| !t.is_empty());
    if let Some(t) = &team {
        if !state.store.teams().await?.iter().any(|x| &x.id == t) {
            return Err(AppError::bad("team", format!("teamet \"{t}\" findes ikke")).into());
        }
    }
    if state.store.user(&username).await?.is_some() {
        return Err(AppError::bad("username", format!("brugeren \"{username}\" findes allerede")).into());
    }
    crate::auth::check_new_password(&n.password)?;
    let pw = n.password;
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&pw))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let u = store::access::User {
        username: username.clone(),
        full_name,
        role: role.as_str().into(),
        team,
        password_hash: Some(hash),
        active: true,
        failed_logins: 0,
        locked_until: None,
    };
    state.store.create_user(&u, &Utc::now().to_rfc3339()).await?;
    state.audit.log(&user, Action::AdminChange, None, Some(format!("API: opretter bruger {username}")), None).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserDto {
            username: u.username,
            full_name: u.full_name,
            role: u.role,
            team: u.team,
            active: true,
            locked_until: None,
        }),
    )
        .into_response())
}

/// Change a user's name, role, team, active flag or password (administrators).
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "administration",
    params(("username" = String, Path, description = "The user")),
    request_body = UserUpdateDto,
    responses((status = 200, body = UserDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn update_user(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
    bytes: Bytes,
) -> ApiResult<UserDto> {
    require_admin(&user)?;
    let u: UserUpdateDto = body(&bytes)?;
    let current = state
        .store
        .user(&username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Brugeren \"{username}\" findes ikke.")))?;
    let full_name = check_name("full_name", u.full_name.as_deref().unwrap_or(&current.full_name))?;
    let role = match u.role {
        Some(r) => Role::parse(&r).ok_or_else(|| AppError::bad("role", "ukendt rolle"))?,
        None => Role::parse(&current.role).unwrap_or(Role::Caseworker),
    };
    let team = match u.team {
        Some(t) if t.is_empty() => None,
        Some(t) => {
            if !state.store.teams().await?.iter().any(|x| x.id == t) {
                return Err(AppError::bad("team", format!("teamet \"{t}\" findes ikke")).into());
            }
            Some(t)
        }
        None => current.team,
    };
    let active = u.active.unwrap_or(current.active);
    if username == user.username && (!active || role != Role::Admin) {
        return Err(
            AppError::bad("role", "du kan ikke fjerne din egen administratorrolle eller deaktivere dig selv").into()
        );
    }
    if let Some(pw) = &u.password {
        crate::auth::check_new_password(pw)?;
    }
    let now = Utc::now().to_rfc3339();
    state.store.update_user(&username, &full_name, role.as_str(), team.as_deref(), active, &now).await?;
    if let Some(pw) = u.password {
        let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&pw))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        state.store.set_password(&username, &hash, &now).await?;
    }
    state.sessions.clear();
    state.dashboards.names.clear();
    state.audit.log(&user, Action::AdminChange, None, Some(format!("API: ændrer bruger {username}")), None).await?;
    let u = state.store.user(&username).await?.ok_or_else(|| AppError::NotFound(username.clone()))?;
    Ok(Json(UserDto {
        username: u.username,
        full_name: u.full_name,
        role: u.role,
        team: u.team,
        active: u.active,
        locked_until: u.locked_until,
    }))
}

/// Register a new child (a `child_registered` event without `child`); the case is assigned to the caller and their
/// team.
#[utoipa::path(post, path = "/api/v1/children", tag = "sager",
    request_body(content = Object, description = "E.g. {\"at\":\"2026-11-02\",\"birth_date\":\"2015-06-14\",\"municipality\":\"101\",\"name\":\"…\"}"),
    responses((status = 201, body = RegisteredDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn register_child(State(state): State<AppState>, user: AuthUser, bytes: Bytes) -> Result<Response, ApiError> {
    need_write(&user)?;
    let mut v: serde_json::Value = body(&bytes)?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| AppError::BadRequest { field: None, message: "barnet skal være et JSON-objekt".into() })?;
    if obj.contains_key("child") {
        return Err(AppError::bad("child", "referencen gives af Værn; udelad feltet").into());
    }
    match obj.get("type").and_then(|t| t.as_str()) {
        None | Some("child_registered") => {}
        Some(_) => return Err(AppError::bad("type", "kun child_registered").into()),
    }
    let child = format!("b-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    obj.insert("type".into(), serde_json::Value::String("child_registered".into()));
    obj.insert("child".into(), serde_json::Value::String(child.clone()));
    let event = Event::from_value(&v).map_err(|e| AppError::BadRequest { field: e.field, message: e.message })?;
    let actor = Actor::new(&user.username, Utc::now());
    let out = state.store.append(&actor, vec![event]).await?;
    state.store.assign(&child, Some(&user.username), user.team.as_deref(), &actor).await?;
    state.audit.log(&user, Action::Record, Some(&child), Some("API: opretter barnet".into()), None).await?;
    let id = out.ids.first().cloned().unwrap_or_default();
    Ok((StatusCode::CREATED, Json(RegisteredDto { child, id, seq: out.head_seq })).into_response())
}

/// All teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "administration",
    responses((status = 200, body = Vec<TeamDto>), (status = 401, body = ErrorDto)), security(("bearer" = [])))]
async fn teams(State(state): State<AppState>, _user: AuthUser) -> ApiResult<Vec<TeamDto>> {
    Ok(Json(state.store.teams().await?.into_iter().map(|t| TeamDto { id: t.id, name: t.name }).collect()))
}

/// Create a team (administrators).
#[utoipa::path(post, path = "/api/v1/teams", tag = "administration", request_body = TeamDto,
    responses((status = 201, body = TeamDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn create_team(State(state): State<AppState>, user: AuthUser, bytes: Bytes) -> Result<Response, ApiError> {
    require_admin(&user)?;
    let t: TeamDto = body(&bytes)?;
    let t = TeamDto { id: check_team_id(&t.id)?, name: check_name("name", &t.name)? };
    if state.store.teams().await?.iter().any(|x| x.id == t.id) {
        return Err(AppError::bad("id", format!("teamet \"{}\" findes allerede", t.id)).into());
    }
    state.store.create_team(&t.id, &t.name, &Utc::now().to_rfc3339()).await?;
    state.audit.log(&user, Action::AdminChange, None, Some(format!("API: opretter team {}", t.id)), None).await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "bruger",
    responses((status = 200, body = Vec<TokenDto>), (status = 401, body = ErrorDto)), security(("bearer" = [])))]
async fn tokens(State(state): State<AppState>, user: AuthUser) -> ApiResult<Vec<TokenDto>> {
    Ok(Json(
        state
            .store
            .api_tokens_of(&user.username)
            .await?
            .into_iter()
            .map(|t| TokenDto {
                id: t.id,
                name: t.name,
                scopes: t.scopes,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
                last_used: t.last_used,
            })
            .collect(),
    ))
}

/// Create an API token for the caller (its scopes never exceed the caller's role).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "bruger", request_body = NewTokenDto,
    responses((status = 201, body = NewTokenResultDto), (status = 400, body = ErrorDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)),
    security(("bearer" = [])))]
async fn create_token(State(state): State<AppState>, user: AuthUser, bytes: Bytes) -> Result<Response, ApiError> {
    let n: NewTokenDto = body(&bytes)?;
    if let Some(s) = user.scopes {
        let want = crate::auth::Scopes::parse(&n.scopes)?;
        if (want.read && !s.read) || (want.write && !s.write) || (want.admin && !s.admin) {
            return Err(AppError::Forbidden(
                "En API-nøgle kan ikke lave en nøgle med flere rettigheder end den selv har.".into(),
            )
            .into());
        }
    }
    let (id, token) = crate::pages::issue_token(&state, &user, &n.name, &n.scopes, n.days).await?;
    Ok((StatusCode::CREATED, Json(NewTokenResultDto { id, token })).into_response())
}

/// Revoke one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "bruger",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorDto), (status = 404, body = ErrorDto)),
    security(("bearer" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !state.store.revoke_api_token(&id, &user.username, &Utc::now().to_rfc3339()).await? {
        return Err(AppError::NotFound("API-nøglen findes ikke (eller er allerede tilbagekaldt).".into()).into());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- OpenAPI ------------------------------------------------------------------------------------------------------

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Værn API", version = "1.0.0", description = "Børnesager, lovens frister, ledelsesinformation og logning. Samme adgangsregler og logning som webappen."),
    paths(me, my_obligations, register_child, child, child_events, append_child_event, child_access, child_audit,
          search, obligations, compliance, workload, audit, sites, append_site_event, users, create_user, update_user,
          teams, create_team, tokens, create_token, revoke_token),
    components(schemas(ErrorDto, MeDto, ObligationDto, CaseDto, ChildDto, StoredEventDto, AppendedDto, ReasonDto, AuditDto,
                       SearchHitDto, ComplianceDto, WorkloadDto, SiteDto, UserDto, NewUserDto, UserUpdateDto, RegisteredDto,
                       TeamDto, TokenDto, NewTokenDto, NewTokenResultDto)),
    modifiers(&Security),
    tags((name = "sager", description = "Børnenes sager"), (name = "ledelse", description = "Ledelsesinformation"),
         (name = "steder", description = "Anbringelsessteder"), (name = "bruger", description = "Brugeren og API-nøgler"),
         (name = "administration", description = "Brugere og teams"))
)]
pub struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_value() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=300")],
        serde_json::to_string_pretty(&openapi_value()).unwrap_or_default(),
    )
        .into_response()
}

fn schema_name(v: &serde_json::Value) -> String {
    if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
        let n = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{n}\">{n}</a>");
    }
    match v.get("type") {
        Some(serde_json::Value::String(t)) if t == "array" => {
            format!("[{}]", v.get("items").map(schema_name).unwrap_or_default())
        }
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(" | "),
        _ => match v.get("oneOf").and_then(|o| o.as_array()) {
            Some(alts) => alts.iter().map(schema_name).collect::<Vec<_>>().join(" | "),
            None => "object".into(),
        },
    }
}

/// The API reference, rendered on the server from the OpenAPI document (no scripts, nothing from elsewhere).
async fn docs() -> Html<String> {
    let doc = openapi_value();
    let mut h = String::from(
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Værn API</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main id=\"indhold\">",
    );
    h.push_str(&format!(
        "<h1>{} {}</h1><p class=\"intro\">{}</p><p>OpenAPI-dokumentet: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. \
         Log ind med en API-nøgle (<code>Authorization: Bearer …</code>) fra <a href=\"/profil\">din profil</a>.</p>",
        crate::web_util::html_escape(doc["info"]["title"].as_str().unwrap_or("")),
        crate::web_util::html_escape(doc["info"]["version"].as_str().unwrap_or("")),
        crate::web_util::html_escape(doc["info"]["description"].as_str().unwrap_or(""))
    ));
    h.push_str("<h2>Endepunkter</h2>");
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                h.push_str(&format!(
                    "<section class=\"chart-box\"><h3><code>{} {}</code></h3><p>{}</p>",
                    method.to_uppercase(),
                    crate::web_util::html_escape(path),
                    crate::web_util::html_escape(op["description"].as_str().or(op["summary"].as_str()).unwrap_or(""))
                ));
                if let Some(params) = op["parameters"].as_array() {
                    h.push_str("<table><caption class=\"sr-only\">Parametre</caption><thead><tr><th scope=\"col\">Parameter</th><th scope=\"col\">I</th><th scope=\"col\">Type</th><th scope=\"col\">Beskrivelse</th></tr></thead><tbody>");
                    for p in params {
                        h.push_str(&format!(
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            crate::web_util::html_escape(p["name"].as_str().unwrap_or("")),
                            crate::web_util::html_escape(p["in"].as_str().unwrap_or("")),
                            schema_name(&p["schema"]),
                            crate::web_util::html_escape(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                    h.push_str("</tbody></table>");
                }
                if let Some(rb) = op.get("requestBody") {
                    let schema = &rb["content"]["application/json"]["schema"];
                    h.push_str(&format!(
                        "<p>Krop: {} {}</p>",
                        schema_name(schema),
                        crate::web_util::html_escape(rb["description"].as_str().unwrap_or(""))
                    ));
                }
                if let Some(rs) = op["responses"].as_object() {
                    h.push_str("<p>Svar: ");
                    let parts: Vec<String> = rs
                        .iter()
                        .map(|(code, r)| {
                            let schema = &r["content"]["application/json"]["schema"];
                            if schema.is_null() {
                                code.clone()
                            } else {
                                format!("{code} {}", schema_name(schema))
                            }
                        })
                        .collect();
                    h.push_str(&parts.join(" · "));
                    h.push_str("</p>");
                }
                h.push_str("</section>");
            }
        }
    }
    h.push_str("<h2>Skemaer</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            h.push_str(&format!(
                "<section class=\"chart-box\" id=\"schema-{name}\"><h3>{name}</h3><p>{}</p>",
                crate::web_util::html_escape(s["description"].as_str().unwrap_or(""))
            ));
            if let Some(props) = s["properties"].as_object() {
                let required: Vec<&str> =
                    s["required"].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
                h.push_str("<table><caption class=\"sr-only\">Felter</caption><thead><tr><th scope=\"col\">Felt</th><th scope=\"col\">Type</th><th scope=\"col\">Påkrævet</th><th scope=\"col\">Beskrivelse</th></tr></thead><tbody>");
                for (p, ps) in props {
                    h.push_str(&format!(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        crate::web_util::html_escape(p),
                        schema_name(ps),
                        if required.contains(&p.as_str()) { "ja" } else { "nej" },
                        crate::web_util::html_escape(ps["description"].as_str().unwrap_or(""))
                    ));
                }
                h.push_str("</tbody></table>");
            }
            h.push_str("</section>");
        }
    }
    h.push_str("</main></body></html>");
    Html(h)
}

/// Counts by route for documentation tests.
pub fn documented_paths() -> BTreeMap<String, Vec<String>> {
    let doc = openapi_value();
    doc["paths"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}
