//! A guard against outcome leaks. A feature that on its own nearly separates churned
//! from retained rows is far stronger than any behavioural sign of churn, and is
//! almost always recorded after the fact: an MRR reset to zero or blanked when the
//! account left, a status or cancellation-reason column. The model would lean on it,
//! validate brilliantly and then score live accounts, which never carry it, badly.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::{metrics, FeatureSpec, ModelWarning};

/// A feature is reported when its ROC AUC alone is at least this far from 0.5
/// (0.85 or more, 0.15 or less). The strongest honest feature of the simulated data
/// reaches 0.67 (0.33), and published churn data sets stay below 0.8. A leak is
/// diluted by the training rows of accounts that churned after their horizon (they
/// carry the leaked value but count as retained), so the bar cannot be much higher:
/// an MRR blanked on churn scores 0.96 on the simulated data, where 8 % of the
/// retained rows belong to accounts that churned later.
pub const LEAK_MARGIN: f64 = 0.35;

/// At most this many evenly spaced rows are ranked per feature: plenty for an AUC
/// this far from chance, and it keeps the check to a fraction of a second.
const MAX_ROWS: usize = 200_000;

/// Features whose values alone separate the classes of `y`, strongest first.
/// A missing value ranks below every value, so a feature blanked for churned rows
/// (or only filled for them) is caught too.
pub fn suspected_leaks(specs: &[FeatureSpec], x: ArrayView2<f64>, y: &[bool]) -> Vec<ModelWarning> {
    let started = std::time::Instant::now();
    let n = y.len();
    let rows: Vec<usize> = if n > MAX_ROWS {
        (0..MAX_ROWS).map(|i| i * n / MAX_ROWS).collect()
    } else {
        (0..n).collect()
    };
    let ys: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
    let mut found: Vec<(String, f64)> = specs
        .par_iter()
        .enumerate()
        .map(|(j, spec)| {
            let col = x.column(j);
            let v: Vec<f64> = rows
                .iter()
                .map(|&r| {
                    let v = col[r];
                    if v.is_nan() {
                        f64::NEG_INFINITY
                    } else {
                        v
                    }
                })
                .collect();
            (spec.name.clone(), metrics::roc_auc(&v, &ys))
        })
        .filter(|(_, auc)| (auc - 0.5).abs() >= LEAK_MARGIN)
        .collect();
    found.sort_by(|a, b| (b.1 - 0.5).abs().total_cmp(&(a.1 - 0.5).abs()));
    tracing::debug!(
        rows = rows.len(),
        features = specs.len(),
        seconds = started.elapsed().as_secs_f64(),
        suspected = found.len(),
        "leak check"
    );
    found
        .into_iter()
        .map(|(feature, roc_auc)| ModelWarning::SuspectedLeak { feature, roc_auc })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Transform;
    use ndarray::Array2;

    fn specs(names: &[&str]) -> Vec<FeatureSpec> {
        names
            .iter()
            .map(|n| FeatureSpec::new(*n, Transform::Identity))
            .collect()
    }

    /// 1,000 rows, every fifth churned; columns: honest, leaky, blanked on churn.
    fn data() -> (Array2<f64>, Vec<bool>) {
        let y: Vec<bool> = (0..1000).map(|i| i % 5 == 0).collect();
        let mut x = Array2::zeros((1000, 3));
        for (i, &churned) in y.iter().enumerate() {
            // Weakly related: churners sit a little lower on a wide spread.
            x[[i, 0]] = (i % 97) as f64 - if churned { 10.0 } else { 0.0 };
            // Recorded after the churn: the MRR of a churned account is zero.
            x[[i, 1]] = if churned {
                0.0
            } else {
                100.0 + (i % 13) as f64
            };
            // Only filled for churned accounts (a cancellation date, a reason code).
            x[[i, 2]] = if churned { (i % 7) as f64 } else { f64::NAN };
        }
        (x, y)
    }

    #[test]
    fn features_that_separate_the_classes_are_reported_strongest_first() {
        let (x, y) = data();
        let found = suspected_leaks(&specs(&["usage", "mrr", "reason"]), x.view(), &y);
        let names: Vec<&str> = found
            .iter()
            .map(|w| match w {
                ModelWarning::SuspectedLeak { feature, .. } => feature.as_str(),
                other => panic!("unexpected {other}"),
            })
            .collect();
        assert_eq!(names, ["mrr", "reason"]);
        let text = found[0].to_string();
        assert!(text.contains("'mrr'") && text.contains("0.000"), "{text}");
    }

    #[test]
    fn honest_features_and_subsampled_rows_are_quiet() {
        let (x, y) = data();
        assert!(suspected_leaks(&specs(&["usage"]), x.slice(ndarray::s![.., 0..1]), &y).is_empty());
        // Over MAX_ROWS rows the check looks at an evenly spaced subset, same verdict.
        let n = MAX_ROWS + 1000;
        let y: Vec<bool> = (0..n).map(|i| i % 5 == 0).collect();
        let x = Array2::from_shape_fn((n, 1), |(i, _)| if y[i] { 0.0 } else { 1.0 });
        assert_eq!(suspected_leaks(&specs(&["status"]), x.view(), &y).len(), 1);
    }
}
