//! The model stage: turns a raw feature matrix with churn labels into a versioned,
//! regularised logistic-regression model, and scores accounts with it.
//!
//! The stage is generic: it knows feature names and transforms, never what a feature
//! means, so it serves our own feature stage and a customer's warehouse table alike.
//!
//! # API
//!
//! ```text
//! Transform { Identity, Log1p }              log1p is ln(1 + max(x, 0))
//! FeatureSpec { name, transform }
//! TrainingSet { specs, x: Array2<f64>, y: Vec<bool>, group: Vec<u32> }
//!     x: rows x specs, NaN = missing, +-inf refused (error names feature and row)
//!     group: observation-date ordinal (0 = oldest) or any fold group
//! Validation { OutOfTime, KFold { folds, seed } }
//! TrainParams { alphas, solver, validation, max_iterations, tolerance_per_row,
//!               min_rows, warm_start_rows, selection_rows }         TrainParams::default()
//!
//! train(&TrainingSet, &TrainParams) -> Result<Trained, ModelError>
//! train_view(&TrainingView, &TrainParams)          the same on borrowed rows
//! kfold_assignment(&y, folds, seed) -> Vec<usize>   the fold of each row under KFold
//!     Trained { model: Fitted, selection, metrics, training, warnings }
//! ChurnModel::new(Trained, ModelMeta { created_at, as_of, horizon_days, extra })
//! ChurnModel::save(dir) -> path of models/<version>.json, updates models/latest
//! ChurnModel::load(path) / ChurnModel::load_latest(dir)
//! ChurnModel::check_features(&[String])            FeatureMismatch names the differences
//! ChurnModel::predict(x.view()) -> Vec<f64>         P(churn) per row
//! ChurnModel::explain(x.view()) -> Scored           P(churn) + per-feature contributions
//! fit_design(design.view(), &y, &FitConfig) -> FitResult   one fit, own design matrix
//! Solver { Lbfgs (default), LinfaLogistic }        same optimum, Lbfgs is faster
//! metrics::evaluate(&scores, &labels) -> Metrics    f64 AUC, AP, Brier, log loss, lift
//! ModelError::kind() -> ErrorKind { CannotTrain, InvalidData, FeatureMismatch, CorruptModel, Io }
//! ```
//!
//! The library never prints: everything worth telling comes back as [`ModelWarning`]s.

mod artefact;
mod error;
mod fit;
mod leak;
pub mod metrics;
mod objective;
mod score;
mod select;
mod transform;

#[cfg(test)]
mod tests;

pub use artefact::{ChurnModel, ModelMeta, FORMAT_VERSION, LATEST};
pub use error::{ErrorKind, ModelError, ModelWarning};
pub use fit::{fit as fit_design, gradient_norm, FitConfig, FitResult, Solver};
pub use metrics::{CalibrationBin, LiftDecile, Metrics};
pub use score::{Fitted, Scored};
pub use select::{
    kfold_assignment, train, train_view, GridPoint, GroupCount, Selection, Trained, TrainingCounts,
};
pub use transform::{ColumnStats, FeatureStep, Preprocessor};

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// How a raw feature value is transformed before imputation and scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    Identity,
    /// For skewed non-negative counts: ln(1 + max(x, 0)).
    Log1p,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub name: String,
    pub transform: Transform,
}

impl FeatureSpec {
    pub fn new(name: impl Into<String>, transform: Transform) -> Self {
        FeatureSpec {
            name: name.into(),
            transform,
        }
    }
}

/// Labelled rows to learn from.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    pub specs: Vec<FeatureSpec>,
    /// rows x specs.len(); NaN means missing.
    pub x: Array2<f64>,
    /// true = churned within the horizon.
    pub y: Vec<bool>,
    /// Fold or time group per row; for out-of-time validation the observation-date
    /// ordinal (0 = oldest).
    pub group: Vec<u32>,
}

/// Borrowed labelled rows, what training reads: a [`TrainingSet`]'s, or the
/// labelled rows of a larger matrix without copying them.
#[derive(Debug, Clone, Copy)]
pub struct TrainingView<'a> {
    pub specs: &'a [FeatureSpec],
    pub x: ArrayView2<'a, f64>,
    pub y: &'a [bool],
    pub group: &'a [u32],
    /// Day (since 1970-01-01) of each group ordinal when groups are dates; empty
    /// otherwise. Out-of-time validation then keeps a gap before the validation date.
    pub group_days: &'a [i32],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Validation {
    /// Train on every group but the latest, validate on the latest.
    OutOfTime,
    /// Stratified folds, shuffled with a fixed seed.
    KFold { folds: usize, seed: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    /// L2 grid. The objective is summed log loss + alpha/2 ||w||^2, so alpha = 1/C
    /// of scikit-learn.
    pub alphas: Vec<f64>,
    /// The L-BFGS implementation; both reach the same optimum.
    pub solver: Solver,
    pub validation: Validation,
    /// Cap on L-BFGS iterations per fit; hitting it is reported as a warning.
    pub max_iterations: u64,
    /// Gradient tolerance per training row. The solver stops on the norm of the
    /// *summed* gradient, so the absolute tolerance is this times the rows (1e-4 resembles
    /// scikit-learn's default stopping rule on its mean loss).
    pub tolerance_per_row: f64,
    /// Fewer rows than this (in total, or in a training part) refuse to train.
    pub min_rows: usize,
    /// Fits on more rows than this start from a fit on an evenly spaced subsample of
    /// this many rows (0 disables). Changes the starting point only, not the objective.
    pub warm_start_rows: usize,
    /// The alpha grid is fitted on an evenly spaced subsample of at most this many
    /// training rows per split (0 = every row). The chosen alpha is then refitted on
    /// the split's every training row for the validation metrics, so only the choice
    /// of alpha sees fewer rows. On large books the choice between alphas hardly
    /// depends on the rows (their validation log losses differ in the fifth digit)
    /// while each full fit costs seconds.
    pub selection_rows: usize,
    /// Out-of-time validation trains only on groups dated at least this many days
    /// before the validation date (the label horizon), when the groups' days are known.
    pub validation_gap_days: u32,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            alphas: vec![0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0],
            solver: Solver::default(),
            validation: Validation::OutOfTime,
            max_iterations: 500,
            tolerance_per_row: 1e-4,
            min_rows: 50,
            warm_start_rows: 20_000,
            selection_rows: 200_000,
            validation_gap_days: 0,
        }
    }
}

impl crate::settings::Check for TrainParams {
    fn check(&self) -> Result<(), crate::settings::SettingsError> {
        use crate::settings::{finite_at_least, in_range, SettingsError};
        if self.alphas.is_empty() {
            return Err(SettingsError::Missing {
                setting: "alphas",
                reason: "the alpha grid needs at least one value",
            });
        }
        for &a in &self.alphas {
            finite_at_least("alphas", a, 0.0)?;
        }
        in_range("max_iterations", self.max_iterations, 1, 1_000_000)?;
        if !(self.tolerance_per_row.is_finite() && self.tolerance_per_row > 0.0) {
            return Err(SettingsError::out_of_range(
                "tolerance_per_row",
                "a positive number",
                self.tolerance_per_row,
            ));
        }
        Ok(())
    }
}

impl TrainParams {
    /// The same rules as the settings check, as the fit's own guard.
    fn check_fit(&self) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::CannotTrain(m));
        if self.alphas.is_empty() {
            return bad("the alpha grid is empty".into());
        }
        if let Some(a) = self.alphas.iter().find(|a| !a.is_finite() || **a < 0.0) {
            return bad(format!("alpha {a} is not a finite non-negative number"));
        }
        if self.max_iterations == 0 {
            return bad("max_iterations must be at least 1".into());
        }
        if !(self.tolerance_per_row.is_finite() && self.tolerance_per_row > 0.0) {
            return bad(format!(
                "tolerance_per_row {} must be a positive number",
                self.tolerance_per_row
            ));
        }
        if let Validation::KFold { folds, .. } = self.validation {
            if folds < 2 {
                return bad(format!(
                    "k-fold validation needs at least 2 folds, got {folds}"
                ));
            }
        }
        Ok(())
    }
}

impl TrainingSet {
    pub fn view(&self) -> TrainingView<'_> {
        TrainingView {
            specs: &self.specs,
            x: self.x.view(),
            y: &self.y,
            group: &self.group,
            group_days: &[],
        }
    }
}

impl TrainingView<'_> {
    /// Shapes agree, names are usable, and no value is infinite.
    fn check(&self) -> Result<(), ModelError> {
        let (rows, cols) = self.x.dim();
        if cols != self.specs.len() {
            return Err(ModelError::InvalidData(format!(
                "the matrix has {cols} columns but {} features are specified",
                self.specs.len()
            )));
        }
        if self.y.len() != rows || self.group.len() != rows {
            return Err(ModelError::InvalidData(format!(
                "the matrix has {rows} rows but there are {} labels and {} groups",
                self.y.len(),
                self.group.len()
            )));
        }
        transform::check_names(self.specs)?;
        transform::check_finite(self.specs, self.x)
    }
}
