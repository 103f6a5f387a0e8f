use std::path::PathBuf;

use crate::error::ErrorKind;

/// Why a feature table cannot be used. Every message names the file, and the column,
/// row (for CSV, the line) and value where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ByoError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{} is not a readable {format} file: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        format: &'static str,
        reason: String,
    },

    #[error("{} has no data rows", path.display())]
    NoRows { path: PathBuf },

    #[error("{}: column `{column}` appears more than once in the header", path.display())]
    DuplicateColumn { path: PathBuf, column: String },

    #[error("{} has no {role} column `{column}` (columns: {available})", path.display())]
    MissingColumn {
        path: PathBuf,
        /// "label", "id", "date", "excluded", "feature", "NPS".
        role: &'static str,
        column: String,
        available: String,
    },

    #[error("{}: column `{column}` is named for two roles ({first} and {second})", path.display())]
    RoleClash {
        path: PathBuf,
        column: String,
        first: &'static str,
        second: &'static str,
    },

    #[error("{}: label column `{column}` has {} distinct values ({}); it must have two: churned and not churned", path.display(), values.len(), values.join(", "))]
    LabelValues {
        path: PathBuf,
        column: String,
        values: Vec<String>,
    },

    #[error("{}: label column `{column}`: cannot tell which of {} means churned; use 1/0, true/false, yes/no or churned/not churned", path.display(), values.join(" and "))]
    LabelUnrecognised {
        path: PathBuf,
        column: String,
        values: Vec<String>,
    },

    #[error("{}: label column `{column}` is empty in every row", path.display())]
    LabelEmpty { path: PathBuf, column: String },

    #[error("{}: feature column `{column}` is empty in every {}row; leave it out (setting `exclude`)", path.display(), if *.training { "training " } else { "" })]
    EmptyColumn {
        path: PathBuf,
        column: String,
        training: bool,
    },

    #[error("{}: column `{column}` has type {found}, which cannot be a {role}{hint}", path.display())]
    UnsupportedType {
        path: PathBuf,
        column: String,
        role: &'static str,
        found: String,
        hint: &'static str,
    },

    #[error("{}: text column `{column}` has {distinct} distinct values, more than max_categories {max}{detail}; leave it out (setting `exclude`) or raise the limit", path.display())]
    TooManyCategories {
        path: PathBuf,
        column: String,
        distinct: usize,
        max: usize,
        /// Extra words, e.g. where a mostly numeric column has text in it.
        detail: String,
    },

    #[error("{}: column `{column}`, {at}: {problem} (value `{value}`)", path.display())]
    BadValue {
        path: PathBuf,
        column: String,
        /// "line 12" (CSV, header is line 1) or "row 11" (Parquet, 1-based).
        at: String,
        value: String,
        problem: String,
    },

    #[error("{}: id `{id}` appears more than once ({first} and {second}); ids must be unique among the rows scored", path.display())]
    DuplicateId {
        path: PathBuf,
        id: String,
        first: String,
        second: String,
    },

    #[error("{}: no row has date {date} in date column `{column}`", path.display())]
    NoRowsOnDate {
        path: PathBuf,
        column: String,
        date: chrono::NaiveDate,
    },

    #[error("model file {} was not trained from a feature table (no `{key}` entry in its metadata); score it with `churn score --data DIR`", path.display())]
    NotAFeatureTableModel { path: PathBuf, key: &'static str },

    #[error("model file {}: its feature-table description cannot be read: {reason}", path.display())]
    BadEncoderSpec { path: PathBuf, reason: String },

    #[error("{} has no feature column left once the label, id, date and excluded columns are set aside", path.display())]
    NoFeatureColumns { path: PathBuf },

    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

impl ByoError {
    /// True for failures of the machine (missing file, permissions), false for
    /// problems in the data.
    pub fn is_io(&self) -> bool {
        matches!(self, ByoError::Io { .. })
    }

    /// True when the model file, not the data, is the problem.
    pub fn is_model(&self) -> bool {
        matches!(
            self,
            ByoError::NotAFeatureTableModel { .. } | ByoError::BadEncoderSpec { .. }
        )
    }

    pub fn kind(&self) -> ErrorKind {
        use crate::model::ErrorKind as M;
        match self {
            ByoError::Io { .. } => ErrorKind::Io,
            ByoError::Model(e) => match e.kind() {
                M::Io => ErrorKind::Io,
                M::InvalidData => ErrorKind::Data,
                _ => ErrorKind::Model,
            },
            e if e.is_model() => ErrorKind::Model,
            _ => ErrorKind::Data,
        }
    }
}
