//! Reading a table's row groups in parallel into per-chunk parts, returned in chunk
//! order so that concatenating them gives the same result for any thread count.

use std::path::Path;

use arrow::array::ArrayRef;
use arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use super::dictionary::AccountIds;
use super::source::{Chunk, TableSource};
use super::IngestError;
use crate::contract::Table;

/// Where a batch came from, for messages and set-aside examples.
pub struct BatchCtx<'a> {
    pub table: Table,
    pub file_index: usize,
    pub path: &'a Path,
    pub row_group: usize,
    /// 0-based file row of the batch's first row.
    pub first_row: u64,
}

impl BatchCtx<'_> {
    /// 1-based file row of the batch's `i`-th row.
    pub fn row(&self, i: usize) -> u64 {
        self.first_row + i as u64 + 1
    }

    /// An error decoding `column` of this batch.
    pub fn column_error(&self, column: &str, reason: String) -> IngestError {
        IngestError::Read {
            table: self.table,
            file: self.path.to_path_buf(),
            row_group: self.row_group,
            reason: format!("column `{column}`: {reason}"),
        }
    }

    /// Applies a column conversion, naming the column if it fails.
    pub fn convert<T>(
        &self,
        batch: &RecordBatch,
        column: &str,
        f: impl Fn(&ArrayRef) -> Result<T, String>,
    ) -> Result<Option<T>, IngestError> {
        match batch.column_by_name(column) {
            None => Ok(None),
            Some(a) => f(a).map(Some).map_err(|e| self.column_error(column, e)),
        }
    }
}

/// Set-aside reasons for a required instant column.
pub struct InstantReasons {
    pub null: &'static str,
    pub before_1990: &'static str,
    pub future: &'static str,
}

/// The checks every event row (ticket, survey answer) shares: a known account and a
/// usable instant. Returns the account index and instant, or why to set the row aside
/// with the offending value.
pub fn event_key(
    ids: &AccountIds,
    at: &arrow::array::Int64Array,
    i: usize,
    reasons: &InstantReasons,
    not_after: i64,
) -> Result<(u32, i64), (&'static str, String)> {
    use arrow::array::Array;
    let account = ids.account(i)?;
    if at.is_null(i) {
        return Err((reasons.null, ids.show(i)));
    }
    let when = at.value(i);
    match super::columns::instant_problem(when, not_after) {
        None => Ok((account, when)),
        Some(why) => {
            let reason = if why.starts_with("before") {
                reasons.before_1990
            } else {
                reasons.future
            };
            Err((reason, crate::time::format_micros(when)))
        }
    }
}

impl TableSource {
    /// Reads every chunk in parallel with `fill`, each into its own part.
    pub fn read_parts<P: Default + Send>(
        &self,
        fill: impl Fn(&mut P, &RecordBatch, &BatchCtx) -> Result<(), IngestError> + Sync,
    ) -> Result<Vec<P>, IngestError> {
        let results: Vec<Result<P, IngestError>> = self
            .chunks()
            .into_par_iter()
            .map(|c: Chunk| {
                let mut part = P::default();
                let path = &self.files[c.file].path;
                self.read_chunk(c, |batch, first_row| {
                    let ctx = BatchCtx {
                        table: self.table,
                        file_index: c.file,
                        path,
                        row_group: c.row_group,
                        first_row,
                    };
                    fill(&mut part, batch, &ctx)
                })?;
                Ok(part)
            })
            .collect();
        // The first failing chunk in file order, so the message does not depend on scheduling.
        results.into_iter().collect()
    }
}
