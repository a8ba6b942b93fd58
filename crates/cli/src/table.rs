//! A readable Danish terminal table of obligations.

use domain::calendar::{format_dk, local_date, TZ};
use domain::obligation::{Deadline, Obligation, Status};
use domain::rules::id;
use domain::time::AsOf;
use std::fmt::Write;

fn deadline_dk(d: Deadline) -> String {
    match d {
        Deadline::EndOfDay(date) => format_dk(date),
        Deadline::Instant(t) => t.with_timezone(&TZ).format("%d.%m.%Y kl. %H:%M").to_string(),
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Write the table with a summary line per status.
pub fn write(list: &[Obligation], as_of: AsOf, out: &mut String) {
    let header = ["Barn", "Regel", "Lovgrundlag", "Emne", "Frist", "Status", "Opfyldt"];
    let rows: Vec<[String; 7]> = list
        .iter()
        .map(|o| {
            [
                o.child.as_deref().unwrap_or("–").to_string(),
                id::label_da(o.rule).to_string(),
                o.law.to_string(),
                o.subject.to_string(),
                deadline_dk(o.due),
                o.status.label_da().to_string(),
                o.met_at
                    .map(|m| {
                        if m.has_time() {
                            m.as_fulfilment().with_timezone(&TZ).format("%d.%m.%Y kl. %H:%M").to_string()
                        } else {
                            format_dk(m.date())
                        }
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(width(c));
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(c);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(w - width(c)));
            }
        }
        out.push('\n');
    };
    let _ = writeln!(
        out,
        "Frister pr. {} (uge {})",
        format_dk(as_of.date()),
        domain::calendar::week_number(local_date(as_of.instant()))
    );
    out.push('\n');
    line(out, &header);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(out, &rule.iter().map(String::as_str).collect::<Vec<_>>());
    for r in &rows {
        line(out, &r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out.push('\n');
    let count = |s: Status| list.iter().filter(|o| o.status == s).count();
    let _ = writeln!(
        out,
        "I alt {} forpligtelser: {} overholdt, {} for sent, {} kommende, {} overskredet.",
        list.len(),
        count(Status::Met),
        count(Status::Late),
        count(Status::Due),
        count(Status::Overdue)
    );
}
