//! Which parts of an event are personal data (CPR number, names, free-text notes and the child's own words), so that
//! storage can keep them apart from the event's core: the core is hash-chained for tamper evidence, the personal
//! part only through its digest, and can be erased (GDPR) without breaking the chain.

use crate::event::EventType;
use serde_json::{Map, Value};

/// Placeholder for a required text that was erased.
pub const ERASED: &str = "[slettet]";

/// The personal fields of an event type (top level).
pub fn personal_keys(t: EventType) -> &'static [&'static str] {
    use EventType::*;
    match t {
        ChildRegistered => &["cpr", "name", "note"],
        NotificationReceived => &["concern", "note"],
        InvestigationCompleted => &["conclusion", "note"],
        SupervisionVisit => &["child_view", "note"],
        PlacementEnded => &["reason", "note"],
        DangerSignalHandled => &["action", "note"],
        Correction => &["reason", "note"],
        _ => &["note"],
    }
}

/// Fields that a correction may carry and that are personal, whatever event they correct.
const CORRECTABLE_PERSONAL: &[&str] =
    &["cpr", "name", "note", "concern", "conclusion", "child_view", "action", "reason"];

/// Split an event's JSON object into its core and its personal part (`None` when it has no personal data).
/// A correction's personal field values move to the personal part as `fields.<key>`; its required `reason` stays in
/// the core as the placeholder `[slettet]`.
pub fn split(t: EventType, event: &Map<String, Value>) -> (Map<String, Value>, Option<Map<String, Value>>) {
    let keys = personal_keys(t);
    let mut core = Map::new();
    let mut personal = Map::new();
    for (k, v) in event {
        if keys.contains(&k.as_str()) {
            personal.insert(k.clone(), v.clone());
            if t == EventType::Correction && k == "reason" {
                core.insert(k.clone(), Value::String(ERASED.into()));
            }
        } else if t == EventType::Correction && k == "fields" {
            let mut kept = Map::new();
            if let Value::Object(fields) = v {
                for (fk, fv) in fields {
                    if CORRECTABLE_PERSONAL.contains(&fk.as_str()) {
                        personal.insert(format!("fields.{fk}"), fv.clone());
                    } else {
                        kept.insert(fk.clone(), fv.clone());
                    }
                }
            }
            core.insert(k.clone(), Value::Object(kept));
        } else {
            core.insert(k.clone(), v.clone());
        }
    }
    (core, if personal.is_empty() { None } else { Some(personal) })
}

/// Put an event back together from its core and (if not erased) its personal part.
pub fn merge(core: &Map<String, Value>, personal: Option<&Map<String, Value>>) -> Map<String, Value> {
    let mut out = core.clone();
    if let Some(p) = personal {
        for (k, v) in p {
            match k.strip_prefix("fields.") {
                Some(fk) => {
                    if let Some(Value::Object(fields)) = out.get_mut("fields") {
                        fields.insert(fk.to_string(), v.clone());
                    }
                }
                None => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    out
}

/// Whether a merged event is a correction left with nothing to correct (its personal values were erased).
pub fn is_empty_correction(event: &Map<String, Value>) -> bool {
    event.get("type").and_then(Value::as_str) == Some("correction")
        && event.get("fields").and_then(Value::as_object).is_some_and(Map::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    fn obj(line: &str) -> Map<String, Value> {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn split_and_merge_round_trip() {
        for line in [
            r#"{"type":"child_registered","at":"2024-02-01","child":"b1","birth_date":"2014-05-17","municipality":"101","cpr":"170514-4123","name":"Ida Holm","note":"x"}"#,
            r#"{"type":"supervision_visit","at":"2024-02-01","child":"b1","placement":"p1","child_spoken_to":true,"without_carers":true,"child_view":"Jeg er glad her"}"#,
            r#"{"type":"correction","at":"2024-02-01","child":"b1","corrects":"e1","fields":{"name":"Ida Holm","at":"2024-01-01"},"reason":"stavefejl"}"#,
            r#"{"type":"foster_supervision","at":"2024-02-01","site":"s1"}"#,
        ] {
            let e = Event::parse_json(line).unwrap();
            let full = obj(&e.to_json_line());
            let (core, personal) = split(e.event_type(), &full);
            let merged = merge(&core, personal.as_ref());
            let back = Event::from_value(&Value::Object(merged)).unwrap();
            assert_eq!(back, e);
            assert!(!core.contains_key("cpr") && !core.contains_key("child_view"));
        }
    }

    #[test]
    fn erased_events_still_parse() {
        let line = r#"{"type":"correction","at":"2024-02-01","child":"b1","corrects":"e1","fields":{"name":"Ida Holm"},"reason":"stavefejl"}"#;
        let e = Event::parse_json(line).unwrap();
        let (core, personal) = split(e.event_type(), &obj(&e.to_json_line()));
        assert!(personal.is_some());
        assert!(is_empty_correction(&core));
        let reg = r#"{"type":"child_registered","at":"2024-02-01","child":"b1","birth_date":"2014-05-17","municipality":"101","cpr":"170514-4123","name":"Ida Holm"}"#;
        let e = Event::parse_json(reg).unwrap();
        let (core, _) = split(e.event_type(), &obj(&e.to_json_line()));
        let erased = Event::from_value(&Value::Object(core)).unwrap();
        assert!(matches!(erased.body, crate::event::Body::ChildRegistered { cpr: None, name: None, .. }));
    }
}
