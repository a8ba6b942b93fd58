//! Statistical disclosure control for published two-way tables of counts of children. Pure.
//!
//! When a municipality publishes aggregated statistics (e.g. placements by age group and placement type),
//! a cell counting fewer than `min` children (we use 5) could identify individual children, so it is
//! suppressed. Because the row totals, column totals and grand total are published as well, a lone
//! suppressed cell could be recovered by subtraction; further cells are therefore suppressed too.
//!
//! # Model
//!
//! Every published number is one of: a cell, a row total, a column total or the grand total. The true
//! numbers satisfy one linear equation per row (cells sum to the row total), per column (cells sum to the
//! column total) and two for the margins (row totals sum to the grand total, column totals sum to the
//! grand total). The suppressed numbers are the unknowns of this system; everything published is known.
//!
//! A suppressed number is *exactly derivable* when the equations alone pin down its value, i.e. its unit
//! vector lies in the row space of the constraint matrix restricted to the unknowns. [`Protected::derivable`]
//! decides this by exact, fraction-free integer Gaussian elimination (the matrix has entries 0/±1 and is
//! totally unimodular, so no rounding is involved and the entries stay tiny).
//!
//! Equivalently, the system is the incidence matrix of a graph whose vertices are the rows, the columns and
//! two "margin" vertices (one joining the row totals, one joining the column totals), and whose edges are
//! the numbers: a cell joins its row and column, a row total joins its row and the row-margin vertex, a
//! column total its column and the column-margin vertex, and the grand total joins the two margin vertices.
//! A suppressed number is non-derivable exactly when its edge lies on a cycle of suppressed edges: adding
//! +1/−1 alternately around that cycle gives a different table consistent with everything published.
//!
//! # Method ([`protect`])
//!
//! 1. **Primary suppression.** Every cell with `1 ≤ value < min` is suppressed. True zeros are *not*
//!    sensitive and are not suppressed for their own sake. A row or column whose total is `1..min` is
//!    suppressed entirely: its total and all of its cells, zeros included (otherwise published zeros would
//!    tell that all of those few children are in the remaining categories). If the grand total is `1..min`,
//!    the whole table is suppressed.
//! 2. **Secondary suppression.** While elimination finds a derivable suppressed number, the cheapest path
//!    that closes a cycle through it is found (Dijkstra; already suppressed numbers cost nothing) and the
//!    numbers on that path are suppressed. Costs compare lexicographically: first the number of totals
//!    (totals are only given up when the cells of a line cannot protect it, e.g. a line with a suppressed
//!    total or a table with a single column), then the number of zero cells (zeros only when needed), then
//!    the sum of the values (the smallest positive cells first), then the number of cells.
//! 3. The loop ends when nothing is derivable. It always ends: suppressing a number never makes another one
//!    derivable, each round protects at least one derivable number, and the fully suppressed table is
//!    protected.
//!
//! In particular no suppressed number is ever the only unknown of its row or column (that is the simplest
//! case of derivability), and every line with a suppressed cell has at least two unknowns.
//!
//! The output is deterministic: the same table and threshold give the same pattern.
//!
//! # What is *not* guaranteed
//!
//! The protection is against *exact linear derivation from the published margins*. It does not enforce
//! protection intervals: using non-negativity, an attacker can bound a suppressed cell (for example, if the
//! cell on the opposite corner of a suppressed rectangle is a suppressed 0, the small cell's lower bound is
//! its true value). Methods such as the hypercube, modular and optimal methods of τ-ARGUS, which statistical
//! offices use, also require each suppressed cell's feasible interval to be wide enough; this module does
//! not. Nor does it protect against differencing between several published tables built from the same
//! children (other breakdowns, earlier periods): each table is protected on its own.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The threshold used by Værn: cells counting fewer than 5 children are suppressed.
pub const DEFAULT_MIN: u64 = 5;

/// A two-way table of counts of children, before protection.
///
/// `cells[r][c]` is the count for row label `rows[r]` and column label `cols[c]`. The row totals, column
/// totals and grand total are derived from the cells and are always part of the publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// Counts, row-major: one inner vector per row with one count per column.
    pub cells: Vec<Vec<u64>>,
}

/// A table ready to publish: each number is `Some(value)` (published, the true value) or `None`
/// (suppressed, shown e.g. as "–").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protected {
    /// Cells, same shape as [`Table::cells`].
    pub cells: Vec<Vec<Option<u64>>>,
    /// One per row.
    pub row_totals: Vec<Option<u64>>,
    /// One per column.
    pub col_totals: Vec<Option<u64>>,
    /// The grand total.
    pub total: Option<u64>,
    /// The threshold the table was protected with.
    pub min: u64,
    /// How many numbers (cells and totals) were suppressed by the threshold rules.
    pub primary: usize,
    /// How many further numbers (cells and totals) were suppressed so that none can be derived.
    pub secondary: usize,
}

/// One number of a published table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Item {
    /// The cell at (row, column).
    Cell { row: usize, col: usize },
    /// The total of a row.
    RowTotal(usize),
    /// The total of a column.
    ColTotal(usize),
    /// The grand total.
    Total,
}

/// Why a table cannot be protected. Messages are in Danish (shown to the user who publishes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    /// `rows` and `cells` disagree on the number of rows.
    #[error("Tabellen har {labels} rækkenavne, men {rows} rækker med tal")]
    RowCount { labels: usize, rows: usize },
    /// A row does not have one count per column.
    #[error("Rækken «{row}» har {found} tal, men tabellen har {expected} kolonner")]
    RowLength { row: String, expected: usize, found: usize },
    /// A total does not fit in 64 bits.
    #[error("Summen af tabellens tal er for stor")]
    Overflow,
}

/// Protects `table` for publication: suppresses every count of 1 to `min − 1` children (and lines whose
/// total is that small), then suppresses further numbers until no suppressed number can be computed
/// exactly from the published ones. See the module documentation for the method and its limits.
///
/// Published numbers are always the true values. Deterministic.
pub fn protect(table: &Table, min: u64) -> Result<Protected, DisclosureError> {
    let (row_totals, col_totals, total) = margins(table)?;
    let shape = Shape { rows: row_totals.len(), cols: col_totals.len() };
    let mut values = vec![0u64; shape.items()];
    for (r, row) in table.cells.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            values[shape.index(Item::Cell { row: r, col: c })] = v;
        }
    }
    for (r, &v) in row_totals.iter().enumerate() {
        values[shape.index(Item::RowTotal(r))] = v;
    }
    for (c, &v) in col_totals.iter().enumerate() {
        values[shape.index(Item::ColTotal(c))] = v;
    }
    values[shape.index(Item::Total)] = total;

    let hidden = primary_suppression(&shape, &values, min);
    let primary = hidden.iter().filter(|&&h| h).count();
    let hidden = secondary_suppression(&shape, &values, hidden);
    let suppressed = hidden.iter().filter(|&&h| h).count();

    let show = |item: Item| {
        let k = shape.index(item);
        (!hidden[k]).then_some(values[k])
    };
    Ok(Protected {
        cells: (0..shape.rows)
            .map(|r| (0..shape.cols).map(|c| show(Item::Cell { row: r, col: c })).collect())
            .collect(),
        row_totals: (0..shape.rows).map(|r| show(Item::RowTotal(r))).collect(),
        col_totals: (0..shape.cols).map(|c| show(Item::ColTotal(c))).collect(),
        total: show(Item::Total),
        min,
        primary,
        secondary: suppressed - primary,
    })
}

impl Protected {
    /// Audit: the suppressed numbers whose value is exactly determined by the published numbers and the
    /// margin equations, in the order cells (row-major), row totals, column totals, grand total. Empty for
    /// every table produced by [`protect`]; also usable on a hand-edited suppression pattern.
    ///
    /// The shape is taken from `row_totals` and `col_totals`; a missing cell counts as suppressed.
    pub fn derivable(&self) -> Vec<Item> {
        let shape = Shape { rows: self.row_totals.len(), cols: self.col_totals.len() };
        let hidden: Vec<bool> = (0..shape.items())
            .map(|k| match shape.item(k) {
                Item::Cell { row, col } => self.cells.get(row).and_then(|r| r.get(col)).is_none_or(Option::is_none),
                Item::RowTotal(r) => self.row_totals[r].is_none(),
                Item::ColTotal(c) => self.col_totals[c].is_none(),
                Item::Total => self.total.is_none(),
            })
            .collect();
        derivable_mask(&shape, &hidden)
            .into_iter()
            .enumerate()
            .filter(|&(_, d)| d)
            .map(|(k, _)| shape.item(k))
            .collect()
    }

    /// Whether anything was suppressed.
    pub fn any_suppressed(&self) -> bool {
        self.primary + self.secondary > 0
    }
}

/// Row totals, column totals and grand total, after checking the shape.
fn margins(table: &Table) -> Result<(Vec<u64>, Vec<u64>, u64), DisclosureError> {
    if table.rows.len() != table.cells.len() {
        return Err(DisclosureError::RowCount { labels: table.rows.len(), rows: table.cells.len() });
    }
    let ncols = table.cols.len();
    let mut col_totals = vec![0u64; ncols];
    let mut row_totals = Vec::with_capacity(table.cells.len());
    for (label, row) in table.rows.iter().zip(&table.cells) {
        if row.len() != ncols {
            return Err(DisclosureError::RowLength { row: label.clone(), expected: ncols, found: row.len() });
        }
        let mut sum = 0u64;
        for (c, &v) in row.iter().enumerate() {
            sum = sum.checked_add(v).ok_or(DisclosureError::Overflow)?;
            col_totals[c] = col_totals[c].checked_add(v).ok_or(DisclosureError::Overflow)?;
        }
        row_totals.push(sum);
    }
    let total = row_totals.iter().try_fold(0u64, |acc, &v| acc.checked_add(v)).ok_or(DisclosureError::Overflow)?;
    Ok((row_totals, col_totals, total))
}

/// The dimensions of a table and the numbering of its items and equations.
///
/// Items: cells row-major, then row totals, column totals and the grand total. Equations (the vertices of
/// the graph in the module documentation): rows, then columns, then the row-margin and column-margin
/// equations.
struct Shape {
    rows: usize,
    cols: usize,
}

impl Shape {
    fn items(&self) -> usize {
        self.rows * self.cols + self.rows + self.cols + 1
    }

    fn equations(&self) -> usize {
        self.rows + self.cols + 2
    }

    fn index(&self, item: Item) -> usize {
        let cells = self.rows * self.cols;
        match item {
            Item::Cell { row, col } => row * self.cols + col,
            Item::RowTotal(r) => cells + r,
            Item::ColTotal(c) => cells + self.rows + c,
            Item::Total => cells + self.rows + self.cols,
        }
    }

    fn item(&self, k: usize) -> Item {
        let cells = self.rows * self.cols;
        if k < cells {
            Item::Cell { row: k / self.cols, col: k % self.cols }
        } else if k < cells + self.rows {
            Item::RowTotal(k - cells)
        } else if k < cells + self.rows + self.cols {
            Item::ColTotal(k - cells - self.rows)
        } else {
            Item::Total
        }
    }

    /// The two equations an item takes part in, with its coefficient in each.
    ///
    /// Row equation: Σ cells − row total = 0. Column equation: Σ cells − column total = 0. Row-margin
    /// equation: Σ row totals − grand total = 0. Column-margin equation: Σ column totals − grand total = 0.
    fn incidences(&self, item: Item) -> [(usize, i64); 2] {
        let row_margin = self.rows + self.cols;
        let col_margin = row_margin + 1;
        match item {
            Item::Cell { row, col } => [(row, 1), (self.rows + col, 1)],
            Item::RowTotal(r) => [(r, -1), (row_margin, 1)],
            Item::ColTotal(c) => [(self.rows + c, -1), (col_margin, 1)],
            Item::Total => [(row_margin, -1), (col_margin, -1)],
        }
    }
}

/// Step 1: the threshold rules.
fn primary_suppression(shape: &Shape, values: &[u64], min: u64) -> Vec<bool> {
    let small = |v: u64| (1..min).contains(&v);
    let mut hidden = vec![false; shape.items()];
    if small(values[shape.index(Item::Total)]) {
        hidden.iter_mut().for_each(|h| *h = true);
        return hidden;
    }
    for r in 0..shape.rows {
        for c in 0..shape.cols {
            let k = shape.index(Item::Cell { row: r, col: c });
            hidden[k] = small(values[k]);
        }
    }
    for r in 0..shape.rows {
        if small(values[shape.index(Item::RowTotal(r))]) {
            hidden[shape.index(Item::RowTotal(r))] = true;
            for c in 0..shape.cols {
                hidden[shape.index(Item::Cell { row: r, col: c })] = true;
            }
        }
    }
    for c in 0..shape.cols {
        if small(values[shape.index(Item::ColTotal(c))]) {
            hidden[shape.index(Item::ColTotal(c))] = true;
            for r in 0..shape.rows {
                hidden[shape.index(Item::Cell { row: r, col: c })] = true;
            }
        }
    }
    hidden
}

/// Step 2: suppress more until elimination finds nothing derivable.
fn secondary_suppression(shape: &Shape, values: &[u64], mut hidden: Vec<bool>) -> Vec<bool> {
    let costs: Vec<Cost> = (0..shape.items()).map(|k| Cost::of(shape.item(k), values[k])).collect();
    let mut adjacency = vec![Vec::new(); shape.equations()];
    for k in 0..shape.items() {
        let [(a, _), (b, _)] = shape.incidences(shape.item(k));
        adjacency[a].push((b, k));
        adjacency[b].push((a, k));
    }
    loop {
        let derivable = derivable_mask(shape, &hidden);
        if !derivable.contains(&true) {
            return hidden;
        }
        let mut changed = false;
        for target in (0..shape.items()).filter(|&k| derivable[k]) {
            // Earlier rounds of this pass may already have put `target` on a cycle; then the path is free.
            for k in cheapest_cycle_completion(shape, &adjacency, &costs, &hidden, target) {
                if !hidden[k] {
                    hidden[k] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            // Unreachable: a derivable number's edge is a bridge of the suppressed graph, so closing a cycle
            // through it needs at least one more number. Guard against looping forever all the same.
            debug_assert!(changed, "elimination and cycle search disagree");
            return hidden;
        }
    }
}

/// The price of suppressing a path; compared lexicographically in field order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    totals: u64,
    zeros: u64,
    sum: u128,
    count: u64,
}

impl Cost {
    fn of(item: Item, value: u64) -> Cost {
        let base = Cost { sum: u128::from(value), count: 1, ..Cost::default() };
        match item {
            Item::Cell { .. } if value == 0 => Cost { zeros: 1, ..base },
            Item::Cell { .. } => base,
            _ => Cost { totals: 1, ..base },
        }
    }

    fn plus(self, other: Cost) -> Cost {
        Cost {
            totals: self.totals + other.totals,
            zeros: self.zeros + other.zeros,
            sum: self.sum.saturating_add(other.sum),
            count: self.count + other.count,
        }
    }
}

/// The items of the cheapest path between the two ends of `target` that avoids `target` itself; together
/// with `target` it is a cycle. Suppressed items are free. Dijkstra with deterministic tie-breaking.
fn cheapest_cycle_completion(
    shape: &Shape,
    adjacency: &[Vec<(usize, usize)>],
    costs: &[Cost],
    hidden: &[bool],
    target: usize,
) -> Vec<usize> {
    let [(from, _), (to, _)] = shape.incidences(shape.item(target));
    let mut dist: Vec<Option<Cost>> = vec![None; adjacency.len()];
    let mut prev: Vec<Option<(usize, usize)>> = vec![None; adjacency.len()];
    let mut heap = BinaryHeap::new();
    dist[from] = Some(Cost::default());
    heap.push(Reverse((Cost::default(), from)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if dist[v] != Some(d) {
            continue;
        }
        if v == to {
            break;
        }
        for &(w, k) in &adjacency[v] {
            if k == target {
                continue;
            }
            let step = if hidden[k] { Cost::default() } else { costs[k] };
            let nd = d.plus(step);
            if dist[w].is_none_or(|old| nd < old) {
                dist[w] = Some(nd);
                prev[w] = Some((v, k));
                heap.push(Reverse((nd, w)));
            }
        }
    }
    let mut path = Vec::new();
    let mut v = to;
    while v != from {
        // A path always exists when the table has a row and a column: every edge of the complete graph lies
        // on a cycle (cell – column total – grand total – row total). Without one there is nothing to walk.
        let Some((u, k)) = prev[v] else { return Vec::new() };
        path.push(k);
        v = u;
    }
    path
}

/// For each item: is it suppressed and exactly determined by the equations? Fraction-free Gaussian
/// elimination to reduced row echelon form over the unknowns (the suppressed items).
///
/// An unknown is determined iff its column is a pivot column whose row has no other non-zero entry
/// (otherwise it depends on a free unknown, or is free itself).
fn derivable_mask(shape: &Shape, hidden: &[bool]) -> Vec<bool> {
    let unknowns: Vec<usize> = (0..hidden.len()).filter(|&k| hidden[k]).collect();
    let mut m = vec![vec![0i64; unknowns.len()]; shape.equations()];
    for (j, &k) in unknowns.iter().enumerate() {
        for (eq, coef) in shape.incidences(shape.item(k)) {
            m[eq][j] = coef;
        }
    }
    let mut out = vec![false; hidden.len()];
    for (row, col) in reduce(&mut m, unknowns.len()) {
        if m[row].iter().filter(|&&x| x != 0).count() == 1 {
            out[unknowns[col]] = true;
        }
    }
    out
}

/// Reduces `m` in place to integer reduced row echelon form; returns the (row, column) of each pivot.
///
/// Each elimination step is `r ← a·r − b·p` followed by division by the row's gcd, so everything stays
/// an exact integer. The constraint matrix is totally unimodular, so after the gcd division every entry is
/// 0 or ±1 and nothing can overflow.
fn reduce(m: &mut [Vec<i64>], ncols: usize) -> Vec<(usize, usize)> {
    let mut pivots = Vec::new();
    let mut next = 0;
    for col in 0..ncols {
        let Some(p) = (next..m.len()).find(|&r| m[r][col] != 0) else { continue };
        m.swap(next, p);
        let pivot_row = m[next].clone();
        let a = pivot_row[col];
        for (r, row) in m.iter_mut().enumerate() {
            let b = row[col];
            if r == next || b == 0 {
                continue;
            }
            for (x, &y) in row.iter_mut().zip(&pivot_row) {
                *x = a * *x - b * y;
            }
            normalise(row);
        }
        pivots.push((next, col));
        next += 1;
        if next == m.len() {
            break;
        }
    }
    pivots
}

/// Divides a row by the gcd of its entries.
fn normalise(row: &mut [i64]) {
    let g = row.iter().fold(0i64, |g, &x| gcd(g, x.abs()));
    if g > 1 {
        row.iter_mut().for_each(|x| *x /= g);
    }
    debug_assert!(row.iter().all(|x| x.abs() <= 1), "the margin system is totally unimodular");
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(cells: &[&[u64]]) -> Table {
        Table {
            rows: (0..cells.len()).map(|r| format!("r{r}")).collect(),
            cols: (0..cells.first().map_or(0, |r| r.len())).map(|c| format!("c{c}")).collect(),
            cells: cells.iter().map(|r| r.to_vec()).collect(),
        }
    }

    fn suppressed_cells(p: &Protected) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (r, row) in p.cells.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if v.is_none() {
                    out.push((r, c));
                }
            }
        }
        out
    }

    /// A pattern with the given suppressed cells and all totals published (values are irrelevant to
    /// derivability).
    fn pattern(rows: usize, cols: usize, hidden: &[(usize, usize)]) -> Protected {
        let mut cells = vec![vec![Some(10); cols]; rows];
        for &(r, c) in hidden {
            cells[r][c] = None;
        }
        Protected {
            cells,
            row_totals: vec![Some(10); rows],
            col_totals: vec![Some(10); cols],
            total: Some(10),
            min: 5,
            primary: 0,
            secondary: 0,
        }
    }

    #[test]
    fn one_small_cell_gets_the_cheapest_rectangle() {
        let t = table(&[&[10, 20, 2], &[15, 12, 30], &[8, 25, 40]]);
        let p = protect(&t, 5).unwrap();
        // Closing a cycle through (0,2): via row 1, (1,2) + (1,0) + (0,0) = 30 + 15 + 10 = 55 is the
        // cheapest (row 2 via column 0 costs 40 + 8 + 10 = 58).
        assert_eq!(suppressed_cells(&p), vec![(0, 0), (0, 2), (1, 0), (1, 2)]);
        assert_eq!((p.primary, p.secondary), (1, 3));
        assert_eq!(p.row_totals, vec![Some(32), Some(57), Some(73)]);
        assert_eq!(p.col_totals, vec![Some(33), Some(57), Some(72)]);
        assert_eq!(p.total, Some(162));
        assert_eq!(p.cells[2], vec![Some(8), Some(25), Some(40)]);
        assert!(p.derivable().is_empty());
    }

    #[test]
    fn table_without_small_cells_is_unchanged() {
        let t = table(&[&[10, 20, 7], &[15, 12, 30]]);
        let p = protect(&t, DEFAULT_MIN).unwrap();
        assert!(!p.any_suppressed());
        assert_eq!(p.cells, vec![vec![Some(10), Some(20), Some(7)], vec![Some(15), Some(12), Some(30)]]);
        assert_eq!(p.row_totals, vec![Some(37), Some(57)]);
        assert_eq!(p.col_totals, vec![Some(25), Some(32), Some(37)]);
        assert_eq!(p.total, Some(94));
    }

    #[test]
    fn zeros_are_not_primary_suppressed() {
        let t = table(&[&[0, 10, 12], &[7, 0, 9], &[0, 0, 6]]);
        let p = protect(&t, 5).unwrap();
        assert!(!p.any_suppressed());
        assert_eq!(p.cells[2], vec![Some(0), Some(0), Some(6)]);
    }

    #[test]
    fn zeros_are_used_for_secondary_suppression_only_when_needed() {
        // (0,0) = 3 must be paired in row 0 and column 0; the only positive partners are in row 1.
        let t = table(&[&[3, 0, 9], &[6, 0, 8]]);
        let p = protect(&t, 5).unwrap();
        assert_eq!(suppressed_cells(&p), vec![(0, 0), (0, 2), (1, 0), (1, 2)]);
        // Here a zero is unavoidable (the alternative is to suppress totals): every cycle through (0,0)
        // passes (1,1).
        let t = table(&[&[3, 7], &[6, 0]]);
        let p = protect(&t, 5).unwrap();
        assert_eq!(suppressed_cells(&p), vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert_eq!(p.row_totals, vec![Some(10), Some(6)]);
        assert!(p.derivable().is_empty());
    }

    #[test]
    fn a_small_row_total_hides_the_whole_row_and_another_total() {
        let t = table(&[&[3, 0, 0], &[10, 12, 9], &[20, 6, 7]]);
        let p = protect(&t, 5).unwrap();
        assert_eq!(p.cells[0], vec![None, None, None]);
        assert_eq!(p.row_totals[0], None);
        // The row total can only be protected by a second suppressed total.
        assert_eq!(p.row_totals.iter().filter(|t| t.is_none()).count(), 2);
        assert_eq!(p.primary, 4);
        assert!(p.derivable().is_empty());
    }

    #[test]
    fn a_single_column_table_suppresses_pairs_of_rows() {
        let t = table(&[&[2], &[9], &[30]]);
        let p = protect(&t, 5).unwrap();
        assert_eq!(p.cells, vec![vec![None], vec![None], vec![Some(30)]]);
        assert_eq!(p.row_totals, vec![None, None, Some(30)]);
        assert_eq!(p.col_totals, vec![Some(41)]);
        assert!(p.derivable().is_empty());
    }

    #[test]
    fn a_small_grand_total_hides_everything() {
        let t = table(&[&[1, 0], &[0, 2]]);
        let p = protect(&t, 5).unwrap();
        assert_eq!(p.cells, vec![vec![None, None], vec![None, None]]);
        assert_eq!(p.total, None);
        assert_eq!((p.primary, p.secondary), (9, 0));
        assert!(p.derivable().is_empty());
    }

    #[test]
    fn empty_and_all_zero_tables() {
        assert!(!protect(&table(&[]), 5).unwrap().any_suppressed());
        assert!(!protect(&table(&[&[0, 0], &[0, 0]]), 5).unwrap().any_suppressed());
    }

    #[test]
    fn protection_is_deterministic() {
        let t = table(&[&[1, 7, 2, 9], &[8, 3, 11, 6], &[5, 5, 1, 20]]);
        let first = protect(&t, 5).unwrap();
        for _ in 0..5 {
            assert_eq!(protect(&t, 5).unwrap(), first);
        }
    }

    #[test]
    fn malformed_tables_are_rejected() {
        let mut t = table(&[&[1, 2], &[3, 4]]);
        t.cells[1].pop();
        assert_eq!(protect(&t, 5), Err(DisclosureError::RowLength { row: "r1".into(), expected: 2, found: 1 }));
        let mut t = table(&[&[1, 2]]);
        t.rows.push("extra".into());
        assert_eq!(protect(&t, 5), Err(DisclosureError::RowCount { labels: 2, rows: 1 }));
        assert_eq!(protect(&table(&[&[u64::MAX, 1]]), 5), Err(DisclosureError::Overflow));
    }

    #[test]
    fn audit_finds_derivable_patterns() {
        // A lone suppressed cell is the difference of its row total and the published cells.
        assert_eq!(pattern(3, 3, &[(1, 1)]).derivable(), vec![Item::Cell { row: 1, col: 1 }]);
        // Two in a row, but each alone in its column.
        assert_eq!(
            pattern(3, 3, &[(0, 0), (0, 1)]).derivable(),
            vec![Item::Cell { row: 0, col: 0 }, Item::Cell { row: 0, col: 1 }]
        );
        // A rectangle is safe, and so is a longer cycle.
        assert!(pattern(3, 3, &[(0, 0), (0, 2), (2, 0), (2, 2)]).derivable().is_empty());
        assert!(pattern(3, 3, &[(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 0)]).derivable().is_empty());
        // Two rectangles joined by a single cell: every line with a suppressed cell has at least two, yet
        // the joining cell (0,2) is derivable — the "two per line" rule is not sufficient.
        let hidden = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)];
        assert_eq!(pattern(4, 4, &hidden).derivable(), vec![Item::Cell { row: 0, col: 2 }]);
        // A suppressed row total is the grand total minus the other row totals.
        let mut p = pattern(2, 2, &[]);
        p.row_totals[0] = None;
        assert_eq!(p.derivable(), vec![Item::RowTotal(0)]);
    }

    // ---------------------------------------------------------------------------------------------------
    // Independent oracle: the graph of suppressed numbers. Vertices: rows, columns, R (joins the row totals)
    // and C (joins the column totals). A suppressed number lies on a cycle iff it is not derivable; the cycle
    // itself gives a second table, consistent with everything published, that differs in that number.

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum N {
        Cell(usize, usize),
        Row(usize),
        Col(usize),
        Grand,
    }

    /// The published table as a list of (number, true value, suppressed?).
    fn numbers(t: &Table, p: &Protected) -> Vec<(N, i128, bool)> {
        let mut out = Vec::new();
        let (nr, nc) = (t.rows.len(), t.cols.len());
        for r in 0..nr {
            for c in 0..nc {
                out.push((N::Cell(r, c), i128::from(t.cells[r][c]), p.cells[r][c].is_none()));
            }
        }
        for r in 0..nr {
            out.push((N::Row(r), t.cells[r].iter().map(|&v| i128::from(v)).sum(), p.row_totals[r].is_none()));
        }
        for c in 0..nc {
            out.push((N::Col(c), t.cells.iter().map(|row| i128::from(row[c])).sum(), p.col_totals[c].is_none()));
        }
        let g = t.cells.iter().flatten().map(|&v| i128::from(v)).sum();
        out.push((N::Grand, g, p.total.is_none()));
        out
    }

    /// Vertex ids: rows 0..nr, columns nr..nr+nc, R = nr+nc, C = nr+nc+1.
    fn ends(n: N, nr: usize, nc: usize) -> (usize, usize) {
        match n {
            N::Cell(r, c) => (r, nr + c),
            N::Row(r) => (r, nr + nc),
            N::Col(c) => (nr + c, nr + nc + 1),
            N::Grand => (nr + nc, nr + nc + 1),
        }
    }

    /// Breadth-first search from one end of edge `skip` to the other over the other suppressed edges;
    /// returns the path as (edge index, vertex it leads from) pairs, from `a` towards `b`.
    fn path_around(nums: &[(N, i128, bool)], skip: usize, nr: usize, nc: usize) -> Option<Vec<(usize, usize)>> {
        let (a, b) = ends(nums[skip].0, nr, nc);
        let nv = nr + nc + 2;
        let mut came: Vec<Option<(usize, usize)>> = vec![None; nv];
        let mut seen = vec![false; nv];
        seen[a] = true;
        let mut queue = std::collections::VecDeque::from([a]);
        while let Some(v) = queue.pop_front() {
            for (e, &(n, _, hidden)) in nums.iter().enumerate() {
                if !hidden || e == skip {
                    continue;
                }
                let (x, y) = ends(n, nr, nc);
                let w = if x == v {
                    y
                } else if y == v {
                    x
                } else {
                    continue;
                };
                if !seen[w] {
                    seen[w] = true;
                    came[w] = Some((e, v));
                    queue.push_back(w);
                }
            }
        }
        if !seen[b] {
            return None;
        }
        let mut path = Vec::new();
        let mut v = b;
        while v != a {
            let (e, u) = came[v].unwrap();
            path.push((e, u));
            v = u;
        }
        path.reverse();
        Some(path)
    }

    /// The second table: +1/−1 around the cycle, checked against every equation directly.
    fn alternative(nums: &[(N, i128, bool)], target: usize, path: &[(usize, usize)], nr: usize, nc: usize) {
        // Signed incidence: row r: cells − row total; column c: column total − cells; R: row totals − grand;
        // C: grand − column totals. Every edge is +1 at one end and −1 at the other, so flows around a
        // cycle balance at every vertex.
        let head = |n: N| match n {
            N::Cell(r, _) => r,
            N::Row(_) => nr + nc,
            N::Col(c) => nr + c,
            N::Grand => nr + nc + 1,
        };
        let mut delta = vec![0i128; nums.len()];
        // Walk the cycle a → … → b → a: the path from a to b, then the target itself from b back to a.
        let (_, b) = ends(nums[target].0, nr, nc);
        let walk = path.iter().copied().chain([(target, b)]);
        for (e, from) in walk {
            delta[e] = if head(nums[e].0) == from { -1 } else { 1 };
        }
        let v: Vec<i128> = nums.iter().zip(&delta).map(|(n, d)| n.1 + d).collect();
        let find = |want: N| nums.iter().position(|n| n.0 == want).unwrap();
        for r in 0..nr {
            let s: i128 = (0..nc).map(|c| v[find(N::Cell(r, c))]).sum();
            assert_eq!(s, v[find(N::Row(r))], "row {r}");
        }
        for c in 0..nc {
            let s: i128 = (0..nr).map(|r| v[find(N::Cell(r, c))]).sum();
            assert_eq!(s, v[find(N::Col(c))], "column {c}");
        }
        assert_eq!((0..nr).map(|r| v[find(N::Row(r))]).sum::<i128>(), v[find(N::Grand)]);
        assert_eq!((0..nc).map(|c| v[find(N::Col(c))]).sum::<i128>(), v[find(N::Grand)]);
        for (k, n) in nums.iter().enumerate() {
            if !n.2 {
                assert_eq!(delta[k], 0, "published {:?} changed", n.0);
            }
        }
        assert_ne!(delta[target], 0);
    }

    fn to_item(n: N) -> Item {
        match n {
            N::Cell(row, col) => Item::Cell { row, col },
            N::Row(r) => Item::RowTotal(r),
            N::Col(c) => Item::ColTotal(c),
            N::Grand => Item::Total,
        }
    }

    /// Mostly small values, some zeros, some larger.
    fn cell_value() -> impl Strategy<Value = u64> {
        prop_oneof![2 => Just(0u64), 4 => 1u64..5, 4 => 5u64..30]
    }

    fn tables() -> impl Strategy<Value = Table> {
        (1usize..=6, 1usize..=6).prop_flat_map(|(nr, nc)| {
            prop::collection::vec(prop::collection::vec(cell_value(), nc), nr).prop_map(|cells| Table {
                rows: (0..cells.len()).map(|r| format!("r{r}")).collect(),
                cols: (0..cells[0].len()).map(|c| format!("c{c}")).collect(),
                cells,
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn protection_holds_against_the_cycle_oracle(t in tables()) {
            let p = protect(&t, 5).unwrap();
            let (nr, nc) = (t.rows.len(), t.cols.len());
            // (a) every small cell is suppressed.
            for r in 0..nr {
                for c in 0..nc {
                    if (1..5).contains(&t.cells[r][c]) {
                        prop_assert!(p.cells[r][c].is_none(), "small cell ({r},{c}) published");
                    }
                }
            }
            let nums = numbers(&t, &p);
            // (b) every published number is true, and no published total is small.
            let all = p.cells.iter().flatten().chain(&p.row_totals).chain(&p.col_totals).chain([&p.total]);
            let suppressed = all.filter(|v| v.is_none()).count();
            prop_assert_eq!(suppressed, p.primary + p.secondary);
            for (k, (n, value, hidden)) in nums.iter().enumerate() {
                let shown = match *n {
                    N::Cell(r, c) => p.cells[r][c],
                    N::Row(r) => p.row_totals[r],
                    N::Col(c) => p.col_totals[c],
                    N::Grand => p.total,
                };
                prop_assert_eq!(shown.is_none(), *hidden);
                if let Some(s) = shown {
                    prop_assert_eq!(i128::from(s), *value, "{:?}", n);
                    prop_assert!(!(1..5).contains(&s), "small number {:?} published", n);
                }
                // (c) every suppressed number lies on a cycle of suppressed numbers, and the cycle really
                // gives another consistent table.
                if *hidden {
                    let path = path_around(&nums, k, nr, nc);
                    prop_assert!(path.is_some(), "{:?} is derivable", n);
                    alternative(&nums, k, &path.unwrap(), nr, nc);
                }
            }
            prop_assert!(p.derivable().is_empty());
            prop_assert_eq!(protect(&t, 5).unwrap(), p);
        }

        #[test]
        fn elimination_agrees_with_the_cycle_oracle(
            (nr, nc, mask) in (1usize..=5, 1usize..=5).prop_flat_map(|(nr, nc)| {
                (Just(nr), Just(nc), prop::collection::vec(prop::bool::weighted(0.35), nr * nc + nr + nc + 1))
            })
        ) {
            let hidden_cells: Vec<(usize, usize)> =
                (0..nr * nc).filter(|&k| mask[k]).map(|k| (k / nc, k % nc)).collect();
            let mut p = pattern(nr, nc, &hidden_cells);
            for r in 0..nr {
                if mask[nr * nc + r] { p.row_totals[r] = None; }
            }
            for c in 0..nc {
                if mask[nr * nc + nr + c] { p.col_totals[c] = None; }
            }
            if mask[nr * nc + nr + nc] { p.total = None; }
            let t = Table {
                rows: (0..nr).map(|r| format!("r{r}")).collect(),
                cols: (0..nc).map(|c| format!("c{c}")).collect(),
                cells: vec![vec![10; nc]; nr],
            };
            let nums = numbers(&t, &p);
            let expected: Vec<Item> = nums
                .iter()
                .enumerate()
                .filter(|(k, n)| n.2 && path_around(&nums, *k, nr, nc).is_none())
                .map(|(_, n)| to_item(n.0))
                .collect();
            prop_assert_eq!(p.derivable(), expected);
        }
    }
}
