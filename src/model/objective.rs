//! The L2-regularised logistic objective for argmin's L-BFGS, with the loss and its
//! gradient computed together in one pass over the design matrix.
//!
//! linfa-logistic drives the same solver (argmin's L-BFGS, memory 10, More-Thuente
//! line search) but evaluates the loss and the gradient separately, and the gradient
//! again after each line search: about three passes over X per iteration where one
//! does. Here every evaluation computes both and is remembered, so the solver's
//! repeated requests for the same point cost nothing (docs/model.md, "Speed").
//!
//! Rows are cut into fixed blocks whose partial sums are added in block order, so the
//! result does not depend on how many threads evaluate them.

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, ArrayView2, Axis};
use rayon::prelude::*;
use std::sync::Mutex;

/// Rows per block: the block's slice of every column (47 x 8 KiB at the default
/// width) stays in the core's cache between the two sweeps over it.
const BLOCK_ROWS: usize = 1024;

/// L-BFGS history length, as in linfa-logistic and scikit-learn.
const MEMORY: usize = 10;

/// Summed log loss + alpha/2 ||w||^2 over a column-major design; the parameter vector
/// is the coefficients followed by the (unpenalised) intercept.
pub(crate) struct LogisticObjective<'a> {
    columns: Vec<&'a [f64]>,
    y: &'a [bool],
    alpha: f64,
    last: Mutex<Option<Evaluation>>,
    evaluations: Mutex<u64>,
}

#[derive(Clone)]
struct Evaluation {
    at: Array1<f64>,
    loss: f64,
    gradient: Array1<f64>,
}

impl<'a> LogisticObjective<'a> {
    /// `columns`: the design's columns, as [`columns_of`] gives them.
    pub(crate) fn new(columns: Vec<&'a [f64]>, y: &'a [bool], alpha: f64) -> Self {
        LogisticObjective {
            columns,
            y,
            alpha,
            last: Mutex::new(None),
            evaluations: Mutex::new(0),
        }
    }

    /// Passes over the data so far.
    pub(crate) fn evaluations(&self) -> u64 {
        *self.evaluations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loss and gradient at `p`, from the last evaluation when `p` is the same point.
    pub(crate) fn loss_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = last.as_ref().filter(|e| e.at == p) {
            return (e.loss, e.gradient.clone());
        }
        let (loss, gradient) = self.evaluate(p.as_slice().expect("a contiguous parameter"));
        *self.evaluations.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        *last = Some(Evaluation {
            at: p.clone(),
            loss,
            gradient: gradient.clone(),
        });
        (loss, gradient)
    }

    fn evaluate(&self, p: &[f64]) -> (f64, Array1<f64>) {
        let k = self.columns.len();
        let (w, b) = (&p[..k], p[k]);
        let n = self.y.len();
        let blocks: Vec<(Neumaier, Vec<f64>)> = (0..n.div_ceil(BLOCK_ROWS))
            .into_par_iter()
            .map(|i| {
                let rows = i * BLOCK_ROWS..((i + 1) * BLOCK_ROWS).min(n);
                self.block(rows, w, b)
            })
            .collect();
        let mut loss = Neumaier::default();
        let mut gradient = Array1::zeros(k + 1);
        for (l, g) in &blocks {
            loss.merge(l);
            for (a, v) in gradient.iter_mut().zip(g) {
                *a += v;
            }
        }
        let mut penalty = 0.0;
        for (g, &wj) in gradient.iter_mut().zip(w) {
            penalty += wj * wj;
            *g += self.alpha * wj;
        }
        loss.add(0.5 * self.alpha * penalty);
        (loss.total(), gradient)
    }

    /// One block's loss and gradient (coefficients, then intercept): z = b + Xw, then
    /// the residuals sigmoid(z) - y, then X'r, while the block is still in cache.
    fn block(&self, rows: std::ops::Range<usize>, w: &[f64], b: f64) -> (Neumaier, Vec<f64>) {
        let mut r = vec![b; rows.len()];
        // Four columns per sweep: a quarter of the loads and stores of r.
        for (c, w) in self.columns.chunks_exact(4).zip(w.chunks_exact(4)) {
            let c = [
                &c[0][rows.clone()],
                &c[1][rows.clone()],
                &c[2][rows.clone()],
                &c[3][rows.clone()],
            ];
            for (i, ri) in r.iter_mut().enumerate() {
                *ri += w[0] * c[0][i] + w[1] * c[1][i] + w[2] * c[2][i] + w[3] * c[3][i];
            }
        }
        let rest = self.columns.len() / 4 * 4;
        for (col, &wj) in self.columns[rest..].iter().zip(&w[rest..]) {
            for (ri, xi) in r.iter_mut().zip(&col[rows.clone()]) {
                *ri += wj * xi;
            }
        }
        let mut loss = Neumaier::default();
        let mut rsum = 0.0;
        for (ri, &yi) in r.iter_mut().zip(&self.y[rows.clone()]) {
            let z = *ri;
            // One exponential serves both: -log P(y) is log(1 + e^-z) for a churner and
            // log(1 + e^z) otherwise, and log(1 + e^s) = max(s, 0) + ln(1 + e^-|z|)
            // for s = +-z, without the cancellation of computing it as softplus - z.
            let e = (-z.abs()).exp();
            let p = if z >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let s = if yi { -z } else { z };
            loss.add(s.max(0.0) + e.ln_1p());
            *ri = if yi { p - 1.0 } else { p };
            rsum += *ri;
        }
        let mut g = Vec::with_capacity(w.len() + 1);
        for c in self.columns.chunks_exact(4) {
            let c = [
                &c[0][rows.clone()],
                &c[1][rows.clone()],
                &c[2][rows.clone()],
                &c[3][rows.clone()],
            ];
            g.extend(dot4(&r, c));
        }
        for col in &self.columns[rest..] {
            g.push(dot(&r, &col[rows.clone()]));
        }
        g.push(rsum);
        (loss, g)
    }
}

/// Compensated summation of the loss: near the optimum the solver's line search
/// compares losses that differ in their last digits, so they must be exact there.
#[derive(Default, Clone, Copy)]
struct Neumaier {
    sum: f64,
    carry: f64,
}

impl Neumaier {
    #[inline]
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.carry += if self.sum.abs() >= v.abs() {
            (self.sum - t) + v
        } else {
            (v - t) + self.sum
        };
        self.sum = t;
    }

    fn merge(&mut self, other: &Neumaier) {
        self.add(other.sum);
        self.add(other.carry);
    }

    fn total(&self) -> f64 {
        self.sum + self.carry
    }
}

/// Eight running sums so the products vectorise; their order is fixed, so the result
/// is the same on every run.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Four dot products with `a` in one sweep, sharing its loads; four running sums each
/// so they vectorise, in a fixed order.
#[inline]
fn dot4(a: &[f64], c: [&[f64]; 4]) -> [f64; 4] {
    let mut acc = [[0.0f64; 4]; 4];
    let whole = a.len() / 4 * 4;
    for i in (0..whole).step_by(4) {
        for l in 0..4 {
            let r = a[i + l];
            for q in 0..4 {
                acc[q][l] += r * c[q][i + l];
            }
        }
    }
    let mut out = [0.0; 4];
    for q in 0..4 {
        let mut s = (acc[q][0] + acc[q][2]) + (acc[q][1] + acc[q][3]);
        for t in whole..a.len() {
            s += a[t] * c[q][t];
        }
        out[q] = s;
    }
    out
}

/// The columns of a column-major `x` as slices, or None when its columns are not
/// contiguous.
pub(crate) fn columns_of<'a>(x: ArrayView2<'a, f64>) -> Option<Vec<&'a [f64]>> {
    (0..x.ncols())
        .map(|j| x.index_axis_move(Axis(1), j).to_slice())
        .collect()
}

impl CostFunction for LogisticObjective<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Array1<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.loss_and_gradient(p).0)
    }
}

impl Gradient for LogisticObjective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Array1<f64>) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(self.loss_and_gradient(p).1)
    }
}

/// What a minimisation ended with.
pub(crate) struct Minimum {
    /// Coefficients followed by the intercept.
    pub params: Array1<f64>,
    pub iterations: u64,
    pub evaluations: u64,
    /// L2 norm of the gradient at `params` (from the last evaluation, which is
    /// normally there already).
    pub gradient_norm: f64,
    /// Why the solver stopped, for the debug log.
    pub stopped: String,
}

/// L-BFGS from `start` until the gradient norm is below `tolerance` or `max_iterations`.
/// Stopping early (iteration cap, a line search that gives up) is not an error: the
/// caller judges convergence from the gradient at the result.
pub(crate) fn minimise(
    objective: LogisticObjective,
    start: Array1<f64>,
    tolerance: f64,
    max_iterations: u64,
) -> Result<Minimum, String> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), MEMORY)
        .with_tolerance_grad(tolerance)
        .map_err(|e| e.to_string())?;
    let res = Executor::new(objective, solver)
        .configure(|s| s.param(start).max_iters(max_iterations))
        .run()
        .map_err(|e| e.to_string())?;
    let objective = res
        .problem
        .problem
        .ok_or("the solver returned no objective")?;
    let state = res.state;
    let stopped = match state.get_termination_reason() {
        Some(TerminationReason::SolverExit(why)) => why.clone(),
        Some(r) => r.text().to_string(),
        None => "running".into(),
    };
    let iterations = state.get_iter();
    let params = state
        .best_param
        .or(state.param)
        .ok_or("the solver returned no parameters")?;
    let (_, g) = objective.loss_and_gradient(&params);
    Ok(Minimum {
        gradient_norm: g.dot(&g).sqrt(),
        params,
        iterations,
        evaluations: objective.evaluations(),
        stopped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn data(n: usize, k: usize, seed: u64) -> (Array2<f64>, Vec<bool>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((n, k).f(), |_| rng.gen_range(-2.0..2.0));
        let y = (0..n)
            .map(|i| rng.gen_bool(if x[[i, 0]] > 0.0 { 0.7 } else { 0.2 }))
            .collect();
        (x, y)
    }

    /// The textbook formulas, row by row.
    fn naive(x: &Array2<f64>, y: &[bool], alpha: f64, p: &[f64]) -> (f64, Vec<f64>) {
        let k = x.ncols();
        let mut loss = 0.0;
        let mut g = vec![0.0; k + 1];
        for (i, &yi) in y.iter().enumerate() {
            let z = p[k] + (0..k).map(|j| x[[i, j]] * p[j]).sum::<f64>();
            let prob = 1.0 / (1.0 + (-z).exp());
            loss -= if yi { prob.ln() } else { (1.0 - prob).ln() };
            let r = prob - if yi { 1.0 } else { 0.0 };
            for j in 0..k {
                g[j] += r * x[[i, j]];
            }
            g[k] += r;
        }
        for j in 0..k {
            loss += 0.5 * alpha * p[j] * p[j];
            g[j] += alpha * p[j];
        }
        (loss, g)
    }

    #[test]
    fn loss_and_gradient_match_the_textbook_formulas_across_blocks() {
        // 2.5 blocks, so the block split and the ragged last block are exercised.
        let (x, y) = data(2 * BLOCK_ROWS + BLOCK_ROWS / 2 + 3, 5, 1);
        let p = Array1::from(vec![0.3, -1.2, 0.5, 0.0, 2.0, -0.7]);
        let obj = LogisticObjective::new(columns_of(x.view()).unwrap(), &y, 3.0);
        let (loss, g) = obj.loss_and_gradient(&p);
        let (want_loss, want_g) = naive(&x, &y, 3.0, p.as_slice().unwrap());
        assert!(
            (loss - want_loss).abs() < 1e-9 * want_loss,
            "{loss} vs {want_loss}"
        );
        for (a, b) in g.iter().zip(&want_g) {
            assert!(
                (a - b).abs() < 1e-9 * (1.0 + b.abs()),
                "{g:?} vs {want_g:?}"
            );
        }
    }

    #[test]
    fn the_loss_stays_finite_for_extreme_scores() {
        let (x, y) = data(100, 2, 2);
        let p = Array1::from(vec![400.0, -400.0, 50.0]);
        let (loss, g) =
            LogisticObjective::new(columns_of(x.view()).unwrap(), &y, 0.0).loss_and_gradient(&p);
        assert!(loss.is_finite() && loss > 1000.0, "{loss}");
        assert!(g.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn the_same_point_is_evaluated_once() {
        let (x, y) = data(500, 3, 3);
        let obj = LogisticObjective::new(columns_of(x.view()).unwrap(), &y, 1.0);
        let a = Array1::from(vec![0.1, 0.2, 0.3, 0.4]);
        let b = Array1::from(vec![0.1, 0.2, 0.3, 0.5]);
        let c1 = obj.cost(&a).unwrap();
        let g1 = obj.gradient(&a).unwrap();
        assert_eq!(obj.evaluations(), 1);
        obj.gradient(&b).unwrap();
        assert_eq!(obj.evaluations(), 2);
        assert_eq!(obj.cost(&a).unwrap(), c1);
        assert_eq!(obj.gradient(&a).unwrap(), g1);
        assert_eq!(obj.evaluations(), 3);
    }

    #[test]
    fn a_fit_is_bit_identical_for_any_thread_count() {
        let (x, y) = data(20 * BLOCK_ROWS + 17, 6, 4);
        let fit = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let obj = LogisticObjective::new(columns_of(x.view()).unwrap(), &y, 1.0);
                    minimise(obj, Array1::zeros(7), 1e-10, 200).unwrap().params
                })
        };
        let one = fit(1);
        assert_eq!(one, fit(2));
        assert_eq!(one, fit(3));
    }

    #[test]
    fn a_row_major_matrix_has_no_column_slices() {
        let x = Array2::<f64>::zeros((4, 3));
        assert!(columns_of(x.view()).is_none());
        let f = Array2::<f64>::zeros((4, 3).f());
        assert_eq!(columns_of(f.view()).unwrap().len(), 3);
    }
}
