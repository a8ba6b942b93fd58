//! `vaern methods import FILE` / `vaern methods export`: the knowledge bank's entries as JSON Lines.

use crate::input::{self, Failure};
use crate::journal_cmds::{runtime, store_failure, Db};
use anyhow::Context;
use std::io::{Read, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Import entries (all or nothing; new ids are added, changed entries get a new version, identical ones are
    /// left alone). `-` reads standard input.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Export the current entries (withdrawn ones left out), one per line, byte-stable with import.
    Export {
        /// Output file (default: stdout).
        #[arg(long, default_value = "-")]
        out: PathBuf,
        #[command(flatten)]
        db: Db,
    },
}

pub fn run(a: Args) -> input::Result<()> {
    match a.cmd {
        Cmd::Import { file, db } => {
            let mut text = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut text)?;
            } else {
                text = std::fs::read_to_string(&file).with_context(|| format!("kunne ikke læse {}", file.display()))?;
            }
            let entries = domain::knowledge::parse_jsonl(&text).map_err(|errors| {
                Failure::BadInput(
                    errors.iter().map(|e| format!("{}: {e}", file.display())).collect::<Vec<_>>().join("\n"),
                )
            })?;
            runtime()?.block_on(async {
                let store = db.open().await?;
                let r = store.import_methods(&entries, &db.actor()).await.map_err(store_failure)?;
                eprintln!(
                    "Vidensbanken: {} nye, {} ændrede (ny version), {} uændrede poster.",
                    r.added, r.changed, r.unchanged
                );
                store.close().await;
                Ok(())
            })
        }
        Cmd::Export { out, db } => runtime()?.block_on(async {
            let store = db.open().await?;
            let methods = store.methods().await.map_err(store_failure)?;
            let mut w: Box<dyn Write> = if out.as_os_str() == "-" {
                Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
            } else {
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(&out).with_context(|| format!("kunne ikke oprette {}", out.display()))?,
                ))
            };
            let mut n = 0;
            for m in methods.iter().filter(|m| !m.retired) {
                writeln!(w, "{}", m.entry.to_line())?;
                n += 1;
            }
            w.flush()?;
            if out.as_os_str() != "-" {
                eprintln!("Eksporteret {n} poster til {}.", out.display());
            }
            store.close().await;
            Ok(())
        }),
    }
}
