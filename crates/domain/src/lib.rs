//! Værn's domain: pure Rust, no I/O, no clock.
//!
//! Types (`Cpr`, `MunicipalityCode`), the journal event format (`event`, `journal`), the Danish calendar
//! (`calendar`), and the legal deadline engine (`rules`) that turns a journal into obligations (`obligation`).

pub mod access;
pub mod calendar;
pub mod cpr;
pub mod detection;
pub mod disclosure;
pub mod economy;
pub mod effect;
pub mod event;
pub mod flatjson;
pub mod indicators;
pub mod journal;
pub mod knowledge;
pub mod municipality;
pub mod national;
pub mod obligation;
pub mod personal;
pub mod practice;
pub mod rules;
pub mod stats;
pub mod supervision;
pub mod synth;
pub mod time;

use journal::{parse_jsonl, JournalErrors};
use obligation::Obligation;
use rules::RulePack;
use time::AsOf;

/// Read a journal in JSON Lines and compute its obligations at `as_of` — the `vaern obligations` pipeline.
pub fn obligations_from_jsonl<'p>(
    text: &str,
    as_of: AsOf,
    pack: &'p RulePack,
) -> Result<Vec<Obligation<'p>>, JournalErrors> {
    let mut journal = parse_jsonl(text)?;
    journal.apply_corrections(Some(as_of))?;
    Ok(rules::obligations(&journal.events, as_of, pack))
}
