//! The national report (issue 8) from `domain::national::National`: a static HTML page with SVG charts (funnel
//! plots of every compliance indicator, placements by age group), an Excel workbook, and the PDF (typst; the same
//! SVG charts embedded).

use crate::ReportError;
use domain::national::{thousands, Agg, Funnel, Indicator, National, NationalTable};
use std::fmt::Write;

/// Read every `*.json` in `dir` as an indicator file (sorted by name). An unreadable or invalid file is an error
/// naming it, in Danish.
pub fn read_dir(dir: &std::path::Path) -> Result<Vec<(String, domain::stats::IndicatorFile)>, String> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("{}: ingen indikatorfiler (*.json)", dir.display()));
    }
    paths
        .iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let text = std::fs::read_to_string(p).map_err(|e| format!("{name}: {e}"))?;
            let f = domain::stats::IndicatorFile::parse(&text).map_err(|e| format!("{name}: {e}"))?;
            Ok((name, f))
        })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn pct(x: f64) -> String {
    format!("{} %", format!("{:.1}", x * 100.0).replace('.', ","))
}

fn opt_pct(x: Option<f64>) -> String {
    x.map(pct).unwrap_or_else(|| "—".into())
}

fn colour(f: Funnel) -> &'static str {
    match f {
        Funnel::Above => "#1d4e89",
        Funnel::Within => "#6b6b6b",
        Funnel::Watch => "#b35900",
        Funnel::Below => "#b00020",
    }
}

/// A funnel plot: each municipality's share against its number of obligations (log scale), the national share and
/// the 95 % and 99.8 % limits around it. Municipalities outside the 99.8 % limits are drawn in colour.
pub fn funnel_svg(ind: &Indicator) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 300.0, 48.0, 16.0, 14.0, 40.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max_n = ind.points.iter().map(|p| p.n).max().unwrap_or(10).max(10) as f64;
    let lx = |n: f64| left + plot_w * (n.max(1.0).ln() / max_n.ln());
    let ly = |s: f64| top + plot_h * (1.0 - s.clamp(0.0, 1.0));
    let mut s = String::new();
    let title = format!("Tragtdiagram: {}", ind.label);
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"Libertinus Serif\"><title>{t}</title>",
        t = esc(&title)
    );
    for p in [0, 25, 50, 75, 100] {
        let y = ly(p as f64 / 100.0);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e2e2e2\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#333\">{p} %</text>",
            w - right,
            left - 4.0,
            y + 3.0
        );
    }
    let mut n = 1.0;
    while n <= max_n {
        let x = lx(n);
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            h - bottom + 14.0,
            thousands(n as u64)
        );
        n *= 10.0;
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">Antal forpligtelser (logaritmisk)</text>",
        left + plot_w / 2.0,
        h - 6.0
    );
    if let Some(p) = ind.share {
        let y = ly(p);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"/>",
            w - right
        );
        // The limits as polylines over n = 1 … max.
        let steps = 60;
        for (k, dash) in [(0usize, "4 3"), (1, ""), (2, ""), (3, "4 3")] {
            let pts: Vec<String> = (0..=steps)
                .filter_map(|i| {
                    let n = (max_n.ln() * i as f64 / steps as f64).exp().max(1.0);
                    let l = ind.limits(n as u64)?;
                    let v = [l.0, l.1, l.2, l.3][k];
                    Some(format!("{:.1},{:.1}", lx(n), ly(v)))
                })
                .collect();
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"{dash}\" points=\"{}\"/>",
                pts.join(" ")
            );
        }
    }
    for p in &ind.points {
        let _ = write!(
            s,
            "<circle class=\"point\" data-funnel=\"{:?}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"><title>{}: {} af {} ({})</title></circle>",
            p.funnel,
            lx(p.n as f64),
            ly(p.share),
            colour(p.funnel),
            esc(&p.name),
            thousands(p.hits),
            thousands(p.n),
            pct(p.share)
        );
    }
    s.push_str("</svg>");
    s
}

fn table_html(out: &mut String, t: &NationalTable) {
    let _ = write!(out, "<h3>{}</h3><table><thead><tr><th></th>", esc(&t.title));
    for c in &t.cols {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("<th>I alt</th></tr></thead><tbody>");
    for (r, row) in t.rows.iter().enumerate() {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", esc(&label(row)));
        for c in &t.cells[r] {
            let _ = write!(out, "<td>{}</td>", c.text());
        }
        let _ = write!(out, "<td><strong>{}</strong></td></tr>", t.row_totals[r].text());
    }
    out.push_str("<tr class=\"total\"><th scope=\"row\">I alt</th>");
    for c in &t.col_totals {
        let _ = write!(out, "<td>{}</td>", c.text());
    }
    let _ = write!(out, "<td>{}</td></tr></tbody></table>", t.total.text());
}

/// Rule ids and compliance columns in Danish.
fn label(s: &str) -> String {
    match s {
        "met" => "Til tiden".into(),
        "late" => "For sent".into(),
        "overdue" => "Overskredet".into(),
        r if r.contains('-') => domain::rules::id::label_da(r).into(),
        other => other.into(),
    }
}

fn change(now: Agg, before: Option<Agg>) -> String {
    match before {
        Some(b) if b.sum > 0 && now.suppressed == 0 && b.suppressed == 0 => {
            let d = (now.sum as f64 - b.sum as f64) / b.sum as f64;
            format!("{}{}", if d >= 0.0 { "+" } else { "" }, pct(d))
        }
        _ => "—".into(),
    }
}

/// The report as one self-contained HTML page (no script, no external file).
pub fn national_html(n: &National) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Børn og unge i udsatte positioner — landstal {y}</title><style>{CSS}</style></head><body><main>\
         <h1>Børn og unge i udsatte positioner — landstal {y}</h1>\
         <p class=\"lead\">Samlet fra {m} kommuners indikatorfiler fra Værn. Tal for færre end 5 børn er diskretioneret i \
         kommunernes filer; et landstal med \"≥\" betyder, at mindst én kommune har undertrykt sit tal.</p>",
        y = n.year,
        m = n.municipalities
    );
    if !n.missing.is_empty() {
        let _ = write!(
            o,
            "<p class=\"warn\" id=\"missing\">Mangler fil fra {} kommuner: {}.</p>",
            n.missing.len(),
            esc(&n.missing.join(", "))
        );
    }
    o.push_str("<h2>Børn</h2><table id=\"children\"><thead><tr><th>Indikator</th><th>Landstal</th><th>Året før</th><th>Ændring</th></tr></thead><tbody>");
    for (id, lbl, now, before) in &n.children {
        let _ = write!(
            o,
            "<tr data-id=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(id),
            esc(lbl),
            now.text(),
            before.map(|b| b.text()).unwrap_or_else(|| "—".into()),
            change(*now, *before)
        );
    }
    o.push_str("</tbody></table><h2>Anbringelser</h2>");
    for t in n.tables.iter().filter(|t| t.id != "compliance") {
        table_html(&mut o, t);
    }
    o.push_str("<h2>Overholdelse af lovkrav</h2><p>Andelen af forpligtelser med frist i året, der blev opfyldt til tiden. Tragtdiagrammet viser hver kommune mod antallet af forpligtelser: prikker uden for de stiplede 99,8 %-grænser afviger mere end tilfældigt fra landet; de fuldt optrukne linjer er 95 %-grænserne. Små kommuner markeres derfor ikke for tilfældige udsving.</p>");
    o.push_str("<table id=\"indicators\"><thead><tr><th>Krav</th><th>§</th><th>Landet</th><th>Året før</th><th>Kommuner under landet</th><th>Over landet</th><th>Uden tal</th></tr></thead><tbody>");
    for i in &n.indicators {
        let below = i.points.iter().filter(|p| p.funnel == Funnel::Below).count();
        let above = i.points.iter().filter(|p| p.funnel == Funnel::Above).count();
        let _ = write!(
            o,
            "<tr data-id=\"{}\"><th scope=\"row\"><a href=\"#{}\">{}</a></th><td>{}</td><td>{}</td><td>{}</td><td>{below}</td><td>{above}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&i.id),
            esc(&i.label),
            esc(&i.law),
            opt_pct(i.share),
            opt_pct(i.previous_share),
            i.missing
        );
    }
    o.push_str("</tbody></table>");
    for i in &n.indicators {
        let _ = write!(
            o,
            "<section id=\"{}\"><h3>{}</h3><p>Landet: {} ({} af {} forpligtelser){}</p><figure>{}</figure>",
            esc(&i.id),
            esc(&i.label),
            opt_pct(i.share),
            thousands(i.hits),
            thousands(i.n),
            i.previous_share.map(|p| format!("; året før {}", pct(p))).unwrap_or_default(),
            funnel_svg(i)
        );
        o.push_str("<details><summary>Rangering af kommunerne</summary><table><thead><tr><th>Nr.</th><th>Kommune</th><th>Til tiden</th><th>Forpligtelser</th><th>Andel</th><th>Året før</th><th>Tragt</th></tr></thead><tbody>");
        for p in &i.points {
            let _ = write!(
                o,
                "<tr data-code=\"{}\"><td>{}</td><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"f-{:?}\">{}</td></tr>",
                esc(&p.code),
                p.rank,
                esc(&p.name),
                thousands(p.hits),
                thousands(p.n),
                pct(p.share),
                opt_pct(p.previous),
                p.funnel,
                p.funnel.label_da()
            );
        }
        o.push_str("</tbody></table></details></section>");
    }
    o.push_str("<h2>Regioner</h2><table id=\"regions\"><thead><tr><th>Region</th><th>Kommuner</th>");
    let ids: Vec<&str> = n.children.iter().map(|c| c.1.as_str()).collect();
    for l in &ids {
        let _ = write!(o, "<th>{}</th>", esc(l));
    }
    o.push_str("<th>Til tiden (alle krav)</th><th>Udgift (mio. kr.)</th></tr></thead><tbody>");
    for r in &n.regions {
        let _ = write!(o, "<tr><th scope=\"row\">{}</th><td>{}</td>", esc(&r.name), r.municipalities);
        for (_, a) in &r.children {
            let _ = write!(o, "<td>{}</td>", a.text());
        }
        let _ = write!(
            o,
            "<td>{}</td><td>{}</td></tr>",
            opt_pct(r.on_time),
            format!("{:.1}", r.spend_dkk / 1e6).replace('.', ",")
        );
    }
    o.push_str("</tbody></table><h2>Udgifter efter trin på indsatstrappen</h2><table id=\"spend\"><thead><tr><th>Trin</th><th>Mio. kr.</th><th>Året før</th></tr></thead><tbody>");
    for (_, l, now, before) in &n.cost_by_step {
        let _ = write!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            esc(l),
            format!("{:.1}", now / 1e6).replace('.', ","),
            before.map(|b| format!("{:.1}", b / 1e6).replace('.', ",")).unwrap_or_else(|| "—".into())
        );
    }
    o.push_str("</tbody></table><h2>Tilsyn, plejefamilier og effekt</h2><table id=\"supervision\"><tbody>");
    for (_, l, a) in &n.supervision {
        let _ = write!(o, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", esc(l), a.text());
    }
    o.push_str("</tbody></table><p class=\"foot\">Dannet af Værn fra kommunernes diskretionerede indikatorfiler (format vaern-indikatorer, version 1).</p></main></body></html>");
    o
}

const CSS: &str = "body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#f6f7f9;margin:0}main{max-width:960px;margin:0 auto;padding:1rem 1.5rem;background:#fff}\
h1{font-size:1.6rem}h2{border-bottom:2px solid #1d4e89;color:#1d4e89;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}\
th,td{border-bottom:1px solid #d0d4da;padding:.25rem .6rem;text-align:right}th[scope=row],thead th:first-child{text-align:left}thead th{background:#1d4e89;color:#fff}\
tr.total td,tr.total th{font-weight:700;border-top:2px solid #1a1a1a}.warn{background:#fff7ec;border-left:4px solid #b35900;padding:.5rem 1rem}\
svg.chart{max-width:100%;height:auto}.f-Below{color:#b00020;font-weight:700}.f-Above{color:#1d4e89;font-weight:700}.lead{font-size:1.05rem}.foot{color:#4a4a4a;font-size:.85rem}";

/// The report formatted for the typst template (every value a string).
#[derive(serde::Serialize)]
pub struct PdfView {
    title: String,
    lead: String,
    missing: String,
    children: Vec<[String; 4]>,
    tables: Vec<PdfTable>,
    funnel_text: String,
    indicators: Vec<[String; 7]>,
    funnels: Vec<PdfFunnel>,
    region_header: Vec<String>,
    regions: Vec<Vec<String>>,
    spend: Vec<[String; 3]>,
}

#[derive(serde::Serialize)]
struct PdfTable {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(serde::Serialize)]
struct PdfFunnel {
    title: String,
    summary: String,
    svg: String,
}

fn mio(x: f64) -> String {
    format!("{:.1}", x / 1e6).replace('.', ",")
}

pub fn pdf_view(n: &National) -> PdfView {
    PdfView {
        title: format!("Børn og unge i udsatte positioner — landstal {}", n.year),
        lead: format!(
            "Samlet fra {} kommuners indikatorfiler fra Værn. Tal for færre end 5 børn er diskretioneret i kommunernes \
             filer; et landstal med \"≥\" betyder, at mindst én kommune har undertrykt sit tal.",
            n.municipalities
        ),
        missing: if n.missing.is_empty() {
            String::new()
        } else {
            format!("Mangler fil fra {} kommuner: {}.", n.missing.len(), n.missing.join(", "))
        },
        children: n
            .children
            .iter()
            .map(|(_, l, a, b)| {
                [l.clone(), a.text(), b.map(|b| b.text()).unwrap_or_else(|| "—".into()), change(*a, *b)]
            })
            .collect(),
        tables: n
            .tables
            .iter()
            .filter(|t| t.id != "compliance")
            .map(|t| PdfTable {
                title: t.title.clone(),
                header: std::iter::once(String::new())
                    .chain(t.cols.iter().map(|c| label(c)))
                    .chain(std::iter::once("I alt".to_string()))
                    .collect(),
                rows: t
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(r, row)| {
                        std::iter::once(label(row))
                            .chain(t.cells[r].iter().map(|c| c.text()))
                            .chain(std::iter::once(t.row_totals[r].text()))
                            .collect()
                    })
                    .chain(std::iter::once(
                        std::iter::once("I alt".to_string())
                            .chain(t.col_totals.iter().map(|c| c.text()))
                            .chain(std::iter::once(t.total.text()))
                            .collect(),
                    ))
                    .collect(),
            })
            .collect(),
        funnel_text:
            "Andelen af forpligtelser med frist i året, der blev opfyldt til tiden. I tragtdiagrammerne ligger \
                      hver kommune efter sit antal forpligtelser; prikker uden for de stiplede 99,8 %-grænser afviger \
                      mere end tilfældigt fra landet."
                .into(),
        indicators: n
            .indicators
            .iter()
            .map(|i| {
                [
                    i.label.clone(),
                    i.law.clone(),
                    opt_pct(i.share),
                    opt_pct(i.previous_share),
                    i.points.iter().filter(|p| p.funnel == Funnel::Below).count().to_string(),
                    i.points.iter().filter(|p| p.funnel == Funnel::Above).count().to_string(),
                    i.missing.to_string(),
                ]
            })
            .collect(),
        funnels: n
            .indicators
            .iter()
            .filter(|i| !i.points.is_empty())
            .map(|i| PdfFunnel {
                title: i.label.clone(),
                summary: format!("Landet: {} ({} af {}).", opt_pct(i.share), thousands(i.hits), thousands(i.n)),
                svg: funnel_svg(i),
            })
            .collect(),
        region_header: ["Region", "Kommuner"]
            .into_iter()
            .map(String::from)
            .chain(n.children.iter().map(|c| c.1.clone()))
            .chain(["Til tiden".to_string(), "Mio. kr.".to_string()])
            .collect(),
        regions: n
            .regions
            .iter()
            .map(|r| {
                [r.name.clone(), r.municipalities.to_string()]
                    .into_iter()
                    .chain(r.children.iter().map(|(_, a)| a.text()))
                    .chain([opt_pct(r.on_time), mio(r.spend_dkk)])
                    .collect()
            })
            .collect(),
        spend: n
            .cost_by_step
            .iter()
            .map(|(_, l, now, b)| [l.clone(), mio(*now), b.map(mio).unwrap_or_else(|| "—".into())])
            .collect(),
    }
}

/// The report as an Excel workbook: national tables, indicators with every municipality, regions, spend.
pub fn national_xlsx(n: &National) -> Result<Vec<u8>, ReportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let share = Format::new().set_num_format("0.0%");
    let sheet = wb.add_worksheet().set_name("Børn")?;
    for (c, h) in ["Indikator", "Landstal", "Kommuner der undertrykte", "Året før"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, (_, l, a, b)) in n.children.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, l)?;
        sheet.write_number(r, 1, a.sum as f64)?;
        sheet.write_number(r, 2, f64::from(a.suppressed))?;
        if let Some(b) = b {
            sheet.write_number(r, 3, b.sum as f64)?;
        }
    }
    sheet.autofit();
    for t in &n.tables {
        let name: String = match t.id.as_str() {
            "placements_type_age" => "Anbringelsestype".into(),
            "placements_gender_age" => "Køn".into(),
            "placements_consent_age" => "Samtykke".into(),
            _ => "Overholdelse".into(),
        };
        let sheet = wb.add_worksheet().set_name(&name)?;
        sheet.write_string_with_format(0, 0, &t.title, &bold)?;
        for (c, col) in t.cols.iter().enumerate() {
            sheet.write_string_with_format(1, c as u16 + 1, label(col), &bold)?;
        }
        sheet.write_string_with_format(1, t.cols.len() as u16 + 1, "I alt", &bold)?;
        for (r, row) in t.rows.iter().enumerate() {
            let rr = r as u32 + 2;
            sheet.write_string(rr, 0, label(row))?;
            for (c, v) in t.cells[r].iter().enumerate() {
                sheet.write_number(rr, c as u16 + 1, v.sum as f64)?;
            }
            sheet.write_number(rr, t.cols.len() as u16 + 1, t.row_totals[r].sum as f64)?;
        }
        sheet.autofit();
    }
    let sheet = wb.add_worksheet().set_name("Kommuner")?;
    for (c, h) in ["Krav", "Kommune", "Kode", "Nr.", "Til tiden", "Forpligtelser", "Andel", "Året før", "Tragt"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut r = 1u32;
    for i in &n.indicators {
        for p in &i.points {
            sheet.write_string(r, 0, &i.label)?;
            sheet.write_string(r, 1, &p.name)?;
            sheet.write_string(r, 2, &p.code)?;
            sheet.write_number(r, 3, p.rank as f64)?;
            sheet.write_number(r, 4, p.hits as f64)?;
            sheet.write_number(r, 5, p.n as f64)?;
            sheet.write_number_with_format(r, 6, p.share, &share)?;
            if let Some(v) = p.previous {
                sheet.write_number_with_format(r, 7, v, &share)?;
            }
            sheet.write_string(r, 8, p.funnel.label_da())?;
            r += 1;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    let sheet = wb.add_worksheet().set_name("Regioner")?;
    for (c, h) in ["Region", "Kommuner", "Til tiden (alle krav)", "Udgift (kr.)"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (k, reg) in n.regions.iter().enumerate() {
        let rr = k as u32 + 1;
        sheet.write_string(rr, 0, &reg.name)?;
        sheet.write_number(rr, 1, reg.municipalities as f64)?;
        if let Some(v) = reg.on_time {
            sheet.write_number_with_format(rr, 2, v, &share)?;
        }
        sheet.write_number(rr, 3, reg.spend_dkk)?;
    }
    sheet.autofit();
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_funnel_has_a_point_per_municipality_and_the_limits() {
        let ind = Indicator {
            id: "x".into(),
            label: "Test <1>".into(),
            law: String::new(),
            hits: 80,
            n: 100,
            share: Some(0.8),
            previous_share: None,
            points: vec![
                domain::national::Point {
                    code: "101".into(),
                    name: "København".into(),
                    hits: 70,
                    n: 90,
                    share: 70.0 / 90.0,
                    funnel: Funnel::Within,
                    rank: 1,
                    previous: None,
                },
                domain::national::Point {
                    code: "825".into(),
                    name: "Læsø".into(),
                    hits: 1,
                    n: 10,
                    share: 0.1,
                    funnel: Funnel::Below,
                    rank: 2,
                    previous: None,
                },
            ],
            missing: 0,
        };
        let svg = funnel_svg(&ind);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 4, "95 % and 99.8 % limits on both sides");
        assert!(svg.contains("Test &lt;1&gt;"));
        assert!(svg.contains("#b00020"), "the municipality below the limits is red");
    }
}
