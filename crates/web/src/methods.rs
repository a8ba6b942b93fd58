//! The knowledge bank (issue 9): search methods and good practice (`/metoder`), read an entry with the
//! municipality's own effect data, edit entries (editor role; every save is a new version, history kept), export
//! them as JSON Lines; suggestions when a caseworker decides an intervention; VISO referrals for a child or a site.

use crate::audit::Action;
use crate::auth::{AuthUser, CsrfForm};
use crate::error::AppError;
use crate::pages::{ctx, query_map, Ctx};
use crate::web_util::{da_date, da_when, today, urlencode};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDate, Utc};
use domain::access::Role;
use domain::effect::EffectSummary;
use domain::event::{Body, GoalTheme, InterventionKind, LadderStep};
use domain::knowledge::{CaseContext, Category, Evidence, MethodEntry, MethodId, VisoStatus, AGE_GROUPS};
use knowledge::{Bank, Filters};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use store::knowledge::{NewViso, Saved, Viso, VisoChange, VisoScope};
use store::Actor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metoder", get(search_page))
        .route("/metoder/eksport.jsonl", get(export))
        .route("/metoder/ny", get(new_form).post(create))
        .route("/metoder/{id}", get(entry_page))
        .route("/metoder/{id}/historik", get(history_page))
        .route("/metoder/{id}/rediger", get(edit_form).post(update))
        .route("/boern/{child}/metodeforslag", get(suggestions_fragment))
        .route("/boern/{child}/viso", get(child_viso).post(create_child_viso))
        .route("/steder/{site}/viso", get(site_viso).post(create_site_viso))
        .route("/viso", get(viso_overview))
        .route("/viso/{id}", post(update_viso))
}

// ---- the bank in memory ---------------------------------------------------------------------------------------

/// The searchable bank, rebuilt from the store after every change.
#[derive(Default)]
pub struct BankCell(RwLock<Option<Arc<Bank>>>);

impl BankCell {
    pub fn current(&self) -> Result<Arc<Bank>, AppError> {
        self.0
            .read()
            .map_err(|_| AppError::Internal("vidensbankens lås er forgiftet".into()))?
            .clone()
            .ok_or_else(|| AppError::Internal("vidensbanken er ikke indlæst".into()))
    }

    fn set(&self, bank: Bank) {
        if let Ok(mut g) = self.0.write() {
            *g = Some(Arc::new(bank));
        }
    }
}

/// Load the bank from the store (importing the seed entries into an empty store first). Returns the number of
/// active entries.
pub async fn load_bank(state: &AppState) -> Result<usize, AppError> {
    let mut stored = state.store.methods().await?;
    if stored.is_empty() {
        let seed = knowledge::seed_entries()
            .map_err(|e| AppError::Internal(format!("vidensbankens startindhold kan ikke læses: {}", e[0])))?;
        state.store.import_methods(&seed, &Actor::new("system", Utc::now())).await?;
        stored = state.store.methods().await?;
    }
    let active: Vec<MethodEntry> = stored.into_iter().filter(|v| !v.retired).map(|v| v.entry).collect();
    let n = active.len();
    let bank = tokio::task::spawn_blocking(move || Bank::build(active))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    state.bank.set(bank);
    Ok(n)
}

/// The municipality's effect figures per method (knowledge-bank id), from the shared background computation
/// (`insight`): a remembered answer is served at once.
pub async fn method_effects(state: &AppState) -> Result<HashMap<String, EffectSummary>, AppError> {
    Ok(crate::insight::insight(state).await?.methods.clone())
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// The effect figures in one Danish sentence.
pub fn effect_text(s: Option<&EffectSummary>) -> String {
    let Some(s) = s.filter(|s| s.interventions > 0) else {
        return "Ingen indsatser med denne metode i kommunens journal endnu.".into();
    };
    let base = format!(
        "{} indsats{} i kommunen, gennemsnitligt {:.0} dage",
        s.interventions,
        if s.interventions == 1 { "" } else { "er" },
        s.mean_days
    );
    let progress = match s.progressing_share() {
        Some((p, lo, hi)) => format!(
            "; fremgang i målene for {} af {} med målt fremgang ({}; 95 % KI {}–{})",
            s.progressing,
            s.measured,
            pct(p),
            pct(lo),
            pct(hi)
        ),
        None => "; fremgang er endnu ikke målt ved to opfølgninger".into(),
    };
    let ended = if s.ended > 0 {
        format!("; {} ophørt, heraf {} med mål nået og {} uden effekt", s.ended, s.goal_reached, s.no_effect)
    } else {
        String::new()
    };
    format!("{base}{progress}{ended}.")
}

fn age_text(e: &MethodEntry) -> String {
    format!("{}–{} år", e.age_min, e.age_max)
}

fn range_text(r: Option<(u32, u32)>, unit: &str) -> String {
    match r {
        None => "–".into(),
        Some((a, b)) if a == b => format!("{a} {unit}"),
        Some((a, b)) => format!("{a}–{b} {unit}"),
    }
}

fn may_edit(user: &AuthUser) -> bool {
    user.role == Role::Editor && user.scopes.is_none()
}

fn require_editor(user: &AuthUser) -> Result<(), AppError> {
    if may_edit(user) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Kun redaktører af vidensbanken kan oprette og ændre poster.".into()))
    }
}

// ---- search -----------------------------------------------------------------------------------------------------

pub struct FacetLink {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub selected: bool,
}

pub struct FacetGroup {
    pub title: &'static str,
    pub links: Vec<FacetLink>,
}

pub struct HitView {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub category: &'static str,
    pub evidence: &'static str,
    pub evidence_code: &'static str,
    pub step: String,
    pub ages: String,
    pub effect: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "methods.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    hits: Vec<HitView>,
    facets: Vec<FacetGroup>,
    active: Vec<(String, String)>,
    /// The facet filters, kept when a new search text is submitted.
    keep: Vec<(String, String)>,
    editor: bool,
    total: usize,
}

const FACET_KEYS: [&str; 5] = ["alder", "trin", "evidens", "kategori", "tema"];

fn parse_filters(qm: &BTreeMap<String, String>) -> Result<Filters, AppError> {
    let get = |k: &str| qm.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let mut f = Filters::default();
    if let Some(a) = get("alder") {
        f.age_group = Some(
            AGE_GROUPS
                .into_iter()
                .find(|(lo, hi)| format!("{lo}-{hi}") == a)
                .ok_or_else(|| AppError::bad("alder", "Ukendt aldersgruppe (brug fx 6-11)."))?,
        );
    }
    if let Some(t) = get("trin") {
        f.ladder = Some(LadderStep::parse(t).ok_or_else(|| AppError::bad("trin", "Trinnet skal være 1–6."))?);
    }
    if let Some(e) = get("evidens") {
        f.evidence = Some(Evidence::parse(e).ok_or_else(|| AppError::bad("evidens", "Ukendt evidensniveau."))?);
    }
    if let Some(c) = get("kategori") {
        f.category = Some(Category::parse(c).ok_or_else(|| AppError::bad("kategori", "Ukendt kategori."))?);
    }
    if let Some(t) = get("tema") {
        f.theme = Some(GoalTheme::parse(t).ok_or_else(|| AppError::bad("tema", "Ukendt tema."))?);
    }
    Ok(f)
}

/// The search page's address with one parameter set (or removed when `value` is empty or already chosen).
fn href_with(qm: &BTreeMap<String, String>, key: &str, value: &str) -> String {
    let mut m = qm.clone();
    if value.is_empty() || m.get(key).is_some_and(|v| v == value) {
        m.remove(key);
    } else {
        m.insert(key.into(), value.into());
    }
    let parts: Vec<String> = m
        .iter()
        .filter(|(k, v)| !v.is_empty() && (k.as_str() == "q" || FACET_KEYS.contains(&k.as_str())))
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    if parts.is_empty() {
        "/metoder".into()
    } else {
        format!("/metoder?{}", parts.join("&"))
    }
}

fn hit_view(e: &MethodEntry, effects: &HashMap<String, EffectSummary>) -> HitView {
    HitView {
        id: e.id.to_string(),
        name: e.name.clone(),
        summary: e.summary.clone(),
        category: e.category.label_da(),
        evidence: e.evidence.label_da(),
        evidence_code: e.evidence.as_str(),
        step: e.ladder_step.label_da().to_string(),
        ages: age_text(e),
        effect: effects
            .get(e.id.as_str())
            .filter(|s| s.interventions > 0)
            .map(|s| effect_text(Some(s)))
            .unwrap_or_default(),
    }
}

async fn search_page(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let qm = query_map(&q);
    let filters = parse_filters(&qm)?;
    let text = qm.get("q").cloned().unwrap_or_default();
    if text.chars().count() > 200 {
        return Err(AppError::bad("q", "Søgningen må højst være 200 tegn."));
    }
    let bank = state.bank.current()?;
    let effects = method_effects(&state).await?;
    let r = bank.search(&text, &filters);
    let link = |key: &str, code: String, label: String, count: usize| FacetLink {
        selected: qm.get(key).is_some_and(|v| *v == code),
        href: href_with(&qm, key, &code),
        label,
        count,
    };
    let facets = vec![
        FacetGroup {
            title: "Alder",
            links: r
                .facets
                .age_groups
                .iter()
                .map(|&((lo, hi), n)| link("alder", format!("{lo}-{hi}"), format!("{lo}–{hi} år"), n))
                .collect(),
        },
        FacetGroup {
            title: "Trin på indsatstrappen",
            links: r
                .facets
                .ladder
                .iter()
                .map(|&(s, n)| link("trin", s.as_str().into(), s.label_da().into(), n))
                .collect(),
        },
        FacetGroup {
            title: "Evidens",
            links: r
                .facets
                .evidence
                .iter()
                .map(|&(e, n)| link("evidens", e.as_str().into(), e.label_da().into(), n))
                .collect(),
        },
        FacetGroup {
            title: "Kategori",
            links: r
                .facets
                .category
                .iter()
                .map(|&(c, n)| link("kategori", c.as_str().into(), c.label_da().into(), n))
                .collect(),
        },
        FacetGroup {
            title: "Målgruppe (tema)",
            links: r
                .facets
                .themes
                .iter()
                .map(|&(t, n)| link("tema", t.as_str().into(), t.label_da().into(), n))
                .collect(),
        },
    ];
    let active = FACET_KEYS
        .iter()
        .filter_map(|k| qm.get(*k).filter(|v| !v.is_empty()).map(|v| (format!("{k}: {v}"), href_with(&qm, k, ""))))
        .collect();
    let keep = FACET_KEYS
        .iter()
        .filter_map(|k| qm.get(*k).filter(|v| !v.is_empty()).map(|v| (k.to_string(), v.clone())))
        .collect();
    let page = SearchPage {
        keep,
        ctx: ctx(&user, "nav_methods", "Vidensbank"),
        total: bank.entries().len(),
        hits: r.hits.iter().map(|h| hit_view(h.entry, &effects)).collect(),
        q: text,
        facets,
        active,
        editor: may_edit(&user),
    };
    Ok(page.into_response())
}

// ---- one entry, its history -----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "method.html")]
struct EntryPage {
    ctx: Ctx,
    e: MethodEntry,
    version: i64,
    latest: i64,
    retired: bool,
    edited: String,
    effect: String,
    kinds: Vec<&'static str>,
    themes: Vec<&'static str>,
    duration: String,
    cost: String,
    examples: Vec<(String, String)>,
    editor: bool,
}

fn method_id(id: &str) -> Result<MethodId, AppError> {
    MethodId::parse(id).map_err(|_| AppError::NotFound(format!("Vidensbanken har ingen post \"{id}\".")))
}

/// An entry's versions, newest first (never empty), or "not found".
async fn history_of(state: &AppState, id: &str) -> Result<(MethodId, Vec<store::knowledge::MethodVersion>), AppError> {
    let id = method_id(id)?;
    let history = state.store.method_history(&id).await?;
    if history.is_empty() {
        return Err(AppError::NotFound(format!("Vidensbanken har ingen post \"{id}\".")));
    }
    Ok((id, history))
}

async fn entry_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (id, history) = history_of(&state, &id).await?;
    let latest = &history[0];
    let wanted = query_map(&q).get("version").and_then(|v| v.parse::<i64>().ok());
    let v = match wanted {
        Some(n) => history
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| AppError::NotFound(format!("Posten \"{id}\" har ingen version {n}.")))?,
        None => latest,
    };
    let effects = method_effects(&state).await?;
    let e = v.entry.clone();
    let page = EntryPage {
        ctx: ctx(&user, "nav_methods", e.name.clone()),
        version: v.version,
        latest: latest.version,
        retired: v.retired,
        edited: format!("{} af {}", da_when(&v.edited_at), v.edited_by),
        effect: effect_text(effects.get(e.id.as_str())),
        kinds: e.kinds.iter().map(|k| k.label_da()).collect(),
        themes: e.themes.iter().map(|t| t.label_da()).collect(),
        duration: range_text(e.duration_weeks, "uger"),
        cost: range_text(e.monthly_cost_dkk, "kr. pr. måned"),
        examples: e.examples.iter().map(|x| (format!("{} Kommune", x.municipality.name()), x.text.clone())).collect(),
        editor: may_edit(&user),
        e,
    };
    Ok(page.into_response())
}

pub struct VersionRow {
    pub version: i64,
    pub when: String,
    pub by: String,
    pub comment: String,
    pub changed: String,
    pub retired: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "method_history.html")]
struct HistoryPage {
    ctx: Ctx,
    id: String,
    name: String,
    rows: Vec<VersionRow>,
}

async fn history_page(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (id, history) = history_of(&state, &id).await?;
    let name = history[0].entry.name.clone();
    let rows = history
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let changed = match history.get(i + 1) {
                None => "Oprettet".to_string(),
                Some(older) => {
                    let mut c = v.entry.changed_fields(&older.entry);
                    if v.retired != older.retired {
                        c.push(if v.retired { "trukket tilbage" } else { "genindsat" });
                    }
                    if c.is_empty() {
                        "–".into()
                    } else {
                        c.join(", ")
                    }
                }
            };
            VersionRow {
                version: v.version,
                when: da_when(&v.edited_at),
                by: v.edited_by.clone(),
                comment: v.comment.clone(),
                changed,
                retired: v.retired,
            }
        })
        .collect();
    Ok(HistoryPage { ctx: ctx(&user, "nav_methods", format!("Historik: {name}")), id: id.to_string(), name, rows }
        .into_response())
}

/// Signed-in users only (the extractor); the bank holds no personal data, so no audit line.
async fn export(State(state): State<AppState>, _user: AuthUser) -> Result<Response, AppError> {
    let stored = state.store.methods().await?;
    let mut body = String::new();
    for v in stored.iter().filter(|v| !v.retired) {
        body.push_str(&v.entry.to_line());
        body.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"vaern-vidensbank.jsonl\""),
        ],
        body,
    )
        .into_response())
}

// ---- the editor -------------------------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "method_form.html")]
struct EditPage {
    ctx: Ctx,
    heading: String,
    action: String,
    v: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    is_new: bool,
    categories: Vec<(&'static str, &'static str)>,
    evidences: Vec<(&'static str, &'static str)>,
    steps: Vec<(&'static str, &'static str)>,
    themes: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
}

impl EditPage {
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }

    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }

    fn has(&self, k: &str, code: &str) -> bool {
        self.v.get(k).is_some_and(|v| v.split(',').any(|x| x == code))
    }
}

/// The editor's form values of an entry (lists one per line; references "title | url"; examples "code | text").
fn form_values(e: &MethodEntry, version: i64) -> BTreeMap<String, String> {
    let range =
        |r: Option<(u32, u32)>, i: usize| r.map(|r| if i == 0 { r.0 } else { r.1 }.to_string()).unwrap_or_default();
    let mut v = BTreeMap::new();
    v.insert("id".into(), e.id.to_string());
    v.insert("name".into(), e.name.clone());
    v.insert("category".into(), e.category.as_str().into());
    v.insert("summary".into(), e.summary.clone());
    v.insert("description".into(), e.description.clone());
    v.insert("age_min".into(), e.age_min.to_string());
    v.insert("age_max".into(), e.age_max.to_string());
    v.insert("problems".into(), e.problems.join("\n"));
    v.insert("themes".into(), e.themes.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","));
    v.insert("ladder_step".into(), e.ladder_step.as_str().into());
    v.insert("kinds".into(), e.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","));
    v.insert("sections".into(), e.sections.join("\n"));
    v.insert("evidence".into(), e.evidence.as_str().into());
    v.insert(
        "references".into(),
        e.references.iter().map(|r| format!("{} | {}", r.title, r.url)).collect::<Vec<_>>().join("\n"),
    );
    v.insert("providers".into(), e.providers.join("\n"));
    v.insert("duration_min".into(), range(e.duration_weeks, 0));
    v.insert("duration_max".into(), range(e.duration_weeks, 1));
    v.insert("cost_min".into(), range(e.monthly_cost_dkk, 0));
    v.insert("cost_max".into(), range(e.monthly_cost_dkk, 1));
    v.insert(
        "examples".into(),
        e.examples.iter().map(|x| format!("{} | {}", x.municipality, x.text)).collect::<Vec<_>>().join("\n"),
    );
    v.insert("expected".into(), version.to_string());
    v
}

/// The submitted form as the exchange format's JSON (the domain then checks every field).
fn form_json(form: &CsrfForm, fixed_id: Option<&str>) -> (Value, BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form.fields.iter().filter(|(k, _)| k != "csrf") {
        values
            .entry(k.clone())
            .and_modify(|old| {
                old.push(',');
                old.push_str(v);
            })
            .or_insert_with(|| v.clone());
    }
    if let Some(id) = fixed_id {
        values.insert("id".into(), id.into());
    }
    let mut errors = BTreeMap::new();
    let get = |k: &str| values.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let lines = |k: &str| -> Vec<String> {
        get(k).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    };
    let codes = |k: &str| -> Vec<String> { get(k).split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect() };
    let mut number = |k: &str, field: &str| -> Value {
        let s = get(k);
        if s.is_empty() {
            return Value::Null;
        }
        match s.parse::<u64>() {
            Ok(n) => Value::from(n),
            Err(_) => {
                errors.insert(field.to_string(), format!("\"{s}\" er ikke et helt tal."));
                Value::Null
            }
        }
    };
    let age_min = number("age_min", "age_min");
    let age_max = number("age_max", "age_max");
    let step = number("ladder_step", "ladder_step");
    let pair = |a: Value, b: Value| if a.is_null() && b.is_null() { Value::Null } else { json!([a, b]) };
    let duration = {
        let a = number("duration_min", "duration_weeks");
        let b = number("duration_max", "duration_weeks");
        pair(a, b)
    };
    let cost = {
        let a = number("cost_min", "monthly_cost_dkk");
        let b = number("cost_max", "monthly_cost_dkk");
        pair(a, b)
    };
    let split = |l: &str| -> (String, String) {
        match l.split_once('|') {
            Some((a, b)) => (a.trim().to_string(), b.trim().to_string()),
            None => (l.trim().to_string(), String::new()),
        }
    };
    let references: Vec<Value> = lines("references")
        .iter()
        .map(|l| {
            let (title, url) = split(l);
            json!({"title": title, "url": url})
        })
        .collect();
    let examples: Vec<Value> = lines("examples")
        .iter()
        .map(|l| {
            let (m, text) = split(l);
            json!({"municipality": m, "text": text})
        })
        .collect();
    let value = json!({
        "id": get("id"), "name": get("name"), "category": get("category"), "summary": get("summary"),
        "description": get("description"), "age_min": age_min, "age_max": age_max, "problems": lines("problems"),
        "themes": codes("themes"), "ladder_step": step, "kinds": codes("kinds"), "sections": lines("sections"),
        "evidence": get("evidence"), "references": references, "providers": lines("providers"),
        "duration_weeks": duration, "monthly_cost_dkk": cost, "examples": examples,
    });
    (value, values, errors)
}

fn edit_page(
    user: &AuthUser,
    heading: String,
    action: String,
    v: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    is_new: bool,
) -> EditPage {
    let codes = |all: &[(&'static str, &'static str)]| all.to_vec();
    EditPage {
        ctx: ctx(user, "nav_methods", heading.clone()),
        heading,
        action,
        v,
        errors,
        is_new,
        categories: Category::ALL.iter().map(|c| (c.as_str(), c.label_da())).collect(),
        evidences: Evidence::ALL.iter().map(|c| (c.as_str(), c.label_da())).collect(),
        steps: LadderStep::ALL.iter().map(|c| (c.as_str(), c.label_da())).collect(),
        themes: codes(&GoalTheme::ALL.iter().map(|c| (c.as_str(), c.label_da())).collect::<Vec<_>>()),
        kinds: InterventionKind::ALL.iter().map(|c| (c.as_str(), c.label_da())).collect(),
    }
}

async fn new_form(user: AuthUser) -> Result<Response, AppError> {
    require_editor(&user)?;
    let mut v = BTreeMap::new();
    v.insert("age_min".to_string(), "0".to_string());
    v.insert("age_max".to_string(), "17".to_string());
    Ok(edit_page(&user, "Ny post i vidensbanken".into(), "/metoder/ny".into(), v, BTreeMap::new(), true)
        .into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_editor(&user)?;
    let (id, history) = history_of(&state, &id).await?;
    let latest = &history[0];
    let mut v = form_values(&latest.entry, latest.version);
    if latest.retired {
        v.insert("retired".into(), "on".into());
    }
    Ok(edit_page(
        &user,
        format!("Ret: {}", latest.entry.name),
        format!("/metoder/{id}/rediger"),
        v,
        BTreeMap::new(),
        false,
    )
    .into_response())
}

async fn save(state: &AppState, form: CsrfForm, existing: Option<&str>) -> Result<Response, AppError> {
    let user = &form.user;
    require_editor(user)?;
    let (value, values, mut errors) = form_json(&form, existing);
    let expected = match existing {
        None => None,
        Some(_) => Some(
            values
                .get("expected")
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| AppError::bad("expected", "Formularen mangler den version, den blev åbnet i."))?,
        ),
    };
    let comment = values.get("comment").map(|c| c.trim().to_string()).unwrap_or_default();
    if existing.is_some() && comment.is_empty() {
        errors.insert("comment".into(), "Skriv kort hvad du har ændret og hvorfor (vises i historikken).".into());
    }
    let retired = values.get("retired").is_some_and(|v| v == "on");
    let (heading, action) = match existing {
        None => ("Ny post i vidensbanken".to_string(), "/metoder/ny".to_string()),
        Some(id) => {
            (format!("Ret: {}", values.get("name").cloned().unwrap_or_default()), format!("/metoder/{id}/rediger"))
        }
    };
    let entry = match MethodEntry::from_json(&value) {
        Ok(e) if errors.is_empty() => e,
        Ok(_) => {
            let page = edit_page(user, heading, action, values, errors, existing.is_none());
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(e) => {
            errors.entry(e.field.to_string()).or_insert(e.message);
            let page = edit_page(user, heading, action, values, errors, existing.is_none());
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let comment = if comment.is_empty() { "Oprettet".to_string() } else { comment };
    let saved =
        state.store.save_method(&entry, expected, retired, &comment, &Actor::new(&user.username, Utc::now())).await;
    match saved {
        Ok(Saved::Version(_)) => {
            load_bank(state).await?;
            Ok(Redirect::to(&format!("/metoder/{}?ok=saved", entry.id)).into_response())
        }
        Ok(Saved::Unchanged) => Ok(Redirect::to(&format!("/metoder/{}?ok=unchanged", entry.id)).into_response()),
        Err(store::StoreError::Input(msg)) => {
            let field = if msg.starts_with("feltet \"id\"") { "id" } else { "comment" };
            errors.insert(field.into(), msg);
            let page = edit_page(user, heading, action, values, errors, existing.is_none());
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create(State(state): State<AppState>, form: CsrfForm) -> Result<Response, AppError> {
    save(&state, form, None).await
}

async fn update(State(state): State<AppState>, Path(id): Path<String>, form: CsrfForm) -> Result<Response, AppError> {
    let id = method_id(&id)?;
    save(&state, form, Some(id.as_str())).await
}

// ---- suggestions in the case ----------------------------------------------------------------------------------

pub struct SuggestItem {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub evidence: &'static str,
    pub evidence_code: &'static str,
    pub step: String,
    pub reasons: Vec<String>,
    pub effect: String,
}

#[derive(Template)]
#[template(path = "suggestions.html")]
pub struct SuggestPanel {
    pub child: String,
    pub context: String,
    pub items: Vec<SuggestItem>,
}

/// The case facts suggestions use: the child's age today and the goal themes of the newest plan.
fn case_context(events: &[store::StoredEvent], today: NaiveDate) -> CaseContext {
    let mut ctx = CaseContext::default();
    let mut latest_plan: Option<(NaiveDate, Vec<GoalTheme>)> = None;
    for s in events {
        match &s.event.body {
            Body::ChildRegistered { birth_date, .. } => {
                ctx.age = u8::try_from(domain::supervision::age_on(*birth_date, today)).ok();
            }
            Body::PlanCreated { goals, .. } => {
                let d = s.event.at.date();
                if latest_plan.as_ref().is_none_or(|(ld, _)| d >= *ld) {
                    let mut themes: Vec<GoalTheme> = Vec::new();
                    for g in goals {
                        if !themes.contains(&g.theme) {
                            themes.push(g.theme);
                        }
                    }
                    latest_plan = Some((d, themes));
                }
            }
            _ => {}
        }
    }
    ctx.themes = latest_plan.map(|p| p.1).unwrap_or_default();
    ctx
}

/// Suggestions for a decision on a child's case, with the municipality's own effect data beside the evidence.
pub async fn suggest_panel(
    state: &AppState,
    child: &str,
    events: &[store::StoredEvent],
    kind: Option<&str>,
    step: Option<&str>,
) -> Result<SuggestPanel, AppError> {
    let mut c = case_context(events, today(Utc::now()));
    c.kind = kind.and_then(InterventionKind::parse);
    c.ladder_step = step.and_then(LadderStep::parse);
    let bank = state.bank.current()?;
    let effects = method_effects(state).await?;
    let mut parts = Vec::new();
    if let Some(a) = c.age {
        parts.push(format!("barnet er {a} år"));
    }
    if !c.themes.is_empty() {
        parts.push(format!(
            "mål i planen: {}",
            c.themes.iter().map(|t| t.label_da().to_lowercase()).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(k) = c.kind {
        parts.push(format!("indsatstype: {}", k.label_da().to_lowercase()));
    }
    if let Some(s) = c.ladder_step {
        parts.push(format!("trin {}", s.number()));
    }
    let context = if parts.is_empty() {
        "Vælg indsatstype og trin for at få forslag.".to_string()
    } else {
        let mut s = parts.join("; ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        s + "."
    };
    let items = domain::knowledge::suggest(bank.entries(), &c, 5)
        .into_iter()
        .map(|s| SuggestItem {
            id: s.entry.id.to_string(),
            name: s.entry.name.clone(),
            summary: s.entry.summary.clone(),
            evidence: s.entry.evidence.label_da(),
            evidence_code: s.entry.evidence.as_str(),
            step: s.entry.ladder_step.label_da().to_string(),
            reasons: s.reasons.iter().map(|r| r.label_da()).collect(),
            effect: effect_text(effects.get(s.entry.id.as_str())),
        })
        .collect();
    Ok(SuggestPanel { child: child.to_string(), context, items })
}

async fn suggestions_fragment(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    crate::pages::check_writer(&user)?;
    crate::access::open_child(&state, &user, &child, Action::ViewChild, "metodeforslag").await?;
    let qm = query_map(&q);
    let events = state.store.child_events(&child).await?;
    let panel = suggest_panel(
        &state,
        &child,
        &events,
        qm.get("kind").map(String::as_str),
        qm.get("ladder_step").map(String::as_str),
    )
    .await?;
    let html = panel.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

// ---- VISO -------------------------------------------------------------------------------------------------------

pub const VISO_TOPICS: &[(&str, &str)] = &[
    ("assessment", "Udredning af barnet"),
    ("intervention", "Rådgivning om valg af indsats"),
    ("disability", "Specialrådgivning om funktionsnedsættelse"),
    ("communication", "Kommunikation med barnet"),
    ("placement", "Rådgivning til anbringelsessted"),
    ("other", "Andet"),
];

fn topic_label(code: &str) -> String {
    VISO_TOPICS.iter().find(|(c, _)| *c == code).map(|(_, l)| l.to_string()).unwrap_or_else(|| code.to_string())
}

pub struct VisoView {
    pub id: String,
    pub topic: String,
    pub question: String,
    pub requested: String,
    pub by: String,
    pub status: &'static str,
    pub open: bool,
    pub due: String,
    pub overdue: bool,
    pub advice: Option<(String, String)>,
    pub history: Vec<String>,
    pub child: Option<String>,
    pub site: Option<String>,
}

pub fn viso_view(v: &Viso, today: NaiveDate) -> VisoView {
    let cur = v.current();
    let due = v.answer_due();
    VisoView {
        id: v.id.clone(),
        topic: topic_label(&v.topic),
        question: v.question.clone(),
        requested: da_date(v.requested_on),
        by: v.requested_by.clone(),
        status: cur.status.label_da(),
        open: cur.status.is_open(),
        due: due.map(da_date).unwrap_or_else(|| "–".into()),
        overdue: cur.status.is_open() && due.is_some_and(|d| d < today),
        advice: v.advice().map(|(a, d)| (a.to_string(), d.map(da_date).unwrap_or_default())),
        history: v
            .updates
            .iter()
            .map(|u| format!("{} · {} · {}", da_when(&u.at), u.status.label_da(), u.by_user))
            .collect(),
        child: v.child.clone(),
        site: v.site.clone(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "viso.html")]
struct VisoPage {
    ctx: Ctx,
    heading: String,
    back: String,
    create_action: String,
    topics: &'static [(&'static str, &'static str)],
    statuses: Vec<(&'static str, &'static str)>,
    items: Vec<VisoView>,
    today: String,
    may_write: bool,
    overview: bool,
}

/// The referral page of a child or a site (`back` is its page; new referrals are posted to `{back}/viso`).
fn viso_page(ctx: Ctx, heading: String, back: &str, items: Vec<VisoView>, may_write: bool) -> Response {
    VisoPage {
        ctx,
        heading,
        back: back.to_string(),
        create_action: format!("{back}/viso"),
        topics: VISO_TOPICS,
        statuses: viso_statuses(),
        items,
        today: today(Utc::now()).to_string(),
        may_write,
        overview: false,
    }
    .into_response()
}

fn viso_statuses() -> Vec<(&'static str, &'static str)> {
    VisoStatus::ALL.iter().filter(|s| **s != VisoStatus::Requested).map(|s| (s.as_str(), s.label_da())).collect()
}

async fn child_viso(
    State(state): State<AppState>,
    user: AuthUser,
    Path(child): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    crate::access::open_child(&state, &user, &child, Action::ViewChild, "VISO-henvendelser").await?;
    let td = today(Utc::now());
    let items = state.store.visos(VisoScope::Child(&child)).await?.iter().map(|v| viso_view(v, td)).collect();
    let mut c = ctx(&user, "nav_my", format!("VISO: barn {child}"));
    c.flash = crate::pages::flash_of(&q);
    let may_write = user.role.records() && user.scopes.is_none();
    Ok(viso_page(
        c,
        format!("VISO-henvendelser for barn {child}"),
        &format!("/boern/{}", urlencode(&child)),
        items,
        may_write,
    ))
}

async fn site_viso(
    State(state): State<AppState>,
    user: AuthUser,
    Path(site): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    user.require(&[Role::Consultant, Role::TeamLeader, Role::Manager])?;
    let s = state
        .store
        .site(&site, Utc::now())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Anbringelsesstedet \"{site}\" findes ikke.")))?;
    let td = today(Utc::now());
    let items = state.store.visos(VisoScope::Site(&site)).await?.iter().map(|v| viso_view(v, td)).collect();
    let mut c = ctx(&user, "nav_sites", format!("VISO: {}", s.name));
    c.flash = crate::pages::flash_of(&q);
    let may_write = matches!(user.role, Role::Consultant | Role::TeamLeader) && user.scopes.is_none();
    Ok(viso_page(
        c,
        format!("VISO-henvendelser for {}", s.name),
        &format!("/steder/{}", urlencode(&site)),
        items,
        may_write,
    ))
}

fn new_viso(form: &CsrfForm) -> Result<NewViso, AppError> {
    let topic = form.get("topic").unwrap_or_default().trim().to_string();
    if !VISO_TOPICS.iter().any(|(c, _)| *c == topic) {
        return Err(AppError::bad("topic", "Vælg hvad rådgivningen drejer sig om."));
    }
    let question = form.get("question").unwrap_or_default().trim().to_string();
    if question.is_empty() {
        return Err(AppError::bad("question", "Skriv spørgsmålet til VISO."));
    }
    if question.chars().count() > 4000 {
        return Err(AppError::bad("question", "Spørgsmålet må højst være 4.000 tegn."));
    }
    let requested_on = date_field(form, "requested_on")?.unwrap_or_else(|| today(Utc::now()));
    if requested_on > today(Utc::now()) {
        return Err(AppError::bad("requested_on", "Datoen for henvendelsen kan ikke ligge i fremtiden."));
    }
    Ok(NewViso { child: None, site: None, topic, question, requested_on })
}

fn date_field(form: &CsrfForm, name: &str) -> Result<Option<NaiveDate>, AppError> {
    match form.get(name).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<NaiveDate>()
            .map(Some)
            .map_err(|_| AppError::bad(name, format!("\"{s}\" er ikke en dato (skriv åååå-mm-dd)."))),
    }
}

async fn create_child_viso(
    State(state): State<AppState>,
    Path(child): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = &form.user;
    crate::pages::check_writer(user)?;
    crate::access::open_child(&state, user, &child, Action::Record, "VISO-henvendelse oprettet").await?;
    let mut new = new_viso(&form)?;
    new.child = Some(child.clone());
    state.store.create_viso(&new, &Actor::new(&user.username, Utc::now())).await?;
    Ok(Redirect::to(&format!("/boern/{}/viso?ok=saved", urlencode(&child))).into_response())
}

async fn create_site_viso(
    State(state): State<AppState>,
    Path(site): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = &form.user;
    user.require(&[Role::Consultant, Role::TeamLeader])?;
    crate::pages::check_writer(user)?;
    if state.store.site(&site, Utc::now()).await?.is_none() {
        return Err(AppError::NotFound(format!("Anbringelsesstedet \"{site}\" findes ikke.")));
    }
    let mut new = new_viso(&form)?;
    new.site = Some(site.clone());
    state.store.create_viso(&new, &Actor::new(&user.username, Utc::now())).await?;
    Ok(Redirect::to(&format!("/steder/{}/viso?ok=saved", urlencode(&site))).into_response())
}

async fn update_viso(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, AppError> {
    let user = &form.user;
    crate::pages::check_writer(user)?;
    let found = state.store.visos(VisoScope::Id(&id)).await?;
    let v = found.first().ok_or_else(|| AppError::NotFound("VISO-henvendelsen findes ikke.".into()))?;
    let back = match (&v.child, &v.site) {
        (Some(child), _) => {
            crate::access::open_child(&state, user, child, Action::Record, "VISO-status ændret").await?;
            format!("/boern/{}/viso?ok=saved", urlencode(child))
        }
        (None, Some(site)) => {
            user.require(&[Role::Consultant, Role::TeamLeader])?;
            format!("/steder/{}/viso?ok=saved", urlencode(site))
        }
        (None, None) => return Err(AppError::Internal("VISO-henvendelse uden barn og sted".into())),
    };
    let status =
        form.get("status").and_then(VisoStatus::parse).ok_or_else(|| AppError::bad("status", "Vælg en status."))?;
    let change = VisoChange {
        status,
        answer_due: date_field(&form, "answer_due")?,
        answered_on: date_field(&form, "answered_on")?,
        advice: form.get("advice").map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned),
    };
    state.store.update_viso(&id, &change, &Actor::new(&user.username, Utc::now())).await?;
    Ok(Redirect::to(&back).into_response())
}

/// The municipality's referrals for leaders: topic, status and dates only (no question or advice text), each
/// linking to the child's or site's page where need-to-know decides.
async fn viso_overview(State(state): State<AppState>, user: AuthUser) -> Result<Response, AppError> {
    user.require(&[Role::TeamLeader, Role::Manager, Role::Consultant])?;
    let td = today(Utc::now());
    let code = state.store.municipality().to_string();
    let mut items: Vec<VisoView> =
        state.store.visos(VisoScope::Municipality(&code)).await?.iter().map(|v| viso_view(v, td)).collect();
    if user.role == Role::Consultant {
        items.retain(|v| v.site.is_some());
    }
    for v in &mut items {
        v.question.clear();
        v.advice = None;
    }
    Ok(VisoPage {
        ctx: ctx(&user, "nav_viso", "VISO-henvendelser"),
        heading: "VISO-henvendelser i kommunen".into(),
        back: "/".into(),
        create_action: String::new(),
        topics: VISO_TOPICS,
        statuses: viso_statuses(),
        items,
        today: td.to_string(),
        may_write: false,
        overview: true,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effect_text_reads_naturally() {
        assert!(effect_text(None).starts_with("Ingen indsatser"));
        let s = EffectSummary {
            interventions: 10,
            measured: 8,
            progressing: 6,
            ended: 4,
            goal_reached: 3,
            no_effect: 1,
            mean_days: 200.0,
        };
        let t = effect_text(Some(&s));
        assert!(t.starts_with("10 indsatser i kommunen, gennemsnitligt 200 dage; fremgang i målene for 6 af 8"), "{t}");
        assert!(t.contains("(75 %; 95 % KI 41 %–93 %)"), "{t}");
        assert!(t.ends_with("4 ophørt, heraf 3 med mål nået og 1 uden effekt."), "{t}");
    }

    #[test]
    fn facet_links_toggle_and_keep_the_search() {
        let mut qm = BTreeMap::new();
        qm.insert("q".to_string(), "forældre skole".to_string());
        qm.insert("trin".to_string(), "3".to_string());
        assert_eq!(href_with(&qm, "evidens", "rct"), "/metoder?evidens=rct&q=for%C3%A6ldre+skole&trin=3");
        assert_eq!(href_with(&qm, "trin", "3"), "/metoder?q=for%C3%A6ldre+skole");
    }
}
