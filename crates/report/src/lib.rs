//! Værn's printed documents, laid out from the figures of `domain::supervision::report`:
//!
//! - the annual supervision report to the city council ("Årlig tilsynsrapport til kommunalbestyrelsen"), as PDF
//!   ([`council_report_pdf`]) and as an Excel workbook ([`council_report_xlsx`]);
//! - the child's one-page card "Hvis du har brug for hjælp" ([`help_card_pdf`]).
//!
//! # PDF
//! The PDFs are typeset by typst (pinned `=0.15.1`) in a sandboxed world (`world.rs`): the template is compiled
//! into the binary, the fonts are typst's embedded ones (Libertinus Serif; parsed once per process, on the
//! first render), the date is the document's own, and no file or package can be read. The data reaches the
//! template only through `sys.inputs`, as JSON strings the template decodes with `json(bytes(..))`: `data` is the
//! domain struct as it is serialised, `fmt` the same figures already formatted the Danish way in Rust
//! (`format.rs`). Values are therefore always *text* to typst, never markup: a site called `#panic("x")` is
//! printed as such.
//!
//! The PDFs conform to **PDF/A-2b** (archival; typst checks the conformance while exporting) and are tagged. One
//! exception: PDF/A forbids text no embedded font can show (Chinese characters or an emoji in a name); such a
//! document is made as plain PDF 1.7, those characters shown as empty boxes, rather than not at all. Control
//! characters are removed from the data before typesetting.
//!
//! A render takes about a tenth of a second of CPU in a release build (see `examples/render_timing.rs`): call it
//! from `spawn_blocking` in async code. Output is deterministic: the PDF's creation date is the document's own
//! date (`as_of`, `printed`), not the clock.
//!
//! # Errors
//! A typst error *or warning* fails the render with [`ReportError::Template`], naming typst's message and the
//! template line: a template typst only half understands is a bug, caught by the tests.

mod council;
mod format;
mod help_card;
pub mod national;
mod world;
mod xlsx;

use domain::supervision::report::{CouncilReport, HelpCard};
use std::sync::LazyLock;
use typst::syntax::Source;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The typst template did not compile cleanly with these data (a bug in the template).
    #[error("PDF-skabelonen kunne ikke sættes: {0}")]
    Template(String),
    /// typst could not write the laid-out document as PDF/A.
    #[error("PDF-filen kunne ikke dannes: {0}")]
    Pdf(String),
    /// The workbook could not be written.
    #[error("Regnearket kunne ikke dannes: {0}")]
    Xlsx(String),
    /// The data could not be prepared for the template.
    #[error("Rapportens data kunne ikke forberedes: {0}")]
    Data(String),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Xlsx(e.to_string())
    }
}

impl From<serde_json::Error> for ReportError {
    fn from(e: serde_json::Error) -> Self {
        ReportError::Data(e.to_string())
    }
}

/// `value` as a JSON string for `sys.inputs`, without control characters (a tab becomes a space; line breaks
/// stay): no font has them, and PDF/A forbids what no font can show.
fn input(value: &impl serde::Serialize) -> Result<String, ReportError> {
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.chars().any(|c| c.is_control() && c != '\n') => {
                *s = s.replace('\t', " ").chars().filter(|c| !c.is_control() || *c == '\n').collect();
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(clean),
            serde_json::Value::Object(fields) => fields.values_mut().for_each(clean),
            _ => {}
        }
    }
    let mut json = serde_json::to_value(value)?;
    clean(&mut json);
    Ok(serde_json::to_string(&json)?)
}

static COUNCIL_TEMPLATE: LazyLock<Source> =
    LazyLock::new(|| world::template("council.typ", include_str!("../templates/council.typ")));
static NATIONAL_TEMPLATE: LazyLock<Source> =
    LazyLock::new(|| world::template("national.typ", include_str!("../templates/national.typ")));
static HELP_CARD_TEMPLATE: LazyLock<Source> =
    LazyLock::new(|| world::template("help-card.typ", include_str!("../templates/help-card.typ")));

/// The annual supervision report to the city council as an A4 PDF/A-2b: title block, summary, the six sections
/// with tables and bar charts, "Side X af Y" in the footer.
pub fn council_report_pdf(r: &CouncilReport) -> Result<Vec<u8>, ReportError> {
    let data = input(r)?;
    let fmt = input(&council::view(r))?;
    world::render(
        &COUNCIL_TEMPLATE,
        &world::Job {
            inputs: &[("data", data), ("fmt", fmt)],
            date: &r.as_of,
            ident: format!("vaern-tilsynsrapport-{}-{}", r.municipality_code, r.year),
        },
    )
}

/// The annual supervision report as an Excel workbook: one sheet per section, numbers as numbers with Danish
/// display formats, native charts of the visits per quarter and the danger signals by source.
pub fn council_report_xlsx(r: &CouncilReport) -> Result<Vec<u8>, ReportError> {
    xlsx::council(r)
}

/// The national report (issue 8) as an A4 PDF/A-2b with the funnel plots; `date` is the document's date.
pub fn national_report_pdf(n: &domain::national::National, date: &str) -> Result<Vec<u8>, ReportError> {
    let fmt = input(&national::pdf_view(n))?;
    world::render(
        &NATIONAL_TEMPLATE,
        &world::Job { inputs: &[("fmt", fmt)], date, ident: format!("vaern-landstal-{}", n.year) },
    )
}

/// The child's card "Hvis du har brug for hjælp": always exactly one A4 page (texts shrink to fit; a text too
/// long even for the smallest size is cut at the page's edge rather than spilling onto a second page).
pub fn help_card_pdf(c: &HelpCard) -> Result<Vec<u8>, ReportError> {
    let data = input(c)?;
    let fmt = input(&help_card::view(c))?;
    world::render(
        &HELP_CARD_TEMPLATE,
        &world::Job {
            inputs: &[("data", data), ("fmt", fmt)],
            date: &c.printed,
            ident: format!("vaern-hjaelpekort-{}", c.printed),
        },
    )
}
