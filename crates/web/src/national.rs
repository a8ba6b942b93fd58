//! National statistics in the web app (issue 8): the municipality's own indicator file for a year
//! (`/statistik/indikatorer`, what it sends to KL and Ankestyrelsen), and for the national analysts the national
//! report from a directory of the municipalities' files (`/landstal`, set by `national_dir` / VAERN_NATIONAL_DIR).
//! Aggregates only: no child is ever shown.

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::pages::{ctx, query_map};
use crate::web_util::today;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Utc};
use domain::access::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/statistik/indikatorer", get(own_file))
        .route("/statistik/kl", get(kl_page))
        .route("/landstal", get(national_report))
}

fn year_of(q: &Option<String>, default: i32) -> Result<i32, AppError> {
    let qm = query_map(q);
    match qm.get("aar").filter(|y| !y.is_empty()) {
        None => Ok(default),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2011..=default + 1).contains(y))
            .ok_or_else(|| AppError::bad("aar", format!("\"{y}\" er ikke et år mellem 2011 og {}.", default + 1))),
    }
}

/// The municipality's published indicators for `year` (computed from its whole journal), remembered per year and
/// day while the journal is unchanged.
async fn own_indicators(state: &AppState, year: i32) -> Result<std::sync::Arc<domain::stats::IndicatorFile>, AppError> {
    let td = today(Utc::now());
    let head = state.store.event_count().await?;
    let compute = async {
        let code = state.store.municipality();
        let events = state.store.municipality_events(code.as_str(), domain::time::AsOf::end_of(td), &[]).await?;
        let pack = state.pack.clone();
        tokio::task::spawn_blocking(move || domain::stats::indicators(&events, &pack, code, year, td).publish())
            .await
            .map_err(|e| AppError::Internal(e.to_string()))
    };
    state.dashboards.indicators.get_or(&format!("{year}/{td}"), head, compute).await
}

/// KL's questions answered from the municipality's own figures for a year (`?aar=`, default last year).
async fn kl_page(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    use crate::pages::{cell, Cell, FilterView, ListPage, Row, Section};
    user.require(&[Role::Manager, Role::Analyst])?;
    let td = today(Utc::now());
    let year = year_of(&q, td.year() - 1)?;
    let file = own_indicators(&state, year).await?;
    let answers = domain::stats::kl_survey(&file);
    let section = Section {
        id: "kl".into(),
        heading: format!("KL's spørgsmål om anbringelsesområdet, {year}"),
        count: None,
        export: Some(format!("/statistik/kl?aar={year}&")),
        headers: ["Spørgsmål", "Svar", "Tallene bag", "Grundlag"].into_iter().map(String::from).collect(),
        rows: answers
            .iter()
            .map(|a| Row {
                attrs: vec![("answer", format!("{:?}", a.answer))],
                cells: vec![
                    cell(a.question),
                    Cell {
                        text: a.answer.label_da().into(),
                        href: None,
                        class: match a.answer {
                            domain::stats::Answer::No => Some("overdue"),
                            domain::stats::Answer::Partly => Some("late"),
                            _ => None,
                        },
                    },
                    cell(match a.share {
                        Some(s) => format!("{} ({:.0} %)", a.figures, s * 100.0),
                        None => a.figures.clone(),
                    }),
                    cell(&a.basis),
                ],
            })
            .collect(),
        more: Some(
            "Svarene er beregnet af kommunens egne data: \"Ja\" ved 95 % eller mere, \"Delvist\" ved 75–95 %, \
             \"Nej\" under 75 %. Tal for færre end 5 er diskretioneret."
                .into(),
        ),
    };
    if let Some(fmt) = crate::table::Format::parse(query_map(&q).get("format").map(String::as_str)) {
        return Ok(section.table().download(fmt, &format!("kl-spoergsmaal-{year}")));
    }
    Ok(ListPage {
        ctx: ctx(&user, "nav_stats", "KL's spørgsmål"),
        heading: format!("KL's spørgsmål: {} {year}", state.store.municipality().name()),
        intro: Some(
            "KL bad i 2011 kommunerne dokumentere, at loven overholdes på anbringelsesområdet. Her er svarene \
             direkte fra journalen, med tallene bag hvert svar."
                .into(),
        ),
        action: "/statistik/kl".into(),
        filters: vec![FilterView {
            name: "aar",
            label: "År".into(),
            value: year.to_string(),
            options: (2011..=td.year()).rev().map(|y| (y.to_string(), y.to_string())).collect(),
        }],
        submit_label: "Vis".into(),
        charts: Vec::new(),
        sections: vec![section],
    }
    .into_response())
}

/// The municipality's indicator file for a year (`?aar=`, default last year; `&format=csv` for the CSV twin).
async fn own_file(State(state): State<AppState>, user: AuthUser, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    user.require(&[Role::Manager, Role::Analyst])?;
    let td = today(Utc::now());
    let year = year_of(&q, td.year() - 1)?;
    let code = state.store.municipality();
    let file = own_indicators(&state, year).await?;
    let csv = query_map(&q).get("format").is_some_and(|f| f == "csv");
    let (body, kind, ext) = if csv {
        (format!("\u{feff}{}", file.to_csv()), "text/csv; charset=utf-8", "csv")
    } else {
        (file.to_json(), "application/json", "json")
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"indikatorer-{code}-{year}.{ext}\"")),
        ],
        body,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "national.html")]
struct NoDirPage {
    ctx: crate::pages::Ctx,
    problem: String,
}

/// The national report from the configured directory: the HTML page itself (`?aar=`), or `&format=pdf|xlsx`.
async fn national_report(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Analyst, Role::Manager])?;
    let problem = |p: String| NoDirPage { ctx: ctx(&user, "nav_national", "Landstal"), problem: p }.into_response();
    let Some(dir) = state.config.national_dir.clone() else {
        return Ok(problem(
            "Ingen mappe med kommunernes indikatorfiler er sat op. Driften sætter den med VAERN_NATIONAL_DIR \
             (eller national_dir i konfigurationsfilen); filerne dannes med `vaern stats export`."
                .into(),
        ));
    };
    let files = match tokio::task::spawn_blocking(move || report::national::read_dir(&dir)).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return Ok(problem(format!("Indikatorfilerne kan ikke læses: {e}"))),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    if let Err(e) = domain::national::check(&files) {
        return Ok(problem(e));
    }
    let newest = files.iter().map(|f| f.1.year).max().unwrap_or(0);
    let year = year_of(&q, newest)?;
    let all: Vec<domain::stats::IndicatorFile> = files.into_iter().map(|f| f.1).collect();
    if !all.iter().any(|f| f.year == year) {
        return Err(AppError::bad("aar", format!("Der er ingen indikatorfiler for {year}.")));
    }
    let n = domain::national::rollup(&all, year);
    match query_map(&q).get("format").map(String::as_str) {
        Some("pdf") => {
            let date = format!("{year}-12-31");
            let bytes = tokio::task::spawn_blocking(move || report::national_report_pdf(&n, &date))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(download(bytes, "application/pdf", &format!("landstal-{year}.pdf")))
        }
        Some("xlsx") => {
            let bytes = report::national::national_xlsx(&n).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(download(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("landstal-{year}.xlsx"),
            ))
        }
        _ => {
            // The report is a self-contained page with its own inline style sheet; its links to the PDF and XLSX
            // are added at the top.
            let html = report::national::national_html(&n).replacen(
                "<main>",
                &format!(
                    "<main><p><a href=\"/statistik\">← Værn</a> · <a href=\"/landstal?aar={year}&amp;format=pdf\">PDF</a> · \
                     <a href=\"/landstal?aar={year}&amp;format=xlsx\">Excel</a></p>"
                ),
                1,
            );
            let mut r = axum::response::Html(html).into_response();
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; \
                     frame-ancestors 'none'; base-uri 'none'",
                ),
            );
            Ok(r)
        }
    }
}

fn download(bytes: Vec<u8>, kind: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}
