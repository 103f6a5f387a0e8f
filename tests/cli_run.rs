//! `churn run` end to end on a small generated data set: the run folder, the output
//! schema, CSV and Parquet agreement, reruns and thread-count determinism.

mod common;

use std::fs::File;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, UInt32Type};
use common::churn;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use predicates::prelude::*;

fn data() -> &'static Path {
    common::generated_data()
}

fn run(out: &Path, models: &Path, threads: &str) {
    churn()
        .args(["run", "--threads", threads, "--data"])
        .arg(data())
        .arg("--out")
        .arg(out)
        .arg("--models")
        .arg(models)
        .assert()
        .success()
        .stdout(predicate::str::contains("Scored"));
}

fn read(path: &Path) -> arrow::record_batch::RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

#[test]
fn run_writes_the_run_folder_with_the_contract_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, models) = (tmp.path().join("out"), tmp.path().join("models"));
    run(&out, &models, "2");
    let folder = out.join("run_date=2026-11-01");
    for f in [
        "account_risk.parquet",
        "account_risk.csv",
        "report.html",
        "manifest.json",
    ] {
        assert!(folder.join(f).is_file(), "{f} missing");
    }
    assert!(models.join("latest").is_file());

    let b = read(&folder.join("account_risk.parquet"));
    let expected = [
        ("account_id", DataType::Utf8),
        ("account_name", DataType::Utf8),
        ("segment", DataType::Utf8),
        ("plan", DataType::Utf8),
        ("csm_owner", DataType::Utf8),
        ("mrr", DataType::Float64),
        ("churn_probability", DataType::Float64),
        ("risk_tier", DataType::Utf8),
        ("risk_rank", DataType::UInt32),
        ("revenue_at_risk", DataType::Float64),
        ("nps_latest", DataType::Float64),
        ("nps_category", DataType::Utf8),
        ("csat_pct", DataType::Float64),
        ("recommended_action", DataType::Utf8),
        ("action_reason", DataType::Utf8),
        ("model_version", DataType::Utf8),
        ("as_of", DataType::Date32),
    ];
    let schema = b.schema();
    for (name, dt) in expected {
        assert_eq!(
            schema.field_with_name(name).unwrap().data_type(),
            &dt,
            "{name}"
        );
    }
    match schema.field_with_name("top_issues").unwrap().data_type() {
        DataType::List(item) => assert_eq!(item.data_type(), &DataType::Utf8),
        other => panic!("top_issues is {other}"),
    }
    match schema.field_with_name("drivers").unwrap().data_type() {
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) => {
                let got: Vec<(&str, &DataType)> = fields
                    .iter()
                    .map(|f| (f.name().as_str(), f.data_type()))
                    .collect();
                assert_eq!(
                    got,
                    vec![
                        ("feature", &DataType::Utf8),
                        ("group", &DataType::Utf8),
                        ("value", &DataType::Float64),
                        ("reference", &DataType::Float64),
                        ("contribution", &DataType::Float64),
                        ("sentence", &DataType::Utf8)
                    ]
                );
            }
            other => panic!("drivers item is {other}"),
        },
        other => panic!("drivers is {other}"),
    }
    assert_eq!(schema.fields().len(), 19);
    let footer = ParquetRecordBatchReaderBuilder::try_new(
        File::open(folder.join("account_risk.parquet")).unwrap(),
    )
    .unwrap();
    let kv: std::collections::HashMap<String, Option<String>> = footer
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|k| (k.key.clone(), k.value.clone()))
        .collect();
    assert_eq!(kv["churn.contract_version"].as_deref(), Some("1"));
    assert_eq!(kv["churn.output_version"].as_deref(), Some("2"));
    assert_eq!(kv["churn.as_of"].as_deref(), Some("2026-11-01"));
    assert_eq!(kv["churn.horizon_days"].as_deref(), Some("90"));
    assert!(kv["churn.model_version"]
        .as_deref()
        .is_some_and(|v| v.starts_with("m-")));

    // Sorted by rank, probabilities non-increasing, ranks 1..n.
    let ranks = b
        .column_by_name("risk_rank")
        .unwrap()
        .as_primitive::<UInt32Type>();
    let p = b
        .column_by_name("churn_probability")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert!(b.num_rows() > 100);
    for i in 0..b.num_rows() {
        assert_eq!(ranks.value(i) as usize, i + 1);
        assert!((0.0..=1.0).contains(&p.value(i)));
        if i > 0 {
            assert!(p.value(i) <= p.value(i - 1));
        }
    }
    let actions = b
        .column_by_name("recommended_action")
        .unwrap()
        .as_string::<i32>();
    for a in actions.iter() {
        assert!(["call_immediately", "fix_issues", "reference", "monitor"].contains(&a.unwrap()));
    }

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["accounts_scored"].as_u64().unwrap() as usize,
        b.num_rows()
    );
    assert!(manifest["model"]["validation"]["roc_auc"].as_f64().unwrap() > 0.6);
}

#[test]
fn csv_and_parquet_hold_the_same_rows() {
    let tmp = tempfile::tempdir().unwrap();
    run(&tmp.path().join("out"), &tmp.path().join("models"), "2");
    let folder = tmp.path().join("out/run_date=2026-11-01");
    let b = read(&folder.join("account_risk.parquet"));
    let mut csv = csv::Reader::from_path(folder.join("account_risk.csv")).unwrap();
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(header, names);
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), b.num_rows());
    let ids = b.column_by_name("account_id").unwrap().as_string::<i32>();
    let p = b
        .column_by_name("churn_probability")
        .unwrap()
        .as_primitive::<Float64Type>();
    let mrr = b
        .column_by_name("mrr")
        .unwrap()
        .as_primitive::<Float64Type>();
    let action = b
        .column_by_name("recommended_action")
        .unwrap()
        .as_string::<i32>();
    let issues = b.column_by_name("top_issues").unwrap().as_list::<i32>();
    let drivers = b.column_by_name("drivers").unwrap().as_list::<i32>();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(&r[0], ids.value(i));
        assert_eq!(r[6].parse::<f64>().unwrap(), p.value(i), "exact round trip");
        if mrr.is_valid(i) {
            assert_eq!(r[5].parse::<f64>().unwrap(), mrr.value(i));
        }
        assert_eq!(&r[13], action.value(i));
        let list = issues.value(i);
        let list: Vec<&str> = list.as_string::<i32>().iter().map(|s| s.unwrap()).collect();
        assert_eq!(r[15].to_string(), list.join("; "));
        // The CSV's drivers are their sentences.
        let items = drivers.value(i);
        let sentences = items.as_struct().column_by_name("sentence").unwrap();
        let sentences: Vec<&str> = sentences
            .as_string::<i32>()
            .iter()
            .map(|s| s.unwrap())
            .collect();
        assert_eq!(r[16].to_string(), sentences.join("; "));
    }
}

#[test]
fn outputs_are_byte_identical_across_thread_counts_and_reruns() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, &tmp.path().join("ma"), "1");
    run(&b, &tmp.path().join("mb"), "2");
    let f = |root: &Path, name: &str| {
        std::fs::read(root.join("run_date=2026-11-01").join(name)).unwrap()
    };
    for name in ["account_risk.parquet", "account_risk.csv"] {
        assert!(
            f(&a, name) == f(&b, name),
            "{name} differs between 1 and 2 threads"
        );
    }
    let first = f(&a, "account_risk.parquet");
    run(&a, &tmp.path().join("ma"), "2");
    assert!(
        first == f(&a, "account_risk.parquet"),
        "a rerun gives the same bytes"
    );
    let models: Vec<_> = std::fs::read_dir(tmp.path().join("ma")).unwrap().collect();
    assert_eq!(
        models.len(),
        2,
        "the same training gives the same model file, plus latest"
    );
}

#[test]
fn score_uses_the_latest_model_and_refuses_a_corrupt_one() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    run(&tmp.path().join("out"), &models, "2");
    churn()
        .args(["score", "--data"])
        .arg(data())
        .arg("--out")
        .arg(tmp.path().join("out2"))
        .arg("--models")
        .arg(&models)
        .assert()
        .success();
    assert!(tmp
        .path()
        .join("out2/run_date=2026-11-01/account_risk.parquet")
        .is_file());

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, b"{ not json").unwrap();
    churn()
        .args(["score", "--data"])
        .arg(data())
        .arg("--out")
        .arg(tmp.path().join("out3"))
        .arg("--model")
        .arg(&bad)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("bad.json"));
    assert!(!tmp.path().join("out3/run_date=2026-11-01").exists());
}

/// The model file of the only model in `models`, parsed.
fn model_json(models: &Path) -> serde_json::Value {
    let latest = std::fs::read_to_string(models.join("latest")).unwrap();
    let text = std::fs::read_to_string(models.join(latest.trim())).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn both_solvers_train_the_same_model_and_record_which_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let train = |solver: Option<&str>, models: &Path| {
        let mut cmd = churn();
        cmd.args(["train", "--alphas", "10", "--data"])
            .arg(data())
            .arg("--models")
            .arg(models);
        if let Some(s) = solver {
            cmd.args(["--solver", s]);
        }
        cmd.assert().success();
        model_json(models)
    };
    let default = train(None, &tmp.path().join("a"));
    let linfa = train(Some("linfa-logistic"), &tmp.path().join("b"));
    assert_eq!(default["selection"]["solver"], "lbfgs");
    assert_eq!(linfa["selection"]["solver"], "linfa-logistic");
    let auc = |m: &serde_json::Value| m["validation_metrics"]["roc_auc"].as_f64().unwrap();
    assert!(
        (auc(&default) - auc(&linfa)).abs() < 1e-4,
        "{} vs {}",
        auc(&default),
        auc(&linfa)
    );
    let coefs = |m: &serde_json::Value| -> Vec<f64> {
        m["model"]["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_f64().unwrap())
            .collect()
    };
    for (a, b) in coefs(&default).iter().zip(coefs(&linfa)) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }

    churn()
        .args(["train", "--solver", "newton", "--data"])
        .arg(data())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("newton"));
}
