//! Small-cell suppression for anonymous aggregates (board view, research export; SPEC §2.4).
//!
//! A table of counts is shown with its row totals, column totals and grand total. Every entry
//! (cell or total) below [`SMALL`] is shown as "< 5" (primary suppression). Hiding those alone is not
//! enough: a hidden cell can often be worked out by subtracting the shown cells from a shown total.
//! So more entries are hidden (complementary suppression) until no hidden entry can be recovered.
//!
//! Why the check below is exact: put the totals in the table with a minus sign (the grand total with a
//! plus); then every row and every column of the extended table sums to zero. Think of the hidden
//! entries as edges between their row and their column. The hidden values are determined by the
//! shown ones exactly when the edge lies on no cycle: along a cycle one can add and subtract the same
//! amount alternately and every sum stays the same. So every hidden edge must lie on a cycle (no
//! hidden entry may be a bridge). When one is a bridge, we hide the cheapest other corners of a
//! rectangle through it (fewest reports hidden, cells before totals), and check again.

/// Counts below this are never shown.
pub const SMALL: u64 = 5;

/// How an entry of a suppressed table is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Count(u64),
    /// Fewer than [`SMALL`].
    Small,
    /// Hidden so that a small entry cannot be worked out from the others.
    Hidden,
}

impl Shown {
    pub fn is_shown(self) -> bool {
        matches!(self, Shown::Count(_))
    }
}

/// A table with its totals, as shown: `cells[r][c]`, `row_totals[r]`, `column_totals[c]`, `total`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressedTable {
    pub cells: Vec<Vec<Shown>>,
    pub row_totals: Vec<Shown>,
    pub column_totals: Vec<Shown>,
    pub total: Shown,
}

/// Suppresses a table of counts (rows of equal length). An empty table comes back empty.
pub fn suppress(counts: &[Vec<u64>]) -> SuppressedTable {
    let rows = counts.len();
    let cols = counts.first().map_or(0, Vec::len);
    // The extended table: cells, a totals column at index `cols`, a totals row at index `rows`.
    let mut value = vec![vec![0u64; cols + 1]; rows + 1];
    for (r, row) in counts.iter().enumerate() {
        for c in 0..cols {
            let v = row.get(c).copied().unwrap_or(0);
            value[r][c] = v;
            value[r][cols] += v;
            value[rows][c] += v;
            value[rows][cols] += v;
        }
    }
    let mut hidden = vec![vec![false; cols + 1]; rows + 1];
    let mut small = vec![vec![false; cols + 1]; rows + 1];
    for r in 0..=rows {
        for c in 0..=cols {
            if value[r][c] < SMALL {
                small[r][c] = true;
                hidden[r][c] = true;
            }
        }
    }
    if rows > 0 && cols > 0 {
        while let Some((r, c)) = find_bridge(&hidden) {
            complete_rectangle(&value, &mut hidden, r, c);
        }
    }
    let show = |r: usize, c: usize| {
        if small[r][c] {
            Shown::Small
        } else if hidden[r][c] {
            Shown::Hidden
        } else {
            Shown::Count(value[r][c])
        }
    };
    SuppressedTable {
        cells: (0..rows)
            .map(|r| (0..cols).map(|c| show(r, c)).collect())
            .collect(),
        row_totals: (0..rows).map(|r| show(r, cols)).collect(),
        column_totals: (0..cols).map(|c| show(rows, c)).collect(),
        total: show(rows, cols),
    }
}

/// A hidden entry that lies on no cycle of hidden entries (so it could be worked out).
fn find_bridge(hidden: &[Vec<bool>]) -> Option<(usize, usize)> {
    let rows = hidden.len();
    let cols = hidden.first().map_or(0, Vec::len);
    for r in 0..rows {
        for c in 0..cols {
            if hidden[r][c] && !connected_without(hidden, r, c) {
                return Some((r, c));
            }
        }
    }
    None
}

/// Whether row `r` still reaches column `c` through hidden entries other than `(r, c)`.
fn connected_without(hidden: &[Vec<bool>], r: usize, c: usize) -> bool {
    let rows = hidden.len();
    let cols = hidden.first().map_or(0, Vec::len);
    // Nodes 0..rows are rows, rows..rows+cols are columns.
    let mut seen = vec![false; rows + cols];
    let mut stack = vec![r];
    seen[r] = true;
    while let Some(node) = stack.pop() {
        if node == rows + c {
            return true;
        }
        let next: Vec<usize> = if node < rows {
            (0..cols)
                .filter(|&j| hidden[node][j] && !(node == r && j == c))
                .map(|j| rows + j)
                .collect()
        } else {
            let j = node - rows;
            (0..rows)
                .filter(|&i| hidden[i][j] && !(i == r && j == c))
                .collect()
        };
        for n in next {
            if !seen[n] {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    false
}

/// Hides the other corners of the cheapest rectangle through `(r, c)`.
fn complete_rectangle(value: &[Vec<u64>], hidden: &mut [Vec<bool>], r: usize, c: usize) {
    let rows = value.len();
    let cols = value.first().map_or(0, Vec::len);
    let is_total = |i: usize, j: usize| i == rows - 1 || j == cols - 1;
    // Cost: reports newly hidden, then totals newly hidden (a shown total helps readers most).
    let cost = |i: usize, j: usize| -> (u64, u64) {
        if hidden[i][j] {
            (0, 0)
        } else {
            (value[i][j], u64::from(is_total(i, j)))
        }
    };
    let mut best: Option<((u64, u64), usize, usize)> = None;
    for i in (0..rows).filter(|&i| i != r) {
        for j in (0..cols).filter(|&j| j != c) {
            let corners = [cost(r, j), cost(i, c), cost(i, j)];
            let total = corners
                .iter()
                .fold((0, 0), |acc, x| (acc.0 + x.0, acc.1 + x.1));
            if best.is_none_or(|(b, _, _)| total < b) {
                best = Some((total, i, j));
            }
        }
    }
    if let Some((_, i, j)) = best {
        hidden[r][j] = true;
        hidden[i][c] = true;
        hidden[i][j] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What someone with only the shown table can work out by repeatedly solving a row or column
    /// sum with one unknown (the usual attack).
    #[allow(clippy::needless_range_loop)] // indices of rows and columns are the point here
    fn recoverable(table: &SuppressedTable) -> Vec<(usize, usize)> {
        let rows = table.cells.len();
        let cols = table.column_totals.len();
        let mut known: Vec<Vec<Option<i128>>> = (0..=rows)
            .map(|r| {
                (0..=cols)
                    .map(|c| {
                        let s = if r == rows && c == cols {
                            table.total
                        } else if r == rows {
                            table.column_totals[c]
                        } else if c == cols {
                            table.row_totals[r]
                        } else {
                            table.cells[r][c]
                        };
                        match s {
                            Shown::Count(n) => Some(i128::from(n)),
                            _ => None,
                        }
                    })
                    .collect()
            })
            .collect();
        let mut found = Vec::new();
        loop {
            let mut progress = false;
            // Rows (including the totals row): cells sum to the last entry.
            for r in 0..=rows {
                let unknown: Vec<usize> = (0..=cols).filter(|&c| known[r][c].is_none()).collect();
                if unknown.len() == 1 {
                    let u = unknown[0];
                    let sum: i128 = (0..cols).filter_map(|c| known[r][c]).sum();
                    let v = if u == cols {
                        sum
                    } else {
                        known[r][cols].unwrap() - sum
                    };
                    known[r][u] = Some(v);
                    found.push((r, u));
                    progress = true;
                }
            }
            for c in 0..=cols {
                let unknown: Vec<usize> = (0..=rows).filter(|&r| known[r][c].is_none()).collect();
                if unknown.len() == 1 {
                    let u = unknown[0];
                    let sum: i128 = (0..rows).filter_map(|r| known[r][c]).sum();
                    let v = if u == rows {
                        sum
                    } else {
                        known[rows][c].unwrap() - sum
                    };
                    known[u][c] = Some(v);
                    found.push((u, c));
                    progress = true;
                }
            }
            if !progress {
                return found;
            }
        }
    }

    fn no_small_count_shown(table: &SuppressedTable) -> bool {
        let all = table
            .cells
            .iter()
            .flatten()
            .chain(&table.row_totals)
            .chain(&table.column_totals)
            .chain(std::iter::once(&table.total));
        all.clone()
            .all(|s| !matches!(s, Shown::Count(n) if *n < SMALL))
    }

    #[test]
    fn a_single_small_cell_takes_three_others_with_it() {
        let table = suppress(&[vec![2, 10], vec![20, 30]]);
        assert_eq!(table.cells[0][0], Shown::Small);
        // The rest of its row and column, and the opposite corner, are hidden too.
        assert_eq!(table.cells[0][1], Shown::Hidden);
        assert_eq!(table.cells[1][0], Shown::Hidden);
        assert_eq!(table.cells[1][1], Shown::Hidden);
        assert_eq!(table.total, Shown::Count(62));
        assert!(recoverable(&table).is_empty());
    }

    #[test]
    fn large_tables_stay_visible() {
        let table = suppress(&[vec![5, 10], vec![20, 30]]);
        assert!(table.cells.iter().flatten().all(|s| s.is_shown()));
        assert_eq!(table.row_totals, vec![Shown::Count(15), Shown::Count(50)]);
    }

    #[test]
    fn zero_is_small_too() {
        let table = suppress(&[vec![0, 10, 12], vec![20, 30, 7]]);
        assert_eq!(table.cells[0][0], Shown::Small);
        assert!(recoverable(&table).is_empty());
    }

    #[test]
    fn a_single_row_hides_column_totals_rather_than_leak() {
        let table = suppress(&[vec![3, 10, 12]]);
        assert_eq!(table.cells[0][0], Shown::Small);
        assert!(recoverable(&table).is_empty());
        assert!(no_small_count_shown(&table));
    }

    #[test]
    fn an_empty_table_is_empty() {
        let table = suppress(&[]);
        assert!(table.cells.is_empty());
        assert_eq!(table.total, Shown::Small);
    }

    proptest! {
        #[test]
        fn nothing_small_leaks_not_even_by_subtraction(
            counts in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
                proptest::collection::vec(proptest::collection::vec(0u64..30, c), r)
            })
        ) {
            let table = suppress(&counts);
            prop_assert!(no_small_count_shown(&table));
            prop_assert!(recoverable(&table).is_empty(), "recoverable: {:?} from {:?}", recoverable(&table), table);
            // Shown counts are the true ones.
            for (r, row) in counts.iter().enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    if let Shown::Count(n) = table.cells[r][c] {
                        prop_assert_eq!(n, v);
                    }
                }
            }
        }
    }
}
