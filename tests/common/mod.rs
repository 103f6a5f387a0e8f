//! Small Parquet fixtures the tests build themselves, and a helper to run the binary.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

pub const DAY: i64 = 86_400_000_000;
/// 2026-01-01T00:00:00Z in microseconds.
pub const JAN1: i64 = 20_454 * DAY;

pub fn ts(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
}

pub fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

pub fn num(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

/// A record batch from named columns (types taken from the arrays, all nullable).
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("valid fixture batch")
}

pub fn write_parquet(path: &Path, batches: &[RecordBatch]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let file = File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

pub fn accounts_batch() -> RecordBatch {
    batch(vec![
        ("account_id", text(&[Some("A1"), Some("A2"), Some("A3")])),
        ("account_name", text(&[Some("Acme"), Some("Globex"), None])),
        (
            "segment",
            text(&[Some("SMB"), Some("Enterprise"), Some("SMB")]),
        ),
        (
            "csm_owner",
            text(&[Some("Dana"), Some("Lee"), Some("Dana")]),
        ),
        ("mrr", num(&[Some(100.0), Some(2500.0), None])),
        ("seats", num(&[Some(10.0), Some(200.0), Some(5.0)])),
        (
            "started_at",
            ts(&[
                Some(JAN1 - 400 * DAY),
                Some(JAN1 - 300 * DAY),
                Some(JAN1 - 10 * DAY),
            ]),
        ),
        (
            "renewal_date",
            ts(&[Some(JAN1 + 330 * DAY), None, Some(JAN1 + 355 * DAY)]),
        ),
        ("churned_at", ts(&[None, Some(JAN1 + 20 * DAY), None])),
    ])
}

pub fn usage_batch() -> RecordBatch {
    batch(vec![
        (
            "account_id",
            text(&[Some("A1"), Some("A1"), Some("A2"), Some("A3")]),
        ),
        (
            "ts",
            ts(&[
                Some(JAN1 + 3_600_000_000),
                Some(JAN1 + DAY),
                Some(JAN1 + 2 * DAY),
                Some(JAN1 + 5 * DAY),
            ]),
        ),
        ("user_id", text(&[Some("u1"), Some("u2"), Some("u9"), None])),
        (
            "feature",
            text(&[Some("reports"), Some("api"), Some("reports"), Some("api")]),
        ),
        ("quantity", num(&[Some(2.0), None, Some(1.0), Some(4.0)])),
    ])
}

pub fn tickets_batch() -> RecordBatch {
    batch(vec![
        ("ticket_id", text(&[Some("T1"), Some("T2")])),
        ("account_id", text(&[Some("A1"), Some("A2")])),
        ("opened_at", ts(&[Some(JAN1), Some(JAN1 + DAY)])),
        (
            "first_response_at",
            ts(&[Some(JAN1 + 2 * 3_600_000_000), None]),
        ),
        ("resolved_at", ts(&[Some(JAN1 + DAY), None])),
        ("priority", text(&[Some("Urgent"), Some("low")])),
        ("category", text(&[Some("Performance"), None])),
    ])
}

pub fn surveys_batch() -> RecordBatch {
    batch(vec![
        ("account_id", text(&[Some("A1"), Some("A2"), Some("A1")])),
        (
            "responded_at",
            ts(&[Some(JAN1 + DAY), Some(JAN1 + 2 * DAY), Some(JAN1 + 3 * DAY)]),
        ),
        ("kind", text(&[Some("nps"), Some("NPS"), Some("csat")])),
        ("score", num(&[Some(9.0), Some(3.0), Some(4.0)])),
        ("scale_max", num(&[Some(10.0), None, Some(5.0)])),
        ("comment", text(&[Some("great"), Some("slow"), None])),
    ])
}

/// A data folder with the four tables; tests replace or break single tables.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        f.put("accounts", &[accounts_batch()]);
        f.put("usage", &[usage_batch()]);
        f.put("tickets", &[tickets_batch()]);
        f.put("surveys", &[surveys_batch()]);
        f
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn table(&self, name: &str) -> PathBuf {
        self.path().join(format!("{name}.parquet"))
    }

    /// Writes (or replaces) table `name` as a single file.
    pub fn put(&self, name: &str, batches: &[RecordBatch]) {
        write_parquet(&self.table(name), batches);
    }

    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.table(name)).unwrap();
    }
}

/// Builds the same batch with column `name` dropped.
pub fn without(b: &RecordBatch, name: &str) -> RecordBatch {
    let i = b.schema().index_of(name).unwrap();
    let mut b = b.clone();
    b.remove_column(i);
    b
}

/// Builds the same batch with column `name` replaced.
pub fn with(b: &RecordBatch, name: &str, array: ArrayRef) -> RecordBatch {
    let schema = b.schema();
    let cols: Vec<(&str, ArrayRef)> = schema
        .fields()
        .iter()
        .zip(b.columns())
        .map(|(f, c)| {
            (
                f.name().as_str(),
                if f.name() == name {
                    array.clone()
                } else {
                    c.clone()
                },
            )
        })
        .collect();
    batch(cols)
}

pub fn micros_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The `churn` binary built for these tests.
pub fn churn() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("churn").unwrap()
}

/// A small simulated data set (600 accounts, 560 days), generated once per test binary.
pub fn generated_data() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        churn()
            .args([
                "generate",
                "--accounts",
                "600",
                "--seed",
                "11",
                "--days",
                "560",
                "--usage-scale",
                "0.3",
                "--out",
            ])
            .arg(dir.join("data"))
            .assert()
            .success();
        dir.join("data")
    })
}

/// A private copy of [`generated_data`] that a test may change.
pub fn copy_of_generated_data() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(generated_data(), &data);
    (tmp, data)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Every row of a Parquet file, as one batch.
pub fn read_parquet(path: &Path) -> RecordBatch {
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        File::open(path).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

/// The manifest of the one run folder under `out`.
pub fn manifest_of(out: &Path) -> serde_json::Value {
    let dir = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("run_date=")
        })
        .expect("a run folder");
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}
