//! One L2-regularised logistic fit, returned oriented for
//! P(churn) = sigmoid(intercept + x.coef), by either solver.

use super::objective::{self, LogisticObjective};
use super::ModelError;
use linfa::traits::Fit;
use linfa::DatasetBase;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView2, CowArray, Ix2, ShapeBuilder};
use serde::{Deserialize, Serialize};

/// Which implementation minimises the objective. Both run argmin's L-BFGS (memory 10,
/// More-Thuente line search) on the same objective and stopping rule, so they reach
/// the same optimum; they differ in speed (docs/model.md, "Speed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Solver {
    /// The loss and gradient in one pass over the rows, remembered for the solver's
    /// repeated requests, and evaluated in parallel blocks.
    #[default]
    Lbfgs,
    /// linfa-logistic's own fit: separate loss and gradient passes, one thread.
    LinfaLogistic,
}

impl Solver {
    pub fn name(self) -> &'static str {
        match self {
            Solver::Lbfgs => "lbfgs",
            Solver::LinfaLogistic => "linfa-logistic",
        }
    }
}

/// Settings of one fit (the alpha grid and validation live in `select`).
#[derive(Debug, Clone, Copy)]
pub struct FitConfig {
    pub solver: Solver,
    pub alpha: f64,
    pub max_iterations: u64,
    pub tolerance_per_row: f64,
    /// Start from a fit on an evenly spaced subsample of this many rows when the data
    /// has more than twice as many (0 = never).
    pub warm_start_rows: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    pub intercept: f64,
    /// One per design column, oriented for P(churn).
    pub coef: Vec<f64>,
    /// L2 norm of the summed objective's gradient at the result.
    pub gradient_norm: f64,
    /// The absolute tolerance the solver was given.
    pub tolerance: f64,
}

impl FitResult {
    /// linfa returns Ok when it hits the iteration cap or its line search gives up, so
    /// convergence is judged from the gradient at the returned point.
    pub fn converged(&self) -> bool {
        self.gradient_norm < self.tolerance
    }
}

#[inline]
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `x` itself when its columns are contiguous, else a column-major copy.
fn column_major(x: ArrayView2<f64>) -> CowArray<f64, Ix2> {
    if objective::columns_of(x).is_some() {
        CowArray::from(x)
    } else {
        let mut c = Array2::zeros(x.raw_dim().f());
        c.assign(&x);
        CowArray::from(c)
    }
}

/// Gradient norm of sum log-loss + alpha/2 ||w||^2 (intercept unpenalised), the
/// quantity both solvers' stopping rule compares with the tolerance.
pub fn gradient_norm(
    x: ArrayView2<f64>,
    y: &[bool],
    alpha: f64,
    coef: &[f64],
    intercept: f64,
) -> f64 {
    let x = column_major(x);
    let columns = objective::columns_of(x.view()).expect("column-major");
    let mut p = Array1::from(coef.to_vec());
    p.push(ndarray::Axis(0), ndarray::aview0(&intercept))
        .expect("a 1-d push");
    let (_, g) = LogisticObjective::new(columns, y, alpha).loss_and_gradient(&p);
    g.dot(&g).sqrt()
}

/// One fit on an already standardised design `x` (column-major is much faster).
/// Both classes must be present. `train` is the usual entry point; this one serves
/// callers that build their own design matrix, and speed measurements.
pub fn fit(x: ArrayView2<f64>, y: &[bool], cfg: &FitConfig) -> Result<FitResult, ModelError> {
    fit_starting_at(x, y, cfg, None)
}

/// Like [`fit`], starting from `start` (coefficients, intercept) when given: a nearby
/// solution, such as the same alpha fitted on fewer rows, saves most iterations.
pub fn fit_starting_at(
    x: ArrayView2<f64>,
    y: &[bool],
    cfg: &FitConfig,
    start: Option<(Vec<f64>, f64)>,
) -> Result<FitResult, ModelError> {
    let n = y.len();
    let positives = y.iter().filter(|v| **v).count();
    if positives == 0 || positives == n {
        return Err(ModelError::CannotTrain(
            "a fit needs both churners and non-churners".into(),
        ));
    }
    let start = match start {
        Some((w, b))
            if w.len() == x.ncols() && b.is_finite() && w.iter().all(|v| v.is_finite()) =>
        {
            Some((w, b))
        }
        _ if cfg.warm_start_rows > 0 && n > 2 * cfg.warm_start_rows => warm_start(x, y, cfg),
        _ => None,
    };
    // Without a warm start, begin at the base rate: the intercept alone is then right.
    let (w0, b0) = start.unwrap_or_else(|| {
        let rate = positives as f64 / n as f64;
        (vec![0.0; x.ncols()], (rate / (1.0 - rate)).ln())
    });
    fit_from(
        x,
        y,
        cfg.solver,
        cfg.alpha,
        cfg.max_iterations,
        cfg.tolerance_per_row,
        &w0,
        b0,
    )
}

/// A fit on an evenly spaced subsample, with alpha scaled to keep the same balance
/// between the summed loss and the penalty. Only a starting point, so any failure just
/// means starting cold.
fn warm_start(x: ArrayView2<f64>, y: &[bool], cfg: &FitConfig) -> Option<(Vec<f64>, f64)> {
    let n = y.len();
    let m = cfg.warm_start_rows;
    let rows: Vec<usize> = (0..m).map(|i| i * n / m).collect();
    let mut xs = Array2::<f64>::zeros((m, x.ncols()).f());
    for (mut dst, src) in xs.columns_mut().into_iter().zip(x.columns()) {
        for (d, &r) in dst.iter_mut().zip(&rows) {
            *d = src[r];
        }
    }
    let ys: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
    let pos = ys.iter().filter(|v| **v).count();
    if pos == 0 || pos == m {
        return None;
    }
    let rate = pos as f64 / m as f64;
    let alpha = cfg.alpha * m as f64 / n as f64;
    let w0 = vec![0.0; x.ncols()];
    let r = fit_from(
        xs.view(),
        &ys,
        cfg.solver,
        alpha,
        cfg.max_iterations,
        cfg.tolerance_per_row,
        &w0,
        (rate / (1.0 - rate)).ln(),
    )
    .ok()?;
    Some((r.coef, r.intercept))
}

#[allow(clippy::too_many_arguments)]
fn fit_from(
    x: ArrayView2<f64>,
    y: &[bool],
    solver: Solver,
    alpha: f64,
    max_iterations: u64,
    tolerance_per_row: f64,
    w0: &[f64],
    b0: f64,
) -> Result<FitResult, ModelError> {
    let n = y.len();
    let tolerance = tolerance_per_row * n as f64;
    let started = std::time::Instant::now();
    let x = column_major(x);
    // The lbfgs objective knows its gradient at the result; linfa's is computed here.
    let (coef, intercept, known_gradient) = match solver {
        Solver::Lbfgs => {
            let columns = objective::columns_of(x.view()).expect("column-major");
            let start: Array1<f64> = w0.iter().copied().chain([b0]).collect();
            let m = objective::minimise(
                LogisticObjective::new(columns, y, alpha),
                start,
                tolerance,
                max_iterations,
            )
            .map_err(|e| {
                ModelError::CannotTrain(format!("the solver failed (alpha {alpha}): {e}"))
            })?;
            tracing::debug!(
                alpha,
                iterations = m.iterations,
                evaluations = m.evaluations,
                stopped = %m.stopped,
                "L-BFGS"
            );
            let k = x.ncols();
            (
                m.params.as_slice().expect("contiguous")[..k].to_vec(),
                m.params[k],
                Some(m.gradient_norm),
            )
        }
        Solver::LinfaLogistic => {
            let (coef, intercept) =
                fit_linfa(x.view(), y, alpha, max_iterations, tolerance, w0, b0)?;
            (coef, intercept, None)
        }
    };
    if !intercept.is_finite() || coef.iter().any(|w| !w.is_finite()) {
        return Err(ModelError::CannotTrain(format!(
            "the solver returned non-finite coefficients (alpha {alpha})"
        )));
    }
    let gradient_norm =
        known_gradient.unwrap_or_else(|| gradient_norm(x.view(), y, alpha, &coef, intercept));
    tracing::debug!(
        solver = solver.name(),
        alpha,
        rows = n,
        columns = x.ncols(),
        seconds = started.elapsed().as_secs_f64(),
        gradient_norm,
        tolerance,
        "logistic fit"
    );
    Ok(FitResult {
        intercept,
        coef,
        gradient_norm,
        tolerance,
    })
}

/// linfa-logistic's fit, oriented for P(churn).
fn fit_linfa(
    x: ArrayView2<f64>,
    y: &[bool],
    alpha: f64,
    max_iterations: u64,
    tolerance: f64,
    w0: &[f64],
    b0: f64,
) -> Result<(Vec<f64>, f64), ModelError> {
    let n = y.len();
    let positives = y.iter().filter(|v| **v).count();
    // linfa 0.8.1 makes the MORE FREQUENT label its positive class (first-seen label on
    // a tie). Orient the starting point the way linfa will; the result's orientation is
    // then read back from the fitted labels, so a fixed linfa stays correct too.
    let linfa_pos_is_churn = positives > n - positives || (2 * positives == n && y[0]);
    let s = if linfa_pos_is_churn { 1.0 } else { -1.0 };
    let mut init = Array1::<f64>::zeros(x.ncols() + 1);
    for (i, w) in w0.iter().enumerate() {
        init[i] = s * w;
    }
    init[x.ncols()] = s * b0;

    let dataset = DatasetBase::new(x, Array1::from(y.to_vec()));
    let model = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(max_iterations)
        .gradient_tolerance(tolerance)
        .initial_params(init)
        .fit(&dataset)
        .map_err(|e| ModelError::CannotTrain(format!("the solver failed (alpha {alpha}): {e}")))?;

    let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
    let coef: Vec<f64> = model.params().iter().map(|w| sign * w).collect();
    Ok((coef, sign * model.intercept()))
}
