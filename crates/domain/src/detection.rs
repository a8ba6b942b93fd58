//! Early detection (issue 7): the municipality's routing model from concern to action ("bekymring → hvem gør hvad")
//! and repeat notifications. Pure; the routing model is part of the rule pack (`[[routing]]`), so a municipality
//! changes it in its policy file.

use crate::event::{AssessmentOutcome, Body, Event, Ref};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

/// One line of the routing model: notifications from `source` (any when absent) assessed as `outcome` (any when
/// absent) go to `team`, which must respond within `response_hours`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub outcome: Option<AssessmentOutcome>,
    pub team: String,
    pub response_hours: u32,
}

/// The routing model: the first matching line wins.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Routing(pub Vec<Route>);

impl Default for Routing {
    /// Acute cases to the on-call team within 24 hours, notifications from the police (often violence) to the
    /// investigating team within 24 hours, everything else to the receiving team (modtagelsen) within 6 working days'
    /// worth of hours (144). A municipality replaces it in its policy file.
    fn default() -> Routing {
        let r = |source: Option<&str>, outcome: Option<AssessmentOutcome>, team: &str, hours| Route {
            source: source.map(str::to_owned),
            outcome,
            team: team.into(),
            response_hours: hours,
        };
        Routing(vec![
            r(None, Some(AssessmentOutcome::AcuteMeasure), "akut", 24),
            r(Some("police"), None, "undersoegelse", 24),
            r(None, Some(AssessmentOutcome::Investigate), "undersoegelse", 144),
            r(None, None, "modtagelse", 144),
        ])
    }
}

impl Routing {
    /// The route of a notification; `None` only when the model has no catch-all line and nothing matches.
    pub fn route(&self, source: Option<&str>, outcome: Option<AssessmentOutcome>) -> Option<&Route> {
        self.0.iter().find(|r| {
            r.source.as_deref().is_none_or(|s| Some(s) == source) && r.outcome.is_none_or(|o| Some(o) == outcome)
        })
    }

    /// A model must end with a catch-all line, so every notification has somewhere to go.
    pub fn check(&self) -> Result<(), String> {
        match self.0.last() {
            Some(r) if r.source.is_none() && r.outcome.is_none() => Ok(()),
            _ => {
                Err("routing-modellen skal slutte med en linje uden source og outcome (alle andre underretninger)"
                    .into())
            }
        }
    }
}

/// Notifications of one group (a source or a responsible team) on the early-detection dashboard.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowRow {
    /// The source code (`ukendt` when none was recorded) or the team.
    pub key: String,
    pub notifications: usize,
    pub assessed: usize,
    /// Assessed within the route's response time.
    pub on_time: usize,
    /// Not assessed and past the route's response time.
    pub open_late: usize,
    /// Median hours from receipt to assessment (of those assessed).
    pub median_hours: Option<f64>,
}

impl FlowRow {
    /// Share of the assessed that were assessed in time.
    pub fn on_time_share(&self) -> Option<f64> {
        (self.assessed > 0).then(|| self.on_time as f64 / self.assessed as f64)
    }
}

/// The early-detection dashboard: notifications received in `(from, as_of]` by source and by responsible team
/// (the routing model applied to source and outcome), response times against the route's, and the children notified
/// at least three times in the twelve months up to `as_of`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flow {
    pub total: FlowRow,
    pub by_source: Vec<FlowRow>,
    pub by_team: Vec<FlowRow>,
    pub repeats: Vec<(Ref, usize)>,
}

/// Compute the dashboard. `now` is the instant open notifications are judged at (late when past the response time).
pub fn flow(events: &[Event], routing: &Routing, from: NaiveDate, as_of: NaiveDate, now_ts: i64) -> Flow {
    struct Received<'a> {
        source: Option<&'a str>,
        at: i64,
        assessed: Option<(AssessmentOutcome, i64)>,
    }
    let mut received: HashMap<(&Ref, &Ref), Received> = HashMap::new();
    for e in events {
        if let (Body::NotificationReceived { notification, source, .. }, Some(c)) = (&e.body, &e.child) {
            let d = e.at.date();
            if d > from && d <= as_of {
                received.insert(
                    (c, notification),
                    Received { source: source.as_ref().map(|s| s.as_str()), at: e.at.trigger_ts(), assessed: None },
                );
            }
        }
    }
    for e in events {
        if let (Body::NotificationAssessed { notification, outcome }, Some(c)) = (&e.body, &e.child) {
            if e.at.date() > as_of {
                continue;
            }
            if let Some(r) = received.get_mut(&(c, notification)) {
                let t = e.at.fulfil_ts();
                if r.assessed.is_none_or(|(_, first)| t < first) {
                    r.assessed = Some((*outcome, t));
                }
            }
        }
    }
    let mut by_source: HashMap<String, (FlowRow, Vec<f64>)> = HashMap::new();
    let mut by_team: HashMap<String, (FlowRow, Vec<f64>)> = HashMap::new();
    let mut total = (FlowRow { key: "i alt".into(), ..FlowRow::default() }, Vec::new());
    for r in received.values() {
        let outcome = r.assessed.map(|a| a.0);
        let route = routing.route(r.source, outcome);
        let limit = route.map(|x| i64::from(x.response_hours) * 3600).unwrap_or(i64::MAX);
        let team = route.map(|x| x.team.clone()).unwrap_or_else(|| "uden rute".into());
        let source = r.source.unwrap_or("ukendt").to_string();
        let new_row = |key: String| (FlowRow { key, ..FlowRow::default() }, Vec::new());
        let rows = [
            by_source.entry(source.clone()).or_insert_with(|| new_row(source)),
            by_team.entry(team.clone()).or_insert_with(|| new_row(team)),
        ];
        for (row, hours) in rows.into_iter().chain(std::iter::once(&mut total)) {
            row.notifications += 1;
            match r.assessed {
                Some((_, t)) => {
                    row.assessed += 1;
                    let took = (t - r.at).max(0);
                    if took <= limit {
                        row.on_time += 1;
                    }
                    hours.push(took as f64 / 3600.0);
                }
                None if now_ts - r.at > limit => row.open_late += 1,
                None => {}
            }
        }
    }
    fn finish((mut row, mut hours): (FlowRow, Vec<f64>)) -> FlowRow {
        hours.sort_by(f64::total_cmp);
        row.median_hours = match hours.len() {
            0 => None,
            n if n % 2 == 1 => Some(hours[n / 2]),
            n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
        };
        row
    }
    let sorted = |m: HashMap<String, (FlowRow, Vec<f64>)>| {
        let mut v: Vec<FlowRow> = m.into_values().map(finish).collect();
        v.sort_by(|a, b| b.notifications.cmp(&a.notifications).then_with(|| a.key.cmp(&b.key)));
        v
    };
    Flow {
        total: finish(total),
        by_source: sorted(by_source),
        by_team: sorted(by_team),
        repeats: repeat_notifications(events, as_of, 3),
    }
}

/// Children notified at least `threshold` times within 365 days up to `as_of`, with their count in that window.
/// The same child notified three times in twelve months is highlighted on the dashboard.
pub fn repeat_notifications(events: &[Event], as_of: NaiveDate, threshold: usize) -> Vec<(Ref, usize)> {
    let from = as_of - Duration::days(365);
    let mut per_child: HashMap<&Ref, usize> = HashMap::new();
    for e in events {
        if let (Body::NotificationReceived { .. }, Some(c)) = (&e.body, &e.child) {
            let d = e.at.date();
            if d > from && d <= as_of {
                *per_child.entry(c).or_default() += 1;
            }
        }
    }
    let mut out: Vec<(Ref, usize)> =
        per_child.into_iter().filter(|(_, n)| *n >= threshold).map(|(c, n)| (c.clone(), n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::parse_jsonl;

    #[test]
    fn the_first_matching_route_wins() {
        let m = Routing::default();
        assert!(m.check().is_ok());
        assert_eq!(m.route(Some("school"), Some(AssessmentOutcome::AcuteMeasure)).unwrap().team, "akut");
        assert_eq!(m.route(Some("police"), Some(AssessmentOutcome::NoAction)).unwrap().team, "undersoegelse");
        assert_eq!(m.route(Some("school"), Some(AssessmentOutcome::Investigate)).unwrap().response_hours, 144);
        assert_eq!(m.route(None, None).unwrap().team, "modtagelse");
        let no_catch_all = Routing(m.0[..2].to_vec());
        assert!(no_catch_all.check().is_err());
        assert!(no_catch_all.route(Some("school"), None).is_none());
    }

    #[test]
    fn a_custom_model_is_read_from_toml() {
        #[derive(Deserialize)]
        struct F {
            routing: Routing,
        }
        let f: F = toml::from_str(
            "[[routing]]\nsource = \"health\"\nteam = \"sundhed\"\nresponse_hours = 48\n\
             [[routing]]\nteam = \"modtagelse\"\nresponse_hours = 72\n",
        )
        .unwrap();
        assert_eq!(f.routing.route(Some("health"), None).unwrap().team, "sundhed");
        assert_eq!(f.routing.route(Some("school"), None).unwrap().response_hours, 72);
        let bad = toml::from_str::<F>("[[routing]]\nteam = \"x\"\nresponse_hours = 1\noutcome = \"maybe\"\n");
        assert!(bad.is_err());
    }

    #[test]
    fn response_times_are_measured_against_the_route() {
        let j = parse_jsonl(
            r#"{"type":"notification_received","at":"2025-03-03T09:00:00+01:00","child":"b1","notification":"n1","from_professional":true,"source":"police"}
{"type":"notification_assessed","at":"2025-03-03T20:00:00+01:00","child":"b1","notification":"n1","outcome":"investigate"}
{"type":"notification_received","at":"2025-03-03T09:00:00+01:00","child":"b2","notification":"n1","from_professional":true,"source":"police"}
{"type":"notification_assessed","at":"2025-03-05T09:00:00+01:00","child":"b2","notification":"n1","outcome":"no_action"}
{"type":"notification_received","at":"2025-03-04","child":"b3","notification":"n3","from_professional":true,"source":"school"}
{"type":"notification_assessed","at":"2025-03-06","child":"b3","notification":"n3","outcome":"no_action"}
{"type":"notification_received","at":"2025-03-20","child":"b4","notification":"n4","from_professional":false}
{"type":"notification_received","at":"2024-01-20","child":"b5","notification":"n5","from_professional":false}
"#,
        )
        .unwrap();
        let now = |d: &str| crate::time::At::parse(d).unwrap().trigger_ts();
        let f = flow(
            &j.events,
            &Routing::default(),
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
            now("2025-03-31"),
        );
        assert_eq!(f.total.notifications, 4, "b5 is before the period");
        let police = f.by_source.iter().find(|r| r.key == "police").unwrap();
        // Police goes to the investigating team within 24 hours: 11 hours is in time, 48 hours is not.
        assert_eq!((police.notifications, police.assessed, police.on_time), (2, 2, 1));
        assert_eq!(police.median_hours, Some((11.0 + 48.0) / 2.0));
        // A school notification assessed as no_action goes to modtagelsen (144 hours); a date-only assessment two days
        // later counts to the end of that day (63 hours 59 minutes 59 seconds).
        let school = f.by_source.iter().find(|r| r.key == "school").unwrap();
        assert_eq!(school.on_time, 1);
        let unknown = f.by_source.iter().find(|r| r.key == "ukendt").unwrap();
        assert_eq!((unknown.assessed, unknown.open_late), (0, 1), "11 days unassessed is past 144 hours");
        let modtagelse = f.by_team.iter().find(|r| r.key == "modtagelse").unwrap();
        assert_eq!(modtagelse.notifications, 2);
        assert_eq!(f.by_team.iter().find(|r| r.key == "undersoegelse").unwrap().notifications, 2);
        assert_eq!(f.total.on_time_share(), Some(2.0 / 3.0));
    }

    #[test]
    fn three_notifications_in_twelve_months_are_highlighted() {
        let j = parse_jsonl(
            r#"{"type":"notification_received","at":"2024-12-01","child":"b1","notification":"n1","from_professional":true}
{"type":"notification_received","at":"2025-03-01","child":"b1","notification":"n2","from_professional":true}
{"type":"notification_received","at":"2025-11-20","child":"b1","notification":"n3","from_professional":false}
{"type":"notification_received","at":"2025-01-05","child":"b2","notification":"n4","from_professional":true}
{"type":"notification_received","at":"2025-02-05","child":"b2","notification":"n5","from_professional":true}
"#,
        )
        .unwrap();
        let as_of = NaiveDate::from_ymd_opt(2025, 11, 30).unwrap();
        assert_eq!(repeat_notifications(&j.events, as_of, 3), vec![("b1".into(), 3)]);
        // A day later the first notification falls out of the twelve months.
        assert!(repeat_notifications(&j.events, as_of + Duration::days(1), 3).is_empty());
    }
}
