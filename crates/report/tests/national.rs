//! The national report from generated municipality files: the PDF read back with pdftotext, the workbook's sheets,
//! and the HTML's funnel plots. Without poppler-utils the PDF test FAILS (it never skips).

mod common;

use chrono::NaiveDate;
use domain::national::rollup;
use domain::rules::RulePack;
use domain::stats::{indicators, split_by_municipality, IndicatorFile};
use domain::synth::{generate, SynthConfig};

fn national() -> domain::national::National {
    let until = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let events = generate(&SynthConfig { children: 3000, seed: 3, until, ..SynthConfig::default() });
    let pack = RulePack::default_pack();
    let files: Vec<IndicatorFile> =
        split_by_municipality(&events).iter().map(|(m, ev)| indicators(ev, &pack, *m, 2025, until).publish()).collect();
    rollup(&files, 2025)
}

#[test]
fn the_national_report_renders_as_pdf_html_and_xlsx() {
    let n = national();
    let pdf = report::national_report_pdf(&n, "2026-06-30").expect("renders");
    let text = common::squash(&common::pdf_text("landstal", &pdf));
    for w in [
        "Børn og unge i udsatte positioner — landstal 2025",
        "Overholdelse af lovkrav",
        "Tilsynsbesøg to gange om året",
        "Region Hovedstaden",
        "Mangler fil fra",
    ] {
        assert!(text.contains(w), "the PDF lacks {w:?}:\n{text}");
    }
    let html = report::national::national_html(&n);
    assert!(html.starts_with("<!doctype html>"));
    let funnels = html.matches("aria-label=\"Tragtdiagram:").count();
    assert_eq!(funnels, n.indicators.len(), "one funnel plot per indicator");
    assert!(html.contains("id=\"regions\""));
    let xlsx = report::national::national_xlsx(&n).expect("writes");
    assert_eq!(&xlsx[..2], b"PK");
}
