//! Command-line definitions (clap). Parsed values are turned into library calls in
//! `main.rs`; nothing here does work.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "churn",
    version,
    about = "Tells customer-success teams which accounts are about to churn, why, and what to do",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log format on stderr: human-readable text, or one JSON object per line for schedulers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Only log warnings and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The L-BFGS implementation (both reach the same optimum).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SolverArg {
    /// Loss and gradient in one parallel pass, remembered between the solver's requests.
    Lbfgs,
    /// linfa-logistic's own fit: slower on large books, kept as the reference.
    LinfaLogistic,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the input tables against the data contract and summarise them.
    Validate(DataArgs),
    /// Write a realistic simulated data set (the four tables) for demos and tests.
    Generate(GenerateArgs),
    /// Export the point-in-time training matrix (features and labels) as Parquet.
    Features(FeaturesArgs),
    /// Train the churn model on past observation dates (or on your own feature table, --features) and save it under --models.
    Train(TrainArgs),
    /// Score every active account (or every row of a feature table, --features) with a saved model and write the run folder.
    Score(ScoreArgs),
    /// The nightly job: train on history, score every active account, write the run folder.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Model file to score with (default: the one --models/latest points to).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Folder where models are kept.
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Warn (log and manifest) when the model was trained more than this many days before the as-of date.
    #[arg(long, default_value_t = churn::pipeline::DEFAULT_MAX_MODEL_AGE_DAYS)]
    pub max_model_age_days: u32,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub byo: ByoScoreArgs,
}

impl ScoreArgs {
    /// The run's settings: the data folder, or the feature table given with `--features`.
    pub fn run_settings(&self) -> churn::pipeline::RunSettings {
        use churn::pipeline::{FeatureSource, ModelSource, RunSettings};
        RunSettings {
            source: match &self.byo.features {
                Some(file) => FeatureSource::Table {
                    file: file.clone(),
                    nps: self.byo.nps.clone(),
                },
                None => FeatureSource::DataFolder(self.data.data.clone()),
            },
            out_dir: self.output.out.clone(),
            models_dir: self.models.clone(),
            as_of: self.data.as_of,
            plan: Default::default(),
            train: Default::default(),
            model: self
                .model
                .clone()
                .map_or(ModelSource::Latest, ModelSource::File),
            max_model_age_days: self.max_model_age_days,
            tiers: self.output.tiers(),
            playbook: self.output.playbook(),
            gate: self.output.gate(),
        }
    }
}

/// Scoring your own feature table instead of the data folder.
#[derive(Debug, Args)]
#[command(next_help_heading = "Feature table (bring your own features)")]
pub struct ByoScoreArgs {
    /// Feature table to score (CSV or Parquet) with a model trained by `churn train --features`; --data is then not used.
    #[arg(long, value_name = "FILE")]
    pub features: Option<PathBuf>,
    /// A 0-10 NPS column: detractors get a call, passives fix_issues, low-risk promoters a reference request.
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub nps: Option<String>,
}

/// Training from your own feature table instead of the data folder.
#[derive(Debug, Args)]
#[command(next_help_heading = "Feature table (bring your own features)")]
pub struct ByoTrainArgs {
    /// Feature table (CSV or Parquet): one row per customer, or per customer and date; --data is then not used.
    #[arg(long, value_name = "FILE", requires = "label")]
    pub features: Option<PathBuf>,
    /// Churn label column: 1/0, true/false, yes/no or churned/not churned (any case).
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub label: Option<String>,
    /// Customer id column, kept out of the features (default: rows are named row-N).
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub id: Option<String>,
    /// Date column (YYYY-MM-DD): validate out of time on the latest date instead of k-fold.
    #[arg(long, value_name = "COLUMN", requires = "features")]
    pub date: Option<String>,
    /// Columns to leave out, e.g. leaky ones (comma-separated, or repeat the option).
    #[arg(
        long,
        value_name = "COL,...",
        value_delimiter = ',',
        requires = "features"
    )]
    pub exclude: Vec<String>,
    /// Folds of the stratified cross-validation (default 5, fixed seed; not with --date).
    #[arg(long, requires = "features")]
    pub folds: Option<usize>,
    /// Refuse a text column with more distinct values than this (one feature per value).
    #[arg(long, default_value_t = churn::byo::DEFAULT_MAX_CATEGORIES)]
    pub max_categories: usize,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl RunArgs {
    pub fn run_settings(&self) -> churn::pipeline::RunSettings {
        use churn::pipeline::{FeatureSource, ModelSource, RunSettings};
        RunSettings {
            source: FeatureSource::DataFolder(self.data.data.clone()),
            out_dir: self.output.out.clone(),
            models_dir: self.model.models.clone(),
            as_of: self.data.as_of,
            plan: self.plan.settings(),
            train: self.model.params(),
            model: ModelSource::Train,
            // The run scores with the model it trains, as of its own date.
            max_model_age_days: churn::pipeline::DEFAULT_MAX_MODEL_AGE_DAYS,
            tiers: self.output.tiers(),
            playbook: self.output.playbook(),
            gate: self.output.gate(),
        }
    }
}

/// Where results go and how risk becomes actions.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output folder; each run writes OUT/run_date=YYYY-MM-DD/.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// High risk at this multiple of the base churn rate or more.
    #[arg(long, default_value_t = 3.0)]
    pub high_lift: f64,
    /// Medium risk at this multiple of the base churn rate or more.
    #[arg(long, default_value_t = 1.5)]
    pub medium_lift: f64,
    /// Cap the high tier at this share of accounts (0-1), for a team's capacity.
    #[arg(long)]
    pub max_high_share: Option<f64>,
    /// A detractor NPS answer this recent (days) calls for a call.
    #[arg(long, default_value_t = 180)]
    pub detractor_days: u32,
    /// A promoter NPS answer this recent (days) makes a low-risk account a reference.
    #[arg(long, default_value_t = 365)]
    pub promoter_days: u32,
    /// Quality gate: refuse to publish when the out-of-time ROC AUC is below this.
    #[arg(long, default_value_t = 0.6)]
    pub min_auc: f64,
    /// Quality gate: refuse when any feature's population stability index exceeds this.
    #[arg(long, default_value_t = 1.0)]
    pub max_psi: f64,
    /// Quality gate: refuse when usage per account falls below this share of training's.
    #[arg(long, default_value_t = 0.5)]
    pub min_usage_ratio: f64,
    /// Publish even when the quality gate fails (its failures become warnings).
    #[arg(long)]
    pub force: bool,
}

impl OutputArgs {
    pub fn tiers(&self) -> churn::scoring::TierSettings {
        churn::scoring::TierSettings {
            high_lift: self.high_lift,
            medium_lift: self.medium_lift,
            max_high_share: self.max_high_share,
        }
    }

    pub fn gate(&self) -> churn::quality::GateSettings {
        churn::quality::GateSettings {
            min_auc: self.min_auc,
            max_psi: self.max_psi,
            min_usage_ratio: self.min_usage_ratio,
            force: self.force,
        }
    }

    pub fn playbook(&self) -> churn::actions::PlaybookSettings {
        churn::actions::PlaybookSettings {
            detractor_days: self.detractor_days,
            promoter_days: self.promoter_days,
            ..Default::default()
        }
    }
}

/// Where the input tables are and which date the run is for.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Folder holding accounts, usage, tickets and surveys (each NAME.parquet or a folder NAME/).
    #[arg(long, default_value = "data")]
    pub data: PathBuf,

    /// The date the run is for (YYYY-MM-DD); default: the day after the latest instant in the data.
    #[arg(long = "as-of", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

/// Observation dates and horizon.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Churn horizon in days: a label is churn within (T, T + horizon].
    #[arg(long, default_value_t = 90)]
    pub horizon_days: u32,
    /// Days between training observation dates.
    #[arg(long, default_value_t = 30)]
    pub snapshot_days: u32,
    /// How far back training observation dates go, in days.
    #[arg(long, default_value_t = 365)]
    pub history_days: u32,
}

impl PlanArgs {
    pub fn settings(&self) -> churn::features::PlanSettings {
        churn::features::PlanSettings {
            horizon_days: self.horizon_days,
            snapshot_days: self.snapshot_days,
            history_days: self.history_days,
        }
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write the four tables into.
    #[arg(long, default_value = "data")]
    pub out: PathBuf,
    /// Number of accounts.
    #[arg(long, default_value_t = 2000)]
    pub accounts: usize,
    /// Random seed: the same seed and settings give byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Days of simulated history.
    #[arg(long, default_value_t = 730)]
    pub days: u32,
    /// The simulation ends the day before this date.
    #[arg(long = "as-of", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Multiplier on usage volume (1.0 is about 3 events per account-day).
    #[arg(long, default_value_t = 1.0)]
    pub usage_scale: f64,
    /// Also write the simulator's true churn hazards under _truth/.
    #[arg(long)]
    pub truth: bool,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Parquet file to write.
    #[arg(long, default_value = "out/features.parquet")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub byo: ByoTrainArgs,
}

impl TrainArgs {
    /// Training from a feature table, when `--features` is given.
    pub fn byo_settings(&self) -> Option<churn::byo::TrainSettings> {
        let b = &self.byo;
        Some(churn::byo::TrainSettings {
            features: b.features.clone()?,
            label: b.label.clone()?,
            id: b.id.clone(),
            date: b.date.clone(),
            exclude: b
                .exclude
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
            folds: b.folds,
            max_categories: b.max_categories,
            as_of: self.data.as_of,
            horizon_days: self.plan.horizon_days,
            models_dir: self.model.models.clone(),
            params: self.model.params(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Folder where models are kept (with a `latest` pointer).
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// L2 strengths to choose from by out-of-time validation (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0])]
    pub alphas: Vec<f64>,
    /// Cap on solver iterations per fit.
    #[arg(long, default_value_t = 500)]
    pub max_iterations: u64,
    /// L-BFGS implementation.
    #[arg(long, value_enum, default_value = "lbfgs")]
    pub solver: SolverArg,
    /// Fit the alpha grid on at most this many evenly spaced training rows (0 = all);
    /// the chosen alpha is then fitted on every row.
    #[arg(long, default_value_t = 200_000)]
    pub selection_rows: usize,
}

impl ModelArgs {
    pub fn params(&self) -> churn::model::TrainParams {
        churn::model::TrainParams {
            alphas: self.alphas.clone(),
            solver: match self.solver {
                SolverArg::Lbfgs => churn::model::Solver::Lbfgs,
                SolverArg::LinfaLogistic => churn::model::Solver::LinfaLogistic,
            },
            max_iterations: self.max_iterations,
            selection_rows: self.selection_rows,
            ..Default::default()
        }
    }
}

/// The command-line flag of a setting key (`high_lift` -> `--high-lift`), for messages.
pub fn flag(key: &str) -> String {
    match key {
        "model" => "--model (or --models)".into(),
        "date" => "--date".into(),
        _ => format!("--{}", key.replace('_', "-")),
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    churn::time::parse_date(s)
}
