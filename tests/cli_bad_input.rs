//! One test per bad-input case of a nightly run: a clear message and a distinct exit
//! code, or rows set aside and counted; never a panic, never half-written outputs.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;

fn run_on(data: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    churn()
        .args(["run", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .arg("--models")
        .arg(out.join("models"))
        .args(extra)
        .assert()
}

fn validate(f: &Fixture) -> assert_cmd::assert::Assert {
    churn().args(["validate", "--data"]).arg(f.path()).assert()
}

#[test]
fn an_empty_accounts_table_is_an_error() {
    let f = Fixture::new();
    f.put("accounts", &[accounts_batch().slice(0, 0)]);
    validate(&f).code(3).stderr(predicate::str::contains(
        "table `accounts` has no usable rows",
    ));
}

#[test]
fn an_empty_usage_table_is_reported_unusable() {
    let f = Fixture::new();
    f.put("usage", &[usage_batch().slice(0, 0)]);
    validate(&f)
        .code(3)
        .stdout(predicate::str::contains("usage table has no usable rows"));
}

#[test]
fn null_keys_in_accounts_are_set_aside_and_counted() {
    let f = Fixture::new();
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "account_id",
            text(&[Some("A1"), Some("A2"), None]),
        )],
    );
    validate(&f).code(0).stdout(predicate::str::contains(
        "accounts           1 rows set aside: null or empty account_id",
    ));
}

#[test]
fn non_finite_numbers_are_set_aside_or_ignored() {
    let f = Fixture::new();
    f.put(
        "usage",
        &[with(
            &usage_batch(),
            "quantity",
            num(&[Some(f64::INFINITY), Some(-1.0), Some(f64::NAN), Some(1.0)]),
        )],
    );
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "mrr",
            num(&[Some(f64::NAN), Some(-5.0), None]),
        )],
    );
    f.put(
        "surveys",
        &[with(
            &surveys_batch(),
            "score",
            num(&[Some(f64::INFINITY), Some(3.0), Some(4.0)]),
        )],
    );
    validate(&f)
        .code(0)
        .stdout(predicate::str::contains(
            "3 rows set aside: negative or non-finite quantity",
        ))
        .stdout(predicate::str::contains(
            "2 values ignored: mrr negative or not finite",
        ))
        .stdout(predicate::str::contains(
            "1 rows set aside: score missing or not finite",
        ));
}

#[test]
fn unknown_survey_kinds_and_out_of_range_scores_are_set_aside() {
    let f = Fixture::new();
    f.put(
        "surveys",
        &[batch(vec![
            (
                "account_id",
                text(&[Some("A1"), Some("A1"), Some("A2"), Some("A2")]),
            ),
            ("responded_at", ts(&[Some(JAN1); 4])),
            (
                "kind",
                text(&[Some("ces"), Some("csat"), Some("csat"), Some("nps")]),
            ),
            ("score", num(&[Some(3.0), Some(0.0), Some(8.0), Some(-1.0)])),
            ("scale_max", num(&[None, None, Some(7.0), None])),
        ])],
    );
    validate(&f)
        .code(0)
        .stdout(predicate::str::contains(
            "unknown survey kind (expected nps or csat) (e.g. ",
        ))
        .stdout(predicate::str::contains("csat score outside 1..scale_max"))
        .stdout(predicate::str::contains(
            "2 rows set aside: csat score outside 1..scale_max",
        ))
        .stdout(predicate::str::contains("row 2: 0 (scale_max 5)"))
        .stdout(predicate::str::contains("nps score outside 0-10"));
}

#[test]
fn impossible_instants_are_set_aside() {
    let f = Fixture::new();
    let far_future = JAN1 + 40_000 * DAY;
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "churned_at",
            ts(&[None, Some(JAN1 + 20 * DAY), Some(JAN1 - 2000 * DAY)]),
        )],
    );
    f.put(
        "tickets",
        &[with(
            &tickets_batch(),
            "resolved_at",
            ts(&[Some(JAN1 - DAY), None]),
        )],
    );
    f.put(
        "usage",
        &[with(
            &usage_batch(),
            "ts",
            ts(&[Some(far_future), Some(100), Some(JAN1), Some(JAN1)]),
        )],
    );
    validate(&f)
        .code(0)
        .stdout(predicate::str::contains("churned_at before started_at"))
        .stdout(predicate::str::contains("resolved_at before opened_at"))
        .stdout(predicate::str::contains("ts in the future"))
        .stdout(predicate::str::contains("ts before 1990"));
}

/// A usage table whose history starts long before the training dates (one old row of
/// `account`), so that the model stage, not the plan, is what refuses.
fn usage_with_history(f: &Fixture, account: &str) {
    let old = batch(vec![
        ("account_id", text(&[Some(account)])),
        ("ts", ts(&[Some(JAN1 - 700 * DAY)])),
        ("user_id", text(&[Some("u1")])),
        ("feature", text(&[Some("reports")])),
        ("quantity", num(&[Some(1.0)])),
    ]);
    f.put("usage", &[usage_batch(), old]);
}

#[test]
fn a_training_window_without_churners_cannot_train() {
    let out = tempfile::tempdir().unwrap();
    let f = Fixture::new();
    // Enough accounts to pass the row minimum, none of them churned.
    let n = 80;
    let ids: Vec<String> = (0..n).map(|i| format!("A{i}")).collect();
    let id_refs: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
    f.put(
        "accounts",
        &[batch(vec![
            ("account_id", text(&id_refs)),
            ("started_at", ts(&vec![Some(JAN1 - 900 * DAY); n])),
            ("churned_at", ts(&vec![None; n])),
        ])],
    );
    usage_with_history(&f, "A0");
    run_on(f.path(), out.path(), &["--as-of", "2026-01-10"])
        .code(4)
        .stderr(predicate::str::contains("no churners"));
    assert!(!out.path().join("run_date=2026-01-10").exists());
}

#[test]
fn too_few_labelled_rows_cannot_train() {
    let out = tempfile::tempdir().unwrap();
    let f = Fixture::new();
    usage_with_history(&f, "A1");
    run_on(f.path(), out.path(), &["--as-of", "2026-01-10"])
        .code(4)
        .stderr(predicate::str::contains("rows"));
}

#[test]
fn an_as_of_date_outside_the_data_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let data = generated_data();
    // Years after the data: it trains on fully observed labels, but every account's
    // usage is empty at the as-of date, so the quality gate refuses to publish.
    run_on(data, out.path(), &["--as-of", "2030-01-01"])
        .code(4)
        .stderr(predicate::str::contains("after the data ends"))
        .stderr(predicate::str::contains("usage collapsed"));
    run_on(data, out.path(), &["--as-of", "1995-01-01"])
        .code(2)
        .stderr(predicate::str::contains("before the data begins"));
}

#[test]
fn usage_too_short_for_any_training_date_is_a_data_error() {
    let out = tempfile::tempdir().unwrap();
    let f = Fixture::new();
    run_on(f.path(), out.path(), &["--as-of", "2026-01-10"])
        .code(3)
        .stderr(predicate::str::contains("usage starts 2026-01-01"))
        .stderr(predicate::str::contains("needs 180 days"));
}

#[test]
fn an_output_folder_that_cannot_be_written_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    run_on(generated_data(), &file.join("out"), &[])
        .code(5)
        .stderr(predicate::str::contains("not-a-folder"));
}

#[test]
fn a_second_run_on_a_locked_output_folder_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let lock = std::fs::File::create(out.path().join(".churn.lock")).unwrap();
    lock.try_lock().unwrap();
    run_on(generated_data(), out.path(), &[])
        .code(5)
        .stderr(predicate::str::contains("another churn run is writing"));
    assert!(!out.path().join("run_date=2026-11-01").exists());
}

#[test]
fn the_quality_gate_refuses_to_publish_and_keeps_earlier_outputs() {
    let out = tempfile::tempdir().unwrap();
    run_on(generated_data(), out.path(), &[]).success();
    let published = out.path().join("run_date=2026-11-01/account_risk.csv");
    let before = std::fs::read(&published).unwrap();
    run_on(
        generated_data(),
        out.path(),
        &["--min-auc", "0.999", "--high-lift", "2"],
    )
    .code(4)
    .stderr(predicate::str::contains("quality gate"))
    .stderr(predicate::str::contains("below the floor 0.999"));
    assert_eq!(
        std::fs::read(&published).unwrap(),
        before,
        "the earlier run is untouched"
    );
    run_on(
        generated_data(),
        out.path(),
        &["--min-auc", "0.999", "--force"],
    )
    .success();
    let manifest =
        std::fs::read_to_string(out.path().join("run_date=2026-11-01/manifest.json")).unwrap();
    assert!(manifest.contains("quality gate overridden (force)"));
}

#[test]
fn collapsed_usage_trips_the_quality_gate() {
    // A copy of the generated data that keeps only one usage file of four.
    let (tmp, data) = copy_of_generated_data();
    let usage = data.join("usage");
    let mut parts: Vec<_> = std::fs::read_dir(&usage)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    parts.sort();
    assert!(parts.len() >= 2);
    // Scoring with a model trained on complete data, against incomplete usage.
    let models = tmp.path().join("models");
    run_on(generated_data(), &tmp.path().join("out0"), &[]).success();
    std::fs::rename(tmp.path().join("out0/models"), &models).unwrap();
    for p in &parts[1..] {
        std::fs::remove_file(p).unwrap();
    }
    churn()
        .args(["score", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--models")
        .arg(&models)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("usage collapsed"));
}

/// A private copy of the generated data folder, for tests that damage it, with the
/// temporary folder that holds it (and the test's other files).
#[test]
fn a_training_window_with_only_churners_cannot_train() {
    let out = tempfile::tempdir().unwrap();
    let f = Fixture::new();
    // The fixture's data ends on 2026-01-06, so labels are observed until 2026-01-07.
    // Every account starts a day before one training date and churns ten days after
    // it: every labelled row is a churner.
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 7).unwrap();
    let last = churn::time::date_to_micros(as_of - chrono::Duration::days(90));
    let n = 130;
    let ids: Vec<String> = (0..n).map(|i| format!("C{i}")).collect();
    let id_refs: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
    let t = |i: usize| last - (i % 13) as i64 * 30 * DAY;
    let started: Vec<Option<i64>> = (0..n).map(|i| Some(t(i) - DAY)).collect();
    let churned: Vec<Option<i64>> = (0..n).map(|i| Some(t(i) + 10 * DAY)).collect();
    f.put(
        "accounts",
        &[batch(vec![
            ("account_id", text(&id_refs)),
            ("started_at", ts(&started)),
            ("churned_at", ts(&churned)),
        ])],
    );
    usage_with_history(&f, "C0");
    run_on(f.path(), out.path(), &["--as-of", "2026-01-07"])
        .code(4)
        .stderr(predicate::str::contains(
            "has only churners (no retained accounts)",
        ));
    assert!(!out.path().join("run_date=2026-01-07").exists());
}

#[test]
fn a_model_whose_features_do_not_match_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // A model trained on a customer's own feature table has other features.
    let csv = tmp.path().join("table.csv");
    let mut body = String::from("id,usage,tickets,churned\n");
    for i in 0..300 {
        body.push_str(&format!(
            "c{i},{},{},{}\n",
            (i * 7) % 50,
            i % 5,
            if i % 4 == 0 { "yes" } else { "no" }
        ));
    }
    std::fs::write(&csv, body).unwrap();
    let models = tmp.path().join("models");
    churn()
        .args(["train", "--features"])
        .arg(&csv)
        .args([
            "--label",
            "churned",
            "--id",
            "id",
            "--as-of",
            "2026-01-01",
            "--models",
        ])
        .arg(&models)
        .assert()
        .success();
    churn()
        .args(["score", "--data"])
        .arg(generated_data())
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--models")
        .arg(&models)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("feature"));
    assert!(!tmp.path().join("out/run_date=2026-11-01").exists());
}

#[test]
fn an_mrr_blanked_when_accounts_churned_is_reported_as_a_leak() {
    use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
    use arrow::datatypes::Float64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let (tmp, data) = copy_of_generated_data();
    // A CRM export that clears the MRR of accounts that left.
    let path = data.join("accounts.parquet");
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    let b = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let churned = b.column_by_name("churned_at").unwrap();
    let mrr = b
        .column_by_name("mrr")
        .unwrap()
        .as_primitive::<Float64Type>();
    let blanked: Float64Array = (0..b.num_rows())
        .map(|i| churned.is_null(i).then(|| mrr.value(i)))
        .collect();
    write_parquet(
        &path,
        &[with(&b, "mrr", std::sync::Arc::new(blanked) as ArrayRef)],
    );

    let train = |data: &Path, models: &str| {
        churn()
            .args(["train", "--data"])
            .arg(data)
            .arg("--models")
            .arg(tmp.path().join(models))
            .assert()
            .success()
    };
    train(&data, "leaky").stderr(predicate::str::contains(
        "feature 'mrr' alone separates churned from retained training rows",
    ));
    // The data as generated has no such feature.
    train(generated_data(), "clean").stderr(predicate::str::contains("alone separates").not());
}

#[test]
fn a_scheduled_cancellation_keeps_the_account_active_and_scored() {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{TimeUnit, TimestampMicrosecondType};

    let (tmp, data) = copy_of_generated_data();
    // A CRM export that records cancellations scheduled for later: four accounts
    // active at the as-of date (2026-11-01) get a churned_at after it, one of them
    // after "now" too and one a far "never" date.
    let path = data.join("accounts.parquet");
    let b = read_parquet(&path);
    let churned = arrow::compute::cast(
        b.column_by_name("churned_at").unwrap(),
        &arrow::datatypes::DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    )
    .unwrap();
    let churned = churned.as_primitive::<TimestampMicrosecondType>();
    let now = chrono::Utc::now().timestamp_micros();
    let later = [
        now + 60 * DAY,
        now + 400 * DAY,
        253_402_214_400_000_000,
        now + 3 * DAY,
    ];
    let active: Vec<usize> = (0..b.num_rows())
        .filter(|&i| churned.is_null(i))
        .take(later.len())
        .collect();
    let scheduled: Vec<Option<i64>> = (0..b.num_rows())
        .map(|i| match active.iter().position(|&a| a == i) {
            Some(k) => Some(later[k]),
            None => churned.is_valid(i).then(|| churned.value(i)),
        })
        .collect();
    write_parquet(&path, &[with(&b, "churned_at", ts(&scheduled))]);
    let ids = b.column_by_name("account_id").unwrap();
    let ids = arrow::compute::cast(ids, &arrow::datatypes::DataType::Utf8).unwrap();
    let ids: Vec<String> = active
        .iter()
        .map(|&i| ids.as_string::<i32>().value(i).to_string())
        .collect();

    let asis = tmp.path().join("asis");
    let out = tmp.path().join("scheduled");
    run_on(generated_data(), &asis, &[]).success();
    run_on(&data, &out, &[])
        .success()
        .stderr(predicate::str::contains(
            "value ignored: churned_at after the as-of date",
        ))
        .stderr(predicate::str::contains("unknown account").not());

    // The accounts are scored as active, and nothing of the scheduled dates reached
    // the features or the labels: the same model and the same scores as without them.
    let risk =
        |dir: &Path| std::fs::read(dir.join("run_date=2026-11-01/account_risk.csv")).unwrap();
    let scored = String::from_utf8(risk(&out)).unwrap();
    for id in &ids {
        assert!(scored.contains(&format!("\n{id},")), "{id} not scored");
    }
    assert!(risk(&out) == risk(&asis), "the scores changed");
    let m = manifest_of(&out);
    assert_eq!(
        m["model"]["model_version"],
        manifest_of(&asis)["model"]["model_version"]
    );
    let entries = m["set_aside"].as_array().unwrap();
    let entry = entries
        .iter()
        .find(|e| e["reason"] == "churned_at after the as-of date")
        .unwrap_or_else(|| panic!("no entry: {entries:#?}"));
    assert_eq!(entry["table"], "accounts");
    assert_eq!(entry["row_kept"], true);
    assert_eq!(entry["rows"], 4);
    assert!(
        !entries
            .iter()
            .any(|e| e["reason"].as_str().unwrap().contains("unknown account")),
        "{entries:#?}"
    );
}

#[test]
fn churn_after_an_earlier_as_of_date_labels_nothing_and_is_reported() {
    // A backtest: at 2026-08-01 the cancellations that came later were not known.
    let out = tempfile::tempdir().unwrap();
    run_on(generated_data(), out.path(), &["--as-of", "2026-08-01"])
        .success()
        .stderr(predicate::str::contains(
            "value ignored: churned_at after the as-of date",
        ));
    let m = manifest_of(out.path());
    let entry = m["set_aside"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"] == "churned_at after the as-of date")
        .cloned()
        .expect("the later churn dates are counted");
    assert_eq!(entry["row_kept"], true);
    assert!(entry["rows"].as_u64().unwrap() > 0);
}

#[test]
fn a_refused_run_leaves_latest_at_the_published_model() {
    let out = tempfile::tempdir().unwrap();
    let models = out.path().join("models");
    let latest = || std::fs::read_to_string(models.join("latest")).unwrap();
    run_on(generated_data(), out.path(), &[]).success();
    let published = latest();
    // Another alpha grid trains another model, which the gate refuses.
    let refused = run_on(
        generated_data(),
        out.path(),
        &["--min-auc", "0.999", "--alphas", "3"],
    )
    .code(4)
    .stderr(predicate::str::contains("below the floor 0.999"))
    .get_output()
    .clone();
    assert_eq!(
        latest(),
        published,
        "latest still names the published model"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not made latest"), "{stderr}");
    let files: Vec<String> = std::fs::read_dir(&models)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(files.len(), 2, "the refused model's file stays: {files:?}");

    // The next scoring run uses the published model, not the refused one.
    let scored = out.path().join("scored");
    churn()
        .args(["score", "--data"])
        .arg(generated_data())
        .arg("--models")
        .arg(&models)
        .arg("--out")
        .arg(&scored)
        .assert()
        .success();
    assert_eq!(
        format!(
            "{}.json\n",
            manifest_of(&scored)["model"]["model_version"]
                .as_str()
                .unwrap()
        ),
        published
    );

    // A run that publishes moves latest; `churn train` alone always does.
    run_on(generated_data(), out.path(), &["--alphas", "3"]).success();
    assert_ne!(latest(), published);
    churn()
        .args(["train", "--data"])
        .arg(generated_data())
        .arg("--models")
        .arg(&models)
        .assert()
        .success();
    assert_eq!(latest(), published);
}
