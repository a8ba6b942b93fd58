//! `vaern demo`: a synthetic journal and a Danish overview of its obligations.

use crate::input::{self, Failure};
use chrono::NaiveDate;
use domain::calendar::format_dk;
use domain::obligation::Status;
use domain::rules::{id, RulePack};
use domain::synth::{generate, SynthConfig};
use domain::time::AsOf;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Number of children in the journal.
    #[arg(long, default_value_t = 2000)]
    children: usize,
    /// Random seed (same seed ⇒ same journal).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the journal (JSON Lines); `-` for stdout (then no overview is printed).
    #[arg(long, default_value = "vaern-demo.jsonl")]
    out: PathBuf,
    /// The journal's last day and the overview's as-of date (default: today).
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Only children of this municipality (3-digit code); default: all 98, sized by population.
    #[arg(long, conflicts_with = "national")]
    municipality: Option<String>,
    /// One journal per municipality (all 98, sized by their child population, each with its own compliance):
    /// `--out` is then a directory of journal-<kode>.jsonl files. Use --children 200000 for the national scale.
    #[arg(long)]
    national: bool,
}

/// `--national`: the journal split by municipality, one file each, and a line per municipality.
fn national(args: &Args, events: &[domain::event::Event]) -> input::Result<()> {
    use anyhow::Context;
    let dir = if args.out.as_os_str() == "vaern-demo.jsonl" {
        PathBuf::from("vaern-demo-national")
    } else {
        args.out.clone()
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("kunne ikke oprette {}", dir.display()))?;
    let split = domain::stats::split_by_municipality(events);
    println!("{:<5} {:<22} {:>7} {:>10}", "kode", "kommune", "børn", "hændelser");
    for (m, ev) in &split {
        let children = ev.iter().filter(|e| matches!(e.body, domain::event::Body::ChildRegistered { .. })).count();
        let p = dir.join(format!("journal-{m}.jsonl"));
        std::fs::write(&p, domain::journal::to_jsonl(ev))
            .with_context(|| format!("kunne ikke skrive {}", p.display()))?;
        println!("{:<5} {:<22} {:>7} {:>10}", m.to_string(), m.name(), children, ev.len());
    }
    println!("{} kommuner, {} hændelser, skrevet til {}", split.len(), events.len(), dir.display());
    Ok(())
}

pub fn run(args: Args) -> input::Result<()> {
    let today = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let municipality = match &args.municipality {
        None => None,
        Some(m) => Some(
            domain::municipality::MunicipalityCode::parse(m)
                .map_err(|e| Failure::BadInput(format!("--municipality: {e}")))?,
        ),
    };
    let cfg =
        SynthConfig { children: args.children, seed: args.seed, municipality, until: today, ..SynthConfig::default() };
    let events = generate(&cfg);
    if args.national {
        return national(&args, &events);
    }
    let text = domain::journal::to_jsonl(&events);
    input::write_text(&args.out, &text)?;
    if args.out.as_os_str() == "-" {
        return Ok(());
    }
    let pack = RulePack::default_pack();
    let list = domain::rules::obligations(&events, AsOf::end_of(today), &pack);
    let mut out = String::new();
    let _ = writeln!(out, "Værn — demojournal med {} børn og {} hændelser", args.children, events.len());
    let _ = writeln!(out, "Skrevet til {} (seed {}).", args.out.display(), args.seed);
    let _ = writeln!(out, "\nOverholdelse af frister pr. {}:\n", format_dk(today));
    let _ = writeln!(
        out,
        "{:<48} {:>9} {:>9} {:>9} {:>11} {:>10}",
        "Regel", "overholdt", "for sent", "kommende", "overskredet", "til tiden"
    );
    for rule in id::LAW_RULES.iter().chain(id::POLICY_RULES) {
        let of_rule: Vec<_> = list.iter().filter(|o| o.rule == *rule).collect();
        let n = |s: Status| of_rule.iter().filter(|o| o.status == s).count();
        let decided = n(Status::Met) + n(Status::Late) + n(Status::Overdue);
        let share = if decided == 0 {
            "–".to_string()
        } else {
            format!("{:.0} %", 100.0 * n(Status::Met) as f64 / decided as f64)
        };
        let _ = writeln!(
            out,
            "{:<48} {:>9} {:>9} {:>9} {:>11} {:>10}",
            id::label_da(rule),
            n(Status::Met),
            n(Status::Late),
            n(Status::Due),
            n(Status::Overdue),
            share
        );
    }
    let mut overdue: Vec<_> = list.iter().filter(|o| o.status == Status::Overdue).collect();
    overdue.sort_by_key(|o| std::cmp::Reverse(o.due.sort_key()));
    let _ = writeln!(out, "\nSeneste overskredne frister (de 10 nyeste):");
    for o in overdue.iter().take(10) {
        let _ = writeln!(
            out,
            "  {}  {:<10}  {:<46} {}",
            format_dk(o.due.date()),
            o.child.as_deref().unwrap_or("–"),
            id::label_da(o.rule),
            o.law
        );
    }
    let _ = writeln!(
        out,
        "\nSe alle frister for journalen:\n  vaern obligations --events {} --as-of {} --format table",
        args.out.display(),
        today
    );
    print!("{out}");
    Ok(())
}
