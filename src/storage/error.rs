//! What can go wrong in storage, and when writing an output through it.

use std::io;
use std::path::PathBuf;

use super::Location;

/// A storage operation that failed, and the location it failed on (which need not be
/// the one asked for: a local write that cannot create its folder names the folder).
/// Callers turn it into their own message ("cannot read ...", "cannot write ...").
#[derive(Debug, thiserror::Error)]
#[error("{location}: {source}")]
pub struct StorageError {
    pub location: Location,
    pub source: io::Error,
}

impl StorageError {
    pub fn new(location: impl Into<Location>, source: io::Error) -> Self {
        StorageError {
            location: location.into(),
            source,
        }
    }
}

/// Why an output could not be written: storage failed, encoding the Parquet or CSV
/// failed, or another run holds the output folder's lock. Defined here, below every
/// module that writes, and re-exported as `output::OutputError`.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("cannot write {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write {}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("another churn run is writing to {} (lock {} is held); try again when it has finished", dir.display(), lock.display())]
    Locked { dir: PathBuf, lock: PathBuf },
}

impl From<StorageError> for OutputError {
    fn from(e: StorageError) -> Self {
        OutputError::Io {
            path: e.location.into_path(),
            source: e.source,
        }
    }
}
