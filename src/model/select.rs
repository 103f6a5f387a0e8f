//! Model selection: fit the alpha grid on validation splits in parallel, choose alpha by
//! validation log loss, then refit on every row.

use super::fit::{self, FitConfig, FitResult, Solver};
use super::leak;
use super::metrics::{self, Metrics};
use super::score::{Coefficient, Fitted};
use super::transform::Preprocessor;
use super::{ModelError, ModelWarning, TrainParams, TrainingSet, TrainingView, Validation};
use ndarray::ArrayView2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    pub alpha: f64,
    /// Mean validation log loss over the splits (one split for out-of-time).
    pub validation_log_loss: f64,
    pub split_log_loss: Vec<f64>,
    /// Every fit of this alpha reached the gradient tolerance.
    pub converged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    pub validation: Validation,
    pub chosen_alpha: f64,
    pub grid: Vec<GridPoint>,
    /// Model files written before the choice existed were fitted by linfa-logistic.
    #[serde(default = "linfa_logistic")]
    pub solver: Solver,
    pub max_iterations: u64,
    pub tolerance_per_row: f64,
    /// Training rows the alpha grid was fitted on, per split (all of them unless
    /// `TrainParams::selection_rows` capped it).
    #[serde(default)]
    pub selection_rows: Vec<usize>,
    /// Out of time: the training part of the validation split ended at least this
    /// many days before the validation date, so no training label's horizon reaches
    /// into the validation window (0 in files written before the gap existed).
    #[serde(default)]
    pub validation_gap_days: u32,
}

fn linfa_logistic() -> Solver {
    Solver::LinfaLogistic
}

impl Selection {
    /// The chosen alpha and the grid's validation log losses, for the terminal.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "Chosen L2 alpha: {} (grid by validation log loss:\n",
            self.chosen_alpha
        );
        for g in &self.grid {
            s.push_str(&format!(
                "  alpha {:>8}: {:.5}{}\n",
                g.alpha,
                g.validation_log_loss,
                if g.converged { "" } else { " (not converged)" }
            ));
        }
        s.push_str(")\n");
        s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupCount {
    pub group: u32,
    pub rows: usize,
    pub positives: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingCounts {
    pub rows: usize,
    pub positives: usize,
    pub per_group: Vec<GroupCount>,
}

/// The outcome of training: the refitted model, how alpha was chosen, validation
/// metrics of the chosen alpha (out-of-time part, or pooled out-of-fold predictions),
/// and warnings for the caller to surface.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    pub model: Fitted,
    pub selection: Selection,
    pub metrics: Metrics,
    pub training: TrainingCounts,
    pub warnings: Vec<ModelWarning>,
}

/// Rows to learn from and rows to validate on.
struct Split {
    name: String,
    train: Vec<usize>,
    valid: Vec<usize>,
}

fn positives(y: &[bool], rows: &[usize]) -> usize {
    rows.iter().filter(|&&r| y[r]).count()
}

/// Refuse a part of the data without both classes, naming the part.
fn require_both_classes(y: &[bool], rows: &[usize], part: &str) -> Result<(), ModelError> {
    let p = positives(y, rows);
    if p == 0 {
        return Err(ModelError::CannotTrain(format!("{part} has no churners")));
    }
    if p == rows.len() {
        return Err(ModelError::CannotTrain(format!(
            "{part} has only churners (no retained accounts)"
        )));
    }
    Ok(())
}

fn require_rows(rows: usize, min: usize, part: &str) -> Result<(), ModelError> {
    if rows < min {
        return Err(ModelError::CannotTrain(format!(
            "{part} has {rows} rows, fewer than the minimum of {min}"
        )));
    }
    Ok(())
}

fn splits(set: &TrainingView, params: &TrainParams) -> Result<Vec<Split>, ModelError> {
    let y = set.y;
    match params.validation {
        Validation::OutOfTime => {
            let latest = *set.group.iter().max().expect("rows checked non-empty");
            let valid: Vec<usize> = (0..y.len()).filter(|&r| set.group[r] == latest).collect();
            // With dates known, training ends a gap (the label horizon) before the
            // validation date: a label at T looks at (T, T + H], so a training date
            // closer than H to the validation date would hold the same churn events
            // as the validation labels.
            let gap = i64::from(params.validation_gap_days);
            let day = |g: u32| set.group_days.get(g as usize).map(|&d| i64::from(d));
            let trains_on = |g: u32| match (day(g), day(latest)) {
                (Some(d), Some(v)) if gap > 0 => d <= v - gap,
                _ => g < latest,
            };
            let train: Vec<usize> = (0..y.len()).filter(|&r| trains_on(set.group[r])).collect();
            if train.is_empty() {
                return Err(ModelError::CannotTrain(if set.group.iter().all(|&g| g == latest) {
                    format!("out-of-time validation needs at least 2 groups (observation dates); all rows are in group {latest}")
                } else {
                    format!("out-of-time validation needs an observation date at least {gap} days (the horizon) before the validation date; use a longer history")
                }));
            }
            let train_part = format!("the training window (groups before {latest})");
            require_rows(train.len(), params.min_rows, &train_part)?;
            require_both_classes(y, &train, &train_part)?;
            require_both_classes(
                y,
                &valid,
                &format!("the validation window (group {latest})"),
            )?;
            Ok(vec![Split {
                name: format!("validation on group {latest}"),
                train,
                valid,
            }])
        }
        Validation::KFold { folds, seed } => {
            let pos = y.iter().filter(|v| **v).count();
            let neg = y.len() - pos;
            if pos < folds || neg < folds {
                return Err(ModelError::CannotTrain(format!(
                    "{folds}-fold validation needs at least {folds} churners and {folds} retained accounts, found {} and {}",
                    pos, neg
                )));
            }
            let fold_of = kfold_assignment(y, folds, seed);
            (0..folds)
                .map(|k| {
                    let (valid, train): (Vec<usize>, Vec<usize>) =
                        (0..y.len()).partition(|&r| fold_of[r] == k);
                    require_rows(
                        train.len(),
                        params.min_rows,
                        &format!("the training part of fold {}", k + 1),
                    )?;
                    Ok(Split {
                        name: format!("fold {}", k + 1),
                        train,
                        valid,
                    })
                })
                .collect()
        }
    }
}

/// The validation fold (0-based) of each row under `Validation::KFold`: stratified,
/// each class shuffled with the fixed seed and its rows dealt round the folds,
/// continuing the deal from one class to the next. Public so a caller can record or
/// reproduce the exact folds (for example to compare with another implementation).
pub fn kfold_assignment(y: &[bool], folds: usize, seed: u64) -> Vec<usize> {
    let mut pos: Vec<usize> = (0..y.len()).filter(|&r| y[r]).collect();
    let mut neg: Vec<usize> = (0..y.len()).filter(|&r| !y[r]).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pos.shuffle(&mut rng);
    neg.shuffle(&mut rng);
    let mut fold_of = vec![0usize; y.len()];
    for (i, &r) in pos.iter().chain(&neg).enumerate() {
        fold_of[r] = i % folds.max(1);
    }
    fold_of
}

fn not_converged(stage: &str, cfg: &FitConfig, r: &FitResult) -> Option<ModelWarning> {
    (!r.converged()).then(|| ModelWarning::NotConverged {
        stage: stage.to_string(),
        alpha: cfg.alpha,
        max_iterations: cfg.max_iterations,
        gradient_norm: r.gradient_norm,
        tolerance: r.tolerance,
    })
}

/// Chosen alpha: lowest mean validation log loss; a tie goes to the larger alpha (the
/// simpler model).
fn choose(grid: &[GridPoint]) -> usize {
    let mut best = 0;
    for (i, g) in grid.iter().enumerate().skip(1) {
        let b = &grid[best];
        let tie = (g.validation_log_loss - b.validation_log_loss).abs()
            <= 1e-12 * b.validation_log_loss.abs().max(1e-300);
        if (tie && g.alpha > b.alpha) || (!tie && g.validation_log_loss < b.validation_log_loss) {
            best = i;
        }
    }
    best
}

/// A warning when the chosen point is the grid's smallest or largest alpha and its
/// neighbour validated worse, so the best alpha may lie beyond the grid.
fn at_grid_edge(grid: &[GridPoint], best: usize) -> Option<ModelWarning> {
    if grid.len() < 3 {
        return None;
    }
    let alpha = grid[best].alpha;
    let next = |larger: bool| {
        grid.iter()
            .filter(|g| {
                if larger {
                    g.alpha < alpha
                } else {
                    g.alpha > alpha
                }
            })
            .max_by(|a, b| {
                let (x, y) = if larger {
                    (a.alpha, b.alpha)
                } else {
                    (b.alpha, a.alpha)
                };
                x.total_cmp(&y)
            })
    };
    let largest = grid.iter().all(|g| g.alpha <= alpha);
    let smallest = grid.iter().all(|g| g.alpha >= alpha);
    let neighbour = if largest {
        next(true)
    } else if smallest {
        next(false)
    } else {
        return None;
    };
    neighbour
        .filter(|n| n.validation_log_loss > grid[best].validation_log_loss)
        .map(|_| ModelWarning::AlphaAtGridEdge { alpha, largest })
}

fn counts(set: &TrainingView) -> TrainingCounts {
    let mut groups: Vec<u32> = set.group.to_vec();
    groups.sort_unstable();
    groups.dedup();
    let per_group = groups
        .iter()
        .map(|&g| {
            let rows: Vec<usize> = (0..set.y.len()).filter(|&r| set.group[r] == g).collect();
            GroupCount {
                group: g,
                rows: rows.len(),
                positives: positives(set.y, &rows),
            }
        })
        .collect();
    TrainingCounts {
        rows: set.y.len(),
        positives: set.y.iter().filter(|v| **v).count(),
        per_group,
    }
}

/// Train a churn model. Deterministic: the same input gives bit-identical output
/// whatever the rayon thread count (each fit is sequential; results are collected in
/// grid order and reduced sequentially).
pub fn train(set: &TrainingSet, params: &TrainParams) -> Result<Trained, ModelError> {
    train_view(&set.view(), params)
}

/// [`train`] on borrowed rows, for example the labelled rows of a larger matrix.
pub fn train_view(set: &TrainingView, params: &TrainParams) -> Result<Trained, ModelError> {
    params.check_fit()?;
    set.check()?;
    let all: Vec<usize> = (0..set.y.len()).collect();
    require_rows(all.len(), params.min_rows, "the training data")?;
    require_both_classes(set.y, &all, "the training window")?;
    let splits = splits(set, params)?;

    let cfg = |alpha| FitConfig {
        solver: params.solver,
        alpha,
        max_iterations: params.max_iterations,
        tolerance_per_row: params.tolerance_per_row,
        warm_start_rows: params.warm_start_rows,
    };
    let x = set.x;

    // The grid is fitted on at most `selection_rows` training rows per split.
    let grid_splits: Vec<Split> = splits
        .iter()
        .map(|s| Split {
            name: s.name.clone(),
            train: selection_subsample(set.y, &s.train, params.selection_rows),
            valid: s.valid.clone(),
        })
        .collect();
    let subsampled = grid_splits
        .iter()
        .zip(&splits)
        .any(|(g, s)| g.train.len() < s.train.len());
    let prepared = grid_splits
        .iter()
        .map(|s| prepare(set, x, s))
        .collect::<Result<Vec<_>, _>>()?;

    // Splits in parallel; within a split the alphas run as a path, strongest first,
    // each fit starting from the previous alpha's solution (a nearby optimum: far fewer
    // iterations than a fresh start). Each fit evaluates in parallel itself.
    let mut path: Vec<usize> = (0..params.alphas.len()).collect();
    path.sort_by(|&a, &b| {
        params.alphas[b]
            .total_cmp(&params.alphas[a])
            .then(a.cmp(&b))
    });
    let per_split: Vec<Result<Vec<GridFit>, ModelError>> = prepared
        .par_iter()
        .map(|p| {
            let mut fits: Vec<Option<GridFit>> = (0..params.alphas.len()).map(|_| None).collect();
            let mut start = None;
            for &a in &path {
                let r = fit::fit_starting_at(
                    p.train_x.view(),
                    &p.train_y,
                    &cfg(params.alphas[a]),
                    start.take(),
                )?;
                start = Some((r.coef.clone(), r.intercept));
                let model = p.fitted(r.clone());
                let probs = p.valid_probabilities(&model);
                fits[a] = Some((model, r, probs));
            }
            Ok(fits
                .into_iter()
                .map(|f| f.expect("every alpha fitted"))
                .collect())
        })
        .collect();
    let mut results: Vec<GridFit> = Vec::with_capacity(splits.len() * params.alphas.len());
    for fits in per_split {
        results.extend(fits?);
    }

    let mut warnings = leak::suspected_leaks(set.specs, x, set.y);
    let mut grid = Vec::with_capacity(params.alphas.len());
    for (a, &alpha) in params.alphas.iter().enumerate() {
        let mut split_log_loss = Vec::new();
        let mut converged = true;
        for (s, split) in grid_splits.iter().enumerate() {
            let (_, r, probs) = &results[s * params.alphas.len() + a];
            split_log_loss.push(metrics::log_loss(probs, &prepared[s].valid_y));
            let stage = if subsampled {
                format!("{} (alpha grid on {} rows)", split.name, split.train.len())
            } else {
                split.name.clone()
            };
            if let Some(w) = not_converged(&stage, &cfg(alpha), r) {
                warnings.push(w);
                converged = false;
            }
        }
        let mean = split_log_loss.iter().sum::<f64>() / split_log_loss.len() as f64;
        grid.push(GridPoint {
            alpha,
            validation_log_loss: mean,
            split_log_loss,
            converged,
        });
    }
    let best = choose(&grid);
    let chosen_alpha = grid[best].alpha;
    warnings.extend(at_grid_edge(&grid, best));
    let final_cfg = cfg(chosen_alpha);

    // The chosen alpha's model per split, trained on the split's every training row,
    // and its validation predictions.
    let mut chosen: Vec<(Fitted, Vec<f64>)> = results
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % params.alphas.len() == best)
        .map(|(_, (model, _, probs))| (model, probs))
        .collect();
    drop(prepared);
    if subsampled {
        // One split at a time, so only one full design matrix is held.
        for (s, split) in splits.iter().enumerate() {
            let p = prepare(set, x, split)?;
            let start = start_for(&chosen[s].0, &p.pre);
            let r = fit::fit_starting_at(p.train_x.view(), &p.train_y, &final_cfg, Some(start))?;
            warnings.extend(not_converged(&split.name, &final_cfg, &r));
            let model = p.fitted(r);
            let probs = p.valid_probabilities(&model);
            chosen[s] = (model, probs);
        }
    }

    // Validation metrics of the chosen alpha: predictions pooled over the splits, placed
    // in row order so pooling does not depend on split order.
    let mut pooled: Vec<(usize, f64)> = Vec::new();
    for (split, (_, probs)) in splits.iter().zip(&chosen) {
        pooled.extend(split.valid.iter().copied().zip(probs.iter().copied()));
    }
    pooled.sort_by_key(|(r, _)| *r);
    let vp: Vec<f64> = pooled.iter().map(|(_, p)| *p).collect();
    let vy: Vec<bool> = pooled.iter().map(|(r, _)| set.y[*r]).collect();
    let validation_metrics = metrics::evaluate(&vp, &vy);

    // Refit preprocessing and coefficients on every row, starting from the first
    // split's solution (the same alpha on most of the same rows).
    let (pre, design, pre_warnings) = Preprocessor::fit_design(set.specs, x, &all)?;
    let start = start_for(&chosen[0].0, &pre);
    drop(chosen);
    let r = fit::fit_starting_at(design.view(), set.y, &final_cfg, Some(start))?;
    drop(design);
    warnings.extend(pre_warnings);
    warnings.extend(not_converged("final fit on all rows", &final_cfg, &r));
    let model = build_fitted(set.specs, pre, r);

    Ok(Trained {
        model,
        selection: Selection {
            validation: params.validation,
            chosen_alpha,
            grid,
            solver: params.solver,
            max_iterations: params.max_iterations,
            tolerance_per_row: params.tolerance_per_row,
            selection_rows: grid_splits.iter().map(|s| s.train.len()).collect(),
            validation_gap_days: match params.validation {
                Validation::OutOfTime if !set.group_days.is_empty() => params.validation_gap_days,
                _ => 0,
            },
        },
        metrics: validation_metrics,
        training: counts(set),
        warnings,
    })
}

/// A split's design matrices, preprocessing learned on its training rows only.
struct Prepared {
    pre: Preprocessor,
    train_x: ndarray::Array2<f64>,
    train_y: Vec<bool>,
    valid_x: ndarray::Array2<f64>,
    valid_y: Vec<bool>,
    specs: Vec<super::FeatureSpec>,
}

impl Prepared {
    fn fitted(&self, r: FitResult) -> Fitted {
        build_fitted(&self.specs, self.pre.clone(), r)
    }

    fn valid_probabilities(&self, model: &Fitted) -> Vec<f64> {
        model
            .logits(self.valid_x.view())
            .into_iter()
            .map(fit::sigmoid)
            .collect()
    }
}

/// A starting point for a fit under preprocessing `pre`: `model`'s coefficients matched
/// by column name (0 for a column it lacks). Means and deviations learned on other rows
/// differ a little, which only moves the start.
fn start_for(model: &Fitted, pre: &Preprocessor) -> (Vec<f64>, f64) {
    let coef = pre
        .column_names()
        .iter()
        .map(|name| {
            model
                .coefficients
                .iter()
                .find(|c| &c.column == name)
                .map_or(0.0, |c| c.value)
        })
        .collect();
    (coef, model.intercept)
}

/// Evenly spaced rows of `rows`, at most `cap` of them (0 = no cap). Keeps every row
/// when the subsample would miss a class.
fn selection_subsample(y: &[bool], rows: &[usize], cap: usize) -> Vec<usize> {
    let n = rows.len();
    if cap == 0 || n <= cap {
        return rows.to_vec();
    }
    let sample: Vec<usize> = (0..cap).map(|i| rows[i * n / cap]).collect();
    let p = positives(y, &sample);
    if p == 0 || p == sample.len() {
        return rows.to_vec();
    }
    sample
}

/// One grid point's fit: the model, the solver's result and its validation probabilities.
type GridFit = (Fitted, FitResult, Vec<f64>);

fn prepare(set: &TrainingView, x: ArrayView2<f64>, s: &Split) -> Result<Prepared, ModelError> {
    let (pre, train_x, _) = Preprocessor::fit_design(set.specs, x, &s.train)?;
    let (valid_x, _) = pre.design(x, &s.valid)?;
    Ok(Prepared {
        train_y: s.train.iter().map(|&r| set.y[r]).collect(),
        valid_y: s.valid.iter().map(|&r| set.y[r]).collect(),
        pre,
        train_x,
        valid_x,
        specs: set.specs.to_vec(),
    })
}

fn build_fitted(specs: &[super::FeatureSpec], pre: Preprocessor, r: FitResult) -> Fitted {
    let coefficients = pre
        .column_names()
        .into_iter()
        .zip(r.coef)
        .map(|(column, value)| Coefficient { column, value })
        .collect();
    Fitted {
        features: specs.to_vec(),
        preprocessor: pre,
        intercept: r.intercept,
        coefficients,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FeatureSpec, Transform};
    use ndarray::Array2;

    fn point(alpha: f64, loss: f64) -> GridPoint {
        GridPoint {
            alpha,
            validation_log_loss: loss,
            split_log_loss: vec![loss],
            converged: true,
        }
    }

    #[test]
    fn lowest_loss_wins_and_a_tie_goes_to_the_larger_alpha() {
        let g = [point(0.1, 0.30), point(1.0, 0.25), point(10.0, 0.27)];
        assert_eq!(choose(&g), 1);
        let g = [
            point(10.0, 0.25),
            point(0.1, 0.25),
            point(100.0, 0.25),
            point(1.0, 0.3),
        ];
        assert_eq!(choose(&g), 2);
    }

    #[test]
    fn the_summary_lists_every_alpha_and_flags_unconverged_fits() {
        let mut slow = point(0.1, 0.25);
        slow.converged = false;
        let sel = Selection {
            validation: Validation::OutOfTime,
            chosen_alpha: 10.0,
            grid: vec![slow, point(10.0, 0.2)],
            solver: Solver::Lbfgs,
            max_iterations: 500,
            tolerance_per_row: 1e-4,
            selection_rows: vec![100],
            validation_gap_days: 90,
        };
        assert_eq!(
            sel.summary(),
            "Chosen L2 alpha: 10 (grid by validation log loss:\n  alpha      0.1: 0.25000 (not converged)\n  alpha       10: 0.20000\n)\n"
        );
    }

    #[test]
    fn a_choice_at_either_end_of_the_grid_is_flagged() {
        let g = [point(0.1, 0.30), point(1.0, 0.25), point(10.0, 0.20)];
        assert_eq!(
            at_grid_edge(&g, choose(&g)),
            Some(ModelWarning::AlphaAtGridEdge {
                alpha: 10.0,
                largest: true
            })
        );
        let g = [point(10.0, 0.30), point(0.1, 0.20), point(1.0, 0.25)];
        assert_eq!(
            at_grid_edge(&g, choose(&g)),
            Some(ModelWarning::AlphaAtGridEdge {
                alpha: 0.1,
                largest: false
            })
        );
        let inside = [point(0.1, 0.30), point(1.0, 0.20), point(10.0, 0.25)];
        assert_eq!(at_grid_edge(&inside, choose(&inside)), None);
        // A flat end (a tie goes to the larger alpha) says nothing about beyond it.
        let flat = [point(0.1, 0.30), point(1.0, 0.20), point(10.0, 0.20)];
        assert_eq!(at_grid_edge(&flat, choose(&flat)), None);
        assert_eq!(at_grid_edge(&g[..2], 1), None);
    }

    #[test]
    fn selection_rows_are_evenly_spaced_and_keep_both_classes() {
        let y: Vec<bool> = (0..100).map(|i| i % 10 == 0).collect();
        let rows: Vec<usize> = (0..100).collect();
        assert_eq!(selection_subsample(&y, &rows, 0), rows);
        assert_eq!(selection_subsample(&y, &rows, 100), rows);
        assert_eq!(
            selection_subsample(&y, &rows, 20),
            (0..20).map(|i| i * 5).collect::<Vec<_>>()
        );
        // The only churner is row 5, which rows 0, 10, 20... miss: every row is kept.
        let one: Vec<bool> = (0..100).map(|i| i == 5).collect();
        assert_eq!(selection_subsample(&one, &rows, 10), rows);
    }

    #[test]
    fn folds_are_stratified_and_fixed_by_the_seed() {
        let n = 103;
        let set = TrainingSet {
            specs: vec![FeatureSpec::new("a", Transform::Identity)],
            x: Array2::zeros((n, 1)),
            y: (0..n).map(|i| i % 5 == 0).collect(), // 21 churners
            group: vec![0; n],
        };
        let params = |seed| TrainParams {
            validation: Validation::KFold { folds: 4, seed },
            min_rows: 10,
            ..TrainParams::default()
        };
        let a = splits(&set.view(), &params(7)).unwrap();
        assert_eq!(a.len(), 4);
        let mut seen = vec![0; n];
        for s in &a {
            let p = positives(&set.y, &s.valid);
            assert!(p == 5 || p == 6, "churners per fold: {p}");
            assert!(s.valid.len() == 25 || s.valid.len() == 26);
            assert_eq!(s.train.len() + s.valid.len(), n);
            s.valid.iter().for_each(|&r| seen[r] += 1);
        }
        assert!(seen.iter().all(|&c| c == 1), "every row validated once");
        let again = splits(&set.view(), &params(7)).unwrap();
        assert!(a.iter().zip(&again).all(|(x, y)| x.valid == y.valid));
        let other = splits(&set.view(), &params(8)).unwrap();
        assert!(a.iter().zip(&other).any(|(x, y)| x.valid != y.valid));
    }
}
