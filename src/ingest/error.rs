use std::path::PathBuf;

use crate::contract::Table;

/// Why the input tables cannot be used. Each message names the table and file, and
/// the column, row or value where there is one.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("input folder {} does not exist or is not a folder", dir.display())]
    NoInputDir { dir: PathBuf },

    #[error("table `{table}` is missing: expected {0}/{table}.parquet or a folder {0}/{table}/ of .parquet files", dir.display())]
    MissingTable { table: Table, dir: PathBuf },

    #[error("table `{table}` is given twice: both {} and {} exist; keep one", file.display(), folder.display())]
    AmbiguousTable {
        table: Table,
        file: PathBuf,
        folder: PathBuf,
    },

    #[error("table `{table}`: folder {} holds no .parquet files", dir.display())]
    EmptyFolder { table: Table, dir: PathBuf },

    #[error("table `{table}`: {} is not a readable Parquet file: {reason}", file.display())]
    NotParquet {
        table: Table,
        file: PathBuf,
        reason: String,
    },

    #[error("table `{table}`: {} has no column `{column}`, which the data contract requires", file.display())]
    MissingColumn {
        table: Table,
        file: PathBuf,
        column: &'static str,
    },

    #[error("table `{table}`: column `{column}` in {} is {found}, expected {expected}", file.display())]
    WrongType {
        table: Table,
        file: PathBuf,
        column: &'static str,
        expected: &'static str,
        found: String,
    },

    #[error("table `{table}`: reading {} failed in row group {row_group}: {reason}", file.display())]
    Read {
        table: Table,
        file: PathBuf,
        row_group: usize,
        reason: String,
    },

    #[error("table `accounts`: account_id `{id}` appears more than once ({first} and {second}); account_id must be unique")]
    DuplicateAccount {
        id: String,
        first: String,
        second: String,
    },

    #[error("table `accounts` has no usable rows ({rows} read, {set_aside} set aside); nothing can be scored")]
    NoAccounts { rows: u64, set_aside: u64 },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl IngestError {
    /// True for failures of the machine (permissions, disk), false for problems in the data.
    pub fn is_io(&self) -> bool {
        matches!(self, IngestError::Io { .. })
    }
}
