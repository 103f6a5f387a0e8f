//! Preprocessing learned on training rows only and applied identically at scoring:
//! transform, median imputation with a missing-indicator column, standardisation.

use super::{FeatureSpec, ModelError, ModelWarning, Transform};
use ndarray::{Array2, ArrayView1, ArrayView2, ShapeBuilder};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Suffix of the indicator column added for a feature with missing training values.
pub const MISSING_SUFFIX: &str = "__missing";

/// Centre and scale of one design column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub mean: f64,
    /// 1 for a constant column, so it standardises to 0.
    pub sd: f64,
    pub constant: bool,
}

impl ColumnStats {
    #[inline]
    fn standardise(&self, v: f64) -> f64 {
        (v - self.mean) / self.sd
    }
}

/// Everything learned for one raw feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStep {
    pub name: String,
    pub transform: Transform,
    /// Training median of the transformed values; replaces a missing value.
    pub median: f64,
    pub value: ColumnStats,
    /// Present when the training rows had missing values for this feature.
    pub missing_indicator: Option<ColumnStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    pub features: Vec<FeatureStep>,
}

pub(crate) fn apply_transform(t: Transform, v: f64) -> f64 {
    match t {
        Transform::Identity => v,
        // NaN must stay NaN (f64::max would turn it into 0).
        Transform::Log1p if v.is_nan() => v,
        Transform::Log1p => v.max(0.0).ln_1p(),
    }
}

/// Names must be unique and must not collide with generated indicator columns.
pub(crate) fn check_names(specs: &[FeatureSpec]) -> Result<(), ModelError> {
    let mut seen = HashSet::new();
    for s in specs {
        if s.name.is_empty() {
            return Err(ModelError::InvalidData(
                "a feature has an empty name".into(),
            ));
        }
        if !seen.insert(s.name.as_str()) {
            return Err(ModelError::InvalidData(format!(
                "feature '{}' appears twice",
                s.name
            )));
        }
    }
    for s in specs {
        let indicator = format!("{}{MISSING_SUFFIX}", s.name);
        if seen.contains(indicator.as_str()) {
            return Err(ModelError::InvalidData(format!(
                "feature '{indicator}' collides with the missing indicator of '{}'",
                s.name
            )));
        }
    }
    Ok(())
}

/// Refuse +-inf, naming the first offending row (and its feature).
pub(crate) fn check_finite(specs: &[FeatureSpec], x: ArrayView2<f64>) -> Result<(), ModelError> {
    let mut first: Option<(usize, usize)> = None;
    for (j, col) in x.columns().into_iter().enumerate() {
        if let Some(row) = col.iter().position(|v| v.is_infinite()) {
            if first.is_none_or(|(r, _)| row < r) {
                first = Some((row, j));
            }
        }
    }
    match first {
        Some((row, j)) => Err(ModelError::NonFinite {
            feature: specs[j].name.clone(),
            row,
        }),
        None => Ok(()),
    }
}

/// Median by selection (linear time; the full sort was the slowest part of training).
fn median(mut v: Vec<f64>) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let (lower, mid, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let mid = *mid;
    Some(if n % 2 == 1 {
        mid
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (below + mid) / 2.0
    })
}

/// Population mean and sd (like scikit-learn's StandardScaler), summed in row order so
/// the result never depends on threads.
fn stats(values: &[f64]) -> ColumnStats {
    let n = values.len() as f64;
    let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for &v in values {
        lo = lo.min(v);
        hi = hi.max(v);
        sum += v;
    }
    // Compare extremes rather than the sd: rounding makes the sd of a constant column
    // tiny but not always zero.
    if lo == hi {
        return ColumnStats {
            mean: lo,
            sd: 1.0,
            constant: true,
        };
    }
    let mean = sum / n;
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    ColumnStats {
        mean,
        sd: (ss / n).sqrt(),
        constant: false,
    }
}

/// Learn one feature's step from its raw training values, which are left transformed
/// and imputed (ready to standardise).
fn fit_feature(
    spec: &FeatureSpec,
    values: &mut [f64],
) -> Result<(FeatureStep, Vec<ModelWarning>), ModelError> {
    let n = values.len();
    let mut warnings = Vec::new();
    if spec.transform == Transform::Log1p {
        let negatives = values.iter().filter(|v| **v < 0.0).count();
        if negatives > 0 {
            warnings.push(ModelWarning::NegativeClamped {
                feature: spec.name.clone(),
                rows: negatives,
            });
        }
    }
    values
        .iter_mut()
        .for_each(|v| *v = apply_transform(spec.transform, *v));
    let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    let missing = n - present.len();
    let med = median(present).unwrap_or_else(|| {
        warnings.push(ModelWarning::AllMissing {
            feature: spec.name.clone(),
        });
        0.0
    });
    values
        .iter_mut()
        .filter(|v| v.is_nan())
        .for_each(|v| *v = med);
    let value = stats(values);
    if !(value.mean.is_finite() && value.sd.is_finite() && value.sd > 0.0) {
        return Err(ModelError::CannotTrain(format!(
            "feature '{}' has values too large to standardise (mean {}, sd {})",
            spec.name, value.mean, value.sd
        )));
    }
    if value.constant {
        warnings.push(ModelWarning::ConstantColumn {
            column: spec.name.clone(),
        });
    }
    let missing_indicator = (missing > 0).then(|| {
        let p = missing as f64 / n as f64;
        let constant = missing == n;
        if constant {
            warnings.push(ModelWarning::ConstantColumn {
                column: format!("{}{MISSING_SUFFIX}", spec.name),
            });
        }
        ColumnStats {
            mean: p,
            sd: if constant {
                1.0
            } else {
                (p * (1.0 - p)).sqrt()
            },
            constant,
        }
    });
    let step = FeatureStep {
        name: spec.name.clone(),
        transform: spec.transform,
        median: med,
        value,
        missing_indicator,
    };
    Ok((step, warnings))
}

/// Fill a feature's design column(s) for `rows`. Returns the count of missing values
/// met without an indicator, or the first row holding an infinity.
fn fill_feature(
    f: &FeatureStep,
    col: ArrayView1<f64>,
    rows: &[usize],
    dst: &mut [f64],
) -> Result<usize, usize> {
    let n = rows.len();
    let (value, indicator) = dst.split_at_mut(n);
    let mut unseen_missing = 0;
    for (d, &r) in value.iter_mut().zip(rows) {
        let v = col[r];
        if v.is_infinite() {
            return Err(r);
        }
        let t = apply_transform(f.transform, v);
        let t = if t.is_nan() {
            unseen_missing += 1;
            f.median
        } else {
            t
        };
        *d = f.value.standardise(t);
    }
    match &f.missing_indicator {
        Some(ind) => {
            for (d, &r) in indicator.iter_mut().zip(rows) {
                *d = ind.standardise(if col[r].is_nan() { 1.0 } else { 0.0 });
            }
            Ok(0)
        }
        None => Ok(unseen_missing),
    }
}

/// Missing values per feature over `rows`, features in parallel.
fn missing_counts(x: ArrayView2<f64>, rows: &[usize]) -> Vec<usize> {
    (0..x.ncols())
        .into_par_iter()
        .map(|j| {
            let col = x.column(j);
            rows.iter().filter(|&&r| col[r].is_nan()).count()
        })
        .collect()
}

/// Learn one feature's step from `rows` of its column and write its standardised
/// design column(s) into `dst` in the same pass: the value column, then the indicator
/// column when `dst` has room for one.
fn fit_fill(
    spec: &FeatureSpec,
    col: ArrayView1<f64>,
    rows: &[usize],
    dst: &mut [f64],
) -> Result<(FeatureStep, Vec<ModelWarning>), ModelError> {
    let n = rows.len();
    let (values, indicator) = dst.split_at_mut(n);
    for (d, &r) in values.iter_mut().zip(rows) {
        *d = col[r];
    }
    for (d, v) in indicator.iter_mut().zip(values.iter()) {
        *d = if v.is_nan() { 1.0 } else { 0.0 };
    }
    let (step, warnings) = fit_feature(spec, values)?;
    values
        .iter_mut()
        .for_each(|v| *v = step.value.standardise(*v));
    if let Some(ind) = &step.missing_indicator {
        indicator.iter_mut().for_each(|v| *v = ind.standardise(*v));
    }
    Ok((step, warnings))
}

/// One slice of `data` per feature: its value column, then its indicator column if
/// `indicator(j)`.
fn feature_slices(
    data: &mut [f64],
    n: usize,
    features: usize,
    indicator: impl Fn(usize) -> bool,
) -> Vec<&mut [f64]> {
    let mut slices = Vec::with_capacity(features);
    let mut rest = data;
    for j in 0..features {
        let width = if indicator(j) { 2 } else { 1 };
        let (head, tail) = rest.split_at_mut(width * n);
        slices.push(head);
        rest = tail;
    }
    slices
}

impl Preprocessor {
    /// Learn the preprocessing from `rows` of `x` only, and build those rows' design
    /// matrix (as [`Preprocessor::design`] would) in the same pass over each column.
    /// Columns are independent, so they are learned in parallel; each is summed in row
    /// order.
    pub(crate) fn fit_design(
        specs: &[FeatureSpec],
        x: ArrayView2<f64>,
        rows: &[usize],
    ) -> Result<(Preprocessor, Array2<f64>, Vec<ModelWarning>), ModelError> {
        if rows.is_empty() {
            return Err(ModelError::CannotTrain("no training rows".into()));
        }
        let n = rows.len();
        let missing = missing_counts(x, rows);
        let width = specs.len() + missing.iter().filter(|&&m| m > 0).count();
        let mut data = vec![0.0; n * width];
        let slices = feature_slices(&mut data, n, specs.len(), |j| missing[j] > 0);
        let fitted: Vec<Result<(FeatureStep, Vec<ModelWarning>), ModelError>> = slices
            .into_par_iter()
            .enumerate()
            .map(|(j, dst)| fit_fill(&specs[j], x.column(j), rows, dst))
            .collect();
        let mut features = Vec::with_capacity(specs.len());
        let mut warnings = Vec::new();
        for r in fitted {
            let (step, w) = r?;
            features.push(step);
            warnings.extend(w);
        }
        let pre = Preprocessor { features };
        pre.check_scaled(&data, rows)?;
        let design = Array2::from_shape_vec((n, width).f(), data)
            .expect("the design buffer has rows x columns values");
        Ok((pre, design, warnings))
    }

    /// [`Preprocessor::fit_design`] without the design matrix.
    #[cfg(test)]
    pub(crate) fn fit(
        specs: &[FeatureSpec],
        x: ArrayView2<f64>,
        rows: &[usize],
    ) -> Result<(Preprocessor, Vec<ModelWarning>), ModelError> {
        Self::fit_design(specs, x, rows).map(|(p, _, w)| (p, w))
    }

    /// The solver must never see NaN or infinity; extreme inputs can still overflow.
    fn check_scaled(&self, data: &[f64], rows: &[usize]) -> Result<(), ModelError> {
        match data.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(ModelError::InvalidData(format!(
                "column '{}' is not finite after scaling in row {}",
                self.column_names()[i / rows.len()],
                rows[i % rows.len()]
            ))),
            None => Ok(()),
        }
    }

    /// Names of the design columns, in design order: each feature, then its indicator.
    pub fn column_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for f in &self.features {
            names.push(f.name.clone());
            if f.missing_indicator.is_some() {
                names.push(format!("{}{MISSING_SUFFIX}", f.name));
            }
        }
        names
    }

    /// For each design column, the index of the raw feature it comes from.
    pub fn column_features(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (j, f) in self.features.iter().enumerate() {
            out.push(j);
            if f.missing_indicator.is_some() {
                out.push(j);
            }
        }
        out
    }

    pub fn n_columns(&self) -> usize {
        self.features.len()
            + self
                .features
                .iter()
                .filter(|f| f.missing_indicator.is_some())
                .count()
    }

    /// Standardised design matrix for `rows` of `x`, column-major (the solver reads it
    /// column by column), built feature by feature in parallel. Missing values in
    /// a feature that had none in training get the median and are counted in the
    /// warnings.
    pub(crate) fn design(
        &self,
        x: ArrayView2<f64>,
        rows: &[usize],
    ) -> Result<(Array2<f64>, Vec<ModelWarning>), ModelError> {
        if x.ncols() != self.features.len() {
            return Err(ModelError::InvalidData(format!(
                "the matrix has {} columns but the model has {} features",
                x.ncols(),
                self.features.len()
            )));
        }
        let n = rows.len();
        let mut data = vec![0.0; n * self.n_columns()];
        let slices = feature_slices(&mut data, n, self.features.len(), |j| {
            self.features[j].missing_indicator.is_some()
        });
        let filled: Vec<Result<usize, usize>> = slices
            .into_par_iter()
            .enumerate()
            .map(|(j, dst)| fill_feature(&self.features[j], x.column(j), rows, dst))
            .collect();
        // Report the earliest row holding an infinity, whichever thread met it.
        let first_inf = filled
            .iter()
            .enumerate()
            .filter_map(|(j, r)| r.err().map(|row| (row, j)))
            .min();
        if let Some((row, j)) = first_inf {
            return Err(ModelError::NonFinite {
                feature: self.features[j].name.clone(),
                row,
            });
        }
        let warnings = filled
            .iter()
            .zip(&self.features)
            .filter_map(|(r, f)| match r {
                Ok(rows) if *rows > 0 => Some(ModelWarning::UnseenMissing {
                    feature: f.name.clone(),
                    rows: *rows,
                }),
                _ => None,
            })
            .collect();
        self.check_scaled(&data, rows)?;
        let out = Array2::from_shape_vec((n, self.n_columns()).f(), data)
            .expect("the design buffer has rows x columns values");
        Ok((out, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn specs() -> Vec<FeatureSpec> {
        vec![
            FeatureSpec::new("a", Transform::Identity),
            FeatureSpec::new("b", Transform::Log1p),
        ]
    }

    #[test]
    fn indicator_and_median_come_from_training_rows_only() {
        let nan = f64::NAN;
        // Rows 0..4 train; row 4 (a huge value) must not move the median or the mean.
        let x = array![
            [1.0, 0.0],
            [nan, 1.0],
            [3.0, 3.0],
            [5.0, nan],
            [1000.0, nan]
        ];
        let (p, w) = Preprocessor::fit(&specs(), x.view(), &[0, 1, 2, 3]).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(p.column_names(), ["a", "a__missing", "b", "b__missing"]);
        let a = &p.features[0];
        assert_eq!(a.median, 3.0);
        // imputed training values 1, 3, 3, 5
        assert_eq!(a.value.mean, 3.0);
        assert!((a.value.sd - 2f64.sqrt()).abs() < 1e-15);
        let ind = a.missing_indicator.unwrap();
        assert_eq!(ind.mean, 0.25);
        assert!((ind.sd - (0.25f64 * 0.75).sqrt()).abs() < 1e-15);
        let b = &p.features[1];
        assert_eq!(b.median, 2f64.ln());

        let (d, _) = p.design(x.view(), &[1, 4]).unwrap();
        assert!(d.t().is_standard_layout(), "design must be column-major");
        // row 1: a missing -> median -> z = 0; indicator 1 -> (1 - .25)/sd
        assert_eq!(d[[0, 0]], 0.0);
        assert!((d[[0, 1]] - 0.75 / (0.1875f64).sqrt()).abs() < 1e-12);
        assert!((d[[1, 0]] - 997.0 / 2f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn the_design_built_while_fitting_is_the_one_design_builds() {
        let nan = f64::NAN;
        let x = array![
            [1.0, nan, 7.0],
            [nan, 4.0, 7.0],
            [3.0, 9.0, 7.0],
            [10.0, -2.0, 7.0],
            [0.5, nan, 7.0]
        ];
        let specs = vec![
            FeatureSpec::new("a", Transform::Identity),
            FeatureSpec::new("b", Transform::Log1p),
            FeatureSpec::new("c", Transform::Identity),
        ];
        let rows = [4, 0, 1, 3, 2];
        let (p, fitted, _) = Preprocessor::fit_design(&specs, x.view(), &rows).unwrap();
        assert_eq!(p.n_columns(), 5);
        let (built, _) = p.design(x.view(), &rows).unwrap();
        assert!(fitted.t().is_standard_layout());
        let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&fitted), bits(&built));
    }

    #[test]
    fn training_columns_are_standardised() {
        let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 9.0], [10.0, 0.0]];
        let (p, _) = Preprocessor::fit(&specs(), x.view(), &[0, 1, 2, 3]).unwrap();
        let (d, _) = p.design(x.view(), &[0, 1, 2, 3]).unwrap();
        for c in d.columns() {
            let m = c.sum() / 4.0;
            let v = c.mapv(|z| (z - m) * (z - m)).sum() / 4.0;
            assert!(
                m.abs() < 1e-12 && (v - 1.0).abs() < 1e-12,
                "mean {m} var {v}"
            );
        }
    }

    #[test]
    fn constant_column_is_flagged_and_scored_as_zero() {
        let x = array![[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]];
        let (p, w) = Preprocessor::fit(&specs(), x.view(), &[0, 1, 2]).unwrap();
        assert!(p.features[0].value.constant);
        assert_eq!(p.features[0].value.sd, 1.0);
        assert_eq!(w, vec![ModelWarning::ConstantColumn { column: "a".into() }]);
        let (d, _) = p.design(x.view(), &[0, 1, 2]).unwrap();
        assert!(d.column(0).iter().all(|v| *v == 0.0));
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(vec![5.0, -1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![]), None);
    }

    #[test]
    fn log1p_clamps_negatives_and_keeps_nan_missing() {
        assert_eq!(apply_transform(Transform::Log1p, -5.0), 0.0);
        assert!(apply_transform(Transform::Log1p, f64::NAN).is_nan());
        assert_eq!(apply_transform(Transform::Log1p, 1.0), 2f64.ln());
    }

    #[test]
    fn infinity_is_refused_naming_feature_and_row() {
        let x = array![[1.0, 2.0], [2.0, f64::NEG_INFINITY], [f64::INFINITY, 1.0]];
        let err = check_finite(&specs(), x.view()).unwrap_err();
        assert!(
            matches!(&err, ModelError::NonFinite { feature, row: 1 } if feature == "b"),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "feature 'b' has an infinite value in row 1"
        );
        let (p, _) = Preprocessor::fit(&specs(), x.view(), &[0]).unwrap();
        let err = p.design(x.view(), &[0, 2]).unwrap_err();
        assert!(matches!(err, ModelError::NonFinite { row: 2, .. }), "{err}");
    }

    #[test]
    fn unseen_missing_at_scoring_is_imputed_and_reported() {
        let x = array![[1.0, 2.0], [3.0, 4.0], [f64::NAN, 4.0]];
        let (p, _) = Preprocessor::fit(&specs(), x.view(), &[0, 1]).unwrap();
        let (d, w) = p.design(x.view(), &[2]).unwrap();
        assert_eq!(d[[0, 0]], 0.0);
        assert_eq!(
            w,
            vec![ModelWarning::UnseenMissing {
                feature: "a".into(),
                rows: 1
            }]
        );
    }

    #[test]
    fn colliding_names_are_refused() {
        let s = vec![
            FeatureSpec::new("a", Transform::Identity),
            FeatureSpec::new("a__missing", Transform::Identity),
        ];
        assert!(check_names(&s).is_err());
    }
}
