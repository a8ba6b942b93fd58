//! `vaern` — the command line of Værn: obligations from a journal, demo data, benchmarks.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bench;
mod demo;
mod input;
mod obligations;
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
    /// Compute every obligation of a journal (spec/obligations.md).
    Obligations(obligations::Args),
    /// Generate a realistic synthetic journal and show a Danish overview of its obligations.
    Demo(demo::Args),
    /// Benchmarks (recorded in BENCHMARKS.md).
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Obligations(a) => obligations::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Bench(a) => bench::run(a),
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
