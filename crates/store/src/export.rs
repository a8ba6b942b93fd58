//! `vaern export`: the journal as JSON Lines, in journal order, each line the canonical event plus its recording
//! metadata (`"recorded"`), so that import → export → import gives the same journal, the same hash chain and the
//! same bytes.

use crate::journal::StoredEvent;
use crate::{col, Store, StoreError};
use serde_json::{json, Map, Value};

/// One exported line (without newline).
pub fn export_line(e: &StoredEvent, salt: Option<&str>, erased_digest: Option<&str>) -> String {
    let mut line = e.event.to_json_line();
    let mut rec = Map::new();
    rec.insert("by".into(), json!(e.recorded_by));
    rec.insert("at".into(), json!(e.recorded_at));
    rec.insert("municipality".into(), json!(e.municipality));
    if let Some(s) = salt {
        rec.insert("salt".into(), json!(s));
    }
    if let Some(d) = erased_digest {
        rec.insert("erased_digest".into(), json!(d));
    }
    line.pop();
    if !line.ends_with('{') {
        line.push(',');
    }
    line.push_str("\"recorded\":");
    line.push_str(&Value::Object(rec).to_string());
    line.push('}');
    line
}

impl Store {
    /// Write the whole journal through `sink`, line by line.
    pub async fn export_jsonl(&self, mut sink: impl FnMut(&str) -> std::io::Result<()>) -> Result<i64, StoreError> {
        let mut after = 0i64;
        let mut n = 0;
        loop {
            let page = self.events_page(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            let first = page[0].seq;
            let meta = sqlx::query(
                "SELECT j.seq, j.personal_digest, p.salt, p.data FROM journal j \
                 LEFT JOIN journal_personal p ON p.event_id = j.event_id WHERE j.seq >= $1 AND j.seq <= $2 ORDER BY j.seq",
            )
            .bind(first)
            .bind(after)
            .fetch_all(self.pool())
            .await?;
            for (e, m) in page.iter().zip(meta.iter()) {
                let salt: Option<String> = col(m, "salt")?;
                let data: Option<String> = col(m, "data")?;
                let digest: Option<String> = col(m, "personal_digest")?;
                let erased = if data.is_none() { digest.as_deref() } else { None };
                let mut line = export_line(e, salt.as_deref().filter(|_| data.is_some()), erased);
                line.push('\n');
                sink(&line)?;
                n += 1;
            }
        }
        Ok(n)
    }
}
