//! `vaern obligations --events FILE --as-of DATE [--format json|table]`.

use crate::input::{self, Failure};
use clap::ValueEnum;
use domain::event::Event;
use domain::rules::RulePack;
use domain::time::AsOf;
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Journal in JSON Lines (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    events: PathBuf,
    /// Evaluate as of this date (end of day, Copenhagen) or RFC 3339 instant.
    #[arg(long, value_name = "DATE")]
    as_of: String,
    /// Output format (default: json when stdout is not a terminal, else table).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A municipality policy file (TOML) overriding the default policy rules.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Table,
}

pub fn run(args: Args) -> input::Result<()> {
    let as_of = input::parse_as_of(&args.as_of)?;
    let pack = input::rule_pack(args.policy.as_deref())?;

    let mut journal = input::read_journal(&args.events)?;
    journal.apply_corrections(Some(as_of)).map_err(|e| Failure::BadInput(e.to_string()))?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Json });
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let written = match format {
        Format::Json => write_json(&journal.events, as_of, &pack, &mut out),
        Format::Table => {
            let list = domain::rules::obligations(&journal.events, as_of, &pack);
            let mut text = String::new();
            crate::table::write(&list, as_of, &mut text);
            out.write_all(text.as_bytes())
        }
    }
    .and_then(|_| out.flush());
    match written {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(Failure::Other(anyhow::Error::new(e).context("kunne ikke skrive til stdout")))
        }
        _ => {}
    }
    if std::env::var_os("VAERN_REPORT_PEAK_MEMORY").is_some() {
        report_peak_memory();
    }
    // The process ends now: freeing millions of events one by one would only add time.
    std::mem::forget(journal);
    Ok(())
}

thread_local! {
    /// Each engine worker's writer, keeping the rules' heads from child to child.
    static WRITER: std::cell::RefCell<domain::obligation::JsonWriter> = Default::default();
}

/// The JSON array of the contract: each child's obligations are formatted on the engine's worker threads and
/// written in order, so the full list never exists in memory. The writing is a copy into the buffered output on
/// the calling thread, which otherwise only waits for the workers (no thread of its own: handing each child's text
/// over to one cost a wake-up per child).
fn write_json(events: &[Event], as_of: AsOf, pack: &RulePack, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut first = true;
    let mut failed = None;
    domain::rules::for_each_chunk(
        events,
        as_of,
        pack,
        |chunk| {
            let mut s = String::with_capacity(chunk.len() * 200);
            WRITER.with_borrow_mut(|writer| {
                for o in &chunk {
                    s.push_str(",\n");
                    writer.write(o, &mut s);
                }
            });
            s
        },
        |text| {
            // After a failed write (a reader that stopped) nothing more is written; the error is reported below.
            if failed.is_none() {
                let text = if first { &text[1..] } else { &text[..] };
                first = false;
                if let Err(e) = out.write_all(text.as_bytes()) {
                    failed = Some(e);
                }
            }
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    if !first {
        out.write_all(b"\n")?;
    }
    out.write_all(b"]\n")
}

/// Print this process's peak resident memory (for `vaern bench`), from /proc/self/status.
fn report_peak_memory() {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(kib) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
            eprintln!("peak_memory_kib={}", kib.trim().trim_end_matches("kB").trim());
        }
    }
}
