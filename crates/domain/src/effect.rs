//! Effect of interventions, read from the journal: for every intervention its kind, method (the Værn extension
//! field `method` on `intervention_decided`, naming a knowledge-bank entry), time on the intervention, why it
//! ended, and whether its goals progressed between follow-ups (`plan_followed_up.goal_progress`, 1–10). Pure.

use crate::event::{Body, EndReason, Event, GoalTheme, PlacementType, Ref};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

/// The Værn extension field on `intervention_decided` naming the method used (a knowledge-bank id).
pub const METHOD_FIELD: &str = "method";
/// The Værn extension field on `intervention_decided` naming the provider (leverandør).
pub const PROVIDER_FIELD: &str = "provider";
/// The Værn extension field on `plan_followed_up`: the SDQ total-difficulties score (0–40) entered at the follow-up.
pub const SDQ_FIELD: &str = "sdq";

/// The Værn extension field on `plan_followed_up`: the decision taken at the follow-up about an intervention
/// flagged "uden effekt" (`continue` needs its reason in the note).
pub const DECISION_FIELD: &str = "effect_decision";

crate::event::vocabulary!(
    /// What was decided about an intervention without effect.
    EffectDecision, "beslutning om indsatsen" {
    Continue = "continue" / "Fortsæt (begrundelse i notatet)",
    Change = "change" / "Ændr indsatsen",
    Stop = "stop" / "Stop indsatsen",
});

/// A text extension field of an event (empty text counts as absent).
fn extra_text(e: &Event, name: &str) -> Option<String> {
    e.extra().iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_str()).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// One intervention as the journal tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct InterventionRecord {
    pub child: Option<Ref>,
    pub intervention: Ref,
    pub kind: Ref,
    pub method: Option<String>,
    pub provider: Option<String>,
    pub ladder_step: Option<u8>,
    /// Cost per day in DKK, as decided.
    pub daily_cost_dkk: Option<f64>,
    pub decided: NaiveDate,
    pub started: Option<NaiveDate>,
    pub ended: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    /// Follow-ups with goal scores: (date, mean score of the goals scored), in date order.
    pub scores: Vec<(NaiveDate, f64)>,
    /// SDQ total-difficulties scores (0–40; lower is better) entered at follow-ups, in date order.
    pub sdq: Vec<(NaiveDate, u8)>,
    /// Decisions about the intervention's effect taken at follow-ups, in date order.
    pub decisions: Vec<(NaiveDate, EffectDecision)>,
    /// For a placement: the type of the placement that carries it out (`placement_started.intervention`).
    pub placement_type: Option<PlacementType>,
    /// For a placement: the placement site (the provider of a placement).
    pub site: Option<Ref>,
}

/// Whether an intervention's goals moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Fewer than two follow-ups with goal scores.
    NotMeasured,
    /// The latest mean score is above the first.
    Progressing,
    /// The latest mean score is at or below the first.
    NotProgressing,
}

impl InterventionRecord {
    /// A decided intervention with nothing else known yet (no start, end, scores or decisions).
    pub fn decided(intervention: Ref, kind: Ref, decided: NaiveDate) -> InterventionRecord {
        InterventionRecord {
            child: None,
            intervention,
            kind,
            method: None,
            provider: None,
            ladder_step: None,
            daily_cost_dkk: None,
            decided,
            started: None,
            ended: None,
            end_reason: None,
            scores: Vec::new(),
            sdq: Vec::new(),
            decisions: Vec::new(),
            placement_type: None,
            site: None,
        }
    }

    pub fn progress(&self) -> Progress {
        match (self.scores.first(), self.scores.last()) {
            (Some(first), Some(last)) if self.scores.len() >= 2 => {
                if last.1 > first.1 {
                    Progress::Progressing
                } else {
                    Progress::NotProgressing
                }
            }
            _ => Progress::NotMeasured,
        }
    }

    /// "Uden effekt": the goals have not progressed over two consecutive follow-ups — each of the last two scored
    /// follow-ups has a mean score at or below the one before (so three scored follow-ups are needed). Only an
    /// intervention still running is flagged: it calls for a decision (continue with a reason, change, or stop).
    pub fn without_effect(&self) -> bool {
        match self.scores.as_slice() {
            [.., a, b, c] => self.ended.is_none() && b.1 <= a.1 && c.1 <= b.1,
            _ => false,
        }
    }

    /// Flagged "uden effekt" and no decision taken at or after the follow-up that raised the flag: the caseworker
    /// must decide to continue (with a reason), change or stop it.
    pub fn awaiting_decision(&self) -> bool {
        let Some(flagged) = self.scores.last().map(|s| s.0) else { return false };
        self.without_effect() && !self.decisions.iter().any(|(d, _)| *d >= flagged)
    }

    /// Days on the intervention up to `as_of` (from start, or decision when no start is recorded, to the end).
    pub fn days(&self, as_of: NaiveDate) -> i64 {
        let from = self.started.unwrap_or(self.decided);
        let to = self.ended.unwrap_or(as_of).min(as_of);
        (to - from).num_days().max(0)
    }
}

/// The interventions of a journal decided on or before `as_of`, in decision order.
pub fn interventions(events: &[Event], as_of: NaiveDate) -> Vec<InterventionRecord> {
    let mut out: Vec<InterventionRecord> = Vec::new();
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    // Only the event types read here, in date order (stable: the journal's order within a day).
    let mut sorted: Vec<(NaiveDate, usize, &Event)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e.body,
                Body::InterventionDecided(_)
                    | Body::InterventionStarted { .. }
                    | Body::InterventionEnded { .. }
                    | Body::PlacementStarted { intervention: Some(_), .. }
                    | Body::PlanFollowedUp { intervention: Some(_), .. }
            ) && e.at.date() <= as_of
        })
        .map(|(i, e)| (e.at.date(), i, e))
        .collect();
    sorted.sort_unstable_by_key(|(d, i, _)| (*d, *i));
    for (_, _, e) in sorted {
        let date = e.at.date();
        match &e.body {
            Body::InterventionDecided(d) => {
                index.insert(d.intervention.as_str(), out.len());
                out.push(InterventionRecord {
                    child: e.child.clone(),
                    method: extra_text(e, METHOD_FIELD),
                    provider: extra_text(e, PROVIDER_FIELD),
                    ladder_step: d.ladder_step,
                    daily_cost_dkk: d.daily_cost_dkk,
                    ..InterventionRecord::decided(d.intervention.clone(), d.kind.clone(), date)
                });
            }
            Body::PlacementStarted { intervention: Some(intervention), placement_type, site, .. } => {
                if let Some(&i) = index.get(intervention.as_str()) {
                    out[i].placement_type.get_or_insert(*placement_type);
                    out[i].site.get_or_insert_with(|| site.clone());
                }
            }
            Body::InterventionStarted { intervention } => {
                if let Some(&i) = index.get(intervention.as_str()) {
                    out[i].started.get_or_insert(date);
                }
            }
            Body::InterventionEnded { intervention, reason } => {
                if let Some(&i) = index.get(intervention.as_str()) {
                    out[i].ended = Some(date);
                    out[i].end_reason = *reason;
                }
            }
            Body::PlanFollowedUp { intervention: Some(intervention), goal_progress, .. } => {
                let Some(&i) = index.get(intervention.as_str()) else { continue };
                if !goal_progress.is_empty() {
                    let mean =
                        goal_progress.iter().map(|g| f64::from(g.score)).sum::<f64>() / goal_progress.len() as f64;
                    out[i].scores.push((date, mean));
                }
                let sdq = e.extra().iter().find(|(k, _)| k == SDQ_FIELD).and_then(|(_, v)| v.as_u64());
                if let Some(s) = sdq.filter(|s| *s <= 40) {
                    out[i].sdq.push((date, s as u8));
                }
                if let Some(d) = extra_text(e, DECISION_FIELD).as_deref().and_then(EffectDecision::parse) {
                    out[i].decisions.push((date, d));
                }
            }
            _ => {}
        }
    }
    out
}

/// One goal of a child's plans with its scores over time: a line of the child's goal chart.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalSeries {
    pub goal: Ref,
    pub theme: GoalTheme,
    pub text: String,
    /// (follow-up date, score 1–10), in date order.
    pub points: Vec<(NaiveDate, u8)>,
}

/// A child's goals and their scores at every follow-up, plus the SDQ scores entered (date order), from the child's
/// journal. Goals are in the order the plans set them; a score for a goal no plan names is left out.
pub fn goal_series(events: &[Event]) -> (Vec<GoalSeries>, Vec<(NaiveDate, u8)>) {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| e.at.date());
    let mut goals: Vec<GoalSeries> = Vec::new();
    let mut sdq = Vec::new();
    for e in sorted {
        match &e.body {
            Body::PlanCreated { goals: gs, .. } => {
                for g in gs {
                    if !goals.iter().any(|s| s.goal == g.id) {
                        goals.push(GoalSeries {
                            goal: g.id.clone(),
                            theme: g.theme,
                            text: g.text.clone(),
                            points: Vec::new(),
                        });
                    }
                }
            }
            Body::PlanFollowedUp { goal_progress, .. } => {
                for p in goal_progress {
                    if let Some(s) = goals.iter_mut().find(|s| s.goal == p.goal) {
                        s.points.push((e.at.date(), p.score));
                    }
                }
                if let Some(v) = e.extra().iter().find(|(k, _)| k == SDQ_FIELD).and_then(|(_, v)| v.as_u64()) {
                    if v <= 40 {
                        sdq.push((e.at.date(), v as u8));
                    }
                }
            }
            _ => {}
        }
    }
    (goals, sdq)
}

/// Effect figures for a group of interventions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EffectSummary {
    pub interventions: usize,
    /// With at least two scored follow-ups.
    pub measured: usize,
    pub progressing: usize,
    pub ended: usize,
    pub goal_reached: usize,
    pub no_effect: usize,
    /// Mean days on the intervention.
    pub mean_days: f64,
}

impl EffectSummary {
    /// Share of the measured interventions whose goals progressed, with its 95 % Wilson interval.
    pub fn progressing_share(&self) -> Option<(f64, f64, f64)> {
        (self.measured > 0).then(|| {
            let (lo, hi) = wilson(self.progressing, self.measured);
            (self.progressing as f64 / self.measured as f64, lo, hi)
        })
    }
}

/// Summarise a group of interventions at `as_of`.
pub fn summarise<'a>(records: impl IntoIterator<Item = &'a InterventionRecord>, as_of: NaiveDate) -> EffectSummary {
    let mut s = EffectSummary::default();
    let mut days = 0i64;
    for r in records {
        s.interventions += 1;
        days += r.days(as_of);
        match r.progress() {
            Progress::Progressing => {
                s.measured += 1;
                s.progressing += 1;
            }
            Progress::NotProgressing => s.measured += 1,
            Progress::NotMeasured => {}
        }
        if r.ended.is_some() {
            s.ended += 1;
        }
        match r.end_reason {
            Some(EndReason::GoalReached) => s.goal_reached += 1,
            Some(EndReason::NoEffect) => s.no_effect += 1,
            _ => {}
        }
    }
    if s.interventions > 0 {
        s.mean_days = days as f64 / s.interventions as f64;
    }
    s
}

/// The 95 % Wilson score interval for `k` successes of `n` (0 ≤ lo ≤ k/n ≤ hi ≤ 1).
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let (n, p) = (n as f64, k as f64 / n as f64);
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::parse_jsonl;
    use proptest::prelude::*;

    const JOURNAL: &str = r#"
{"type":"intervention_decided","at":"2025-01-10","child":"b1","intervention":"i1","kind":"family_treatment","ladder_step":3,"method":"mst","provider":"Familiehuset"}
{"type":"intervention_started","at":"2025-01-20","child":"b1","intervention":"i1"}
{"type":"plan_followed_up","at":"2025-04-01","child":"b1","intervention":"i1","goal_progress":[{"goal":"m1","score":3},{"goal":"m2","score":5}]}
{"type":"plan_followed_up","at":"2025-07-01","child":"b1","intervention":"i1","goal_progress":[{"goal":"m1","score":6},{"goal":"m2","score":6}],"sdq":17}
{"type":"intervention_ended","at":"2025-08-01","child":"b1","intervention":"i1","reason":"goal_reached"}
{"type":"intervention_decided","at":"2025-02-01","child":"b2","intervention":"i2","kind":"contact_person"}
{"type":"plan_followed_up","at":"2025-05-01","child":"b2","intervention":"i2","goal_progress":[{"goal":"m1","score":5}]}
{"type":"plan_followed_up","at":"2025-08-01","child":"b2","intervention":"i2","goal_progress":[{"goal":"m1","score":5}]}
{"type":"intervention_decided","at":"2025-03-01","child":"b3","intervention":"i3","kind":"contact_person"}
"#;

    #[test]
    fn reads_method_progress_and_end_from_the_journal() {
        let j = parse_jsonl(JOURNAL).unwrap();
        let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let r = interventions(&j.events, as_of);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].method.as_deref(), Some("mst"));
        assert_eq!(r[0].provider.as_deref(), Some("Familiehuset"));
        assert_eq!(r[0].sdq, vec![(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(), 17)]);
        assert_eq!(r[0].scores, vec![(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(), 4.0), (r[0].scores[1].0, 6.0)]);
        assert_eq!(r[0].progress(), Progress::Progressing);
        assert_eq!(r[0].days(as_of), 193); // 20 Jan – 1 Aug
        assert_eq!(r[1].progress(), Progress::NotProgressing);
        assert_eq!(r[2].progress(), Progress::NotMeasured);
        let s = summarise(&r, as_of);
        assert_eq!((s.interventions, s.measured, s.progressing, s.goal_reached, s.ended), (3, 2, 1, 1, 1));
        // Before the second follow-up the first intervention is not yet measured.
        let early = interventions(&j.events, NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        assert_eq!(early[0].progress(), Progress::NotMeasured);
        assert_eq!(early.len(), 3);
    }

    #[test]
    fn without_effect_needs_two_follow_ups_without_progress() {
        let d = |m: u32| NaiveDate::from_ymd_opt(2025, m, 1).unwrap();
        let mut r = InterventionRecord {
            ladder_step: Some(3),
            daily_cost_dkk: Some(900.0),
            started: Some(d(1)),
            scores: vec![(d(3), 4.0), (d(6), 4.0)],
            ..InterventionRecord::decided("i1".into(), "family_treatment".into(), d(1))
        };
        assert!(!r.without_effect(), "one follow-up without progress is not enough");
        r.scores.push((d(9), 3.5));
        assert!(r.without_effect());
        r.scores.push((d(12), 5.0));
        assert!(!r.without_effect(), "progress at the latest follow-up clears the flag");
        r.scores.push((d(12), 5.0));
        assert!(!r.without_effect(), "only one follow-up without progress since");
        r.scores.push((d(12), 4.0));
        assert!(r.without_effect());
        assert!(r.awaiting_decision());
        r.decisions.push((d(11), EffectDecision::Continue));
        assert!(r.awaiting_decision(), "a decision before the flagging follow-up does not count");
        r.decisions.push((d(12), EffectDecision::Continue));
        assert!(!r.awaiting_decision(), "decided at the follow-up that raised the flag");
        assert!(r.without_effect(), "the flag itself stays until the goals progress");
        r.scores.push((NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), 4.0));
        assert!(r.awaiting_decision(), "another follow-up without progress asks for a new decision");
        r.ended = Some(d(12));
        assert!(!r.without_effect(), "an ended intervention needs no decision");
        assert!(!r.awaiting_decision());
    }

    #[test]
    fn decisions_and_placement_types_are_read_from_the_journal() {
        let j = parse_jsonl(
            r#"{"type":"plan_created","at":"2025-01-01","child":"b1","plan":"p1","goals":[{"id":"m1","theme":"school","text":"Møder i skole"},{"id":"m2","theme":"friends","text":"En ven"}]}
{"type":"intervention_decided","at":"2025-01-10","child":"b1","intervention":"i1","kind":"placement","consent":true}
{"type":"placement_started","at":"2025-01-12","child":"b1","placement":"a1","site":"s1","placement_type":"network_foster_family","consent":true,"intervention":"i1"}
{"type":"plan_followed_up","at":"2025-04-01","child":"b1","intervention":"i1","goal_progress":[{"goal":"m1","score":3},{"goal":"m9","score":5}],"sdq":22}
{"type":"plan_followed_up","at":"2025-07-01","child":"b1","intervention":"i1","goal_progress":[{"goal":"m1","score":5},{"goal":"m2","score":2}],"sdq":41,"effect_decision":"change","note":"Skift til plejefamilie"}
"#,
        )
        .unwrap();
        let r = interventions(&j.events, NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        assert_eq!(r[0].placement_type, Some(PlacementType::NetworkFosterFamily));
        assert_eq!(r[0].site.as_ref().map(|s| s.as_str()), Some("s1"));
        assert_eq!(r[0].decisions, vec![(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(), EffectDecision::Change)]);
        let (goals, sdq) = goal_series(&j.events);
        assert_eq!(goals.len(), 2);
        assert_eq!(goals[0].points.iter().map(|p| p.1).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(goals[1].theme, GoalTheme::Friends);
        assert_eq!(goals[1].points.len(), 1, "the score for an unknown goal m9 is left out");
        assert_eq!(sdq, vec![(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(), 22)], "an SDQ score above 40 is ignored");
    }

    #[test]
    fn wilson_matches_a_known_value() {
        // 8 of 10: the textbook interval is 0.490–0.943.
        let (lo, hi) = wilson(8, 10);
        assert!((lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3, "{lo} {hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    proptest! {
        #[test]
        fn wilson_contains_the_share(n in 1usize..2000, k in 0usize..2000) {
            let k = k % (n + 1);
            let (lo, hi) = wilson(k, n);
            let p = k as f64 / n as f64;
            prop_assert!(0.0 <= lo && lo <= p + 1e-12 && p <= hi + 1e-12 && hi <= 1.0);
        }
    }
}
