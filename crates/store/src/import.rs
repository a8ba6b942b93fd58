//! `vaern import`: a JSON Lines journal into the store — all or nothing, idempotent by event id.

use crate::journal::{Item, Recorded};
use crate::{Actor, AppendOutcome, Store, StoreError};
use domain::journal::{parse_jsonl, Journal};
use serde_json::Value;
use sha2::{Digest, Sha256};

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

/// Bytes of the SHA-256 content digest in a derived id (24 hex digits).
const DIGEST: usize = 12;

/// Per event: the recorded metadata of an export, and the content digest when the line has no id.
type Extra = (Option<Box<Recorded>>, Option<[u8; DIGEST]>);

/// For each event, its number among the events of equal content before it (1 for the first); a sort of the
/// digests, not a hash map of five million strings.
fn occurrences(extra: &[Extra]) -> Vec<u32> {
    use rayon::prelude::*;
    let mut keyed: Vec<([u8; DIGEST], u32)> =
        extra.iter().enumerate().filter_map(|(i, (_, d))| d.map(|d| (d, i as u32))).collect();
    // Equal digests end up side by side, in file order.
    keyed.par_sort_unstable();
    let mut numbers = vec![1u32; extra.len()];
    for pair in keyed.windows(2) {
        if pair[0].0 == pair[1].0 {
            numbers[pair[1].1 as usize] = numbers[pair[0].1 as usize] + 1;
        }
    }
    numbers
}

impl Store {
    /// Import a JSON Lines journal. A bad line rejects the whole file (every bad line is named); events whose id is
    /// already stored with the same content are skipped, so importing a file twice changes nothing. Lines without
    /// an id get one derived from their content, so that re-importing such a file is idempotent too.
    pub async fn import_jsonl(&self, text: &str, actor: &Actor) -> Result<AppendOutcome, StoreError> {
        let journal = parse_jsonl(text).map_err(|e| StoreError::Input(e.to_string()))?;
        self.import_journal(journal, actor).await
    }

    /// Import a journal parsed from JSON Lines (as [`Store::import_jsonl`] does with its text): for a large file
    /// that the caller reads and parses block by block ([`domain::journal::JsonlReader`]), so that the whole text is
    /// never in memory.
    pub async fn import_journal(&self, journal: Journal, actor: &Actor) -> Result<AppendOutcome, StoreError> {
        use rayon::prelude::*;
        let clock = std::time::Instant::now();
        let (mut events, lines) = (journal.events, journal.lines);
        // The export's metadata, and the content digest of each event without an id (in parallel, in place).
        let extra = events
            .par_iter_mut()
            .zip(&lines)
            .with_min_len(1024)
            .map_init(
                || Vec::with_capacity(1024),
                |buf, (event, &line)| {
                    let recorded = take_recorded(line, event)?.map(Box::new);
                    let digest = event.id.is_none().then(|| {
                        buf.clear();
                        event.write_json_line(buf);
                        let mut d = [0u8; DIGEST];
                        d.copy_from_slice(&Sha256::digest(&buf[..])[..DIGEST]);
                        d
                    });
                    Ok((recorded, digest))
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        let numbers = occurrences(&extra);
        // An id from the content, numbered among equal lines, so that re-importing the file is idempotent; set
        // while the events move into the batch.
        let items: Vec<Item> = events
            .into_par_iter()
            .zip(lines)
            .zip(extra)
            .zip(numbers)
            .with_min_len(1024)
            .map(|(((mut event, line), (recorded, digest)), n)| {
                if let Some(digest) = digest {
                    event.id = Some(format!("e-{}-{n}", hex::encode(digest)).into());
                }
                (line, event, recorded)
            })
            .collect();
        if std::env::var_os("VAERN_BULK_TIMING").is_some() {
            eprintln!("ids: {:.2} s", clock.elapsed().as_secs_f64());
        }
        self.append_items(actor, items, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_contents_are_numbered_in_file_order() {
        let d = |b: u8| Some([b; DIGEST]);
        let extra: Vec<Extra> = [d(7), d(3), None, d(7), d(3), d(9), d(7)].into_iter().map(|x| (None, x)).collect();
        assert_eq!(occurrences(&extra), vec![1, 1, 1, 2, 2, 1, 3]);
        assert!(occurrences(&[]).is_empty());
    }
}
