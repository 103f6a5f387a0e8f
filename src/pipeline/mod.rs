//! The job's stages chained together for the commands. A run gets its feature matrix
//! from the data folder (ingest -> point-in-time features -> train or load a model)
//! or from a customer's own feature table, scores it through the one scoring core,
//! applies the playbook and ends with the one publish step.
//!
//! ```text
//! run(&Checked<RunSettings>)
//!   data folder:    prepare -> train | load -> scoring::score ----+
//!   feature table:  byo::score::prepare -> scoring::rank::rank ---+-> actions -> publish
//! ```

mod as_of;
mod error;
mod model_checks;
mod model_source;
mod prepare;
mod publish;
mod train;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

pub use as_of::{default_as_of, not_after, settle_as_of, AsOfError, Settled};
pub use error::{Error, GateRefusal};
pub use model_checks::{ModelCheckError, DEFAULT_MAX_MODEL_AGE_DAYS, MAX_MODEL_AGE_DAYS};
pub use model_source::{load_model, ModelSource};
pub use prepare::{labelled_x, prepare, Prepared};
pub use publish::{Publication, RunOutcome};
pub use train::{describe, train, train_candidate, TrainOutcome};

use crate::actions::PlaybookSettings;
use crate::features::PlanSettings;
use crate::model::TrainParams;
use crate::output::manifest::InputSummary;
use crate::output::OutputLock;
use crate::quality::GateSettings;
use crate::scoring::TierSettings;
use crate::settings::{Check, Checked, SettingsError};
use crate::timing::Timings;

/// Where a run's feature matrix comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureSource {
    /// The four contract tables in a folder: features built point in time.
    DataFolder(PathBuf),
    /// A customer's own feature table (CSV or Parquet), scored with a model trained
    /// from one; `nps` names a 0-10 NPS column for the playbook.
    Table { file: PathBuf, nps: Option<String> },
}

/// Everything `churn run` and `churn score` need. Checked once ([`Checked::new`])
/// before any work or lock.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub source: FeatureSource,
    pub out_dir: PathBuf,
    pub models_dir: PathBuf,
    pub as_of: Option<NaiveDate>,
    pub plan: PlanSettings,
    pub train: TrainParams,
    /// Train a model, or score with a saved one.
    pub model: ModelSource,
    /// A saved model trained more than this many days before the as-of date is
    /// flagged with a warning (one trained after it is refused).
    pub max_model_age_days: u32,
    pub tiers: TierSettings,
    pub playbook: PlaybookSettings,
    pub gate: GateSettings,
}

impl Check for RunSettings {
    fn check(&self) -> Result<(), SettingsError> {
        if self.model == ModelSource::Train {
            if let FeatureSource::Table { .. } = self.source {
                return Err(SettingsError::Missing {
                    setting: "model",
                    reason: "scoring a feature table needs a model trained from one",
                });
            }
            self.plan.check()?;
            self.train.check()?;
        }
        model_checks::check_max_age(self.max_model_age_days)?;
        self.tiers.check()?;
        self.playbook.check()?;
        self.gate.check()
    }
}

/// The whole job: get the feature matrix, (train,) score, apply the playbook and
/// publish the run folder. Holds a lock on the output folder throughout.
pub fn run(s: &Checked<RunSettings>, progress: &(dyn Fn(u64) + Sync)) -> Result<RunOutcome, Error> {
    let started_at = Utc::now();
    let _lock = OutputLock::acquire(&s.out_dir)?;
    let t = Timings::default();
    match &s.source {
        FeatureSource::DataFolder(dir) => run_data_folder(s, dir, started_at, t, progress),
        FeatureSource::Table { file, nps } => run_table(s, file, nps.as_deref(), started_at, t),
    }
}

fn run_data_folder(
    s: &RunSettings,
    dir: &Path,
    started_at: DateTime<Utc>,
    mut t: Timings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunOutcome, Error> {
    let loaded = t.time("load model", || load_model(&s.model, &s.models_dir))?;
    let (mut p, model, model_path, mut warnings) = match loaded {
        Some((model, path)) => {
            // Scoring only: features at the as-of date, with the model's horizon, once
            // the model is known to fit this build's contract and that date.
            model_checks::check_contract(&model, &path)?;
            let p = prepare::prepare_scoring(
                dir,
                s.as_of,
                model.horizon_days,
                |as_of| model_checks::check_not_after(&model, &path, as_of),
                &mut t,
                progress,
            )?;
            let old = model_checks::age_warning(&model, &path, p.plan.as_of, s.max_model_age_days)?;
            (p, model, path, old.into_iter().collect())
        }
        None => {
            let p = prepare(dir, s.as_of, &s.plan, &mut t, progress)?;
            let out = train_candidate(&p, &s.train, &s.models_dir, &mut t)?;
            (p, out.model, out.path, out.warnings)
        }
    };
    let trained_in_this_run = s.model == ModelSource::Train;
    warnings.append(&mut p.warnings);
    let (mut scores, scoring_warnings) = t.time("score", || {
        crate::scoring::score(&p.data, &p.matrix, &model, &s.tiers)
    })?;
    t.time("actions", || {
        crate::actions::apply(&mut scores, &s.playbook)
    });

    let mut set_aside = p.data.set_aside.clone();
    set_aside.merge(p.matrix.usage_set_aside.clone());
    let inputs = p
        .data
        .rows_read
        .iter()
        .map(|&(table, rows_read)| InputSummary {
            table,
            rows_read,
            rows_set_aside: set_aside.rows(table),
        })
        .collect();
    warnings.extend(set_aside.entries().map(|e| e.to_string()));
    warnings.extend(scoring_warnings.iter().map(|w| w.to_string()));
    let (_, rows) = p.matrix.split();
    let scored_rows = p.matrix.x.select(ndarray::Axis(0), &rows);
    let publication = Publication {
        scores,
        model: &model,
        model_path,
        trained_in_this_run,
        scored_rows: scored_rows.view(),
        surveys: &p.data.surveys,
        source: dir.display().to_string(),
        inputs,
        set_aside: set_aside.entries().cloned().collect(),
        warnings,
        features_table: None,
    };
    let published = publish::publish(s, publication, started_at, t);
    if trained_in_this_run {
        point_latest_if_published(&model, &s.models_dir, published.is_ok())?;
    }
    published
}

/// Points `latest` at the model this run trained, once the run is published; a run
/// that was not (the quality gate refused it, or writing failed) leaves `latest` as
/// it was, so the next `churn score` keeps the model last published.
fn point_latest_if_published(
    model: &crate::model::ChurnModel,
    models_dir: &Path,
    published: bool,
) -> Result<(), Error> {
    let file = model.file_name();
    let latest = models_dir.join(crate::model::LATEST);
    if published {
        model.make_latest(models_dir)?;
        tracing::info!(model = %model.model_version, "{} now names {file}", latest.display());
        return Ok(());
    }
    let unchanged = match crate::model::ChurnModel::latest_name(models_dir) {
        Some(name) => format!("{} still names {name}", latest.display()),
        None => format!("there is no {} yet", latest.display()),
    };
    tracing::warn!(
        model = %model.model_version,
        "model saved as {} but not made latest, as the run was not published: {unchanged}",
        models_dir.join(&file).display(),
    );
    Ok(())
}

fn run_table(
    s: &RunSettings,
    file: &Path,
    nps: Option<&str>,
    started_at: DateTime<Utc>,
    mut t: Timings,
) -> Result<RunOutcome, Error> {
    let (model, model_path) = t
        .time("load model", || load_model(&s.model, &s.models_dir))?
        .ok_or(SettingsError::Missing {
            setting: "model",
            reason: "scoring a feature table needs a model trained from one",
        })?;
    let prep = crate::byo::score::prepare(file, &model, &model_path, s.as_of, nps, &mut t)?;
    // A feature-table model records no data contract: only its dates are checked.
    let old = model_checks::check_date(&model, &model_path, prep.as_of, s.max_model_age_days)?;
    let (mut scores, scoring_warnings) = t.time("score", || {
        crate::scoring::rank::rank(
            &model,
            prep.encoded.x.view(),
            &s.tiers,
            prep.as_of,
            |k, sc| prep.account(k, sc.contributions.row(k)),
        )
    })?;
    t.time("actions", || {
        crate::actions::apply(&mut scores, &s.playbook)
    });
    let mut warnings: Vec<String> = old.into_iter().collect();
    warnings.extend(prep.warnings.iter().cloned());
    warnings.extend(scoring_warnings.iter().map(|w| w.to_string()));
    let surveys = prep.nps_answers();
    let publication = Publication {
        scores,
        model: &model,
        model_path,
        trained_in_this_run: false,
        scored_rows: prep.encoded.x.view(),
        surveys: &surveys,
        source: file.display().to_string(),
        inputs: Vec::new(),
        set_aside: Vec::new(),
        warnings,
        features_table: Some(prep.manifest.clone()),
    };
    publish::publish(s, publication, started_at, t)
}
