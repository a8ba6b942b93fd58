//! The national rollup (issue 8): the 98 municipalities' indicator files for a year summed into national tables,
//! compared on the same footing — compliance per rule ranked and placed in a funnel plot (so a small municipality
//! is not flagged for chance variation), per region, and against the year before. Pure; reads only the published,
//! disclosure-controlled files.

use crate::municipality::{MunicipalityCode, Region};
use crate::stats::IndicatorFile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A national sum of a published number: the sum of what was published, and how many municipalities suppressed
/// theirs (then the true national figure is at least `sum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Agg {
    pub sum: u64,
    pub suppressed: u32,
}

impl Agg {
    fn add(&mut self, v: Option<u64>) {
        match v {
            Some(x) => self.sum += x,
            None => self.suppressed += 1,
        }
    }

    /// "1.234" or "≥ 1.234" when some municipalities suppressed theirs.
    pub fn text(&self) -> String {
        let n = thousands(self.sum);
        if self.suppressed > 0 {
            format!("≥ {n}")
        } else {
            n
        }
    }
}

/// Danish thousands separators.
pub fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NationalTable {
    pub id: String,
    pub title: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub cells: Vec<Vec<Agg>>,
    pub row_totals: Vec<Agg>,
    pub col_totals: Vec<Agg>,
    pub total: Agg,
}

/// Where a municipality lies in the funnel plot of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Funnel {
    /// Above the upper 99.8 % limit.
    Above,
    /// Within the 95 % limits.
    Within,
    /// Between the 95 % and 99.8 % limits (either side): watch.
    Watch,
    /// Below the lower 99.8 % limit: the municipality differs from the country beyond chance.
    Below,
}

impl Funnel {
    pub fn label_da(self) -> &'static str {
        match self {
            Funnel::Above => "Over landet",
            Funnel::Within => "Som landet",
            Funnel::Watch => "Bør følges",
            Funnel::Below => "Under landet",
        }
    }
}

/// One municipality's value of an indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub code: String,
    pub name: String,
    pub hits: u64,
    pub n: u64,
    pub share: f64,
    pub funnel: Funnel,
    /// Rank by share (1 = highest); ties share the rank.
    pub rank: usize,
    /// The share the year before, when that year's file had it.
    pub previous: Option<f64>,
}

/// A compliance indicator: the national share and every municipality that published it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    pub law: String,
    pub hits: u64,
    pub n: u64,
    pub share: Option<f64>,
    pub previous_share: Option<f64>,
    /// Ranked, best first.
    pub points: Vec<Point>,
    /// Municipalities that published no value (suppressed or no obligations).
    pub missing: usize,
}

impl Indicator {
    /// The funnel's limits at `n` obligations: (lower 99.8 %, lower 95 %, upper 95 %, upper 99.8 %).
    pub fn limits(&self, n: u64) -> Option<(f64, f64, f64, f64)> {
        let p = self.share?;
        let se = (p * (1.0 - p) / n.max(1) as f64).sqrt();
        let c = |z: f64| (p + z * se).clamp(0.0, 1.0);
        Some((c(-Z998), c(-Z95), c(Z95), c(Z998)))
    }
}

const Z95: f64 = 1.959_963_984_540_054;
const Z998: f64 = 3.090_232_306_167_813;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionRow {
    pub code: u16,
    pub name: String,
    pub municipalities: usize,
    pub children: Vec<(String, Agg)>,
    /// Share of the compliance obligations met on time (all rules), from the municipalities that published it.
    pub on_time: Option<f64>,
    pub spend_dkk: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct National {
    pub year: i32,
    pub municipalities: usize,
    /// Municipalities without a file.
    pub missing: Vec<String>,
    pub children: Vec<(String, String, Agg, Option<Agg>)>,
    pub tables: Vec<NationalTable>,
    pub indicators: Vec<Indicator>,
    pub regions: Vec<RegionRow>,
    pub cost_by_step: Vec<(String, String, f64, Option<f64>)>,
    pub supervision: Vec<(String, String, Agg)>,
}

/// Read a directory's worth of files: every file must parse, be of one year (or the year before, for the
/// comparison), and name each municipality at most once per year. Errors name the file.
pub fn check(files: &[(String, IndicatorFile)]) -> Result<(), String> {
    let mut seen: BTreeSet<(i32, &str)> = BTreeSet::new();
    for (name, f) in files {
        if !seen.insert((f.year, f.municipality.as_str())) {
            return Err(format!("{name}: kommune {} ({}) findes to gange for {}", f.municipality, f.name, f.year));
        }
    }
    Ok(())
}

fn sum_table(files: &[&IndicatorFile], id: &str) -> Option<NationalTable> {
    let first = files.iter().find_map(|f| f.table(id))?;
    let (nr, nc) = (first.rows.len(), first.cols.len());
    let mut t = NationalTable {
        id: id.into(),
        title: first.title.clone(),
        rows: first.rows.clone(),
        cols: first.cols.clone(),
        cells: vec![vec![Agg::default(); nc]; nr],
        row_totals: vec![Agg::default(); nr],
        col_totals: vec![Agg::default(); nc],
        total: Agg::default(),
    };
    for f in files {
        let Some(x) = f.table(id).filter(|x| x.rows == t.rows && x.cols == t.cols) else { continue };
        for r in 0..nr {
            for c in 0..nc {
                t.cells[r][c].add(x.cells[r][c]);
            }
            t.row_totals[r].add(x.row_totals[r]);
        }
        for c in 0..nc {
            t.col_totals[c].add(x.col_totals[c]);
        }
        t.total.add(x.total);
    }
    Some(t)
}

/// (hits, n) of an indicator in one file, when both are published.
fn ratio(f: &IndicatorFile, id: &str) -> Option<(u64, u64)> {
    match id {
        "visits_on_time" => Some((f.count("visits_on_time")?, f.count("visits_required")?)),
        "foster_basic_course" => Some((f.count("foster_basic_course")?, f.count("foster_families")?)),
        "foster_supervision_on_time" => {
            Some((f.count("foster_supervision_on_time")?, f.count("foster_supervision_due")?))
        }
        rule => {
            let t = f.table("compliance")?;
            let r = t.rows.iter().position(|x| x == rule)?;
            Some((t.cells[r][0]?, t.row_totals[r]?))
        }
    }
    .filter(|(_, n)| *n > 0)
}

fn indicator(id: &str, label: &str, law: &str, files: &[&IndicatorFile], previous: &[&IndicatorFile]) -> Indicator {
    let mut hits = 0;
    let mut n = 0;
    let mut points = Vec::new();
    for f in files {
        if let Some((h, k)) = ratio(f, id) {
            hits += h;
            n += k;
            points.push(Point {
                code: f.municipality.clone(),
                name: f.name.clone(),
                hits: h,
                n: k,
                share: h as f64 / k as f64,
                funnel: Funnel::Within,
                rank: 0,
                previous: previous
                    .iter()
                    .find(|p| p.municipality == f.municipality)
                    .and_then(|p| ratio(p, id))
                    .map(|(a, b)| a as f64 / b as f64),
            });
        }
    }
    let prev: (u64, u64) = previous.iter().filter_map(|p| ratio(p, id)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut ind = Indicator {
        id: id.into(),
        label: label.into(),
        law: law.into(),
        hits,
        n,
        share: (n > 0).then(|| hits as f64 / n as f64),
        previous_share: (prev.1 > 0).then(|| prev.0 as f64 / prev.1 as f64),
        missing: files.len() - points.len(),
        points,
    };
    for i in 0..ind.points.len() {
        if let Some((lo998, lo95, hi95, hi998)) = ind.limits(ind.points[i].n) {
            let s = ind.points[i].share;
            ind.points[i].funnel = if s < lo998 {
                Funnel::Below
            } else if s > hi998 {
                Funnel::Above
            } else if s < lo95 || s > hi95 {
                Funnel::Watch
            } else {
                Funnel::Within
            };
        }
    }
    ind.points.sort_by(|a, b| b.share.total_cmp(&a.share).then_with(|| a.name.cmp(&b.name)));
    let mut rank = 0;
    let mut last = f64::NAN;
    for (i, p) in ind.points.iter_mut().enumerate() {
        if p.share != last {
            rank = i + 1;
            last = p.share;
        }
        p.rank = rank;
    }
    ind
}

/// The national figures for `year` from the files (files of other years are the comparison when they are of
/// `year - 1`, and otherwise ignored).
pub fn rollup(files: &[IndicatorFile], year: i32) -> National {
    let this: Vec<&IndicatorFile> = files.iter().filter(|f| f.year == year).collect();
    let prev: Vec<&IndicatorFile> = files.iter().filter(|f| f.year == year - 1).collect();
    let have: BTreeSet<&str> = this.iter().map(|f| f.municipality.as_str()).collect();
    let missing =
        MunicipalityCode::all().filter(|m| !have.contains(m.as_str())).map(|m| format!("{} {}", m, m.name())).collect();
    let ids: Vec<(String, String)> =
        this.first().map(|f| f.children.iter().map(|c| (c.id.clone(), c.label.clone())).collect()).unwrap_or_default();
    let agg = |fs: &[&IndicatorFile], id: &str| {
        let mut a = Agg::default();
        for f in fs {
            a.add(f.children.iter().chain(&f.supervision).chain(&f.effect).find(|c| c.id == id).and_then(|c| c.value));
        }
        a
    };
    let children = ids
        .iter()
        .map(|(id, label)| (id.clone(), label.clone(), agg(&this, id), (!prev.is_empty()).then(|| agg(&prev, id))))
        .collect();
    let supervision = this
        .first()
        .map(|f| {
            f.supervision.iter().chain(&f.effect).map(|c| (c.id.clone(), c.label.clone(), agg(&this, &c.id))).collect()
        })
        .unwrap_or_default();
    let tables = ["placements_type_age", "placements_gender_age", "placements_consent_age", "compliance"]
        .iter()
        .filter_map(|id| sum_table(&this, id))
        .collect();
    let laws: BTreeMap<&str, &str> =
        this.iter().flat_map(|f| f.laws.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
    let rules: Vec<String> =
        this.first().and_then(|f| f.table("compliance")).map(|t| t.rows.clone()).unwrap_or_default();
    let mut indicators: Vec<Indicator> = rules
        .iter()
        .map(|r| indicator(r, crate::rules::id::label_da(r), laws.get(r.as_str()).copied().unwrap_or(""), &this, &prev))
        .filter(|i| i.n > 0)
        .collect();
    indicators.push(indicator("visits_on_time", "Tilsynsbesøg holdt til tiden", "", &this, &prev));
    indicators.push(indicator("foster_basic_course", "Plejefamilier med grundkursus", "", &this, &prev));
    indicators.push(indicator(
        "foster_supervision_on_time",
        "Supervision af plejefamilier til tiden",
        "",
        &this,
        &prev,
    ));
    let regions = Region::all()
        .map(|r| {
            let fs: Vec<&IndicatorFile> =
                this.iter().copied().filter(|f| f.code().is_some_and(|c| c.region() == r)).collect();
            let (met, n) = fs
                .iter()
                .filter_map(|f| f.table("compliance"))
                .flat_map(|t| t.cells.iter().zip(&t.row_totals).filter_map(|(c, n)| Some((c[0]?, (*n)?))))
                .fold((0u64, 0u64), |a, b| (a.0 + b.0, a.1 + b.1));
            RegionRow {
                code: r.code(),
                name: r.name().into(),
                municipalities: fs.len(),
                children: ids.iter().map(|(id, _)| (id.clone(), agg(&fs, id))).collect(),
                on_time: (n > 0).then(|| met as f64 / n as f64),
                spend_dkk: fs.iter().flat_map(|f| f.cost_by_step.iter().map(|s| s.dkk)).sum(),
            }
        })
        .collect();
    let steps: Vec<(String, String)> = this
        .first()
        .map(|f| f.cost_by_step.iter().map(|s| (s.step.clone(), s.label.clone())).collect())
        .unwrap_or_default();
    let spend = |fs: &[&IndicatorFile], step: &str| -> f64 {
        fs.iter().flat_map(|f| f.cost_by_step.iter().filter(|s| s.step == step).map(|s| s.dkk)).sum()
    };
    let cost_by_step = steps
        .iter()
        .map(|(s, l)| (s.clone(), l.clone(), spend(&this, s), (!prev.is_empty()).then(|| spend(&prev, s))))
        .collect();
    National {
        year,
        municipalities: this.len(),
        missing,
        children,
        tables,
        indicators,
        regions,
        cost_by_step,
        supervision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RulePack;
    use crate::stats::{indicators, split_by_municipality};
    use crate::synth::{generate, SynthConfig};
    use chrono::NaiveDate;

    fn files(children: usize, year: i32) -> (Vec<IndicatorFile>, Vec<crate::stats::Raw>, Vec<crate::event::Event>) {
        let until = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let events = generate(&SynthConfig { children, seed: 5, until, ..SynthConfig::default() });
        let pack = RulePack::default_pack();
        let raws: Vec<crate::stats::Raw> =
            split_by_municipality(&events).iter().map(|(m, ev)| indicators(ev, &pack, *m, year, until)).collect();
        (raws.iter().map(|r| r.publish()).collect(), raws, events)
    }

    #[test]
    fn the_rollup_equals_the_union_where_nothing_is_suppressed() {
        let (files, raws, events) = files(4000, 2025);
        let n = rollup(&files, 2025);
        assert_eq!(n.municipalities, files.len());
        assert_eq!(n.missing.len(), 98 - files.len());
        // Each national number equals the sum of the raw (unprotected) numbers wherever no municipality suppressed.
        for (i, t) in n.tables.iter().enumerate() {
            for r in 0..t.rows.len() {
                for c in 0..t.cols.len() {
                    let raw: u64 = raws.iter().map(|x| x.tables[i].2.cells[r][c]).sum();
                    let a = t.cells[r][c];
                    if a.suppressed == 0 {
                        assert_eq!(a.sum, raw, "{} [{r}][{c}]", t.id);
                    } else {
                        assert!(a.sum <= raw, "{} [{r}][{c}]: published part exceeds the truth", t.id);
                    }
                }
            }
        }
        // The union of the journals computed as one: the placed children of the country.
        let placed_union: u64 = raws.iter().map(|r| r.children[3].2).sum();
        let placed = n.children.iter().find(|c| c.0 == "placed").unwrap().2;
        assert!(placed.sum <= placed_union);
        if placed.suppressed == 0 {
            assert_eq!(placed.sum, placed_union);
        }
        assert!(events.len() > 10_000);
    }

    #[test]
    fn funnel_limits_widen_for_small_municipalities_and_ranks_are_ordered() {
        let (files, _, _) = files(4000, 2025);
        let n = rollup(&files, 2025);
        let ind = n.indicators.iter().find(|i| i.id == "supervision-visits-2-per-year").expect("visits indicator");
        let (lo_small, _, _, hi_small) = ind.limits(10).unwrap();
        let (lo_big, _, _, hi_big) = ind.limits(1000).unwrap();
        assert!(hi_small - lo_small > hi_big - lo_big);
        assert!(ind.points.windows(2).all(|w| w[0].share >= w[1].share && w[0].rank <= w[1].rank));
        for p in &ind.points {
            let (lo, _, _, hi) = ind.limits(p.n).unwrap();
            assert_eq!(p.funnel == Funnel::Below, p.share < lo, "{}", p.name);
            assert_eq!(p.funnel == Funnel::Above, p.share > hi, "{}", p.name);
        }
        let share = ind.share.unwrap();
        assert!((0.3..=1.0).contains(&share), "{share}");
    }

    #[test]
    fn duplicates_are_refused_and_last_year_is_compared() {
        let (files, _, _) = files(1500, 2025);
        let dup = vec![("a.json".to_string(), files[0].clone()), ("b.json".to_string(), files[0].clone())];
        assert!(check(&dup).unwrap_err().contains("to gange"));
        let (prev, _, _) = self::files(1500, 2024);
        let all: Vec<IndicatorFile> = files.iter().chain(&prev).cloned().collect();
        let n = rollup(&all, 2025);
        assert!(n.children.iter().all(|c| c.3.is_some()), "last year's figures are there");
        assert!(n.indicators.iter().any(|i| i.previous_share.is_some()));
        assert_eq!(n.regions.len(), 5);
        assert_eq!(n.regions.iter().map(|r| r.municipalities).sum::<usize>(), n.municipalities);
    }
}
