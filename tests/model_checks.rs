//! A saved model checked against the run that scores with it: not trained past the
//! scored date, not too old, and written for this build's data contract.

mod common;

use std::path::{Path, PathBuf};

use churn::model::ChurnModel;
use common::*;
use predicates::prelude::*;

/// Trains on the generated data into `models` with `args`, returning the model path.
fn train(models: &Path, args: &[&str]) -> PathBuf {
    churn()
        .args(["train", "--data"])
        .arg(generated_data())
        .arg("--models")
        .arg(models)
        .args(args)
        .assert()
        .success();
    let name = std::fs::read_to_string(models.join("latest")).unwrap();
    models.join(name.trim())
}

fn score(models: &Path, out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    churn()
        .args(["score", "--data"])
        .arg(generated_data())
        .arg("--models")
        .arg(models)
        .arg("--out")
        .arg(out)
        .args(args)
        .assert()
}

/// 64-bit FNV-1a, as the model file's version id uses.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Saves `m` under `dir` with the version id its (changed) content deserves, as
/// training would have written it.
fn save_resealed(mut m: ChurnModel, dir: &Path) {
    let mut c = m.clone();
    c.model_version.clear();
    c.created_at.clear();
    let h = fnv1a(&serde_json::to_vec(&c).unwrap());
    m.model_version = format!(
        "m-{}-{:08x}",
        m.as_of.replace('-', ""),
        (h ^ (h >> 32)) as u32
    );
    m.save(dir).unwrap();
}

#[test]
fn scoring_before_the_models_as_of_date_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    train(&models, &[]);
    let out = tmp.path().join("out");
    score(&models, &out, &["--as-of", "2026-09-01"])
        .code(4)
        .stderr(predicate::str::contains("as of 2026-11-01"))
        .stderr(predicate::str::contains("2026-09-01"));
    assert!(!out.join("run_date=2026-09-01").exists());
    // The model's own date is fine.
    score(&models, &out, &["--as-of", "2026-11-01"]).success();
}

#[test]
fn an_old_model_is_logged_and_recorded_as_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    train(&models, &["--as-of", "2026-06-01", "--history-days", "180"]);
    let old = "trained as of 2026-06-01, 153 days before the as-of date 2026-11-01";
    let out = tmp.path().join("out");
    score(&models, &out, &[])
        .success()
        .stderr(predicate::str::contains(old))
        .stderr(predicate::str::contains("max_model_age_days 120"));
    let warnings = manifest_of(&out)["warnings"].to_string();
    assert!(warnings.contains(old), "{warnings}");

    let out = tmp.path().join("out2");
    score(&models, &out, &["--max-model-age-days", "153"])
        .success()
        .stderr(predicate::str::contains("days before the as-of date").not());
    score(&models, &out, &["--max-model-age-days=-1"])
        .code(2)
        .stderr(predicate::str::contains("--max-model-age-days"));
    score(&models, &out, &["--max-model-age-days", "100000"])
        .code(2)
        .stderr(predicate::str::contains(
            "--max-model-age-days must be between 0 and",
        ));
}

#[test]
fn a_model_of_another_data_contract_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = train(&tmp.path().join("models"), &[]);
    let model = ChurnModel::load(&path).unwrap();
    assert_eq!(
        model.metadata["contract_version"],
        churn::contract::CONTRACT_VERSION
    );

    let mut other = model.clone();
    other.metadata.insert("contract_version".into(), "2".into());
    let models = tmp.path().join("other");
    save_resealed(other, &models);
    score(&models, &tmp.path().join("out"), &[])
        .code(4)
        .stderr(predicate::str::contains("data contract version 2"))
        .stderr(predicate::str::contains(format!(
            "contract version {}",
            churn::contract::CONTRACT_VERSION
        )));

    // A model written before the key existed is of contract version 1.
    let mut unversioned = model;
    unversioned.metadata.remove("contract_version");
    let models = tmp.path().join("unversioned");
    save_resealed(unversioned, &models);
    let scored = score(&models, &tmp.path().join("out"), &[]);
    if churn::contract::CONTRACT_VERSION == "1" {
        scored.success();
    } else {
        scored.code(4);
    }
}
