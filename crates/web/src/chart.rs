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
}
