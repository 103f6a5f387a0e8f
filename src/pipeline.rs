//! The job's stages chained together for the commands: load the inputs, settle the
//! as-of date, build point-in-time features, train a model.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::Error;
use crate::features::{self, FeatureMatrix, Plan, PlanSettings};
use crate::ingest::{self, Dataset};
use crate::model::{self, ChurnModel, ModelMeta, TrainParams, TrainingSet};
use crate::time::{date_to_micros, micros_to_date};

/// Wall time of one stage, for logs and the run manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub stage: &'static str,
    pub seconds: f64,
}

#[derive(Default)]
pub struct Timings(pub Vec<Timing>);

impl Timings {
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0.push(Timing {
            stage,
            seconds: start.elapsed().as_secs_f64(),
        });
        out
    }
}

/// Inputs loaded and features built.
pub struct Prepared {
    pub data: Dataset,
    pub plan: Plan,
    pub matrix: FeatureMatrix,
}

/// Instants after the later of `as_of` and now are "in the future" (set aside).
pub fn not_after(as_of: Option<NaiveDate>) -> i64 {
    let now = chrono::Utc::now().timestamp_micros();
    as_of.map_or(now, |d| date_to_micros(d).max(now))
}

/// The default as-of date: the day after the latest instant in the data.
pub fn default_as_of(data: &Dataset) -> Result<NaiveDate, Error> {
    let a = &data.accounts;
    let latest = [
        a.started_at.iter().copied().max(),
        a.churned_at.iter().flatten().copied().max(),
        data.tickets.opened_at.iter().copied().max(),
        data.tickets.resolved_at.iter().flatten().copied().max(),
        data.surveys.responded_at.iter().copied().max(),
        data.usage.latest_instant(a)?,
    ]
    .into_iter()
    .flatten()
    .max();
    latest
        .map(|t| micros_to_date(t) + chrono::Duration::days(1))
        .ok_or_else(|| {
            Error::Unusable("the inputs hold no instant to take an as-of date from".into())
        })
}

pub fn prepare(
    data_dir: &Path,
    as_of: Option<NaiveDate>,
    settings: &PlanSettings,
    timings: &mut Timings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Prepared, Error> {
    let data = timings.time("ingest", || ingest::load(data_dir, not_after(as_of)))?;
    let as_of = match as_of {
        Some(d) => d,
        None => timings.time("as-of date", || default_as_of(&data))?,
    };
    let plan = Plan::new(as_of, settings).map_err(Error::Usage)?;
    let matrix = timings.time("features", || features::build(&data, &plan, progress))?;
    Ok(Prepared { data, plan, matrix })
}

/// The labelled rows (training dates) as the model stage's input.
pub fn training_set(m: &FeatureMatrix) -> TrainingSet {
    let (train, _) = m.split();
    TrainingSet {
        specs: features::defs::specs(),
        x: m.x.select(ndarray::Axis(0), &train),
        y: train.iter().map(|&r| m.label[r] == Some(true)).collect(),
        group: train.iter().map(|&r| m.date[r]).collect(),
    }
}

/// A trained model, saved under the models folder.
pub struct TrainOutcome {
    pub model: ChurnModel,
    pub path: PathBuf,
    pub warnings: Vec<String>,
}

pub fn train(
    p: &Prepared,
    params: &TrainParams,
    models_dir: &Path,
    timings: &mut Timings,
) -> Result<TrainOutcome, Error> {
    let set = training_set(&p.matrix);
    let trained = timings.time("train", || model::train(&set, params))?;
    let warnings = trained.warnings.iter().map(|w| w.to_string()).collect();
    let mut extra = std::collections::BTreeMap::new();
    extra.insert(
        "contract_version".to_string(),
        crate::contract::CONTRACT_VERSION.to_string(),
    );
    extra.insert(
        "training_dates".to_string(),
        p.plan
            .training
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    let meta = ModelMeta {
        created_at: chrono::Utc::now(),
        as_of: p.plan.as_of,
        horizon_days: p.plan.horizon_days,
        extra,
    };
    let model = ChurnModel::new(trained, meta)?;
    let path = timings.time("save model", || model.save(models_dir))?;
    Ok(TrainOutcome {
        model,
        path,
        warnings,
    })
}

/// A plain-text summary of a trained model, for the terminal.
pub fn describe(m: &ChurnModel, plan: &Plan) -> String {
    use std::fmt::Write;
    let v = &m.validation_metrics;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Model {} (as of {}, horizon {} days)",
        m.model_version, m.as_of, m.horizon_days
    );
    let _ = writeln!(
        s,
        "Training rows: {} ({} churned) over {} observation dates",
        m.training.rows,
        m.training.positives,
        m.training.per_group.len()
    );
    for g in &m.training.per_group {
        let date = plan
            .training
            .get(g.group as usize)
            .map_or_else(|| g.group.to_string(), |d| d.to_string());
        let _ = writeln!(
            s,
            "  {date}: {:>7} rows, {:>5} churned",
            g.rows, g.positives
        );
    }
    let _ = writeln!(
        s,
        "Chosen L2 alpha: {} (grid by validation log loss:",
        m.selection.chosen_alpha
    );
    for g in &m.selection.grid {
        let _ = writeln!(
            s,
            "  alpha {:>8}: {:.5}{}",
            g.alpha,
            g.validation_log_loss,
            if g.converged { "" } else { " (not converged)" }
        );
    }
    let _ = writeln!(s, ")");
    let _ = writeln!(
        s,
        "Out-of-time validation on {} ({} rows, base rate {:.1}%):",
        plan.training
            .last()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        v.rows,
        100.0 * v.base_rate
    );
    let _ = writeln!(
        s,
        "  ROC AUC {:.4}   PR AUC {:.4}   Brier {:.4}   log loss {:.4}   top-decile lift {:.2}",
        v.roc_auc, v.pr_auc, v.brier, v.log_loss, v.top_decile_lift
    );
    s
}
