//! National statistics (issue 8): a municipality's indicators for a calendar year, computed from its journal and
//! published through disclosure control as a versioned indicator file (JSON, with a CSV twin). The national side of
//! Værn reads only these files — aggregates, never a child. Pure.
//!
//! Counts of children with 1–4 children are suppressed, and two-way tables get secondary suppression
//! ([`crate::disclosure`]) so that no suppressed cell can be computed from the published totals. The format is
//! described in `docs/statistics.md`.

use crate::disclosure::{protect, Protected, Table};
use crate::economy::{monthly_spend, LadderMap};
use crate::effect::{interventions, summarise};
use crate::event::{Body, Event, InterventionKind, PlacementType, Ref};
use crate::knowledge::AGE_GROUPS;
use crate::municipality::MunicipalityCode;
use crate::obligation::Status;
use crate::rules::{id, obligations, RulePack};
use crate::supervision::council::council_report_with;
use crate::time::AsOf;
use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The file format's name and version: a reader refuses files of another format or a newer version.
pub const FORMAT: &str = "vaern-indikatorer";
pub const VERSION: u32 = 1;
/// Counts of fewer children than this are suppressed.
pub const MIN_CELL: u64 = 5;

/// A published count: `None` when suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Count {
    pub id: String,
    pub label: String,
    pub value: Option<u64>,
}

/// A published two-way table: the disclosure-controlled cells and margins (`None` = suppressed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedTable {
    pub id: String,
    pub title: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub cells: Vec<Vec<Option<u64>>>,
    pub row_totals: Vec<Option<u64>>,
    pub col_totals: Vec<Option<u64>>,
    pub total: Option<u64>,
}

impl PublishedTable {
    fn of(id: &str, title: &str, t: &Table, p: Protected) -> PublishedTable {
        PublishedTable {
            id: id.into(),
            title: title.into(),
            rows: t.rows.clone(),
            cols: t.cols.clone(),
            cells: p.cells,
            row_totals: p.row_totals,
            col_totals: p.col_totals,
            total: p.total,
        }
    }
}

/// Spend on one step of the intervention ladder in the year (kroner; amounts are not counts of children).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    pub step: String,
    pub label: String,
    pub dkk: f64,
}

/// A municipality's indicator file for one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorFile {
    pub format: String,
    pub version: u32,
    pub municipality: String,
    pub name: String,
    pub region: u16,
    pub year: i32,
    /// The day the figures were computed for (31 December, or earlier for the current year).
    pub as_of: NaiveDate,
    pub min_cell: u64,
    /// Children with a notification, an investigation, a preventive measure, a placement in the year.
    pub children: Vec<Count>,
    /// Placements by type, gender and consent against age group; compliance per rule.
    pub tables: Vec<PublishedTable>,
    /// The legal basis of each rule in the compliance table (rule id → § as the catalogue cites it).
    pub laws: BTreeMap<String, String>,
    /// Supervision visits held against required, foster-family training and supervision, danger signals.
    pub supervision: Vec<Count>,
    pub cost_by_step: Vec<Spend>,
    /// Interventions measured and progressing (goals scored at two or more follow-ups).
    pub effect: Vec<Count>,
}

pub const AGE_LABELS: [&str; 5] = ["0–5 år", "6–11 år", "12–14 år", "15–17 år", "18–22 år"];
pub const COMPLIANCE_COLS: [&str; 3] = ["met", "late", "overdue"];

fn age_group(birth: NaiveDate, on: NaiveDate) -> Option<usize> {
    let age = crate::supervision::age_on(birth, on);
    AGE_GROUPS.iter().position(|(lo, hi)| (u32::from(*lo)..=u32::from(*hi)).contains(&age))
}

/// The events of each municipality: its children's events (by `child_registered.municipality`), and the events of
/// the sites registered there or used by its children. Corrections go with the events they correct.
pub fn split_by_municipality(events: &[Event]) -> BTreeMap<MunicipalityCode, Vec<Event>> {
    let targets = targets(events);
    let mut out = sized(&targets);
    for (e, to) in events.iter().zip(&targets) {
        for m in to.iter() {
            out[m].push(e.clone());
        }
    }
    collect(out)
}

/// Where an event goes: nowhere, to one municipality (a child's event), or to several (a shared site's); as
/// [`MunicipalityCode::index`].
enum Target {
    None,
    One(u8),
    Many(Box<[u8]>),
}

impl Target {
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let (one, many): (Option<u8>, &[u8]) = match self {
            Target::None => (None, &[]),
            Target::One(m) => (Some(*m), &[]),
            Target::Many(v) => (None, v),
        };
        one.into_iter().chain(many.iter().copied()).map(usize::from)
    }
}

/// One vector per municipality (by index), allocated once at its final size.
fn sized(targets: &[Target]) -> Vec<Vec<Event>> {
    let mut count = vec![0usize; crate::municipality::MUNICIPALITY_COUNT];
    for t in targets {
        for m in t.iter() {
            count[m] += 1;
        }
    }
    count.into_iter().map(Vec::with_capacity).collect()
}

/// The non-empty vectors by municipality.
fn collect(out: Vec<Vec<Event>>) -> BTreeMap<MunicipalityCode, Vec<Event>> {
    MunicipalityCode::all().zip(out).filter(|(_, v)| !v.is_empty()).collect()
}

/// For each event, the municipalities it belongs to.
fn targets(events: &[Event]) -> Vec<Target> {
    use rayon::prelude::*;
    let idx = |m: &MunicipalityCode| m.index() as u8;
    let mut child_muni: FxHashMap<&str, u8> = FxHashMap::default();
    let mut site_muni: FxHashMap<&str, u8> = FxHashMap::default();
    let mut uses: FxHashMap<&str, Vec<u8>> = FxHashMap::default();
    for e in events {
        match (&e.body, &e.child) {
            (Body::ChildRegistered { municipality, .. }, Some(c)) => {
                child_muni.insert(c.as_str(), idx(municipality));
            }
            (Body::SiteRegistered { site, municipality: Some(m), .. }, _) => {
                site_muni.insert(site.as_str(), idx(m));
            }
            _ => {}
        }
    }
    for e in events {
        if let (Body::PlacementStarted { site, .. }, Some(c)) = (&e.body, &e.child) {
            if let Some(m) = child_muni.get(c.as_str()) {
                let v = uses.entry(site.as_str()).or_default();
                if !v.contains(m) {
                    v.push(*m);
                }
            }
        }
    }
    events
        .par_iter()
        .with_min_len(4096)
        .map(|e| {
            if let Some(c) = &e.child {
                return child_muni.get(c.as_str()).map_or(Target::None, |m| Target::One(*m));
            }
            let Some(site) = e.site() else { return Target::None };
            let mut to: Vec<u8> = uses.get(site).cloned().unwrap_or_default();
            if let Some(m) = site_muni.get(site) {
                if !to.contains(m) {
                    to.push(*m);
                }
            }
            to.sort_unstable();
            match to.as_slice() {
                [] => Target::None,
                [m] => Target::One(*m),
                _ => Target::Many(to.into_boxed_slice()),
            }
        })
        .collect()
}

/// The events of each municipality (see [`split_by_municipality`]), taking the journal: a child's event is moved to
/// its municipality, only a site's events are copied (to every municipality using the site).
pub fn split_owned(events: Vec<Event>) -> BTreeMap<MunicipalityCode, Vec<Event>> {
    let targets = targets(&events);
    let mut out = sized(&targets);
    for (e, to) in events.into_iter().zip(targets) {
        match to {
            Target::None => {}
            Target::One(m) => out[usize::from(m)].push(e),
            Target::Many(many) => {
                for m in many.iter() {
                    out[usize::from(*m)].push(e.clone());
                }
            }
        }
    }
    collect(out)
}

/// A placement as the indicators need it: type, consent, start, end.
type PlacementSpan = (PlacementType, bool, NaiveDate, Option<NaiveDate>);

/// The unprotected indicators (for tests and the rollup-equals-union check; never written to a file).
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    pub municipality: MunicipalityCode,
    pub year: i32,
    pub as_of: NaiveDate,
    pub children: Vec<(&'static str, &'static str, u64)>,
    pub tables: Vec<(&'static str, &'static str, Table)>,
    pub laws: BTreeMap<String, String>,
    pub supervision: Vec<(&'static str, &'static str, u64)>,
    pub cost_by_step: Vec<(String, String, f64)>,
    pub effect: Vec<(&'static str, &'static str, u64)>,
}

/// A registered child: birth date, gender and municipality.
struct Kid {
    birth: NaiveDate,
    gender: Option<crate::cpr::Gender>,
    municipality: MunicipalityCode,
}

/// The registered children, and each child placed during the year (a placement running at some point in
/// `first..=end`) with the placement that started last: type, consent, start.
#[allow(clippy::type_complexity)]
fn placed_children(
    events: &[Event],
    first: NaiveDate,
    end: NaiveDate,
) -> (FxHashMap<&Ref, Kid>, BTreeMap<&Ref, (PlacementType, bool, NaiveDate)>) {
    let mut kids: FxHashMap<&Ref, Kid> = FxHashMap::default();
    // Placement id → (child, type, consent, start, end).
    let mut placements: FxHashMap<(&Ref, &Ref), PlacementSpan> = FxHashMap::default();
    for e in events.iter().filter(|e| e.at.date() <= end) {
        let Some(c) = &e.child else { continue };
        match &e.body {
            Body::ChildRegistered { birth_date, gender, municipality, .. } => {
                kids.insert(c, Kid { birth: *birth_date, gender: *gender, municipality: *municipality });
            }
            Body::PlacementStarted { placement, placement_type, consent, .. } => {
                placements.insert((c, placement), (*placement_type, *consent, e.at.date(), None));
            }
            Body::PlacementEnded { placement, .. } => {
                if let Some(p) = placements.get_mut(&(c, placement)) {
                    p.3 = Some(e.at.date());
                }
            }
            _ => {}
        }
    }
    let mut last: BTreeMap<&Ref, (NaiveDate, &Ref, PlacementType, bool)> = BTreeMap::new();
    for ((c, p), (t, consent, start, stop)) in &placements {
        if *start > end || stop.is_some_and(|s| s < first) {
            continue;
        }
        // The latest start wins; on the same day the greater placement id (deterministic whatever the map order).
        let keep = last.get(c).is_none_or(|x| (x.0, x.1) < (*start, *p));
        if keep {
            last.insert(c, (*start, p, *t, *consent));
        }
    }
    let placed = last.into_iter().map(|(c, (start, _, t, consent))| (c, (t, consent, start))).collect();
    (kids, placed)
}

/// An empty placements-by-type-and-age table.
fn type_age_table() -> Table {
    Table {
        rows: PlacementType::ALL.iter().map(|t| t.label_da().to_string()).collect(),
        cols: AGE_LABELS.iter().map(|s| s.to_string()).collect(),
        cells: vec![vec![0; AGE_LABELS.len()]; PlacementType::ALL.len()],
    }
}

fn type_index(t: PlacementType) -> usize {
    PlacementType::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

/// Children placed during `year` by placement type × age group (the indicator file's `placements_type_age`, before
/// disclosure control) for every municipality of a national journal, in one pass without splitting it. This is the
/// table `scripts/bench-stats` has DuckDB compute from the same JSON Lines.
pub fn placements_by_municipality(events: &[Event], year: i32, as_of: NaiveDate) -> BTreeMap<MunicipalityCode, Table> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX).min(as_of);
    let (kids, placed) = placed_children(events, first, end);
    let mut out: BTreeMap<MunicipalityCode, Table> = BTreeMap::new();
    for (c, (t, _, _)) in &placed {
        let Some(k) = kids.get(c) else { continue };
        let Some(a) = age_group(k.birth, end) else { continue };
        out.entry(k.municipality).or_insert_with(type_age_table).cells[type_index(*t)][a] += 1;
    }
    out
}

/// Compute a municipality's indicators for `year` from its events (see [`split_by_municipality`]), as of the end of
/// the year or `as_of`, whichever is earlier.
pub fn indicators(
    events: &[Event],
    pack: &RulePack,
    municipality: MunicipalityCode,
    year: i32,
    as_of: NaiveDate,
) -> Raw {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX).min(as_of);
    let in_year = |d: NaiveDate| d >= first && d <= end;

    let (kids, placed) = placed_children(events, first, end);
    let (mut notified, mut investigated) = (HashSet::new(), HashSet::new());
    for e in events.iter().filter(|e| in_year(e.at.date())) {
        let Some(c) = &e.child else { continue };
        match &e.body {
            Body::NotificationReceived { .. } => {
                notified.insert(c);
            }
            Body::InvestigationStarted { .. } => {
                investigated.insert(c);
            }
            _ => {}
        }
    }
    let records = interventions(events, end);
    let preventive: HashSet<&Ref> = records
        .iter()
        .filter(|r| InterventionKind::parse(&r.kind).is_some_and(|k| k != InterventionKind::Placement))
        .filter(|r| {
            let from = r.started.unwrap_or(r.decided);
            from <= end && r.ended.is_none_or(|x| x >= first)
        })
        .filter_map(|r| r.child.as_ref())
        .collect();
    let new_placements = placed.values().filter(|p| in_year(p.2)).count() as u64;

    let mut by_type = type_age_table();
    let genders = ["Pige", "Dreng", "Andet/ukendt"];
    let mut by_gender = Table {
        rows: genders.iter().map(|s| s.to_string()).collect(),
        cols: by_type.cols.clone(),
        cells: vec![vec![0; AGE_LABELS.len()]; genders.len()],
    };
    let consents = ["Med samtykke", "Uden samtykke"];
    let mut by_consent = Table {
        rows: consents.iter().map(|s| s.to_string()).collect(),
        cols: by_type.cols.clone(),
        cells: vec![vec![0; AGE_LABELS.len()]; consents.len()],
    };
    for (c, (t, consent, _)) in &placed {
        let Some(k) = kids.get(c) else { continue };
        let Some(a) = age_group(k.birth, end) else { continue };
        by_type.cells[type_index(*t)][a] += 1;
        let gi = match k.gender {
            Some(crate::cpr::Gender::Female) => 0,
            Some(crate::cpr::Gender::Male) => 1,
            _ => 2,
        };
        by_gender.cells[gi][a] += 1;
        by_consent.cells[usize::from(!consent)][a] += 1;
    }

    // Compliance per law rule: obligations due in the year, as of its end.
    let cut = AsOf::end_of(end);
    let list = obligations(events, cut, pack);
    let rules: Vec<&str> = id::LAW_RULES.to_vec();
    let mut compliance = Table {
        rows: rules.iter().map(|r| r.to_string()).collect(),
        cols: COMPLIANCE_COLS.iter().map(|s| s.to_string()).collect(),
        cells: vec![vec![0; 3]; rules.len()],
    };
    let mut laws = BTreeMap::new();
    for o in list.iter().filter(|o| in_year(o.due.date())) {
        let Some(ri) = rules.iter().position(|r| *r == o.rule) else { continue };
        let col = match o.status {
            Status::Met => 0,
            Status::Late => 1,
            Status::Overdue => 2,
            Status::Due => continue,
        };
        compliance.cells[ri][col] += 1;
        laws.entry(o.rule.to_string()).or_insert_with(|| o.law.to_string());
    }

    // Supervision, foster families and danger signals: the council report's figures.
    let council = council_report_with(events, &list, pack, municipality, year, cut);
    let v = &council.visits;
    let f = &council.foster;
    let s = &council.signals;
    let supervision = vec![
        ("visits_required", "Tilsynsbesøg krævet", u64::from(v.required)),
        ("visits_on_time", "Tilsynsbesøg holdt til tiden", u64::from(v.on_time)),
        ("visits_late", "Tilsynsbesøg holdt for sent", u64::from(v.late)),
        ("visits_missing", "Tilsynsbesøg ikke holdt", u64::from(v.missing)),
        ("foster_families", "Plejefamilier", u64::from(f.families)),
        ("foster_basic_course", "Plejefamilier med grundkursus", u64::from(f.basic_course)),
        ("foster_trained_in_year", "Plejefamilier med efteruddannelse i året", u64::from(f.trained_in_year)),
        ("foster_supervision_due", "Supervisioner krævet", u64::from(f.supervision_due)),
        ("foster_supervision_on_time", "Supervisioner til tiden", u64::from(f.supervision_on_time)),
        ("signals_raised", "Faresignaler", u64::from(s.raised)),
        ("signals_reacted_on_time", "Faresignaler reageret på til tiden", u64::from(s.reacted_on_time)),
        ("signals_open", "Faresignaler uden reaktion ved årets udgang", u64::from(s.open)),
    ];

    // Spend by ladder step and effect.
    let ladder: &LadderMap = &pack.ladder;
    let spend = monthly_spend(&records, year, end, |r| ladder.step(r.ladder_step, &r.kind, r.placement_type));
    let cost_by_step = crate::event::LadderStep::ALL
        .iter()
        .map(|st| {
            let total: i64 = spend.get(&Some(*st)).map(|m| m.iter().map(|o| o.0).sum()).unwrap_or(0);
            (st.as_str().to_string(), st.label_da().to_string(), total as f64 / 100.0)
        })
        .collect();
    let active: Vec<&crate::effect::InterventionRecord> =
        records.iter().filter(|r| r.ended.is_none_or(|x| x >= first)).collect();
    let sum = summarise(active.iter().copied(), end);
    Raw {
        municipality,
        year,
        as_of: end,
        children: vec![
            ("notified", "Børn med underretning i året", notified.len() as u64),
            ("investigated", "Børn med børnefaglig undersøgelse påbegyndt i året", investigated.len() as u64),
            ("preventive", "Børn med forebyggende foranstaltning i året", preventive.len() as u64),
            ("placed", "Børn anbragt i løbet af året", placed.len() as u64),
            ("new_placements", "Børn anbragt for første gang eller på ny i året", new_placements),
        ],
        tables: vec![
            ("placements_type_age", "Anbragte børn efter anbringelsestype og alder", by_type),
            ("placements_gender_age", "Anbragte børn efter køn og alder", by_gender),
            ("placements_consent_age", "Anbragte børn efter samtykke og alder", by_consent),
            ("compliance", "Overholdelse pr. lovkrav (forpligtelser med frist i året)", compliance),
        ],
        laws,
        supervision,
        cost_by_step,
        effect: vec![
            ("interventions", "Indsatser i gang i året", sum.interventions as u64),
            ("measured", "Indsatser med målt fremgang (≥ 2 scorede opfølgninger)", sum.measured as u64),
            ("progressing", "Indsatser hvor målene rykker", sum.progressing as u64),
        ],
    }
}

/// The compliance table counts the municipality's obligations — its own acts, on time or not — rather than
/// children with a characteristic, so it is protected by rule: a rule with fewer than `min` obligations in the year
/// has its whole row suppressed (the few cases behind it could be recognised); otherwise the row is published in
/// full. Cell-level suppression would hide exactly the municipalities with a few late cases and bias the national
/// shares towards 100 %.
fn protect_rows(t: &Table, min: u64) -> Protected {
    let mut p = Protected {
        cells: Vec::new(),
        row_totals: Vec::new(),
        col_totals: vec![Some(0); t.cols.len()],
        total: Some(0),
        min,
        primary: 0,
        secondary: 0,
    };
    for row in &t.cells {
        let n: u64 = row.iter().sum();
        let shown = n == 0 || n >= min;
        p.cells.push(row.iter().map(|v| shown.then_some(*v)).collect());
        p.row_totals.push(shown.then_some(n));
        if shown {
            for (c, v) in row.iter().enumerate() {
                p.col_totals[c] = p.col_totals[c].map(|x| x + v);
            }
            p.total = p.total.map(|x| x + n);
        } else {
            p.primary += 1;
        }
    }
    p
}

/// A count published only when it is 0 or at least [`MIN_CELL`].
fn count(id: &str, label: &str, v: u64) -> Count {
    Count { id: id.into(), label: label.into(), value: (v == 0 || v >= MIN_CELL).then_some(v) }
}

impl Raw {
    /// The file to publish: every count and table through disclosure control.
    pub fn publish(&self) -> IndicatorFile {
        let tables = self
            .tables
            .iter()
            .map(|(id, title, t)| {
                if *id == "compliance" {
                    return PublishedTable::of(id, title, t, protect_rows(t, MIN_CELL));
                }
                // The tables are built here with matching shapes, so protection cannot fail; an empty table would.
                let p = protect(t, MIN_CELL).unwrap_or_else(|_| Protected {
                    cells: t.cells.iter().map(|r| r.iter().map(|_| None).collect()).collect(),
                    row_totals: vec![None; t.rows.len()],
                    col_totals: vec![None; t.cols.len()],
                    total: None,
                    min: MIN_CELL,
                    primary: 0,
                    secondary: 0,
                });
                PublishedTable::of(id, title, t, p)
            })
            .collect();
        IndicatorFile {
            format: FORMAT.into(),
            version: VERSION,
            municipality: self.municipality.to_string(),
            name: self.municipality.name().into(),
            region: self.municipality.region().code(),
            year: self.year,
            as_of: self.as_of,
            min_cell: MIN_CELL,
            children: self.children.iter().map(|(i, l, v)| count(i, l, *v)).collect(),
            tables,
            laws: self.laws.clone(),
            supervision: self.supervision.iter().map(|(i, l, v)| count(i, l, *v)).collect(),
            cost_by_step: self
                .cost_by_step
                .iter()
                .map(|(s, l, d)| Spend { step: s.clone(), label: l.clone(), dkk: *d })
                .collect(),
            effect: self.effect.iter().map(|(i, l, v)| count(i, l, *v)).collect(),
        }
    }
}

impl IndicatorFile {
    /// The file as pretty JSON (stable field order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The CSV twin: one line per number — `afsnit;id;række;kolonne;værdi` with an empty value where suppressed.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("kommune;år;afsnit;id;række;kolonne;værdi\n");
        let mut line = |section: &str, id: &str, row: &str, col: &str, v: String| {
            let esc = |s: &str| {
                if s.contains([';', '"', '\n']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.into()
                }
            };
            out.push_str(&format!(
                "{};{};{};{};{};{};{}\n",
                self.municipality,
                self.year,
                section,
                esc(id),
                esc(row),
                esc(col),
                v
            ));
        };
        let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
        for c in &self.children {
            line("børn", &c.id, &c.label, "", opt(c.value));
        }
        for t in &self.tables {
            for (r, row) in t.rows.iter().enumerate() {
                for (k, col) in t.cols.iter().enumerate() {
                    line("tabel", &t.id, row, col, opt(t.cells[r][k]));
                }
                line("tabel", &t.id, row, "I alt", opt(t.row_totals[r]));
            }
            for (k, col) in t.cols.iter().enumerate() {
                line("tabel", &t.id, "I alt", col, opt(t.col_totals[k]));
            }
            line("tabel", &t.id, "I alt", "I alt", opt(t.total));
        }
        for c in &self.supervision {
            line("tilsyn", &c.id, &c.label, "", opt(c.value));
        }
        for s in &self.cost_by_step {
            line("udgift", &s.step, &s.label, "kr.", format!("{:.2}", s.dkk));
        }
        for c in &self.effect {
            line("effekt", &c.id, &c.label, "", opt(c.value));
        }
        out
    }

    /// Read and check a file: format and version, municipality code and name, year, and the shape of every table.
    /// The error names the field at fault, in Danish.
    pub fn parse(text: &str) -> Result<IndicatorFile, String> {
        let f: IndicatorFile =
            serde_json::from_str(text).map_err(|e| format!("ikke en indikatorfil (linje {}): {e}", e.line()))?;
        if f.format != FORMAT {
            return Err(format!("feltet \"format\": \"{}\" er ikke \"{FORMAT}\"", f.format));
        }
        if f.version == 0 || f.version > VERSION {
            return Err(format!(
                "feltet \"version\": version {} kendes ikke (denne Værn læser 1–{VERSION})",
                f.version
            ));
        }
        let code = MunicipalityCode::parse(&f.municipality).map_err(|e| format!("feltet \"municipality\": {e}"))?;
        if code.name() != f.name {
            return Err(format!(
                "feltet \"name\": \"{}\" er ikke navnet på kommune {} ({})",
                f.name,
                code,
                code.name()
            ));
        }
        if code.region().code() != f.region {
            return Err(format!(
                "feltet \"region\": {} er ikke {}s region ({})",
                f.region,
                code.name(),
                code.region().code()
            ));
        }
        if !(2000..=2100).contains(&f.year) {
            return Err(format!("feltet \"year\": {} er ikke et år", f.year));
        }
        if f.as_of.year() != f.year {
            return Err(format!("feltet \"as_of\": {} ligger ikke i år {}", f.as_of, f.year));
        }
        for t in &f.tables {
            let ok = t.cells.len() == t.rows.len()
                && t.cells.iter().all(|r| r.len() == t.cols.len())
                && t.row_totals.len() == t.rows.len()
                && t.col_totals.len() == t.cols.len();
            if !ok {
                return Err(format!(
                    "feltet \"tables\": tabellen \"{}\" har ikke lige mange rækker og kolonner overalt",
                    t.id
                ));
            }
            let small = |v: &Option<u64>| v.is_some_and(|x| x > 0 && x < f.min_cell);
            let cells_small = t.id != "compliance" && t.cells.iter().flatten().any(small);
            if cells_small || t.row_totals.iter().any(small) {
                return Err(format!(
                    "feltet \"tables\": tabellen \"{}\" viser tal under {} (diskretionering mangler)",
                    t.id, f.min_cell
                ));
            }
        }
        Ok(f)
    }

    pub fn code(&self) -> Option<MunicipalityCode> {
        MunicipalityCode::parse(&self.municipality).ok()
    }

    pub fn table(&self, id: &str) -> Option<&PublishedTable> {
        self.tables.iter().find(|t| t.id == id)
    }

    pub fn count(&self, id: &str) -> Option<u64> {
        self.children.iter().chain(&self.supervision).chain(&self.effect).find(|c| c.id == id).and_then(|c| c.value)
    }
}

/// An answer to one of KL's 2011 questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Answer {
    /// 95 % or more.
    Yes,
    /// 75–95 %.
    Partly,
    /// Under 75 %.
    No,
    /// No figure (suppressed, or nothing to measure).
    Unknown,
}

impl Answer {
    pub fn label_da(self) -> &'static str {
        match self {
            Answer::Yes => "Ja",
            Answer::Partly => "Delvist",
            Answer::No => "Nej",
            Answer::Unknown => "Kan ikke opgøres",
        }
    }

    fn of(hits: Option<u64>, n: Option<u64>) -> (Answer, Option<f64>) {
        match (hits, n) {
            (Some(h), Some(n)) if n > 0 => {
                let s = h as f64 / n as f64;
                (
                    if s >= 0.95 {
                        Answer::Yes
                    } else if s >= 0.75 {
                        Answer::Partly
                    } else {
                        Answer::No
                    },
                    Some(s),
                )
            }
            _ => (Answer::Unknown, None),
        }
    }
}

/// One of KL's questions answered from the data, with the figures behind the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyAnswer {
    pub question: &'static str,
    pub answer: Answer,
    pub share: Option<f64>,
    /// "412 af 431 plejefamilier har grundkursus" …
    pub figures: String,
    /// The § or guideline behind the question.
    pub basis: String,
}

/// KL's 2011 questions to the municipalities about placed children ("Kommunernes styring af anbringelsesområdet"),
/// answered from a municipality's indicator file: are the foster families trained and supervised, are the required
/// supervision visits held, are the special interventions documented (investigation, plan, conversation, follow-up)?
/// Thresholds: "Ja" at 95 % or more, "Delvist" 75–95 %, "Nej" below.
pub fn kl_survey(f: &IndicatorFile) -> Vec<SurveyAnswer> {
    let rule = |id: &str| -> (Option<u64>, Option<u64>) {
        f.table("compliance")
            .and_then(|t| t.rows.iter().position(|r| r == id).map(|r| (t.cells[r][0], t.row_totals[r])))
            .unwrap_or((None, None))
    };
    let law = |id: &str| f.laws.get(id).cloned().unwrap_or_default();
    let text = |h: Option<u64>, n: Option<u64>, what: &str| match (h, n) {
        (Some(h), Some(n)) => format!("{h} af {n} {what}"),
        (_, Some(0)) => format!("ingen {what} i året"),
        _ => format!("færre end 5 {what} (diskretioneret)"),
    };
    let mut out = Vec::new();
    let mut push = |question: &'static str, h: Option<u64>, n: Option<u64>, what: &str, basis: String| {
        let (answer, share) = Answer::of(h, n);
        out.push(SurveyAnswer { question, answer, share, figures: text(h, n, what), basis });
    };
    push(
        "Har kommunens plejefamilier det lovpligtige grundkursus?",
        f.count("foster_basic_course"),
        f.count("foster_families"),
        "plejefamilier har grundkursus",
        "Barnets lov § 55 / kommunens retningslinje".into(),
    );
    push(
        "Får plejefamilierne supervision som aftalt?",
        f.count("foster_supervision_on_time"),
        f.count("foster_supervision_due"),
        "supervisioner holdt til tiden",
        "Kommunens retningslinje for supervision".into(),
    );
    let held = match (f.count("visits_on_time"), f.count("visits_late")) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    push(
        "Bliver de lovpligtige tilsynsbesøg holdt (to om året)?",
        held,
        f.count("visits_required"),
        "krævede tilsynsbesøg holdt",
        law(id::SUPERVISION_VISITS),
    );
    let (h, n) = rule(id::INVESTIGATION_4_MONTHS);
    push(
        "Bliver de børnefaglige undersøgelser afsluttet inden for 4 måneder?",
        h,
        n,
        "undersøgelser til tiden",
        law(id::INVESTIGATION_4_MONTHS),
    );
    let (h, n) = rule(id::CHILD_PLAN);
    push(
        "Er der en handleplan/barnets plan, når der iværksættes en indsats?",
        h,
        n,
        "planer til tiden",
        law(id::CHILD_PLAN),
    );
    let (h, n) = rule(id::CONVERSATION);
    push("Tales der med barnet før afgørelsen?", h, n, "børnesamtaler før afgørelse", law(id::CONVERSATION));
    let (h, n) = rule(id::FOLLOW_UP);
    push("Bliver der fulgt op på indsatserne til tiden?", h, n, "opfølgninger til tiden", law(id::FOLLOW_UP));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{generate, SynthConfig};

    fn national(children: usize) -> Vec<Event> {
        let until = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        generate(&SynthConfig { children, seed: 11, until, ..SynthConfig::default() })
    }

    #[test]
    fn indicators_are_published_without_small_numbers_and_round_trip() {
        let events = national(6000);
        let split = split_by_municipality(&events);
        let code = MunicipalityCode::parse("101").unwrap();
        let pack = RulePack::default_pack();
        let raw = indicators(&split[&code], &pack, code, 2025, NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(raw.as_of, NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        let placed = raw.children.iter().find(|c| c.0 == "placed").unwrap().2;
        assert!(placed > 20, "København should have placed children: {placed}");
        let by_type = &raw.tables[0].2;
        let total: u64 = by_type.cells.iter().flatten().sum();
        assert_eq!(total, placed, "every placed child is in the type × age table once");
        let f = raw.publish();
        for t in f.tables.iter().filter(|t| t.id != "compliance") {
            for v in t.cells.iter().flatten().chain(&t.row_totals).chain(&t.col_totals).flatten() {
                assert!(*v == 0 || *v >= MIN_CELL, "{} publishes {v}", t.id);
            }
        }
        // Compliance: a rule is published whole when it has at least 5 obligations, else not at all.
        let c = f.table("compliance").unwrap();
        for (r, n) in c.row_totals.iter().enumerate() {
            match n {
                Some(n) => assert!(*n == 0 || *n >= MIN_CELL),
                None => assert!(c.cells[r].iter().all(Option::is_none)),
            }
        }
        assert!(raw.laws.values().any(|l| l.contains('§')), "{:?}", raw.laws);
        let back = IndicatorFile::parse(&f.to_json()).unwrap();
        assert_eq!(back, f);
        assert!(f.to_csv().lines().count() > 100);
        assert!(f.to_csv().starts_with("kommune;år;afsnit"));
    }

    #[test]
    fn kl_questions_are_answered_from_the_figures() {
        let events = national(6000);
        let split = split_by_municipality(&events);
        let code = MunicipalityCode::parse("101").unwrap();
        let until = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let f = indicators(&split[&code], &RulePack::default_pack(), code, 2025, until).publish();
        let answers = kl_survey(&f);
        assert_eq!(answers.len(), 7);
        for a in &answers {
            match a.share {
                Some(s) if s >= 0.95 => assert_eq!(a.answer, Answer::Yes, "{a:?}"),
                Some(s) if s >= 0.75 => assert_eq!(a.answer, Answer::Partly, "{a:?}"),
                Some(_) => assert_eq!(a.answer, Answer::No, "{a:?}"),
                None => assert_eq!(a.answer, Answer::Unknown, "{a:?}"),
            }
        }
        let visits = &answers[2];
        let (on_time, late, required) =
            (f.count("visits_on_time").unwrap(), f.count("visits_late").unwrap(), f.count("visits_required").unwrap());
        assert_eq!(visits.figures, format!("{} af {required} krævede tilsynsbesøg holdt", on_time + late));
        assert!(answers[3].basis.contains('§'), "{:?}", answers[3]);
        assert_eq!(Answer::of(Some(3), Some(4)).0, Answer::Partly);
        assert_eq!(Answer::of(None, Some(40)).0, Answer::Unknown);
    }

    #[test]
    fn bad_files_name_the_field() {
        let events = national(1500);
        let split = split_by_municipality(&events);
        let code = *split.keys().next().unwrap();
        let raw = indicators(
            &split[&code],
            &RulePack::default_pack(),
            code,
            2025,
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        );
        let good = raw.publish().to_json();
        let bad = |from: &str, to: &str| IndicatorFile::parse(&good.replacen(from, to, 1)).unwrap_err();
        assert!(bad("\"version\": 1", "\"version\": 7").contains("\"version\""));
        assert!(bad("vaern-indikatorer", "noget-andet").contains("\"format\""));
        assert!(bad(&format!("\"municipality\": \"{code}\""), "\"municipality\": \"999\"").contains("\"municipality\""));
        assert!(bad("\"year\": 2025", "\"year\": 2024").contains("\"as_of\""));
        assert!(IndicatorFile::parse("{").unwrap_err().contains("ikke en indikatorfil"));
    }

    #[test]
    fn every_child_and_site_event_lands_with_its_municipality() {
        let events: Vec<Event> = national(800)
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                e.id = Some(Ref::from(format!("e{i}").as_str()));
                e
            })
            .collect();
        let split = split_by_municipality(&events);
        assert_eq!(split_owned(events.clone()), split, "moving and copying split alike");
        let with_child = events.iter().filter(|e| e.child.is_some()).count();
        let split_children: usize = split.values().map(|v| v.iter().filter(|e| e.child.is_some()).count()).sum();
        assert_eq!(with_child, split_children, "each child event goes to exactly one municipality");
        assert!(split.len() > 20, "children spread over many municipalities: {}", split.len());
        // Each municipality's events keep the journal's order.
        let pos: std::collections::HashMap<String, usize> =
            events.iter().enumerate().filter_map(|(i, e)| e.id.as_ref().map(|id| (id.to_string(), i))).collect();
        for v in split.values() {
            let order: Vec<usize> =
                v.iter().filter_map(|e| e.id.as_ref().and_then(|id| pos.get(id.as_str()))).copied().collect();
            assert_eq!(order.len(), v.len());
            assert!(order.windows(2).all(|w| w[0] < w[1]), "a municipality's events out of the journal's order");
        }
    }

    #[test]
    fn the_national_placement_table_equals_each_municipality_s_own() {
        let events = national(4000);
        let until = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let pack = RulePack::default_pack();
        let national = placements_by_municipality(&events, 2025, until);
        let split = split_by_municipality(&events);
        let mut compared = 0;
        for (m, ev) in &split {
            let raw = indicators(ev, &pack, *m, 2025, until);
            let own = &raw.tables.iter().find(|t| t.0 == "placements_type_age").unwrap().2;
            match national.get(m) {
                Some(t) => assert_eq!(t.cells, own.cells, "{m}"),
                None => assert!(own.cells.iter().flatten().all(|v| *v == 0), "{m}"),
            }
            compared += 1;
        }
        assert!(compared > 50 && national.values().map(|t| t.cells.iter().flatten().sum::<u64>()).sum::<u64>() > 100);
    }
}
