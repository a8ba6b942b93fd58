//! `vaern bench obligations`: the national-scale benchmark of the deadline engine (see BENCHMARKS.md).

use crate::input::{self, Failure};
use anyhow::Context;
use chrono::NaiveDate;
use domain::obligation::write_json_array;
use domain::rules::RulePack;
use domain::synth::{generate, SynthConfig};
use domain::time::AsOf;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// What to benchmark.
    #[arg(value_enum, default_value = "obligations")]
    what: What,
    /// Children in the largest journal.
    #[arg(long, default_value_t = 200_000)]
    children: usize,
    /// Also run 50 k, 100 k and 150 k children to show how time grows.
    #[arg(long)]
    scaling: bool,
    /// Repetitions per size (the best is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for the generated journal files.
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
    /// `bench store`: the PostgreSQL server to create scratch databases on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres: String,
    /// `bench store`: only this back-end (sqlite or postgres).
    #[arg(long)]
    only: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum What {
    /// The deadline engine and `vaern obligations`.
    Obligations,
    /// The journal store (SQLite and PostgreSQL).
    Store,
}

const AS_OF: &str = "2026-11-27";

struct Sample {
    children: usize,
    events: usize,
    bytes: usize,
    obligations: usize,
    parse_s: f64,
    eval_s: f64,
    write_s: f64,
    e2e_s: f64,
    e2e_peak_mib: f64,
}

pub fn run(args: Args) -> input::Result<()> {
    if let What::Store = args.what {
        return crate::bench_store::run(crate::bench_store::Args {
            children: args.children,
            postgres: args.postgres.clone(),
            only: args.only.clone(),
            dir: args.dir.clone(),
        });
    }
    std::fs::create_dir_all(&args.dir).context("kunne ikke oprette benchmark-mappen")?;
    let sizes: Vec<usize> = if args.scaling {
        [args.children / 4, args.children / 2, args.children * 3 / 4, args.children]
            .into_iter()
            .filter(|n| *n > 0)
            .collect()
    } else {
        vec![args.children]
    };
    println!(
        "vaern bench obligations — {} kerner, as-of {AS_OF}, bedste af {} kørsler",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        args.runs
    );
    println!(
        "{:>9} {:>10} {:>8} {:>9} {:>9} {:>11} {:>9} {:>9} {:>12} {:>10}",
        "børn", "hændelser", "MiB", "parse s", "eval s", "eval hænd/s", "skriv s", "e2e s", "e2e hænd/s", "e2e MiB"
    );
    for n in sizes {
        let s = sample(&args, n)?;
        println!(
            "{:>9} {:>10} {:>8.0} {:>9.3} {:>9.3} {:>11.2e} {:>9.3} {:>9.3} {:>12.2e} {:>10.0}",
            s.children,
            s.events,
            s.bytes as f64 / 1048576.0,
            s.parse_s,
            s.eval_s,
            s.events as f64 / s.eval_s,
            s.write_s,
            s.e2e_s,
            s.events as f64 / s.e2e_s,
            s.e2e_peak_mib
        );
        let _ = s.obligations;
    }
    Ok(())
}

fn sample(args: &Args, children: usize) -> input::Result<Sample> {
    let until = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let cfg = SynthConfig { children, seed: args.seed, until, ..SynthConfig::default() };
    let path = args.dir.join(format!("journal-{children}.jsonl"));
    let events = generate(&cfg);
    let text = domain::journal::to_jsonl(&events);
    drop(events);
    std::fs::write(&path, &text).context("kunne ikke skrive journalen")?;
    let as_of = AsOf::parse(AS_OF).map_err(|e| Failure::Other(e.into()))?;
    let pack = RulePack::default_pack();
    let (mut parse_s, mut eval_s, mut write_s) = (f64::MAX, f64::MAX, f64::MAX);
    let mut n_events = 0;
    let mut n_obl = 0;
    for _ in 0..args.runs {
        let t = Instant::now();
        let mut journal = crate::input::read_journal(&path)?;
        journal.apply_corrections(Some(as_of)).map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
        parse_s = parse_s.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut count = 0;
        domain::rules::for_each_chunk(&journal.events, as_of, &pack, |c| c.len(), |n| count += n);
        eval_s = eval_s.min(t.elapsed().as_secs_f64());
        let list = domain::rules::obligations(&journal.events, as_of, &pack);
        let t = Instant::now();
        let mut out = String::with_capacity(list.len() * 180);
        write_json_array(&list, &mut out);
        write_s = write_s.min(t.elapsed().as_secs_f64());
        drop(out);
        drop(list);
        let list_len = count;
        n_events = journal.events.len();
        n_obl = list_len;
    }
    // End to end, as a user runs it: a fresh process reading the file and writing JSON.
    let exe = std::env::current_exe().context("fandt ikke vaern")?;
    let mut e2e_s = f64::MAX;
    let mut peak = 0.0f64;
    for _ in 0..args.runs {
        let t = Instant::now();
        let out = std::process::Command::new(&exe)
            .args(["obligations", "--as-of", AS_OF, "--format", "json", "--events"])
            .arg(&path)
            .env("VAERN_REPORT_PEAK_MEMORY", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .context("kunne ikke starte vaern obligations")?;
        e2e_s = e2e_s.min(t.elapsed().as_secs_f64());
        if !out.status.success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "vaern obligations fejlede: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(kib) =
            stderr.lines().find_map(|l| l.strip_prefix("peak_memory_kib=")).and_then(|v| v.trim().parse::<f64>().ok())
        {
            peak = peak.max(kib / 1024.0);
        }
    }
    Ok(Sample {
        children,
        events: n_events,
        bytes: text.len(),
        obligations: n_obl,
        parse_s,
        eval_s,
        write_s,
        e2e_s,
        e2e_peak_mib: peak,
    })
}
