//! Practice-survey audits in the web app (issue 8; Ankestyrelsen's praksisundersøgelse as the municipality's own
//! audit): managers draw a reproducible stratified sample of cases (`/praksis`), go through each case's checklist
//! pre-filled from the journal and confirm or correct it with a comment (`/praksis/{id}/sag/{child}`), and read the
//! share of compliant cases per point with 95 % intervals (`/praksis/{id}/rapport`, also CSV and Excel). The
//! sampling and estimates are `domain::practice`; the audits are kept append-only by `store::practice`. Every case
//! shown is audit-logged.

use crate::audit::Action;
use crate::auth::{AuthUser, CsrfForm};
use crate::error::AppError;
use crate::pages::{cell, ctx, link, query_map, Cell, Ctx, Row, Section};
use crate::table::Format;
use crate::web_util::{da_date, da_when, today, urlencode};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, NaiveDate, Utc};
use domain::access::Role;
use domain::obligation::Status;
use domain::practice::{
    draw, population, report, whole_case, Design, Finding, Findings, Period, Point, Reviewed, POINTS,
};
use std::collections::BTreeMap;
use store::practice::StoredAudit;
use store::Actor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/praksis", get(audits_page).post(create_audit))
        .route("/praksis/{id}", get(audit_page))
        .route("/praksis/{id}/sag/{child}", get(case_page).post(save_case))
        .route("/praksis/{id}/rapport", get(report_page))
}

/// Practice audits are the management's own audit of case practice (ledelsestilsyn): managers see every case of the
/// municipality already.
const AUDITORS: &[Role] = &[Role::Manager];

/// The largest sample a form may ask for.
const MAX_SIZE: usize = 1000;

#[derive(Template, WebTemplate)]
#[template(path = "practice.html")]
struct PracticePage {
    ctx: Ctx,
    heading: String,
    intro: Option<String>,
    kpis: Vec<(String, String)>,
    links: Vec<(String, String)>,
    charts: Vec<(String, String)>,
    sections: Vec<Section>,
    form: Option<NewAuditForm>,
}

struct FormField {
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    kind: &'static str,
    value: String,
}

struct NewAuditForm {
    fields: Vec<FormField>,
    /// Field name → message; "" for the form as a whole.
    errors: BTreeMap<&'static str, String>,
}

fn new_audit_form(
    l: crate::i18n::Lang,
    values: &BTreeMap<&str, String>,
    errors: BTreeMap<&'static str, String>,
) -> NewAuditForm {
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    NewAuditForm {
        fields: vec![
            FormField { name: "titel", label: l.pick("Titel", "Title"), hint: None, kind: "text", value: v("titel") },
            FormField {
                name: "fra",
                label: l.pick("Periode fra", "Period from"),
                hint: Some(l.pick(
                    "Sager med en frist i perioden kan komme med.",
                    "Cases with a deadline in the period may be drawn.",
                )),
                kind: "date",
                value: v("fra"),
            },
            FormField {
                name: "til",
                label: l.pick("Periode til", "Period to"),
                hint: None,
                kind: "date",
                value: v("til"),
            },
            FormField {
                name: "antal",
                label: l.pick("Antal sager i stikprøven", "Cases in the sample"),
                hint: Some(l.pick(
                    "Ankestyrelsen gennemgår typisk 30–60 sager pr. kommune.",
                    "Ankestyrelsen typically reviews 30–60 cases per municipality.",
                )),
                kind: "text",
                value: v("antal"),
            },
            FormField {
                name: "minimum",
                label: l.pick("Mindst pr. stratum", "At least per stratum"),
                hint: Some(l.pick(
                    "Så hvert stratum kan vurderes; 2 giver et mål for usikkerheden.",
                    "So that every stratum can be assessed; 2 gives a measure of uncertainty.",
                )),
                kind: "text",
                value: v("minimum"),
            },
            FormField {
                name: "froe",
                label: l.pick("Frø (valgfrit)", "Seed (optional)"),
                hint: Some(l.pick(
                    "Tom: Værn vælger et. Brug et kendt frø for at trække samme stikprøve igen.",
                    "Empty: Værn chooses one. Use a known seed to draw the same sample again.",
                )),
                kind: "text",
                value: v("froe"),
            },
        ],
        errors,
    }
}

fn defaults(td: NaiveDate) -> BTreeMap<&'static str, String> {
    let y = td.year() - 1;
    BTreeMap::from([
        ("titel", format!("Praksisundersøgelse {y}")),
        ("fra", format!("{y}-01-01")),
        ("til", format!("{y}-12-31")),
        ("antal", "40".into()),
        ("minimum", "2".into()),
        ("froe", String::new()),
    ])
}

fn stratum_label(l: crate::i18n::Lang, s: domain::practice::Stratum) -> String {
    match l {
        crate::i18n::Lang::Da => s.label_da(),
        crate::i18n::Lang::En => s.label_en(),
    }
}

fn period_label(p: Period) -> String {
    format!("{} – {}", da_date(p.from), da_date(p.to))
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn share(s: Option<(f64, f64, f64)>) -> String {
    match s {
        Some((p, lo, hi)) => format!("{} ({:.0}–{:.0} %)", pct(p), lo * 100.0, hi * 100.0),
        None => "—".into(),
    }
}

/// The audits and the form for a new one.
async fn audits_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(AUDITORS)?;
    let td = today(Utc::now());
    render_list(&state, &user, defaults(td), BTreeMap::new(), StatusCode::OK, crate::pages::flash_of(&q)).await
}

async fn render_list(
    state: &AppState,
    user: &AuthUser,
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<&'static str, String>,
    status: StatusCode,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let l = user.lang;
    let audits = state.store.practice_audits().await?;
    let section = Section {
        id: "audits".into(),
        heading: l.pick("Undersøgelser", "Audits").into(),
        count: Some(audits.len()),
        export: None,
        headers: [
            l.pick("Nr.", "No."),
            l.pick("Titel", "Title"),
            l.pick("Periode", "Period"),
            l.pick("Sager i alt", "Cases in all"),
            l.pick("Stikprøve", "Sample"),
            l.pick("Gennemgået", "Reviewed"),
            l.pick("Oprettet af", "Created by"),
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: audits
            .iter()
            .map(|a| Row {
                attrs: vec![("audit", a.id.to_string())],
                cells: vec![
                    cell(a.id.to_string()),
                    link(&a.title, format!("/praksis/{}", a.id)),
                    cell(period_label(a.period)),
                    cell(a.population.to_string()),
                    cell(a.sampled.to_string()),
                    cell(format!("{} {} {}", a.reviewed, l.pick("af", "of"), a.sampled)),
                    cell(format!("{}, {}", a.created_by, da_when(&a.created_at))),
                ],
            })
            .collect(),
        more: None,
    };
    let mut c = ctx(user, "nav_practice", l.pick("Praksisundersøgelse", "Practice audit"));
    c.flash = flash;
    let page = PracticePage {
        ctx: c,
        heading: l.pick("Praksisundersøgelser", "Practice audits").into(),
        intro: Some(
            l.pick(
                "Gennemgå en tilfældig stikprøve af kommunens sager på Ankestyrelsens punkter: underretninger, \
                 udredning, inddragelse af barnet, handleplan og opfølgning. Tjeklisten er udfyldt på forhånd fra \
                 journalen; den, der gennemgår sagen, bekræfter eller retter hvert punkt.",
                "Review a random sample of the municipality's cases on Ankestyrelsen's points: notifications, \
                 investigation, involving the child, action plan and follow-up. The checklist is filled in from the \
                 journal; the reviewer confirms or corrects each point.",
            )
            .into(),
        ),
        kpis: Vec::new(),
        links: Vec::new(),
        charts: Vec::new(),
        sections: vec![section],
        form: Some(new_audit_form(l, &values, errors)),
    };
    Ok((status, page).into_response())
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y"))
        .ok()
}

/// Draw a sample and save it as a new audit.
async fn create_audit(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(AUDITORS)?;
    let td = today(Utc::now());
    let names = ["titel", "fra", "til", "antal", "minimum", "froe"];
    let values: BTreeMap<&'static str, String> =
        names.into_iter().map(|n| (n, form.get(n).unwrap_or("").trim().to_string())).collect();
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    let title = values["titel"].clone();
    if title.is_empty() {
        errors.insert("titel", "Skriv en titel.".into());
    } else if title.chars().count() > 200 {
        errors.insert("titel", "Titlen må højst være 200 tegn.".into());
    }
    let from = parse_day(&values["fra"]);
    let to = parse_day(&values["til"]);
    if from.is_none() {
        errors.insert("fra", format!("\"{}\" er ikke en dato (åååå-mm-dd).", values["fra"]));
    }
    match to {
        None => {
            errors.insert("til", format!("\"{}\" er ikke en dato (åååå-mm-dd).", values["til"]));
        }
        Some(t) if t > td => {
            errors.insert("til", "Perioden kan ikke slutte efter i dag.".into());
        }
        _ => {}
    }
    let period = match (from, to) {
        (Some(f), Some(t)) if !errors.contains_key("til") => match Period::new(f, t) {
            Ok(p) => Some(p),
            Err((field, m)) => {
                errors.insert(if field == "fra" { "fra" } else { "til" }, m);
                None
            }
        },
        _ => None,
    };
    let size = values["antal"].parse::<usize>().ok().filter(|n| (1..=MAX_SIZE).contains(n));
    if size.is_none() {
        errors.insert("antal", format!("Skriv et helt tal fra 1 til {MAX_SIZE}."));
    }
    let min = values["minimum"].parse::<usize>().ok().filter(|n| *n <= 20);
    if min.is_none() {
        errors.insert("minimum", "Skriv et helt tal fra 0 til 20.".into());
    }
    let seed = if values["froe"].is_empty() {
        Some(u64::from(rand::random::<u32>()))
    } else {
        values["froe"].replace('.', "").parse::<u64>().ok()
    };
    if seed.is_none() {
        errors.insert("froe", "Frøet skal være et helt tal (0 eller større) eller tomt.".into());
    }
    let (Some(period), Some(size), Some(min), Some(seed), true) = (period, size, min, seed, errors.is_empty()) else {
        return render_list(&state, user, values, errors, StatusCode::BAD_REQUEST, None).await;
    };
    let design = Design { size, min_per_stratum: min, seed };
    let code = state.store.municipality().to_string();
    let events = state.store.municipality_events(&code, domain::time::AsOf::end_of(td), &[]).await?;
    let pack = state.pack.clone();
    let sample = tokio::task::spawn_blocking(move || {
        let pop = population(&events, &pack, period, td);
        draw(&pop, &design)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if sample.cases.is_empty() {
        errors.insert("fra", "Ingen sager har frister i perioden; vælg en anden periode.".into());
        return render_list(&state, user, values, errors, StatusCode::BAD_REQUEST, None).await;
    }
    let id = state
        .store
        .create_practice_audit(&title, period, td, &design, &sample, &Actor::new(&user.username, Utc::now()))
        .await?;
    state
        .audit
        .log(
            user,
            Action::Review,
            None,
            Some(format!("praksisundersøgelse {id} oprettet: {} sager, frø {seed}", sample.cases.len())),
            None,
        )
        .await?;
    Ok(Redirect::to(&format!("/praksis/{id}?ok=audit-created")).into_response())
}

async fn load(state: &AppState, id: &str) -> Result<StoredAudit, AppError> {
    let n: i64 = id.parse().map_err(|_| AppError::NotFound(format!("Undersøgelse \"{id}\" findes ikke.")))?;
    state.store.practice_audit(n).await?.ok_or_else(|| AppError::NotFound(format!("Undersøgelse {n} findes ikke.")))
}

/// The findings that count for a case: the reviewer's, else none (not yet reviewed).
fn reviewed(a: &StoredAudit) -> Vec<Reviewed> {
    a.cases
        .iter()
        .filter_map(|c| {
            c.review.as_ref().map(|r| Reviewed { stratum: c.stratum, prefill: c.prefill, findings: r.findings })
        })
        .collect()
}

fn next_open(a: &StoredAudit, after: i64) -> Option<&store::practice::AuditCase> {
    let open = |c: &&store::practice::AuditCase| c.review.is_none();
    a.cases.iter().filter(|c| c.position > after).find(open).or_else(|| a.cases.iter().find(open))
}

fn case_href(id: i64, child: &str) -> String {
    format!("/praksis/{id}/sag/{}", urlencode(child))
}

fn summary(l: crate::i18n::Lang, f: &Findings) -> String {
    let met = f.iter().filter(|x| **x == Finding::Met).count();
    let rel = f.iter().filter(|x| **x != Finding::NotRelevant).count();
    match l {
        crate::i18n::Lang::Da => format!("{met} af {rel} opfyldt"),
        crate::i18n::Lang::En => format!("{met} of {rel} met"),
    }
}

/// One audit: its design, strata and cases.
async fn audit_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(AUDITORS)?;
    let a = load(&state, &id).await?;
    let h = &a.head;
    let l = user.lang;
    let label = |s| stratum_label(l, s);
    let children: Vec<&str> = a.cases.iter().map(|c| c.child.as_str()).collect();
    let people = state.store.people(&children).await?;
    state
        .audit
        .log_children(&user, Action::ViewList, children.iter().copied(), &format!("praksisundersøgelse {}", h.id))
        .await?;
    let strata = Section {
        id: "strata".into(),
        heading: "Strata".into(),
        count: Some(a.strata.len()),
        export: None,
        headers: [
            "Stratum",
            l.pick("Sager i alt", "Cases in all"),
            l.pick("Udtrukket", "Drawn"),
            l.pick("Gennemgået", "Reviewed"),
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: a
            .strata
            .iter()
            .map(|(s, (pop, n))| {
                let done = a.cases.iter().filter(|c| c.stratum == *s && c.review.is_some()).count();
                Row {
                    attrs: vec![("stratum", s.code())],
                    cells: vec![cell(label(*s)), cell(pop.to_string()), cell(n.to_string()), cell(done.to_string())],
                }
            })
            .collect(),
        more: None,
    };
    let cases = Section {
        id: "cases".into(),
        heading: l.pick("Sager i stikprøven", "Cases in the sample").into(),
        count: Some(a.cases.len()),
        export: None,
        headers: [
            l.pick("Nr.", "No."),
            l.pick("Barn", "Child"),
            "Stratum",
            l.pick("Journalen", "The journal"),
            l.pick("Gennemgang", "Review"),
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: a
            .cases
            .iter()
            .map(|c| {
                let name = people.get(&c.child).and_then(|p| p.name.clone()).unwrap_or_else(|| c.child.clone());
                Row {
                    attrs: vec![("child", c.child.clone()), ("reviewed", c.review.is_some().to_string())],
                    cells: vec![
                        cell(c.position.to_string()),
                        link(name, case_href(h.id, &c.child)),
                        cell(label(c.stratum)),
                        cell(summary(l, &c.prefill)),
                        match &c.review {
                            Some(r) => cell(format!("{} · {}", summary(l, &r.findings), r.reviewer)),
                            None => Cell { text: l.pick("Mangler", "Missing").into(), href: None, class: Some("late") },
                        },
                    ],
                }
            })
            .collect(),
        more: None,
    };
    let mut links = Vec::new();
    if let Some(c) = next_open(&a, 0) {
        links.push((
            if h.reviewed == 0 {
                l.pick("Start gennemgangen", "Start the review")
            } else {
                l.pick("Fortsæt gennemgangen", "Continue the review")
            }
            .into(),
            case_href(h.id, &c.child),
        ));
    }
    links.push((l.pick("Rapport", "Report").into(), format!("/praksis/{}/rapport", h.id)));
    let mut c = ctx(&user, "nav_practice", h.title.clone());
    c.flash = crate::pages::flash_of(&q);
    Ok(PracticePage {
        ctx: c,
        heading: h.title.clone(),
        intro: Some(match l {
            crate::i18n::Lang::Da => format!(
                "Periode {}. Stikprøven er trukket {} af {} med frø {} ({} sager, mindst {} pr. stratum); samme frø \
                 og journal giver samme stikprøve.",
                period_label(h.period),
                da_date(h.as_of),
                h.created_by,
                h.design.seed,
                h.design.size,
                h.design.min_per_stratum
            ),
            crate::i18n::Lang::En => format!(
                "Period {}. The sample was drawn on {} by {} with seed {} ({} cases, at least {} per stratum); the \
                 same seed and journal give the same sample.",
                period_label(h.period),
                da_date(h.as_of),
                h.created_by,
                h.design.seed,
                h.design.size,
                h.design.min_per_stratum
            ),
        }),
        kpis: vec![
            (l.pick("Sager i alt", "Cases in all").into(), h.population.to_string()),
            (l.pick("Stikprøve", "Sample").into(), h.sampled.to_string()),
            (l.pick("Gennemgået", "Reviewed").into(), format!("{} {} {}", h.reviewed, l.pick("af", "of"), h.sampled)),
        ],
        links,
        charts: Vec::new(),
        sections: vec![strata, cases],
        form: None,
    }
    .into_response())
}

struct PointView {
    code: &'static str,
    label: &'static str,
    rules: String,
    prefill_code: &'static str,
    prefill_label: &'static str,
    evidence: Vec<(String, &'static str)>,
    finding_name: String,
    comment_name: String,
    value: &'static str,
    comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "practice_case.html")]
struct CasePage {
    ctx: Ctx,
    audit: i64,
    title: String,
    position: i64,
    total: usize,
    child_label: String,
    child_url: String,
    stratum: String,
    period: String,
    status: String,
    prev: Option<String>,
    next: Option<String>,
    changed: bool,
    points: Vec<PointView>,
    findings: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    reviewed_by: Option<String>,
}

fn status_label(l: crate::i18n::Lang, s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Met => (l.pick("opfyldt til tiden", "met on time"), "met"),
        Status::Late => (l.pick("opfyldt for sent", "met late"), "late"),
        Status::Overdue => (l.pick("ikke opfyldt", "not met"), "overdue"),
        Status::Due => (l.pick("åben", "open"), "due"),
    }
}

/// Render a case's checklist: the journal's evidence now, and the values shown (the reviewer's, the form's or the
/// journal's).
async fn render_case(
    state: &AppState,
    user: &AuthUser,
    a: &StoredAudit,
    child: &str,
    shown: Option<(Findings, BTreeMap<String, String>)>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let h = &a.head;
    let l = user.lang;
    let Some(case) = a.cases.iter().find(|c| c.child == child) else {
        return Err(AppError::NotFound(format!("Barnet \"{child}\" er ikke i stikprøven i undersøgelse {}.", h.id)));
    };
    let now = Utc::now();
    let store::caseload::ChildView { case: state_of, events, .. } = state
        .store
        .child_view(child, now)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Barnet \"{child}\" findes ikke i journalen.")))?;
    let (_, logged) = crate::access::admit_pending(
        state,
        user,
        &state_of,
        Action::ViewChild,
        &format!("praksisundersøgelse {}", h.id),
    )
    .await?;
    let corrected = store::projection::engine_events(&events, domain::time::AsOf::end_of(h.as_of))?;
    let live = population(&corrected, &state.pack, h.period, h.as_of).into_iter().find(|c| c.child.as_str() == child);
    let people = state.store.people(&[child]).await?;
    let name = people.get(child).and_then(|p| p.name.clone()).unwrap_or_else(|| child.to_string());
    let (values, comments) = shown.unwrap_or_else(|| match &case.review {
        Some(r) => (r.findings, r.comments.clone()),
        None => (live.as_ref().map_or(case.prefill, |l| l.prefill), BTreeMap::new()),
    });
    let journal = live.as_ref().map_or([Finding::NotRelevant; POINTS], |l| l.prefill);
    let points = Point::ALL
        .into_iter()
        .map(|p| {
            let evidence = live
                .iter()
                .flat_map(|l| l.evidence.iter())
                .filter(|e| e.point == p)
                .map(|e| {
                    let (st, class) = status_label(l, e.status);
                    let met = e.met_at.map(|m| format!(", {}", da_date(m.date()))).unwrap_or_default();
                    (
                        format!(
                            "{} ({}): {} {}, {st}{met}",
                            domain::rules::id::label_da(e.rule),
                            e.law,
                            l.pick("frist", "due"),
                            da_date(e.due)
                        ),
                        class,
                    )
                })
                .collect();
            PointView {
                code: p.code(),
                label: l.pick(p.label_da(), p.label_en()),
                rules: p.rules().iter().map(|r| domain::rules::id::label_da(r)).collect::<Vec<_>>().join("; "),
                prefill_code: journal[p.index()].code(),
                prefill_label: l.pick(journal[p.index()].label_da(), journal[p.index()].label_en()),
                evidence,
                finding_name: format!("fund_{}", p.code()),
                comment_name: format!("bem_{}", p.code()),
                value: values[p.index()].code(),
                comment: comments.get(p.code()).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let pos = a.cases.iter().position(|c| c.child == child).unwrap_or(0);
    let status = match &case.review {
        Some(r) => {
            let w = whole_case(&r.findings);
            format!(
                "{} ({}), version {}",
                l.pick("Gennemgået", "Reviewed"),
                l.pick(w.label_da(), w.label_en()).to_lowercase(),
                r.version
            )
        }
        None => l.pick("Ikke gennemgået", "Not reviewed").into(),
    };
    let page = CasePage {
        ctx: Ctx {
            flash,
            ..ctx(user, "nav_practice", format!("{} {} · {}", l.pick("Sag", "Case"), case.position, h.title))
        },
        audit: h.id,
        title: h.title.clone(),
        position: case.position,
        total: a.cases.len(),
        child_label: format!("{name} ({child})"),
        child_url: urlencode(child),
        stratum: stratum_label(l, case.stratum),
        period: period_label(h.period),
        status,
        prev: pos.checked_sub(1).map(|i| case_href(h.id, &a.cases[i].child)),
        next: a.cases.get(pos + 1).map(|c| case_href(h.id, &c.child)),
        changed: live.as_ref().map_or(case.prefill, |l| l.prefill) != case.prefill,
        points,
        findings: Finding::ALL.iter().map(|f| (f.code(), l.pick(f.label_da(), f.label_en()))).collect(),
        errors: errors.clone(),
        reviewed_by: case.review.as_ref().map(|r| {
            format!("{} {} {}", l.pick("Senest gemt af", "Last saved by"), r.reviewer, da_when(&r.reviewed_at))
        }),
    };
    logged.committed().await?;
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok((code, page).into_response())
}

async fn case_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, child)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(AUDITORS)?;
    let a = load(&state, &id).await?;
    render_case(&state, &user, &a, &child, None, BTreeMap::new(), crate::pages::flash_of(&q)).await
}

/// Save a case's checklist; a correction of the journal's answer needs a comment. Then on to the next case.
async fn save_case(
    State(state): State<AppState>,
    Path((id, child)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(AUDITORS)?;
    let a = load(&state, &id).await?;
    let Some(case) = a.cases.iter().find(|c| c.child == child) else {
        return Err(AppError::NotFound(format!(
            "Barnet \"{child}\" er ikke i stikprøven i undersøgelse {}.",
            a.head.id
        )));
    };
    let mut findings = case.prefill;
    let mut comments = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for p in Point::ALL {
        let name = format!("fund_{}", p.code());
        let Some(f) = form.get(&name).and_then(Finding::parse) else {
            return Err(AppError::bad(&name, format!("Vælg et svar til punktet \"{}\".", p.label_da())));
        };
        findings[p.index()] = f;
        let comment = form.text(&format!("bem_{}", p.code())).unwrap_or_default();
        if comment.chars().count() > 2000 {
            errors.insert(format!("bem_{}", p.code()), "Bemærkningen må højst være 2.000 tegn.".into());
        }
        if f != case.prefill[p.index()] && comment.is_empty() {
            errors.insert(
                format!("bem_{}", p.code()),
                format!(
                    "Skriv hvorfor du retter journalens svar ({} → {}).",
                    case.prefill[p.index()].label_da(),
                    f.label_da()
                ),
            );
        }
        if !comment.is_empty() {
            comments.insert(p.code().to_string(), comment);
        }
    }
    if !errors.is_empty() {
        return render_case(&state, user, &a, &child, Some((findings, comments)), errors, None).await;
    }
    state
        .store
        .review_practice_case(a.head.id, &child, &findings, &comments, &Actor::new(&user.username, Utc::now()))
        .await?;
    state
        .audit
        .log(
            user,
            Action::Review,
            Some(&child),
            Some(format!("praksisundersøgelse {}: tjekliste gemt", a.head.id)),
            None,
        )
        .await?;
    let a = load(&state, &id).await?;
    let to = match next_open(&a, case.position) {
        Some(c) => format!("{}?ok=review-saved", case_href(a.head.id, &c.child)),
        None => format!("/praksis/{}/rapport?ok=review-done", a.head.id),
    };
    Ok(Redirect::to(&to).into_response())
}

/// The report: per point the share compliant in the sample and estimated for all cases, with 95 % intervals.
async fn report_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(AUDITORS)?;
    let a = load(&state, &id).await?;
    let h = &a.head;
    let sizes: BTreeMap<_, usize> = a.strata.iter().map(|(s, (pop, _))| (*s, *pop)).collect();
    let rev = reviewed(&a);
    let results = report(&sizes, &rev);
    let l = user.lang;
    let en = l == crate::i18n::Lang::En;
    let label = |s| stratum_label(l, s);
    let points = Section {
        id: "points".into(),
        heading: l.pick("Resultat pr. punkt", "Result per point").into(),
        count: None,
        export: Some(format!("/praksis/{}/rapport?tabel=points&", h.id)),
        headers: [
            l.pick("Punkt", "Point"),
            l.pick("Sager hvor punktet er relevant", "Cases where the point applies"),
            l.pick("Opfyldt", "Met"),
            l.pick("Andel i stikprøven (95 %-interval)", "Share in the sample (95 % interval)"),
            l.pick("Skøn for alle sager (95 %-interval)", "Estimate for all cases (95 % interval)"),
            l.pick("Rettet ved gennemgangen", "Corrected by the review"),
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: results
            .iter()
            .map(|r| Row {
                attrs: vec![("point", r.point.map_or("sagen", Point::code).to_string())],
                cells: vec![
                    cell(if en { r.label_en() } else { r.label_da() }),
                    cell(r.relevant.to_string()),
                    cell(r.met.to_string()),
                    cell(share(r.sample)),
                    cell(share(r.estimate)),
                    cell(r.corrected.to_string()),
                ],
            })
            .collect(),
        more: Some(
            l.pick(
                "Andelen i stikprøven har et Wilson-interval. Skønnet for alle sager vægter hvert stratum med dets \
                 størrelse (kombineret forholdsestimator med endelighedskorrektion).",
                "The share in the sample has a Wilson interval. The estimate for all cases weights each stratum by \
                 its size (combined ratio estimator with finite-population correction).",
            )
            .into(),
        ),
    };
    let strata = Section {
        id: "strata".into(),
        heading: l
            .pick(
                "Sagen overholder reglerne på alle relevante punkter, pr. stratum",
                "The case keeps the rules on every point that applies, per stratum",
            )
            .into(),
        count: Some(a.strata.len()),
        export: Some(format!("/praksis/{}/rapport?tabel=strata&", h.id)),
        headers: [
            "Stratum",
            l.pick("Sager i alt", "Cases in all"),
            l.pick("Udtrukket", "Drawn"),
            l.pick("Gennemgået", "Reviewed"),
            l.pick("Overholder alt", "Keeps every rule"),
            l.pick("Andel", "Share"),
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        rows: a
            .strata
            .iter()
            .map(|(s, (pop, n))| {
                let mine: Vec<&Reviewed> = rev.iter().filter(|r| r.stratum == *s).collect();
                let rel = mine.iter().filter(|r| whole_case(&r.findings) != Finding::NotRelevant).count();
                let ok = mine.iter().filter(|r| whole_case(&r.findings) == Finding::Met).count();
                Row {
                    attrs: vec![("stratum", s.code())],
                    cells: vec![
                        cell(label(*s)),
                        cell(pop.to_string()),
                        cell(n.to_string()),
                        cell(mine.len().to_string()),
                        cell(format!("{ok} {} {rel}", l.pick("af", "of"))),
                        cell(if rel > 0 { pct(ok as f64 / rel as f64) } else { "—".into() }),
                    ],
                }
            })
            .collect(),
        more: None,
    };
    let cases = Section {
        id: "reviewed".into(),
        heading: l.pick("Gennemgåede sager", "Reviewed cases").into(),
        count: Some(rev.len()),
        export: Some(format!("/praksis/{}/rapport?tabel=reviewed&", h.id)),
        headers: [l.pick("Nr.", "No."), l.pick("Barn", "Child"), "Stratum"]
            .into_iter()
            .chain(Point::ALL.iter().map(|p| l.pick(p.label_da(), p.label_en())))
            .chain([l.pick("Bemærkninger", "Comments"), l.pick("Gennemgået af", "Reviewed by")])
            .map(String::from)
            .collect(),
        rows: a
            .cases
            .iter()
            .filter_map(|c| c.review.as_ref().map(|r| (c, r)))
            .map(|(c, r)| Row {
                attrs: vec![("child", c.child.clone())],
                cells: [
                    cell(c.position.to_string()),
                    link(&c.child, case_href(h.id, &c.child)),
                    cell(label(c.stratum)),
                ]
                .into_iter()
                .chain(Point::ALL.iter().map(|p| {
                    let f = r.findings[p.index()];
                    let was = c.prefill[p.index()];
                    let mut x = cell(l.pick(f.label_da(), f.label_en()));
                    if f != was {
                        x.text = format!(
                            "{} ({}: {})",
                            x.text,
                            l.pick("journalen", "the journal"),
                            l.pick(was.label_da(), was.label_en()).to_lowercase()
                        );
                    }
                    if f == Finding::NotMet {
                        x.class = Some("overdue");
                    }
                    x
                }))
                .chain([
                    cell(r.comments.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")),
                    cell(format!("{}, {}", r.reviewer, da_when(&r.reviewed_at))),
                ])
                .collect(),
            })
            .collect(),
        more: None,
    };
    let qm = query_map(&q);
    let children: Vec<&str> = a.cases.iter().filter(|c| c.review.is_some()).map(|c| c.child.as_str()).collect();
    if let Some(fmt) = Format::parse(qm.get("format").map(String::as_str)) {
        let section = match qm.get("tabel").map(String::as_str) {
            Some("strata") => strata,
            Some("reviewed") => {
                state
                    .audit
                    .log_children(
                        &user,
                        Action::Export,
                        children.iter().copied(),
                        &format!("praksisundersøgelse {}", h.id),
                    )
                    .await?;
                cases
            }
            _ => points,
        };
        return Ok(section.table().download(fmt, &format!("praksisundersoegelse-{}-{}", h.id, section.id)));
    }
    state
        .audit
        .log_children(
            &user,
            Action::ViewList,
            children.iter().copied(),
            &format!("praksisundersøgelse {} rapport", h.id),
        )
        .await?;
    let chart_rows: Vec<(String, f64, f64, f64)> = results
        .iter()
        .filter_map(|r| {
            let name = match r.point {
                Some(p) if en => p.code().to_string(),
                Some(p) => p.short_da().to_string(),
                None => l.pick("Hele sagen", "Whole case").to_string(),
            };
            r.sample.map(|(p, lo, hi)| (name, p, lo, hi))
        })
        .collect();
    let report_word = l.pick("Rapport", "Report");
    let mut c = ctx(&user, "nav_practice", format!("{report_word} · {}", h.title));
    c.flash = crate::pages::flash_of(&q);
    let unfinished = h.reviewed < h.sampled;
    Ok(PracticePage {
        ctx: c,
        heading: format!("{report_word}: {}", h.title),
        intro: Some(match l {
            crate::i18n::Lang::Da => format!(
                "Periode {}. {} af {} sager i stikprøven er gennemgået{}; tallene bygger på de gennemgåede sager og \
                 de svar, den der gennemgik sagen, gav.",
                period_label(h.period),
                h.reviewed,
                h.sampled,
                if unfinished { " (gennemgangen er ikke færdig)" } else { "" }
            ),
            crate::i18n::Lang::En => format!(
                "Period {}. {} of {} cases in the sample are reviewed{}; the figures rest on the reviewed cases and \
                 the reviewers' answers.",
                period_label(h.period),
                h.reviewed,
                h.sampled,
                if unfinished { " (the review is not finished)" } else { "" }
            ),
        }),
        kpis: results
            .iter()
            .filter(|r| r.point.is_none())
            .map(|r| {
                (
                    l.pick("Sager der overholder alt (skøn)", "Cases keeping every rule (estimate)").to_string(),
                    share(r.estimate),
                )
            })
            .chain(std::iter::once((
                l.pick("Gennemgået", "Reviewed").to_string(),
                format!("{} {} {}", h.reviewed, l.pick("af", "of"), h.sampled),
            )))
            .collect(),
        links: vec![(l.pick("Tilbage til stikprøven", "Back to the sample").into(), format!("/praksis/{}", h.id))],
        charts: if chart_rows.is_empty() {
            Vec::new()
        } else {
            vec![(
                l.pick(
                    "Andel opfyldt pr. punkt i stikprøven, med 95 %-interval",
                    "Share met per point in the sample, with 95 % interval",
                )
                .into(),
                crate::chart::intervals(l.pick("Andel opfyldt pr. punkt", "Share met per point"), &chart_rows),
            )]
        },
        sections: vec![points, strata, cases],
        form: None,
    }
    .into_response())
}
