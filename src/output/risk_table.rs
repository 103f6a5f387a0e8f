//! `account_risk.parquet` and `account_risk.csv`: one row per active account, in
//! risk-rank order, with exactly the contract's schema (docs/data-contract.md). The
//! columns themselves are declared in `columns`; this writes them.

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use super::columns::{Column, Row, COLUMNS};
use super::OutputError;
use crate::scoring::Scores;

/// The output schema, as documented in the data contract.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(
        COLUMNS.iter().map(Column::field).collect::<Vec<_>>(),
    ))
}

/// Key-value metadata written into the Parquet footer.
pub fn metadata(s: &Scores) -> Vec<(String, String)> {
    vec![
        (
            "churn.contract_version".into(),
            crate::contract::CONTRACT_VERSION.into(),
        ),
        (
            "churn.output_version".into(),
            super::columns::OUTPUT_SCHEMA_VERSION.into(),
        ),
        ("churn.model_version".into(), s.model_version.clone()),
        ("churn.as_of".into(), s.as_of.to_string()),
        ("churn.horizon_days".into(), s.horizon_days.to_string()),
        ("churn.version".into(), env!("CARGO_PKG_VERSION").into()),
    ]
}

pub fn to_batch(s: &Scores) -> RecordBatch {
    let columns = COLUMNS.iter().map(|c| c.fill(s)).collect();
    RecordBatch::try_new(schema(), columns).expect("each column fills its declared field")
}

pub fn write_parquet(s: &Scores, path: &Path) -> Result<(), OutputError> {
    super::write_parquet_atomic(path, &to_batch(s), &metadata(s))
}

/// The same rows as the Parquet file, lists flattened into one cell and text from the
/// inputs guarded against spreadsheet formulas (see `columns`).
pub fn csv_bytes(s: &Scores) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS.iter().map(|c| c.name))?;
    for account in &s.accounts {
        let row = Row { scores: s, account };
        w.write_record(COLUMNS.iter().map(|c| c.csv_cell(row)))?;
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
    use crate::output::fixture;

    #[test]
    fn the_batch_has_the_schema() {
        let s = fixture::scores();
        let batch = to_batch(&s);
        assert_eq!(batch.schema(), schema());
        assert_eq!(batch.num_rows(), s.accounts.len());
    }

    #[test]
    fn csv_header_is_the_registry_in_order() {
        let bytes = csv_bytes(&fixture::scores()).unwrap();
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(header, names);
        for row in r.records() {
            assert_eq!(row.unwrap().len(), COLUMNS.len());
        }
    }

    /// The CSV as it is written: guards, quoting, empty cells for missing values,
    /// "; "-joined lists (the drivers as their sentences) and number formatting.
    #[test]
    fn csv_rows_are_pinned() {
        let bytes = csv_bytes(&fixture::scores()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let expected = concat!(
            "account_id,account_name,segment,plan,csm_owner,mrr,churn_probability,risk_tier,",
            "risk_rank,revenue_at_risk,nps_latest,nps_category,csat_pct,recommended_action,",
            "action_reason,top_issues,drivers,model_version,as_of\n",
            "'=A1,\"'=HYPERLINK(\"\"http://x\"\")\",'+SMB,'-Pro,'@dana,1234.5,0.7123456789,high,1,",
            "10552.6888872246,3,detractor,87.5,call_immediately,",
            "\"'-usage down 45%, call this week\",billing; performance,",
            "quantity_30d is unusual; csat_pct_180d is unusual; open_tickets is unusual,",
            "m-20261101-abc123,2026-11-01\n",
            "A-0002,,,,,,0.3,low,2,,,unknown,,monitor,,,,m-20261101-abc123,2026-11-01\n",
            "B-2,\"Acme, \"\"Inc\"\"\r\nEU\",'\tMid-Market,\"'\rPlus\",Sam O'Neil,0,0.1,medium,3,0,10,",
            "promoter,100,fix_issues,\"fix the open \"\"integration\"\" issue\",'=SUM(A1),",
            "'=cmd is unusual,m-20261101-abc123,2026-11-01\n",
        );
        assert_eq!(text, expected);
    }
}
