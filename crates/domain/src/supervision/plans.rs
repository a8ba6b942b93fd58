//! Planned personal supervision visits and the visits held: which plan a visit fulfils.

use chrono::NaiveDate;

/// Where a planned visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    /// A visit was held for it (on that date).
    Held(NaiveDate),
    /// Planned, the date has not passed by more than the grace days.
    Planned,
    /// The date passed (plus grace) without a visit.
    Missed,
}

impl PlanState {
    pub fn label_da(self) -> &'static str {
        match self {
            PlanState::Held(_) => "Gennemført",
            PlanState::Planned => "Planlagt",
            PlanState::Missed => "Ikke gennemført",
        }
    }
}

/// Days after the planned date in which a visit still counts as the planned one.
pub const GRACE_DAYS: i64 = 14;

/// Match the visits of one placement to its planned visits: each visit, in date order, fulfils the earliest
/// unfulfilled plan whose date is at most `GRACE_DAYS` before it and which was made on or before the visit
/// (a plan made after a visit cannot be fulfilled by it). `plans` is (planned for, planned on).
pub fn match_plans(plans: &[(NaiveDate, NaiveDate)], visits: &[NaiveDate], today: NaiveDate) -> Vec<PlanState> {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| plans[i].0);
    let mut visits = visits.to_vec();
    visits.sort();
    let mut state: Vec<Option<NaiveDate>> = vec![None; plans.len()];
    for v in visits {
        let hit = order.iter().copied().find(|&i| {
            state[i].is_none()
                && plans[i].1 <= v
                && v >= plans[i].0 - chrono::Duration::days(60)
                && v <= plans[i].0 + chrono::Duration::days(GRACE_DAYS)
        });
        if let Some(i) = hit {
            state[i] = Some(v);
        }
    }
    (0..plans.len())
        .map(|i| match state[i] {
            Some(d) => PlanState::Held(d),
            None if plans[i].0 + chrono::Duration::days(GRACE_DAYS) < today => PlanState::Missed,
            None => PlanState::Planned,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_visit_fulfils_the_earliest_open_plan() {
        let plans = [(d("2025-03-01"), d("2025-01-10")), (d("2025-09-01"), d("2025-01-10"))];
        let s = match_plans(&plans, &[d("2025-02-20")], d("2025-10-01"));
        assert_eq!(s, vec![PlanState::Held(d("2025-02-20")), PlanState::Missed]);
    }

    #[test]
    fn late_within_grace_counts_beyond_does_not() {
        let plans = [(d("2025-03-01"), d("2025-01-10"))];
        assert_eq!(match_plans(&plans, &[d("2025-03-15")], d("2025-04-01")), vec![PlanState::Held(d("2025-03-15"))]);
        assert_eq!(match_plans(&plans, &[d("2025-03-16")], d("2025-04-01")), vec![PlanState::Missed]);
        assert_eq!(match_plans(&plans, &[], d("2025-03-10")), vec![PlanState::Planned]);
    }

    #[test]
    fn a_plan_made_after_the_visit_is_not_fulfilled_by_it() {
        let plans = [(d("2025-03-01"), d("2025-02-25"))];
        assert_eq!(match_plans(&plans, &[d("2025-02-20")], d("2025-02-26")), vec![PlanState::Planned]);
    }
}
