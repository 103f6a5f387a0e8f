//! The one publish step both runs end with: the quality gate, then the run folder
//! (risk table as Parquet and CSV, report, manifest) committed as a whole, and every
//! warning logged and recorded in the manifest.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use ndarray::ArrayView2;

use super::error::GateRefusal;
use super::{Error, RunSettings};
use crate::ingest::{SetAsideEntry, Surveys};
use crate::model::ChurnModel;
use crate::output::manifest::{self, FeaturesTable, InputSummary, Manifest, ModelSummary, OutputFile};
use crate::output::{risk_table, OutputError, RunFolder};
use crate::quality::{self, GateReport, Reference};
use crate::report::{self, ReportInput};
use crate::scoring::Scores;
use crate::storage::{self, Location};
use crate::timing::Timings;

/// Look-back (days before the as-of date) of the report's headline NPS and CSAT.
const REPORT_PERIOD_DAYS: u32 = 90;

/// The files of a run folder besides the manifest, in the manifest's order.
const RUN_FILES: [&str; 3] = [
    "account_risk.parquet",
    "account_risk.csv",
    report::FILE_NAME,
];

/// Everything a scored run hands to [`publish`].
pub struct Publication<'a> {
    /// Scores with the playbook's actions applied.
    pub scores: Scores,
    pub model: &'a ChurnModel,
    pub model_path: PathBuf,
    pub trained_in_this_run: bool,
    /// The scored rows' raw features, for the drift check.
    pub scored_rows: ArrayView2<'a, f64>,
    /// Survey answers, for the report's NPS and CSAT.
    pub surveys: &'a Surveys,
    /// Where the features came from: the data folder or the feature table.
    pub source: String,
    pub inputs: Vec<InputSummary>,
    pub set_aside: Vec<SetAsideEntry>,
    /// Warnings of training, of the inputs and of scoring, in that order.
    pub warnings: Vec<String>,
    pub features_table: Option<FeaturesTable>,
}

/// What a run produced.
pub struct RunOutcome {
    pub folder: PathBuf,
    pub manifest: Manifest,
}

/// Runs the quality gate and, unless it refuses, writes and commits the run folder.
/// Every warning (the publication's and the gate's) is logged and recorded.
pub fn publish(
    s: &RunSettings,
    p: Publication,
    started_at: DateTime<Utc>,
    mut t: Timings,
) -> Result<RunOutcome, Error> {
    // The gate runs before anything is written: a refused run leaves the previous
    // outputs as they were.
    let gate = t.time("quality gate", || {
        quality::check(
            &s.gate,
            p.model.validation_metrics.roc_auc,
            Reference::of_model(p.model).as_ref(),
            p.scored_rows,
        )
    });
    let mut warnings = p.warnings;
    warnings.extend(gate.warnings.iter().cloned());
    for w in &warnings {
        tracing::warn!("{w}");
    }
    if !gate.passed() {
        return Err(GateRefusal {
            failures: gate.failures.clone(),
        }
        .into());
    }

    let as_of = p.scores.as_of;
    let folder = RunFolder::create(&s.out_dir, as_of)?;
    t.time("write outputs", || {
        write_run_files(
            folder.path(),
            &ReportInput {
                scores: &p.scores,
                model: p.model,
                surveys: p.surveys,
                as_of,
                period_days: REPORT_PERIOD_DAYS,
            },
        )
    })?;
    let outputs = output_sizes(folder.path())?;
    let mut m = manifest_of(s, &p.scores, p.model, as_of, gate, started_at);
    m.data_dir = p.source;
    m.inputs = p.inputs;
    m.set_aside = p.set_aside;
    m.model.path = p.model_path.display().to_string();
    m.model.trained_in_this_run = p.trained_in_this_run;
    m.timings = t.0;
    m.warnings = warnings;
    m.outputs = outputs;
    m.features_table = p.features_table;
    m.finished_at = Utc::now().to_rfc3339();
    let path = folder.path().join("manifest.json");
    let json = serde_json::to_vec_pretty(&m).map_err(|source| OutputError::Json {
        path: path.clone(),
        source,
    })?;
    crate::output::write_bytes_atomic(&path, &json)?;
    let folder = folder.commit()?;
    Ok(RunOutcome {
        folder,
        manifest: m,
    })
}

/// The run folder's three files (risk table as Parquet and CSV, HTML report), written
/// side by side; each is atomic on its own and the folder is published only after.
fn write_run_files(dir: &Path, report: &ReportInput) -> Result<(), Error> {
    let scores = report.scores;
    let (parquet, (csv, html)) = rayon::join(
        || risk_table::write_parquet(scores, &dir.join(RUN_FILES[0])),
        || {
            rayon::join(
                || risk_table::write_csv(scores, &dir.join(RUN_FILES[1])),
                || -> Result<(), Error> {
                    let html = report::render(report)?;
                    crate::output::write_bytes_atomic(&dir.join(RUN_FILES[2]), html.as_bytes())?;
                    Ok(())
                },
            )
        },
    );
    parquet?;
    csv?;
    html
}

fn output_sizes(dir: &Path) -> Result<Vec<OutputFile>, OutputError> {
    let dir = Location::new(dir);
    let store = storage::for_location(&dir);
    RUN_FILES
        .iter()
        .map(|name| {
            let file = dir.join(name);
            let bytes = store.size(&file).map_err(|e| OutputError::Io {
                path: file.as_path().to_path_buf(),
                source: e.source,
            })?;
            Ok(OutputFile {
                file: name.to_string(),
                bytes,
            })
        })
        .collect()
}

/// The manifest's fields that follow from the settings, scores, model and gate.
fn manifest_of(
    s: &RunSettings,
    scores: &Scores,
    model: &ChurnModel,
    as_of: NaiveDate,
    gate: GateReport,
    started_at: DateTime<Utc>,
) -> Manifest {
    let (per_action, per_tier, expected, revenue) = manifest::headline(scores);
    Manifest {
        churn_version: env!("CARGO_PKG_VERSION"),
        contract_version: crate::contract::CONTRACT_VERSION,
        started_at: started_at.to_rfc3339(),
        finished_at: String::new(),
        as_of: as_of.to_string(),
        horizon_days: model.horizon_days,
        data_dir: String::new(),
        inputs: Vec::new(),
        set_aside: Vec::new(),
        model: ModelSummary {
            model_version: model.model_version.clone(),
            path: String::new(),
            trained_in_this_run: false,
            trained_as_of: model.as_of.clone(),
            chosen_alpha: model.selection.chosen_alpha,
            validation: model.validation_metrics.clone(),
        },
        tier_settings: s.tiers.clone(),
        thresholds: scores.thresholds,
        playbook: s.playbook.clone(),
        accounts_scored: scores.accounts.len(),
        expected_churners: expected,
        revenue_at_risk: revenue,
        accounts_per_action: per_action,
        accounts_per_tier: per_tier,
        quality_gate: gate,
        timings: Vec::new(),
        warnings: Vec::new(),
        outputs: Vec::new(),
        features_table: None,
    }
}
