//! From a feature table's columns to the model stage's raw matrix, and the rules
//! learned at training that scoring must repeat (kept in the model file).
//!
//! - A column is **numeric** when it has a number type, or when every non-blank text
//!   cell parses as a finite number (blank or whitespace-only cells are missing, NaN).
//!   It is one feature, used as it is, except that a non-negative column with more
//!   than two distinct values and a sample skewness above [`LOG1P_SKEWNESS`] on the
//!   training rows is log1p-transformed by the model stage.
//! - Any other text column, and every boolean column, is **categorical**: one 0/1
//!   feature `column=category` per category seen in the training rows (blank cells
//!   are the category `(blank)`). A category first met at scoring sets none of them
//!   and is counted in the warnings.
//! - The **label** accepts booleans, 0/1, and yes/no, true/false, y/n, t/f,
//!   churned/not churned, churned/retained, churned/stayed (any case).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use arrow::array::Array;
use chrono::NaiveDate;
use ndarray::{Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};

use super::table::{blank, Cells, Table};
use super::ByoError;
use crate::model::{FeatureSpec, Transform};

/// A non-negative numeric column more skewed than this (sample skewness on the
/// training rows) is log1p-transformed.
pub const LOG1P_SKEWNESS: f64 = 2.0;

/// How a blank category shows in feature names.
pub const BLANK: &str = "(blank)";

/// What scoring needs to rebuild training's columns, stored as JSON in the model's
/// metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderSpec {
    pub label: LabelSpec,
    pub id: Option<String>,
    pub date: Option<String>,
    pub excluded: Vec<String>,
    /// Feature columns in file order.
    pub columns: Vec<ColumnSpec>,
}

impl EncoderSpec {
    /// The description as model metadata (key `byo.encoder`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("names and numbers always serialise as JSON")
    }
}

/// The label column and the spellings it used for each class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSpec {
    pub column: String,
    pub churned: Option<String>,
    pub retained: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnSpec {
    Numeric {
        name: String,
        log1p: bool,
        /// Sample skewness on the training rows (absent for a constant column).
        skewness: Option<f64>,
        /// Training median of the raw values, for the drivers' wording.
        median: f64,
    },
    Categorical {
        name: String,
        /// Sorted; "" is the blank category.
        categories: Vec<String>,
    },
}

impl ColumnSpec {
    pub fn name(&self) -> &str {
        match self {
            ColumnSpec::Numeric { name, .. } | ColumnSpec::Categorical { name, .. } => name,
        }
    }

    /// The model features this column becomes.
    pub fn features(&self) -> Vec<FeatureSpec> {
        match self {
            ColumnSpec::Numeric { name, log1p, .. } => vec![FeatureSpec::new(
                name.clone(),
                if *log1p {
                    Transform::Log1p
                } else {
                    Transform::Identity
                },
            )],
            ColumnSpec::Categorical { name, categories } => categories
                .iter()
                .map(|c| FeatureSpec::new(category_feature(name, c), Transform::Identity))
                .collect(),
        }
    }
}

pub fn category_feature(column: &str, category: &str) -> String {
    format!("{column}={}", show_category(category))
}

pub fn show_category(category: &str) -> &str {
    if category.is_empty() {
        BLANK
    } else {
        category
    }
}

impl EncoderSpec {
    pub fn features(&self) -> Vec<FeatureSpec> {
        self.columns.iter().flat_map(|c| c.features()).collect()
    }
}

/// A number in a text cell: `Some(None)` for a blank (missing) cell, `None` when the
/// text is not a finite number.
pub fn parse_number(s: Option<&str>) -> Option<Option<f64>> {
    match s.map(str::trim) {
        None | Some("") => Some(None),
        Some(t) if t.eq_ignore_ascii_case("nan") => Some(None),
        Some(t) => t.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some),
    }
}

/// What a label spelling means: `Some(true)` churned, `Some(false)` not churned.
pub fn label_meaning(value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    match v.as_str() {
        "1" | "1.0" | "true" | "t" | "yes" | "y" | "churned" | "churn" => Some(true),
        "0" | "0.0" | "false" | "f" | "no" | "n" | "not churned" | "not_churned" | "retained"
        | "stayed" | "no churn" => Some(false),
        _ => None,
    }
}

fn show_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The label of every row (`None` for a blank cell) and the spellings used.
pub fn labels(table: &Table, column: &str) -> Result<(Vec<Option<bool>>, LabelSpec), ByoError> {
    let j = table.require(column, "label")?;
    // Each row's spelling, with blanks as None.
    let raw: Vec<Option<String>> = match table.cells(j, "label")? {
        Cells::Number(a) => (0..a.len())
            .map(|i| (a.is_valid(i) && !a.value(i).is_nan()).then(|| show_number(a.value(i))))
            .collect(),
        Cells::Day(_) => {
            return Err(ByoError::UnsupportedType {
                path: table.path.clone(),
                column: column.to_string(),
                role: "label",
                found: table.columns[j].data_type().to_string(),
                hint: "; use 1/0, true/false or yes/no",
            })
        }
        Cells::Text(_) | Cells::Bool(_) => {
            let t = table.texts(j)?;
            (0..t.len())
                .map(|i| {
                    let s = t.is_valid(i).then(|| t.value(i));
                    (!blank(s)).then(|| s.unwrap_or_default().trim().to_string())
                })
                .collect()
        }
    };
    // Distinct values, compared without case; the first spelling of each is kept.
    let mut distinct: BTreeMap<String, String> = BTreeMap::new();
    for s in raw.iter().flatten() {
        distinct
            .entry(s.to_ascii_lowercase())
            .or_insert_with(|| s.clone());
    }
    let values: Vec<String> = distinct.values().cloned().collect();
    if values.is_empty() {
        return Err(ByoError::LabelEmpty {
            path: table.path.clone(),
            column: column.to_string(),
        });
    }
    if values.len() > 2 {
        return Err(ByoError::LabelValues {
            path: table.path.clone(),
            column: column.to_string(),
            values: values.iter().map(|v| format!("`{v}`")).collect(),
        });
    }
    let meanings: Vec<Option<bool>> = values.iter().map(|v| label_meaning(v)).collect();
    let understood =
        meanings.iter().all(Option::is_some) && (meanings.len() == 1 || meanings[0] != meanings[1]);
    if !understood {
        return Err(ByoError::LabelUnrecognised {
            path: table.path.clone(),
            column: column.to_string(),
            values: values.iter().map(|v| format!("`{v}`")).collect(),
        });
    }
    let spelling = |m: bool| {
        values
            .iter()
            .zip(&meanings)
            .find(|(_, x)| **x == Some(m))
            .map(|(v, _)| v.clone())
    };
    let spec = LabelSpec {
        column: column.to_string(),
        churned: spelling(true),
        retained: spelling(false),
    };
    let y = raw
        .iter()
        .map(|s| s.as_deref().and_then(label_meaning))
        .collect();
    Ok((y, spec))
}

/// Numbers of column `j` for `rows`: Some(values, NaN = missing), or None when the
/// column is text that is not all numbers.
fn numbers(table: &Table, j: usize, rows: &[usize]) -> Result<Option<Vec<f64>>, ByoError> {
    Ok(match table.cells(j, "feature")? {
        Cells::Number(a) => Some(
            rows.iter()
                .map(|&r| if a.is_valid(r) { a.value(r) } else { f64::NAN })
                .collect(),
        ),
        Cells::Text(a) => {
            let mut out = Vec::with_capacity(rows.len());
            for &r in rows {
                let s = a.is_valid(r).then(|| a.value(r));
                match parse_number(s) {
                    Some(v) => out.push(v.unwrap_or(f64::NAN)),
                    None => return Ok(None),
                }
            }
            Some(out)
        }
        Cells::Bool(_) => None,
        Cells::Day(_) => {
            return Err(ByoError::UnsupportedType {
                path: table.path.clone(),
                column: table.names[j].clone(),
                role: "feature",
                found: table.columns[j].data_type().to_string(),
                hint: "; name it as the date column, leave it out (setting `exclude`), or turn it into a number (e.g. days since) in the table",
            })
        }
    })
}

/// Sample skewness (population moments, as scipy.stats.skew with bias=True).
pub fn skewness(values: &[f64]) -> Option<f64> {
    let n = values.len() as f64;
    if values.is_empty() {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n;
    let (mut m2, mut m3) = (0.0, 0.0);
    for v in values {
        let d = v - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= n;
    m3 /= n;
    (m2 > 0.0).then(|| m3 / m2.powf(1.5))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Learns how to encode feature column `j` from the training `rows`.
pub fn learn_column(
    table: &Table,
    j: usize,
    rows: &[usize],
    max_categories: usize,
) -> Result<ColumnSpec, ByoError> {
    let name = table.names[j].clone();
    let empty = || ByoError::EmptyColumn {
        path: table.path.clone(),
        column: name.clone(),
        training: rows.len() < table.rows,
    };
    if let Some(values) = numbers(table, j, rows)? {
        let present: Vec<f64> = values.into_iter().filter(|v| !v.is_nan()).collect();
        if present.is_empty() {
            return Err(empty());
        }
        let skew = skewness(&present);
        let min = present.iter().copied().fold(f64::INFINITY, f64::min);
        let distinct: BTreeSet<u64> = present.iter().map(|v| v.to_bits()).collect();
        let log1p = min >= 0.0 && distinct.len() > 2 && skew.is_some_and(|s| s > LOG1P_SKEWNESS);
        return Ok(ColumnSpec::Numeric {
            name,
            log1p,
            skewness: skew,
            median: median(present),
        });
    }
    let t = table.texts(j)?;
    let mut categories: BTreeSet<&str> = BTreeSet::new();
    let mut any_value = false;
    let (mut numeric, mut first_text) = (0usize, None);
    for &r in rows {
        let s = t.is_valid(r).then(|| t.value(r));
        if blank(s) {
            categories.insert("");
            continue;
        }
        any_value = true;
        let s = s.unwrap_or_default();
        categories.insert(s);
        match parse_number(Some(s)) {
            Some(_) => numeric += 1,
            None if first_text.is_none() => first_text = Some((r, s)),
            None => {}
        }
    }
    if !any_value {
        return Err(empty());
    }
    let distinct = categories.iter().filter(|c| !c.is_empty()).count();
    if distinct > max_categories {
        let detail = match first_text {
            Some((r, s)) if numeric > 0 => format!(
                " ({numeric} of its values are numbers; the first that is not: `{s}` on {})",
                table.at(r)
            ),
            _ => String::new(),
        };
        return Err(ByoError::TooManyCategories {
            path: table.path.clone(),
            column: name,
            distinct,
            max: max_categories,
            detail,
        });
    }
    Ok(ColumnSpec::Categorical {
        name,
        categories: categories.into_iter().map(str::to_string).collect(),
    })
}

pub use crate::output::manifest::Unseen;

/// The raw matrix of `rows`, in the model's feature order.
pub struct Encoded {
    pub features: Vec<FeatureSpec>,
    /// rows x features; NaN = missing.
    pub x: Array2<f64>,
    /// For each feature, the index of its column in `EncoderSpec::columns`.
    pub column_of: Vec<usize>,
    /// For each categorical column with a category training never saw.
    pub unseen: Vec<Unseen>,
}

pub fn encode(spec: &EncoderSpec, table: &Table, rows: &[usize]) -> Result<Encoded, ByoError> {
    let features = spec.features();
    // Column-major: it is filled, and read by the model, column by column.
    let mut x = Array2::<f64>::zeros((rows.len(), features.len()).f());
    let mut column_of = Vec::with_capacity(features.len());
    let mut unseen = Vec::new();
    let mut f0 = 0;
    for (c, col) in spec.columns.iter().enumerate() {
        let j = table.require(col.name(), "feature")?;
        match col {
            ColumnSpec::Numeric { name, .. } => {
                let values = match numbers(table, j, rows)? {
                    Some(v) => v,
                    None => return Err(not_a_number(table, j, rows, name)?),
                };
                x.column_mut(f0)
                    .iter_mut()
                    .zip(values)
                    .for_each(|(d, v)| *d = v);
                column_of.push(c);
                f0 += 1;
            }
            ColumnSpec::Categorical { name, categories } => {
                let index: HashMap<&str, usize> = categories
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (s.as_str(), k))
                    .collect();
                let t = table.texts(j)?;
                let mut missed = 0;
                let mut examples: Vec<String> = Vec::new();
                for (i, &r) in rows.iter().enumerate() {
                    let s = t.is_valid(r).then(|| t.value(r));
                    let key = if blank(s) { "" } else { s.unwrap_or_default() };
                    match index.get(key) {
                        Some(&k) => x[[i, f0 + k]] = 1.0,
                        None => {
                            missed += 1;
                            let shown = show_category(key).to_string();
                            if examples.len() < 3 && !examples.contains(&shown) {
                                examples.push(shown);
                            }
                        }
                    }
                }
                if missed > 0 {
                    unseen.push(Unseen {
                        column: name.clone(),
                        rows: missed,
                        examples,
                    });
                }
                column_of.extend(std::iter::repeat_n(c, categories.len()));
                f0 += categories.len();
            }
        }
    }
    Ok(Encoded {
        features,
        x,
        column_of,
        unseen,
    })
}

/// The error for a numeric column holding text, naming the first offending cell.
fn not_a_number(table: &Table, j: usize, rows: &[usize], name: &str) -> Result<ByoError, ByoError> {
    let t = table.texts(j)?;
    let bad = rows.iter().find_map(|&r| {
        let s = t.is_valid(r).then(|| t.value(r));
        parse_number(s)
            .is_none()
            .then(|| (r, s.unwrap_or_default().to_string()))
    });
    let (r, value) = bad.unwrap_or((rows.first().copied().unwrap_or(0), String::new()));
    Ok(ByoError::BadValue {
        path: table.path.clone(),
        column: name.to_string(),
        at: table.at(r),
        value,
        problem: "not a number, and the model learned this column as numeric".into(),
    })
}

/// Parses a date cell: `YYYY-MM-DD`, optionally followed by `T` or a space and a time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// The date of every row in `rows`, as days since 1970-01-01.
pub fn days(table: &Table, column: &str, rows: &[usize]) -> Result<Vec<i32>, ByoError> {
    let j = table.require(column, "date")?;
    let bad = |r: usize, value: String, problem: &str| ByoError::BadValue {
        path: table.path.clone(),
        column: column.to_string(),
        at: table.at(r),
        value,
        problem: problem.to_string(),
    };
    match table.cells(j, "date")? {
        Cells::Day(d) => rows
            .iter()
            .map(|&r| d[r].ok_or_else(|| bad(r, String::new(), "no date")))
            .collect(),
        Cells::Text(t) => rows
            .iter()
            .map(|&r| {
                let s = if t.is_valid(r) { t.value(r) } else { "" };
                if s.trim().is_empty() {
                    return Err(bad(r, s.to_string(), "no date"));
                }
                parse_date(s)
                    .map(crate::time::date_to_day)
                    .ok_or_else(|| bad(r, s.to_string(), "not a date (YYYY-MM-DD)"))
            })
            .collect(),
        Cells::Number(_) | Cells::Bool(_) => Err(ByoError::UnsupportedType {
            path: table.path.clone(),
            column: column.to_string(),
            role: "date",
            found: table.columns[j].data_type().to_string(),
            hint: "; dates must be YYYY-MM-DD text, a Date or a Timestamp",
        }),
    }
}

/// Row ids: the id column's text, or `row-N` (N the 1-based data row) without one.
pub fn ids(table: &Table, column: Option<&str>, rows: &[usize]) -> Result<Vec<String>, ByoError> {
    let Some(column) = column else {
        return Ok(rows.iter().map(|r| format!("row-{}", r + 1)).collect());
    };
    let j = table.require(column, "id")?;
    let t = table.texts(j)?;
    rows.iter()
        .map(|&r| {
            let s = t.is_valid(r).then(|| t.value(r));
            if blank(s) {
                Err(ByoError::BadValue {
                    path: table.path.clone(),
                    column: column.to_string(),
                    at: table.at(r),
                    value: s.unwrap_or_default().to_string(),
                    problem: "empty id".into(),
                })
            } else {
                Ok(s.unwrap_or_default().trim().to_string())
            }
        })
        .collect()
}
