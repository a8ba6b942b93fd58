//! Spend on interventions: daily cost × days active, exact to the øre and exact for partial months. Pure.
//!
//! An intervention is active from its start (its decision when no start is recorded) up to, not including, the day
//! it ended; one still running is active up to and including `as_of`. Amounts are whole øre (i64), so sums over
//! months, kinds or teams add up exactly to the total.

use crate::effect::InterventionRecord;
use crate::event::{InterventionKind, LadderStep, PlacementType};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The intervention ladder (indsatstrappen) by intervention kind, and for placements by placement type: the step an
/// intervention counts on when its decision names none. Part of the rule pack (`[ladder]`); the default:
///
/// | step | kinds |
/// |---|---|
/// | 2 tidlig forebyggende støtte | consultation, contact_person, other |
/// | 3 forebyggende foranstaltninger i familien | family_treatment, day_treatment, respite_care |
/// | 4 netværksanbringelse | placement in a network foster family |
/// | 5 plejefamilie | placement in a (municipal) foster family |
/// | 6 opholdssted/døgninstitution | placement in a residential home, institution, own room, boarding school, ship |
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LadderMap {
    #[serde(default = "default_kinds")]
    pub kinds: BTreeMap<InterventionKind, u8>,
    #[serde(default = "default_placements")]
    pub placement: BTreeMap<PlacementType, u8>,
}

fn default_kinds() -> BTreeMap<InterventionKind, u8> {
    use InterventionKind::*;
    [(Consultation, 2), (ContactPerson, 2), (Other, 2), (FamilyTreatment, 3), (DayTreatment, 3), (RespiteCare, 3)]
        .into_iter()
        .collect()
}

fn default_placements() -> BTreeMap<PlacementType, u8> {
    use PlacementType::*;
    [
        (NetworkFosterFamily, 4),
        (FosterFamily, 5),
        (MunicipalFosterFamily, 5),
        (ResidentialHome, 6),
        (Institution, 6),
        (OwnRoom, 6),
        (BoardingSchool, 6),
        (ShipProject, 6),
        (PlacementType::Other, 6),
    ]
    .into_iter()
    .collect()
}

impl Default for LadderMap {
    fn default() -> LadderMap {
        LadderMap { kinds: default_kinds(), placement: default_placements() }
    }
}

impl LadderMap {
    /// The step of an intervention: the one its decision names, else the placement type's (placements), else the
    /// kind's.
    pub fn step(&self, decided: Option<u8>, kind: &str, placement: Option<PlacementType>) -> Option<LadderStep> {
        let n = decided.or_else(|| match InterventionKind::parse(kind)? {
            InterventionKind::Placement => self.placement.get(&placement?).copied(),
            k => self.kinds.get(&k).copied(),
        })?;
        LadderStep::from_number(n)
    }

    /// Every step must be 1–6.
    pub fn check(&self) -> Result<(), String> {
        let bad = self.kinds.values().chain(self.placement.values()).find(|n| !(1..=6).contains(*n));
        match bad {
            Some(n) => Err(format!("trin {n} på indsatstrappen findes ikke (1–6)")),
            None => Ok(()),
        }
    }
}

/// An amount in øre (1/100 DKK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Ore(pub i64);

impl Ore {
    /// From a daily cost in DKK (rounded to the øre).
    pub fn from_dkk(dkk: f64) -> Ore {
        Ore((dkk * 100.0).round() as i64)
    }

    pub fn dkk(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Ore {
    type Output = Ore;
    fn add(self, o: Ore) -> Ore {
        Ore(self.0 + o.0)
    }
}

impl std::ops::AddAssign for Ore {
    fn add_assign(&mut self, o: Ore) {
        self.0 += o.0;
    }
}

/// The days an intervention is active, `[from, until)`, as seen at `as_of`; `None` when it has not started.
pub fn active_span(r: &InterventionRecord, as_of: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let from = r.started.unwrap_or(r.decided);
    let until = r.ended.unwrap_or(as_of + Duration::days(1)).min(as_of + Duration::days(1));
    (from < until).then_some((from, until))
}

/// Days of `[a_from, a_until)` inside `[b_from, b_until)`.
pub fn overlap_days(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> i64 {
    let from = a.0.max(b.0);
    let until = a.1.min(b.1);
    (until - from).num_days().max(0)
}

/// The calendar month `[first day, first day of the next month)`.
pub fn month_span(year: i32, month: u32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .unwrap_or_default();
    (first, next)
}

/// Spend per month of `year` (index 0 = January) up to `as_of`, summed per group.
pub fn monthly_spend<K: Ord>(
    records: &[InterventionRecord],
    year: i32,
    as_of: NaiveDate,
    key: impl Fn(&InterventionRecord) -> K,
) -> BTreeMap<K, [Ore; 12]> {
    let mut out: BTreeMap<K, [Ore; 12]> = BTreeMap::new();
    for r in records {
        let (Some(daily), Some(span)) = (r.daily_cost_dkk, active_span(r, as_of)) else { continue };
        if span.0.year() > year || span.1 <= month_span(year, 1).0 {
            continue;
        }
        let daily = Ore::from_dkk(daily);
        let months = out.entry(key(r)).or_insert([Ore(0); 12]);
        for (m, slot) in months.iter_mut().enumerate() {
            let days = overlap_days(span, month_span(year, m as u32 + 1));
            *slot += Ore(daily.0 * days);
        }
    }
    out
}

/// The forecast for the rest of `year` after `as_of`: every intervention running at `as_of` continues at its daily
/// cost to the end of the year (one that has already ended adds nothing).
pub fn forecast_rest_of_year(records: &[InterventionRecord], year: i32, as_of: NaiveDate) -> Ore {
    let rest = (as_of + Duration::days(1), month_span(year, 12).1);
    records
        .iter()
        .filter(|r| r.ended.is_none_or(|e| e > as_of))
        .filter_map(|r| {
            let daily = Ore::from_dkk(r.daily_cost_dkk?);
            let from = r.started.unwrap_or(r.decided).max(rest.0);
            let until = r.ended.unwrap_or(rest.1).min(rest.1);
            Some(Ore(daily.0 * (until - from).num_days().max(0)))
        })
        .fold(Ore(0), |a, b| a + b)
}

/// The spend category of an intervention, which budget lines are made of: the placement type for a placement (its
/// code, e.g. `foster_family`; `placement` when no placement carries it yet), else the intervention kind.
pub fn spend_category(r: &InterventionRecord) -> String {
    match (InterventionKind::parse(&r.kind), r.placement_type) {
        (Some(InterventionKind::Placement), Some(t)) => placement_category(t).to_string(),
        _ => r.kind.to_string(),
    }
}

/// The category code of a placement type (`other_placement` for `other`, which is also an intervention kind).
fn placement_category(t: PlacementType) -> &'static str {
    match t {
        PlacementType::Other => "other_placement",
        t => t.as_str(),
    }
}

/// Every spend category code a budget line may cover: the intervention kinds and the placement types.
pub fn spend_categories() -> Vec<(&'static str, &'static str)> {
    InterventionKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label_da()))
        .chain(PlacementType::ALL.iter().map(|t| match t {
            PlacementType::Other => ("other_placement", "Anden anbringelse"),
            t => (placement_category(*t), t.label_da()),
        }))
        .chain(std::iter::once(("placement", "Anbringelse (endnu uden sted)")))
        .collect()
}

/// A line of the municipality's budget (a function of the authorised account plan, e.g. 5.28.21 Forebyggende
/// foranstaltninger) for one year: the spend categories it pays for and the amount granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub code: String,
    pub name: String,
    pub covers: Vec<String>,
    pub amount: Ore,
}

/// The budget lines a municipality starts from (hovedfunktion 5.28 of the authorised account plan, Tilbud til børn
/// og unge med særlige behov), with no amount.
pub fn default_budget_lines() -> Vec<BudgetLine> {
    let line = |code: &str, name: &str, covers: &[&str]| BudgetLine {
        code: code.into(),
        name: name.into(),
        covers: covers.iter().map(|c| c.to_string()).collect(),
        amount: Ore(0),
    };
    vec![
        line(
            "5.28.21",
            "Forebyggende foranstaltninger for børn og unge",
            &["consultation", "family_treatment", "day_treatment", "respite_care", "contact_person", "other"],
        ),
        line("5.28.22", "Plejefamilier", &["network_foster_family", "foster_family", "municipal_foster_family"]),
        line(
            "5.28.20",
            "Opholdssteder mv. for børn og unge",
            &["residential_home", "own_room", "boarding_school", "ship_project"],
        ),
        line("5.28.23", "Døgninstitutioner for børn og unge", &["institution", "other_placement", "placement"]),
    ]
}

/// Read an amount in kroner as a Dane writes it: `12.500.000`, `12 500 000,50`, `1250000.5`, `kr. 300`.
pub fn parse_dkk(text: &str) -> Result<Ore, String> {
    let t: String = text.trim().trim_start_matches("kr.").trim_end_matches("kr.").trim().replace([' ', '\u{a0}'], "");
    let bad = || format!("\"{}\" er ikke et beløb i kroner (fx 12.500.000 eller 1250,50)", text.trim());
    if t.is_empty() {
        return Err(bad());
    }
    let normal = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else if t.split('.').skip(1).all(|g| g.len() == 3) && t.contains('.') {
        t.replace('.', "")
    } else {
        t
    };
    let dkk: f64 = normal.parse().map_err(|_| bad())?;
    if !dkk.is_finite() || !(0.0..=1e13).contains(&dkk) {
        return Err(bad());
    }
    Ok(Ore::from_dkk(dkk))
}

impl BudgetLine {
    /// Parse a line from a form: the field at fault is named in the error.
    pub fn parse(
        code: &str,
        name: &str,
        covers: &[String],
        amount: &str,
    ) -> Result<BudgetLine, (&'static str, String)> {
        let code = code.trim();
        if code.is_empty()
            || code.len() > 20
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(("code", format!("Kontonummer \"{code}\": brug cifre og punktummer, fx 5.28.21.")));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(("name", "Navnet skal udfyldes (højst 200 tegn).".into()));
        }
        let known = spend_categories();
        let mut cov: Vec<String> = Vec::new();
        for c in covers {
            if !known.iter().any(|(k, _)| k == c) {
                return Err(("covers", format!("\"{c}\" er hverken en indsatstype eller en anbringelsestype.")));
            }
            if !cov.contains(c) {
                cov.push(c.clone());
            }
        }
        if cov.is_empty() {
            return Err(("covers", "Vælg mindst én indsatstype eller anbringelsestype, linjen dækker.".into()));
        }
        let amount = parse_dkk(amount).map_err(|e| ("amount", format!("Budget: {e}.")))?;
        Ok(BudgetLine { code: code.into(), name: name.into(), covers: cov, amount })
    }
}

/// One line of "budget mod forbrug".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRow {
    /// `None`: spend no budget line covers.
    pub line: Option<BudgetLine>,
    /// Spend from 1 January up to and including `as_of`.
    pub actual: Ore,
    /// Expected spend for the whole year: actual plus the forecast of the running interventions.
    pub expected: Ore,
}

impl BudgetRow {
    /// Expected spend minus budget (positive: overspend).
    pub fn deviation(&self) -> Ore {
        Ore(self.expected.0 - self.line.as_ref().map_or(0, |l| l.amount.0))
    }
}

/// Budget against actual and expected spend per line for `year` as of `as_of`; spend outside every line is a last
/// row without a line (when there is any). A category covered by two lines counts on the first.
pub fn budget_vs_actual(
    lines: &[BudgetLine],
    records: &[InterventionRecord],
    year: i32,
    as_of: NaiveDate,
) -> Vec<BudgetRow> {
    let line_of = |r: &InterventionRecord| {
        let cat = spend_category(r);
        lines.iter().position(|l| l.covers.contains(&cat))
    };
    let spent = monthly_spend(records, year, as_of, line_of);
    let mut rows: Vec<BudgetRow> = lines
        .iter()
        .map(|l| BudgetRow { line: Some(l.clone()), actual: Ore(0), expected: Ore(0) })
        .chain(std::iter::once(BudgetRow { line: None, actual: Ore(0), expected: Ore(0) }))
        .collect();
    for (idx, months) in &spent {
        let row = &mut rows[idx.unwrap_or(lines.len())];
        row.actual = months.iter().fold(Ore(0), |a, b| a + *b);
    }
    let mut forecast: BTreeMap<Option<usize>, Vec<InterventionRecord>> = BTreeMap::new();
    for r in records {
        forecast.entry(line_of(r)).or_default().push(r.clone());
    }
    for (idx, rs) in &forecast {
        let f = if as_of.year() == year { forecast_rest_of_year(rs, year, as_of) } else { Ore(0) };
        let row = &mut rows[idx.unwrap_or(lines.len())];
        row.expected = row.actual + f;
    }
    for r in rows.iter_mut() {
        if r.expected < r.actual {
            r.expected = r.actual;
        }
    }
    if rows.last().is_some_and(|r| r.expected.0 == 0) {
        rows.pop();
    }
    rows
}

/// Spend per calendar year in `years` (up to `as_of`), summed per group: the investment view (how spend moves
/// between preventive help and placements over the years).
pub fn yearly_spend<K: Ord + Clone>(
    records: &[InterventionRecord],
    years: std::ops::RangeInclusive<i32>,
    as_of: NaiveDate,
    key: impl Fn(&InterventionRecord) -> K,
) -> BTreeMap<K, Vec<(i32, Ore)>> {
    let years: Vec<i32> = years.collect();
    let mut out: BTreeMap<K, Vec<(i32, Ore)>> = BTreeMap::new();
    for (i, &y) in years.iter().enumerate() {
        for (k, months) in monthly_spend(records, y, as_of, &key) {
            let row = out.entry(k).or_insert_with(|| years.iter().map(|&y| (y, Ore(0))).collect());
            row[i].1 = months.iter().fold(Ore(0), |a, b| a + *b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rec(id: &str, kind: &str, daily: f64, from: NaiveDate, until: Option<NaiveDate>) -> InterventionRecord {
        InterventionRecord {
            daily_cost_dkk: Some(daily),
            started: Some(from),
            ended: until,
            ..InterventionRecord::decided(id.into(), kind.into(), from)
        }
    }

    #[test]
    fn the_ladder_step_comes_from_the_decision_then_the_placement_type_then_the_kind() {
        let m = LadderMap::default();
        assert_eq!(m.step(Some(4), "family_treatment", None), Some(LadderStep::Network));
        assert_eq!(m.step(None, "family_treatment", None), Some(LadderStep::InFamily));
        assert_eq!(m.step(None, "placement", Some(PlacementType::NetworkFosterFamily)), Some(LadderStep::Network));
        assert_eq!(m.step(None, "placement", Some(PlacementType::Institution)), Some(LadderStep::Residential));
        assert_eq!(m.step(None, "placement", None), None);
        assert_eq!(m.step(None, "ukendt", None), None);
        let custom: LadderMap = toml::from_str("[kinds]\ncontact_person = 3\n").unwrap();
        assert_eq!(custom.step(None, "contact_person", None), Some(LadderStep::InFamily));
        assert_eq!(custom.step(None, "placement", Some(PlacementType::FosterFamily)), Some(LadderStep::FosterFamily));
        let bad: LadderMap = toml::from_str("[kinds]\nconsultation = 9\n").unwrap();
        assert!(bad.check().is_err());
        assert!(toml::from_str::<LadderMap>("[kinds]\nhjemmehjaelp = 2\n").is_err());
    }

    #[test]
    fn partial_months_are_counted_by_the_day() {
        // 15 Jan – 10 Mar 2024 (leap year): 17 days of January, 29 of February, 9 of March at 1,000.50 kr.
        let r = rec("i1", "family_treatment", 1000.5, day(2024, 1, 15), Some(day(2024, 3, 10)));
        let m = monthly_spend(&[r], 2024, day(2024, 12, 31), |r| r.kind.to_string());
        let months = m["family_treatment"];
        assert_eq!(months[0], Ore(100_050 * 17));
        assert_eq!(months[1], Ore(100_050 * 29));
        assert_eq!(months[2], Ore(100_050 * 9));
        assert!(months[3..].iter().all(|o| o.0 == 0));
    }

    #[test]
    fn a_running_intervention_counts_up_to_today_and_forecasts_the_rest() {
        let r = rec("i1", "contact_person", 500.0, day(2025, 11, 20), None);
        let as_of = day(2025, 12, 10);
        let m = monthly_spend(std::slice::from_ref(&r), 2025, as_of, |_| ());
        assert_eq!(m[&()][10], Ore(50_000 * 11)); // 20–30 November
        assert_eq!(m[&()][11], Ore(50_000 * 10)); // 1–10 December, today included
        assert_eq!(forecast_rest_of_year(std::slice::from_ref(&r), 2025, as_of), Ore(50_000 * 21)); // 11–31 December
        let ended = InterventionRecord { ended: Some(day(2025, 12, 5)), ..r };
        assert_eq!(forecast_rest_of_year(&[ended], 2025, as_of), Ore(0));
    }

    #[test]
    fn danish_amounts_are_read() {
        assert_eq!(parse_dkk("12.500.000"), Ok(Ore(1_250_000_000)));
        assert_eq!(parse_dkk("12 500 000,50"), Ok(Ore(1_250_000_050)));
        assert_eq!(parse_dkk("1250,5"), Ok(Ore(125_050)));
        assert_eq!(parse_dkk("1250.5"), Ok(Ore(125_050)));
        assert_eq!(parse_dkk("kr. 300"), Ok(Ore(30_000)));
        assert!(parse_dkk("").is_err());
        assert!(parse_dkk("-5").is_err());
        assert!(parse_dkk("tolv").unwrap_err().contains("tolv"));
    }

    #[test]
    fn budget_lines_are_parsed_with_the_field_at_fault() {
        let covers = vec!["foster_family".to_string(), "foster_family".to_string()];
        let l = BudgetLine::parse("5.28.22", "Plejefamilier", &covers, "40.000.000").unwrap();
        assert_eq!(l.covers, ["foster_family"]);
        assert_eq!(l.amount, Ore(4_000_000_000));
        assert_eq!(BudgetLine::parse("5 28", "x", &covers, "1").unwrap_err().0, "code");
        assert_eq!(BudgetLine::parse("5.28.22", " ", &covers, "1").unwrap_err().0, "name");
        assert_eq!(BudgetLine::parse("5.28.22", "x", &[], "1").unwrap_err().0, "covers");
        assert_eq!(BudgetLine::parse("5.28.22", "x", &["hjemmehjaelp".into()], "1").unwrap_err().0, "covers");
        assert_eq!(BudgetLine::parse("5.28.22", "x", &covers, "mange").unwrap_err().0, "amount");
        for l in default_budget_lines() {
            for c in &l.covers {
                assert!(spend_categories().iter().any(|(k, _)| k == c), "{c}");
            }
        }
    }

    #[test]
    fn budget_against_actual_and_expected_spend() {
        let as_of = day(2026, 6, 30);
        let mut foster = rec("i1", "placement", 1000.0, day(2026, 1, 1), None);
        foster.placement_type = Some(PlacementType::FosterFamily);
        let prev = rec("i2", "contact_person", 100.0, day(2026, 3, 1), Some(day(2026, 4, 1)));
        let home = rec("i3", "placement", 2000.0, day(2026, 6, 1), None); // no placement yet: category "placement"
        let unbudgeted = rec("i4", "day_treatment", 50.0, day(2026, 6, 21), None);
        let lines = vec![
            BudgetLine::parse("5.28.22", "Plejefamilier", &["foster_family".into()], "400.000").unwrap(),
            BudgetLine::parse("5.28.21", "Forebyggende", &["contact_person".into()], "10.000").unwrap(),
            BudgetLine::parse("5.28.23", "Døgninstitutioner", &["placement".into()], "0").unwrap(),
        ];
        let rows = budget_vs_actual(&lines, &[foster, prev, home, unbudgeted], 2026, as_of);
        assert_eq!(rows.len(), 4);
        // 181 days to 30 June, 184 days forecast to 31 December.
        assert_eq!(rows[0].actual, Ore(100_000 * 181));
        assert_eq!(rows[0].expected, Ore(100_000 * 365));
        assert_eq!(rows[0].deviation(), Ore(100_000 * 365 - 40_000_000));
        assert_eq!((rows[1].actual, rows[1].expected), (Ore(10_000 * 31), Ore(10_000 * 31)), "ended: no forecast");
        assert_eq!(rows[2].actual, Ore(200_000 * 30));
        assert!(rows[3].line.is_none());
        assert_eq!(rows[3].actual, Ore(5_000 * 10));
        assert_eq!(rows[3].expected, Ore(5_000 * 194));
        // A past year has no forecast.
        let past = budget_vs_actual(&lines, &[rec("i9", "contact_person", 10.0, day(2025, 12, 1), None)], 2025, as_of);
        assert_eq!(past[1].expected, Ore(1_000 * 31));
    }

    #[test]
    fn yearly_spend_shows_the_shift_between_years() {
        let as_of = day(2026, 12, 31);
        let a = rec("a", "family_treatment", 10.0, day(2024, 1, 1), Some(day(2025, 1, 1)));
        let b = rec("b", "placement", 20.0, day(2025, 1, 1), None);
        let y = yearly_spend(&[a, b], 2024..=2026, as_of, |r| r.kind.to_string());
        assert_eq!(y["family_treatment"], vec![(2024, Ore(1_000 * 366)), (2025, Ore(0)), (2026, Ore(0))]);
        assert_eq!(y["placement"], vec![(2024, Ore(0)), (2025, Ore(2_000 * 365)), (2026, Ore(2_000 * 365))]);
    }

    proptest! {
        /// Summed over the months of every year touched, spend equals daily cost × days active, whatever the span
        /// (across month ends, leap days and years); overlapping interventions simply add up.
        #[test]
        fn months_add_up_to_the_whole(
            start in 0i64..2000, len in 1i64..900, cost in 1u32..500_000, start2 in 0i64..2000, len2 in 1i64..900,
        ) {
            let base = day(2022, 1, 1);
            let daily = cost as f64 / 100.0;
            let a = rec("a", "x", daily, base + Duration::days(start), Some(base + Duration::days(start + len)));
            let b = rec("b", "x", daily, base + Duration::days(start2), Some(base + Duration::days(start2 + len2)));
            let as_of = day(2030, 1, 1);
            let mut total = 0i64;
            for year in 2022..=2030 {
                for months in monthly_spend(&[a.clone(), b.clone()], year, as_of, |r| r.kind.to_string()).values() {
                    total += months.iter().map(|o| o.0).sum::<i64>();
                }
            }
            prop_assert_eq!(total, i64::from(cost) * (len + len2));
        }
    }
}
