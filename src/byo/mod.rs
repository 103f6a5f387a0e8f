//! Bring your own features: train and score from a customer's own feature table (one
//! row per customer, or per customer and date; CSV or Parquet) instead of our feature
//! stage. The model stage, risk tiers, playbook and outputs are the same as the
//! nightly job's.
//!
//! ```text
//! train(&TrainSettings) -> TrainOutcome     read, encode, validate, fit, save the model
//! score::prepare(...) -> Prepared           rebuild the same columns for scoring (the run is `pipeline`'s)
//! ```
//!
//! The model file carries everything scoring needs to rebuild the columns (which
//! columns are numeric and which log1p-transformed, the one-hot categories, the id
//! and date columns) as JSON under the metadata key [`SPEC_KEY`]. See
//! docs/bring-your-own-features.md.

pub mod encode;
mod error;
pub mod score;
pub mod table;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use encode::{ColumnSpec, EncoderSpec, LabelSpec, Unseen};
pub use error::ByoError;
pub use table::Table;

use crate::model::{self, ChurnModel, ModelMeta, TrainParams, TrainingSet, Validation};
use crate::settings::{Check, Checked, SettingsError};

/// Metadata key of the JSON-encoded [`EncoderSpec`].
pub const SPEC_KEY: &str = "byo.encoder";
/// Metadata key of the k-fold assignment: one base-36 digit (the 0-based fold) per
/// training row, in file order (rows with a blank label left out).
pub const FOLDS_KEY: &str = "byo.folds";
/// Metadata key of the feature table's file name.
pub const FILE_KEY: &str = "byo.features_file";

pub const DEFAULT_FOLDS: usize = 5;
/// Most folds `--folds` accepts (one base-36 digit per row in the model file).
pub const MAX_FOLDS: usize = 36;
/// The fixed seed of the stratified folds.
pub const FOLD_SEED: u64 = 42;
pub const DEFAULT_MAX_CATEGORIES: usize = 100;

/// Everything `churn train --features` needs, validated by the command line.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    pub features: PathBuf,
    pub label: String,
    /// Kept out of the features; without it rows are named `row-N`.
    pub id: Option<String>,
    /// Out-of-time validation on the latest date when given, else stratified k-fold.
    pub date: Option<String>,
    pub exclude: Vec<String>,
    /// k of k-fold validation (default [`DEFAULT_FOLDS`]); refused with `date`.
    pub folds: Option<usize>,
    pub max_categories: usize,
    /// The model's as-of date; default the latest date (with `date`), else today.
    pub as_of: Option<NaiveDate>,
    /// The horizon the label describes, in days (kept in the model and the outputs).
    pub horizon_days: u32,
    pub models_dir: PathBuf,
    /// Alpha grid, iteration cap...; the validation scheme is set from `date`/`folds`.
    pub params: TrainParams,
}

/// What training read and produced.
pub struct TrainOutcome {
    pub model: ChurnModel,
    pub path: PathBuf,
    pub spec: EncoderSpec,
    pub rows_read: usize,
    /// Rows left out of training because their label is blank.
    pub rows_without_label: usize,
    /// The training dates (oldest first) with `--date`.
    pub dates: Vec<NaiveDate>,
    pub warnings: Vec<String>,
}

/// Checks that no column is named for two roles and every named column exists.
fn check_roles(table: &Table, s: &TrainSettings) -> Result<(), ByoError> {
    let mut roles: Vec<(&str, &'static str)> = vec![(s.label.as_str(), "label")];
    roles.extend(s.id.as_deref().map(|c| (c, "id")));
    roles.extend(s.date.as_deref().map(|c| (c, "date")));
    roles.extend(s.exclude.iter().map(|c| (c.as_str(), "excluded")));
    for (i, (col, role)) in roles.iter().enumerate() {
        table.require(col, role)?;
        if let Some((_, first)) = roles[..i].iter().find(|(c, _)| c == col) {
            return Err(ByoError::RoleClash {
                path: table.path.clone(),
                column: col.to_string(),
                first,
                second: role,
            });
        }
    }
    Ok(())
}

impl Check for TrainSettings {
    fn check(&self) -> Result<(), SettingsError> {
        if self.date.is_some() && self.folds.is_some() {
            return Err(SettingsError::Conflict {
                first: "folds",
                second: "date",
                reason: "folds sets k-fold validation; with a date column validation is out of time (the latest date held out), so give one or the other",
            });
        }
        if let Some(folds) = self.folds {
            crate::settings::in_range("folds", folds, 2, MAX_FOLDS)?;
        }
        crate::settings::in_range("max_categories", self.max_categories, 1, usize::MAX)?;
        self.params.check()
    }
}

impl TrainSettings {
    /// Out of time with a date column, else stratified k-fold.
    fn validation(&self) -> Validation {
        match self.date {
            Some(_) => Validation::OutOfTime,
            None => Validation::KFold {
                folds: self.folds.unwrap_or(DEFAULT_FOLDS),
                seed: FOLD_SEED,
            },
        }
    }
}

/// Trains a model from a feature table and saves it under the models folder.
pub fn train(s: &Checked<TrainSettings>) -> Result<TrainOutcome, ByoError> {
    let validation = s.validation();
    let table = Table::read(&s.features)?;
    check_roles(&table, s)?;
    let (labels, label) = encode::labels(&table, &s.label)?;
    let rows: Vec<usize> = (0..table.rows).filter(|&r| labels[r].is_some()).collect();
    let y: Vec<bool> = rows.iter().map(|&r| labels[r] == Some(true)).collect();
    let rows_without_label = table.rows - rows.len();
    // Fails early on an empty id cell, before any work.
    encode::ids(&table, s.id.as_deref(), &rows)?;

    let not_features: Vec<&str> = [Some(s.label.as_str()), s.id.as_deref(), s.date.as_deref()]
        .into_iter()
        .flatten()
        .chain(s.exclude.iter().map(String::as_str))
        .collect();
    let columns = table
        .names
        .iter()
        .enumerate()
        .filter(|(_, n)| !not_features.contains(&n.as_str()))
        .map(|(j, _)| encode::learn_column(&table, j, &rows, s.max_categories))
        .collect::<Result<Vec<_>, _>>()?;
    if columns.is_empty() {
        return Err(ByoError::NoFeatureColumns {
            path: table.path.clone(),
        });
    }
    let spec = EncoderSpec {
        label,
        id: s.id.clone(),
        date: s.date.clone(),
        excluded: s.exclude.clone(),
        columns,
    };
    let enc = encode::encode(&spec, &table, &rows)?;

    let (group, dates) = match &s.date {
        Some(col) => {
            let days = encode::days(&table, col, &rows)?;
            let mut distinct = days.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let group = days
                .iter()
                .map(|d| distinct.binary_search(d).expect("a listed day") as u32)
                .collect();
            let dates = distinct.into_iter().map(crate::time::day_to_date).collect();
            (group, dates)
        }
        None => (vec![0; rows.len()], Vec::new()),
    };
    let set = TrainingSet {
        specs: enc.features,
        x: enc.x,
        y,
        group,
    };
    let params = TrainParams {
        validation,
        validation_gap_days: s.horizon_days,
        ..s.params.clone()
    };
    // With a date column, validation trains on dates a horizon or more before the
    // latest (labels cover the horizon after their date).
    let group_days: Vec<i32> = dates.iter().map(|&d| crate::time::date_to_day(d)).collect();
    let view = model::TrainingView {
        group_days: &group_days,
        ..set.view()
    };
    let trained = model::train_view(&view, &params)?;
    let mut warnings: Vec<String> = trained.warnings.iter().map(|w| w.to_string()).collect();
    if rows_without_label > 0 {
        warnings.insert(
            0,
            format!(
                "{rows_without_label} of {} rows have a blank label (`{}`) and were left out of training",
                table.rows, s.label
            ),
        );
    }

    let mut extra = BTreeMap::new();
    // The training distribution, for the quality gate's drift check at scoring.
    let names: Vec<String> = set.specs.iter().map(|f| f.name.clone()).collect();
    let (key, reference) = crate::quality::Reference::of(set.x.view(), &names).to_metadata();
    extra.insert(key, reference);
    extra.insert(SPEC_KEY.to_string(), spec.to_json());
    extra.insert(FILE_KEY.to_string(), file_name(&s.features));
    if let Validation::KFold { folds, seed } = validation {
        let digits: String = model::kfold_assignment(&set.y, folds, seed)
            .into_iter()
            .map(|k| char::from_digit(k as u32, 36).expect("at most 36 folds"))
            .collect();
        extra.insert(FOLDS_KEY.to_string(), digits);
    }
    let as_of = s
        .as_of
        .or_else(|| dates.last().copied())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let meta = ModelMeta {
        created_at: chrono::Utc::now(),
        as_of,
        horizon_days: s.horizon_days,
        extra,
    };
    let model = ChurnModel::new(trained, meta)?;
    let path = model.save(&s.models_dir)?;
    Ok(TrainOutcome {
        model,
        path,
        spec,
        rows_read: table.rows,
        rows_without_label,
        dates,
        warnings,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The feature-table description a model carries, if it was trained from one.
pub fn spec_of(model: &ChurnModel, path: &Path) -> Result<EncoderSpec, ByoError> {
    let json = model
        .metadata
        .get(SPEC_KEY)
        .ok_or_else(|| ByoError::NotAFeatureTableModel {
            path: path.to_path_buf(),
            key: SPEC_KEY,
        })?;
    serde_json::from_str(json).map_err(|e| ByoError::BadEncoderSpec {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// A plain-text summary of a model trained from a feature table, for the terminal.
pub fn describe(o: &TrainOutcome) -> String {
    use std::fmt::Write;
    let m = &o.model;
    let v = &m.validation_metrics;
    let mut s = String::new();
    let _ = writeln!(s, "Model {} (as of {})", m.model_version, m.as_of);
    let _ = writeln!(
        s,
        "Training rows: {} ({} churned, base rate {:.1}%) from {}",
        m.training.rows,
        m.training.positives,
        100.0 * m.training.positives as f64 / m.training.rows.max(1) as f64,
        m.metadata.get(FILE_KEY).map_or("", String::as_str)
    );
    let numeric: Vec<&ColumnSpec> = o
        .spec
        .columns
        .iter()
        .filter(|c| matches!(c, ColumnSpec::Numeric { .. }))
        .collect();
    let logged: Vec<String> = numeric
        .iter()
        .filter(|c| matches!(c, ColumnSpec::Numeric { log1p: true, .. }))
        .map(|c| format!("`{}`", c.name()))
        .collect();
    let categorical = o.spec.columns.len() - numeric.len();
    let _ = writeln!(
        s,
        "Columns: {} numeric ({} log1p{}{}), {} categorical; {} model features",
        numeric.len(),
        logged.len(),
        if logged.is_empty() { "" } else { ": " },
        logged.join(", "),
        categorical,
        m.model.features.len()
    );
    s.push_str(&m.selection.summary());
    let scheme = match m.selection.validation {
        Validation::KFold { folds, seed } => {
            format!("Stratified {folds}-fold cross-validation (seed {seed}), pooled out-of-fold predictions")
        }
        Validation::OutOfTime => format!(
            "Out-of-time validation on {}",
            o.dates.last().map(|d| d.to_string()).unwrap_or_default()
        ),
    };
    let _ = writeln!(
        s,
        "{scheme} ({} rows, base rate {:.1}%):",
        v.rows,
        100.0 * v.base_rate
    );
    let _ = writeln!(
        s,
        "  ROC AUC {:.4}   PR AUC {:.4}   Brier {:.4}   log loss {:.4}   top-decile lift {:.2}",
        v.roc_auc, v.pr_auc, v.brier, v.log_loss, v.top_decile_lift
    );
    s
}
