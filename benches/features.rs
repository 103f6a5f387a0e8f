//! Micro-benchmarks of the hot stages, on data built once per run:
//!
//! - `bare_scan`: the floor, bench/scan.rs in-process (decode the needed columns only);
//! - `usage_scan_only`: one pass over the usage table through `Usage::fold` with a fold
//!   that only counts rows (Parquet decode + normalisation: the ingest share);
//! - `features_build`: the whole feature stage (`features::build`) for the default
//!   plan (13 training dates + as-of);
//! - `model_fit`: one L2 logistic fit (alpha 10) on a synthetic standardised matrix.
//!
//! Data: `churn::generate` with 2,000 accounts (seed 1, the default 730 days, about
//! 3 M usage rows), written to a temporary folder.
//!
//!   cargo bench --bench features                 # all
//!   cargo bench --bench features -- features_build

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array2, ShapeBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use churn::features::{self, Plan, PlanSettings};
use churn::generate::{generate, GenerateConfig};
use churn::ingest;
use churn::model::Solver;

/// The bare scan of bench/scan.rs, run in-process for same-run ratios.
#[path = "../bench/scan.rs"]
mod bare;

const ACCOUNTS: usize = 2_000;

fn data_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let summary = generate(&GenerateConfig::new(dir.path(), ACCOUNTS, 1)).expect("generate");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    let data = ingest::load(dir.path(), i64::MAX / 4).expect("load");
    let plan = Plan::new(as_of, &PlanSettings::default()).expect("plan");
    eprintln!(
        "bench data: {} accounts, {} usage rows, {} observation dates",
        data.accounts.len(),
        data.usage.rows(),
        plan.dates().len()
    );
    let _ = summary;

    let mut g = c.benchmark_group("features_2000_accounts");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("bare_scan", |b| {
        b.iter(|| black_box(bare::scan_dir(dir.path()).0))
    });
    g.bench_function("usage_scan_only", |b| {
        b.iter(|| {
            let (parts, _) = data
                .usage
                .fold(
                    &data.accounts,
                    || 0u64,
                    |n, batch| *n += batch.len() as u64,
                    &|_| {},
                )
                .expect("fold");
            black_box(parts.into_iter().sum::<u64>())
        })
    });
    g.bench_function("features_build", |b| {
        b.iter(|| {
            black_box(
                features::build(&data, &plan, &|_| {})
                    .expect("build")
                    .rows(),
            )
        })
    });
    g.finish();
}

/// A synthetic standardised design: 50,000 x 35 (column-major, as the model stage
/// builds it), labels drawn from a known logistic model with about 12 % positives.
fn synthetic(rows: usize, cols: usize) -> (Array2<f64>, Vec<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut x = Array2::<f64>::zeros((rows, cols).f());
    for v in x.iter_mut() {
        // Sum of uniforms: roughly normal, mean 0, sd 1.
        let s: f64 = (0..4).map(|_| rng.gen::<f64>()).sum::<f64>();
        *v = (s - 2.0) * 3f64.sqrt();
    }
    let w: Vec<f64> = (0..cols).map(|j| 0.6 / (1.0 + j as f64)).collect();
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let z = -2.2 + r.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            rng.gen::<f64>() < 1.0 / (1.0 + (-z).exp())
        })
        .collect();
    (x, y)
}

fn model_benches(c: &mut Criterion) {
    let (x, y) = synthetic(50_000, 35);
    let mut g = c.benchmark_group("model");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for solver in [Solver::Lbfgs, Solver::LinfaLogistic] {
        let cfg = churn::model::FitConfig {
            solver,
            alpha: 10.0,
            max_iterations: 500,
            tolerance_per_row: 1e-4,
            warm_start_rows: 20_000,
        };
        g.bench_function(format!("fit_alpha10_50000x35_{}", solver.name()), |b| {
            b.iter(|| {
                black_box(
                    churn::model::fit_design(x.view(), &y, &cfg)
                        .expect("fit")
                        .intercept,
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, data_benches, model_benches);
criterion_main!(benches);
