//! `vaern` — the command line of Værn: obligations from a journal, demo data, benchmarks.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bench;
mod bench_store;
mod demo;
mod input;
mod journal_cmds;
mod memory;
mod methods_cmd;
mod obligations;
mod report_cmd;
mod serve;
mod stats_cmd;
mod table;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Værn — børneværn: the law kept, for every child.
#[derive(Parser)]
#[command(name = "vaern", version, about = "Værn: sagsjournal og lovpligtige frister for udsatte børn og unge")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application (pages, API, health checks, metrics).
    Serve(serve::Args),
    /// Compute every obligation of a journal (spec/obligations.md).
    Obligations(obligations::Args),
    /// Generate a realistic synthetic journal and show a Danish overview of its obligations.
    Demo(demo::Args),
    /// Benchmarks (recorded in BENCHMARKS.md).
    Bench(bench::Args),
    /// Import a JSON Lines journal into the database (all or nothing; idempotent by event id).
    Import(journal_cmds::ImportArgs),
    /// Export the whole journal as JSON Lines (round-trips byte for byte with import).
    Export(journal_cmds::ExportArgs),
    /// Recompute the hash chain and report the first broken link.
    Verify(journal_cmds::DbOnly),
    /// Rebuild the read models from the journal.
    Rebuild(journal_cmds::DbOnly),
    /// A consistent online backup (SQLite: VACUUM INTO; PostgreSQL: pg_dump).
    Backup(journal_cmds::BackupArgs),
    /// Restore a backup (verifies an SQLite backup's chain first).
    Restore(journal_cmds::RestoreArgs),
    /// List closed cases past the retention period; erase their personal data with --erase.
    Retention(journal_cmds::RetentionArgs),
    /// Record that a child's case was closed.
    CloseCase(journal_cmds::CloseArgs),
    /// Reports: `vaern report tilsyn --year 2025` (the annual supervision report to the city council).
    Report(report_cmd::Args),
    /// The knowledge bank as JSON Lines: `vaern methods import FILE`, `vaern methods export`.
    Methods(methods_cmd::Args),
    /// National statistics: `vaern stats export --year Y` (indicator file), `vaern stats national DIR` (report).
    Stats(stats_cmd::Args),
}

fn main() -> ExitCode {
    memory::no_huge_pages();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(a) => serve::run(a),
        Command::Obligations(a) => obligations::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Import(a) => journal_cmds::import(a),
        Command::Export(a) => journal_cmds::export(a),
        Command::Verify(a) => journal_cmds::verify(a),
        Command::Rebuild(a) => journal_cmds::rebuild(a),
        Command::Backup(a) => journal_cmds::backup(a),
        Command::Restore(a) => journal_cmds::restore(a),
        Command::Retention(a) => journal_cmds::retention(a),
        Command::CloseCase(a) => journal_cmds::close_case(a),
        Command::Report(a) => report_cmd::run(a),
        Command::Methods(a) => methods_cmd::run(a),
        Command::Stats(a) => stats_cmd::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(input::Failure::BadInput(msg)) => {
            eprintln!("vaern: fejl i input:\n{msg}");
            ExitCode::from(2)
        }
        Err(input::Failure::Other(e)) => {
            eprintln!("vaern: {e:#}");
            ExitCode::from(1)
        }
    }
}
