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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rec(id: &str, kind: &str, daily: f64, from: NaiveDate, until: Option<NaiveDate>) -> InterventionRecord {
        InterventionRecord {
            child: None,
            intervention: id.into(),
            kind: kind.into(),
            method: None,
            provider: None,
            ladder_step: None,
            daily_cost_dkk: Some(daily),
            decided: from,
            started: Some(from),
            ended: until,
            end_reason: None,
            scores: Vec::new(),
            sdq: Vec::new(),
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
