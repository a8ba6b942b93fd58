//! `vaern obligations --events FILE --as-of DATE [--format json|table]`.

use crate::input::{self, Failure};
use clap::ValueEnum;
use domain::obligation::write_json_array;
use std::io::IsTerminal;
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
    let text = input::read_text(&args.events)?;
    let list = domain::obligations_from_jsonl(&text, as_of, &pack).map_err(|e| Failure::BadInput(e.to_string()))?;
    drop(text);
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Json });
    let mut out = String::with_capacity(list.len() * 180 + 16);
    match format {
        Format::Json => write_json_array(&list, &mut out),
        Format::Table => crate::table::write(&list, as_of, &mut out),
    }
    input::write_text(std::path::Path::new("-"), &out)?;
    if std::env::var_os("VAERN_REPORT_PEAK_MEMORY").is_some() {
        report_peak_memory();
    }
    Ok(())
}

/// Print this process's peak resident memory (for `vaern bench`), from /proc/self/status.
fn report_peak_memory() {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(kib) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
            eprintln!("peak_memory_kib={}", kib.trim().trim_end_matches("kB").trim());
        }
    }
}
