//! Model selection: fit the alpha grid on validation splits in parallel, choose alpha by
//! validation log loss, then refit on every row.

use super::fit::{self, FitConfig, FitResult};
use super::metrics::{self, Metrics};
use super::score::{Coefficient, Fitted};
use super::transform::Preprocessor;
use super::{ModelError, ModelWarning, TrainParams, TrainingSet, Validation};
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
    pub max_iterations: u64,
    pub tolerance_per_row: f64,
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

fn splits(set: &TrainingSet, params: &TrainParams) -> Result<Vec<Split>, ModelError> {
    let y = &set.y;
    match params.validation {
        Validation::OutOfTime => {
            let latest = *set.group.iter().max().expect("rows checked non-empty");
            let (valid, train): (Vec<usize>, Vec<usize>) =
                (0..y.len()).partition(|&r| set.group[r] == latest);
            if train.is_empty() {
                return Err(ModelError::CannotTrain(format!(
                    "out-of-time validation needs at least 2 groups (observation dates); all rows are in group {latest}"
                )));
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

fn counts(set: &TrainingSet) -> TrainingCounts {
    let mut groups: Vec<u32> = set.group.clone();
    groups.sort_unstable();
    groups.dedup();
    let per_group = groups
        .iter()
        .map(|&g| {
            let rows: Vec<usize> = (0..set.y.len()).filter(|&r| set.group[r] == g).collect();
            GroupCount {
                group: g,
                rows: rows.len(),
                positives: positives(&set.y, &rows),
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
    params.check()?;
    set.check()?;
    let all: Vec<usize> = (0..set.y.len()).collect();
    require_rows(all.len(), params.min_rows, "the training data")?;
    require_both_classes(&set.y, &all, "the training window")?;
    let splits = splits(set, params)?;

    let cfg = |alpha| FitConfig {
        alpha,
        max_iterations: params.max_iterations,
        tolerance_per_row: params.tolerance_per_row,
        warm_start_rows: params.warm_start_rows,
    };
    let x = set.x.view();
    let prepared = splits
        .iter()
        .map(|s| prepare(set, x, s))
        .collect::<Result<Vec<_>, _>>()?;

    // Every (split, alpha) fit is an independent, sequential task.
    let tasks: Vec<(usize, usize)> = (0..splits.len())
        .flat_map(|s| (0..params.alphas.len()).map(move |a| (s, a)))
        .collect();
    let results: Vec<Result<(FitResult, Vec<f64>), ModelError>> = tasks
        .par_iter()
        .map(|&(s, a)| {
            let p = &prepared[s];
            let r = fit::fit(p.train_x.view(), &p.train_y, &cfg(params.alphas[a]))?;
            let model = p.fitted(r.clone());
            let probs: Vec<f64> = model
                .logits(p.valid_x.view())
                .into_iter()
                .map(fit::sigmoid)
                .collect();
            Ok((r, probs))
        })
        .collect();
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;

    let mut warnings = Vec::new();
    let mut grid = Vec::with_capacity(params.alphas.len());
    for (a, &alpha) in params.alphas.iter().enumerate() {
        let mut split_log_loss = Vec::new();
        let mut converged = true;
        for (s, split) in splits.iter().enumerate() {
            let (r, probs) = &results[s * params.alphas.len() + a];
            split_log_loss.push(metrics::log_loss(probs, &prepared[s].valid_y));
            if let Some(w) = not_converged(&split.name, &cfg(alpha), r) {
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

    // Validation metrics of the chosen alpha: predictions pooled over the splits, placed
    // in row order so pooling does not depend on split order.
    let mut pooled: Vec<(usize, f64)> = Vec::new();
    for (s, split) in splits.iter().enumerate() {
        let (_, probs) = &results[s * params.alphas.len() + best];
        pooled.extend(split.valid.iter().copied().zip(probs.iter().copied()));
    }
    pooled.sort_by_key(|(r, _)| *r);
    let vp: Vec<f64> = pooled.iter().map(|(_, p)| *p).collect();
    let vy: Vec<bool> = pooled.iter().map(|(r, _)| set.y[*r]).collect();
    let validation_metrics = metrics::evaluate(&vp, &vy);
    drop(results);
    drop(prepared);

    // Refit preprocessing and coefficients on every row.
    let (pre, pre_warnings) = Preprocessor::fit(&set.specs, x, &all)?;
    let (design, _) = pre.design(x, &all)?;
    let final_cfg = cfg(chosen_alpha);
    let r = fit::fit(design.view(), &set.y, &final_cfg)?;
    warnings.extend(pre_warnings);
    warnings.extend(not_converged("final fit on all rows", &final_cfg, &r));
    let model = build_fitted(&set.specs, pre, r);

    Ok(Trained {
        model,
        selection: Selection {
            validation: params.validation,
            chosen_alpha,
            grid,
            max_iterations: params.max_iterations,
            tolerance_per_row: params.tolerance_per_row,
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
}

fn prepare(set: &TrainingSet, x: ArrayView2<f64>, s: &Split) -> Result<Prepared, ModelError> {
    let (pre, _) = Preprocessor::fit(&set.specs, x, &s.train)?;
    let (train_x, _) = pre.design(x, &s.train)?;
    let (valid_x, _) = pre.design(x, &s.valid)?;
    Ok(Prepared {
        train_y: s.train.iter().map(|&r| set.y[r]).collect(),
        valid_y: s.valid.iter().map(|&r| set.y[r]).collect(),
        pre,
        train_x,
        valid_x,
        specs: set.specs.clone(),
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
        let a = splits(&set, &params(7)).unwrap();
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
        let again = splits(&set, &params(7)).unwrap();
        assert!(a.iter().zip(&again).all(|(x, y)| x.valid == y.valid));
        let other = splits(&set, &params(8)).unwrap();
        assert!(a.iter().zip(&other).any(|(x, y)| x.valid != y.valid));
    }
}
