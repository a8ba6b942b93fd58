//! Hand-built report data and the poppler helpers shared by the tests (and the timing example).
#![allow(dead_code)]

use domain::supervision::report::*;
use std::path::PathBuf;
use std::process::Command;

/// A year of a large municipality: `finance_rows` residential homes (every 7th over the margin limit), `behind`
/// foster families behind. Amounts are whole kroner, e.g. the first home's revenue is 12.345.678 kr.
pub fn council_report(finance_rows: usize, behind: usize) -> CouncilReport {
    let approval = |t: &str, sites, end, new, rev, exp, places, occ| ApprovalRow {
        site_type: t.to_string(),
        sites,
        approved_end: end,
        approved_in_year: new,
        revoked_in_year: rev,
        expiring_soon: exp,
        places,
        occupied: occ,
    };
    let rows = vec![
        approval("Plejefamilie", 412, 398, 37, 6, 21, 640, 571),
        approval("Netværksplejefamilie", 96, 94, 18, 1, 4, 118, 109),
        approval("Kommunal plejefamilie", 23, 23, 3, 0, 1, 41, 38),
        approval("Opholdssted", 41, 39, 2, 1, 3, 356, 297),
        approval("Døgninstitution", 12, 12, 0, 0, 1, 214, 188),
        approval("Eget værelse", 8, 8, 1, 0, 0, 8, 6),
    ];
    let mut total = approval("I alt", 0, 0, 0, 0, 0, 0, 0);
    for r in &rows {
        total.sites += r.sites;
        total.approved_end += r.approved_end;
        total.approved_in_year += r.approved_in_year;
        total.revoked_in_year += r.revoked_in_year;
        total.expiring_soon += r.expiring_soon;
        total.places += r.places;
        total.occupied += r.occupied;
    }
    let finances = (0..finance_rows)
        .map(|i| {
            let revenue = 12_345_678.0 + 731_911.0 * i as f64;
            let breach = i % 7 == 3;
            let margin = if breach { 14.2 } else { 3.0 + (i % 5) as f64 };
            let costs = (revenue * (1.0 - margin / 100.0)).round();
            let places = (i % 4 != 2).then_some(6 + (i % 9) as u32);
            FinanceRow {
                site: format!("S-{:04}", 1001 + i),
                name: format!(
                    "Opholdsstedet {} {}",
                    ["Solsikken", "Egebo", "Fjordly", "Skovbrynet", "Lærkehøj"][i % 5],
                    i + 1
                ),
                revenue_dkk: revenue,
                costs_dkk: costs,
                profit_dkk: revenue - costs,
                margin_pct: margin,
                equity_dkk: (i % 6 != 5).then_some(1_250_000.0 + 10_000.0 * i as f64),
                places,
                cost_per_place_day_dkk: places.map(|p| (costs / f64::from(p) / 365.0).round()),
                breaches: if breach {
                    vec!["Overskudsgrad 14,2 % over grænsen 10 %".to_string()]
                } else if i == 12 {
                    vec![
                        "Egenkapital under 0 kr.".to_string(),
                        "Omkostninger pr. plads pr. døgn 5.612 kr. over grænsen 5.000 kr.".to_string(),
                    ]
                } else {
                    vec![]
                },
            }
        })
        .collect();
    CouncilReport {
        municipality: "København".into(),
        municipality_code: "101".into(),
        year: 2025,
        as_of: "2025-12-31".into(),
        summary: vec![
            "Kommunen havde 1.289 børn anbragt i løbet af 2025.".into(),
            "88,4 % af de lovpligtige tilsynsbesøg blev afholdt rettidigt; 31 besøg blev ikke afholdt.".into(),
            "Der blev modtaget 47 faresignaler, og der blev reageret rettidigt på 39 af dem.".into(),
            "6 opholdssteder overskred kommunens grænser for overskudsgrad eller omkostninger.".into(),
        ],
        approvals: Approvals { rows, total },
        visits: Visits {
            placed_children: 1289,
            required: 2140,
            on_time: 1892,
            late: 217,
            missing: 31,
            held: 2309,
            spoken_alone_pct: 81.7,
            by_quarter: vec![
                QuarterRow { quarter: "1. kvt.".into(), required: 520, on_time: 455 },
                QuarterRow { quarter: "2. kvt.".into(), required: 548, on_time: 487 },
                QuarterRow { quarter: "3. kvt.".into(), required: 499, on_time: 431 },
                QuarterRow { quarter: "4. kvt.".into(), required: 573, on_time: 519 },
            ],
            law: "Barnets lov § 156, stk. 5".into(),
        },
        foster: Foster {
            families: 531,
            basic_course: 497,
            trained_in_year: 212,
            training_hours: 3817.5,
            supervision_sessions: 1904,
            supervision_due: 2124,
            supervision_on_time: 1850,
            supervision_late: 201,
            supervision_missing: 73,
            behind: (0..behind)
                .map(|i| FamilyBehind {
                    name: format!(
                        "Familien {} ({})",
                        ["Hansen", "Nielsen", "Jensen", "Pedersen", "Østergaard"][i % 5],
                        i + 1
                    ),
                    site_type: if i % 3 == 0 { "Netværksplejefamilie" } else { "Plejefamilie" }.into(),
                    issue: if i % 2 == 0 {
                        format!("Supervision (frist {:02}.{:02}.2025)", 1 + i % 28, 1 + i % 12)
                    } else {
                        "Grundkursus ikke gennemført".into()
                    },
                })
                .collect(),
            guideline: "supervision af plejefamilier mindst hver 3. måned".into(),
        },
        operational: Operational { due: 64, on_time: 57, late: 5, missing: 2, announced: 41, unannounced: 23 },
        signals: Signals {
            raised: 47,
            reacted_on_time: 39,
            reacted_late: 6,
            open: 2,
            socialtilsyn_notified: 11,
            median_reaction_days: Some(2.5),
            by_source: vec![
                CountRow { label: "Tilsynsbesøg".into(), count: 18 },
                CountRow { label: "Underretning".into(), count: 12 },
                CountRow { label: "Barnet selv".into(), count: 9 },
                CountRow { label: "Socialtilsynet".into(), count: 5 },
                CountRow { label: "Andet".into(), count: 3 },
            ],
            by_severity: vec![
                CountRow { label: "Kritisk".into(), count: 4 },
                CountRow { label: "Alvorlig".into(), count: 15 },
                CountRow { label: "Moderat".into(), count: 28 },
            ],
        },
        finances,
    }
}

/// A report with nothing in it: no rows, no summary, no signals.
pub fn empty_report() -> CouncilReport {
    CouncilReport {
        municipality: "Læsø".into(),
        municipality_code: "825".into(),
        year: 2025,
        as_of: "2025-06-30".into(),
        summary: vec![],
        approvals: Approvals { rows: vec![], total: ApprovalRow { site_type: "I alt".into(), ..Default::default() } },
        visits: Visits::default(),
        foster: Foster::default(),
        operational: Operational::default(),
        signals: Signals::default(),
        finances: vec![],
    }
}

pub fn help_card(rights: usize) -> HelpCard {
    let all = [
        ("Du skal høres", "Du har ret til at sige din mening, før kommunen træffer beslutninger om dig. Det du siger, skal tages alvorligt."),
        ("Du må have en bisidder", "Du må tage en voksen med, som du stoler på, når du skal tale med kommunen. Det kan være en ven af familien, en lærer eller en fra Børns Vilkår."),
        ("Samvær med din familie", "Du har ret til at se og tale med din familie og dit netværk, medmindre det ikke er godt for dig. Du skal spørges om, hvordan samværet skal være."),
        ("Tilsyn med dig", "Din sagsbehandler skal besøge dig mindst to gange om året og tale med dig alene, uden at dine plejeforældre eller pædagoger er med."),
        ("Du kan klage", "Hvis du er uenig i en beslutning, kan du klage. Fra du er 10 år, kan du selv klage til Ankestyrelsen. Din sagsbehandler skal hjælpe dig."),
        ("Din egen plan", "Du har ret til at vide, hvad der står i din plan, og til at være med til at lave den. Spørg, hvis der er noget, du ikke forstår."),
    ];
    HelpCard {
        child_first_name: "Emma".into(),
        age: 11,
        placement_name: "Familien Hansen".into(),
        municipality: "København".into(),
        caseworker_name: "Mette Sørensen".into(),
        caseworker_phone: "33 66 21 47".into(),
        caseworker_email: "mette.soerensen@kk.dk".into(),
        out_of_hours_phone: "33 17 33 33".into(),
        childrens_phone: "116 111".into(),
        rights: all
            .iter()
            .cycle()
            .take(rights)
            .map(|(h, t)| Right { heading: h.to_string(), text: t.to_string() })
            .collect(),
        printed: "2026-03-02".into(),
    }
}

// ---- poppler-utils ----

const NO_POPPLER: &str = "pdftotext/pdfinfo not found: install poppler-utils (apt-get install -y poppler-utils); \
                          CI installs it. These tests do not skip without it.";

/// Writes `pdf` to a fresh file in the target directory and returns its path.
pub fn write_pdf(name: &str, pdf: &[u8]) -> PathBuf {
    let dir = option_env!("CARGO_TARGET_TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    path
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| panic!("{NO_POPPLER} ({tool}: {e})"));
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The PDF's text as pdftotext reads it (UTF-8, reading order).
pub fn pdf_text(name: &str, pdf: &[u8]) -> String {
    let path = write_pdf(name, pdf);
    run("pdftotext", &["-enc", "UTF-8", path.to_str().expect("path"), "-"])
}

/// pdfinfo's fields ("Pages", "Title", "Page size" …).
pub fn pdf_info(name: &str, pdf: &[u8]) -> Vec<(String, String)> {
    let path = write_pdf(name, pdf);
    run("pdfinfo", &[path.to_str().expect("path")])
        .lines()
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

pub fn pages(name: &str, pdf: &[u8]) -> usize {
    let info = pdf_info(name, pdf);
    let pages = info.iter().find(|(k, _)| k == "Pages").expect("pdfinfo names the page count");
    pages.1.parse().expect("a number of pages")
}

/// Every word pdftotext finds, with its box in points from the page's top left: (word, x_min, y_min, x_max,
/// y_max).
pub fn words(name: &str, pdf: &[u8]) -> Vec<(String, f64, f64, f64, f64)> {
    let path = write_pdf(name, pdf);
    let html = run("pdftotext", &["-bbox", "-enc", "UTF-8", path.to_str().expect("path"), "-"]);
    let attr = |line: &str, key: &str| -> f64 {
        let start = line.find(&format!("{key}=\"")).expect("attribute") + key.len() + 2;
        line[start..].split('"').next().expect("value").parse().expect("number")
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word "))
        .map(|l| {
            let word = l.split('>').nth(1).and_then(|w| w.split('<').next()).unwrap_or_default();
            (word.to_string(), attr(l, "xMin"), attr(l, "yMin"), attr(l, "xMax"), attr(l, "yMax"))
        })
        .collect()
}

/// pdftotext breaks lines and may hyphenate; compare texts with all whitespace collapsed to one space.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
