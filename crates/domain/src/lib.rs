//! Værn's domain: pure Rust, no I/O, no clock.
//!
//! Types (`Cpr`, `MunicipalityCode`), the journal event format (`event`, `journal`), the Danish calendar
//! (`calendar`), and the legal deadline engine (`rules`) that turns a journal into obligations (`obligation`).

pub mod calendar;
pub mod cpr;
pub mod event;
pub mod journal;
pub mod municipality;
pub mod obligation;
pub mod personal;
pub mod rules;
pub mod synth;
pub mod time;

use journal::{apply_corrections, parse_jsonl, JournalErrors};
use obligation::Obligation;
use rules::RulePack;
use time::AsOf;

/// Read a journal in JSON Lines and compute its obligations at `as_of` — the `vaern obligations` pipeline.
pub fn obligations_from_jsonl(text: &str, as_of: AsOf, pack: &RulePack) -> Result<Vec<Obligation>, JournalErrors> {
    let entries = parse_jsonl(text)?;
    let entries = apply_corrections(&entries, Some(as_of))?;
    let events: Vec<event::Event> = entries.into_iter().map(|e| e.event).collect();
    Ok(rules::obligations(&events, as_of, pack))
}
