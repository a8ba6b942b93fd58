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
