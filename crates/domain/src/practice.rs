//! The practice survey (Ankestyrelsen's *praksisundersøgelse*) as a municipality's own audit: a reproducible,
//! stratified random sample of cases, a checklist per case pre-filled from the journal that a reviewer confirms or
//! corrects, and the share of compliant cases per point with 95 % confidence intervals. Pure.
//!
//! - **Population**: the children with at least one checklist obligation due in the period, as of its end (or the
//!   audit day, if earlier). Children without a birth date in the journal or older than 22 are left out.
//! - **Strata**: age group at the end of the period × case type (placed, preventive measure, investigation,
//!   notification only), the most intensive the case had in the period.
//! - **Allocation**: a minimum per stratum (so every stratum can be estimated), the rest proportional to the strata's
//!   sizes by largest remainder, never more than a stratum holds.
//! - **Selection**: every child gets a permanent random number from the seed and its id ([`priority`]); each stratum
//!   takes its children with the smallest numbers. The sample is therefore the same for the same seed and journal
//!   whatever the order of the events, and anyone with the seed can redraw it.
//! - **Estimates**: per point, the share of the reviewed cases where the point is relevant that met it, with a Wilson
//!   interval; and the stratified (combined ratio) estimate for the whole population with its 95 % interval by
//!   linearisation, with finite-population correction.

use crate::effect::{interventions, wilson};
use crate::event::{Body, Event, InterventionKind, Ref};
use crate::knowledge::AGE_GROUPS;
use crate::obligation::{Obligation, Status};
use crate::rules::{id, obligations, RulePack};
use crate::supervision::age_on;
use crate::time::{AsOf, At};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// The points of the checklist: Ankestyrelsen's themes, each read from the law rules behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Point {
    /// Underretninger: assessed within 24 hours; receipt to a professional within 6 working days.
    Notification,
    /// Udredning: the børnefaglig undersøgelse completed within 4 months.
    Investigation,
    /// Inddragelse: the conversation with the child before the decision.
    Involvement,
    /// Valg af indsats: the action plan (barnets plan) for the intervention.
    Plan,
    /// Opfølgning: follow-up on the intervention and the supervision visits of a placement, in time.
    FollowUp,
}

/// The number of points.
pub const POINTS: usize = 5;

impl Point {
    pub const ALL: [Point; POINTS] =
        [Point::Notification, Point::Investigation, Point::Involvement, Point::Plan, Point::FollowUp];

    /// Stable code, as stored and in forms.
    pub fn code(self) -> &'static str {
        match self {
            Point::Notification => "underretning",
            Point::Investigation => "udredning",
            Point::Involvement => "inddragelse",
            Point::Plan => "handleplan",
            Point::FollowUp => "opfoelgning",
        }
    }

    pub fn parse(s: &str) -> Option<Point> {
        Point::ALL.into_iter().find(|p| p.code() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Point::Notification => "Underretningen vurderet inden for 24 timer og kvitteret",
            Point::Investigation => "Børnefaglig undersøgelse afsluttet inden for 4 måneder",
            Point::Involvement => "Samtale med barnet før afgørelsen",
            Point::Plan => "Handleplan (barnets plan) for indsatsen",
            Point::FollowUp => "Opfølgning på indsatsen og tilsynsbesøg til tiden",
        }
    }

    /// One word, for charts.
    pub fn short_da(self) -> &'static str {
        match self {
            Point::Notification => "Underretning",
            Point::Investigation => "Udredning",
            Point::Involvement => "Inddragelse",
            Point::Plan => "Handleplan",
            Point::FollowUp => "Opfølgning",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Point::Notification => "Notification assessed within 24 hours and acknowledged",
            Point::Investigation => "Child-welfare investigation completed within 4 months",
            Point::Involvement => "Conversation with the child before the decision",
            Point::Plan => "Action plan (child plan) for the intervention",
            Point::FollowUp => "Follow-up on the intervention and supervision visits in time",
        }
    }

    /// The law rules whose obligations decide the point.
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            Point::Notification => &[id::ASSESSMENT_24H, id::RECEIPT_6_WORKING_DAYS],
            Point::Investigation => &[id::INVESTIGATION_4_MONTHS],
            Point::Involvement => &[id::CONVERSATION],
            Point::Plan => &[id::CHILD_PLAN],
            Point::FollowUp => &[id::FOLLOW_UP, id::SUPERVISION_VISITS],
        }
    }

    fn of_rule(rule: &str) -> Option<Point> {
        Point::ALL.into_iter().find(|p| p.rules().contains(&rule))
    }
}

/// A reviewer's (or the journal's) answer to a point for one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Finding {
    /// Every obligation of the point was met on time.
    Met,
    /// At least one was late or is overdue.
    NotMet,
    /// The point does not apply to the case in the period.
    #[default]
    NotRelevant,
}

impl Finding {
    pub const ALL: [Finding; 3] = [Finding::Met, Finding::NotMet, Finding::NotRelevant];

    pub fn code(self) -> &'static str {
        match self {
            Finding::Met => "opfyldt",
            Finding::NotMet => "ikke_opfyldt",
            Finding::NotRelevant => "ikke_relevant",
        }
    }

    pub fn parse(s: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|f| f.code() == s)
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Finding::Met => "Opfyldt",
            Finding::NotMet => "Ikke opfyldt",
            Finding::NotRelevant => "Ikke relevant",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Finding::Met => "Met",
            Finding::NotMet => "Not met",
            Finding::NotRelevant => "Not relevant",
        }
    }
}

/// The findings of a case, one per point (in [`Point::ALL`] order).
pub type Findings = [Finding; POINTS];

/// The case as a whole: not met when any point is not met, met when some point is met and none is not.
pub fn whole_case(f: &Findings) -> Finding {
    if f.contains(&Finding::NotMet) {
        Finding::NotMet
    } else if f.contains(&Finding::Met) {
        Finding::Met
    } else {
        Finding::NotRelevant
    }
}

/// Findings as stored: the codes joined by commas, in point order.
pub fn findings_code(f: &Findings) -> String {
    f.iter().map(|x| x.code()).collect::<Vec<_>>().join(",")
}

/// Parse [`findings_code`]; `None` when it is not five known findings.
pub fn parse_findings(s: &str) -> Option<Findings> {
    let v: Vec<Finding> = s.split(',').map(Finding::parse).collect::<Option<_>>()?;
    v.try_into().ok()
}

/// The kind of case, the most intensive in the period first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseType {
    Placed,
    Preventive,
    Investigation,
    Notification,
}

impl CaseType {
    pub const ALL: [CaseType; 4] =
        [CaseType::Placed, CaseType::Preventive, CaseType::Investigation, CaseType::Notification];

    pub fn code(self) -> &'static str {
        match self {
            CaseType::Placed => "anbragt",
            CaseType::Preventive => "forebyggende",
            CaseType::Investigation => "undersoegelse",
            CaseType::Notification => "underretning",
        }
    }

    pub fn label_da(self) -> &'static str {
        match self {
            CaseType::Placed => "Anbragt",
            CaseType::Preventive => "Forebyggende foranstaltning",
            CaseType::Investigation => "Børnefaglig undersøgelse",
            CaseType::Notification => "Kun underretning",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseType::Placed => "Placed",
            CaseType::Preventive => "Preventive measure",
            CaseType::Investigation => "Investigation",
            CaseType::Notification => "Notification only",
        }
    }
}

/// Age-group codes, as the statistics' age groups (0–5, 6–11, 12–14, 15–17, 18–22).
pub const AGE_CODES: [&str; 5] = ["0-5", "6-11", "12-14", "15-17", "18-22"];

/// A stratum: age group (index into [`AGE_CODES`]) × case type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stratum {
    pub case_type: CaseType,
    pub age: u8,
}

impl Stratum {
    /// Stable code: `anbragt/6-11`.
    pub fn code(self) -> String {
        format!("{}/{}", self.case_type.code(), AGE_CODES[usize::from(self.age)])
    }

    pub fn parse(s: &str) -> Option<Stratum> {
        let (t, a) = s.split_once('/')?;
        let case_type = CaseType::ALL.into_iter().find(|c| c.code() == t)?;
        let age = AGE_CODES.iter().position(|x| *x == a)? as u8;
        Some(Stratum { case_type, age })
    }

    pub fn label_da(self) -> String {
        format!("{}, {} år", self.case_type.label_da(), AGE_CODES[usize::from(self.age)].replace('-', "–"))
    }

    pub fn label_en(self) -> String {
        format!("{}, aged {}", self.case_type.label_en(), AGE_CODES[usize::from(self.age)].replace('-', "–"))
    }
}

/// The period audited, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// A period; errors name the field (`fra`, `til`).
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, (&'static str, String)> {
        if to < from {
            return Err(("til", "Perioden slutter før den begynder.".into()));
        }
        if (to - from).num_days() > 3 * 366 {
            return Err(("til", "Perioden må højst være tre år.".into()));
        }
        Ok(Period { from, to })
    }

    fn contains(self, d: NaiveDate) -> bool {
        d >= self.from && d <= self.to
    }
}

/// An obligation behind a point, as the checklist shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub point: Point,
    pub rule: &'static str,
    pub law: String,
    pub subject: Ref,
    pub due: NaiveDate,
    pub status: Status,
    pub met_at: Option<At>,
}

/// A case of the population: its stratum and its checklist as the journal answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub child: Ref,
    pub stratum: Stratum,
    pub prefill: Findings,
    pub evidence: Vec<Evidence>,
}

/// The audit's population: every case with at least one checklist obligation due in the period (as of the period's
/// end, or `as_of` if earlier), with its stratum and pre-filled checklist, ordered by child id.
pub fn population(events: &[Event], pack: &RulePack, period: Period, as_of: NaiveDate) -> Vec<Candidate> {
    let end = period.to.min(as_of);
    let period = Period { from: period.from, to: end };
    let list = obligations(events, AsOf::end_of(end), pack);
    let mut per_child: BTreeMap<&Ref, Vec<&Obligation<'_>>> = BTreeMap::new();
    for o in &list {
        let Some(c) = &o.child else { continue };
        if o.status == Status::Due || !period.contains(o.due.date()) || Point::of_rule(o.rule).is_none() {
            continue;
        }
        per_child.entry(c).or_default().push(o);
    }
    if per_child.is_empty() {
        return Vec::new();
    }
    let kinds = case_types(events, period);
    let mut births: HashMap<&Ref, NaiveDate> = HashMap::new();
    for e in events {
        if let (Some(c), Body::ChildRegistered { birth_date, .. }) = (&e.child, &e.body) {
            births.insert(c, *birth_date);
        }
    }
    let mut out = Vec::with_capacity(per_child.len());
    for (child, obs) in per_child {
        let Some(birth) = births.get(child) else { continue };
        let age = age_on(*birth, end);
        let Some(age) = AGE_GROUPS.iter().position(|(lo, hi)| (u32::from(*lo)..=u32::from(*hi)).contains(&age)) else {
            continue;
        };
        let case_type = kinds.get(child).copied().unwrap_or(CaseType::Notification);
        let mut prefill = [Finding::NotRelevant; POINTS];
        let mut evidence = Vec::with_capacity(obs.len());
        for o in obs {
            let Some(p) = Point::of_rule(o.rule) else { continue };
            let f = &mut prefill[p.index()];
            if o.status == Status::Met {
                if *f == Finding::NotRelevant {
                    *f = Finding::Met;
                }
            } else {
                *f = Finding::NotMet;
            }
            evidence.push(Evidence {
                point: p,
                rule: o.rule,
                law: o.law.to_string(),
                subject: o.subject.clone(),
                due: o.due.date(),
                status: o.status,
                met_at: o.met_at,
            });
        }
        out.push(Candidate { child: child.clone(), stratum: Stratum { case_type, age: age as u8 }, prefill, evidence });
    }
    out
}

/// Each child's most intensive case type in the period: placed, else a preventive measure, else an investigation;
/// children with none of them are notification cases.
fn case_types(events: &[Event], period: Period) -> HashMap<Ref, CaseType> {
    type Spans<'a> = HashMap<(&'a Ref, &'a Ref), (NaiveDate, Option<NaiveDate>)>;
    let (mut investigations, mut placements): (Spans<'_>, Spans<'_>) = Default::default();
    for e in events.iter().filter(|e| e.at.date() <= period.to) {
        let Some(c) = &e.child else { continue };
        let d = e.at.date();
        match &e.body {
            Body::InvestigationStarted { investigation, .. } => {
                investigations.insert((c, investigation), (d, None));
            }
            Body::InvestigationCompleted { investigation, .. } => {
                if let Some(i) = investigations.get_mut(&(c, investigation)) {
                    i.1 = Some(d);
                }
            }
            Body::PlacementStarted { placement, .. } => {
                placements.insert((c, placement), (d, None));
            }
            Body::PlacementEnded { placement, .. } => {
                if let Some(p) = placements.get_mut(&(c, placement)) {
                    p.1 = Some(d);
                }
            }
            _ => {}
        }
    }
    let overlaps =
        |start: NaiveDate, stop: Option<NaiveDate>| start <= period.to && stop.is_none_or(|s| s >= period.from);
    let mut best: HashMap<Ref, CaseType> = HashMap::new();
    let mut raise = |c: &Ref, t: CaseType| {
        let e = best.entry(c.clone()).or_insert(t);
        *e = (*e).min(t);
    };
    for ((c, _), (start, stop)) in &investigations {
        if overlaps(*start, *stop) {
            raise(c, CaseType::Investigation);
        }
    }
    for r in interventions(events, period.to) {
        let preventive = InterventionKind::parse(&r.kind).is_some_and(|k| k != InterventionKind::Placement);
        if let (true, Some(c)) = (preventive && overlaps(r.started.unwrap_or(r.decided), r.ended), &r.child) {
            raise(c, CaseType::Preventive);
        }
    }
    for ((c, _), (start, stop)) in &placements {
        if overlaps(*start, *stop) {
            raise(c, CaseType::Placed);
        }
    }
    best
}

// ---- the sample -------------------------------------------------------------------------------------------------

/// How the sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Design {
    /// Cases in all.
    pub size: usize,
    /// Cases at least per stratum (all of a smaller stratum).
    pub min_per_stratum: usize,
    pub seed: u64,
}

/// The permanent random number of a child for a seed: FNV-1a over the seed (little-endian) and the child id, then the
/// SplitMix64 finaliser. Documented so that the sample can be redrawn outside Værn.
pub fn priority(seed: u64, child: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(child.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Cases per stratum: `min_per_stratum` each (or the whole stratum), the rest proportional to the strata's sizes by
/// largest remainder (ties to the larger stratum, then the stratum order), never more than a stratum holds. The sum
/// is `size`, or the population when it is smaller.
pub fn allocate(sizes: &BTreeMap<Stratum, usize>, size: usize, min_per_stratum: usize) -> BTreeMap<Stratum, usize> {
    let total: usize = sizes.values().sum();
    let target = size.min(total);
    let mut alloc: BTreeMap<Stratum, usize> = sizes.iter().map(|(s, n)| (*s, min_per_stratum.min(*n))).collect();
    let mut left = target.saturating_sub(alloc.values().sum());
    if alloc.values().sum::<usize>() > target {
        // The minimum alone is more than the sample: the largest strata keep theirs.
        let mut order: Vec<(Stratum, usize)> = sizes.iter().map(|(s, n)| (*s, *n)).collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut rest = target;
        for (s, _) in order {
            let a = alloc.get_mut(&s).expect("every stratum is allocated");
            *a = (*a).min(rest);
            rest -= *a;
        }
        return alloc;
    }
    while left > 0 {
        let room: Vec<(Stratum, usize)> =
            sizes.iter().map(|(s, n)| (*s, n - alloc[s])).filter(|(_, r)| *r > 0).collect();
        let weight: usize = room.iter().map(|(s, _)| sizes[s]).sum();
        if weight == 0 {
            break;
        }
        let mut given = 0;
        let mut rema: Vec<(usize, usize, Stratum)> = Vec::new();
        for (s, r) in &room {
            let exact = left * sizes[s];
            let whole = (exact / weight).min(*r);
            *alloc.get_mut(s).expect("allocated") += whole;
            given += whole;
            if whole < *r {
                rema.push((exact % weight, sizes[s], *s));
            }
        }
        let mut rest = left - given;
        rema.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        for (_, _, s) in rema {
            if rest == 0 {
                break;
            }
            *alloc.get_mut(&s).expect("allocated") += 1;
            rest -= 1;
        }
        left = rest;
    }
    alloc
}

/// A drawn sample: per stratum its size in the population and in the sample, and the cases in stratum order, each
/// stratum's cases by their random numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub strata: BTreeMap<Stratum, (usize, usize)>,
    pub cases: Vec<Candidate>,
}

/// Draw the sample from the population (see the module documentation). Independent of the population's order.
pub fn draw(population: &[Candidate], design: &Design) -> Sample {
    let mut by: BTreeMap<Stratum, Vec<(u64, &Candidate)>> = BTreeMap::new();
    for c in population {
        by.entry(c.stratum).or_default().push((priority(design.seed, &c.child), c));
    }
    let sizes: BTreeMap<Stratum, usize> = by.iter().map(|(s, v)| (*s, v.len())).collect();
    let alloc = allocate(&sizes, design.size, design.min_per_stratum);
    let mut cases = Vec::with_capacity(alloc.values().sum());
    let mut strata = BTreeMap::new();
    for (s, mut v) in by {
        let n = alloc.get(&s).copied().unwrap_or(0);
        v.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.child.cmp(&b.1.child)));
        strata.insert(s, (v.len(), n));
        cases.extend(v.into_iter().take(n).map(|(_, c)| c.clone()));
    }
    Sample { strata, cases }
}

// ---- the report -------------------------------------------------------------------------------------------------

/// A reviewed case: its stratum, what the journal said and what the reviewer concluded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reviewed {
    pub stratum: Stratum,
    pub prefill: Findings,
    pub findings: Findings,
}

/// The result for one point (`None`: the case as a whole, compliant on every point that applies).
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    pub point: Option<Point>,
    /// Reviewed cases where the point applies.
    pub relevant: usize,
    /// Of those, the cases that met it.
    pub met: usize,
    /// The share in the sample with its 95 % Wilson interval.
    pub sample: Option<(f64, f64, f64)>,
    /// The stratified estimate for the population with its 95 % interval.
    pub estimate: Option<(f64, f64, f64)>,
    /// Reviewed cases where the reviewer's finding differs from the journal's.
    pub corrected: usize,
}

impl PointResult {
    pub fn label_da(&self) -> &'static str {
        self.point.map_or("Sagen overholder reglerne på alle relevante punkter", Point::label_da)
    }

    pub fn label_en(&self) -> &'static str {
        self.point.map_or("The case keeps the rules on every point that applies", Point::label_en)
    }
}

/// Per point, and for the case as a whole, the share compliant among the reviewed cases where the point applies.
/// `strata` gives each stratum's size in the population.
pub fn report(strata: &BTreeMap<Stratum, usize>, reviewed: &[Reviewed]) -> Vec<PointResult> {
    let points: Vec<Option<Point>> = Point::ALL.into_iter().map(Some).chain([None]).collect();
    points
        .into_iter()
        .map(|p| {
            let pick = |f: &Findings| match p {
                Some(p) => f[p.index()],
                None => whole_case(f),
            };
            let ys: Vec<(Stratum, Finding)> = reviewed.iter().map(|r| (r.stratum, pick(&r.findings))).collect();
            let relevant = ys.iter().filter(|y| y.1 != Finding::NotRelevant).count();
            let met = ys.iter().filter(|y| y.1 == Finding::Met).count();
            let corrected = reviewed.iter().filter(|r| pick(&r.prefill) != pick(&r.findings)).count();
            let sample = (relevant > 0).then(|| {
                let (lo, hi) = wilson(met, relevant);
                (met as f64 / relevant as f64, lo, hi)
            });
            PointResult { point: p, relevant, met, sample, estimate: ratio_estimate(strata, &ys), corrected }
        })
        .collect()
}

/// The combined ratio estimator over strata: p̂ = Σ N_h ȳ_h / Σ N_h r̄_h, where y is 1 for a case that met the point
/// and r is 1 for a case where it applies; variance by linearisation, z = y − p̂·r, with finite-population
/// correction: V = Σ N_g² (1 − n_g/N_g) s²_z,g / n_g / R̂². The variance groups g are the strata with at least two
/// reviewed cases; strata with fewer are collapsed with the other such strata of their case type, and what is still
/// alone with all the rest (the collapsed-strata estimator, slightly conservative). The interval is p̂ ± 1,96·√V,
/// within [0, 1]. Strata without reviewed cases are not in the estimate.
fn ratio_estimate(strata: &BTreeMap<Stratum, usize>, ys: &[(Stratum, Finding)]) -> Option<(f64, f64, f64)> {
    let mut by: BTreeMap<Stratum, Vec<(f64, f64)>> = BTreeMap::new();
    for (s, f) in ys {
        let y = f64::from(u8::from(*f == Finding::Met));
        let r = f64::from(u8::from(*f != Finding::NotRelevant));
        by.entry(*s).or_default().push((y, r));
    }
    let size = |s: &Stratum, n: usize| strata.get(s).copied().unwrap_or(n).max(n) as f64;
    let (mut y_hat, mut r_hat) = (0.0, 0.0);
    for (s, v) in &by {
        let n = v.len() as f64;
        y_hat += size(s, v.len()) * v.iter().map(|x| x.0).sum::<f64>() / n;
        r_hat += size(s, v.len()) * v.iter().map(|x| x.1).sum::<f64>() / n;
    }
    if r_hat <= 0.0 {
        return None;
    }
    let p = y_hat / r_hat;
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Group {
        Own(Stratum),
        Type(CaseType),
        Rest,
    }
    let mut groups: BTreeMap<Group, (f64, Vec<f64>)> = BTreeMap::new();
    for (s, v) in &by {
        let g = if v.len() >= 2 { Group::Own(*s) } else { Group::Type(s.case_type) };
        let e = groups.entry(g).or_default();
        e.0 += size(s, v.len());
        e.1.extend(v.iter().map(|(y, r)| y - p * r));
    }
    // Still alone: together, or — a single one — with the largest other group (the first of equals).
    let alone: Vec<Group> = groups.iter().filter(|(_, (_, z))| z.len() < 2).map(|(g, _)| *g).collect();
    let into = match alone.len() {
        0 => None,
        1 => groups
            .iter()
            .filter(|(g, _)| **g != alone[0])
            .max_by(|a, b| a.1 .1.len().cmp(&b.1 .1.len()).then(b.0.cmp(a.0)))
            .map(|(g, _)| *g),
        _ => Some(Group::Rest),
    };
    if let Some(into) = into {
        for g in alone {
            if let Some((big_n, z)) = groups.remove(&g) {
                let e = groups.entry(into).or_default();
                e.0 += big_n;
                e.1.extend(z);
            }
        }
    }
    let mut var = 0.0;
    for (big_n, z) in groups.values() {
        if z.len() < 2 {
            continue;
        }
        let n = z.len() as f64;
        let mean = z.iter().sum::<f64>() / n;
        let s2 = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let fpc = (1.0 - n / big_n).max(0.0);
        var += big_n * big_n * fpc * s2 / n;
    }
    let se = var.sqrt() / r_hat;
    Some((p, (p - 1.96 * se).max(0.0), (p + 1.96 * se).min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::parse_jsonl;
    use proptest::prelude::*;

    fn st(t: CaseType, age: u8) -> Stratum {
        Stratum { case_type: t, age }
    }

    fn cand(child: &str, s: Stratum) -> Candidate {
        Candidate { child: Ref::from(child), stratum: s, prefill: [Finding::Met; POINTS], evidence: Vec::new() }
    }

    #[test]
    fn codes_round_trip() {
        for t in CaseType::ALL {
            for a in 0..5 {
                let s = st(t, a);
                assert_eq!(Stratum::parse(&s.code()), Some(s));
            }
        }
        assert_eq!(Stratum::parse("anbragt/6-11"), Some(st(CaseType::Placed, 1)));
        assert_eq!(Stratum::parse("anbragt/5-11"), None);
        let f = [Finding::Met, Finding::NotMet, Finding::NotRelevant, Finding::Met, Finding::NotRelevant];
        assert_eq!(parse_findings(&findings_code(&f)), Some(f));
        assert_eq!(parse_findings("opfyldt,opfyldt"), None);
        for p in Point::ALL {
            assert_eq!(Point::parse(p.code()), Some(p));
        }
    }

    #[test]
    fn allocation_is_proportional_with_a_minimum_and_never_more_than_the_stratum() {
        let sizes: BTreeMap<Stratum, usize> = [
            (st(CaseType::Placed, 0), 600),
            (st(CaseType::Placed, 1), 300),
            (st(CaseType::Preventive, 2), 98),
            (st(CaseType::Notification, 3), 1),
            (st(CaseType::Investigation, 4), 1),
        ]
        .into();
        let a = allocate(&sizes, 100, 2);
        assert_eq!(a.values().sum::<usize>(), 100);
        assert_eq!(a[&st(CaseType::Notification, 3)], 1, "a stratum of one gives its one case");
        // 92 after the minimums (2+2+2+1+1), spread 600:300:98: 55.3, 27.7, 9.0, the remainder to the largest fraction.
        assert_eq!(a[&st(CaseType::Placed, 0)], 2 + 55);
        assert_eq!(a[&st(CaseType::Placed, 1)], 2 + 28);
        assert_eq!(a[&st(CaseType::Preventive, 2)], 2 + 9);
        // A sample larger than the population takes everyone.
        assert_eq!(allocate(&sizes, 5000, 2), sizes);
        // Minimums larger than the sample: the largest strata first.
        let b = allocate(&sizes, 3, 2);
        assert_eq!(b.values().sum::<usize>(), 3);
        assert_eq!(b[&st(CaseType::Placed, 0)], 2);
        assert_eq!(b[&st(CaseType::Placed, 1)], 1);
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_another() {
        let pop: Vec<Candidate> =
            (0..500).map(|i| cand(&format!("barn-{i:04}"), st(CaseType::ALL[i % 4], (i % 5) as u8))).collect();
        let d = Design { size: 60, min_per_stratum: 2, seed: 20261128 };
        let a = draw(&pop, &d);
        let mut shuffled = pop.clone();
        shuffled.reverse();
        shuffled.rotate_left(137);
        let b = draw(&shuffled, &d);
        assert_eq!(a, b, "the order of the population does not matter");
        assert_eq!(a.cases.len(), 60);
        let other = draw(&pop, &Design { seed: 7, ..d });
        assert_ne!(
            a.cases.iter().map(|c| &c.child).collect::<Vec<_>>(),
            other.cases.iter().map(|c| &c.child).collect::<Vec<_>>()
        );
        // The documented random number, pinned so that a change to it is noticed.
        assert_eq!(priority(1, "barn-0001"), priority(1, "barn-0001"));
        assert_ne!(priority(1, "barn-0001"), priority(2, "barn-0001"));
        assert_eq!(format!("{:016x}", priority(1, "barn-0001")), "5537fdbe3112fead", "as redrawn in Python");
    }

    proptest! {
        #[test]
        fn a_sample_is_reproducible_and_stratified(
            strata in proptest::collection::vec((0usize..4, 0u8..5, 1usize..40), 1..12),
            size in 1usize..80, min in 0usize..4, seed in any::<u64>(), rot in 0usize..1000,
        ) {
            let mut pop = Vec::new();
            for (k, (t, a, n)) in strata.iter().enumerate() {
                for i in 0..*n {
                    pop.push(cand(&format!("c{k}-{i}"), st(CaseType::ALL[*t], *a)));
                }
            }
            let d = Design { size, min_per_stratum: min, seed };
            let s = draw(&pop, &d);
            let r = rot % pop.len();
            pop.rotate_left(r);
            prop_assert_eq!(&draw(&pop, &d), &s);
            prop_assert_eq!(s.cases.len(), size.min(pop.len()));
            for (stratum, (big_n, n)) in &s.strata {
                prop_assert!(n <= big_n);
                prop_assert_eq!(s.cases.iter().filter(|c| c.stratum == *stratum).count(), *n);
                if s.cases.len() < pop.len() && size >= min * s.strata.len() {
                    prop_assert!(*n >= min.min(*big_n));
                }
            }
            let mut ids: Vec<&Ref> = s.cases.iter().map(|c| &c.child).collect();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), s.cases.len(), "no case twice");
        }
    }

    #[test]
    fn the_estimate_weights_the_strata_by_their_size() {
        let a = st(CaseType::Placed, 0);
        let b = st(CaseType::Preventive, 0);
        let strata: BTreeMap<Stratum, usize> = [(a, 100), (b, 900)].into();
        let met = [Finding::Met; POINTS];
        let not = [Finding::NotMet; POINTS];
        let mut reviewed = Vec::new();
        // Stratum a: 4 of 4 met; stratum b: 10 of 20 met.
        for _ in 0..4 {
            reviewed.push(Reviewed { stratum: a, prefill: met, findings: met });
        }
        for i in 0..20 {
            let f = if i < 10 { met } else { not };
            reviewed.push(Reviewed { stratum: b, prefill: met, findings: f });
        }
        let r = report(&strata, &reviewed);
        let inv = &r[Point::Investigation.index()];
        assert_eq!((inv.relevant, inv.met, inv.corrected), (24, 14, 10));
        assert!((inv.sample.unwrap().0 - 14.0 / 24.0).abs() < 1e-12);
        // Population: (100·1 + 900·0.5) / 1000 = 0.55.
        let (p, lo, hi) = inv.estimate.unwrap();
        assert!((p - 0.55).abs() < 1e-12, "{p}");
        // Stratum a adds no variance (every z = 0.45); b: z = 0.45 or −0.55 around −0.05, s² = 20·0.25/19,
        // V = 900²·(1 − 20/900)·s²/20 / 1000².
        let v: f64 = 900.0 * 900.0 * (1.0 - 20.0 / 900.0) * (5.0 / 19.0) / 20.0 / 1e6;
        assert!((hi - (0.55 + 1.96 * v.sqrt())).abs() < 1e-9, "{hi}");
        assert!((lo - (0.55 - 1.96 * v.sqrt())).abs() < 1e-9, "{lo}");
        // The whole case: the same here; a point that never applies has no share.
        let none =
            Reviewed { stratum: a, prefill: [Finding::NotRelevant; POINTS], findings: [Finding::NotRelevant; POINTS] };
        let r = report(&strata, &[none]);
        assert!(r.iter().all(|p| p.sample.is_none() && p.estimate.is_none() && p.relevant == 0));
    }

    #[test]
    fn strata_with_one_reviewed_case_are_collapsed_for_the_variance() {
        // Ten strata (two case types × five ages) with one reviewed case each. Alone each would add no variance and
        // give a zero-width interval; collapsed by case type they give an honest one.
        let mut strata: BTreeMap<Stratum, usize> = BTreeMap::new();
        let mut reviewed = Vec::new();
        for (t, met_ages) in [(CaseType::Placed, 3), (CaseType::Preventive, 2)] {
            for a in 0..5u8 {
                strata.insert(st(t, a), 50);
                let f = [if a < met_ages { Finding::Met } else { Finding::NotMet }; POINTS];
                reviewed.push(Reviewed { stratum: st(t, a), prefill: f, findings: f });
            }
        }
        let (p, lo, hi) = report(&strata, &reviewed)[0].estimate.unwrap();
        assert!((p - 0.5).abs() < 1e-12);
        // Two groups of N = 250, n = 5: z = ±0.5 around ±0.1, s² = 0.3 each; V = 2·250²·(1 − 5/250)·0.3/5 / 500².
        let se = (2.0 * 250.0 * 250.0 * (1.0 - 5.0 / 250.0) * 0.3 / 5.0 / (500.0 * 500.0_f64)).sqrt();
        assert!((hi - (0.5 + 1.96 * se)).abs() < 1e-9 && (lo - (0.5 - 1.96 * se)).abs() < 1e-9, "{lo} {hi}");
        // A lone stratum of a third type joins the others rather than adding nothing.
        let mut more = reviewed.clone();
        more.push(Reviewed {
            stratum: st(CaseType::Notification, 0),
            prefill: [Finding::Met; POINTS],
            findings: [Finding::Met; POINTS],
        });
        strata.insert(st(CaseType::Notification, 0), 50);
        let (p2, _, hi2) = report(&strata, &more)[0].estimate.unwrap();
        let p = 300.0 / 550.0;
        assert!((p2 - p).abs() < 1e-12);
        // It joins the placed cases (the first of the two largest groups): N = 300 with z of 4 met and 2 not.
        let var = |big_n: f64, z: &[f64]| {
            let n = z.len() as f64;
            let m = z.iter().sum::<f64>() / n;
            big_n * big_n * (1.0 - n / big_n) * z.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n
        };
        let v = var(300.0, &[1.0 - p, 1.0 - p, 1.0 - p, -p, -p, 1.0 - p]) + var(250.0, &[1.0 - p, 1.0 - p, -p, -p, -p]);
        assert!((hi2 - (p + 1.96 * v.sqrt() / 550.0)).abs() < 1e-9, "{hi2}");
    }

    #[test]
    fn a_census_has_no_sampling_error() {
        let a = st(CaseType::Placed, 2);
        let strata: BTreeMap<Stratum, usize> = [(a, 3)].into();
        let met = [Finding::Met; POINTS];
        let not = [Finding::NotMet; POINTS];
        let reviewed: Vec<Reviewed> =
            [met, met, not].into_iter().map(|f| Reviewed { stratum: a, prefill: f, findings: f }).collect();
        let r = report(&strata, &reviewed);
        let (p, lo, hi) = r[0].estimate.unwrap();
        assert!((p - 2.0 / 3.0).abs() < 1e-12 && (hi - lo).abs() < 1e-12);
    }

    #[test]
    fn the_checklist_is_prefilled_from_the_journal() {
        // A child placed 2025: the investigation finished late (Serviceloven § 50, stk. 7 / Barnets lov § 20, stk. 3),
        // the conversation held before the decision, no plan (Barnets lov § 91), no notification in the period.
        let jsonl = r#"{"type":"child_registered","at":"2025-01-02T09:00:00+01:00","child":"b1","birth_date":"2015-03-04","municipality":"101"}
{"type":"investigation_started","at":"2025-01-10T09:00:00+01:00","child":"b1","investigation":"u1"}
{"type":"investigation_completed","at":"2025-06-20T09:00:00+02:00","child":"b1","investigation":"u1"}
{"type":"child_conversation","at":"2025-06-21T09:00:00+02:00","child":"b1","purpose":"decision","without_carers":true}
{"type":"intervention_decided","at":"2025-06-25T09:00:00+02:00","child":"b1","intervention":"i1","kind":"placement","consent":true}
{"type":"placement_started","at":"2025-07-01T09:00:00+02:00","child":"b1","placement":"p1","site":"s1","placement_type":"foster_family","consent":true,"intervention":"i1"}
{"type":"child_registered","at":"2025-01-02T09:00:00+01:00","child":"b2","birth_date":"2024-03-04","municipality":"101"}
"#;
        let events = parse_jsonl(jsonl).expect("the journal parses").events;
        let pack = RulePack::default_pack();
        let period =
            Period::new(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
                .unwrap();
        let pop = population(&events, &pack, period, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        assert_eq!(pop.len(), 1, "the child without obligations is not in the population");
        let c = &pop[0];
        assert_eq!(c.stratum, st(CaseType::Placed, 1), "10 years old at the end of the period, placed");
        assert_eq!(c.prefill[Point::Investigation.index()], Finding::NotMet);
        assert_eq!(c.prefill[Point::Involvement.index()], Finding::Met);
        assert_eq!(c.prefill[Point::Plan.index()], Finding::NotMet);
        assert_eq!(c.prefill[Point::Notification.index()], Finding::NotRelevant);
        assert!(c.evidence.iter().any(|e| e.rule == id::INVESTIGATION_4_MONTHS && e.status == Status::Late));
        assert!(c.evidence.iter().all(|e| period.contains(e.due)));
        assert!(Period::new(period.to, period.from).is_err());
    }
}
