//! Server-side SVG charts: no JavaScript, same picture on screen and in print, allowed by the CSP. Each chart has a
//! text alternative, and the page shows the same figures as a table.

use std::fmt::Write;

/// One bar: a label and stacked parts (on time, late, overdue, open).
pub struct Bar {
    pub label: String,
    pub parts: [i64; 4],
}

/// Colours of the stacked parts, chosen for contrast and for colour-blind readers (blue, orange, red, grey).
pub const COLOURS: [&str; 4] = ["#1d4e89", "#b35900", "#b00020", "#6b6b6b"];

/// A stacked bar chart of shares (each bar is 100 %), with a legend.
pub fn stacked_shares(title: &str, bars: &[Bar], legend: [&str; 4]) -> String {
    let w = 640.0;
    let h = 220.0;
    let left = 40.0;
    let bottom = 40.0;
    let top = 10.0;
    let plot_h = h - bottom - top;
    let n = bars.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bw = (slot * 0.7).max(4.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        h + 24.0,
        esc(title),
        esc(title)
    );
    for p in [0, 25, 50, 75, 100] {
        let y = top + plot_h * (1.0 - p as f64 / 100.0);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ccc\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#333\">{p} %</text>",
            w - 10.0,
            left - 4.0,
            y + 3.0
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let total: i64 = b.parts.iter().sum();
        let x = left + slot * i as f64 + (slot - bw) / 2.0;
        let mut y = top + plot_h;
        for (k, &v) in b.parts.iter().enumerate() {
            if total == 0 || v == 0 {
                continue;
            }
            let hgt = plot_h * v as f64 / total as f64;
            y -= hgt;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{hgt:.1}\" fill=\"{}\"><title>{}: {} {v} af {total}</title></rect>",
                COLOURS[k],
                esc(&b.label),
                esc(legend[k])
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            x + bw / 2.0,
            h - bottom + 14.0,
            esc(&b.label)
        );
    }
    let mut lx = left;
    for k in 0..4 {
        let _ = write!(
            s,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#222\">{}</text>",
            h + 6.0,
            COLOURS[k],
            lx + 14.0,
            h + 15.0,
            esc(legend[k])
        );
        lx += 150.0;
    }
    s.push_str("</svg>");
    s
}

/// Okabe–Ito colours (distinguishable for colour-blind readers) for series beyond the four status colours.
pub const PALETTE: [&str; 8] = ["#009E73", "#56B4E9", "#0072B2", "#E69F00", "#D55E00", "#CC79A7", "#6b6b6b", "#000000"];

/// The SVG element around a chart's body.
fn svg(w: f64, h: f64, title: &str, body: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>{body}</svg>",
        t = esc(title)
    )
}

/// A legend from `(x0, y)`, wrapping onto a new row before `x_max`. Returns the height it takes.
fn legend(s: &mut String, names: &[String], x0: f64, y: f64, colour: impl Fn(usize) -> &'static str) -> f64 {
    const X_MAX: f64 = 630.0;
    let mut lx = x0;
    let mut y = y;
    let top = y;
    for (k, name) in names.iter().enumerate() {
        let width = 20.0 + 6.5 * name.chars().count() as f64;
        if lx > x0 && lx + width > X_MAX {
            lx = x0;
            y += 16.0;
        }
        let _ = write!(
            s,
            "<rect x=\"{lx:.1}\" y=\"{y:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#222\">{}</text>",
            colour(k),
            lx + 14.0,
            y + 9.0,
            esc(name)
        );
        lx += width;
    }
    y - top + 16.0
}

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten at or above `max`.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|v| *v >= max).unwrap_or(10.0 * p)
}

/// Amounts in Danish short form for axis labels (1,2 mio., 350 t.).
pub fn short_amount(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{} mio.", format!("{:.1}", v / 1e6).replace('.', ","))
    } else if v.abs() >= 1e3 {
        format!("{:.0} t.", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A stacked bar chart of amounts (e.g. spend per month by ladder step): one bar per label, one part per series.
pub fn stacked_amounts(title: &str, labels: &[String], series: &[(String, Vec<f64>)]) -> String {
    let (w, h, left, bottom, top) = (640.0, 240.0, 64.0, 40.0, 10.0);
    let plot_h = h - bottom - top;
    let totals: Vec<f64> =
        (0..labels.len()).map(|i| series.iter().map(|s| s.1.get(i).copied().unwrap_or(0.0)).sum()).collect();
    let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let slot = (w - left - 10.0) / labels.len().max(1) as f64;
    let bw = (slot * 0.7).max(4.0);
    let mut s = String::new();
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let y = top + plot_h * (1.0 - k as f64 / 4.0);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ccc\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#333\">{}</text>",
            w - 10.0,
            left - 4.0,
            y + 3.0,
            short_amount(v)
        );
    }
    for (i, label) in labels.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bw) / 2.0;
        let mut y = top + plot_h;
        for (k, (name, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let hgt = plot_h * v / max;
            y -= hgt;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{hgt:.1}\" fill=\"{}\"><title>{}, {}: {}</title></rect>",
                PALETTE[k % PALETTE.len()],
                esc(label),
                esc(name),
                short_amount(v)
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            x + bw / 2.0,
            h - bottom + 14.0,
            esc(label)
        );
    }
    let names: Vec<String> = series.iter().map(|s| s.0.clone()).collect();
    let lh = legend(&mut s, &names, left, h + 6.0, |k| PALETTE[k % PALETTE.len()]);
    svg(w, h + 8.0 + lh, title, &s)
}

/// A line chart over dates: one line per series with a dot per point (e.g. a child's goal scores 1–10 at each
/// follow-up). `y` is the axis range.
pub fn lines(title: &str, series: &[(String, Vec<(chrono::NaiveDate, f64)>)], y: (f64, f64), y_label: &str) -> String {
    let (w, h, left, bottom, top, right) = (640.0, 220.0, 40.0, 30.0, 10.0, 20.0);
    let plot_h = h - bottom - top;
    let plot_w = w - left - right;
    let dates: Vec<chrono::NaiveDate> = series.iter().flat_map(|s| s.1.iter().map(|p| p.0)).collect();
    let (Some(first), Some(last)) = (dates.iter().min().copied(), dates.iter().max().copied()) else {
        return svg(w, 40.0, title, "");
    };
    let span = (last - first).num_days().max(1) as f64;
    let px = |d: chrono::NaiveDate| {
        if first == last {
            left + plot_w / 2.0
        } else {
            left + plot_w * (d - first).num_days() as f64 / span
        }
    };
    let py = |v: f64| top + plot_h * (1.0 - (v - y.0) / (y.1 - y.0));
    let mut s = String::new();
    let step = if y.1 - y.0 > 20.0 { 10.0 } else { 1.0 };
    let mut v = y.0;
    while v <= y.1 + 1e-9 {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e2e2e2\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#333\">{v}</text>",
            w - right,
            left - 4.0,
            py(v) + 3.0,
            yy = py(v)
        );
        v += step;
    }
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{:.1}\" font-size=\"10\" fill=\"#333\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#333\">{}</text>",
        h - bottom + 14.0,
        crate::web_util::da_date(first),
        w - right,
        h - bottom + 14.0,
        crate::web_util::da_date(last)
    );
    for (k, (name, points)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let path: Vec<String> = points.iter().map(|(d, v)| format!("{:.1},{:.1}", px(*d), py(*v))).collect();
        if path.len() > 1 {
            let _ = write!(
                s,
                "<polyline class=\"series\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                path.join(" ")
            );
        }
        for (d, v) in points {
            let _ = write!(
                s,
                "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{colour}\"><title>{}, {}: {} {v}</title></circle>",
                px(*d),
                py(*v),
                esc(name),
                crate::web_util::da_date(*d),
                esc(y_label)
            );
        }
    }
    let names: Vec<String> = series.iter().map(|s| s.0.clone()).collect();
    let lh = legend(&mut s, &names, left, h + 6.0, |k| PALETTE[k % PALETTE.len()]);
    svg(w, h + 8.0 + lh, title, &s)
}

/// Shares with their 95 % confidence intervals as dots and whiskers on a 0–100 % axis, one row per group.
pub fn intervals(title: &str, rows: &[(String, f64, f64, f64)]) -> String {
    let (w, left, right, row_h, top) = (640.0, 190.0, 20.0, 22.0, 20.0);
    let h = top + row_h * rows.len().max(1) as f64 + 10.0;
    let plot_w = w - left - right;
    let px = |v: f64| left + plot_w * v.clamp(0.0, 1.0);
    let mut s = String::new();
    for p in [0, 25, 50, 75, 100] {
        let x = px(p as f64 / 100.0);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#e2e2e2\"/>\
             <text x=\"{x:.1}\" y=\"12\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">{p} %</text>",
            h - 10.0
        );
    }
    for (i, (label, p, lo, hi)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#222\">{}</text>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1d4e89\" stroke-width=\"2\"/>\
             <circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#1d4e89\"><title>{}: {:.0} % (95 %-interval {:.0}–{:.0} %)</title></circle>",
            left - 6.0,
            y + 4.0,
            esc(label),
            px(*lo),
            px(*hi),
            px(*p),
            esc(label),
            p * 100.0,
            lo * 100.0,
            hi * 100.0
        );
    }
    svg(w, h, title, &s)
}

use crate::web_util::html_escape as esc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_and_labels_escaped() {
        let svg = stacked_shares(
            "Test <1>",
            &[Bar { label: "2026-01".into(), parts: [3, 1, 0, 0] }, Bar { label: "2026-02".into(), parts: [0; 4] }],
            ["a", "b", "c", "d"],
        );
        assert!(svg.contains("Test &lt;1&gt;"));
        assert!(svg.contains("3 af 4"));
        assert_eq!(svg.matches("<rect").count(), 2 + 4, "two parts and four legend boxes");
    }

    #[test]
    fn amounts_stack_to_the_total_and_axes_are_nice() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(1.2e6), 2e6);
        assert_eq!(short_amount(1_260_000.0), "1,3 mio.");
        let svg = stacked_amounts(
            "Forbrug",
            &["jan".into(), "feb".into()],
            &[("Trin 2".into(), vec![500.0, 0.0]), ("Trin 5".into(), vec![500.0, 1000.0])],
        );
        // Each bar reaches the top of a 1,000 axis: 190 px plot height split 95 + 95 and 190.
        assert!(svg.contains("height=\"95.0\""), "{svg}");
        assert!(svg.contains("height=\"190.0\""), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3 + 2, "three parts (the zero is left out) and two legend boxes");
    }

    #[test]
    fn lines_have_a_point_per_score() {
        let d = |m| chrono::NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
        let svg = lines("Mål", &[("Skole".into(), vec![(d(1), 3.0), (d(4), 5.0), (d(7), 8.0)])], (1.0, 10.0), "score");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("Skole, 01.07.2026: score 8"), "{svg}");
        assert!(lines("Tom", &[], (1.0, 10.0), "score").contains("<title>Tom</title>"));
    }
}
