//! The columns of `account_risk`, each declared once: name, where its value comes from
//! (which also fixes its Arrow type and CSV form), nullability, whether its CSV cell is
//! guarded against spreadsheet formulas, and its meaning as docs/data-contract.md gives
//! it. The Parquet schema, the Arrow batch, the CSV header and the CSV rows all follow
//! from [`COLUMNS`], in its order; a test holds the contract's table to it.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, ListArray, StringArray, StructArray, UInt32Array,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use chrono::NaiveDate;

use crate::scoring::{AccountRisk, Driver, Scores};

/// The version of the output schema (the columns below, their types and CSV forms),
/// separate from the input contract's version; raised with every change to either.
/// Written to the Parquet footer as `churn.output_version`.
pub const OUTPUT_SCHEMA_VERSION: &str = "2";

/// One output row: a scored account and the run that scored it.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    pub scores: &'a Scores,
    pub account: &'a AccountRisk,
}

/// Where a column's value comes from. The variant fixes the Arrow type and the CSV form.
pub enum Get {
    /// Utf8. CSV: the text; empty when null.
    Utf8(for<'a> fn(Row<'a>) -> Option<&'a str>),
    /// Float64. CSV: Rust's shortest round-trip decimal, so the CSV holds the Parquet
    /// value exactly; empty when null.
    Float64(fn(Row) -> Option<f64>),
    /// UInt32. CSV: decimal.
    UInt32(fn(Row) -> u32),
    /// Date32. CSV: YYYY-MM-DD.
    Date32(fn(Row) -> NaiveDate),
    /// List(Utf8). CSV: the items joined with "; ".
    Utf8List(for<'a> fn(Row<'a>) -> &'a [String]),
    /// List(Struct) of [`DRIVER_FIELDS`]. CSV: the drivers' sentences, joined with
    /// "; ".
    Drivers(for<'a> fn(Row<'a>) -> &'a [Driver]),
}

/// How a column's cell is written to CSV, after the form its type gives it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Csv {
    /// As is: numbers, dates and the job's own words (tiers, actions, model ids).
    Plain,
    /// Prefixed with `'` when a spreadsheet would run it as a formula: text that comes
    /// from the inputs.
    Guarded,
}

pub struct Column {
    pub name: &'static str,
    pub get: Get,
    pub nullable: bool,
    pub csv: Csv,
    /// The column's meaning in docs/data-contract.md, word for word.
    pub doc: &'static str,
}

/// The `account_risk` table, in output order.
pub const COLUMNS: &[Column] = &[
    Column {
        name: "account_id",
        get: Get::Utf8(|r| Some(&r.account.account_id)),
        nullable: false,
        csv: Csv::Guarded,
        doc: "carried from accounts",
    },
    Column {
        name: "account_name",
        get: Get::Utf8(|r| r.account.account_name.as_deref()),
        nullable: true,
        csv: Csv::Guarded,
        doc: "carried from accounts",
    },
    Column {
        name: "segment",
        get: Get::Utf8(|r| r.account.segment.as_deref()),
        nullable: true,
        csv: Csv::Guarded,
        doc: "carried from accounts",
    },
    Column {
        name: "plan",
        get: Get::Utf8(|r| r.account.plan.as_deref()),
        nullable: true,
        csv: Csv::Guarded,
        doc: "carried from accounts",
    },
    Column {
        name: "csm_owner",
        get: Get::Utf8(|r| r.account.csm_owner.as_deref()),
        nullable: true,
        csv: Csv::Guarded,
        doc: "carried from accounts",
    },
    Column {
        name: "mrr",
        get: Get::Float64(|r| r.account.mrr),
        nullable: true,
        csv: Csv::Plain,
        doc: "carried from accounts",
    },
    Column {
        name: "churn_probability",
        get: Get::Float64(|r| Some(r.account.churn_probability)),
        nullable: false,
        csv: Csv::Plain,
        doc: "calibrated probability of churn within the horizon",
    },
    Column {
        name: "risk_tier",
        get: Get::Utf8(|r| Some(r.account.risk_tier.as_str())),
        nullable: false,
        csv: Csv::Plain,
        doc: "high, medium, low",
    },
    Column {
        name: "risk_rank",
        get: Get::UInt32(|r| r.account.risk_rank),
        nullable: false,
        csv: Csv::Plain,
        doc: "1 = most at risk",
    },
    Column {
        name: "revenue_at_risk",
        get: Get::Float64(|r| r.account.revenue_at_risk),
        nullable: true,
        csv: Csv::Plain,
        doc: "churn_probability x mrr x 12",
    },
    Column {
        name: "nps_latest",
        get: Get::Float64(|r| r.account.nps_latest),
        nullable: true,
        csv: Csv::Plain,
        doc: "latest NPS answer before the as-of date",
    },
    Column {
        name: "nps_category",
        get: Get::Utf8(|r| Some(r.account.nps_category.as_str())),
        nullable: false,
        csv: Csv::Plain,
        doc: "promoter, passive, detractor, unknown",
    },
    Column {
        name: "csat_pct",
        get: Get::Float64(|r| r.account.csat_pct),
        nullable: true,
        csv: Csv::Plain,
        doc: "CSAT over the look-back window",
    },
    Column {
        name: "recommended_action",
        get: Get::Utf8(|r| Some(r.account.recommended_action.as_str())),
        nullable: false,
        csv: Csv::Plain,
        doc: "call_immediately, fix_issues, reference, monitor",
    },
    Column {
        name: "action_reason",
        get: Get::Utf8(|r| Some(&r.account.action_reason)),
        nullable: false,
        csv: Csv::Guarded,
        doc: "one sentence a customer-success manager can act on",
    },
    Column {
        name: "top_issues",
        get: Get::Utf8List(|r| &r.account.top_issues),
        nullable: false,
        csv: Csv::Guarded,
        doc: "the 2-3 issues to fix (from tickets and risk drivers)",
    },
    Column {
        name: "drivers",
        get: Get::Drivers(|r| &r.account.drivers),
        nullable: false,
        csv: Csv::Guarded,
        doc: "the groups of features that push this account's risk most, each shown by a value on the risky side of its reference",
    },
    Column {
        name: "model_version",
        get: Get::Utf8(|r| Some(&r.scores.model_version)),
        nullable: false,
        csv: Csv::Plain,
        doc: "the model that scored it",
    },
    Column {
        name: "as_of",
        get: Get::Date32(|r| r.scores.as_of),
        nullable: false,
        csv: Csv::Plain,
        doc: "the as-of date the account was scored at",
    },
];

/// Where a driver field's value comes from; the variant fixes its Arrow type.
pub enum DriverGet {
    Utf8(fn(&Driver) -> &str),
    Float64(fn(&Driver) -> Option<f64>),
}

pub struct DriverField {
    pub name: &'static str,
    pub get: DriverGet,
    pub nullable: bool,
    /// The field's meaning in docs/data-contract.md, word for word.
    pub doc: &'static str,
}

/// The fields of each `drivers` item, in order.
pub const DRIVER_FIELDS: &[DriverField] = &[
    DriverField {
        name: "feature",
        get: DriverGet::Utf8(|d| &d.feature),
        nullable: false,
        doc: "the feature the sentence cites",
    },
    DriverField {
        name: "group",
        get: DriverGet::Utf8(|d| &d.group),
        nullable: false,
        doc: "the group of related features the driver stands for (usage_trend, support_load, ...); in a bring-your-own run, the source column",
    },
    DriverField {
        name: "value",
        get: DriverGet::Float64(|d| (!d.value.is_nan()).then_some(d.value)),
        nullable: true,
        doc: "the cited feature's raw value for this account; null when the feature is missing",
    },
    DriverField {
        name: "reference",
        get: DriverGet::Float64(|d| d.reference.filter(|r| !r.is_nan())),
        nullable: true,
        doc: "what the value is compared with (see Drivers below); null for a fact",
    },
    DriverField {
        name: "contribution",
        get: DriverGet::Float64(|d| Some(d.contribution)),
        nullable: false,
        doc: "the group's contribution: the sum over its features of coefficient x standardised deviation from the training mean (log-odds)",
    },
    DriverField {
        name: "sentence",
        get: DriverGet::Utf8(|d| &d.sentence),
        nullable: false,
        doc: "the driver in words, with its comparison",
    },
];

impl DriverField {
    pub fn field(&self) -> Field {
        let data_type = match self.get {
            DriverGet::Utf8(_) => DataType::Utf8,
            DriverGet::Float64(_) => DataType::Float64,
        };
        Field::new(self.name, data_type, self.nullable)
    }

    fn fill(&self, drivers: &[&Driver]) -> ArrayRef {
        match self.get {
            DriverGet::Utf8(get) => Arc::new(StringArray::from_iter_values(
                drivers.iter().map(|d| get(d)),
            )),
            DriverGet::Float64(get) => {
                Arc::new(drivers.iter().map(|d| get(d)).collect::<Float64Array>())
            }
        }
    }
}

pub fn driver_fields() -> Fields {
    DRIVER_FIELDS.iter().map(DriverField::field).collect()
}

/// The item field of a list column: named "item" and nullable, Arrow's default layout,
/// which the Parquet files have always had.
fn list_item(data_type: DataType) -> FieldRef {
    Arc::new(Field::new("item", data_type, true))
}

/// A list column from each row's item count and all rows' items, in row order.
fn list(item_type: DataType, lengths: impl Iterator<Item = usize>, items: ArrayRef) -> ArrayRef {
    Arc::new(ListArray::new(
        list_item(item_type),
        OffsetBuffer::from_lengths(lengths),
        items,
        None,
    ))
}

impl Column {
    pub fn data_type(&self) -> DataType {
        match self.get {
            Get::Utf8(_) => DataType::Utf8,
            Get::Float64(_) => DataType::Float64,
            Get::UInt32(_) => DataType::UInt32,
            Get::Date32(_) => DataType::Date32,
            Get::Utf8List(_) => DataType::List(list_item(DataType::Utf8)),
            Get::Drivers(_) => DataType::List(list_item(DataType::Struct(driver_fields()))),
        }
    }

    pub fn field(&self) -> Field {
        Field::new(self.name, self.data_type(), self.nullable)
    }

    /// The column's values for every account of `s`, in order.
    pub fn fill(&self, s: &Scores) -> ArrayRef {
        let rows = s.accounts.iter().map(|account| Row { scores: s, account });
        match self.get {
            Get::Utf8(get) => Arc::new(rows.map(get).collect::<StringArray>()),
            Get::Float64(get) => Arc::new(rows.map(get).collect::<Float64Array>()),
            Get::UInt32(get) => Arc::new(rows.map(get).collect::<UInt32Array>()),
            Get::Date32(get) => Arc::new(Date32Array::from_iter_values(
                rows.map(|r| crate::time::date_to_day(get(r))),
            )),
            Get::Utf8List(get) => {
                let lists: Vec<&[String]> = rows.map(get).collect();
                let items: Vec<&String> = lists.iter().copied().flatten().collect();
                let items = StringArray::from_iter_values(items);
                list(
                    DataType::Utf8,
                    lists.iter().map(|l| l.len()),
                    Arc::new(items),
                )
            }
            Get::Drivers(get) => {
                let lists: Vec<&[Driver]> = rows.map(get).collect();
                let drivers: Vec<&Driver> = lists.iter().copied().flatten().collect();
                let fields = driver_fields();
                let values = DRIVER_FIELDS.iter().map(|f| f.fill(&drivers)).collect();
                let items = StructArray::new(fields.clone(), values, None);
                list(
                    DataType::Struct(fields),
                    lists.iter().map(|l| l.len()),
                    Arc::new(items),
                )
            }
        }
    }

    /// The column's CSV cell for one row.
    pub fn csv_cell(&self, r: Row) -> String {
        let cell = match self.get {
            Get::Utf8(get) => get(r).unwrap_or("").to_string(),
            Get::Float64(get) => get(r).map(|x| x.to_string()).unwrap_or_default(),
            Get::UInt32(get) => get(r).to_string(),
            Get::Date32(get) => get(r).to_string(),
            Get::Utf8List(get) => get(r).join("; "),
            Get::Drivers(get) => get(r)
                .iter()
                .map(|d| d.sentence.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        };
        match self.csv {
            Csv::Plain => cell,
            Csv::Guarded => guard(cell),
        }
    }
}

/// A spreadsheet would run a cell starting with one of these as a formula; such cells
/// get a leading apostrophe so they stay text (OWASP's CSV injection guidance).
fn guard(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

#[cfg(test)]
mod tests;
