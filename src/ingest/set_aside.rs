//! Rows that break the contract but leave the rest of a table usable are set aside,
//! never silently dropped: each is counted per table and reason, with the first
//! example (in file and row order) so a data engineer can find it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::contract::Table;

/// Where a row came from: file (in the table's sorted file order) and 1-based row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RowRef {
    #[serde(skip)]
    pub file_index: usize,
    pub file: PathBuf,
    pub row: u64,
}

impl std::fmt::Display for RowRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} row {}", self.file.display(), self.row)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetAsideEntry {
    pub table: Table,
    pub reason: &'static str,
    /// False: the rows were set aside. True: only the offending value was ignored.
    pub row_kept: bool,
    pub rows: u64,
    /// The first offending row and its value.
    pub example: RowRef,
    pub example_value: String,
}

/// One line for logs and the manifest's warnings:
/// "usage: 3 rows set aside: unknown account_id (first at usage.parquet row 7)".
impl std::fmt::Display for SetAsideEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} rows {}: {} (first at {})",
            self.table.name(),
            self.rows,
            if self.row_kept {
                "kept with a value ignored"
            } else {
                "set aside"
            },
            self.reason,
            self.example
        )
    }
}

/// Counts of set-aside rows per (table, reason). Merging is order-free (sums, and the
/// example with the smallest row reference wins), so parallel readers give the same
/// result whatever the thread count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetAside {
    entries: BTreeMap<(Table, &'static str), SetAsideEntry>,
}

impl SetAside {
    /// Counts one row of `table` set aside for `reason`, found at 1-based `row` of
    /// the table's `file_index`-th file. The path and value are only built when this
    /// row becomes the entry's example.
    pub fn add(
        &mut self,
        table: Table,
        reason: &'static str,
        file_index: usize,
        file: &std::path::Path,
        row: u64,
        value: impl FnOnce() -> String,
    ) {
        self.record(false, table, reason, file_index, file, row, value)
    }

    /// Counts one row of `table` whose optional value was ignored for `reason`; the
    /// row itself was kept.
    pub fn ignore_value(
        &mut self,
        table: Table,
        reason: &'static str,
        file_index: usize,
        file: &std::path::Path,
        row: u64,
        value: impl FnOnce() -> String,
    ) {
        self.record(true, table, reason, file_index, file, row, value)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        row_kept: bool,
        table: Table,
        reason: &'static str,
        file_index: usize,
        file: &std::path::Path,
        row: u64,
        value: impl FnOnce() -> String,
    ) {
        let earlier = |e: &SetAsideEntry| (file_index, row) < (e.example.file_index, e.example.row);
        let at = || RowRef {
            file_index,
            file: file.to_path_buf(),
            row,
        };
        match self.entries.get_mut(&(table, reason)) {
            Some(e) => {
                e.rows += 1;
                if earlier(e) {
                    e.example = at();
                    e.example_value = value();
                }
            }
            None => {
                self.entries.insert(
                    (table, reason),
                    SetAsideEntry {
                        table,
                        reason,
                        row_kept,
                        rows: 1,
                        example: at(),
                        example_value: value(),
                    },
                );
            }
        }
    }

    pub fn merge(&mut self, other: SetAside) {
        for (key, e) in other.entries {
            match self.entries.get_mut(&key) {
                Some(mine) => {
                    mine.rows += e.rows;
                    if e.example < mine.example {
                        mine.example = e.example;
                        mine.example_value = e.example_value;
                    }
                }
                None => {
                    self.entries.insert(key, e);
                }
            }
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &SetAsideEntry> {
        self.entries.values()
    }

    /// Rows of `table` set aside (not counting rows kept with a value ignored).
    pub fn rows(&self, table: Table) -> u64 {
        self.entries
            .values()
            .filter(|e| e.table == table && !e.row_kept)
            .map(|e| e.rows)
            .sum()
    }

    pub fn rows_for(&self, table: Table, reason: &str) -> u64 {
        self.entries
            .values()
            .filter(|e| e.table == table && e.reason == reason)
            .map(|e| e.rows)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file_index: usize, row: u64) -> RowRef {
        RowRef {
            file_index,
            file: format!("f{file_index}").into(),
            row,
        }
    }

    fn add(s: &mut SetAside, table: Table, reason: &'static str, r: RowRef, v: &str) {
        s.add(table, reason, r.file_index, &r.file, r.row, || {
            v.to_string()
        });
    }

    #[test]
    fn merge_is_order_free() {
        let mut a = SetAside::default();
        add(&mut a, Table::Usage, "unknown account_id", at(1, 5), "x");
        let mut b = SetAside::default();
        add(&mut b, Table::Usage, "unknown account_id", at(0, 9), "y");
        add(&mut b, Table::Tickets, "null opened_at", at(0, 1), "");

        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        assert_eq!(ab, ba);
        assert_eq!(ab.rows(Table::Usage), 2);
        let e = ab.entries().find(|e| e.table == Table::Usage).unwrap();
        assert_eq!(e.example, at(0, 9));
        assert_eq!(e.example_value, "y");
    }
}
