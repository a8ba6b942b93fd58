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

/// A planned visit: the date it is planned for, and when the plan was made (local date and Unix time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub planned_for: NaiveDate,
    pub made_on: NaiveDate,
    pub made_ts: i64,
}

/// A visit held: its date and when it was recorded (Unix time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    pub date: NaiveDate,
    pub recorded_ts: i64,
}

/// Match the visits of one placement to its planned visits: each visit, in date order, fulfils the earliest
/// unfulfilled plan whose date is at most `GRACE_DAYS` before it and at most 60 days after it, and which was made
/// before the visit took place: a visit on a later day than the plan was made, or on the same day but recorded
/// after it (a visit held before the plan was made does not fulfil it).
pub fn match_plans(plans: &[Plan], visits: &[Visit], today: NaiveDate) -> Vec<PlanState> {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| plans[i].planned_for);
    let mut visits = visits.to_vec();
    visits.sort_by_key(|v| (v.date, v.recorded_ts));
    let mut state: Vec<Option<NaiveDate>> = vec![None; plans.len()];
    for v in visits {
        let hit = order.iter().copied().find(|&i| {
            let p = plans[i];
            let after_plan = v.date > p.made_on || (v.date == p.made_on && v.recorded_ts >= p.made_ts);
            state[i].is_none()
                && after_plan
                && v.date >= p.planned_for - chrono::Duration::days(60)
                && v.date <= p.planned_for + chrono::Duration::days(GRACE_DAYS)
        });
        if let Some(i) = hit {
            state[i] = Some(v.date);
        }
    }
    (0..plans.len())
        .map(|i| match state[i] {
            Some(d) => PlanState::Held(d),
            None if plans[i].planned_for + chrono::Duration::days(GRACE_DAYS) < today => PlanState::Missed,
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

    /// A plan made at noon on `made` (ts: day number * 86400 + 43200, a stand-in for real time).
    fn plan(planned: &str, made: &str) -> Plan {
        let made_on = d(made);
        Plan { planned_for: d(planned), made_on, made_ts: ts(made_on, 12) }
    }

    fn ts(day: NaiveDate, hour: i64) -> i64 {
        day.signed_duration_since(d("2000-01-01")).num_days() * 86_400 + hour * 3600
    }

    fn visit(date: &str, hour: i64) -> Visit {
        Visit { date: d(date), recorded_ts: ts(d(date), hour) }
    }

    #[test]
    fn a_visit_fulfils_the_earliest_open_plan() {
        let plans = [plan("2025-03-01", "2025-01-10"), plan("2025-09-01", "2025-01-10")];
        let s = match_plans(&plans, &[visit("2025-02-20", 10)], d("2025-10-01"));
        assert_eq!(s, vec![PlanState::Held(d("2025-02-20")), PlanState::Missed]);
    }

    #[test]
    fn late_within_grace_counts_beyond_does_not() {
        let plans = [plan("2025-03-01", "2025-01-10")];
        assert_eq!(
            match_plans(&plans, &[visit("2025-03-15", 9)], d("2025-04-01")),
            vec![PlanState::Held(d("2025-03-15"))]
        );
        assert_eq!(match_plans(&plans, &[visit("2025-03-16", 9)], d("2025-04-01")), vec![PlanState::Missed]);
        assert_eq!(match_plans(&plans, &[], d("2025-03-10")), vec![PlanState::Planned]);
    }

    #[test]
    fn a_visit_before_the_plan_was_made_does_not_fulfil_it() {
        // Planned on 25 Feb at noon for 1 March.
        let plans = [plan("2025-03-01", "2025-02-25")];
        assert_eq!(match_plans(&plans, &[visit("2025-02-20", 10)], d("2025-02-26")), vec![PlanState::Planned]);
        // The same day: recorded in the morning (before the plan) does not count, in the afternoon it does.
        assert_eq!(match_plans(&plans, &[visit("2025-02-25", 9)], d("2025-02-26")), vec![PlanState::Planned]);
        assert_eq!(
            match_plans(&plans, &[visit("2025-02-25", 15)], d("2025-02-26")),
            vec![PlanState::Held(d("2025-02-25"))]
        );
    }
}
