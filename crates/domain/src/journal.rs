//! A journal: events read from JSON Lines (with line numbers), checked for unique ids, and corrections applied.

use crate::event::{Body, Event, EventType, LineError, Ref};
use crate::time::AsOf;
use crate::time::At;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::HashMap;

/// A journal: events with the line (or sequence number) each came from. Corrections stay in it as events; the
/// engine ignores them once applied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Journal {
    pub events: Vec<Event>,
    /// 1-based line number of each event (0 when it did not come from a file; the sequence number in a store).
    pub lines: Vec<usize>,
}

impl Journal {
    /// A journal of events that did not come from a file.
    pub fn from_events(events: Vec<Event>) -> Journal {
        let lines = vec![0; events.len()];
        Journal { events, lines }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn push(&mut self, line: usize, event: Event) {
        self.events.push(event);
        self.lines.push(line);
    }
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

/// Whether a line's `"type"` is one of `types` (true when the type is not plain to see: the parser decides).
fn wanted(line: &str, types: &[&str]) -> bool {
    const KEY: &str = "\"type\":\"";
    let at = match line.strip_prefix('{').and_then(|l| l.strip_prefix(KEY)) {
        Some(rest) => rest,
        None => match memchr::memmem::find(line.as_bytes(), KEY.as_bytes()) {
            Some(i) => &line[i + KEY.len()..],
            None => return true,
        },
    };
    match at.find('"') {
        Some(end) if !at[..end].contains('\\') => types.contains(&&at[..end]),
        _ => true,
    }
}

fn is_blank_or_comment(line: &str) -> bool {
    if line.starts_with('{') {
        return false;
    }
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// A line of a piece of text: its number and where it lies (byte range).
type Span = (usize, usize, usize);

/// The lines of `text` that are not blank or comments, numbered on from `before`, appended to `out` (as spans,
/// offset by `at`); returns the number of the last line. Lines end at `\n` (found with SIMD search; a `\r` before
/// it is dropped, as `lines()` does).
fn split_lines(text: &str, at: usize, before: usize, out: &mut Vec<Span>) -> usize {
    let mut start = 0;
    let mut number = before;
    let last = !text.is_empty() && !text.ends_with('\n');
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain(last.then_some(text.len())) {
        number += 1;
        let l = &text[start..end];
        let l = l.strip_suffix('\r').unwrap_or(l);
        if !is_blank_or_comment(l) {
            out.push((number, at + start, at + start + l.len()));
        }
        start = end + 1;
    }
    number
}

/// Parse JSON Lines text. Blank lines and `#` lines are skipped. Lines are parsed in parallel; the result is in
/// file order. Every bad line is reported (up to `MAX_ERRORS`), never just dropped.
pub fn parse_jsonl(text: &str) -> Result<Journal, JournalErrors> {
    // Sized from the text: the journal is allocated once, not grown by doubling (and copied) on the way.
    let mut reader = JsonlReader::with_size_hint(text.len());
    reader.feed(text.strip_prefix('\u{feff}').unwrap_or(text));
    reader.finish()
}

/// Parses a journal that arrives in pieces (a large file read block by block), so that the whole text never has to
/// be in memory at once. Feed it text that ends at a line boundary; line numbers continue across pieces.
#[derive(Debug, Default)]
pub struct JsonlReader {
    journal: Journal,
    errors: Vec<LineError>,
    more: usize,
    lines_seen: usize,
    /// Total size of the input in bytes, if known: the journal is then allocated once, not grown by doubling.
    size_hint: Option<usize>,
    bytes_seen: usize,
    /// Only these event types are parsed (see [`JsonlReader::only`]).
    only: Option<Vec<&'static str>>,
    /// The lines of the current piece, its two halves split in parallel. Kept from piece to piece so that their
    /// memory is reused: fresh memory for each piece would cost a page fault per 4 KiB, every time.
    halves: [Vec<Span>; 2],
}

impl JsonlReader {
    /// A reader for an input of about `bytes` bytes.
    pub fn with_size_hint(bytes: usize) -> JsonlReader {
        JsonlReader { size_hint: Some(bytes), ..JsonlReader::default() }
    }

    /// Parse only the lines of these event types; the others are skipped unparsed (and unchecked), as a column
    /// store reads only the columns a query names. A line whose type is not plain to see is parsed. For reports that
    /// need a few types of a large journal.
    pub fn only(mut self, types: &[EventType]) -> JsonlReader {
        self.only = Some(types.iter().map(|t| t.as_str()).collect());
        self
    }

    /// Parse the complete lines of `text` (which must end at a line boundary, or be the end of the input).
    pub fn feed(&mut self, text: &str) {
        let only = self.only.as_deref();
        // Split at each `\n` (found with SIMD search; a `\r` before it is dropped, as `lines()` does), numbering the
        // lines and skipping blank and comment lines; with a type filter, the lines are then filtered in parallel.
        const HALVES_FROM: usize = 1 << 20;
        let [first, second] = &mut self.halves;
        first.clear();
        second.clear();
        let cut = if text.len() >= HALVES_FROM {
            memchr::memchr(b'\n', &text.as_bytes()[text.len() / 2..]).map_or(text.len(), |p| text.len() / 2 + p + 1)
        } else {
            text.len()
        };
        let (a, b) = text.split_at(cut);
        let before = self.lines_seen;
        let (last_a, last_b) = rayon::join(|| split_lines(a, 0, before, first), || split_lines(b, cut, 0, second));
        self.lines_seen = last_a + last_b;
        // The second half was numbered from 0.
        second.iter_mut().for_each(|s| s.0 += last_a);
        if let Some(o) = only {
            let kept: Vec<Span> = first
                .par_iter()
                .chain(second.par_iter())
                .with_min_len(4096)
                .filter(|&&(_, s, e)| wanted(&text[s..e], o))
                .copied()
                .collect();
            *first = kept;
            second.clear();
        }
        let (first, second) = (&self.halves[0], &self.halves[1]);
        let count = first.len() + second.len();
        if let (Some(total), 0) = (self.size_hint.take(), self.bytes_seen) {
            // Estimate the number of events from the first piece's bytes per event (+10 %).
            let per_event = (text.len() / count.max(1)).max(1);
            let estimate = total / per_event + total / per_event / 10 + 16;
            self.journal.events.reserve_exact(estimate);
            self.journal.lines.reserve_exact(estimate);
        }
        self.bytes_seen += text.len();
        let errors = std::sync::Mutex::new(Vec::new());
        // Parse straight into the journal's own buffer (no intermediate copy of millions of events). A bad line
        // leaves a placeholder; a journal with errors is never returned.
        self.journal.events.par_extend(first.par_iter().chain(second.par_iter()).with_min_len(2048).map(
            |&(line, s, e)| {
                Event::parse_json(&text[s..e]).unwrap_or_else(|e| {
                    if let Ok(mut errs) = errors.lock() {
                        errs.push(e.with_line(line));
                    }
                    Event::new(At::date_only(NaiveDate::MIN), None, Body::FosterSupervision { site: Ref::default() })
                })
            },
        ));
        self.journal.lines.extend(first.iter().chain(second).map(|s| s.0));
        let mut errors = errors.into_inner().unwrap_or_default();
        errors.sort_by_key(|e| e.line);
        for e in errors {
            if self.errors.len() < MAX_ERRORS {
                self.errors.push(e);
            } else {
                self.more += 1;
            }
        }
        if !self.errors.is_empty() {
            // Keep counting errors in later pieces, but do not keep events.
            self.journal.events.clear();
            self.journal.lines.clear();
        }
    }

    /// The journal, or every problem found.
    pub fn finish(self) -> Result<Journal, JournalErrors> {
        if !self.errors.is_empty() {
            return Err(JournalErrors { errors: self.errors, more: self.more });
        }
        check_unique_ids(&self.journal)?;
        Ok(self.journal)
    }
}

/// Events as JSON Lines text (one canonical line each, newline-terminated).
pub fn to_jsonl(events: &[Event]) -> String {
    let mut text = String::with_capacity(events.len() * 160);
    for e in events {
        text.push_str(&e.to_json_line());
        text.push('\n');
    }
    text
}

/// Event ids are unique within a journal.
pub fn check_unique_ids(journal: &Journal) -> Result<(), LineError> {
    // Few events carry an id: they are picked out in parallel, then checked in file order.
    let ids: Vec<(&str, usize)> = journal
        .events
        .par_iter()
        .zip(&journal.lines)
        .with_min_len(8192)
        .filter_map(|(e, &line)| e.id.as_deref().map(|id| (id, line)))
        .collect();
    let mut seen: rustc_hash::FxHashMap<&str, usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(ids.len(), Default::default());
    for (id, line) in ids {
        if let Some(first) = seen.insert(id, line) {
            return Err(LineError {
                line,
                field: Some("id".into()),
                message: format!("id \"{id}\" er allerede brugt på linje {first}"),
            });
        }
    }
    Ok(())
}

impl Journal {
    /// Apply every `correction` to the event it corrects (in time order, then file order), in place. With
    /// `known_at`, corrections made after that instant are checked but not yet applied (the journal as it read then).
    /// The correction events stay in the journal; the engine ignores them.
    pub fn apply_corrections(&mut self, known_at: Option<AsOf>) -> Result<(), LineError> {
        let mut corrections: Vec<usize> = (0..self.events.len())
            .into_par_iter()
            .with_min_len(8192)
            .filter(|&i| matches!(self.events[i].body, Body::Correction(_)))
            .collect();
        if corrections.is_empty() {
            return Ok(());
        }
        corrections.sort_by_key(|&i| (self.events[i].at.as_trigger(), self.lines[i]));
        let index: HashMap<String, usize> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| !matches!(e.body, Body::Correction(_)))
            .filter_map(|(i, e)| e.id.as_deref().map(|id| (id.to_string(), i)))
            .collect();
        for c in corrections {
            let line = self.lines[c];
            let Body::Correction(correction) = &self.events[c].body else { continue };
            let (corrects, fields) = (&correction.corrects, &correction.fields);
            let err = |message: String| LineError { line, field: Some("corrects".into()), message };
            let Some(&i) = index.get(corrects.as_str()) else {
                let msg = if self.events.iter().any(|e| e.id.as_deref() == Some(corrects.as_str())) {
                    format!("en rettelse kan ikke rette en anden rettelse (\"{corrects}\")")
                } else {
                    format!("der findes ingen hændelse med id \"{corrects}\"")
                };
                return Err(err(msg));
            };
            let corrected = self.events[i].corrected(fields).map_err(|e| LineError {
                line,
                field: Some(match e.field {
                    Some(f) => format!("fields.{f}"),
                    None => "fields".into(),
                }),
                message: format!("rettelsen giver en ugyldig hændelse: {}", e.message),
            })?;
            if known_at.is_none_or(|t| self.events[c].at.as_trigger() <= t.instant()) {
                self.events[i] = corrected;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_for_some_types_skips_the_other_lines_unparsed() {
        let text = r#"{"type":"child_registered","at":"2024-01-10","child":"b1","birth_date":"2012-04-10","municipality":"751"}
{"type":"supervision_visit","at":"2024-04-02","child":"b1","placement":"p1","child_spoken_to":"not a bool"}
{"at":"2024-03-01","type":"placement_started","child":"b1","placement":"p1","site":"s1","placement_type":"foster_family","consent":true}
{"type":"placement_ended","at":"2024-09-01","child":"b1","placement":"p1","note":"ikke \"type\":\"x\""}
{"type": "placement_ended", "at": "2024-10-01", "child": "b1", "placement": "p2"}
"#;
        let mut r = JsonlReader::default().only(&[
            EventType::ChildRegistered,
            EventType::PlacementStarted,
            EventType::PlacementEnded,
        ]);
        r.feed(text);
        let j = r.finish().expect("the bad supervision visit is not read");
        let types: Vec<EventType> = j.events.iter().map(|e| e.body.event_type()).collect();
        assert_eq!(
            types,
            [
                EventType::ChildRegistered,
                EventType::PlacementStarted,
                EventType::PlacementEnded,
                EventType::PlacementEnded
            ]
        );
        assert_eq!(j.lines, vec![1, 3, 4, 5], "line numbers are the file's");
        // The same journal read whole reports the bad line.
        let err = parse_jsonl(text).unwrap_err();
        assert_eq!(err.errors[0].line, 2);
        // A wanted line that is bad is reported.
        let mut r = JsonlReader::default().only(&[EventType::PlacementStarted]);
        r.feed("{\"type\":\"placement_started\",\"at\":\"2024-03-01\"}\n");
        assert_eq!(r.finish().unwrap_err().errors[0].line, 1);
    }

    #[test]
    fn reports_every_bad_line_with_its_number() {
        let text = "# comment\n\n{\"type\":\"foster_supervision\",\"at\":\"2024-01-01\",\"site\":\"s\"}\n{\"type\":\"x\"}\nnot json\n";
        let err = parse_jsonl(text).unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[0].line, 4);
        assert_eq!(err.errors[1].line, 5);
        assert!(err.to_string().starts_with("linje 4"), "{err}");
    }

    /// Line numbers run on across pieces; `\r\n` endings, an empty piece and a last line without `\n` count right.
    /// A large text is split in halves read in parallel: the lines and their numbers are those of `str::lines`.
    #[test]
    fn large_texts_are_split_like_lines() {
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 3 << 20 {
            match i % 7 {
                0 => text.push('\n'),
                1 => text.push_str("# a comment\r\n"),
                2 => text.push_str("   \n"),
                _ => text.push_str(&format!("{{\"n\":{i},\"pad\":\"{}\"}}\r\n", "x".repeat(i % 50))),
            }
            i += 1;
        }
        text.push_str("{\"last\":true}");
        let expected: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .map(|(n, l)| (n + 1 + 10, l))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .collect();
        let mut reader = JsonlReader { lines_seen: 10, ..JsonlReader::default() };
        reader.feed(&text);
        assert_eq!(reader.lines_seen, text.lines().count() + 10);
        assert!(reader.halves[1].len() > expected.len() / 3, "both halves hold lines");
        let read: Vec<(usize, &str)> =
            reader.halves[0].iter().chain(&reader.halves[1]).map(|&(n, s, e)| (n, &text[s..e])).collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn lines_are_numbered_across_pieces() {
        let mut r = JsonlReader::default();
        r.feed("# a comment\r\n{\"type\":\"x\"}\r\n\r\n");
        r.feed("");
        r.feed("{\"type\":\"foster_supervision\",\"at\":\"2024-01-01\",\"site\":\"s\"}\n   \nnot json");
        let err = r.finish().unwrap_err();
        let lines: Vec<usize> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 6]);
        let ok = parse_jsonl("{\"type\":\"foster_supervision\",\"at\":\"2024-01-01\",\"site\":\"s\"}\r\n").unwrap();
        assert_eq!((ok.events.len(), ok.lines.clone()), (1, vec![1]));
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
        let mut journal = parse_jsonl(text).unwrap();
        let before = journal.clone();
        journal.apply_corrections(Some(AsOf::parse("2024-01-31").unwrap())).unwrap();
        assert_eq!(journal, before, "a correction made after as-of is not applied yet");
        journal.apply_corrections(None).unwrap();
        assert_eq!(journal.len(), 2, "the correction stays in the journal");
        assert!(matches!(journal.events[0].body, Body::SupervisionVisit { child_spoken_to: true, .. }));
        assert_eq!(journal.events[0].at.to_string(), "2024-01-02");

        let bad =
            r#"{"type":"correction","at":"2024-02-01","child":"b","corrects":"nope","fields":{"x":1},"reason":"r"}"#;
        let e = parse_jsonl(bad).unwrap().apply_corrections(None).unwrap_err();
        assert_eq!(e.line, 1);
        let bad_value = text.replace("true,\"at\"", "\"ja\",\"at\"");
        let e = parse_jsonl(&bad_value).unwrap().apply_corrections(None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("fields.child_spoken_to"));
    }
}
