//! Corrupt table files found by fuzzing (fuzz/README.md), each once a panic inside
//! the Parquet or Arrow decoder (exit code 101). Every file in
//! `tests/fuzz-regressions/` is named `TABLE-what.parquet`; put beside valid
//! tables, it must be reported as a data problem naming the table and file.

mod common;

use std::path::PathBuf;

use churn::ingest::{self, IngestError};
use common::*;
use predicates::prelude::*;

/// (table, file) of every regression input, sorted by name.
fn cases() -> Vec<(String, PathBuf)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let table = name.split('-').next().unwrap().to_string();
            assert!(
                ["accounts", "usage", "tickets", "surveys"].contains(&table.as_str()),
                "{name}: the name must start with the table"
            );
            (table, p)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no regression inputs in {}", dir.display());
    out
}

/// A valid folder with `table` replaced by the corrupt file.
fn folder_with(table: &str, file: &PathBuf) -> Fixture {
    let f = Fixture::new();
    std::fs::copy(file, f.table(table)).unwrap();
    f
}

#[test]
fn each_corrupt_file_is_a_data_error_naming_the_table() {
    for (table, file) in cases() {
        let f = folder_with(&table, &file);
        churn()
            .args(["validate", "--data"])
            .arg(f.path())
            .assert()
            .code(3)
            .stderr(predicate::str::contains(format!("table `{table}`")))
            .stderr(predicate::str::contains(format!("{table}.parquet")))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn each_corrupt_file_is_unreadable_parquet_not_a_contract_breach() {
    for (table, file) in cases() {
        let f = folder_with(&table, &file);
        let err = match ingest::load(f.path(), JAN1 + 40 * DAY) {
            Ok(data) => {
                // Footer fine, pages corrupt: the usage pass is where it must fail.
                match data.usage.fold(&data.accounts, || (), |_, _| {}, &|_| {}) {
                    Ok(_) => panic!("{}: read without error", file.display()),
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        assert!(
            matches!(
                err,
                IngestError::NotParquet { .. } | IngestError::Read { .. }
            ),
            "{}: {err}",
            file.display()
        );
        assert!(!err.is_io(), "{}: {err}", file.display());
        let msg = err.to_string();
        assert!(msg.contains(&format!("table `{table}`")), "{msg}");
        assert!(msg.contains(&format!("{table}.parquet")), "{msg}");
    }
}
