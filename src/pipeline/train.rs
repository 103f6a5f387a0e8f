//! Training the nightly model on the labelled rows of the feature matrix and saving it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::prepare::{labelled_x, Prepared};
use super::Error;
use crate::features::{self, FeatureMatrix, Plan};
use crate::model::{self, ChurnModel, ModelMeta, TrainParams};
use crate::timing::Timings;

/// A trained model, saved under the models folder.
#[derive(Clone)]
pub struct TrainOutcome {
    pub model: ChurnModel,
    pub path: PathBuf,
    pub warnings: Vec<String>,
}

fn train_on(m: &FeatureMatrix, params: &TrainParams) -> Result<model::Trained, model::ModelError> {
    let (train, _) = m.split();
    let group_days: Vec<i32> = m.plan.training.iter().map(|&d| crate::time::date_to_day(d)).collect();
    // Validation trains on dates a horizon or more before the validation date.
    let params = TrainParams {
        validation_gap_days: m.plan.horizon_days,
        ..params.clone()
    };
    let specs = features::registry::specs();
    let y: Vec<bool> = train.iter().map(|&r| m.label[r] == Some(true)).collect();
    let group: Vec<u32> = train.iter().map(|&r| m.date[r]).collect();
    let x = labelled_x(m);
    let view = model::TrainingView {
        specs: &specs,
        x: x.view(),
        y: &y,
        group: &group,
        group_days: &group_days,
    };
    model::train_view(&view, &params)
}

/// What the model file records beside the fit: the training distribution (for the
/// drift check), the retained peers' medians (for the drivers), the contract version
/// and the training dates.
fn metadata(p: &Prepared) -> BTreeMap<String, String> {
    let started = std::time::Instant::now();
    let reference =
        crate::quality::Reference::of(labelled_x(&p.matrix).view(), &features::registry::names());
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "training distribution for the drift check"
    );
    let mut extra = BTreeMap::new();
    let (key, json) = reference.to_metadata();
    extra.insert(key, json);
    let (key, json) = crate::scoring::Peers::of_training(&p.data.accounts, &p.matrix).to_metadata();
    extra.insert(key, json);
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
    extra
}

/// Trains on the labelled rows of `p`, saves the model under `models_dir` and points
/// `latest` at it (`churn train`).
pub fn train(
    p: &Prepared,
    params: &TrainParams,
    models_dir: &Path,
    timings: &mut Timings,
) -> Result<TrainOutcome, Error> {
    let out = train_candidate(p, params, models_dir, timings)?;
    out.model.make_latest(models_dir)?;
    Ok(out)
}

/// Trains on the labelled rows of `p` and saves the model file under `models_dir`,
/// leaving `latest` as it is: a run points `latest` at its model only once the
/// quality gate passed and the run folder is published.
pub fn train_candidate(
    p: &Prepared,
    params: &TrainParams,
    models_dir: &Path,
    timings: &mut Timings,
) -> Result<TrainOutcome, Error> {
    let trained = timings.time("train", || train_on(&p.matrix, params))?;
    let warnings = trained.warnings.iter().map(|w| w.to_string()).collect();
    let meta = ModelMeta {
        created_at: chrono::Utc::now(),
        as_of: p.plan.as_of,
        horizon_days: p.plan.horizon_days,
        extra: metadata(p),
    };
    let model = ChurnModel::new(trained, meta)?;
    let path = timings.time("save model", || model.save_file(models_dir))?;
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
    s.push_str(&m.selection.summary());
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
    let gap = i64::from(m.selection.validation_gap_days);
    if let (Some(&valid), true) = (plan.training.last(), gap > 0) {
        let last = plan
            .training
            .iter()
            .rev()
            .find(|&&d| (valid - d).num_days() >= gap);
        if let Some(last) = last {
            let _ = writeln!(
                s,
                "  trained for validation on dates up to {last}, at least {gap} days (the horizon) before it"
            );
        }
    }
    let _ = writeln!(
        s,
        "  ROC AUC {:.4}   PR AUC {:.4}   Brier {:.4}   log loss {:.4}   top-decile lift {:.2}",
        v.roc_auc, v.pr_auc, v.brier, v.log_loss, v.top_decile_lift
    );
    s
}
