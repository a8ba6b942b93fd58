//! Renders the council report (40 finance rows, 30 families behind), its workbook and a help card, prints how
//! long each took and writes them to the directory given (default: the system's temp directory).
//!
//! `cargo run --release -p vaern-report --example render_timing [-- DIR]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let report = common::council_report(40, 30);
    let card = common::help_card(6);

    // What the crate does once per process on its first render (it keeps its own copy).
    let t = Instant::now();
    let fonts = typst_kit::fonts::embedded().count();
    println!("parsing the {fonts} embedded font faces alone:          {:>6.0} ms", ms(t));

    let t = Instant::now();
    let pdf = report::council_report_pdf(&report)?;
    println!("council report PDF, first call (fonts, template): {:>6.0} ms, {} bytes", ms(t), pdf.len());
    for i in 0..3 {
        let t = Instant::now();
        let _ = report::council_report_pdf(&report)?;
        println!("council report PDF, call {}:                     {:>6.0} ms", i + 2, ms(t));
    }
    // typst memoises: the same data again is nearly free. New data (the real case) costs more.
    let mut total = 0.0;
    for i in 0..5 {
        let mut changed = report.clone();
        changed.finances[i].name.push_str(" (ændret)");
        changed.visits.required += 1;
        let t = Instant::now();
        let _ = report::council_report_pdf(&changed)?;
        total += ms(t);
    }
    println!("council report PDF, new data (mean of 5):        {:>6.0} ms", total / 5.0);

    let t = Instant::now();
    let card_pdf = report::help_card_pdf(&card)?;
    println!("help card PDF, first call:                       {:>6.0} ms", ms(t));
    let t = Instant::now();
    let _ = report::help_card_pdf(&card)?;
    println!("help card PDF, second call:                      {:>6.0} ms", ms(t));

    let t = Instant::now();
    let xlsx = report::council_report_xlsx(&report)?;
    println!("council report XLSX:                             {:>6.0} ms, {} bytes", ms(t), xlsx.len());

    std::fs::write(dir.join("tilsynsrapport.pdf"), &pdf)?;
    std::fs::write(dir.join("hjaelpekort.pdf"), &card_pdf)?;
    std::fs::write(dir.join("tilsynsrapport.xlsx"), &xlsx)?;
    println!("written to {}", dir.display());
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
