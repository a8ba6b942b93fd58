//! `vaern stats export` and `vaern stats national` (issue 8): a municipality's disclosure-controlled indicator file
//! for a year, from a journal file or the database; and the national report from a directory of such files.

use crate::input::{self, Failure};
use crate::journal_cmds::{runtime, store_failure, Db};
use anyhow::Context;
use chrono::{Datelike, NaiveDate, Utc};
use domain::municipality::MunicipalityCode;
use domain::rules::RulePack;
use domain::stats::{indicators, IndicatorFile};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// A municipality's indicators for a year as a versioned file (JSON and CSV), cells under 5 children suppressed.
    Export(ExportArgs),
    /// The national report (HTML, PDF, XLSX) from a directory of indicator files.
    National(NationalArgs),
    /// Redraw a practice-survey sample (as /praksis draws it): the cases as CSV on standard output.
    Sample(SampleArgs),
    /// Children placed during the year by municipality × placement type × age group, from a national journal in one
    /// pass (CSV on standard output; the table `scripts/bench-stats` compares with DuckDB).
    Placements(PlacementsArgs),
}

#[derive(clap::Args)]
struct PlacementsArgs {
    /// The journal (JSON Lines).
    #[arg(long)]
    events: PathBuf,
    /// The calendar year.
    #[arg(long)]
    year: i32,
}

#[derive(clap::Args)]
struct SampleArgs {
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    from: NaiveDate,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long)]
    to: NaiveDate,
    /// Cases in the sample.
    #[arg(long)]
    size: usize,
    /// Cases at least per stratum.
    #[arg(long, default_value_t = 2)]
    min: usize,
    /// The seed (as shown on the audit's page).
    #[arg(long)]
    seed: u64,
    /// The day the sample was drawn (default today): the journal as of the end of that day.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Read this journal (JSON Lines) instead of the database.
    #[arg(long)]
    events: Option<PathBuf>,
    /// With --events: only this municipality's cases (3-digit code).
    #[arg(long)]
    municipality: Option<String>,
    #[command(flatten)]
    db: Db,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The calendar year.
    #[arg(long)]
    year: i32,
    /// The municipality (3-digit code); with --events, `--all` writes one file per municipality instead.
    #[arg(long, conflicts_with = "all")]
    municipality: Option<String>,
    /// Every municipality in the journal (with --events).
    #[arg(long)]
    all: bool,
    /// Read this journal (JSON Lines) instead of the database.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Output directory (files indikatorer-<kode>-<år>.json and .csv).
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// A municipality policy file (TOML): its rules count in the compliance figures.
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    db: Db,
}

#[derive(clap::Args)]
struct NationalArgs {
    /// The directory with the municipalities' indicator files (*.json; last year's files are the comparison).
    dir: PathBuf,
    /// The year (default: the newest year in the directory).
    #[arg(long)]
    year: Option<i32>,
    /// Output directory (landstal-<år>.html, .pdf, .xlsx).
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

pub fn run(a: Args) -> input::Result<()> {
    match a.command {
        Cmd::Export(e) => export(e),
        Cmd::National(n) => national(n),
        Cmd::Sample(s) => sample(s),
        Cmd::Placements(p) => placements(p),
    }
}

fn write(out: &Path, f: &IndicatorFile) -> input::Result<()> {
    let base = out.join(format!("indikatorer-{}-{}", f.municipality, f.year));
    for (ext, text) in [("json", f.to_json()), ("csv", f.to_csv())] {
        let p = base.with_extension(ext);
        std::fs::write(&p, text).with_context(|| format!("kunne ikke skrive {}", p.display()))?;
    }
    Ok(())
}

fn export(a: ExportArgs) -> input::Result<()> {
    let today = domain::calendar::local_date(Utc::now());
    if !(2011..=today.year()).contains(&a.year) {
        return Err(Failure::BadInput(format!(
            "--year: året skal være mellem 2011 og {} (fik {})",
            today.year(),
            a.year
        )));
    }
    let code = match &a.municipality {
        Some(m) => Some(MunicipalityCode::parse(m).map_err(|e| Failure::BadInput(format!("--municipality: {e}")))?),
        None => None,
    };
    let pack: RulePack = input::rule_pack(a.policy.as_deref())?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("kunne ikke oprette {}", a.out.display()))?;
    let started = Instant::now();
    let files: Vec<IndicatorFile> = match &a.events {
        Some(path) => {
            let mut journal = input::read_journal(path)?;
            journal
                .apply_corrections(Some(domain::time::AsOf::end_of(today)))
                .map_err(|e| Failure::BadInput(format!("linje {}: {}", e.line, e.message)))?;
            let read = started.elapsed();
            let n_events = journal.events.len();
            let split = domain::stats::split_owned(journal.events);
            let wanted: Vec<(&MunicipalityCode, &Vec<domain::event::Event>)> = match (code, a.all) {
                (Some(c), _) => split.iter().filter(|(m, _)| **m == c).collect(),
                (None, true) => split.iter().collect(),
                (None, false) => {
                    return Err(Failure::BadInput("angiv --municipality KODE eller --all".into()));
                }
            };
            if wanted.is_empty() {
                return Err(Failure::BadInput("journalen har ingen børn i den kommune".into()));
            }
            let files: Vec<IndicatorFile> =
                wanted.par_iter().map(|(m, ev)| indicators(ev, &pack, **m, a.year, today).publish()).collect();
            eprintln!(
                "{} hændelser læst på {} ms; indikatorer for {} kommuner beregnet på {} ms.",
                n_events,
                read.as_millis(),
                files.len(),
                (started.elapsed() - read).as_millis()
            );
            files
        }
        None => {
            if a.all {
                return Err(Failure::BadInput("--all kræver --events (en database er én kommunes)".into()));
            }
            let (code, events) = db_events(&a.db, code, today)?;
            vec![indicators(&events, &pack, code, a.year, today).publish()]
        }
    };
    for f in &files {
        write(&a.out, f)?;
    }
    if let [f] = files.as_slice() {
        println!("Skrevet: {}", a.out.join(format!("indikatorer-{}-{}.json", f.municipality, f.year)).display());
        for c in &f.children {
            println!(
                "  {:<52} {}",
                c.label,
                c.value.map(|v| v.to_string()).unwrap_or_else(|| "< 5 (diskretioneret)".into())
            );
        }
    } else {
        println!("Skrevet: {} indikatorfiler i {}", files.len(), a.out.display());
    }
    Ok(())
}

/// A municipality's events from the database as of the end of `as_of` (corrections applied): `code`, or the
/// database's own municipality.
fn db_events(
    db: &Db,
    code: Option<MunicipalityCode>,
    as_of: NaiveDate,
) -> input::Result<(MunicipalityCode, Vec<domain::event::Event>)> {
    runtime()?.block_on(async {
        let store = db.open().await?;
        let code = code.unwrap_or(store.municipality());
        let events = store
            .municipality_events(code.as_str(), domain::time::AsOf::end_of(as_of), &[])
            .await
            .map_err(store_failure)?;
        store.close().await;
        Ok((code, events))
    })
}

fn placements(a: PlacementsArgs) -> input::Result<()> {
    use std::io::Write;
    let today = domain::calendar::local_date(Utc::now());
    let started = Instant::now();
    // Only the three types the table needs are parsed (as DuckDB reads only the columns it is asked for).
    use domain::event::EventType;
    let mut journal = input::read_journal_only(
        &a.events,
        &[EventType::ChildRegistered, EventType::PlacementStarted, EventType::PlacementEnded],
    )?;
    journal
        .apply_corrections(Some(domain::time::AsOf::end_of(today)))
        .map_err(|e| Failure::BadInput(format!("linje {}: {}", e.line, e.message)))?;
    let read = started.elapsed();
    let tables = domain::stats::placements_by_municipality(&journal.events, a.year, today);
    let computed = started.elapsed() - read;
    let mut out = String::from("kommune;anbringelsestype;aldersgruppe;antal\n");
    let mut placed = 0;
    for (m, t) in &tables {
        for (ti, row) in t.cells.iter().enumerate() {
            for (ai, n) in row.iter().enumerate().filter(|(_, n)| **n > 0) {
                let kind = domain::event::PlacementType::ALL[ti].as_str();
                out.push_str(&format!("{m};{kind};{};{n}\n", domain::practice::AGE_CODES[ai]));
                placed += n;
            }
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes()).context("kunne ikke skrive tabellen")?;
    eprintln!(
        "{} hændelser (børn og anbringelser) læst på {} ms; anbringelsestabellen for {} kommuner ({placed} anbragte børn) beregnet på {} ms; \
         i alt {} ms.",
        journal.events.len(),
        read.as_millis(),
        tables.len(),
        computed.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(())
}

fn sample(a: SampleArgs) -> input::Result<()> {
    use domain::practice::{draw, findings_code, population, Design, Period};
    let as_of = a.as_of.unwrap_or_else(|| domain::calendar::local_date(Utc::now()));
    let period = Period::new(a.from, a.to).map_err(|(_, m)| Failure::BadInput(format!("--to: {m}")))?;
    if a.size == 0 {
        return Err(Failure::BadInput("--size: stikprøven skal have mindst én sag".into()));
    }
    let code = match &a.municipality {
        Some(m) => Some(MunicipalityCode::parse(m).map_err(|e| Failure::BadInput(format!("--municipality: {e}")))?),
        None => None,
    };
    let events = match &a.events {
        Some(path) => {
            let mut journal = input::read_journal(path)?;
            journal
                .apply_corrections(Some(domain::time::AsOf::end_of(as_of)))
                .map_err(|e| Failure::BadInput(format!("linje {}: {}", e.line, e.message)))?;
            match code {
                Some(c) => domain::stats::split_owned(journal.events).remove(&c).unwrap_or_default(),
                None => journal.events,
            }
        }
        None => db_events(&a.db, code, as_of)?.1,
    };
    let pack = RulePack::default_pack();
    let pop = population(&events, &pack, period, as_of);
    let s = draw(&pop, &Design { size: a.size, min_per_stratum: a.min, seed: a.seed });
    println!("nr;barn;stratum;journalen");
    for (i, c) in s.cases.iter().enumerate() {
        println!("{};{};{};{}", i + 1, c.child, c.stratum.code(), findings_code(&c.prefill));
    }
    eprintln!("{} af {} sager i {} strata (frø {}).", s.cases.len(), pop.len(), s.strata.len(), a.seed);
    Ok(())
}

fn national(a: NationalArgs) -> input::Result<()> {
    let started = Instant::now();
    let files = report::national::read_dir(&a.dir).map_err(Failure::BadInput)?;
    domain::national::check(&files).map_err(Failure::BadInput)?;
    let year = a.year.or_else(|| files.iter().map(|f| f.1.year).max()).unwrap_or(0);
    let all: Vec<IndicatorFile> = files.into_iter().map(|f| f.1).collect();
    if !all.iter().any(|f| f.year == year) {
        return Err(Failure::BadInput(format!("--year: ingen filer for {year} i {}", a.dir.display())));
    }
    let n = domain::national::rollup(&all, year);
    let rolled = started.elapsed();
    std::fs::create_dir_all(&a.out).with_context(|| format!("kunne ikke oprette {}", a.out.display()))?;
    let base = a.out.join(format!("landstal-{year}"));
    let date = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default().min(domain::calendar::local_date(Utc::now()));
    let html = report::national::national_html(&n);
    let pdf = report::national_report_pdf(&n, &date.to_string()).map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
    let xlsx = report::national::national_xlsx(&n).map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
    for (ext, bytes) in [("html", html.into_bytes()), ("pdf", pdf), ("xlsx", xlsx)] {
        let p = base.with_extension(ext);
        std::fs::write(&p, bytes).with_context(|| format!("kunne ikke skrive {}", p.display()))?;
        println!("Skrevet: {}", p.display());
    }
    println!("Landstal {year}: {} kommuner, {} mangler.", n.municipalities, n.missing.len());
    for i in n.indicators.iter().filter(|i| i.share.is_some()) {
        let below = i.points.iter().filter(|p| p.funnel == domain::national::Funnel::Below).count();
        println!(
            "  {:<48} {:>6.1} % til tiden; {below} kommuner under landet",
            i.label,
            i.share.unwrap_or(0.0) * 100.0
        );
    }
    eprintln!(
        "{} filer læst og samlet på {} ms; rapporten dannet på {} ms i alt.",
        all.len(),
        rolled.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(())
}
