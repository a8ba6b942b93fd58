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
    /// The knowledge bank's search and suggestions.
    Knowledge,
    /// Effect and economy: a full-year recomputation from the national journal (issue 7).
    Economy,
    /// National statistics: every municipality's indicators for a year from the national journal (issue 8).
    Stats,
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
    if let What::Knowledge = args.what {
        return knowledge_bench();
    }
    if let What::Economy = args.what {
        return economy_bench(&args);
    }
    if let What::Stats = args.what {
        return stats_bench(&args);
    }
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

/// A full-year economy recomputation for the national journal: read every intervention from the events (kind, step,
/// cost, start and end, placement type), then spend per month by ladder step, by spend category and provider, the
/// forecast, budget against actual on the default budget lines, and the effect summary per kind. Best of `runs`.
fn economy_bench(args: &Args) -> input::Result<()> {
    use domain::economy::{
        budget_vs_actual, default_budget_lines, forecast_rest_of_year, monthly_spend, spend_category,
    };
    let until = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let t = Instant::now();
    let events = generate(&SynthConfig { children: args.children, seed: args.seed, until, ..SynthConfig::default() });
    println!(
        "vaern bench economy — {} børn, {} hændelser (genereret på {:.1} s), {} kerner, bedste af {} kørsler",
        args.children,
        events.len(),
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        args.runs
    );
    let ladder = domain::economy::LadderMap::default();
    let mut best = (f64::MAX, f64::MAX, f64::MAX);
    let mut total = domain::economy::Ore(0);
    let mut n = 0;
    for _ in 0..args.runs {
        let t = Instant::now();
        let records = domain::effect::interventions(&events, until);
        let read_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let by_step = monthly_spend(&records, 2026, until, |r| ladder.step(r.ladder_step, &r.kind, r.placement_type));
        let by_kind = monthly_spend(&records, 2026, until, spend_category);
        let by_provider =
            monthly_spend(&records, 2026, until, |r| r.provider.clone().or(r.site.as_ref().map(|s| s.to_string())));
        let forecast = forecast_rest_of_year(&records, 2026, until);
        let budget = budget_vs_actual(&default_budget_lines(), &records, 2026, until);
        let mut kinds: std::collections::BTreeMap<String, Vec<&domain::effect::InterventionRecord>> =
            Default::default();
        for r in &records {
            kinds.entry(spend_category(r)).or_default().push(r);
        }
        let effect: Vec<_> = kinds.values().map(|v| domain::effect::summarise(v.iter().copied(), until)).collect();
        let money_s = t.elapsed().as_secs_f64();
        total = by_step.values().flat_map(|m| m.iter()).fold(domain::economy::Ore(0), |a, b| a + *b);
        std::hint::black_box((&by_kind, &by_provider, forecast, &budget, &effect));
        n = records.len();
        if read_s + money_s < best.2 {
            best = (read_s, money_s, read_s + money_s);
        }
    }
    println!("| children | events | interventions | read interventions s | spend, forecast, budget, effect s | total s | spend 2026 to date |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.0} mio. kr. |",
        args.children,
        events.len(),
        n,
        best.0,
        best.1,
        best.2,
        total.dkk() / 1e6
    );
    Ok(())
}

/// Every municipality's indicators for 2025 from the national journal (as of 31 March 2026, as `scripts/bench-stats`
/// makes it): the whole computation as `vaern stats export --all` runs it (split, then the municipalities in
/// parallel), and its parts one municipality after the other, to show where the time goes.
fn stats_bench(args: &Args) -> input::Result<()> {
    use domain::stats::{indicators, split_owned};
    use rayon::prelude::*;
    let until = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default();
    let year = 2025;
    let t = Instant::now();
    let events = generate(&SynthConfig { children: args.children, seed: args.seed, until, ..SynthConfig::default() });
    let n_events = events.len();
    println!(
        "vaern bench stats — {} børn, {} hændelser (genereret på {:.1} s), {} kerner, år {year}, bedste af {} kørsler",
        args.children,
        n_events,
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        args.runs
    );
    let pack = RulePack::default_pack();
    let (mut best_split, mut best_all) = (f64::MAX, f64::MAX);
    let mut split = Default::default();
    let mut events = Some(events);
    for run in 0..args.runs {
        let ev =
            if run + 1 == args.runs { events.take().unwrap_or_default() } else { events.clone().unwrap_or_default() };
        let t = Instant::now();
        split = split_owned(ev);
        best_split = best_split.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let files: Vec<_> = split.par_iter().map(|(m, ev)| indicators(ev, &pack, *m, year, until).publish()).collect();
        best_all = best_all.min(t.elapsed().as_secs_f64());
        std::hint::black_box(files);
    }
    println!("| step | s |\n|---|---:|");
    println!("| split by municipality ({} municipalities) | {best_split:.3} |", split.len());
    println!("| all indicators, municipalities in parallel, with disclosure control | {best_all:.3} |");
    println!("| **split + indicators** | **{:.3}** |", best_split + best_all);
    // The parts, one municipality after the other (one core).
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let cut = AsOf::end_of(end);
    let mut parts = [0.0f64; 5];
    for (m, ev) in &split {
        let t = Instant::now();
        let list = domain::rules::obligations(ev, cut, &pack);
        parts[0] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let council = domain::supervision::council::council_report_with(ev, &list, &pack, *m, year, cut);
        parts[1] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let records = domain::effect::interventions(ev, end);
        parts[2] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let raw = indicators(ev, &pack, *m, year, until);
        parts[3] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let file = raw.publish();
        parts[4] += t.elapsed().as_secs_f64();
        std::hint::black_box((list, council, records, file));
    }
    for (name, s) in [
        "deadline engine (obligations as of 31 Dec)",
        "council report's figures (supervision, foster families, signals)",
        "interventions read (spend, effect)",
        "indicators() in all, one core",
        "disclosure control and the file (publish)",
    ]
    .iter()
    .zip(parts)
    {
        println!("| {name}, one core | {s:.3} |");
    }
    Ok(())
}

/// Search latency of the knowledge bank: the seed (41 entries) and a bank 25 times larger (copies with new ids), a
/// mix of queries (stems, typos, æ/ø/å written out, prefixes, facets), each run 300 times after a warm-up.
fn knowledge_bench() -> input::Result<()> {
    use domain::knowledge::{CaseContext, MethodId};
    use knowledge::{Bank, Filters};
    let seed = knowledge::seed_entries().map_err(|e| anyhow::anyhow!("seed: {}", e[0]))?;
    const QUERIES: &[&str] = &[
        "plejefamilier",
        "MST",
        "familiebehandlng",
        "boern skole",
        "forældre adfærd",
        "netvaerksmoeder",
        "pleje",
        "skolefravær angst",
        "anbragte unge",
        "sikkerhedsplna",
        "vold i hjemmet",
        "",
        "udredning",
        "traumer",
    ];
    println!("| bank | entries | build ms | queries | p50 ms | p99 ms | max ms | suggest p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for copies in [1usize, 25] {
        let mut entries = Vec::new();
        for c in 0..copies {
            for e in &seed {
                let mut e = e.clone();
                if c > 0 {
                    e.id = MethodId::parse(&format!("{}-{c}", e.id)).map_err(|m| anyhow::anyhow!(m))?;
                    e.name = format!("{} ({c})", e.name);
                }
                entries.push(e);
            }
        }
        let n = entries.len();
        let t = Instant::now();
        let bank = Bank::build(entries).map_err(|e| anyhow::anyhow!("{e}"))?;
        let build_ms = t.elapsed().as_secs_f64() * 1e3;
        let filters = [
            Filters::default(),
            Filters { age_group: Some((12, 14)), ..Default::default() },
            Filters {
                evidence: Some(domain::knowledge::Evidence::Rct),
                ladder: domain::event::LadderStep::parse("3"),
                ..Default::default()
            },
        ];
        let mut times = Vec::new();
        for round in 0..301 {
            for q in QUERIES {
                for f in &filters {
                    let t = Instant::now();
                    let r = bank.search(q, f);
                    std::hint::black_box(r.hits.len());
                    if round > 0 {
                        times.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let pick = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        let ctx = CaseContext {
            age: Some(14),
            themes: vec![domain::event::GoalTheme::School, domain::event::GoalTheme::Family],
            ladder_step: domain::event::LadderStep::parse("3"),
            kind: domain::event::InterventionKind::parse("family_treatment"),
        };
        let mut st = Vec::new();
        for _ in 0..1000 {
            let t = Instant::now();
            std::hint::black_box(domain::knowledge::suggest(bank.entries(), &ctx, 5).len());
            st.push(t.elapsed().as_secs_f64() * 1e3);
        }
        st.sort_by(f64::total_cmp);
        println!(
            "| {} | {n} | {build_ms:.1} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            if copies == 1 { "seed" } else { "seed × 25" },
            times.len(),
            pick(0.5),
            pick(0.99),
            times[times.len() - 1],
            st[st.len() * 99 / 100]
        );
    }
    Ok(())
}
