//! The reasons behind every score of a generated data set never contradict the data:
//! each driver's value is on the risky side of its reference as its feature's declared
//! direction says, features without a direction are stated as facts, and no account
//! hears the same thing twice.

mod common;

use std::collections::HashSet;
use std::fs::File;

use arrow::array::{Array, AsArray, Float64Array, StringArray};
use arrow::datatypes::Float64Type;
use churn::features::registry::{by_name, Direction, Group};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// One driver as the Parquet file holds it.
#[derive(Debug)]
struct Driver {
    feature: String,
    group: String,
    value: Option<f64>,
    reference: Option<f64>,
    contribution: f64,
    sentence: String,
}

/// Every scored account's id and drivers, from a `churn run` on the generated set.
fn scored_drivers() -> Vec<(String, Vec<Driver>)> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    common::churn()
        .args(["--quiet", "run", "--data"])
        .arg(common::generated_data())
        .arg("--out")
        .arg(&out)
        .arg("--models")
        .arg(tmp.path().join("models"))
        .assert()
        .success();
    let file = File::open(out.join("run_date=2026-11-01/account_risk.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut accounts = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let ids = batch
            .column_by_name("account_id")
            .unwrap()
            .as_string::<i32>();
        let lists = batch.column_by_name("drivers").unwrap().as_list::<i32>();
        for row in 0..batch.num_rows() {
            let items = lists.value(row);
            let items = items.as_struct();
            let text = |name: &str| -> StringArray {
                items
                    .column_by_name(name)
                    .unwrap()
                    .as_string::<i32>()
                    .clone()
            };
            let number = |name: &str| -> Float64Array {
                items
                    .column_by_name(name)
                    .unwrap()
                    .as_primitive::<Float64Type>()
                    .clone()
            };
            let (feature, group, sentence) = (text("feature"), text("group"), text("sentence"));
            let (value, reference, contribution) =
                (number("value"), number("reference"), number("contribution"));
            let opt = |a: &Float64Array, i: usize| a.is_valid(i).then(|| a.value(i));
            let drivers = (0..items.len())
                .map(|i| Driver {
                    feature: feature.value(i).to_string(),
                    group: group.value(i).to_string(),
                    value: opt(&value, i),
                    reference: opt(&reference, i),
                    contribution: contribution.value(i),
                    sentence: sentence.value(i).to_string(),
                })
                .collect();
            accounts.push((ids.value(row).to_string(), drivers));
        }
    }
    accounts
}

/// Words that call a value a deficit: a comparison or a shortfall.
const DEFICIT: [&str; 7] = [
    "only ",
    "typical",
    "down from",
    "up from",
    "fewer",
    "below",
    "too ",
];

#[test]
fn no_driver_contradicts_the_data() {
    let accounts = scored_drivers();
    assert!(accounts.len() > 100, "{} accounts", accounts.len());
    let groups: HashSet<String> = Group::ALL.iter().map(|g| g.key()).collect();
    let (mut compared, mut earlier, mut facts, mut all) = (0, 0, 0, 0);
    for (id, drivers) in &accounts {
        let mut sentences = HashSet::new();
        let mut features = HashSet::new();
        let mut seen_groups = HashSet::new();
        for (k, d) in drivers.iter().enumerate() {
            all += 1;
            let feature = by_name(&d.feature)
                .unwrap_or_else(|| panic!("{id}: unknown feature {}", d.feature));
            assert!(groups.contains(&d.group), "{id}: group {}", d.group);
            assert!(
                seen_groups.insert(&d.group),
                "{id}: group {} twice",
                d.group
            );
            assert!(d.contribution > 0.0, "{id}: {d:?} does not raise the risk");
            if k > 0 {
                assert!(drivers[k - 1].contribution >= d.contribution, "{id}: order");
            }
            let value = d
                .value
                .unwrap_or_else(|| panic!("{id}: {d:?} cites no value"));
            match (feature.direction, d.reference) {
                (Direction::None, reference) => {
                    facts += 1;
                    assert_eq!(reference, None, "{id}: a fact compared: {d:?}");
                    for word in DEFICIT {
                        assert!(
                            !d.sentence.contains(word),
                            "{id}: fact {} worded as a deficit: {}",
                            d.feature,
                            d.sentence
                        );
                    }
                }
                (_, None) => panic!("{id}: {} has a direction but no reference", d.feature),
                (Direction::HigherIsRiskier, Some(r)) => {
                    assert!(
                        value > r,
                        "{id}: {} {value} is not above {r}: {}",
                        d.feature,
                        d.sentence
                    )
                }
                (Direction::LowerIsRiskier, Some(r)) => {
                    assert!(
                        value < r,
                        "{id}: {} {value} is not below {r}: {}",
                        d.feature,
                        d.sentence
                    )
                }
            }
            compared += usize::from(d.sentence.contains("(typical: "));
            earlier += usize::from(d.sentence.contains(", down from "));
            assert!(sentences.insert(&d.sentence), "{id}: {} twice", d.sentence);
            // A feature and its log transform are one feature: never two sentences.
            let base = d.feature.trim_end_matches("_log");
            assert!(features.insert(base.to_string()), "{id}: {} twice", base);
        }
    }
    // Every kind of driver occurs, so the checks above are not vacuous.
    assert!(all > accounts.len(), "{all} drivers");
    assert!(
        compared > 0 && earlier > 0 && facts > 0,
        "{compared} {earlier} {facts}"
    );
}
