//! `vaern import`: a JSON Lines journal into the store — all or nothing, idempotent by event id.

use crate::journal::Recorded;
use crate::{Actor, AppendOutcome, Store, StoreError};
use domain::journal::parse_jsonl;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Read the `recorded` metadata an export adds to each line.
fn take_recorded(line: usize, event: &mut domain::event::Event) -> Result<Option<Recorded>, StoreError> {
    let Some(v) = event.take_extra("recorded") else { return Ok(None) };
    let bad =
        |what: &str| StoreError::Input(format!("linje {line}, felt \"recorded.{what}\": mangler eller er ugyldig"));
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Some(Recorded {
        by: s("by").ok_or_else(|| bad("by"))?,
        at: s("at").ok_or_else(|| bad("at"))?,
        municipality: s("municipality").ok_or_else(|| bad("municipality"))?,
        salt: s("salt"),
        erased_digest: s("erased_digest"),
    }))
}

impl Store {
    /// Import a JSON Lines journal. A bad line rejects the whole file (every bad line is named); events whose id is
    /// already stored with the same content are skipped, so importing a file twice changes nothing. Lines without
    /// an id get one derived from their content, so that re-importing such a file is idempotent too.
    pub async fn import_jsonl(&self, text: &str, actor: &Actor) -> Result<AppendOutcome, StoreError> {
        use rayon::prelude::*;
        let clock = std::time::Instant::now();
        let journal = parse_jsonl(text).map_err(|e| StoreError::Input(e.to_string()))?;
        if std::env::var_os("VAERN_BULK_TIMING").is_some() {
            eprintln!("parsed: {:.2} s", clock.elapsed().as_secs_f64());
        }
        let (mut events, lines) = (journal.events, journal.lines);
        // The export's metadata, and the content digest of each event without an id (in parallel, in place).
        let extra = events
            .par_iter_mut()
            .zip(&lines)
            .with_min_len(1024)
            .map(|(event, &line)| {
                let recorded = take_recorded(line, event)?;
                let digest =
                    event.id.is_none().then(|| hex::encode(&Sha256::digest(event.to_json_line().as_bytes())[..12]));
                Ok((recorded, digest))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // An id from the content, numbered among equal lines, so that re-importing the file is idempotent.
        let mut occurrences: HashMap<&str, usize> = HashMap::new();
        for (event, (_, digest)) in events.iter_mut().zip(&extra) {
            if let Some(digest) = digest {
                let n = occurrences.entry(digest.as_str()).or_insert(0);
                *n += 1;
                event.id = Some(format!("e-{digest}-{n}").into());
            }
        }
        drop(occurrences);
        let items: Vec<_> = events
            .into_iter()
            .zip(lines)
            .zip(extra)
            .map(|((event, line), (recorded, _))| (line, event, recorded))
            .collect();
        if std::env::var_os("VAERN_BULK_TIMING").is_some() {
            eprintln!("ids: {:.2} s", clock.elapsed().as_secs_f64());
        }
        self.append_items(actor, items, true).await
    }
}
