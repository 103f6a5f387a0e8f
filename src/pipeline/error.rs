//! The job's error: each stage's own error, chained with `#[from]`.

use crate::byo::ByoError;
use crate::error::ErrorKind;
use crate::ingest::IngestError;
use crate::model::{self, ModelError};
use crate::output::OutputError;
use crate::report::ReportError;
use crate::settings::SettingsError;

use super::as_of::AsOfError;
use super::model_checks::ModelCheckError;

/// The quality gate's refusal: the run is not published.
#[derive(Debug, Clone, thiserror::Error)]
#[error("quality gate: not publishing this run: {}", failures.join("; "))]
pub struct GateRefusal {
    pub failures: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    AsOf(#[from] AsOfError),
    #[error(transparent)]
    Plan(#[from] crate::features::PlanError),
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A saved model that does not fit the run: trained after the scored date, or on
    /// another data contract.
    #[error(transparent)]
    ModelCheck(#[from] ModelCheckError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot render the report: {0}")]
    Report(#[from] ReportError),
    #[error(transparent)]
    Byo(#[from] ByoError),
    #[error(transparent)]
    QualityGate(#[from] GateRefusal),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Settings(_) => ErrorKind::Usage,
            Error::Ingest(e) if e.is_io() => ErrorKind::Io,
            Error::Ingest(_) => ErrorKind::Data,
            Error::AsOf(AsOfError::Ingest(e)) if e.is_io() => ErrorKind::Io,
            Error::AsOf(AsOfError::Ingest(_) | AsOfError::NoInstant) => ErrorKind::Data,
            Error::AsOf(_) => ErrorKind::Usage,
            Error::Plan(crate::features::PlanError::Settings(_)) => ErrorKind::Usage,
            Error::Plan(_) => ErrorKind::Data,
            Error::Model(e) => match e.kind() {
                model::ErrorKind::Io => ErrorKind::Io,
                model::ErrorKind::InvalidData => ErrorKind::Data,
                _ => ErrorKind::Model,
            },
            Error::ModelCheck(_) => ErrorKind::Model,
            Error::Output(_) | Error::Report(_) => ErrorKind::Io,
            Error::Byo(e) => e.kind(),
            Error::QualityGate(_) => ErrorKind::Model,
        }
    }
}
