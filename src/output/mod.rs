//! Everything the job writes: the per-account risk table (Parquet and CSV), the run
//! manifest, and the run folder that makes them appear together or not at all.

mod atomic;
pub mod columns;
#[cfg(test)]
mod fixture;
pub mod manifest;
pub mod risk_table;
pub mod run_folder;

pub use atomic::{write_bytes_atomic, write_parquet_atomic};
pub use run_folder::{OutputLock, RunFolder};
// Defined in storage, which the feature export also writes through.
pub use crate::storage::{writer_properties, OutputError};
