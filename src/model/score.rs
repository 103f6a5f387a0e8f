//! Scoring: P(churn) and per-feature contributions from the fitted preprocessing and
//! coefficients. Needs no linfa type, so a model file is all a scoring run needs.

use super::fit::sigmoid;
use super::transform::Preprocessor;
use super::{FeatureSpec, ModelError, ModelWarning};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per scoring task; each task is independent, so the thread count cannot change
/// a result.
const CHUNK: usize = 8192;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// Design column: a feature name or `<feature>__missing`.
    pub column: String,
    /// On the standardised column, oriented so that positive raises P(churn).
    pub value: f64,
}

/// The part of a model that scores: P(churn) = sigmoid(intercept + z.coef), z the
/// standardised design row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    pub features: Vec<FeatureSpec>,
    pub preprocessor: Preprocessor,
    pub intercept: f64,
    pub coefficients: Vec<Coefficient>,
}

/// Probabilities with the reasons behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub probabilities: Vec<f64>,
    /// rows x features: coefficient x standardised value, a feature's missing indicator
    /// folded into the feature. intercept + row sum = the logit.
    pub contributions: Array2<f64>,
    pub feature_names: Vec<String>,
    pub warnings: Vec<ModelWarning>,
}

impl Scored {
    /// The `k` features pushing row `row` towards churn the most (largest positive
    /// contributions first), as (feature index, contribution).
    pub fn top_drivers(&self, row: usize, k: usize) -> Vec<(usize, f64)> {
        let mut c: Vec<(usize, f64)> = self
            .contributions
            .row(row)
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, v)| *v > 0.0)
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        c.truncate(k);
        c
    }
}

impl Fitted {
    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name.clone()).collect()
    }

    fn coef(&self) -> Vec<f64> {
        self.coefficients.iter().map(|c| c.value).collect()
    }

    /// Logits of a design block, adding columns in design order.
    pub(crate) fn logits(&self, design: ArrayView2<f64>) -> Vec<f64> {
        let mut z = vec![self.intercept; design.nrows()];
        for (col, c) in design.columns().into_iter().zip(&self.coefficients) {
            for (zi, v) in z.iter_mut().zip(col) {
                *zi += c.value * v;
            }
        }
        z
    }

    /// P(churn) for each row of a raw feature matrix (columns in `features` order).
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<f64>, ModelError> {
        let parts = self.by_chunks(x, |design, _| {
            self.logits(design)
                .into_iter()
                .map(sigmoid)
                .collect::<Vec<_>>()
        })?;
        Ok(parts.into_iter().flat_map(|(p, _)| p).collect())
    }

    /// P(churn) plus per-feature contributions and scoring warnings.
    pub fn explain(&self, x: ArrayView2<f64>) -> Result<Scored, ModelError> {
        let coef = self.coef();
        let col_feature = self.preprocessor.column_features();
        let nf = self.features.len();
        let parts = self.by_chunks(x, |design, _| {
            let p: Vec<f64> = self.logits(design).into_iter().map(sigmoid).collect();
            let mut contrib = Array2::<f64>::zeros((design.nrows(), nf));
            for (c, col) in design.columns().into_iter().enumerate() {
                let mut dst = contrib.column_mut(col_feature[c]);
                for (d, v) in dst.iter_mut().zip(col) {
                    *d += coef[c] * v;
                }
            }
            (p, contrib)
        })?;
        let mut probabilities = Vec::with_capacity(x.nrows());
        let mut contributions = Array2::<f64>::zeros((x.nrows(), nf));
        let mut unseen = vec![0usize; nf];
        let mut r0 = 0;
        for ((p, c), warnings) in parts {
            contributions
                .slice_mut(ndarray::s![r0..r0 + p.len(), ..])
                .assign(&c);
            r0 += p.len();
            probabilities.extend(p);
            for w in warnings {
                if let ModelWarning::UnseenMissing { feature, rows } = w {
                    if let Some(j) = self.features.iter().position(|f| f.name == feature) {
                        unseen[j] += rows;
                    }
                }
            }
        }
        let warnings = unseen
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(j, &rows)| ModelWarning::UnseenMissing {
                feature: self.features[j].name.clone(),
                rows,
            })
            .collect();
        Ok(Scored {
            probabilities,
            contributions,
            feature_names: self.feature_names(),
            warnings,
        })
    }

    /// Runs `f` on the design of each block of rows in parallel; blocks come back in
    /// row order with their warnings, and the first failing block's error wins.
    fn by_chunks<T: Send>(
        &self,
        x: ArrayView2<f64>,
        f: impl Fn(ArrayView2<f64>, usize) -> T + Sync,
    ) -> Result<Vec<(T, Vec<ModelWarning>)>, ModelError> {
        if x.ncols() != self.features.len() {
            return Err(ModelError::InvalidData(format!(
                "the matrix has {} columns but the model has {} features",
                x.ncols(),
                self.features.len()
            )));
        }
        let starts: Vec<usize> = (0..x.nrows()).step_by(CHUNK).collect();
        let results: Vec<Result<(T, Vec<ModelWarning>), ModelError>> = starts
            .par_iter()
            .map(|&s| {
                let rows: Vec<usize> = (s..(s + CHUNK).min(x.nrows())).collect();
                let (design, warnings) = self.preprocessor.design(x, &rows)?;
                Ok((f(design.view(), s), warnings))
            })
            .collect();
        results.into_iter().collect()
    }
}
