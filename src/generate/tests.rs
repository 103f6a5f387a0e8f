//! Tests of the simulator through its public entry point, reading the files back
//! with the parquet crate.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int32Type, TimeUnit, TimestampMicrosecondType};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::calendar::{epoch_day, US_PER_DAY};
use super::{generate, GenerateConfig, GenerateError};

fn config(out: &Path, accounts: usize, seed: u64, days: u32, usage_scale: f64) -> GenerateConfig {
    GenerateConfig {
        days,
        usage_scale,
        ..GenerateConfig::new(out, accounts, seed)
    }
}

/// All batches of a Parquet file, or of every file in a folder (sorted by name).
fn read(path: &Path) -> Vec<RecordBatch> {
    let mut files = vec![];
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            files.push(entry.unwrap().path());
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut batches = vec![];
    for file in files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&file).unwrap())
            .unwrap()
            .with_batch_size(65_536)
            .build()
            .unwrap();
        batches.extend(reader.map(|b| b.unwrap()));
    }
    batches
}

/// Every file under `dir`, relative path -> bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn strings<'a>(b: &'a RecordBatch, name: &str) -> &'a arrow::array::StringArray {
    b.column_by_name(name).unwrap().as_string::<i32>()
}

fn times<'a>(
    b: &'a RecordBatch,
    name: &str,
) -> &'a arrow::array::PrimitiveArray<TimestampMicrosecondType> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>()
}

/// account_id -> (started_at, churned_at).
fn lifetimes(dir: &Path) -> HashMap<String, (i64, Option<i64>)> {
    let mut out = HashMap::new();
    for b in read(&dir.join("accounts.parquet")) {
        let (ids, start, churn) = (
            strings(&b, "account_id"),
            times(&b, "started_at"),
            times(&b, "churned_at"),
        );
        for i in 0..b.num_rows() {
            let churned = (!churn.is_null(i)).then(|| churn.value(i));
            out.insert(ids.value(i).to_string(), (start.value(i), churned));
        }
    }
    out
}

fn end_us(cfg: &GenerateConfig) -> i64 {
    epoch_day(cfg.as_of) as i64 * US_PER_DAY
}

#[test]
fn same_seed_gives_identical_files_whatever_the_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: u64, threads: usize, truth: bool| {
        let out = tmp.path().join(name);
        let cfg = GenerateConfig {
            truth,
            ..config(&out, 300, seed, 200, 0.5)
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| generate(&cfg)).unwrap();
        files(&out)
    };
    let a = run("a", 7, 1, true);
    let b = run("b", 7, 3, true);
    assert!(a.len() >= 8, "expected the tables, usage parts and truth");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs between runs", path.display());
    }

    // Writing the truth does not change the four tables.
    let c = run("c", 7, 2, false);
    assert_eq!(c.len(), a.len() - 1);
    for (path, bytes) in &c {
        assert!(
            bytes == &a[path],
            "{} changed with truth off",
            path.display()
        );
    }

    let d = run("d", 8, 2, false);
    for table in ["accounts.parquet", "tickets.parquet", "surveys.parquet"] {
        assert_ne!(
            d[Path::new(table)],
            c[Path::new(table)],
            "{table} ignores the seed"
        );
    }
}

#[test]
fn tables_have_the_contract_columns_and_types() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let cfg = GenerateConfig {
        truth: true,
        ..config(&out, 200, 1, 120, 0.5)
    };
    let summary = generate(&cfg).unwrap();

    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let utf8 = DataType::Utf8;
    let expected: [(&str, Vec<(&str, DataType)>); 5] = [
        (
            "accounts.parquet",
            vec![
                ("account_id", utf8.clone()),
                ("account_name", utf8.clone()),
                ("segment", utf8.clone()),
                ("plan", utf8.clone()),
                ("csm_owner", utf8.clone()),
                ("mrr", DataType::Float64),
                ("seats", DataType::Int32),
                ("started_at", ts.clone()),
                ("renewal_date", DataType::Date32),
                ("churned_at", ts.clone()),
            ],
        ),
        (
            "usage",
            vec![
                ("account_id", utf8.clone()),
                ("ts", ts.clone()),
                ("user_id", utf8.clone()),
                ("feature", utf8.clone()),
                ("quantity", DataType::Int32),
            ],
        ),
        (
            "tickets.parquet",
            vec![
                ("ticket_id", utf8.clone()),
                ("account_id", utf8.clone()),
                ("opened_at", ts.clone()),
                ("first_response_at", ts.clone()),
                ("resolved_at", ts.clone()),
                ("priority", utf8.clone()),
                ("category", utf8.clone()),
            ],
        ),
        (
            "surveys.parquet",
            vec![
                ("account_id", utf8.clone()),
                ("responded_at", ts.clone()),
                ("kind", utf8.clone()),
                ("score", DataType::Int32),
                ("scale_max", DataType::Int32),
                ("comment", utf8.clone()),
            ],
        ),
        (
            "_truth/monthly_hazard.parquet",
            vec![
                ("account_id", utf8.clone()),
                ("month_start", DataType::Date32),
                ("health", DataType::Float64),
                ("monthly_hazard", DataType::Float64),
            ],
        ),
    ];
    let mut rows = HashMap::new();
    for (table, columns) in expected {
        let batches = read(&out.join(table));
        assert!(!batches.is_empty(), "{table} is empty");
        let schema = batches[0].schema();
        let got: Vec<(&str, DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type().clone()))
            .collect();
        assert_eq!(got, columns, "{table}");
        rows.insert(
            table,
            batches.iter().map(|b| b.num_rows() as u64).sum::<u64>(),
        );
    }
    assert_eq!(rows["accounts.parquet"], 200);
    assert_eq!(rows["usage"], summary.usage_rows);
    assert_eq!(rows["tickets.parquet"], summary.ticket_rows);
    assert_eq!(rows["surveys.parquet"], summary.survey_rows);
    let parts = std::fs::read_dir(out.join("usage")).unwrap().count();
    assert!(
        parts >= 2,
        "usage should be split into several files, got {parts}"
    );

    // Account ids are unique and every row of the other tables refers to one.
    let lives = lifetimes(&out);
    assert_eq!(lives.len(), 200);
    for table in ["usage", "tickets.parquet", "surveys.parquet"] {
        for b in read(&out.join(table)) {
            let ids = strings(&b, "account_id");
            assert!((0..b.num_rows()).all(|i| lives.contains_key(ids.value(i))));
        }
    }
}

#[test]
fn nothing_happens_outside_an_accounts_lifetime() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let cfg = config(&out, 600, 3, 400, 0.3);
    let summary = generate(&cfg).unwrap();
    assert!(
        summary.churned > 20,
        "too few churners to test: {summary:?}"
    );
    let lives = lifetimes(&out);
    let end = end_us(&cfg);
    let check = |table: &str, column: &str| {
        let mut checked = 0;
        for b in read(&out.join(table)) {
            let (ids, ts) = (strings(&b, "account_id"), times(&b, column));
            for i in 0..b.num_rows() {
                if ts.is_null(i) {
                    continue;
                }
                let (start, churn) = lives[ids.value(i)];
                let t = ts.value(i);
                assert!(
                    t > start,
                    "{table}.{column} before start for {}",
                    ids.value(i)
                );
                assert!(t < end, "{table}.{column} after the as-of date");
                if let Some(churn) = churn {
                    // A ticket open at churn is closed by it, hence <=.
                    assert!(
                        t <= churn,
                        "{table}.{column} after churn for {}",
                        ids.value(i)
                    );
                    if column != "resolved_at" {
                        assert!(t < churn, "{table}.{column} at churn for {}", ids.value(i));
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "{table}.{column}: only {checked} values");
    };
    check("usage", "ts");
    check("tickets.parquet", "opened_at");
    check("tickets.parquet", "first_response_at");
    check("tickets.parquet", "resolved_at");
    check("surveys.parquet", "responded_at");
    for (start, churn) in lives.values() {
        assert!(*start < end);
        assert!(churn.is_none_or(|c| c > *start && c < end));
    }
}

#[test]
fn survey_scores_stay_on_their_scales() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    generate(&config(&out, 500, 4, 365, 0.1)).unwrap();
    let mut seen = HashMap::new();
    for b in read(&out.join("surveys.parquet")) {
        let kind = strings(&b, "kind");
        let score = b
            .column_by_name("score")
            .unwrap()
            .as_primitive::<Int32Type>();
        let max = b
            .column_by_name("scale_max")
            .unwrap()
            .as_primitive::<Int32Type>();
        for i in 0..b.num_rows() {
            let (lo, hi) = match kind.value(i) {
                "nps" => (0, 10),
                "csat" => (1, 5),
                other => panic!("unexpected survey kind {other}"),
            };
            assert_eq!(max.value(i), hi);
            assert!(
                (lo..=hi).contains(&score.value(i)),
                "{} {}",
                kind.value(i),
                score.value(i)
            );
            *seen
                .entry((kind.value(i).to_string(), score.value(i)))
                .or_insert(0) += 1;
        }
    }
    // Both kinds appear and use most of their scale.
    let nps = seen.keys().filter(|(k, _)| k == "nps").count();
    let csat = seen.keys().filter(|(k, _)| k == "csat").count();
    assert!(
        nps >= 8 && csat >= 4,
        "nps scores {nps}, csat scores {csat}"
    );
}

/// Share of the accounts active a year before the end that churned within the year.
fn annual_churn(dir: &Path, cfg: &GenerateConfig) -> f64 {
    let end = end_us(cfg);
    let t0 = end - 365 * US_PER_DAY;
    let (mut active, mut churned) = (0, 0);
    for (start, churn) in lifetimes(dir).values() {
        if *start <= t0 && churn.is_none_or(|c| c > t0) {
            active += 1;
            churned += churn.is_some() as usize;
        }
    }
    churned as f64 / active as f64
}

#[test]
fn annual_churn_is_between_ten_and_twenty_percent() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let cfg = config(&out, 3000, 5, 730, 0.02);
    generate(&cfg).unwrap();
    let rate = annual_churn(&out, &cfg);
    assert!((0.10..=0.20).contains(&rate), "annual churn {rate:.3}");
}

#[test]
fn usage_falls_before_churn() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let cfg = config(&out, 1500, 6, 540, 0.5);
    generate(&cfg).unwrap();
    let lives = lifetimes(&out);
    let end = end_us(&cfg);
    let first = end - cfg.days as i64 * US_PER_DAY;
    // Events per account and day of the window.
    let mut daily: HashMap<&str, Vec<u32>> = HashMap::new();
    let batches = read(&out.join("usage"));
    for b in &batches {
        let (ids, ts) = (strings(b, "account_id"), times(b, "ts"));
        for i in 0..b.num_rows() {
            let key = lives.get_key_value(ids.value(i)).unwrap().0.as_str();
            let days = daily
                .entry(key)
                .or_insert_with(|| vec![0; cfg.days as usize]);
            days[((ts.value(i) - first) / US_PER_DAY) as usize] += 1;
        }
    }
    // For each account with 180 days of history before its reference day (churn, or
    // the as-of date for retained accounts): events per day in the last 60 days, and
    // that divided by the rate in the 120 days before.
    let (mut churned, mut retained) = (vec![], vec![]);
    for (id, (start, churn)) in &lives {
        let reference = churn.unwrap_or(end);
        let r = ((reference - first) / US_PER_DAY) as usize;
        if *start > first || r < 180 {
            continue;
        }
        let days = daily.get(id.as_str()).map_or(&[][..], |d| d.as_slice());
        let sum = |a: usize, b: usize| days.get(a..b).map_or(0, |s| s.iter().sum::<u32>()) as f64;
        let recent = sum(r - 60, r) / 60.0;
        let before = sum(r - 180, r - 60) / 120.0;
        let entry = (recent, (recent + 0.1) / (before + 0.1));
        if churn.is_some() {
            churned.push(entry);
        } else {
            retained.push(entry);
        }
    }
    assert!(
        churned.len() >= 50,
        "only {} churners to compare",
        churned.len()
    );
    let mean =
        |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let (level_c, level_r) = (mean(&churned, |e| e.0), mean(&retained, |e| e.0));
    let (trend_c, trend_r) = (mean(&churned, |e| e.1), mean(&retained, |e| e.1));
    assert!(
        level_c < 0.7 * level_r,
        "events/day before churn {level_c:.2} vs retained {level_r:.2}"
    );
    assert!(
        trend_c < 0.85 * trend_r,
        "usage trend before churn {trend_c:.2} vs retained {trend_r:.2}"
    );
}

#[test]
fn truth_has_a_hazard_for_every_customer_month() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let cfg = GenerateConfig {
        truth: true,
        ..config(&out, 300, 9, 365, 0.05)
    };
    generate(&cfg).unwrap();
    let lives = lifetimes(&out);
    let mut months: HashMap<String, usize> = HashMap::new();
    let mut mean_hazard = 0.0;
    let mut n = 0;
    for b in read(&out.join("_truth/monthly_hazard.parquet")) {
        let ids = strings(&b, "account_id");
        let h = b
            .column_by_name("monthly_hazard")
            .unwrap()
            .as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            assert!((0.0..=1.0).contains(&h.value(i)));
            mean_hazard += h.value(i);
            n += 1;
            *months.entry(ids.value(i).to_string()).or_insert(0) += 1;
        }
    }
    // Accounts there for the whole window have 12 or 13 calendar months, churned or not.
    let first = end_us(&cfg) - 365 * US_PER_DAY;
    for (id, (start, _)) in &lives {
        if *start < first {
            let m = months.get(id).copied().unwrap_or(0);
            assert!((12..=13).contains(&m), "{id} has {m} truth months");
        }
    }
    // Hazards are monthly churn probabilities of a 10-20 % a year population.
    let mean = mean_hazard / n as f64;
    assert!(
        (0.005..0.03).contains(&mean),
        "mean monthly hazard {mean:.4}"
    );
}

#[test]
fn invalid_settings_are_refused_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    let bad = [
        config(&out, 0, 1, 730, 1.0),
        config(&out, 10, 1, 5, 1.0),
        config(&out, 10, 1, 730, f64::NAN),
        config(&out, 10, 1, 730, 0.0),
    ];
    for cfg in &bad {
        let err = generate(cfg).unwrap_err();
        assert!(
            matches!(err, GenerateError::InvalidConfig(_)),
            "{cfg:?}: {err}"
        );
    }
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = generate(&config(&file, 10, 1, 60, 1.0)).unwrap_err();
    assert!(matches!(err, GenerateError::InvalidConfig(_)), "{err}");
    // Nothing was created, not even a staging folder.
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("a-file")]);
}

#[test]
fn existing_tables_are_replaced_and_other_files_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    std::fs::create_dir_all(out.join("_truth")).unwrap();
    std::fs::write(out.join("notes.txt"), b"keep me").unwrap();
    std::fs::write(out.join("usage.parquet"), b"old single-file usage").unwrap();
    std::fs::write(out.join("accounts.parquet"), b"old").unwrap();
    std::fs::write(out.join("_truth/monthly_hazard.parquet"), b"stale").unwrap();

    generate(&config(&out, 50, 2, 60, 0.5)).unwrap();

    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"keep me");
    assert!(!out.join("usage.parquet").exists());
    assert!(!out.join("_truth").exists(), "stale truth must not survive");
    assert!(out.join("usage").is_dir());
    assert_eq!(lifetimes(&out).len(), 50);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec!["data".to_string()]);
}
