//! The quality gate: a run refuses to publish scores (and leaves earlier outputs
//! untouched) when the model validated poorly or today's inputs do not look like the
//! data it was trained on, unless forced.
//!
//! Drift is measured per feature with the population stability index (PSI) between
//! the training rows and the rows being scored: deciles of the training values (plus
//! one bin for missing values), PSI = sum((now - ref) x ln(now / ref)). Below 0.1 is
//! stable, 0.1-0.25 a moderate shift, above 0.25 a major shift.

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::settings::{finite_at_least, Check, SettingsError};

/// Model metadata key holding the training distribution (JSON).
pub const REFERENCE_KEY: &str = "feature_reference";

/// Share floor per bin, so an empty bin does not make PSI infinite.
const EPS: f64 = 1e-4;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReference {
    pub name: String,
    /// Upper edges of the decile bins (duplicates removed).
    pub edges: Vec<f64>,
    /// Share of training rows per bin; the last bin is "missing".
    pub shares: Vec<f64>,
    pub mean: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub features: Vec<FeatureReference>,
}

fn bin(edges: &[f64], v: f64) -> usize {
    if v.is_nan() {
        return edges.len() + 1;
    }
    // The first edge at or above v (edges ascend), counted without branches: a
    // binary search mispredicts on every value of a million-row column.
    edges.iter().map(|&e| usize::from(e < v)).sum()
}

fn shares(edges: &[f64], col: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut counts = vec![0u64; edges.len() + 2];
    let mut n = 0u64;
    for v in col {
        counts[bin(edges, v)] += 1;
        n += 1;
    }
    counts.iter().map(|&c| c as f64 / n.max(1) as f64).collect()
}

/// The values at sorted positions k x len / 10, k = 1..9, by successive selection on
/// what lies above the previous one (linear time; a full sort of a million-row column
/// per feature was most of the reference's cost).
fn decile_edges(v: &mut [f64]) -> Vec<f64> {
    let n = v.len();
    let mut edges = Vec::with_capacity(9);
    let mut done = 0;
    let mut rest = v;
    for k in 1..10 {
        let at = k * n / 10;
        if at >= n {
            break;
        }
        if at < done {
            // The same position as the previous edge (short columns).
            edges.push(edges[edges.len() - 1]);
            continue;
        }
        let (_, e, above) = rest.select_nth_unstable_by(at - done, f64::total_cmp);
        edges.push(*e);
        done = at + 1;
        rest = above;
    }
    edges
}

impl Reference {
    /// The training distribution a model file carries, if any (models written before
    /// the drift check have none; the gate then says so).
    pub fn of_model(model: &crate::model::ChurnModel) -> Option<Reference> {
        model
            .metadata
            .get(REFERENCE_KEY)
            .and_then(|j| serde_json::from_str(j).ok())
    }

    /// The training distribution as model metadata (key [`REFERENCE_KEY`]).
    pub fn to_metadata(&self) -> (String, String) {
        let json = serde_json::to_string(self).expect("names and numbers always serialise as JSON");
        (REFERENCE_KEY.to_string(), json)
    }

    /// The distribution of each column of `x` (rows x features, NaN = missing),
    /// features in parallel.
    pub fn of(x: ArrayView2<f64>, names: &[String]) -> Reference {
        let features = names
            .par_iter()
            .enumerate()
            .map(|(j, name)| {
                let col = x.column(j);
                let mut present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
                let mean = if present.is_empty() {
                    f64::NAN
                } else {
                    present.iter().sum::<f64>() / present.len() as f64
                };
                let mut edges = decile_edges(&mut present);
                edges.dedup();
                // The present values (now reordered) and the missing ones: the same
                // counts as the column, without a second strided pass over it.
                let missing = col.len() - present.len();
                let shares = shares(
                    &edges,
                    present
                        .iter()
                        .copied()
                        .chain(std::iter::repeat_n(f64::NAN, missing)),
                );
                FeatureReference {
                    name: name.clone(),
                    shares,
                    edges,
                    mean,
                }
            })
            .collect();
        Reference { features }
    }

    /// PSI of every feature of `x` (same columns) against this reference.
    pub fn psi(&self, x: ArrayView2<f64>) -> Vec<(String, f64)> {
        self.features
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let now = shares(&r.edges, x.column(j).iter().copied());
                let psi = r
                    .shares
                    .iter()
                    .zip(&now)
                    .map(|(&e, &a)| {
                        let (e, a) = (e.max(EPS), a.max(EPS));
                        (a - e) * (a / e).ln()
                    })
                    .sum();
                (r.name.clone(), psi)
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GateSettings {
    /// Refuse when the out-of-time ROC AUC is below this.
    pub min_auc: f64,
    /// Refuse when any feature's PSI is above this.
    pub max_psi: f64,
    /// Refuse when usage per scored account falls below this share of training's.
    pub min_usage_ratio: f64,
    /// Publish anyway, keeping the failures as warnings.
    pub force: bool,
}

impl Check for GateSettings {
    fn check(&self) -> Result<(), SettingsError> {
        if !(0.0..=1.0).contains(&self.min_auc) {
            return Err(SettingsError::out_of_range("min_auc", "between 0 and 1", self.min_auc));
        }
        finite_at_least("max_psi", self.max_psi, 0.0)?;
        finite_at_least("min_usage_ratio", self.min_usage_ratio, 0.0)
    }
}

impl Default for GateSettings {
    fn default() -> Self {
        GateSettings {
            min_auc: 0.6,
            max_psi: 1.0,
            min_usage_ratio: 0.5,
            force: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub roc_auc: f64,
    /// Mean `events_30d` per scored account over its training mean.
    pub usage_ratio: Option<f64>,
    /// Every feature's PSI, largest first.
    pub psi: Vec<(String, f64)>,
    pub failures: Vec<String>,
    pub warnings: Vec<String>,
    pub forced: bool,
}

impl GateReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() || self.forced
    }
}

/// Checks the model's validation AUC and today's rows `x` against the reference.
pub fn check(
    s: &GateSettings,
    roc_auc: f64,
    reference: Option<&Reference>,
    x: ArrayView2<f64>,
) -> GateReport {
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    // A NaN AUC (one class in the validation rows) fails the gate too.
    if roc_auc.is_nan() || roc_auc < s.min_auc {
        failures.push(format!(
            "out-of-time ROC AUC {roc_auc:.4} is below the floor {} (min_auc)",
            s.min_auc
        ));
    }
    let (mut psi, mut usage_ratio) = (Vec::new(), None);
    match reference {
        None => warnings.push("the model holds no training distribution: drift not checked".into()),
        Some(r) => {
            psi = r.psi(x);
            psi.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for (name, v) in &psi {
                if *v > s.max_psi {
                    failures.push(format!(
                        "feature {name} shifted from training (PSI {v:.2} > {} max_psi)",
                        s.max_psi
                    ));
                } else if *v > 0.25 {
                    warnings.push(format!("feature {name} shifted from training (PSI {v:.2})"));
                }
            }
            if let Some((j, fr)) = r.features.iter().enumerate().find(|(_, f)| {
                f.name == crate::features::FEATURES[crate::features::f::EVENTS_30D].name
            }) {
                let col = x.column(j);
                let now = col.iter().filter(|v| !v.is_nan()).sum::<f64>() / col.len().max(1) as f64;
                if fr.mean > 0.0 {
                    let ratio = now / fr.mean;
                    usage_ratio = Some(ratio);
                    if ratio < s.min_usage_ratio {
                        failures.push(format!(
                            "usage collapsed: {now:.1} events per account in the last 30 days against {:.1} in training ({:.0}%, floor {:.0}% min_usage_ratio); is the usage table complete?",
                            fr.mean,
                            100.0 * ratio,
                            100.0 * s.min_usage_ratio
                        ));
                    }
                }
            }
        }
    }
    if s.force && !failures.is_empty() {
        warnings.extend(
            failures
                .iter()
                .map(|f| format!("quality gate overridden (force): {f}")),
        );
    }
    GateReport {
        roc_auc,
        usage_ratio,
        psi,
        failures,
        warnings,
        forced: s.force,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn col(v: Vec<f64>) -> Array2<f64> {
        Array2::from_shape_vec((v.len(), 1), v).unwrap()
    }

    #[test]
    fn decile_edges_are_the_sorted_values_at_each_tenth() {
        for n in [0usize, 1, 5, 10, 11, 97, 1000] {
            // Many ties and a descending start, so selection meets duplicates.
            let v: Vec<f64> = (0..n).map(|i| ((n - i) % 7) as f64 * 0.5).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let want: Vec<f64> = (1..10)
                .filter_map(|k| sorted.get(k * n / 10).copied())
                .collect();
            assert_eq!(decile_edges(&mut v.clone()), want, "n = {n}");
        }
    }

    #[test]
    fn a_value_falls_in_the_first_bin_whose_edge_is_at_or_above_it() {
        let edges = [1.0, 2.0, 2.5];
        for (v, want) in [
            (0.0, 0),
            (1.0, 0),
            (1.5, 1),
            (2.0, 1),
            (2.5, 2),
            (9.0, 3),
            (f64::NAN, 4),
        ] {
            assert_eq!(bin(&edges, v), want, "{v}");
        }
    }

    #[test]
    fn psi_is_zero_for_the_same_data_and_large_for_a_shift() {
        let names = vec!["events_30d".to_string()];
        let train = col((0..1000).map(f64::from).collect());
        let r = Reference::of(train.view(), &names);
        assert!(r.psi(train.view())[0].1.abs() < 1e-12);
        let shifted = col((0..1000).map(|i| f64::from(i) + 2000.0).collect());
        assert!(r.psi(shifted.view())[0].1 > 1.0);
        let missing = col(vec![f64::NAN; 1000]);
        assert!(r.psi(missing.view())[0].1 > 1.0, "all missing is a shift");
    }

    #[test]
    fn the_gate_refuses_low_auc_and_collapsed_usage_unless_forced() {
        let names = vec!["events_30d".to_string()];
        let train = col((0..1000).map(|i| f64::from(i % 100)).collect());
        let r = Reference::of(train.view(), &names);
        let s = GateSettings::default();
        assert!(check(&s, 0.8, Some(&r), train.view()).passed());
        let low = check(&s, 0.55, Some(&r), train.view());
        assert!(!low.passed() && low.failures[0].contains("below the floor"));
        let collapsed = col((0..1000).map(|i| f64::from(i % 100) * 0.1).collect());
        let g = check(&s, 0.8, Some(&r), collapsed.view());
        assert!(
            g.failures.iter().any(|f| f.contains("usage collapsed")),
            "{:?}",
            g.failures
        );
        assert!(g.usage_ratio.unwrap() < 0.2);
        let forced = check(
            &GateSettings { force: true, ..s },
            0.5,
            Some(&r),
            collapsed.view(),
        );
        assert!(forced.passed());
        assert!(forced.warnings.iter().any(|w| w.contains("overridden (force)")));
    }
}
