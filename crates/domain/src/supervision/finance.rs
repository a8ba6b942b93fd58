//! A residential home's annual key figures (opholdssteders økonomiske nøgletal) and the thresholds that make
//! them a danger signal.

use crate::rules::pack::FinanceThresholds;
use chrono::NaiveDate;

/// The key figures of one year's accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigures {
    pub year: i32,
    pub revenue_dkk: f64,
    pub costs_dkk: f64,
    /// Revenue − costs.
    pub profit_dkk: f64,
    /// Profit as a share of revenue, per cent (0 when there is no revenue).
    pub margin_pct: f64,
    pub equity_dkk: Option<f64>,
    pub places: Option<u16>,
    /// Costs per approved place per day of the accounts year (365 or 366 days).
    pub cost_per_place_day_dkk: Option<f64>,
}

impl KeyFigures {
    pub fn new(year: i32, revenue: f64, costs: f64, equity: Option<f64>, places: Option<u16>) -> KeyFigures {
        let profit = revenue - costs;
        let margin_pct = if revenue > 0.0 { profit / revenue * 100.0 } else { 0.0 };
        let days = NaiveDate::from_ymd_opt(year, 12, 31).map(|d| f64::from(d.ordinal0() + 1)).unwrap_or(365.0);
        let cost_per_place_day_dkk = places.filter(|p| *p > 0).map(|p| costs / (f64::from(p) * days));
        KeyFigures {
            year,
            revenue_dkk: revenue,
            costs_dkk: costs,
            profit_dkk: profit,
            margin_pct,
            equity_dkk: equity,
            places,
            cost_per_place_day_dkk,
        }
    }
}

use chrono::Datelike;

/// Which threshold a report is beyond.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Breach {
    /// (margin, limit) in per cent.
    MarginHigh(f64, f64),
    MarginLow(f64, f64),
    /// (equity, limit) in kroner.
    EquityLow(f64, f64),
    /// (cost per place per day, limit) in kroner.
    CostHigh(f64, f64),
}

impl Breach {
    /// The breach in Danish, ready for a signal's `kind` and the council report.
    pub fn text_da(&self) -> String {
        match *self {
            Breach::MarginHigh(v, l) => format!("Overskudsgrad {} % over grænsen {} %", pct(v), pct(l)),
            Breach::MarginLow(v, l) => format!("Overskudsgrad {} % under grænsen {} %", pct(v), pct(l)),
            Breach::EquityLow(v, l) => format!("Egenkapital {} kr. under grænsen {} kr.", kr(v), kr(l)),
            Breach::CostHigh(v, l) => {
                format!("Omkostninger {} kr. pr. plads pr. døgn over grænsen {} kr.", kr(v), kr(l))
            }
        }
    }
}

/// The thresholds a year's key figures are beyond (empty: none).
pub fn breaches(k: &KeyFigures, t: &FinanceThresholds) -> Vec<Breach> {
    let mut out = Vec::new();
    if let Some(l) = t.max_profit_margin_pct {
        if k.margin_pct > l {
            out.push(Breach::MarginHigh(k.margin_pct, l));
        }
    }
    if let Some(l) = t.min_profit_margin_pct {
        if k.margin_pct < l {
            out.push(Breach::MarginLow(k.margin_pct, l));
        }
    }
    if let (Some(l), Some(e)) = (t.min_equity_dkk, k.equity_dkk) {
        if e < l {
            out.push(Breach::EquityLow(e, l));
        }
    }
    if let (Some(l), Some(c)) = (t.max_cost_per_place_day_dkk, k.cost_per_place_day_dkk) {
        if c > l {
            out.push(Breach::CostHigh(c, l));
        }
    }
    out
}

/// A percentage with one decimal and a decimal comma: `14,2`.
pub fn pct(v: f64) -> String {
    format!("{v:.1}").replace('.', ",")
}

/// Whole kroner with thousands dots: `-1.234.567`.
pub fn kr(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> FinanceThresholds {
        FinanceThresholds {
            max_profit_margin_pct: Some(10.0),
            min_profit_margin_pct: Some(-5.0),
            min_equity_dkk: Some(0.0),
            max_cost_per_place_day_dkk: Some(6000.0),
        }
    }

    #[test]
    fn key_figures_per_place_and_day() {
        // 2024 is a leap year: 366 days.
        let k = KeyFigures::new(2024, 12_000_000.0, 10_980_000.0, Some(500_000.0), Some(5));
        assert!((k.margin_pct - 8.5).abs() < 1e-9);
        assert!((k.cost_per_place_day_dkk.unwrap() - 6000.0).abs() < 1e-9);
        assert!(breaches(&k, &thresholds()).is_empty(), "exactly at the limit is not beyond it");
        let k = KeyFigures::new(2023, 12_000_000.0, 10_980_000.0, Some(500_000.0), Some(5));
        assert_eq!(k.cost_per_place_day_dkk.map(|c| c.round()), Some(6016.0));
        assert_eq!(breaches(&k, &thresholds()).len(), 1);
    }

    #[test]
    fn every_threshold_can_trip() {
        let k = KeyFigures::new(2025, 10_000_000.0, 8_500_000.0, Some(-100_000.0), Some(1));
        let b = breaches(&k, &thresholds());
        assert_eq!(b.len(), 3, "{b:?}");
        assert_eq!(b[0].text_da(), "Overskudsgrad 15,0 % over grænsen 10,0 %");
        assert_eq!(b[1].text_da(), "Egenkapital -100.000 kr. under grænsen 0 kr.");
        assert_eq!(b[2].text_da(), "Omkostninger 23.288 kr. pr. plads pr. døgn over grænsen 6.000 kr.");
        let loss = KeyFigures::new(2025, 10_000_000.0, 11_000_000.0, None, None);
        assert!(matches!(breaches(&loss, &thresholds())[..], [Breach::MarginLow(..)]));
        assert!(breaches(&loss, &FinanceThresholds::default()).is_empty(), "no thresholds, no signals");
    }

    #[test]
    fn danish_numbers() {
        assert_eq!(kr(1_234_567.4), "1.234.567");
        assert_eq!(kr(-999.0), "-999");
        assert_eq!(kr(1000.0), "1.000");
        assert_eq!(pct(-3.25), "-3,2");
    }
}
