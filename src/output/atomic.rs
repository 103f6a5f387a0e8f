//! Writing files so that readers never see a half-written one (through storage: on
//! the local file system, a temporary sibling flushed, then renamed into place).

use std::path::Path;

use arrow::record_batch::RecordBatch;

use super::OutputError;
use crate::storage::{self, Location};

/// Writes one batch as a Parquet file at `path`, atomically.
pub fn write_parquet_atomic(
    path: &Path,
    batch: &RecordBatch,
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    storage::write_parquet(&Location::from(path), batch, metadata)
}

/// Writes bytes to `path`, atomically.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let loc = Location::from(path);
    Ok(storage::for_location(&loc).put(&loc, bytes)?)
}
