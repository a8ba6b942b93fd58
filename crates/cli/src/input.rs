//! Reading the command line's inputs (files or stdin) and its two kinds of failure.

use anyhow::Context;
use domain::rules::RulePack;
use domain::time::AsOf;
use std::io::Read;
use std::path::Path;

/// Why a command failed: bad input (exit 2) or anything else (exit 1).
pub enum Failure {
    BadInput(String),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

pub type Result<T> = std::result::Result<T, Failure>;

/// Read a file, or stdin for `-`. A missing or unreadable file is bad input.
pub fn read_text(path: &Path) -> Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::BadInput(format!("kunne ikke læse fra stdin: {e}")))?;
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::BadInput(format!("kunne ikke læse filen {}: {e}", path.display())))?;
        text = String::from_utf8(bytes).map_err(|e| {
            Failure::BadInput(format!(
                "filen {} er ikke gyldig UTF-8 (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
    }
    Ok(text)
}

/// Read and parse a journal block by block (`-` for stdin): the whole file is never in memory as text, and the
/// next block is read (and checked as UTF-8) on a second thread while the current one is parsed.
pub fn read_journal(path: &Path) -> Result<domain::journal::Journal> {
    read_journal_of(path, None)
}

/// Read only the events of these types (and corrections of them): the other lines are skipped unparsed.
pub fn read_journal_only(path: &Path, types: &[domain::event::EventType]) -> Result<domain::journal::Journal> {
    let mut with = types.to_vec();
    with.push(domain::event::EventType::Correction);
    let mut journal = read_journal_of(path, Some(&with))?;
    // Corrections of events that were not read concern other types.
    let ids: std::collections::HashSet<String> =
        journal.events.iter().filter_map(|e| e.id.as_ref().map(|i| i.to_string())).collect();
    let keep: Vec<bool> = journal
        .events
        .iter()
        .map(|e| match &e.body {
            domain::event::Body::Correction(c) => ids.contains(c.corrects.as_str()),
            _ => true,
        })
        .collect();
    let mut k = keep.iter();
    journal.events.retain(|_| *k.next().unwrap_or(&true));
    let mut k = keep.iter();
    journal.lines.retain(|_| *k.next().unwrap_or(&true));
    Ok(journal)
}

fn read_journal_of(path: &Path, only: Option<&[domain::event::EventType]>) -> Result<domain::journal::Journal> {
    let size = if path.as_os_str() == "-" { None } else { std::fs::metadata(path).ok().map(|m| m.len() as usize) };
    let source: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| Failure::BadInput(format!("kunne ikke læse filen {}: {e}", path.display())))?,
        )
    };
    let name = path.display().to_string();
    // Blocks travel to the parser and back (two buffers in circulation): no fresh memory per block.
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::result::Result<String, String>>(1);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<String>();
    let reader_thread = std::thread::spawn(move || read_blocks(source, &name, &tx, &back_rx));
    let mut reader = match (size, only) {
        // With a filter the journal is a fraction of the file: no allocation for all of it.
        (_, Some(types)) => domain::journal::JsonlReader::default().only(types),
        (Some(n), None) => domain::journal::JsonlReader::with_size_hint(n),
        (None, None) => domain::journal::JsonlReader::default(),
    };
    let mut failure = None;
    for block in rx {
        match block {
            Ok(text) => {
                reader.feed(&text);
                let _ = back_tx.send(text);
            }
            Err(e) => failure = Some(e),
        }
    }
    let _ = reader_thread.join();
    if let Some(e) = failure {
        return Err(Failure::BadInput(e));
    }
    reader.finish().map_err(|e| Failure::BadInput(e.to_string()))
}

/// Send blocks of complete lines (valid UTF-8, byte-order mark removed) until the end of the input; buffers come
/// back through `back` to be filled again.
fn read_blocks(
    source: Box<dyn Read + Send>,
    name: &str,
    tx: &std::sync::mpsc::SyncSender<std::result::Result<String, String>>,
    back: &std::sync::mpsc::Receiver<String>,
) {
    read_blocks_of(source, name, tx, back, 16 << 20)
}

/// `read_blocks` with blocks of about `block` bytes.
fn read_blocks_of(
    mut source: Box<dyn Read + Send>,
    name: &str,
    tx: &std::sync::mpsc::SyncSender<std::result::Result<String, String>>,
    back: &std::sync::mpsc::Receiver<String>,
    block: usize,
) {
    let mut carry: Vec<u8> = Vec::new();
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut offset = 0usize;
    let mut first = true;
    loop {
        spare.extend(back.try_iter().map(String::into_bytes));
        let mut buf = spare.pop().unwrap_or_default();
        // The old content is overwritten in place: only bytes beyond the buffer's old length are zeroed, so a
        // recycled buffer is not cleared and zeroed again for every block.
        let want = carry.len().max(block / 2) + block;
        if buf.len() < want {
            buf.resize(want, 0);
        } else {
            buf.truncate(want);
        }
        buf[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len();
        carry.clear();
        let mut at_end = false;
        while filled < want {
            match source.read(&mut buf[filled..]) {
                Ok(0) => {
                    at_end = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(format!("kunne ikke læse {name}: {e}")));
                    return;
                }
            }
        }
        buf.truncate(filled);
        let cut = if at_end { buf.len() } else { buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) };
        carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        if first && buf.starts_with("\u{feff}".as_bytes()) {
            buf.drain(..3);
            offset += 3;
        }
        first = false;
        let len = buf.len();
        match String::from_utf8(buf) {
            Ok(text) => {
                if !text.is_empty() && tx.send(Ok(text)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(format!(
                    "filen {name} er ikke gyldig UTF-8 (byte {})",
                    offset + e.utf8_error().valid_up_to()
                )));
                return;
            }
        }
        offset += len;
        if at_end {
            return;
        }
    }
}

/// `--as-of`: `YYYY-MM-DD` (end of day) or RFC 3339.
pub fn parse_as_of(s: &str) -> Result<AsOf> {
    AsOf::parse(s).map_err(|e| Failure::BadInput(format!("--as-of: {e}")))
}

/// The default rule pack, with a municipality policy file applied if given.
pub fn rule_pack(policy: Option<&Path>) -> Result<RulePack> {
    let pack = RulePack::default_pack();
    match policy {
        None => Ok(pack),
        Some(p) => {
            let text = read_text(p)?;
            pack.with_policy(&text).map_err(|e| Failure::BadInput(format!("--policy {}: {e}", p.display())))
        }
    }
}

/// Write text to a file, or stdout for `-`.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            // A reader that stopped early (`| head`) is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.context("kunne ikke skrive til stdout")?,
        }
    } else {
        std::fs::write(path, text).with_context(|| format!("kunne ikke skrive {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out its bytes in small, uneven pieces, as a pipe does.
    struct Trickle(std::io::Cursor<Vec<u8>>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = buf.len().min(self.1 * 13);
            self.0.read(&mut buf[..n])
        }
    }

    /// Blocks end at line ends and together are the text (without the byte-order mark), also when the buffers go
    /// back and forth and are refilled over old content of other lengths.
    #[test]
    fn blocks_are_the_text_cut_at_line_ends() {
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "æ".repeat(i % 40)));
        }
        text.push_str("{\"last\":true}");
        for block in [64, 100, 1000, 1 << 20] {
            let source = Box::new(Trickle(std::io::Cursor::new(format!("\u{feff}{text}").into_bytes()), 0));
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let (back_tx, back_rx) = std::sync::mpsc::channel();
            let reader = std::thread::spawn(move || read_blocks_of(source, "test", &tx, &back_rx, block));
            let mut read = String::new();
            let mut blocks = 0;
            for b in rx {
                let b = b.expect("valid");
                assert!(b.ends_with('\n') || read.len() + b.len() == text.len(), "block {blocks} of {block}");
                read.push_str(&b);
                blocks += 1;
                let _ = back_tx.send(b);
            }
            reader.join().unwrap();
            assert_eq!(read, text, "blocks of {block}");
            assert!(block > text.len() || blocks > 1);
        }
    }
}
