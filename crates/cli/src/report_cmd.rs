//! `vaern report tilsyn --year Y`: the annual supervision report to the city council (KL's recommendation 1) as
//! PDF and XLSX, from the journal in the database.

use crate::input::{self, Failure};
use crate::journal_cmds::{runtime, store_failure, Db};
use anyhow::Context;
use chrono::{Datelike, Utc};
use domain::municipality::MunicipalityCode;
use domain::rules::RulePack;
use domain::time::AsOf;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    report: Report,
}

#[derive(clap::Subcommand)]
enum Report {
    /// Årlig tilsynsrapport til kommunalbestyrelsen: godkendelser, tilsynsbesøg, plejefamiliers uddannelse og
    /// supervision, driftstilsyn, faresignaler og opholdssteders økonomi.
    Tilsyn(TilsynArgs),
}

#[derive(clap::Args)]
struct TilsynArgs {
    /// The year reported on (default: last year).
    #[arg(long)]
    year: Option<i32>,
    /// The municipality (3-digit code; default: the database's municipality).
    #[arg(long)]
    municipality: Option<String>,
    /// pdf, xlsx or both.
    #[arg(long, default_value = "both")]
    format: String,
    /// Output directory (files are named tilsynsrapport-<kode>-<år>.pdf/.xlsx).
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// A municipality policy file (TOML) with the thresholds for residential homes' finances.
    #[arg(long)]
    policy: Option<PathBuf>,
    #[command(flatten)]
    db: Db,
}

pub fn run(a: Args) -> input::Result<()> {
    match a.report {
        Report::Tilsyn(t) => tilsyn(t),
    }
}

fn tilsyn(a: TilsynArgs) -> input::Result<()> {
    let this_year = domain::calendar::local_date(Utc::now()).year();
    let year = a.year.unwrap_or(this_year - 1);
    if !(2011..=this_year).contains(&year) {
        return Err(Failure::BadInput(format!("--year: året skal være mellem 2011 og {this_year} (fik {year})")));
    }
    let (pdf, xlsx) = match a.format.as_str() {
        "pdf" => (true, false),
        "xlsx" => (false, true),
        "both" => (true, true),
        other => return Err(Failure::BadInput(format!("--format: pdf, xlsx eller both (fik \"{other}\")"))),
    };
    let pack: RulePack = input::rule_pack(a.policy.as_deref())?;
    let started = Instant::now();
    let report = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let code = match &a.municipality {
            Some(m) => MunicipalityCode::parse(m).map_err(|e| Failure::BadInput(format!("--municipality: {e}")))?,
            None => store.municipality(),
        };
        let as_of = AsOf::end_of(domain::calendar::local_date(Utc::now()));
        let events = store
            .municipality_events(&code.to_string(), as_of, domain::supervision::council::EVENT_TYPES)
            .await
            .map_err(store_failure)?;
        store.close().await;
        Ok::<_, Failure>(domain::supervision::council::council_report(&events, &pack, code, year, as_of))
    })?;
    let computed = started.elapsed();
    std::fs::create_dir_all(&a.out).with_context(|| format!("kunne ikke oprette {}", a.out.display()))?;
    let base = a.out.join(format!("tilsynsrapport-{}-{year}", report.municipality_code));
    let mut written = Vec::new();
    if pdf {
        let bytes = report::council_report_pdf(&report).map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
        let p = base.with_extension("pdf");
        std::fs::write(&p, bytes).with_context(|| format!("kunne ikke skrive {}", p.display()))?;
        written.push(p);
    }
    if xlsx {
        let bytes = report::council_report_xlsx(&report).map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
        let p = base.with_extension("xlsx");
        std::fs::write(&p, bytes).with_context(|| format!("kunne ikke skrive {}", p.display()))?;
        written.push(p);
    }
    for line in &report.summary {
        println!("{line}");
    }
    for p in &written {
        println!("Skrevet: {}", p.display());
    }
    eprintln!(
        "Tilsynsrapport {} {year}: tal beregnet på {} ms, i alt {} ms.",
        report.municipality,
        computed.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(())
}
