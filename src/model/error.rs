//! Errors and warnings of the model stage.

use std::path::PathBuf;

/// What the binary needs to pick an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The data cannot train a model (no churners, too few rows, bad parameters).
    CannotTrain,
    /// Input values the model refuses (infinite values, wrong shape).
    InvalidData,
    /// A model's feature list does not match the data's.
    FeatureMismatch,
    /// A model file exists but cannot be used.
    CorruptModel,
    /// Reading or writing a file failed.
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot train a model: {0}")]
    CannotTrain(String),

    #[error("feature '{feature}' has an infinite value in row {row}")]
    NonFinite { feature: String, row: usize },

    #[error("invalid input: {0}")]
    InvalidData(String),

    #[error("the model's features do not match the data: {}", describe_mismatch(.missing, .unexpected, *.order_differs))]
    FeatureMismatch {
        /// Features the model needs that the data lacks.
        missing: Vec<String>,
        /// Features in the data that the model does not know.
        unexpected: Vec<String>,
        /// Same names, different column order.
        order_differs: bool,
    },

    #[error("model file {path} is unusable: {reason}")]
    CorruptModel { path: PathBuf, reason: String },

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ModelError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ModelError::CannotTrain(_) => ErrorKind::CannotTrain,
            ModelError::NonFinite { .. } | ModelError::InvalidData(_) => ErrorKind::InvalidData,
            ModelError::FeatureMismatch { .. } => ErrorKind::FeatureMismatch,
            ModelError::CorruptModel { .. } => ErrorKind::CorruptModel,
            ModelError::Io { .. } => ErrorKind::Io,
        }
    }

    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        ModelError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn corrupt(path: &std::path::Path, reason: impl Into<String>) -> Self {
        ModelError::CorruptModel {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

fn describe_mismatch(missing: &[String], unexpected: &[String], order_differs: bool) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing from the data: {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        parts.push(format!("not known to the model: {}", unexpected.join(", ")));
    }
    if order_differs {
        parts.push("the same features in a different column order".to_string());
    }
    parts.join("; ")
}

/// Something the caller should surface (manifest, log) but that does not stop the job.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelWarning {
    /// The solver stopped before its gradient reached the tolerance (iteration cap or
    /// line-search stop); the coefficients may be less accurate than asked for.
    NotConverged {
        stage: String,
        alpha: f64,
        max_iterations: u64,
        gradient_norm: f64,
        tolerance: f64,
    },
    /// A column had no spread in the training rows; it gets sd 1 and carries no signal.
    ConstantColumn { column: String },
    /// Negative values met by a log1p transform were treated as 0.
    NegativeClamped { feature: String, rows: usize },
    /// A feature with no value at all in the training rows.
    AllMissing { feature: String },
    /// Missing values at scoring time in a feature that had none in training: they get
    /// the training median and so contribute nothing distinctive.
    UnseenMissing { feature: String, rows: usize },
    /// The chosen alpha is the grid's smallest or largest and beat its neighbour: the
    /// best value may lie beyond the grid.
    AlphaAtGridEdge { alpha: f64, largest: bool },
    /// A feature whose values alone nearly separate churned from retained training
    /// rows: most likely recorded after the churn (see `leak.rs`).
    SuspectedLeak { feature: String, roc_auc: f64 },
}

impl std::fmt::Display for ModelWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelWarning::NotConverged {
                stage,
                alpha,
                max_iterations,
                gradient_norm,
                tolerance,
            } => write!(
                f,
                "{stage}, alpha {alpha}: the solver stopped (cap {max_iterations} iterations) with gradient norm {gradient_norm:.3e} above the tolerance {tolerance:.3e}"
            ),
            ModelWarning::ConstantColumn { column } => {
                write!(f, "column '{column}' is constant in the training rows")
            }
            ModelWarning::NegativeClamped { feature, rows } => write!(
                f,
                "feature '{feature}': {rows} negative values treated as 0 by log1p"
            ),
            ModelWarning::AllMissing { feature } => {
                write!(f, "feature '{feature}' has no value in the training rows")
            }
            ModelWarning::UnseenMissing { feature, rows } => write!(
                f,
                "feature '{feature}': {rows} missing values at scoring time, none in training; imputed the training median"
            ),
            ModelWarning::AlphaAtGridEdge { alpha, largest } => write!(
                f,
                "the chosen alpha {alpha} is the {} of the grid; a {} value may validate better (setting alphas)",
                if *largest { "largest" } else { "smallest" },
                if *largest { "larger" } else { "smaller" }
            ),
            ModelWarning::SuspectedLeak { feature, roc_auc } => write!(
                f,
                "feature '{feature}' alone separates churned from retained training rows (ROC AUC {roc_auc:.3}, missing values ranked lowest): a signal this strong is usually recorded after the churn (a value reset or blanked when the account left, a status or reason column), which inflates the validation figures and fails on live accounts; check how the input records it"
            ),
        }
    }
}
