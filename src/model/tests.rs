//! Tests of the model stage as a whole: orientation, agreement with a reference
//! solver, determinism across thread counts, errors, and the model file.

use super::fit::{self, FitConfig};
use super::*;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const NAMES: [&str; 3] = ["driver", "protector", "tickets"];

/// Synthetic accounts: `driver` raises churn, `protector` lowers it, `tickets` is a
/// skewed count with 10 % missing and no effect. The intercept is tuned so that the
/// expected churn rate is `rate`.
fn synthetic(n: usize, rate: f64, groups: u32, seed: u64) -> TrainingSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((n, 3));
    for i in 0..n {
        x[[i, 0]] = StandardNormal.sample(&mut rng);
        x[[i, 1]] = StandardNormal.sample(&mut rng);
        let t: f64 = StandardNormal.sample(&mut rng);
        x[[i, 2]] = if rng.gen_bool(0.1) {
            f64::NAN
        } else {
            (t.exp() * 3.0).floor()
        };
    }
    let logit = |i: usize, b: f64| b + 1.5 * x[[i, 0]] - 0.8 * x[[i, 1]];
    let (mut lo, mut hi) = (-20.0, 20.0);
    for _ in 0..60 {
        let b = (lo + hi) / 2.0;
        let mean = (0..n).map(|i| fit::sigmoid(logit(i, b))).sum::<f64>() / n as f64;
        if mean < rate {
            lo = b
        } else {
            hi = b
        }
    }
    let y = (0..n)
        .map(|i| rng.gen_bool(fit::sigmoid(logit(i, lo))))
        .collect();
    let group = (0..n).map(|i| (i as u32) % groups).collect();
    TrainingSet {
        specs: vec![
            FeatureSpec::new(NAMES[0], Transform::Identity),
            FeatureSpec::new(NAMES[1], Transform::Identity),
            FeatureSpec::new(NAMES[2], Transform::Log1p),
        ],
        x,
        y,
        group,
    }
}

fn coef(t: &Trained, column: &str) -> f64 {
    t.model
        .coefficients
        .iter()
        .find(|c| c.column == column)
        .unwrap()
        .value
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn probabilities_are_for_churn_with_rare_and_common_churn() {
    // Both solvers: linfa-logistic makes the more frequent label its positive class.
    let cases = [(0.10, 1), (0.60, 2)]
        .into_iter()
        .flat_map(|c| [Solver::Lbfgs, Solver::LinfaLogistic].map(|s| (c, s)));
    for ((rate, seed), solver) in cases {
        let set = synthetic(4000, rate, 4, seed);
        let observed = set.y.iter().filter(|v| **v).count() as f64 / 4000.0;
        let params = TrainParams {
            solver,
            ..TrainParams::default()
        };
        let t = train(&set, &params).unwrap();
        let p = t.model.predict(set.x.view()).unwrap();
        // With an unpenalised intercept the fitted mean equals the observed rate.
        assert!(
            (mean(&p) - observed).abs() < 0.01,
            "rate {rate}: mean P(churn) {} vs observed {observed}",
            mean(&p)
        );
        assert!(
            coef(&t, "driver") > 0.5,
            "rate {rate}: {:?}",
            t.model.coefficients
        );
        assert!(coef(&t, "protector") < -0.3, "rate {rate}");
        // And P(churn) rises with the driver, everything else equal.
        let mut lo = set.x.slice(ndarray::s![0..1, ..]).to_owned();
        let mut hi = lo.clone();
        lo[[0, 0]] = -1.0;
        hi[[0, 0]] = 1.0;
        assert!(t.model.predict(hi.view()).unwrap()[0] > t.model.predict(lo.view()).unwrap()[0]);
        assert!(
            t.metrics.roc_auc > 0.7,
            "rate {rate}: auc {}",
            t.metrics.roc_auc
        );
    }
}

/// Newton's method on the same objective: sum log-loss + alpha/2 ||w||^2, intercept
/// unpenalised.
#[allow(clippy::needless_range_loop)] // textbook indexing reads clearer here
fn newton_reference(x: ArrayView2<f64>, y: &[bool], alpha: f64) -> (Vec<f64>, f64) {
    let (n, p) = x.dim();
    let k = p + 1;
    let mut beta = vec![0.0; k]; // w..., b
    for _ in 0..50 {
        let mut g = vec![0.0; k];
        let mut h = vec![vec![0.0; k]; k];
        for i in 0..n {
            let mut z = beta[p];
            for j in 0..p {
                z += beta[j] * x[[i, j]];
            }
            let pi = fit::sigmoid(z);
            let r = pi - if y[i] { 1.0 } else { 0.0 };
            let row: Vec<f64> = (0..k)
                .map(|j| if j < p { x[[i, j]] } else { 1.0 })
                .collect();
            for a in 0..k {
                g[a] += r * row[a];
                for b in 0..k {
                    h[a][b] += pi * (1.0 - pi) * row[a] * row[b];
                }
            }
        }
        for j in 0..p {
            g[j] += alpha * beta[j];
            h[j][j] += alpha;
        }
        // Solve h d = g by Gaussian elimination with partial pivoting.
        let mut m: Vec<Vec<f64>> = (0..k)
            .map(|a| {
                let mut r = h[a].clone();
                r.push(g[a]);
                r
            })
            .collect();
        for c in 0..k {
            let piv = (c..k)
                .max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
                .unwrap();
            m.swap(c, piv);
            for r in 0..k {
                if r != c {
                    let f = m[r][c] / m[c][c];
                    for cc in c..=k {
                        m[r][cc] -= f * m[c][cc];
                    }
                }
            }
        }
        for a in 0..k {
            beta[a] -= m[a][k] / m[a][a];
        }
    }
    (beta[..p].to_vec(), beta[p])
}

#[test]
fn coefficients_match_a_newton_reference() {
    let set = synthetic(300, 0.2, 1, 3);
    let rows: Vec<usize> = (0..300).collect();
    let (pre, _) = Preprocessor::fit(&set.specs, set.x.view(), &rows).unwrap();
    let (design, _) = pre.design(set.x.view(), &rows).unwrap();
    for solver in [Solver::Lbfgs, Solver::LinfaLogistic] {
        for alpha in [0.1, 10.0] {
            let cfg = FitConfig {
                solver,
                alpha,
                max_iterations: 1000,
                tolerance_per_row: 1e-10,
                warm_start_rows: 0,
            };
            let r = fit::fit(design.view(), &set.y, &cfg).unwrap();
            let (w, b) = newton_reference(design.view(), &set.y, alpha);
            assert!(
                (r.intercept - b).abs() < 1e-4,
                "{solver:?} alpha {alpha}: {} vs {b}",
                r.intercept
            );
            for (got, want) in r.coef.iter().zip(&w) {
                assert!(
                    (got - want).abs() < 1e-4,
                    "{solver:?} alpha {alpha}: {:?} vs {w:?}",
                    r.coef
                );
            }
        }
    }
}

#[test]
fn warm_start_reaches_the_same_optimum() {
    let set = synthetic(5000, 0.15, 1, 4);
    let rows: Vec<usize> = (0..5000).collect();
    let (pre, _) = Preprocessor::fit(&set.specs, set.x.view(), &rows).unwrap();
    let (design, _) = pre.design(set.x.view(), &rows).unwrap();
    for solver in [Solver::Lbfgs, Solver::LinfaLogistic] {
        let cfg = |warm| FitConfig {
            solver,
            alpha: 1.0,
            max_iterations: 1000,
            tolerance_per_row: 1e-9,
            warm_start_rows: warm,
        };
        let cold = fit::fit(design.view(), &set.y, &cfg(0)).unwrap();
        let warm = fit::fit(design.view(), &set.y, &cfg(1000)).unwrap();
        assert!(cold.converged() && warm.converged());
        for (a, b) in cold.coef.iter().zip(&warm.coef) {
            assert!((a - b).abs() < 1e-5, "{:?} vs {:?}", cold.coef, warm.coef);
        }
    }
}

/// Runs `f` on a rayon pool of `threads` threads.
fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn training_is_bit_identical_with_one_and_two_threads() {
    let set = synthetic(3000, 0.12, 3, 5);
    let score_x = synthetic(20_000, 0.12, 1, 6).x;
    let params = TrainParams {
        validation: Validation::KFold { folds: 3, seed: 9 },
        warm_start_rows: 500,
        ..TrainParams::default()
    };
    let run = |threads| {
        with_threads(threads, || {
            let t = train(&set, &params).unwrap();
            let s = t.model.explain(score_x.view()).unwrap();
            (
                format!("{t:?}"),
                format!("{:?}", s.probabilities),
                s.contributions,
            )
        })
    };
    let (one, two) = (run(1), run(2));
    assert!(one.0 == two.0, "trained models differ");
    assert!(one.1 == two.1, "scores differ");
    assert!(one
        .2
        .iter()
        .zip(&two.2)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn a_capped_alpha_grid_still_validates_and_refits_on_every_row() {
    let set = synthetic(6000, 0.15, 4, 11);
    let params = |selection_rows| TrainParams {
        alphas: vec![1.0],
        tolerance_per_row: 1e-10,
        max_iterations: 2000,
        selection_rows,
        ..TrainParams::default()
    };
    let all = train(&set, &params(0)).unwrap();
    let capped = train(&set, &params(400)).unwrap();
    assert_eq!(all.selection.selection_rows, vec![4500]);
    assert_eq!(capped.selection.selection_rows, vec![400]);
    // Metrics and coefficients come from fits on every row, which reach the same
    // optimum whatever rows the grid saw.
    let (a, c) = (&all.metrics, &capped.metrics);
    assert!(
        (a.roc_auc - c.roc_auc).abs() < 1e-9,
        "{} vs {}",
        a.roc_auc,
        c.roc_auc
    );
    assert!(
        (a.log_loss - c.log_loss).abs() < 1e-9,
        "{} vs {} {:?} {:?}",
        a.log_loss,
        c.log_loss,
        all.warnings,
        capped.warnings
    );
    for name in NAMES {
        assert!((coef(&all, name) - coef(&capped, name)).abs() < 1e-6);
    }
    assert_eq!(capped.training.rows, 6000);
}

#[test]
fn a_capped_alpha_grid_is_bit_identical_with_one_and_two_threads() {
    let set = synthetic(4000, 0.12, 4, 12);
    let params = TrainParams {
        selection_rows: 700,
        warm_start_rows: 300,
        ..TrainParams::default()
    };
    let run = |threads| with_threads(threads, || format!("{:?}", train(&set, &params).unwrap()));
    assert!(run(1) == run(2), "trained models differ");
}

#[test]
fn a_window_without_churners_is_refused_by_name() {
    let mut set = synthetic(400, 0.2, 2, 7);
    // group 1 is the validation window; strip the churners from the training window
    for (y, g) in set.y.iter_mut().zip(&set.group) {
        if *g == 0 {
            *y = false;
        }
    }
    let err = train(&set, &TrainParams::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CannotTrain);
    assert_eq!(
        err.to_string(),
        "cannot train a model: the training window (groups before 1) has no churners"
    );

    let mut set = synthetic(400, 0.2, 2, 7);
    for (y, g) in set.y.iter_mut().zip(&set.group) {
        if *g == 1 {
            *y = false;
        }
    }
    let err = train(&set, &TrainParams::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the validation window (group 1) has no churners"),
        "{err}"
    );

    let mut set = synthetic(400, 0.2, 2, 7);
    set.y.iter_mut().for_each(|y| *y = false);
    let err = train(&set, &TrainParams::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the training window has no churners"),
        "{err}"
    );
}

#[test]
fn too_few_groups_rows_or_churners_for_folds_are_refused() {
    let set = synthetic(400, 0.2, 1, 8);
    let err = train(&set, &TrainParams::default()).unwrap_err();
    assert!(err.to_string().contains("at least 2 groups"), "{err}");

    let params = TrainParams {
        min_rows: 1000,
        ..TrainParams::default()
    };
    let err = train(&synthetic(400, 0.2, 2, 8), &params).unwrap_err();
    assert!(
        err.to_string().contains("fewer than the minimum of 1000"),
        "{err}"
    );

    let mut set = synthetic(400, 0.2, 1, 8);
    set.y.iter_mut().for_each(|y| *y = false);
    set.y[0] = true;
    set.y[1] = true;
    let params = TrainParams {
        validation: Validation::KFold { folds: 5, seed: 1 },
        ..TrainParams::default()
    };
    let err = train(&set, &params).unwrap_err();
    assert!(err.to_string().contains("at least 5 churners"), "{err}");
}

#[test]
fn infinity_in_training_data_is_refused() {
    let mut set = synthetic(400, 0.2, 2, 10);
    set.x[[17, 2]] = f64::INFINITY;
    let err = train(&set, &TrainParams::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.to_string(),
        "feature 'tickets' has an infinite value in row 17"
    );
}

#[test]
fn hitting_the_iteration_cap_is_reported() {
    let set = synthetic(2000, 0.2, 2, 11);
    let params = TrainParams {
        max_iterations: 1,
        tolerance_per_row: 1e-12,
        ..TrainParams::default()
    };
    let t = train(&set, &params).unwrap();
    assert!(t.warnings.iter().any(
        |w| matches!(w, ModelWarning::NotConverged { stage, .. } if stage.starts_with("final"))
    ));
    assert!(t.selection.grid.iter().all(|g| !g.converged));
    let quiet = train(&set, &TrainParams::default()).unwrap();
    assert!(quiet.warnings.is_empty(), "{:?}", quiet.warnings);
}

#[test]
fn the_alpha_path_reaches_each_alphas_own_optimum() {
    // The grid fits alphas strongest first, each from the previous solution; with a
    // tight tolerance every grid point must match a fit of that alpha alone, whatever
    // order the grid was given in.
    let set = synthetic(4000, 0.15, 3, 21);
    let params = |alphas: Vec<f64>| TrainParams {
        alphas,
        tolerance_per_row: 1e-9,
        max_iterations: 2000,
        ..TrainParams::default()
    };
    let path = train(&set, &params(vec![1.0, 1000.0, 30.0])).unwrap();
    for g in &path.selection.grid {
        let alone = train(&set, &params(vec![g.alpha])).unwrap();
        let want = alone.selection.grid[0].validation_log_loss;
        assert!(
            (g.validation_log_loss - want).abs() < 1e-9,
            "alpha {}: {} on the path, {want} alone",
            g.alpha,
            g.validation_log_loss
        );
    }
    let alphas: Vec<f64> = path.selection.grid.iter().map(|g| g.alpha).collect();
    assert_eq!(
        alphas,
        [1.0, 1000.0, 30.0],
        "the grid keeps the given order"
    );
}

#[test]
fn grid_is_scored_and_alpha_chosen_by_validation_log_loss() {
    let set = synthetic(3000, 0.2, 3, 12);
    let t = train(&set, &TrainParams::default()).unwrap();
    let g = &t.selection.grid;
    assert_eq!(g.len(), 6);
    let best = g
        .iter()
        .map(|p| p.validation_log_loss)
        .fold(f64::INFINITY, f64::min);
    let chosen = g
        .iter()
        .find(|p| p.alpha == t.selection.chosen_alpha)
        .unwrap();
    assert_eq!(chosen.validation_log_loss, best);
    // The validation part is the latest group only.
    assert_eq!(t.metrics.rows, 1000);
    assert_eq!(t.training.rows, 3000);
    assert_eq!(t.training.per_group.len(), 3);
    assert_eq!(
        t.training
            .per_group
            .iter()
            .map(|g| g.positives)
            .sum::<usize>(),
        t.training.positives
    );
}

#[test]
fn contributions_add_up_to_the_logit_and_fold_in_the_indicator() {
    let set = synthetic(2000, 0.2, 2, 13);
    let t = train(&set, &TrainParams::default()).unwrap();
    let s = t.model.explain(set.x.view()).unwrap();
    assert_eq!(s.contributions.dim(), (2000, 3));
    assert_eq!(s.probabilities, t.model.predict(set.x.view()).unwrap());
    for i in 0..50 {
        let z = t.model.intercept + s.contributions.row(i).sum();
        assert!((fit::sigmoid(z) - s.probabilities[i]).abs() < 1e-12);
    }
    // A missing `tickets` value contributes through its indicator, under `tickets`.
    let i = (0..2000).find(|&i| set.x[[i, 2]].is_nan()).unwrap();
    let ind = t.model.preprocessor.features[2].missing_indicator.unwrap();
    let v = &t.model.preprocessor.features[2].value;
    let want = coef(&t, "tickets") * (t.model.preprocessor.features[2].median - v.mean) / v.sd
        + coef(&t, "tickets__missing") * (1.0 - ind.mean) / ind.sd;
    assert!((s.contributions[[i, 2]] - want).abs() < 1e-12);
    let top = s.top_drivers(i, 2);
    assert!(top.len() <= 2 && top.windows(2).all(|w| w[0].1 >= w[1].1));
}

fn meta(created: &str) -> ModelMeta {
    ModelMeta {
        created_at: chrono::DateTime::parse_from_rfc3339(created)
            .unwrap()
            .with_timezone(&chrono::Utc),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        horizon_days: 90,
        extra: [("contract".to_string(), "v1".to_string())].into(),
    }
}

#[test]
fn model_file_round_trips_with_identical_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(2000, 0.2, 2, 14);
    let m = ChurnModel::new(
        train(&set, &TrainParams::default()).unwrap(),
        meta("2026-04-01T02:00:00Z"),
    )
    .unwrap();
    assert!(
        m.model_version.starts_with("m-20260331-"),
        "{}",
        m.model_version
    );
    assert_eq!(m.model_version.len(), "m-20260331-".len() + 8);
    let path = m.save(dir.path()).unwrap();
    assert_eq!(path, dir.path().join(format!("{}.json", m.model_version)));
    let pointer = std::fs::read_to_string(dir.path().join("latest")).unwrap();
    assert_eq!(pointer.trim(), m.file_name());

    let back = ChurnModel::load_latest(dir.path()).unwrap();
    assert_eq!(back, m);
    let (a, b) = (
        m.predict(set.x.view()).unwrap(),
        back.predict(set.x.view()).unwrap(),
    );
    assert!(a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()));

    // Same training, another day: same id.
    let again = ChurnModel::new(
        train(&set, &TrainParams::default()).unwrap(),
        meta("2026-04-02T02:00:00Z"),
    )
    .unwrap();
    assert_eq!(again.model_version, m.model_version);
    assert_ne!(again.created_at, m.created_at);
    // No temp files left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn saving_a_file_leaves_latest_until_it_is_made_latest() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(1000, 0.2, 2, 16);
    let first = ChurnModel::new(
        train(&set, &TrainParams::default()).unwrap(),
        meta("2026-04-01T02:00:00Z"),
    )
    .unwrap();
    assert_eq!(ChurnModel::latest_name(dir.path()), None);
    first.save(dir.path()).unwrap();
    assert_eq!(ChurnModel::latest_name(dir.path()), Some(first.file_name()));

    let params = TrainParams {
        alphas: vec![3.0],
        ..TrainParams::default()
    };
    let second =
        ChurnModel::new(train(&set, &params).unwrap(), meta("2026-04-01T02:00:00Z")).unwrap();
    assert_ne!(second.model_version, first.model_version);
    let path = second.save_file(dir.path()).unwrap();
    assert_eq!(ChurnModel::load(&path).unwrap(), second);
    assert_eq!(ChurnModel::latest_name(dir.path()), Some(first.file_name()));
    assert_eq!(ChurnModel::load_latest(dir.path()).unwrap(), first);
    second.make_latest(dir.path()).unwrap();
    assert_eq!(ChurnModel::load_latest(dir.path()).unwrap(), second);
}

#[test]
fn damaged_or_missing_model_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(1000, 0.2, 2, 15);
    let m = ChurnModel::new(
        train(&set, &TrainParams::default()).unwrap(),
        meta("2026-04-01T02:00:00Z"),
    )
    .unwrap();
    let path = m.save(dir.path()).unwrap();

    let missing = dir.path().join("m-nope.json");
    let err = ChurnModel::load(&missing).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("m-nope.json"), "{err}");

    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let err = ChurnModel::load(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptModel);
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("not a valid model file"),
        "{msg}"
    );

    // Well-formed JSON with an edited coefficient no longer matches its id.
    let mut edited = m.clone();
    edited.model.coefficients[0].value += 0.5;
    std::fs::write(&path, serde_json::to_vec(&edited).unwrap()).unwrap();
    let err = ChurnModel::load(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptModel);
    assert!(
        err.to_string().contains("does not match its version id"),
        "{err}"
    );

    std::fs::write(dir.path().join("latest"), "../elsewhere.json\n").unwrap();
    let err = ChurnModel::load_latest(dir.path()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptModel);
}

#[test]
fn feature_mismatch_names_missing_and_unexpected_features() {
    let set = synthetic(1000, 0.2, 2, 16);
    let m = ChurnModel::new(
        train(&set, &TrainParams::default()).unwrap(),
        meta("2026-04-01T02:00:00Z"),
    )
    .unwrap();
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    m.check_features(&s(&NAMES)).unwrap();
    let err = m
        .check_features(&s(&["driver", "tickets", "seats"]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FeatureMismatch);
    assert_eq!(
        err.to_string(),
        "the model's features do not match the data: missing from the data: protector; not known to the model: seats"
    );
    let err = m
        .check_features(&s(&["tickets", "driver", "protector"]))
        .unwrap_err();
    assert!(err.to_string().contains("different column order"), "{err}");
}

#[test]
fn out_of_time_validation_trains_a_horizon_before_the_validation_date() {
    // Five monthly groups; with a 90-day horizon the validation date's labels overlap
    // those of the two dates before it, so training for validation uses only the
    // first two.
    let set = synthetic(5000, 0.2, 5, 3);
    let days = [0, 30, 60, 90, 120];
    let rows_in = |gs: &[u32]| set.group.iter().filter(|g| gs.contains(g)).count();
    let params = TrainParams {
        selection_rows: 0,
        validation_gap_days: 90,
        ..TrainParams::default()
    };
    let view = TrainingView {
        group_days: &days,
        ..set.view()
    };
    let t = train_view(&view, &params).unwrap();
    assert_eq!(t.selection.selection_rows, vec![rows_in(&[0, 1])]);
    assert_eq!(t.selection.validation_gap_days, 90);
    assert_eq!(t.metrics.rows, rows_in(&[4]));
    // The final model still learns from every labelled row.
    assert_eq!(t.training.rows, 5000);
    // Without dates there is no gap: every earlier group trains.
    let t = train(&set, &params).unwrap();
    assert_eq!(t.selection.selection_rows, vec![rows_in(&[0, 1, 2, 3])]);
    assert_eq!(t.selection.validation_gap_days, 0);
    // A history shorter than the horizon leaves nothing to train on.
    let view = TrainingView {
        group_days: &[0, 30, 60, 90, 100],
        ..set.view()
    };
    let params = TrainParams {
        validation_gap_days: 101,
        ..params
    };
    let e = train_view(&view, &params).unwrap_err();
    assert!(e.to_string().contains("at least 101 days"), "{e}");
}
