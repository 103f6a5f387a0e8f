//! Both runs, the data folder's and the feature table's, log and record the same
//! warnings: the quality gate's (here forced past a failure) and scoring's (missing
//! values where training had none), each on stderr and in manifest.json.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array};
use common::*;

/// The warnings a run folder's manifest records.
fn manifest_warnings(out: &Path) -> Vec<String> {
    let dir = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("run_date="))
        .expect("a run folder");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

/// Each of `wanted` is in the manifest and was logged.
fn logged_and_recorded(stderr: &[u8], out: &Path, wanted: &[&str]) {
    let stderr = String::from_utf8_lossy(stderr);
    let recorded = manifest_warnings(out);
    for w in wanted {
        assert!(
            recorded.iter().any(|r| r.contains(w)),
            "manifest lacks {w:?}: {recorded:#?}"
        );
        assert!(stderr.contains(w), "stderr lacks {w:?}: {stderr}");
    }
    // Everything recorded was logged.
    for r in &recorded {
        assert!(stderr.contains(r.as_str()), "not logged: {r}");
    }
}

/// Scores `input` (`--data DIR` or `--features FILE`) with the model under
/// `dir/models`, the gate forced past a failure, and checks that the gate's and
/// scoring's warnings (missing values of `feature`) were logged and recorded.
fn score_forced(dir: &Path, kind: &str, input: &Path, feature: &str) {
    let out = dir.join("out");
    let run = churn()
        .args(["score", kind])
        .arg(input)
        .arg("--models")
        .arg(dir.join("models"))
        .arg("--out")
        .arg(&out)
        .args(["--min-auc", "0.999", "--force"])
        .assert()
        .success();
    logged_and_recorded(
        &run.get_output().stderr,
        &out,
        &[
            FORCED,
            &format!("feature '{feature}':"),
            "missing values at scoring time, none in training",
        ],
    );
}

const FORCED: &str = "quality gate overridden (force): out-of-time ROC AUC";

#[test]
fn the_data_folder_run_logs_and_records_gate_and_scoring_warnings() {
    let (tmp, data) = copy_of_generated_data();
    let models = tmp.path().join("models");
    churn()
        .args(["train", "--data"])
        .arg(&data)
        .arg("--models")
        .arg(&models)
        .assert()
        .success();
    // The next night's accounts export lost its seat counts: scoring meets missing
    // values where training had none.
    let path = data.join("accounts.parquet");
    let b = read_parquet(&path);
    let none: Float64Array = (0..b.num_rows()).map(|_| None::<f64>).collect();
    write_parquet(&path, &[with(&b, "seats", Arc::new(none) as ArrayRef)]);

    score_forced(tmp.path(), "--data", &data, "seats");
}

#[test]
fn the_feature_table_run_logs_and_records_gate_and_scoring_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let mut train = String::from("id,usage,tickets,churned\n");
    let mut score = String::from("id,usage,tickets\n");
    for i in 0..400 {
        let usage = (i * 37 % 101) as f64;
        let tickets = (i * 13 % 7) as f64;
        let churned = (usage < 30.0) ^ (i % 11 == 0);
        train.push_str(&format!("c{i},{usage},{tickets},{}\n", churned as u8));
        // Usage is blank for some accounts at scoring, never in training.
        let cell = if i % 5 == 0 { String::new() } else { usage.to_string() };
        score.push_str(&format!("c{i},{cell},{tickets}\n"));
    }
    std::fs::write(tmp.path().join("train.csv"), train).unwrap();
    std::fs::write(tmp.path().join("score.csv"), score).unwrap();
    let models = tmp.path().join("models");
    churn()
        .args(["train", "--features"])
        .arg(tmp.path().join("train.csv"))
        .args(["--label", "churned", "--id", "id", "--models"])
        .arg(&models)
        .assert()
        .success();
    score_forced(tmp.path(), "--features", &tmp.path().join("score.csv"), "usage");
}
