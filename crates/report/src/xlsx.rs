//! The council report as an Excel workbook: one sheet per section, numbers as numbers (Excel shows them with the
//! reader's own separators — "12.345.678" in a Danish Excel), a bold header row, set column widths, and native
//! charts of the visits per quarter and the danger signals by source.
//!
//! Every text is written with `write_string`, i.e. as a string cell: a name such as `=HYPERLINK(..)` is never a
//! formula (no formula is written anywhere in the workbook). A text starting with = + - @ tab or CR also gets
//! Excel's quote prefix (the hidden leading apostrophe), so editing the cell does not turn it into a formula.

use crate::council::{self, Figure, Value};
use crate::ReportError;
use domain::supervision::report::{ApprovalRow, CouncilReport, CountRow};
use rust_xlsxwriter::{Chart, ChartType, Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

const INT: &str = "#,##0";
const DEC: &str = "#,##0.0";
const KR: &str = "#,##0 \"kr.\"";
/// Shares are written as fractions (0.142) and shown as "14,2 %".
const PCT: &str = "0.0 %";

struct Formats {
    header: Format,
    title: Format,
    bold: Format,
    text: Format,
    wrap: Format,
    int: Format,
    dec: Format,
    kr: Format,
    pct: Format,
    total_text: Format,
    total_int: Format,
    total_pct: Format,
    flag_text: Format,
}

impl Formats {
    fn new() -> Self {
        let header = Format::new()
            .set_bold()
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(0x1F4E79))
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        let total = Format::new().set_bold().set_border_top(FormatBorder::Medium);
        Formats {
            header,
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            text: Format::new().set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            int: Format::new().set_num_format(INT),
            dec: Format::new().set_num_format(DEC),
            kr: Format::new().set_num_format(KR),
            pct: Format::new().set_num_format(PCT),
            total_int: total.clone().set_num_format(INT),
            total_pct: total.clone().set_num_format(PCT),
            total_text: total,
            flag_text: Format::new()
                .set_text_wrap()
                .set_font_color(Color::RGB(0xA4161A))
                .set_background_color(Color::RGB(0xFBE4E4))
                .set_align(FormatAlign::Top),
        }
    }
}

/// Writes `text` as a string cell; one that a spreadsheet would take for a formula gets the quote prefix.
fn put(ws: &mut Worksheet, r: u32, c: u16, text: impl AsRef<str>, format: &Format) -> Result<(), ReportError> {
    let text = text.as_ref();
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        ws.write_string_with_format(r, c, text, &format.clone().set_quote_prefix())?;
    } else {
        ws.write_string_with_format(r, c, text, format)?;
    }
    Ok(())
}

fn header(ws: &mut Worksheet, row: u32, titles: &[&str], fm: &Formats) -> Result<(), ReportError> {
    for (c, t) in titles.iter().enumerate() {
        put(ws, row, col(c), *t, &fm.header)?;
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn row_of(r: usize) -> u32 {
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// A finite number, or an empty cell.
fn number(ws: &mut Worksheet, r: u32, c: u16, x: f64, format: &Format) -> Result<(), ReportError> {
    if x.is_finite() {
        ws.write_number_with_format(r, c, x, format)?;
    }
    Ok(())
}

fn widths(ws: &mut Worksheet, widths: &[f64]) -> Result<(), ReportError> {
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(col(c), *w)?;
    }
    Ok(())
}

/// Key figures as a table (Nøgletal | Tal | Andel) starting at `row`; returns the next free row.
fn figures(ws: &mut Worksheet, row: u32, items: &[Figure], fm: &Formats) -> Result<u32, ReportError> {
    header(ws, row, &["Nøgletal", "Tal", "Andel"], fm)?;
    let mut r = row + 1;
    for f in items {
        let label = if f.part { format!("   {}", f.label) } else { f.label.to_string() };
        put(ws, r, 0, label, &fm.text)?;
        match f.value {
            Value::Count(n) => number(ws, r, 1, f64::from(n), &fm.int)?,
            Value::Percent(p) => number(ws, r, 1, p / 100.0, &fm.pct)?,
            Value::Decimal(x) => number(ws, r, 1, x, &fm.dec)?,
            Value::Missing => {
                put(ws, r, 1, crate::format::NONE, &fm.text)?;
            }
        }
        if let Some(s) = f.share {
            number(ws, r, 2, s / 100.0, &fm.pct)?;
        }
        r += 1;
    }
    Ok(r)
}

fn approval_row(ws: &mut Worksheet, r: u32, a: &ApprovalRow, total: bool, fm: &Formats) -> Result<(), ReportError> {
    let (text, int, pct) =
        if total { (&fm.total_text, &fm.total_int, &fm.total_pct) } else { (&fm.text, &fm.int, &fm.pct) };
    put(ws, r, 0, &a.site_type, text)?;
    let values =
        [a.sites, a.approved_end, a.approved_in_year, a.revoked_in_year, a.expiring_soon, a.places, a.occupied];
    for (i, v) in values.iter().enumerate() {
        ws.write_number_with_format(r, col(i + 1), f64::from(*v), int)?;
    }
    match council::occupancy(a) {
        Some(o) => number(ws, r, 8, o / 100.0, pct)?,
        None => {
            put(ws, r, 8, "", text)?;
        }
    }
    Ok(())
}

/// A (label, count) table starting at `row`; returns the next free row.
fn counts(ws: &mut Worksheet, row: u32, first: &str, rows: &[CountRow], fm: &Formats) -> Result<u32, ReportError> {
    header(ws, row, &[first, "Antal", "Andel"], fm)?;
    let total: u32 = rows.iter().map(|c| c.count).fold(0, u32::saturating_add);
    let mut r = row + 1;
    for c in rows {
        put(ws, r, 0, &c.label, &fm.text)?;
        ws.write_number_with_format(r, 1, f64::from(c.count), &fm.int)?;
        if total > 0 {
            ws.write_number_with_format(r, 2, f64::from(c.count) / f64::from(total), &fm.pct)?;
        }
        r += 1;
    }
    Ok(r)
}

pub fn council(rep: &CouncilReport) -> Result<Vec<u8>, ReportError> {
    let fm = Formats::new();
    let mut wb = Workbook::new();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new().set_title(council::title(rep)).set_author("Værn").set_company("Værn"),
    );

    // ---- Resumé ----
    let ws = wb.add_worksheet();
    ws.set_name("Resumé")?;
    widths(ws, &[22.0, 100.0])?;
    put(ws, 0, 0, council::title(rep), &fm.title)?;
    let meta = [
        ("Kommune", rep.municipality.clone()),
        ("Kommunekode", rep.municipality_code.clone()),
        ("År", rep.year.to_string()),
        ("Opgjort pr.", crate::format::date_long(&rep.as_of)),
    ];
    for (i, (k, v)) in meta.iter().enumerate() {
        let r = row_of(i + 2);
        put(ws, r, 0, *k, &fm.bold)?;
        if *k == "År" {
            ws.write_number(r, 1, f64::from(rep.year))?;
        } else {
            put(ws, r, 1, v, &fm.text)?;
        }
    }
    let start = row_of(meta.len() + 3);
    header(ws, start, &["Resumé", ""], &fm)?;
    for (i, s) in rep.summary.iter().enumerate() {
        let r = start + 1 + row_of(i);
        ws.write_number(r, 0, (i + 1) as f64)?;
        put(ws, r, 1, s, &fm.wrap)?;
    }

    // ---- Godkendelser ----
    let ws = wb.add_worksheet();
    ws.set_name("Godkendelser")?;
    widths(ws, &[24.0, 13.0, 15.0, 14.0, 12.0, 14.0, 10.0, 12.0, 12.0])?;
    header(
        ws,
        0,
        &[
            "Type",
            "Steder i brug",
            "Godkendt ved årets udgang",
            "Nye godkendelser",
            "Tilbagekaldt",
            "Udløber inden 90 dage",
            "Pladser",
            "Anbragte børn",
            "Belægning",
        ],
        &fm,
    )?;
    for (i, a) in rep.approvals.rows.iter().enumerate() {
        approval_row(ws, row_of(i + 1), a, false, &fm)?;
    }
    approval_row(ws, row_of(rep.approvals.rows.len() + 1), &rep.approvals.total, true, &fm)?;
    ws.set_freeze_panes(1, 0)?;

    // ---- Tilsynsbesøg ----
    let ws = wb.add_worksheet();
    ws.set_name("Tilsynsbesøg")?;
    widths(ws, &[44.0, 16.0, 16.0, 14.0])?;
    header(ws, 0, &["Kvartal", "Lovpligtige besøg", "Afholdt rettidigt", "Andel rettidigt"], &fm)?;
    let quarters = &rep.visits.by_quarter;
    for (i, q) in quarters.iter().enumerate() {
        let r = row_of(i + 1);
        put(ws, r, 0, &q.quarter, &fm.text)?;
        ws.write_number_with_format(r, 1, f64::from(q.required), &fm.int)?;
        ws.write_number_with_format(r, 2, f64::from(q.on_time), &fm.int)?;
        if q.required > 0 {
            ws.write_number_with_format(r, 3, f64::from(q.on_time) / f64::from(q.required), &fm.pct)?;
        }
    }
    let next = row_of(quarters.len() + 2);
    let next = figures(ws, next, &council::visit_figures(&rep.visits), &fm)?;
    if !rep.visits.law.is_empty() {
        put(ws, next + 1, 0, format!("Lovgrundlag: {}", rep.visits.law), &fm.text)?;
    }
    if !quarters.is_empty() {
        let last = row_of(quarters.len());
        let mut chart = Chart::new(ChartType::Column);
        for (c, colour) in [(1u16, 0x8FB3D9u32), (2, 0x1F4E79)] {
            chart
                .add_series()
                .set_name(("Tilsynsbesøg", 0, c))
                .set_categories(("Tilsynsbesøg", 1, 0, last, 0))
                .set_values(("Tilsynsbesøg", 1, c, last, c))
                .set_format(
                    rust_xlsxwriter::ChartFormat::new()
                        .set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(Color::RGB(colour))),
                );
        }
        chart.title().set_name("Lovpligtige og rettidige tilsynsbesøg pr. kvartal");
        chart.y_axis().set_num_format(INT);
        chart.set_alt_text("Søjlediagram: lovpligtige tilsynsbesøg og rettidigt afholdte besøg pr. kvartal");
        ws.insert_chart(0, 5, &chart)?;
    }

    // ---- Plejefamilier ----
    let ws = wb.add_worksheet();
    ws.set_name("Plejefamilier")?;
    widths(ws, &[44.0, 22.0, 50.0])?;
    let next = figures(ws, 0, &council::foster_figures(&rep.foster), &fm)?;
    let mut r = next + 1;
    if !rep.foster.guideline.is_empty() {
        put(ws, r, 0, format!("Kommunens retningslinje: {}", rep.foster.guideline), &fm.text)?;
        r += 2;
    }
    header(ws, r, &["Plejefamilie bagud", "Type", "Mangler"], &fm)?;
    if rep.foster.behind.is_empty() {
        put(ws, r + 1, 0, "Ingen plejefamilier er bagud.", &fm.text)?;
    }
    for (i, b) in rep.foster.behind.iter().enumerate() {
        let rr = r + 1 + row_of(i);
        put(ws, rr, 0, &b.name, &fm.text)?;
        put(ws, rr, 1, &b.site_type, &fm.text)?;
        put(ws, rr, 2, &b.issue, &fm.wrap)?;
    }

    // ---- Driftstilsyn ----
    let ws = wb.add_worksheet();
    ws.set_name("Driftstilsyn")?;
    widths(ws, &[44.0, 12.0, 12.0])?;
    figures(ws, 0, &council::operational_figures(&rep.operational), &fm)?;

    // ---- Faresignaler ----
    let ws = wb.add_worksheet();
    ws.set_name("Faresignaler")?;
    widths(ws, &[44.0, 12.0, 12.0])?;
    let sources = &rep.signals.by_source;
    let next = counts(ws, 0, "Kilde", sources, &fm)?;
    let next = counts(ws, next + 1, "Alvor", &rep.signals.by_severity, &fm)?;
    figures(ws, next + 1, &council::signal_figures(&rep.signals), &fm)?;
    if !sources.is_empty() {
        let last = row_of(sources.len());
        let mut chart = Chart::new(ChartType::Bar);
        chart
            .add_series()
            .set_name("Faresignaler")
            .set_categories(("Faresignaler", 1, 0, last, 0))
            .set_values(("Faresignaler", 1, 1, last, 1))
            .set_format(
                rust_xlsxwriter::ChartFormat::new()
                    .set_solid_fill(rust_xlsxwriter::ChartSolidFill::new().set_color(Color::RGB(0x1F4E79))),
            );
        chart.title().set_name("Faresignaler efter kilde");
        chart.legend().set_hidden();
        // Largest first, as in the data: Excel draws a bar chart's first category at the bottom.
        chart.x_axis().set_reverse();
        chart.y_axis().set_num_format(INT);
        chart.set_alt_text("Liggende søjlediagram: antal faresignaler efter kilde");
        ws.insert_chart(0, 4, &chart)?;
    }

    // ---- Økonomi ----
    let ws = wb.add_worksheet();
    ws.set_name("Økonomi")?;
    widths(ws, &[32.0, 12.0, 15.0, 15.0, 15.0, 13.0, 15.0, 9.0, 15.0, 60.0])?;
    header(
        ws,
        0,
        &[
            "Opholdssted",
            "Sted",
            "Omsætning",
            "Omkostninger",
            "Overskud",
            "Overskudsgrad",
            "Egenkapital",
            "Pladser",
            "Pr. plads pr. døgn",
            "Bemærkninger",
        ],
        &fm,
    )?;
    for (i, f) in rep.finances.iter().enumerate() {
        let r = row_of(i + 1);
        put(ws, r, 0, &f.name, &fm.text)?;
        put(ws, r, 1, &f.site, &fm.text)?;
        number(ws, r, 2, f.revenue_dkk, &fm.kr)?;
        number(ws, r, 3, f.costs_dkk, &fm.kr)?;
        number(ws, r, 4, f.profit_dkk, &fm.kr)?;
        number(ws, r, 5, f.margin_pct / 100.0, &fm.pct)?;
        if let Some(e) = f.equity_dkk {
            number(ws, r, 6, e, &fm.kr)?;
        }
        if let Some(p) = f.places {
            ws.write_number_with_format(r, 7, f64::from(p), &fm.int)?;
        }
        if let Some(c) = f.cost_per_place_day_dkk {
            number(ws, r, 8, c, &fm.kr)?;
        }
        if !f.breaches.is_empty() {
            put(ws, r, 9, f.breaches.join("; "), &fm.flag_text)?;
        }
    }
    if !rep.finances.is_empty() {
        ws.autofilter(0, 0, row_of(rep.finances.len()), 9)?;
    }
    ws.set_freeze_panes(1, 1)?;

    Ok(wb.save_to_buffer()?)
}
