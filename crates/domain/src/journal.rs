//! A journal: events read from JSON Lines (with line numbers), checked for unique ids, and corrections applied.

use crate::event::{Body, Event, LineError};
use crate::time::AsOf;
use rayon::prelude::*;
use std::collections::HashMap;

/// An event with the line it was read from (0 when it did not come from a file).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub line: usize,
    pub event: Event,
}

/// The most errors reported from one file; the rest are counted.
pub const MAX_ERRORS: usize = 50;

/// All problems of one file, in line order (at most `MAX_ERRORS`, plus how many more there were).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct JournalErrors {
    pub errors: Vec<LineError>,
    pub more: usize,
}

impl std::fmt::Display for JournalErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.more > 0 {
            write!(f, "\n… og {} fejl mere", self.more)?;
        }
        Ok(())
    }
}

impl From<LineError> for JournalErrors {
    fn from(e: LineError) -> Self {
        JournalErrors { errors: vec![e], more: 0 }
    }
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Parse JSON Lines text. Blank lines and `#` lines are skipped. Lines are parsed in parallel; the result is in
/// file order. Every bad line is reported (up to `MAX_ERRORS`), never just dropped.
pub fn parse_jsonl(text: &str) -> Result<Vec<Entry>, JournalErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().filter(|(_, l)| !is_blank_or_comment(l)).map(|(i, l)| (i + 1, l)).collect();
    let parsed: Vec<Result<Entry, LineError>> = lines
        .par_iter()
        .with_min_len(4096)
        .map(|&(line, l)| Event::parse_json(l).map(|event| Entry { line, event }).map_err(|e| e.with_line(line)))
        .collect();
    let mut entries = Vec::with_capacity(parsed.len());
    let mut errors = Vec::new();
    let mut more = 0;
    for p in parsed {
        match p {
            Ok(e) => entries.push(e),
            Err(e) if errors.len() < MAX_ERRORS => errors.push(e),
            Err(_) => more += 1,
        }
    }
    if errors.is_empty() {
        check_unique_ids(&entries)?;
        Ok(entries)
    } else {
        Err(JournalErrors { errors, more })
    }
}

/// Event ids are unique within a journal.
pub fn check_unique_ids(entries: &[Entry]) -> Result<(), LineError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for e in entries {
        if let Some(id) = &e.event.id {
            if let Some(first) = seen.insert(id.as_str(), e.line) {
                return Err(LineError {
                    line: e.line,
                    field: Some("id".into()),
                    message: format!("id \"{id}\" er allerede brugt på linje {first}"),
                });
            }
        }
    }
    Ok(())
}

/// The events as the engine reads them: every `correction` applied to the event it corrects (in time order, then
/// file order). With `known_at`, corrections made after that instant are not yet applied (the journal as it read
/// then). Corrections themselves stay out of the result; the journal keeps them. Every correction is checked.
pub fn apply_corrections(entries: &[Entry], known_at: Option<AsOf>) -> Result<Vec<Entry>, LineError> {
    let mut corrections: Vec<&Entry> =
        entries.iter().filter(|e| matches!(e.event.body, Body::Correction { .. })).collect();
    let mut out: Vec<Entry> =
        entries.iter().filter(|e| !matches!(e.event.body, Body::Correction { .. })).cloned().collect();
    if corrections.is_empty() {
        return Ok(out);
    }
    corrections.sort_by_key(|e| (e.event.at.as_trigger(), e.line));
    let index: HashMap<&str, usize> =
        out.iter().enumerate().filter_map(|(i, e)| e.event.id.as_deref().map(|id| (id, i))).collect();
    let mut updates: Vec<(usize, Event)> = Vec::new();
    for c in corrections {
        let Body::Correction { corrects, fields, .. } = &c.event.body else { continue };
        let err = |message: String| LineError { line: c.line, field: Some("corrects".into()), message };
        let Some(&i) = index.get(corrects.as_str()) else {
            let msg = if entries.iter().any(|e| e.event.id.as_deref() == Some(corrects.as_str())) {
                format!("en rettelse kan ikke rette en anden rettelse (\"{corrects}\")")
            } else {
                format!("der findes ingen hændelse med id \"{corrects}\"")
            };
            return Err(err(msg));
        };
        let current = updates.iter().rev().find(|(j, _)| *j == i).map(|(_, e)| e).unwrap_or(&out[i].event);
        let mut value = current.to_value();
        if let Some(obj) = value.as_object_mut() {
            for (k, v) in fields {
                obj.insert(k.clone(), v.clone());
            }
        }
        let corrected = Event::from_value(&value).map_err(|e| LineError {
            line: c.line,
            field: Some(match e.field {
                Some(f) => format!("fields.{f}"),
                None => "fields".into(),
            }),
            message: format!("rettelsen giver en ugyldig hændelse: {}", e.message),
        })?;
        if known_at.is_none_or(|t| c.event.at.as_trigger() <= t.instant()) {
            updates.push((i, corrected));
        }
    }
    for (i, e) in updates {
        out[i].event = e;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_bad_line_with_its_number() {
        let text = "# comment\n\n{\"type\":\"foster_supervision\",\"at\":\"2024-01-01\",\"site\":\"s\"}\n{\"type\":\"x\"}\nnot json\n";
        let err = parse_jsonl(text).unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[0].line, 4);
        assert_eq!(err.errors[1].line, 5);
        assert!(err.to_string().starts_with("linje 4"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = "{\"type\":\"foster_supervision\",\"at\":\"2024-01-01\",\"site\":\"s\",\"id\":\"e1\"}\n{\"type\":\"foster_supervision\",\"at\":\"2024-01-02\",\"site\":\"s\",\"id\":\"e1\"}\n";
        let err = parse_jsonl(text).unwrap_err();
        assert_eq!(err.errors[0].line, 2);
        assert_eq!(err.errors[0].field.as_deref(), Some("id"));
    }

    #[test]
    fn corrections_replace_fields() {
        let text = r#"{"type":"supervision_visit","at":"2024-01-01","child":"b","placement":"p","child_spoken_to":false,"id":"v1"}
{"type":"correction","at":"2024-02-01","child":"b","corrects":"v1","fields":{"child_spoken_to":true,"at":"2024-01-02"},"reason":"tastefejl"}"#;
        let entries = parse_jsonl(text).unwrap();
        let fixed = apply_corrections(&entries, None).unwrap();
        assert_eq!(fixed.len(), 1);
        assert!(matches!(fixed[0].event.body, Body::SupervisionVisit { child_spoken_to: true, .. }));
        assert_eq!(fixed[0].event.at.to_string(), "2024-01-02");

        let bad =
            r#"{"type":"correction","at":"2024-02-01","child":"b","corrects":"nope","fields":{"x":1},"reason":"r"}"#;
        let e = apply_corrections(&parse_jsonl(bad).unwrap(), None).unwrap_err();
        assert_eq!(e.line, 1);
        let bad_value = text.replace("true,\"at\"", "\"ja\",\"at\"");
        let e = apply_corrections(&parse_jsonl(&bad_value).unwrap(), None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("fields.child_spoken_to"));
    }
}
