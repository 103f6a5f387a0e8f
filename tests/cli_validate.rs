//! `churn validate` end to end: the summary, and one test per contract error.

mod common;

use common::*;
use predicates::prelude::*;

fn validate(f: &Fixture) -> assert_cmd::assert::Assert {
    churn().args(["validate", "--data"]).arg(f.path()).assert()
}

#[test]
fn a_valid_folder_is_summarised_and_exits_0() {
    let f = Fixture::new();
    validate(&f)
        .code(0)
        .stdout(predicate::str::contains("accounts:                 3"))
        .stdout(predicate::str::contains("churned:                1"))
        .stdout(predicate::str::contains("1 CSAT"))
        .stdout(predicate::str::contains("Verdict: usable."));
}

#[test]
fn set_aside_rows_are_listed_with_an_example() {
    let f = Fixture::new();
    f.put(
        "surveys",
        &[batch(vec![
            ("account_id", text(&[Some("A1"), Some("NOPE")])),
            ("responded_at", ts(&[Some(JAN1), Some(JAN1)])),
            ("kind", text(&[Some("nps"), Some("nps")])),
            ("score", num(&[Some(11.0), Some(5.0)])),
        ])],
    );
    validate(&f)
        .code(0)
        .stdout(predicate::str::contains("nps score outside 0-10"))
        .stdout(predicate::str::contains("surveys.parquet row 1: 11"))
        .stdout(predicate::str::contains("unknown account_id"))
        .stdout(predicate::str::contains("row 2: NOPE"));
}

#[test]
fn a_missing_table_is_named() {
    let f = Fixture::new();
    f.remove("tickets");
    validate(&f)
        .code(3)
        .stderr(predicate::str::contains("table `tickets` is missing"));
}

#[test]
fn a_missing_required_column_names_table_file_and_column() {
    let f = Fixture::new();
    f.put("usage", &[without(&usage_batch(), "ts")]);
    validate(&f)
        .code(3)
        .stderr(predicate::str::contains("table `usage`"))
        .stderr(predicate::str::contains("usage.parquet"))
        .stderr(predicate::str::contains("no column `ts`"));
}

#[test]
fn a_column_of_the_wrong_type_names_expected_and_found() {
    let f = Fixture::new();
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "started_at",
            text(&[Some("2025-01-01"); 3]),
        )],
    );
    validate(&f)
        .code(3)
        .stderr(predicate::str::contains("column `started_at`"))
        .stderr(predicate::str::contains("is Utf8, expected an instant"));
}

#[test]
fn a_file_that_is_not_parquet_is_named() {
    let f = Fixture::new();
    std::fs::write(f.table("surveys"), b"account_id,score\nA1,9\n").unwrap();
    validate(&f)
        .code(3)
        .stderr(predicate::str::contains("table `surveys`"))
        .stderr(predicate::str::contains("is not a readable Parquet file"));
}

#[test]
fn a_truncated_parquet_file_is_an_error_not_a_panic() {
    let f = Fixture::new();
    let bytes = std::fs::read(f.table("usage")).unwrap();
    for cut in [bytes.len() / 3, bytes.len() - 9] {
        std::fs::write(f.table("usage"), &bytes[..cut]).unwrap();
        validate(&f)
            .code(3)
            .stderr(predicate::str::contains("usage.parquet"));
    }
}

#[test]
fn a_duplicate_account_id_names_both_rows() {
    let f = Fixture::new();
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "account_id",
            text(&[Some("A1"), Some("A2"), Some("A1")]),
        )],
    );
    validate(&f)
        .code(3)
        .stderr(predicate::str::contains(
            "account_id `A1` appears more than once",
        ))
        .stderr(predicate::str::contains("row 1"))
        .stderr(predicate::str::contains("row 3"));
}

#[test]
fn a_missing_input_folder_is_named() {
    churn()
        .args(["validate", "--data", "/nonexistent/churn-data"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "/nonexistent/churn-data does not exist",
        ));
}

#[test]
fn a_table_given_both_as_file_and_folder_is_refused() {
    let f = Fixture::new();
    write_parquet(&f.path().join("usage/part-0.parquet"), &[usage_batch()]);
    validate(&f)
        .code(3)
        .stderr(predicate::str::contains("given twice"));
}

#[test]
fn data_with_no_churner_is_reported_unusable() {
    let f = Fixture::new();
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "churned_at",
            ts(&[None, None, None]),
        )],
    );
    validate(&f)
        .code(3)
        .stdout(predicate::str::contains("NOT usable"))
        .stdout(predicate::str::contains("no account has churned_at"));
}

#[test]
fn an_invalid_date_is_a_usage_error() {
    churn()
        .args(["validate", "--as-of", "2026-13-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2026-13-01"));
}
