//! The PDFs read back with poppler-utils (pdftotext, pdfinfo): what a reader sees, page counts, no injection.
//! Without poppler-utils these tests FAIL (they never skip): `apt-get install -y poppler-utils`.

mod common;

use common::{pages, pdf_info, pdf_text, squash};
use domain::supervision::report::Right;
use report::{council_report_pdf, help_card_pdf};

/// pdftotext's text with soft hyphens at line ends joined and all whitespace (also no-break spaces) made one space.
fn read(name: &str, pdf: &[u8]) -> String {
    let text = pdf_text(name, pdf).replace("\u{ad}\n", "").replace('\u{ad}', "");
    squash(&text)
}

fn assert_contains(text: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(text.contains(w), "the PDF's text lacks {w:?}; it reads:\n{text}");
    }
}

/// The card's last line (the printed date) starts above the page's bottom margin of 1.5 cm: the fixed layout has
/// not been pushed down past its box (where it would be cut off), and the big heading stays above what follows.
fn assert_footer_on_the_page(name: &str, pdf: &[u8]) {
    let words = common::words(name, pdf);
    let find = |w: &str| words.iter().find(|x| x.0 == w).unwrap_or_else(|| panic!("no word {w:?} in {words:?}"));
    let a4_height = 841.89;
    let top = find("Udskrevet").2;
    assert!(top < a4_height - 1.5 * 72.0 / 2.54, "the footer starts at y = {top} pt, in the bottom margin");
    let heading = find("Til").4;
    let phone = find("116").2;
    assert!(heading < phone, "the heading ({heading}) overlaps what follows it ({phone})");
}

#[test]
fn council_report_reads_as_the_data() {
    let report = common::council_report(40, 30);
    let pdf = council_report_pdf(&report).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = read("council", &pdf);
    assert_contains(
        &text,
        &[
            "Årlig tilsynsrapport til kommunalbestyrelsen",
            "København 2025",
            "kommunekode 101",
            "31. december 2025",
            "Resumé",
            "Kommunen havde 1.289 børn anbragt i løbet af 2025.",
            "1 Godkendelse af anbringelsessteder",
            "2 Personrettet tilsyn",
            "3 Plejefamiliers uddannelse og supervision",
            "4 Driftsorienteret tilsyn",
            "5 Faresignaler og reaktion",
            "6 Opholdssteders økonomi",
            // Danish number formats, from the data and computed from it
            "12.345.678", // the first home's revenue
            "Samlet omsætning: 1.064.717.700 kr.; samlede omkostninger: 996.200.752 kr. ", // sums of 40 homes
            "88,4 %",     // 1.892 of 2.140 visits on time
            "3.817,5",    // training hours
            "Barnets lov § 156, stk. 5",
            // breaches, flagged
            "OBS Overskudsgrad 14,2 % over grænsen 10 %",
            "Egenkapital under 0 kr.; Omkostninger pr. plads pr. døgn 5.612 kr. over grænsen 5.000 kr.",
            "Opholdsstedet Lærkehøj 40",
            "Familien Østergaard (30)",
            "Tilsynsbesøg 18",
        ],
    );
    assert!(!text.contains("Ingen plejefamilier er bagud."));

    // 40 homes and 30 families do not fit on few pages: the long tables break, their headers repeat.
    let n = pages("council", &pdf);
    assert!((4..=7).contains(&n), "expected 4–7 pages for 40 homes and 30 families, got {n}");
    assert!(text.contains(&format!("Side 1 af {n}")) && text.contains(&format!("Side {n} af {n}")), "{text}");
    assert!(text.matches("Bemærkninger").count() >= 2, "the finance table's header repeats on its next page");

    let info = pdf_info("council", &pdf);
    let title = info.iter().find(|(k, _)| k == "Title").map(|(_, v)| v.as_str());
    assert_eq!(title, Some("Årlig tilsynsrapport til kommunalbestyrelsen — København 2025"));
    assert!(info.iter().any(|(k, v)| k == "Page size" && v.contains("(A4)")), "{info:?}");
    // PDF/A-2b, as declared in the XMP metadata.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("pdfaid:part>2<") && raw.contains("pdfaid:conformance>B<"), "not declared PDF/A-2b");
}

#[test]
fn council_report_grows_with_its_rows() {
    let small = council_report_pdf(&common::council_report(3, 2)).expect("renders");
    let large = council_report_pdf(&common::council_report(120, 90)).expect("renders");
    let (s, l) = (pages("small", &small), pages("large", &large));
    assert!(s < l, "3 homes: {s} pages, 120 homes: {l} pages");
    let text = read("large", &large);
    assert_contains(&text, &["Opholdsstedet Solsikken 116", &format!("Side {l} af {l}")]);
}

#[test]
fn empty_report_says_so() {
    let pdf = council_report_pdf(&common::empty_report()).expect("renders with empty lists");
    let text = read("empty", &pdf);
    assert_contains(
        &text,
        &[
            "Læsø 2025",
            "30. juni 2025",
            "Der er intet resumé for året.",
            "Ingen plejefamilier er bagud.",
            "Der er ikke modtaget faresignaler i året.",
            "Der er ingen regnskaber fra opholdssteder for året.",
            "Median reaktionstid (arbejdsdage)",
        ],
    );
    assert!(pages("empty", &pdf) <= 3);
}

#[test]
fn help_card_is_one_page_with_everything_on_it() {
    let card = common::help_card(6);
    let pdf = help_card_pdf(&card).expect("renders");
    assert_eq!(pages("card", &pdf), 1);
    assert_footer_on_the_page("card", &pdf);
    let text = read("card", &pdf);
    assert_contains(
        &text,
        &[
            "Hvis du har brug for hjælp",
            "Til Emma",
            "Mette Sørensen",
            "33 66 21 47",
            "mette.soerensen@kk.dk",
            "33 17 33 33",
            "116 111",
            "Familien Hansen",
            "København",
            "2. marts 2026",
        ],
    );
    assert!(text.to_lowercase().contains("hvis det er akut uden for åbningstid"));
    assert!(text.to_lowercase().contains("børnetelefonen · børns vilkår"));
    for r in &card.rights {
        assert_contains(&text, &[&r.heading, &squash(&r.text)]);
    }
}

#[test]
fn help_card_stays_one_page_with_long_texts() {
    let mut card = common::help_card(6);
    card.child_first_name = "Maja-Sofie Alexandra Christiansen-Østergaard".into();
    card.caseworker_name = "Anne-Mette Christiansen-Østergaard Bendtsen Vestergaard".into();
    card.caseworker_email = "anne-mette.christiansen-ostergaard.bendtsen@socialforvaltningen.kk.dk".into();
    card.placement_name = "Opholdsstedet Den Gamle Præstegård ved Fjorden, afdeling for større børn og unge".into();
    for r in &mut card.rights {
        r.text = format!("{} {} {}", r.text, r.text, r.text);
    }
    let pdf = help_card_pdf(&card).expect("renders");
    assert_eq!(pages("card-long", &pdf), 1);
    let text = read("card-long", &pdf);
    assert_contains(&text, &["Til Maja-Sofie Alexandra", "Østergaard", "Anne-Mette", "116 111", "Du kan klage"]);
    assert_footer_on_the_page("card-long", &pdf);

    // More rights than the card is made for, and none at all: still one page.
    card.rights = (0..12).map(|i| Right { heading: format!("Ret nummer {i}"), text: "Tekst. ".repeat(40) }).collect();
    let pdf = help_card_pdf(&card).expect("renders");
    assert_eq!(pages("card-12", &pdf), 1);
    assert_footer_on_the_page("card-12", &pdf);
    card.rights.clear();
    let pdf = help_card_pdf(&card).expect("renders");
    assert_eq!(pages("card-0", &pdf), 1);
    assert_contains(&read("card-0", &pdf), &["Spørg din sagsbehandler om dine rettigheder."]);
}

/// typst markup, code and math in the data are printed as the characters they are, never run: the data reach
/// the template as strings in `sys.inputs`.
#[test]
fn markup_in_the_data_is_printed_literally() {
    let evil = r#"#panic("x") *bold* $x$ ] #read("/etc/passwd") \ @ref <l> // c"#;
    let mut report = common::council_report(5, 2);
    report.municipality = format!("Kommune {evil}");
    report.summary.push(evil.to_string());
    report.finances[0].name = evil.to_string();
    report.finances[1].breaches = vec![evil.to_string()];
    report.foster.behind[0].name = evil.to_string();
    report.signals.by_source[0].label = evil.to_string();
    report.approvals.rows[0].site_type = evil.to_string();
    // Long texts wrap (e.g. after "/"), so compare without whitespace.
    let bare = |s: &str| s.split_whitespace().collect::<String>();
    let text = read("evil", &council_report_pdf(&report).expect("markup in the data does not break the render"));
    let (text, evil_bare) = (bare(&text), bare(evil));
    // The municipality is on every page and in the title block; the other six places once each.
    let n = text.matches(&evil_bare).count();
    assert!(n >= 6 + 2, "printed literally only {n} times:\n{text}");
    assert!(!text.contains("root:"), "a file was read");

    let mut card = common::help_card(2);
    card.child_first_name = evil.into();
    card.rights[0].heading = evil.into();
    card.caseworker_phone = "#{1+1}".into();
    let pdf = help_card_pdf(&card).expect("renders");
    let text = bare(&read("evil-card", &pdf));
    assert_contains(&text, &[&format!("Til{evil_bare}"), &evil_bare, "Telefon:#{1+1}"]);
    assert_eq!(text.matches(&evil_bare).count(), 2);
    assert_eq!(pages("evil-card", &pdf), 1);
}

/// PDF/A forbids text no embedded font can show; such data still make a document (plain PDF), and control
/// characters are dropped.
#[test]
fn characters_no_font_has_still_make_a_document() {
    let normal = help_card_pdf(&common::help_card(3)).expect("renders");
    assert!(String::from_utf8_lossy(&normal).contains("pdfaid:part>2<"), "a normal card is PDF/A-2b");

    let mut card = common::help_card(3);
    card.child_first_name = "Li 李小龙 😀".into();
    card.caseworker_name = "Mette\u{0}\u{7} Sørensen\u{1b}[31m".into();
    let pdf = help_card_pdf(&card).expect("renders despite characters without glyphs");
    assert!(!String::from_utf8_lossy(&pdf).contains("pdfaid:part"), "not claimed to be PDF/A");
    assert_eq!(pages("cjk-card", &pdf), 1);
    assert_contains(&read("cjk-card", &pdf), &["Til Li", "Mette Sørensen[31m", "116 111"]);

    let mut report = common::council_report(2, 1);
    report.finances[0].name = "Opholdsstedet 🌻\u{0}".into();
    report.summary.push("Tab\there.".into());
    let text = read("cjk-report", &council_report_pdf(&report).expect("renders"));
    assert_contains(&text, &["Opholdsstedet", "Tab here."]);
}

#[test]
fn renders_are_byte_identical() {
    let report = common::council_report(8, 4);
    assert_eq!(council_report_pdf(&report).expect("renders"), council_report_pdf(&report).expect("renders"));
}
