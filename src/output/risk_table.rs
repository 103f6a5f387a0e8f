//! `account_risk.parquet` and `account_risk.csv`: one row per active account, in
//! risk-rank order, with exactly the contract's schema (docs/data-contract.md).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Float64Builder, ListBuilder, StringArray, StringBuilder,
    StructBuilder, UInt32Array,
};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use super::OutputError;
use crate::scoring::Scores;

fn driver_fields() -> Fields {
    Fields::from(vec![
        Field::new("feature", DataType::Utf8, false),
        Field::new("value", DataType::Float64, true),
        Field::new("contribution", DataType::Float64, false),
    ])
}

/// The output schema, as documented in the data contract.
pub fn schema() -> SchemaRef {
    let text = |n: &str, nullable: bool| Field::new(n, DataType::Utf8, nullable);
    let num = |n: &str, nullable: bool| Field::new(n, DataType::Float64, nullable);
    Arc::new(Schema::new(vec![
        text("account_id", false),
        text("account_name", true),
        text("segment", true),
        text("plan", true),
        text("csm_owner", true),
        num("mrr", true),
        num("churn_probability", false),
        text("risk_tier", false),
        Field::new("risk_rank", DataType::UInt32, false),
        num("revenue_at_risk", true),
        num("nps_latest", true),
        text("nps_category", false),
        num("csat_pct", true),
        text("recommended_action", false),
        text("action_reason", false),
        Field::new(
            "top_issues",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        Field::new(
            "drivers",
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::Struct(driver_fields()),
                true,
            ))),
            false,
        ),
        text("model_version", false),
        Field::new("as_of", DataType::Date32, false),
    ]))
}

/// Key-value metadata written into the Parquet footer.
pub fn metadata(s: &Scores) -> Vec<(String, String)> {
    vec![
        (
            "churn.contract_version".into(),
            crate::contract::CONTRACT_VERSION.into(),
        ),
        ("churn.model_version".into(), s.model_version.clone()),
        ("churn.as_of".into(), s.as_of.to_string()),
        ("churn.horizon_days".into(), s.horizon_days.to_string()),
        ("churn.version".into(), env!("CARGO_PKG_VERSION").into()),
    ]
}

pub fn to_batch(s: &Scores) -> RecordBatch {
    let a = &s.accounts;
    let text = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef {
        Arc::new((0..a.len()).map(f).collect::<StringArray>())
    };
    let num = |f: &dyn Fn(usize) -> Option<f64>| -> ArrayRef {
        Arc::new((0..a.len()).map(f).collect::<Float64Array>())
    };
    let mut issues = ListBuilder::new(StringBuilder::new());
    for acc in a {
        for i in &acc.top_issues {
            issues.values().append_value(i);
        }
        issues.append(true);
    }
    let mut drivers = ListBuilder::new(StructBuilder::from_fields(driver_fields(), a.len()));
    for acc in a {
        let st = drivers.values();
        for d in &acc.drivers {
            st.field_builder::<StringBuilder>(0)
                .expect("feature field")
                .append_value(&d.feature);
            st.field_builder::<Float64Builder>(1)
                .expect("value field")
                .append_option((!d.value.is_nan()).then_some(d.value));
            st.field_builder::<Float64Builder>(2)
                .expect("contribution field")
                .append_value(d.contribution);
            st.append(true);
        }
        drivers.append(true);
    }
    let issues = issues.finish();
    let drivers = drivers.finish();
    let day = crate::time::date_to_day(s.as_of);
    let columns: Vec<ArrayRef> = vec![
        text(&|i| Some(a[i].account_id.clone())),
        text(&|i| a[i].account_name.clone()),
        text(&|i| a[i].segment.clone()),
        text(&|i| a[i].plan.clone()),
        text(&|i| a[i].csm_owner.clone()),
        num(&|i| a[i].mrr),
        num(&|i| Some(a[i].churn_probability)),
        text(&|i| Some(a[i].risk_tier.as_str().to_string())),
        Arc::new(a.iter().map(|x| x.risk_rank).collect::<UInt32Array>()),
        num(&|i| a[i].revenue_at_risk),
        num(&|i| a[i].nps_latest),
        text(&|i| Some(a[i].nps_category.as_str().to_string())),
        num(&|i| a[i].csat_pct),
        text(&|i| Some(a[i].recommended_action.as_str().to_string())),
        text(&|i| Some(a[i].action_reason.clone())),
        Arc::new(issues),
        Arc::new(drivers),
        text(&|_| Some(s.model_version.clone())),
        Arc::new(Date32Array::from(vec![day; a.len()])),
    ];
    // The builders produce nullable list items; cast into the exact contract schema.
    let schema = schema();
    let columns = columns
        .into_iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            if c.data_type() == f.data_type() {
                c
            } else {
                arrow::compute::cast(&c, f.data_type()).expect("list layouts are compatible")
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("columns match the output schema")
}

pub fn write_parquet(s: &Scores, path: &Path) -> Result<(), OutputError> {
    super::write_parquet_atomic(path, &to_batch(s), &metadata(s))
}

/// A spreadsheet would run a cell starting with one of these as a formula; such cells
/// get a leading apostrophe so they stay text (OWASP's CSV injection guidance).
fn guard(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// The CSV header, in contract column order, lists flattened into one cell.
pub const CSV_HEADER: [&str; 19] = [
    "account_id",
    "account_name",
    "segment",
    "plan",
    "csm_owner",
    "mrr",
    "churn_probability",
    "risk_tier",
    "risk_rank",
    "revenue_at_risk",
    "nps_latest",
    "nps_category",
    "csat_pct",
    "recommended_action",
    "action_reason",
    "top_issues",
    "drivers",
    "model_version",
    "as_of",
];

/// Numbers are written with Rust's shortest round-trip formatting, so the CSV and
/// the Parquet file hold the same values.
pub fn csv_bytes(s: &Scores) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let text = |v: &Option<String>| guard(v.as_deref().unwrap_or(""));
    for a in &s.accounts {
        let drivers: Vec<String> = a
            .drivers
            .iter()
            .map(|d| {
                let v = if d.value.is_nan() {
                    String::new()
                } else {
                    d.value.to_string()
                };
                format!("{}={v} ({:+})", d.feature, d.contribution)
            })
            .collect();
        w.write_record([
            guard(&a.account_id),
            text(&a.account_name),
            text(&a.segment),
            text(&a.plan),
            text(&a.csm_owner),
            opt(a.mrr),
            a.churn_probability.to_string(),
            a.risk_tier.as_str().to_string(),
            a.risk_rank.to_string(),
            opt(a.revenue_at_risk),
            opt(a.nps_latest),
            a.nps_category.as_str().to_string(),
            opt(a.csat_pct),
            a.recommended_action.as_str().to_string(),
            guard(&a.action_reason),
            guard(&a.top_issues.join("; ")),
            guard(&drivers.join("; ")),
            s.model_version.clone(),
            s.as_of.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

pub fn write_csv(s: &Scores, path: &Path) -> Result<(), OutputError> {
    let bytes = csv_bytes(s).map_err(|source| OutputError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    super::write_bytes_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("+1"), "'+1");
        assert_eq!(guard("-2"), "'-2");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("Acme"), "Acme");
    }
}
