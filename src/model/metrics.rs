//! Validation metrics, computed in f64 (linfa's ROC counts in f32).

use serde::{Deserialize, Serialize};

/// One of ten equal-count bins of rows sorted by predicted probability (ascending),
/// so every bin has data even when churn is rare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub rows: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    pub min_predicted: f64,
    pub max_predicted: f64,
}

/// One decile of rows sorted by predicted probability, highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftDecile {
    /// 1 = the 10 % most at risk.
    pub decile: usize,
    pub rows: usize,
    pub positives: usize,
    pub churn_rate: f64,
    /// churn_rate / base rate.
    pub lift: f64,
    /// Share of all churners found in deciles 1..=decile.
    pub cumulative_capture: f64,
    pub mean_predicted: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub rows: usize,
    pub positives: usize,
    pub base_rate: f64,
    pub roc_auc: f64,
    /// Average precision (area under the precision-recall curve, step-wise).
    pub pr_auc: f64,
    pub brier: f64,
    pub log_loss: f64,
    pub top_decile_lift: f64,
    pub calibration: Vec<CalibrationBin>,
    pub lift_curve: Vec<LiftDecile>,
}

/// Probabilities are clipped this far from 0 and 1 in the log loss.
const EPS: f64 = 1e-15;

pub fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    let s: f64 = p
        .iter()
        .zip(y)
        .map(|(&p, &y)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if y {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    s / p.len() as f64
}

pub fn brier(p: &[f64], y: &[bool]) -> f64 {
    let s: f64 = p
        .iter()
        .zip(y)
        .map(|(&p, &y)| {
            let d = p - if y { 1.0 } else { 0.0 };
            d * d
        })
        .sum();
    s / p.len() as f64
}

/// Indices sorted by score ascending; ties keep row order so results never depend on
/// the sort's internals.
fn order_ascending(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    idx
}

/// ROC AUC as the Mann-Whitney statistic with average ranks for ties. NaN when one
/// class is absent.
pub fn roc_auc(p: &[f64], y: &[bool]) -> f64 {
    let idx = order_ascending(p);
    let npos = y.iter().filter(|v| **v).count() as f64;
    let nneg = y.len() as f64 - npos;
    if npos == 0.0 || nneg == 0.0 {
        return f64::NAN;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        // ranks i+1..=j+1 share their average
        let avg = (i + j + 2) as f64 / 2.0;
        let pos_in_tie = idx[i..=j].iter().filter(|&&k| y[k]).count() as f64;
        rank_sum += avg * pos_in_tie;
        i = j + 1;
    }
    (rank_sum - npos * (npos + 1.0) / 2.0) / (npos * nneg)
}

/// Average precision: sum over distinct thresholds (high to low) of
/// (recall gain) x precision, as scikit-learn computes it. NaN without positives.
pub fn average_precision(p: &[f64], y: &[bool]) -> f64 {
    let mut idx = order_ascending(p);
    idx.reverse();
    let npos = y.iter().filter(|v| **v).count() as f64;
    if npos == 0.0 {
        return f64::NAN;
    }
    let (mut tp, mut seen, mut prev_recall, mut ap) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            seen += 1.0;
            if y[k] {
                tp += 1.0;
            }
        }
        let recall = tp / npos;
        ap += (recall - prev_recall) * (tp / seen);
        prev_recall = recall;
        i = j + 1;
    }
    ap
}

/// Boundaries of ten near-equal parts of n sorted rows: part d is [b[d], b[d+1]).
fn decile_bounds(n: usize) -> [usize; 11] {
    let mut b = [0; 11];
    for (d, v) in b.iter_mut().enumerate() {
        *v = (d * n).div_ceil(10);
    }
    b
}

pub fn lift_curve(p: &[f64], y: &[bool]) -> Vec<LiftDecile> {
    let mut idx = order_ascending(p);
    idx.reverse();
    let n = p.len();
    let npos = y.iter().filter(|v| **v).count();
    let base = npos as f64 / n as f64;
    let b = decile_bounds(n);
    let mut captured = 0;
    (0..10)
        .filter(|d| b[d + 1] > b[*d])
        .map(|d| {
            let part = &idx[b[d]..b[d + 1]];
            let rows = part.len();
            let positives = part.iter().filter(|&&k| y[k]).count();
            captured += positives;
            let churn_rate = positives as f64 / rows as f64;
            LiftDecile {
                decile: d + 1,
                rows,
                positives,
                churn_rate,
                lift: churn_rate / base,
                cumulative_capture: captured as f64 / npos as f64,
                mean_predicted: part.iter().map(|&k| p[k]).sum::<f64>() / rows as f64,
            }
        })
        .collect()
}

pub fn calibration(p: &[f64], y: &[bool]) -> Vec<CalibrationBin> {
    let idx = order_ascending(p);
    let b = decile_bounds(p.len());
    (0..10)
        .filter(|d| b[d + 1] > b[*d])
        .map(|d| {
            let part = &idx[b[d]..b[d + 1]];
            let rows = part.len();
            CalibrationBin {
                rows,
                mean_predicted: part.iter().map(|&k| p[k]).sum::<f64>() / rows as f64,
                observed_rate: part.iter().filter(|&&k| y[k]).count() as f64 / rows as f64,
                min_predicted: p[part[0]],
                max_predicted: p[part[rows - 1]],
            }
        })
        .collect()
}

/// All metrics of predictions `p` = P(churn) against labels `y`. Both classes should
/// be present (the model stage guarantees it); otherwise AUCs and lifts are NaN.
pub fn evaluate(p: &[f64], y: &[bool]) -> Metrics {
    assert_eq!(p.len(), y.len(), "one prediction per label");
    let rows = p.len();
    let positives = y.iter().filter(|v| **v).count();
    let lift = lift_curve(p, y);
    Metrics {
        rows,
        positives,
        base_rate: positives as f64 / rows as f64,
        roc_auc: roc_auc(p, y),
        pr_auc: average_precision(p, y),
        brier: brier(p, y),
        log_loss: log_loss(p, y),
        top_decile_lift: lift.first().map_or(f64::NAN, |d| d.lift),
        calibration: calibration(p, y),
        lift_curve: lift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: bool = true;
    const F: bool = false;

    #[test]
    fn auc_with_ties_is_the_mann_whitney_fraction() {
        // pos scores {0.8, 0.4, 0.4}, neg scores {0.4, 0.2}
        // pairs: 0.8>0.4 1, 0.8>0.2 1, 0.4=0.4 .5 (x2), 0.4>0.2 1 (x2) => 5/6
        let p = [0.8, 0.4, 0.4, 0.4, 0.2];
        let y = [T, T, T, F, F];
        assert!((roc_auc(&p, &y) - 5.0 / 6.0).abs() < 1e-15);
        assert_eq!(roc_auc(&[0.3, 0.3], &[T, F]), 0.5);
        assert_eq!(roc_auc(&[0.1, 0.9], &[T, F]), 0.0);
        assert!(roc_auc(&[0.1, 0.9], &[T, T]).is_nan());
    }

    #[test]
    fn average_precision_by_hand() {
        // sorted desc: .9 T, .8 F, .7 T, .6 F -> (1/2)*1 + (1/2)*(2/3) = 5/6
        let p = [0.6, 0.7, 0.8, 0.9];
        let y = [F, T, F, T];
        assert!((average_precision(&p, &y) - 5.0 / 6.0).abs() < 1e-15);
        // a tie groups both rows at one threshold: recall 1, precision 1/2
        assert_eq!(average_precision(&[0.5, 0.5], &[T, F]), 0.5);
    }

    #[test]
    fn brier_and_log_loss_by_hand() {
        let p = [0.9, 0.2];
        let y = [T, F];
        assert!((brier(&p, &y) - (0.01 + 0.04) / 2.0).abs() < 1e-15);
        let ll = -(0.9f64.ln() + 0.8f64.ln()) / 2.0;
        assert!((log_loss(&p, &y) - ll).abs() < 1e-15);
        assert!(log_loss(&[0.0], &[T]).is_finite(), "clipped");
    }

    #[test]
    fn lift_and_calibration_on_twenty_rows() {
        // 20 rows, score = i/20; churners are rows 18 and 19 (top decile) and row 0.
        let p: Vec<f64> = (0..20).map(|i| i as f64 / 20.0).collect();
        let mut y = vec![F; 20];
        y[0] = T;
        y[18] = T;
        y[19] = T;
        let m = evaluate(&p, &y);
        assert_eq!((m.rows, m.positives), (20, 3));
        assert_eq!(m.lift_curve.len(), 10);
        let top = &m.lift_curve[0];
        assert_eq!((top.decile, top.rows, top.positives), (1, 2, 2));
        // rate 1.0 over base 3/20
        assert!((m.top_decile_lift - 20.0 / 3.0).abs() < 1e-12);
        assert!((top.cumulative_capture - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(m.lift_curve[9].cumulative_capture, 1.0);
        assert_eq!(m.calibration.len(), 10);
        let low = &m.calibration[0];
        assert_eq!((low.rows, low.observed_rate), (2, 0.5));
        assert!((low.mean_predicted - 0.025).abs() < 1e-15);
        assert_eq!((low.min_predicted, low.max_predicted), (0.0, 0.05));
    }

    #[test]
    fn deciles_of_few_rows_cover_every_row_once() {
        for n in 1..25 {
            let b = decile_bounds(n);
            assert_eq!((b[0], b[10]), (0, n));
            assert!(b.windows(2).all(|w| w[0] <= w[1]));
            assert!(b[1] >= 1, "top decile never empty");
        }
    }
}
