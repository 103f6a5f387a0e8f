//! `churn features`: the training matrix as Parquet, so data scientists can inspect
//! it and any tool can cross-check the model.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Date32Array, Float64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use super::{FeatureMatrix, FEATURES};
use crate::ingest::Accounts;
use crate::storage::{Location, OutputError};
use crate::time::date_to_day;

/// Columns: account_id, observation_date, label (null on the as-of date), then every
/// feature as Float64 (null where missing).
pub fn to_batch(m: &FeatureMatrix, accounts: &Accounts) -> RecordBatch {
    let days = m
        .plan
        .dates()
        .into_iter()
        .map(date_to_day)
        .collect::<Vec<_>>();
    let mut fields = vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("observation_date", DataType::Date32, false),
        Field::new("label", DataType::Boolean, true),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            m.account.iter().map(|&a| accounts.ids[a as usize].as_str()),
        )),
        Arc::new(Date32Array::from_iter_values(
            m.date.iter().map(|&j| days[j as usize]),
        )),
        Arc::new(BooleanArray::from(m.label.clone())),
    ];
    for (k, def) in FEATURES.iter().enumerate() {
        fields.push(Field::new(def.name, DataType::Float64, true));
        cols.push(Arc::new(Float64Array::from_iter(
            m.x.column(k)
                .iter()
                .map(|&v| if v.is_nan() { None } else { Some(v) }),
        )));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).expect("columns match the schema")
}

/// Writes the matrix to `path` (Parquet, ZSTD), atomically. Through storage rather
/// than `output`, which sits above features.
pub fn write(m: &FeatureMatrix, accounts: &Accounts, path: &Path) -> Result<(), OutputError> {
    crate::storage::write_parquet(&Location::from(path), &to_batch(m, accounts), &[])
}
