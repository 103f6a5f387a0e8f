//! Reading a customer's feature table, CSV or Parquet, whole into memory.
//!
//! CSV is read with every column as text (Arrow's CSV reader with an all-Utf8
//! schema), so nothing is guessed by the reader: an empty field is null, a single
//! space stays a space, the text `None` stays text, and header names are kept exactly
//! (double spaces included). `encode` decides which columns are numbers. Parquet
//! columns keep their types. The file is read through storage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::ByoError;
use crate::ingest::columns;
use crate::storage::{self, Location, Reader};

const BATCH_ROWS: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
        }
    }
}

/// A feature table: named columns of equal length.
pub struct Table {
    pub path: PathBuf,
    pub format: Format,
    pub names: Vec<String>,
    pub columns: Vec<ArrayRef>,
    pub rows: usize,
}

/// One column's values in the few shapes the feature-table code works with.
pub enum Cells {
    /// Text as written; null for an empty CSV field.
    Text(StringArray),
    /// Numbers; null or NaN means missing.
    Number(Float64Array),
    Bool(BooleanArray),
    /// Dates and timestamps as UTC days since 1970-01-01.
    Day(Vec<Option<i32>>),
}

impl Cells {
    pub fn len(&self) -> usize {
        match self {
            Cells::Text(a) => a.len(),
            Cells::Number(a) => a.len(),
            Cells::Bool(a) => a.len(),
            Cells::Day(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A text cell that counts as missing: null, empty or only whitespace.
pub fn blank(s: Option<&str>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

fn detect(path: &Path, file: &Reader) -> Result<Format, ByoError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("parquet" | "pq")) {
        return Ok(Format::Parquet);
    }
    let magic = if file.len() >= 4 {
        file.read_range(0, 4).map_err(|source| ByoError::Io {
            path: path.to_path_buf(),
            source,
        })?
    } else {
        Default::default()
    };
    Ok(if magic.as_ref() == b"PAR1" {
        Format::Parquet
    } else {
        Format::Csv
    })
}

impl Table {
    /// Reads `path`: Parquet when it ends in `.parquet`/`.pq` or starts with Parquet's
    /// magic bytes, CSV (comma-separated, header row, `"` quotes) otherwise.
    pub fn read(path: &Path) -> Result<Table, ByoError> {
        let loc = Location::from(path);
        let file = storage::for_location(&loc)
            .open(&loc)
            .map_err(|e| ByoError::Io {
                path: e.location.into_path(),
                source: e.source,
            })?;
        let format = detect(path, &file)?;
        let unreadable = |reason: String| ByoError::Unreadable {
            path: path.to_path_buf(),
            format: format.name(),
            reason,
        };
        let (schema, batches) = match format {
            Format::Csv => read_csv(&file).map_err(unreadable)?,
            Format::Parquet => read_parquet(file).map_err(unreadable)?,
        };
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        if names.is_empty() || (names.len() == 1 && names[0].is_empty()) {
            return Err(unreadable("no header row or no columns".into()));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(ByoError::DuplicateColumn {
                    path: path.to_path_buf(),
                    column: n.clone(),
                });
            }
        }
        let batch = arrow::compute::concat_batches(&schema, &batches)
            .map_err(|e| unreadable(e.to_string()))?;
        if batch.num_rows() == 0 {
            return Err(ByoError::NoRows {
                path: path.to_path_buf(),
            });
        }
        Ok(Table {
            path: path.to_path_buf(),
            format,
            names,
            rows: batch.num_rows(),
            columns: batch.columns().to_vec(),
        })
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The column `name` plays `role`, or an error listing the columns there are.
    pub fn require(&self, name: &str, role: &'static str) -> Result<usize, ByoError> {
        self.index(name).ok_or_else(|| ByoError::MissingColumn {
            path: self.path.clone(),
            role,
            column: name.to_string(),
            available: self.available(),
        })
    }

    fn available(&self) -> String {
        const SHOWN: usize = 12;
        let mut s: Vec<String> = self
            .names
            .iter()
            .take(SHOWN)
            .map(|n| format!("`{n}`"))
            .collect();
        if self.names.len() > SHOWN {
            s.push(format!("and {} more", self.names.len() - SHOWN));
        }
        s.join(", ")
    }

    /// Where row `row` (0-based) is, for messages: the CSV line (the header is line 1)
    /// or the 1-based Parquet row.
    pub fn at(&self, row: usize) -> String {
        match self.format {
            Format::Csv => format!("line {}", row + 2),
            Format::Parquet => format!("row {}", row + 1),
        }
    }

    /// Column `j` as text whatever its type (numbers and booleans as Arrow writes
    /// them: `1.5`, `true`), for ids and categories.
    pub fn texts(&self, j: usize) -> Result<StringArray, ByoError> {
        columns::texts(&self.columns[j]).map_err(|e| ByoError::Unreadable {
            path: self.path.clone(),
            format: self.format.name(),
            reason: format!("column `{}` cannot be read as text: {e}", self.names[j]),
        })
    }

    /// Column `j` as text, numbers, booleans or days; `role` names what the column is
    /// for, in the error when its type fits none of them.
    pub fn cells(&self, j: usize, role: &'static str) -> Result<Cells, ByoError> {
        let a = &self.columns[j];
        let unsupported = |hint: &'static str| ByoError::UnsupportedType {
            path: self.path.clone(),
            column: self.names[j].clone(),
            role,
            found: a.data_type().to_string(),
            hint,
        };
        let cast_failed = |e: String| ByoError::Unreadable {
            path: self.path.clone(),
            format: self.format.name(),
            reason: format!("column `{}`: {e}", self.names[j]),
        };
        let text_like = |t: &DataType| {
            matches!(
                t,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
            )
        };
        let t = a.data_type();
        let value_type = match t {
            DataType::Dictionary(_, v) => v.as_ref(),
            other => other,
        };
        if text_like(value_type) {
            return Ok(Cells::Text(columns::texts(a).map_err(cast_failed)?));
        }
        if value_type.is_numeric() {
            return Ok(Cells::Number(columns::numbers(a).map_err(cast_failed)?));
        }
        match t {
            DataType::Boolean => Ok(Cells::Bool(a.as_boolean().clone())),
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
                let us = columns::instants(a).map_err(cast_failed)?;
                Ok(Cells::Day(
                    us.iter()
                        .map(|v| v.map(crate::time::micros_to_day))
                        .collect(),
                ))
            }
            _ => Err(unsupported("")),
        }
    }
}

fn read_csv(file: &Reader) -> Result<(Arc<Schema>, Vec<RecordBatch>), String> {
    let open = || file.read_from(0).map_err(|e| e.to_string());
    // The header alone: every column is then read as text.
    let (header, _) = arrow::csv::reader::Format::default()
        .with_header(true)
        .infer_schema(open()?, Some(0))
        .map_err(|e| e.to_string())?;
    let fields: Vec<Field> = header
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = if i == 0 {
                f.name().trim_start_matches('\u{feff}')
            } else {
                f.name().as_str()
            };
            Field::new(name, DataType::Utf8, true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let reader = arrow::csv::ReaderBuilder::new(schema.clone())
        .with_header(true)
        .with_batch_size(BATCH_ROWS)
        .build(open()?)
        .map_err(|e| e.to_string())?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((schema, batches))
}

fn read_parquet(file: Reader) -> Result<(Arc<Schema>, Vec<RecordBatch>), String> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
    let schema = builder.schema().clone();
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| e.to_string())?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((schema, batches))
}
