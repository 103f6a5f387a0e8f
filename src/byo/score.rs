//! Scoring a feature table with a model trained from one: the same columns rebuilt
//! from the model file, then the nightly job's tiers, playbook and run folder.
//!
//! A feature table has no tickets or survey history, so the playbook runs on risk
//! alone (high: call_immediately, medium: fix_issues naming the top drivers, low:
//! monitor) unless `--nps COLUMN` names a 0-10 NPS column: then the answer counts as
//! given on the as-of date, and detractors are called, passives get fix_issues and
//! low-risk promoters become reference requests, as in the nightly job. The quality
//! gate (validation AUC floor, drift against the training rows) and the HTML report
//! are the nightly job's too.

use std::collections::HashMap;
use std::path::PathBuf;

use arrow::array::{Array, StringArray};
use chrono::NaiveDate;
use serde::Serialize;

use super::encode::{self, ColumnSpec, Encoded, EncoderSpec, Unseen};
use super::table::{blank, Cells, Table};
use super::{spec_of, ByoError};
use crate::actions::{self, PlaybookSettings};
use crate::contract::NpsCategory;
use crate::error::Error;
use crate::model::ChurnModel;
use crate::output::{manifest, OutputLock, RunFolder};
use crate::pipeline::{self, ModelSource, RunOutcome, Timings};
use crate::scoring::{AccountRisk, Driver, Scores, TierSettings, DRIVERS_PER_ACCOUNT};

/// Everything `churn score --features` needs, validated by the command line.
#[derive(Debug, Clone)]
pub struct ScoreSettings {
    pub features: PathBuf,
    /// A model file, or the one `models_dir/latest` names.
    pub model: ModelSource,
    pub models_dir: PathBuf,
    pub out_dir: PathBuf,
    /// Default: the latest date in the table's date column (a model trained with
    /// `--date`), else today.
    pub as_of: Option<NaiveDate>,
    /// A 0-10 NPS column, answered as of the as-of date.
    pub nps: Option<String>,
    pub tiers: TierSettings,
    pub playbook: PlaybookSettings,
    /// Validation AUC floor and drift against the training rows (`--force` to publish anyway).
    pub gate: crate::quality::GateSettings,
}

/// What the manifest says about the table scored, beside the job's usual fields.
#[derive(Debug, Serialize)]
struct FeaturesTable<'a> {
    file: String,
    format: &'static str,
    rows_read: usize,
    rows_scored: usize,
    id_column: Option<&'a str>,
    date_column: Option<&'a str>,
    nps_column: Option<&'a str>,
    unseen_categories: &'a [Unseen],
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The rows to score and the as-of date: with the model's date column present, the
/// rows on the as-of date (default the latest); otherwise every row.
fn rows_and_as_of(
    table: &Table,
    spec: &EncoderSpec,
    as_of: Option<NaiveDate>,
) -> Result<(Vec<usize>, NaiveDate), ByoError> {
    let all: Vec<usize> = (0..table.rows).collect();
    let Some(col) = spec.date.as_deref().filter(|c| table.index(c).is_some()) else {
        return Ok((
            all,
            as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        ));
    };
    let days = encode::days(table, col, &all)?;
    let day = match as_of {
        Some(d) => crate::time::date_to_day(d),
        None => *days.iter().max().expect("a table has rows"),
    };
    let rows: Vec<usize> = all.into_iter().filter(|&r| days[r] == day).collect();
    let date = crate::time::day_to_date(day);
    if rows.is_empty() {
        return Err(ByoError::NoRowsOnDate {
            path: table.path.clone(),
            column: col.to_string(),
            date,
        });
    }
    Ok((rows, date))
}

fn check_unique(table: &Table, ids: &[String], rows: &[usize]) -> Result<(), ByoError> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (k, id) in ids.iter().enumerate() {
        if let Some(&first) = seen.get(id.as_str()) {
            return Err(ByoError::DuplicateId {
                path: table.path.clone(),
                id: id.clone(),
                first: table.at(rows[first]),
                second: table.at(rows[k]),
            });
        }
        seen.insert(id, k);
    }
    Ok(())
}

/// NPS answers 0-10 of `rows`; values outside the scale are dropped and counted.
fn nps_scores(
    table: &Table,
    column: &str,
    rows: &[usize],
) -> Result<(Vec<Option<f64>>, usize), ByoError> {
    let j = table.require(column, "NPS")?;
    let values: Vec<Option<f64>> = match table.cells(j, "NPS")? {
        Cells::Number(a) => rows
            .iter()
            .map(|&r| (a.is_valid(r) && !a.value(r).is_nan()).then(|| a.value(r)))
            .collect(),
        Cells::Text(a) => rows
            .iter()
            .map(|&r| {
                let s = a.is_valid(r).then(|| a.value(r));
                encode::parse_number(s).ok_or_else(|| ByoError::BadValue {
                    path: table.path.clone(),
                    column: column.to_string(),
                    at: table.at(r),
                    value: s.unwrap_or_default().to_string(),
                    problem: "not an NPS answer (a number from 0 to 10)".into(),
                })
            })
            .collect::<Result<_, _>>()?,
        Cells::Bool(_) | Cells::Day(_) => {
            return Err(ByoError::UnsupportedType {
                path: table.path.clone(),
                column: column.to_string(),
                role: "NPS column",
                found: table.columns[j].data_type().to_string(),
                hint: "; NPS answers are numbers from 0 to 10",
            })
        }
    };
    let outside = values
        .iter()
        .flatten()
        .filter(|v| !(0.0..=10.0).contains(*v))
        .count();
    let values = values
        .into_iter()
        .map(|v| v.filter(|v| (0.0..=10.0).contains(v)))
        .collect();
    Ok((values, outside))
}

/// Up to `DRIVERS_PER_ACCOUNT` source columns pushing row `k` towards churn the
/// most: a categorical column's one-hot contributions are summed, so a driver reads
/// "Contract: Month-to-month" rather than one indicator at a time.
fn drivers(
    k: usize,
    spec: &EncoderSpec,
    enc: &Encoded,
    contributions: ndarray::ArrayView1<f64>,
    texts: &[Option<StringArray>],
    row: usize,
) -> Vec<Driver> {
    let mut per_column = vec![0.0; spec.columns.len()];
    for (f, c) in contributions.iter().enumerate() {
        per_column[enc.column_of[f]] += c;
    }
    let mut order: Vec<(usize, f64)> = per_column
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0.0)
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    order.truncate(DRIVERS_PER_ACCOUNT);
    order
        .into_iter()
        .map(|(c, contribution)| {
            let first = enc.column_of.iter().position(|&x| x == c).unwrap_or(0);
            match &spec.columns[c] {
                ColumnSpec::Numeric { name, median, .. } => {
                    let v = enc.x[[k, first]];
                    let sentence = if v.is_nan() {
                        format!("{name} missing")
                    } else {
                        format!("{name} {} (typical {})", num(v), num(*median))
                    };
                    Driver {
                        feature: name.clone(),
                        value: v,
                        contribution,
                        sentence,
                    }
                }
                ColumnSpec::Categorical { name, categories } => {
                    let active = (0..categories.len()).find(|&i| enc.x[[k, first + i]] == 1.0);
                    match active {
                        Some(i) => Driver {
                            feature: enc.features[first + i].name.clone(),
                            value: 1.0,
                            contribution,
                            sentence: format!("{name}: {}", encode::show_category(&categories[i])),
                        },
                        None => {
                            let raw = texts[c]
                                .as_ref()
                                .and_then(|t| t.is_valid(row).then(|| t.value(row)))
                                .filter(|s| !blank(Some(s)))
                                .unwrap_or(encode::BLANK);
                            Driver {
                                feature: name.clone(),
                                value: f64::NAN,
                                contribution,
                                sentence: format!("{name}: {raw} (not seen in training)"),
                            }
                        }
                    }
                }
            }
        })
        .collect()
}

/// Scores every row of a feature table (or every row on the as-of date) and writes
/// the run folder: `account_risk.parquet`, `account_risk.csv`, `manifest.json`.
pub fn score(s: &ScoreSettings) -> Result<RunOutcome, Error> {
    let started_at = chrono::Utc::now();
    let _lock = OutputLock::acquire(&s.out_dir)?;
    s.tiers.check().map_err(Error::Usage)?;
    let mut t = Timings::default();

    let (model, model_path) = t
        .time("load model", || {
            pipeline::load_model(&s.model, &s.models_dir)
        })?
        .ok_or_else(|| Error::Usage("scoring needs a saved model (--model or --models)".into()))?;
    let spec = spec_of(&model, &model_path)?;
    let table = t.time("read features", || Table::read(&s.features))?;
    let (rows, as_of) = rows_and_as_of(&table, &spec, s.as_of)?;
    let ids = encode::ids(&table, spec.id.as_deref(), &rows)?;
    check_unique(&table, &ids, &rows)?;
    let enc = t.time("encode", || encode::encode(&spec, &table, &rows))?;
    let names: Vec<String> = enc.features.iter().map(|f| f.name.clone()).collect();
    model.check_features(&names)?;
    let scored = t.time("score", || model.explain(enc.x.view()))?;
    let (nps, nps_outside) = match &s.nps {
        Some(c) => nps_scores(&table, c, &rows)?,
        None => (vec![None; rows.len()], 0),
    };

    let mut warnings = Vec::new();
    for u in &enc.unseen {
        warnings.push(format!(
            "column `{}`: {} rows hold a category training never saw ({}); they count as none of the known categories",
            u.column,
            u.rows,
            u.examples.join(", ")
        ));
    }
    warnings.extend(scored.warnings.iter().map(|w| w.to_string()));
    if nps_outside > 0 {
        warnings.push(format!(
            "NPS column `{}`: {nps_outside} values outside 0-10 were not used",
            s.nps.as_deref().unwrap_or_default()
        ));
    }

    let scores = t.time("actions", || {
        let mut scores = risk_rows(
            &model, &spec, &enc, &scored, &table, &rows, ids, &nps, as_of, &s.tiers,
        );
        actions::apply(&mut scores, &s.playbook);
        scores
    });

    // As in the nightly job, the gate runs before anything is written: a refused run
    // leaves the previous outputs as they were.
    let gate = t.time("quality gate", || {
        let reference = model
            .metadata
            .get(crate::quality::REFERENCE_KEY)
            .and_then(|j| serde_json::from_str::<crate::quality::Reference>(j).ok());
        crate::quality::check(
            &s.gate,
            model.validation_metrics.roc_auc,
            reference.as_ref(),
            enc.x.view(),
        )
    });
    if !gate.passed() {
        return Err(Error::QualityGate(gate.failures.join("; ")));
    }
    warnings.extend(gate.warnings.iter().cloned());

    let folder = RunFolder::create(&s.out_dir, as_of)?;
    t.time("write outputs", || -> Result<(), Error> {
        let surveys = nps_answers(&nps, as_of);
        pipeline::write_run_files(
            folder.path(),
            &crate::report::ReportInput {
                scores: &scores,
                model: &model,
                surveys: &surveys,
                as_of,
                period_days: 90,
            },
        )
    })?;
    let mut outputs = Vec::new();
    for name in [
        "account_risk.parquet",
        "account_risk.csv",
        crate::report::FILE_NAME,
    ] {
        let path = folder.path().join(name);
        let bytes = std::fs::metadata(&path)
            .map_err(|source| Error::Io {
                context: path.display().to_string(),
                source,
            })?
            .len();
        outputs.push(manifest::OutputFile {
            file: name.to_string(),
            bytes,
        });
    }
    let (per_action, per_tier, expected, revenue) = manifest::headline(&scores);
    let mut m = manifest::Manifest {
        churn_version: env!("CARGO_PKG_VERSION"),
        contract_version: crate::contract::CONTRACT_VERSION,
        started_at: started_at.to_rfc3339(),
        finished_at: String::new(),
        as_of: as_of.to_string(),
        horizon_days: model.horizon_days,
        data_dir: s.features.display().to_string(),
        inputs: Vec::new(),
        set_aside: Vec::new(),
        model: manifest::ModelSummary {
            model_version: model.model_version.clone(),
            path: model_path.display().to_string(),
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
        timings: t.0.clone(),
        warnings,
        outputs,
    };
    m.finished_at = chrono::Utc::now().to_rfc3339();
    let json_error = |e: serde_json::Error| Error::Io {
        context: "manifest.json".into(),
        source: e.into(),
    };
    let mut json = serde_json::to_value(&m).map_err(json_error)?;
    json["features_table"] = serde_json::to_value(FeaturesTable {
        file: s.features.display().to_string(),
        format: table.format.name(),
        rows_read: table.rows,
        rows_scored: rows.len(),
        id_column: spec.id.as_deref(),
        date_column: spec.date.as_deref().filter(|c| table.index(c).is_some()),
        nps_column: s.nps.as_deref(),
        unseen_categories: &enc.unseen,
    })
    .map_err(json_error)?;
    let bytes = serde_json::to_vec_pretty(&json).map_err(json_error)?;
    crate::output::write_bytes_atomic(&folder.path().join("manifest.json"), &bytes)?;
    let final_path = folder.commit()?;
    Ok(RunOutcome {
        folder: final_path,
        manifest: m,
        trained: None,
    })
}

/// The NPS column as survey answers for the report: each answered on the as-of date
/// (its last instant, so the report's window ending at the as-of date holds it).
fn nps_answers(nps: &[Option<f64>], as_of: NaiveDate) -> crate::ingest::Surveys {
    let at = crate::time::date_to_micros(as_of) - 1;
    let mut s = crate::ingest::Surveys::default();
    for (k, score) in nps.iter().enumerate() {
        if let Some(v) = score {
            s.account.push(k as u32);
            s.responded_at.push(at);
            s.kind.push(crate::ingest::SurveyKind::Nps);
            s.score.push(*v);
            s.scale_max.push(10.0);
            s.comment.push(None);
        }
    }
    s
}

/// One risk row per scored table row, ranked (ties by id), before the playbook.
#[allow(clippy::too_many_arguments)]
fn risk_rows(
    model: &ChurnModel,
    spec: &EncoderSpec,
    enc: &Encoded,
    scored: &crate::model::Scored,
    table: &Table,
    rows: &[usize],
    ids: Vec<String>,
    nps: &[Option<f64>],
    as_of: NaiveDate,
    tiers: &TierSettings,
) -> Scores {
    let base_rate = model.training.positives as f64 / model.training.rows.max(1) as f64;
    let thresholds = tiers.thresholds(base_rate, &scored.probabilities);
    // Raw text of categorical columns, to name a category training never saw.
    let texts: Vec<Option<StringArray>> = spec
        .columns
        .iter()
        .map(|c| match c {
            ColumnSpec::Categorical { name, .. } => {
                table.index(name).and_then(|j| table.texts(j).ok())
            }
            ColumnSpec::Numeric { .. } => None,
        })
        .collect();
    let mut accounts: Vec<AccountRisk> = ids
        .into_iter()
        .enumerate()
        .map(|(k, id)| {
            let p = scored.probabilities[k];
            let drivers = drivers(k, spec, enc, scored.contributions.row(k), &texts, rows[k]);
            AccountRisk {
                account_id: id,
                account_name: None,
                segment: None,
                plan: None,
                csm_owner: None,
                mrr: None,
                churn_probability: p,
                risk_tier: thresholds.tier(p),
                risk_rank: 0,
                revenue_at_risk: None,
                nps_latest: nps[k],
                nps_category: NpsCategory::of(nps[k]),
                nps_date: nps[k].map(|_| as_of),
                nps_comment: None,
                csat_pct: None,
                features: enc.x.row(k).to_vec(),
                issues: Vec::new(),
                drivers,
                recommended_action: actions::Action::Monitor,
                action_reason: String::new(),
                top_issues: Vec::new(),
            }
        })
        .collect();
    accounts.sort_by(|x, y| {
        y.churn_probability
            .total_cmp(&x.churn_probability)
            .then_with(|| x.account_id.cmp(&y.account_id))
    });
    for (k, a) in accounts.iter_mut().enumerate() {
        a.risk_rank = k as u32 + 1;
    }
    Scores {
        as_of,
        model_version: model.model_version.clone(),
        horizon_days: model.horizon_days,
        thresholds,
        accounts,
    }
}
