//! Everything the job writes: the per-account risk table (Parquet and CSV), the run
//! manifest, and the run folder that makes them appear together or not at all.

mod atomic;
pub mod columns;
#[cfg(test)]
mod fixture;
pub mod manifest;
pub mod risk_table;
pub mod run_folder;

pub use atomic::{temp_sibling, write_bytes_atomic, write_parquet_atomic, writer_properties};
pub use run_folder::{OutputLock, RunFolder};

use std::path::PathBuf;

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
