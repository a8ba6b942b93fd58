//! The council report's figures as labelled rows, shared by the PDF (as Danish text, [`view`]) and the workbook
//! (as numbers with Excel formats, `xlsx.rs`), so that both say the same thing in the same words.

use crate::format;
use domain::supervision::report::{ApprovalRow, CouncilReport, FinanceRow, Foster, Operational, Signals, Visits};
use serde::Serialize;

/// The document's title.
pub fn title(r: &CouncilReport) -> String {
    format!("Årlig tilsynsrapport til kommunalbestyrelsen — {} {}", r.municipality, r.year)
}

/// A key figure's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Count(u32),
    /// 0–100.
    Percent(f64),
    /// A number with one decimal (hours, days).
    Decimal(f64),
    /// No such figure (e.g. no reactions, so no median).
    Missing,
}

impl Value {
    pub fn text(&self) -> String {
        match self {
            Value::Count(n) => format::int(i64::from(*n)),
            Value::Percent(p) => format::pct(*p),
            Value::Decimal(x) => format::dec(*x, 1),
            Value::Missing => format::NONE.to_string(),
        }
    }
}

/// One key figure: a label, its value, and optionally its share (0–100) of the figure it is part of.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub label: &'static str,
    pub value: Value,
    pub share: Option<f64>,
    /// Indented under the figure before it ("heraf …").
    pub part: bool,
}

fn fig(label: &'static str, value: Value) -> Figure {
    Figure { label, value, share: None, part: false }
}

/// `n` as part of `whole`, with its share when `whole` > 0.
fn part(label: &'static str, n: u32, whole: u32) -> Figure {
    let share = (whole > 0).then(|| f64::from(n) * 100.0 / f64::from(whole));
    Figure { label, value: Value::Count(n), share, part: true }
}

pub fn visit_figures(v: &Visits) -> Vec<Figure> {
    vec![
        fig("Børn anbragt i løbet af året", Value::Count(v.placed_children)),
        fig("Lovpligtige tilsynsbesøg med frist i året", Value::Count(v.required)),
        part("heraf afholdt rettidigt", v.on_time, v.required),
        part("heraf afholdt for sent", v.late, v.required),
        part("heraf ikke afholdt", v.missing, v.required),
        fig("Tilsynsbesøg afholdt i året i alt", Value::Count(v.held)),
        fig("Besøg hvor barnet blev talt med alene", Value::Percent(v.spoken_alone_pct)),
    ]
}

pub fn foster_figures(f: &Foster) -> Vec<Figure> {
    vec![
        fig("Godkendte plejefamilier i året", Value::Count(f.families)),
        part("heraf med grundkursus", f.basic_course, f.families),
        part("heraf efteruddannet i året", f.trained_in_year, f.families),
        fig("Timers efteruddannelse i året", Value::Decimal(f.training_hours)),
        fig("Supervisionsforløb afholdt i året", Value::Count(f.supervision_sessions)),
        fig("Supervisionsfrister i året", Value::Count(f.supervision_due)),
        part("heraf rettidige", f.supervision_on_time, f.supervision_due),
        part("heraf for sent", f.supervision_late, f.supervision_due),
        part("heraf ikke afholdt", f.supervision_missing, f.supervision_due),
        fig("Plejefamilier bagud ved årets udgang", Value::Count(u32::try_from(f.behind.len()).unwrap_or(u32::MAX))),
    ]
}

pub fn operational_figures(o: &Operational) -> Vec<Figure> {
    let held = o.announced.saturating_add(o.unannounced);
    vec![
        fig("Driftsorienterede tilsyn med frist i året", Value::Count(o.due)),
        part("heraf rettidige", o.on_time, o.due),
        part("heraf for sent", o.late, o.due),
        part("heraf ikke afholdt", o.missing, o.due),
        fig("Tilsynsbesøg afholdt i året", Value::Count(held)),
        part("heraf anmeldte", o.announced, held),
        part("heraf uanmeldte", o.unannounced, held),
    ]
}

pub fn signal_figures(s: &Signals) -> Vec<Figure> {
    vec![
        fig("Faresignaler modtaget i året", Value::Count(s.raised)),
        part("heraf reageret på inden for fristen", s.reacted_on_time, s.raised),
        part("heraf reageret på efter fristen", s.reacted_late, s.raised),
        part("heraf uden reaktion ved årets udgang", s.open, s.raised),
        part("heraf videregivet til Socialtilsynet", s.socialtilsyn_notified, s.raised),
        fig(
            "Median reaktionstid (arbejdsdage)",
            s.median_reaction_days.filter(|d| d.is_finite()).map_or(Value::Missing, Value::Decimal),
        ),
    ]
}

/// Occupancy (0–100) of an approval row, if it has places.
pub fn occupancy(a: &ApprovalRow) -> Option<f64> {
    (a.places > 0).then(|| f64::from(a.occupied) * 100.0 / f64::from(a.places))
}

/// The sums of the finance rows: (revenue, costs, number of homes with breaches).
pub fn finance_totals(rows: &[FinanceRow]) -> (f64, f64, usize) {
    let revenue = rows.iter().map(|f| f.revenue_dkk).filter(|x| x.is_finite()).sum();
    let costs = rows.iter().map(|f| f.costs_dkk).filter(|x| x.is_finite()).sum();
    (revenue, costs, rows.iter().filter(|f| !f.breaches.is_empty()).count())
}

// ---- the PDF's `fmt` input: every figure as Danish text ----

#[derive(Serialize)]
pub struct View {
    title: String,
    heading: &'static str,
    subheading: String,
    municipality: String,
    municipality_code: String,
    as_of: String,
    approvals: Vec<[String; 9]>,
    approvals_total: [String; 9],
    visits: Vec<FigureText>,
    visits_law: String,
    quarters: Vec<[String; 4]>,
    foster: Vec<FigureText>,
    foster_guideline: String,
    behind: Vec<[String; 3]>,
    operational: Vec<FigureText>,
    signals: Vec<FigureText>,
    by_source: Vec<[String; 3]>,
    by_severity: Vec<[String; 3]>,
    finances: Vec<FinanceText>,
    finance_summary: String,
    visits_status: [String; 3],
    foster_status: [String; 3],
    operational_status: [String; 3],
    signals_status: [String; 3],
}

fn status(a: u32, b: u32, c: u32) -> [String; 3] {
    [a, b, c].map(|n| format::int(i64::from(n)))
}

#[derive(Serialize)]
struct FigureText {
    label: &'static str,
    value: String,
    share: String,
    part: bool,
}

#[derive(Serialize)]
struct FinanceText {
    name: String,
    site: String,
    revenue: String,
    costs: String,
    profit: String,
    margin: String,
    equity: String,
    places: String,
    per_place_day: String,
    remarks: Vec<String>,
    flagged: bool,
}

/// A text from the domain with its units kept on the figure's line ("10 %" → "10\u{a0}%").
fn keep_together(s: &str) -> String {
    s.replace(" %", "\u{a0}%").replace(" kr.", "\u{a0}kr.")
}

fn texts(figures: Vec<Figure>) -> Vec<FigureText> {
    figures
        .into_iter()
        .map(|f| FigureText {
            label: f.label,
            value: f.value.text(),
            share: f.share.map(format::pct).unwrap_or_default(),
            part: f.part,
        })
        .collect()
}

fn approval_texts(a: &ApprovalRow) -> [String; 9] {
    let n = |x: u32| format::int(i64::from(x));
    [
        a.site_type.clone(),
        n(a.sites),
        n(a.approved_end),
        n(a.approved_in_year),
        n(a.revoked_in_year),
        n(a.expiring_soon),
        n(a.places),
        n(a.occupied),
        occupancy(a).map_or_else(|| format::NONE.to_string(), format::pct),
    ]
}

fn counts_with_share(rows: &[domain::supervision::report::CountRow]) -> Vec<[String; 3]> {
    let total: u32 = rows.iter().map(|c| c.count).fold(0, u32::saturating_add);
    rows.iter().map(|c| [c.label.clone(), format::int(i64::from(c.count)), format::share(c.count, total)]).collect()
}

pub fn view(r: &CouncilReport) -> View {
    let opt_amount = |x: Option<f64>| x.map_or_else(|| format::NONE.to_string(), format::amount);
    let (revenue, costs, flagged) = finance_totals(&r.finances);
    let finance_summary = if r.finances.is_empty() {
        String::new()
    } else {
        // No final full stop: the sentence ends with "kr.".
        format!(
            "{} opholdssteder med regnskab for året, heraf {} med overskridelser af kommunens grænser. Samlet \
             omsætning: {}; samlede omkostninger: {}",
            format::int(r.finances.len() as i64),
            format::int(flagged as i64),
            format::kr(revenue),
            format::kr(costs),
        )
    };
    View {
        title: title(r),
        heading: "Årlig tilsynsrapport til kommunalbestyrelsen",
        subheading: format!("{} {}", r.municipality, r.year),
        municipality: r.municipality.clone(),
        municipality_code: r.municipality_code.clone(),
        as_of: format::date_long(&r.as_of),
        approvals: r.approvals.rows.iter().map(approval_texts).collect(),
        approvals_total: approval_texts(&r.approvals.total),
        visits: texts(visit_figures(&r.visits)),
        visits_law: r.visits.law.clone(),
        quarters: r
            .visits
            .by_quarter
            .iter()
            .map(|q| {
                [
                    q.quarter.clone(),
                    format::int(i64::from(q.required)),
                    format::int(i64::from(q.on_time)),
                    format::share(q.on_time, q.required),
                ]
            })
            .collect(),
        foster: texts(foster_figures(&r.foster)),
        foster_guideline: r.foster.guideline.clone(),
        behind: r.foster.behind.iter().map(|b| [b.name.clone(), b.site_type.clone(), b.issue.clone()]).collect(),
        operational: texts(operational_figures(&r.operational)),
        signals: texts(signal_figures(&r.signals)),
        by_source: counts_with_share(&r.signals.by_source),
        by_severity: counts_with_share(&r.signals.by_severity),
        finances: r
            .finances
            .iter()
            .map(|f| FinanceText {
                name: f.name.clone(),
                site: f.site.clone(),
                revenue: format::amount(f.revenue_dkk),
                costs: format::amount(f.costs_dkk),
                profit: format::amount(f.profit_dkk),
                margin: format::pct(f.margin_pct),
                equity: opt_amount(f.equity_dkk),
                places: f.places.map_or_else(|| format::NONE.to_string(), |p| format::int(i64::from(p))),
                per_place_day: opt_amount(f.cost_per_place_day_dkk),
                remarks: f.breaches.iter().map(|b| keep_together(b)).collect(),
                flagged: !f.breaches.is_empty(),
            })
            .collect(),
        finance_summary,
        visits_status: status(r.visits.on_time, r.visits.late, r.visits.missing),
        foster_status: status(r.foster.supervision_on_time, r.foster.supervision_late, r.foster.supervision_missing),
        operational_status: status(r.operational.on_time, r.operational.late, r.operational.missing),
        signals_status: status(r.signals.reacted_on_time, r.signals.reacted_late, r.signals.open),
    }
}
