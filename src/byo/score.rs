//! Scoring a feature table with a model trained from one: the same columns rebuilt
//! from the model file, the rows to score picked, and each row's drivers named by
//! its source columns. The run itself (scoring core, tiers, playbook, quality gate,
//! run folder) is the nightly job's: see `pipeline`.
//!
//! A feature table has no tickets or survey history, so the playbook runs on risk
//! alone (high: call_immediately, medium: fix_issues naming the top drivers, low:
//! monitor) unless an NPS column is named: then the answer counts as given on the
//! as-of date, and detractors are called, passives get fix_issues and low-risk
//! promoters become reference requests, as in the nightly job.

use std::collections::HashMap;
use std::path::Path;

use arrow::array::{Array, StringArray};
use chrono::NaiveDate;

use super::encode::{self, ColumnSpec, Encoded, EncoderSpec};
use super::table::{blank, Cells, Table};
use super::{spec_of, ByoError};
use crate::contract::NpsCategory;
use crate::model::ChurnModel;
use crate::output::manifest::FeaturesTable;
use crate::scoring::{AccountRisk, Driver, DRIVERS_PER_ACCOUNT};
use crate::timing::Timings;

/// A feature table read and encoded for scoring with a model trained from one.
pub struct Prepared {
    pub spec: EncoderSpec,
    pub table: Table,
    /// Table rows scored, in table order.
    pub rows: Vec<usize>,
    pub as_of: NaiveDate,
    pub ids: Vec<String>,
    pub encoded: Encoded,
    /// NPS answers of the scored rows, when an NPS column is named.
    pub nps: Vec<Option<f64>>,
    /// Raw text of categorical columns, to name a category training never saw.
    texts: Vec<Option<StringArray>>,
    /// Unseen categories and NPS values outside 0-10, for the manifest and logs.
    pub warnings: Vec<String>,
    pub manifest: FeaturesTable,
}

/// Reads `file`, picks the rows to score and rebuilds the model's columns.
pub fn prepare(
    file: &Path,
    model: &ChurnModel,
    model_path: &Path,
    as_of: Option<NaiveDate>,
    nps_column: Option<&str>,
    t: &mut Timings,
) -> Result<Prepared, ByoError> {
    let spec = spec_of(model, model_path)?;
    let table = t.time("read features", || Table::read(file))?;
    let (rows, as_of) = rows_and_as_of(&table, &spec, as_of)?;
    let ids = encode::ids(&table, spec.id.as_deref(), &rows)?;
    check_unique(&table, &ids, &rows)?;
    let encoded = t.time("encode", || encode::encode(&spec, &table, &rows))?;
    let names: Vec<String> = encoded.features.iter().map(|f| f.name.clone()).collect();
    model.check_features(&names)?;
    let (nps, nps_outside) = match nps_column {
        Some(c) => nps_scores(&table, c, &rows)?,
        None => (vec![None; rows.len()], 0),
    };
    let mut warnings = Vec::new();
    for u in &encoded.unseen {
        warnings.push(format!(
            "column `{}`: {} rows hold a category training never saw ({}); they count as none of the known categories",
            u.column,
            u.rows,
            u.examples.join(", ")
        ));
    }
    if nps_outside > 0 {
        warnings.push(format!(
            "NPS column `{}`: {nps_outside} values outside 0-10 were not used",
            nps_column.unwrap_or_default()
        ));
    }
    let texts = spec
        .columns
        .iter()
        .map(|c| match c {
            ColumnSpec::Categorical { name, .. } => {
                table.index(name).and_then(|j| table.texts(j).ok())
            }
            ColumnSpec::Numeric { .. } => None,
        })
        .collect();
    let manifest = FeaturesTable {
        file: file.display().to_string(),
        format: table.format.name(),
        rows_read: table.rows,
        rows_scored: rows.len(),
        id_column: spec.id.clone(),
        date_column: spec.date.clone().filter(|c| table.index(c).is_some()),
        nps_column: nps_column.map(str::to_string),
        unseen_categories: encoded.unseen.clone(),
    };
    Ok(Prepared {
        spec,
        table,
        rows,
        as_of,
        ids,
        encoded,
        nps,
        texts,
        warnings,
        manifest,
    })
}

impl Prepared {
    /// Scored row `k` as an account, before the scoring core ranks it: its id, the
    /// NPS answer and the source columns pushing it towards churn.
    pub fn account(&self, k: usize, contributions: ndarray::ArrayView1<f64>) -> AccountRisk {
        let nps = self.nps[k];
        AccountRisk {
            nps_latest: nps,
            nps_category: NpsCategory::of(nps),
            nps_date: nps.map(|_| self.as_of),
            features: self.encoded.x.row(k).to_vec(),
            drivers: drivers(
                k,
                &self.spec,
                &self.encoded,
                contributions,
                &self.texts,
                self.rows[k],
            ),
            ..AccountRisk::new(self.ids[k].clone())
        }
    }

    /// The NPS column as survey answers for the report: each answered on the as-of
    /// date (its last instant, so the report's window ending at the as-of date holds it).
    pub fn nps_answers(&self) -> crate::ingest::Surveys {
        let at = crate::time::date_to_micros(self.as_of) - 1;
        let mut s = crate::ingest::Surveys::default();
        for (k, score) in self.nps.iter().enumerate() {
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
/// "Contract: Month-to-month" rather than one indicator at a time. A table has no
/// registry, so each driver's group is its source column and a numeric one is
/// compared with its training median.
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
                        group: name.clone(),
                        value: v,
                        reference: Some(*median),
                        contribution,
                        sentence,
                    }
                }
                ColumnSpec::Categorical { name, categories } => {
                    let active = (0..categories.len()).find(|&i| enc.x[[k, first + i]] == 1.0);
                    match active {
                        Some(i) => Driver {
                            feature: enc.features[first + i].name.clone(),
                            group: name.clone(),
                            value: 1.0,
                            reference: None,
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
                                group: name.clone(),
                                value: f64::NAN,
                                reference: None,
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
