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
        let journal = parse_jsonl(text).map_err(|e| StoreError::Input(e.to_string()))?;
        let mut items = Vec::with_capacity(journal.len());
        let mut occurrences: HashMap<String, usize> = HashMap::new();
        for (mut event, line) in journal.events.into_iter().zip(journal.lines) {
            let recorded = take_recorded(line, &mut event)?;
            if event.id.is_none() {
                let digest = hex::encode(Sha256::digest(event.to_json_line().as_bytes()));
                let n = occurrences.entry(digest.clone()).or_insert(0);
                *n += 1;
                event.id = Some(format!("e-{}-{}", &digest[..24], n).into());
            }
            items.push((line, event, recorded));
        }
        self.append_items(actor, items, true).await
    }
}
