//! The workbook read back as the zip of XML parts it is: sheet names, numbers stored as numbers, Danish display
//! formats, charts, and no formulas.

mod common;

use report::council_report_xlsx;
use std::io::{Cursor, Read};

struct Book(zip::ZipArchive<Cursor<Vec<u8>>>);

impl Book {
    fn open(bytes: Vec<u8>) -> Book {
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip");
        Book(zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip"))
    }

    fn part(&mut self, name: &str) -> String {
        let mut file = self.0.by_name(name).unwrap_or_else(|_| panic!("no part {name}"));
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8 XML");
        text
    }

    fn names(&self) -> Vec<String> {
        self.0.file_names().map(|n| n.expect("a file name").to_string()).collect()
    }
}

/// The XML of cell `r` ("C2") in a sheet.
fn cell<'a>(sheet: &'a str, r: &str) -> &'a str {
    let start = sheet.find(&format!("<c r=\"{r}\"")).unwrap_or_else(|| panic!("no cell {r}"));
    let end = start + sheet[start..].find("</c>").unwrap_or_else(|| sheet[start..].find("/>").expect("cell end"));
    &sheet[start..end]
}

/// The number in cell `r`, which must be a number cell (not a string).
fn number(sheet: &str, r: &str) -> f64 {
    let c = cell(sheet, r);
    assert!(!c.contains("t=\"s\"") && !c.contains("t=\"str\""), "{r} is text, not a number: {c}");
    let v = c.split("<v>").nth(1).and_then(|v| v.split("</v>").next()).unwrap_or_else(|| panic!("{r} is empty: {c}"));
    v.parse().expect("a number")
}

#[test]
fn one_sheet_per_section_with_numbers_as_numbers() {
    let report = common::council_report(40, 30);
    let mut book = Book::open(council_report_xlsx(&report).expect("writes"));

    let workbook = book.part("xl/workbook.xml");
    let sheets = ["Resumé", "Godkendelser", "Tilsynsbesøg", "Plejefamilier", "Driftstilsyn", "Faresignaler", "Økonomi"];
    let mut at = 0;
    for name in sheets {
        let pos = workbook[at..].find(&format!("<sheet name=\"{name}\"")).unwrap_or_else(|| panic!("{name}"));
        at += pos;
    }

    let strings = book.part("xl/sharedStrings.xml");
    for s in [
        "Årlig tilsynsrapport til kommunalbestyrelsen — København 2025",
        "Kommunen havde 1.289 børn anbragt i løbet af 2025.",
        "Plejefamilie",
        "I alt",
        "Familien Østergaard (30)",
        "Opholdsstedet Solsikken 1",
        "Overskudsgrad 14,2 % over grænsen 10 %",
        "Egenkapital under 0 kr.; Omkostninger pr. plads pr. døgn 5.612 kr. over grænsen 5.000 kr.",
        "Lovgrundlag: Barnets lov § 156, stk. 5",
    ] {
        assert!(strings.contains(s), "no string {s:?}");
    }

    // Godkendelser: the site types and the total row.
    let approvals = book.part("xl/worksheets/sheet2.xml");
    assert_eq!(number(&approvals, "B2"), 412.0);
    assert_eq!(number(&approvals, "G8"), 1377.0, "total places");
    assert!((number(&approvals, "I2") - 571.0 / 640.0).abs() < 1e-9, "occupancy as a fraction shown as %");

    // Tilsynsbesøg: the quarters the chart is drawn from.
    let visits = book.part("xl/worksheets/sheet3.xml");
    assert_eq!(number(&visits, "B2"), 520.0);
    assert_eq!(number(&visits, "C5"), 519.0);

    // Økonomi: amounts in kroner, the margin as a fraction, a header row and 40 rows.
    let finance = book.part("xl/worksheets/sheet7.xml");
    assert_eq!(number(&finance, "C2"), 12_345_678.0);
    assert!((number(&finance, "F5") - 0.142).abs() < 1e-12, "14,2 % is stored as 0.142");
    assert_eq!(number(&finance, "C41"), 12_345_678.0 + 39.0 * 731_911.0);
    assert!(!finance.contains("<c r=\"A42\""), "exactly 40 rows");

    // Danish display formats: Excel shows #,##0 with the reader's separators ("12.345.678" in Danish Excel).
    let styles = book.part("xl/styles.xml");
    for format in ["#,##0 &quot;kr.&quot;", "0.0 %", "#,##0.0"] {
        assert!(styles.contains(&format!("formatCode=\"{format}\"")), "no number format {format}");
    }

    // Native charts on Tilsynsbesøg (per quarter) and Faresignaler (by source).
    let names = book.names();
    assert!(names.iter().any(|n| n == "xl/charts/chart1.xml") && names.iter().any(|n| n == "xl/charts/chart2.xml"));
    let chart1 = book.part("xl/charts/chart1.xml");
    assert!(chart1.contains("<c:barDir val=\"col\"/>") && chart1.contains("Tilsynsbesøg!$B$2:$B$5"), "{chart1}");
    let chart2 = book.part("xl/charts/chart2.xml");
    assert!(chart2.contains("<c:barDir val=\"bar\"/>") && chart2.contains("Faresignaler!$B$2:$B$6"), "{chart2}");
    assert!(book.part("xl/worksheets/_rels/sheet3.xml.rels").contains("drawing"));
    assert!(book.part("xl/worksheets/_rels/sheet6.xml.rels").contains("drawing"));

    // Every sheet has a bold header row and set column widths.
    for i in 1..=7 {
        let sheet = book.part(&format!("xl/worksheets/sheet{i}.xml"));
        assert!(sheet.contains("<cols>") && sheet.contains("customWidth=\"1\""), "sheet{i} has no column widths");
    }
    assert!(styles.contains("<b/>"), "no bold font");
}

/// Texts a spreadsheet would run as formulas are stored as text, never as formulas.
#[test]
fn text_that_looks_like_a_formula_stays_text() {
    let mut report = common::council_report(6, 6);
    let evil = ["=HYPERLINK(\"http://example.invalid\",\"klik\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"];
    for (i, e) in evil.iter().enumerate() {
        report.finances[i].name = (*e).to_string();
        report.foster.behind[i].issue = (*e).to_string();
    }
    report.summary.push(evil[0].to_string());
    let mut book = Book::open(council_report_xlsx(&report).expect("writes"));
    for i in 1..=7 {
        let sheet = book.part(&format!("xl/worksheets/sheet{i}.xml"));
        assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "sheet{i} has a formula");
    }
    let strings = book.part("xl/sharedStrings.xml");
    assert!(strings.contains(r#"=HYPERLINK("http://example.invalid","klik")"#), "{strings}");
    for e in &evil[1..4] {
        assert!(strings.contains(&format!("<t>{e}</t>")), "{e:?} not stored as a string");
    }
    let finance = book.part("xl/worksheets/sheet7.xml");
    assert!(cell(&finance, "A2").contains("t=\"s\""), "a name is a string cell");
    // … with Excel's quote prefix, so that editing the cell does not make it a formula either.
    assert!(book.part("xl/styles.xml").contains("quotePrefix=\"1\""));
}

#[test]
fn an_empty_report_is_a_workbook_too() {
    let mut book = Book::open(council_report_xlsx(&common::empty_report()).expect("writes"));
    assert!(book.part("xl/sharedStrings.xml").contains("Ingen plejefamilier er bagud."));
    assert!(!book.names().iter().any(|n| n.starts_with("xl/charts/")), "no chart without data");
    let approvals = book.part("xl/worksheets/sheet2.xml");
    assert_eq!(number(&approvals, "B2"), 0.0, "the total row alone");
}
