//! The job's error at the command-line boundary: each stage's error, and the exit
//! code a scheduler sees for it.

use crate::byo::ByoError;
use crate::generate::GenerateError;
use crate::ingest::IngestError;
use crate::model::{ErrorKind, ModelError};
use crate::output::OutputError;

/// Exit codes, documented in the README. 101 (a panic) is always a bug.
pub mod exit {
    pub const OK: i32 = 0;
    /// Bad command line (clap's own code).
    pub const USAGE: i32 = 2;
    /// Input data breaks the contract or cannot be used.
    pub const DATA: i32 = 3;
    /// The model cannot be trained, loaded, or fails a quality gate.
    pub const MODEL: i32 = 4;
    /// Reading or writing files failed (permissions, disk full...).
    pub const IO: i32 = 5;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error("cannot render the report: {0}")]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    Byo(#[from] ByoError),
    #[error("{0}")]
    Usage(String),
    #[error("quality gate: not publishing this run: {0} (rerun with --force to publish anyway)")]
    QualityGate(String),
    #[error("input data is not usable: {0}")]
    Unusable(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Ingest(e) if e.is_io() => exit::IO,
            Error::Ingest(_) | Error::Unusable(_) => exit::DATA,
            Error::Model(e) if e.kind() == ErrorKind::Io => exit::IO,
            Error::Model(e) if e.kind() == ErrorKind::InvalidData => exit::DATA,
            Error::Model(_) => exit::MODEL,
            Error::Output(_) => exit::IO,
            Error::Generate(GenerateError::InvalidConfig(_)) => exit::USAGE,
            Error::Generate(_) => exit::IO,
            Error::Byo(e) if e.is_io() => exit::IO,
            Error::Byo(e) if e.is_model() => exit::MODEL,
            Error::Byo(_) => exit::DATA,
            Error::Usage(_) => exit::USAGE,
            Error::Report(_) => exit::IO,
            Error::QualityGate(_) => exit::MODEL,
            Error::Io { .. } => exit::IO,
        }
    }
}
