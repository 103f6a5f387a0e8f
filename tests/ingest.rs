//! Ingest of every physical type the data contract accepts, checked value by value.

mod common;

use std::sync::Arc;

use arrow::array::*;
use arrow::datatypes::{Int16Type, Int32Type, Int8Type};
use churn::contract::Table;
use churn::ingest::{self, Priority, SurveyKind};
use common::*;

const FAR: i64 = i64::MAX / 4;

/// Rows of usage as (account id, ts, quantity), sorted, read through the streaming fold.
fn usage_rows(data: &ingest::Dataset) -> Vec<(String, i64, f64, bool, bool)> {
    let (parts, _) = data
        .usage
        .fold(
            &data.accounts,
            Vec::new,
            |acc: &mut Vec<(String, i64, f64, bool, bool)>, b| {
                for i in 0..b.len() {
                    acc.push((
                        data.accounts.ids[b.account[i] as usize].clone(),
                        b.ts[i],
                        b.quantity[i],
                        b.user[i] != 0,
                        b.feature[i] != 0,
                    ));
                }
            },
            &|_| {},
        )
        .unwrap();
    let mut rows: Vec<_> = parts.into_iter().flatten().collect();
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rows
}

fn id_arrays() -> Vec<(&'static str, ArrayRef)> {
    let dict8: DictionaryArray<Int8Type> = vec!["A1", "A1", "A2", "A3"].into_iter().collect();
    let dict16: DictionaryArray<Int16Type> = vec!["A1", "A1", "A2", "A3"].into_iter().collect();
    let dict32: DictionaryArray<Int32Type> = vec!["A1", "A1", "A2", "A3"].into_iter().collect();
    vec![
        (
            "Utf8",
            Arc::new(StringArray::from(vec!["A1", "A1", "A2", "A3"])),
        ),
        (
            "LargeUtf8",
            Arc::new(LargeStringArray::from(vec!["A1", "A1", "A2", "A3"])),
        ),
        (
            "Utf8View",
            Arc::new(StringViewArray::from(vec!["A1", "A1", "A2", "A3"])),
        ),
        ("Dictionary(Int8, Utf8)", Arc::new(dict8)),
        ("Dictionary(Int16, Utf8)", Arc::new(dict16)),
        ("Dictionary(Int32, Utf8)", Arc::new(dict32)),
    ]
}

#[test]
fn every_text_id_type_is_read_in_every_table() {
    for (name, ids) in id_arrays() {
        let f = Fixture::new();
        f.put("usage", &[with(&usage_batch(), "account_id", ids.clone())]);
        f.put(
            "tickets",
            &[with(&tickets_batch(), "account_id", ids.slice(1, 2))],
        );
        let data = ingest::load(f.path(), FAR).unwrap();
        assert_eq!(data.accounts.ids, vec!["A1", "A2", "A3"], "{name}");
        let got: Vec<String> = usage_rows(&data).into_iter().map(|r| r.0).collect();
        assert_eq!(got, vec!["A1", "A1", "A2", "A3"], "{name}");
        assert_eq!(data.tickets.account, vec![0, 1], "{name}");
        assert!(data.set_aside.is_empty(), "{name}: {:?}", data.set_aside);
    }
}

#[test]
fn integer_ids_are_read_as_their_decimal_text() {
    let int_ids: Vec<(&str, ArrayRef, ArrayRef)> = vec![
        (
            "Int64",
            Arc::new(Int64Array::from(vec![1, 2, 3])),
            Arc::new(Int64Array::from(vec![1, 1, 2, 3])),
        ),
        (
            "UInt8",
            Arc::new(UInt8Array::from(vec![1, 2, 3])),
            Arc::new(Int32Array::from(vec![1, 1, 2, 3])),
        ),
        (
            "UInt64",
            Arc::new(UInt64Array::from(vec![1, 2, 3])),
            Arc::new(UInt16Array::from(vec![1, 1, 2, 3])),
        ),
    ];
    for (name, acc_ids, usage_ids) in int_ids {
        let f = Fixture::new();
        f.put(
            "accounts",
            &[with(&accounts_batch(), "account_id", acc_ids)],
        );
        f.put("usage", &[with(&usage_batch(), "account_id", usage_ids)]);
        f.put("tickets", &[without_rows(&tickets_batch())]);
        f.put("surveys", &[without_rows(&surveys_batch())]);
        let data = ingest::load(f.path(), FAR).unwrap();
        assert_eq!(data.accounts.ids, vec!["1", "2", "3"], "{name}");
        let got: Vec<String> = usage_rows(&data).into_iter().map(|r| r.0).collect();
        assert_eq!(got, vec!["1", "1", "2", "3"], "{name}");
    }
}

fn without_rows(b: &arrow::record_batch::RecordBatch) -> arrow::record_batch::RecordBatch {
    b.slice(0, 0)
}

#[test]
fn every_instant_type_is_read_as_utc_microseconds() {
    let day = 20_454i64; // 2026-01-01
    let us = day * DAY;
    let cases: Vec<(&str, ArrayRef)> = vec![
        (
            "Timestamp(s)",
            Arc::new(TimestampSecondArray::from(vec![us / 1_000_000; 4])),
        ),
        (
            "Timestamp(ms, UTC)",
            Arc::new(TimestampMillisecondArray::from(vec![us / 1000; 4]).with_timezone("UTC")),
        ),
        (
            "Timestamp(us)",
            Arc::new(TimestampMicrosecondArray::from(vec![us; 4])),
        ),
        (
            "Timestamp(ns, +09:00)",
            Arc::new(TimestampNanosecondArray::from(vec![us * 1000; 4]).with_timezone("+09:00")),
        ),
        (
            "Timestamp(ns, Europe/Paris)",
            Arc::new(
                TimestampNanosecondArray::from(vec![us * 1000; 4]).with_timezone("Europe/Paris"),
            ),
        ),
        ("Date32", Arc::new(Date32Array::from(vec![day as i32; 4]))),
        (
            "Date64",
            Arc::new(Date64Array::from(vec![day * 86_400_000; 4])),
        ),
    ];
    for (name, arr) in cases {
        let f = Fixture::new();
        f.put("usage", &[with(&usage_batch(), "ts", arr.clone())]);
        f.put(
            "accounts",
            &[with(&accounts_batch(), "started_at", arr.slice(0, 3))],
        );
        let data = ingest::load(f.path(), FAR).unwrap();
        assert!(usage_rows(&data).iter().all(|r| r.1 == us), "{name}");
        assert_eq!(data.accounts.started_at, vec![us; 3], "{name}");
    }
}

#[test]
fn every_number_type_is_read_as_f64() {
    let cases: Vec<(&str, ArrayRef)> = vec![
        (
            "Int8",
            Arc::new(Int8Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "Int16",
            Arc::new(Int16Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "Int32",
            Arc::new(Int32Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "Int64",
            Arc::new(Int64Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "UInt8",
            Arc::new(UInt8Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "UInt16",
            Arc::new(UInt16Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "UInt32",
            Arc::new(UInt32Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "UInt64",
            Arc::new(UInt64Array::from(vec![Some(2), None, Some(1), Some(4)])),
        ),
        (
            "Float32",
            Arc::new(Float32Array::from(vec![
                Some(2.0),
                None,
                Some(1.0),
                Some(4.0),
            ])),
        ),
        (
            "Float64",
            Arc::new(Float64Array::from(vec![
                Some(2.0),
                None,
                Some(1.0),
                Some(4.0),
            ])),
        ),
    ];
    for (name, arr) in cases {
        let f = Fixture::new();
        f.put("usage", &[with(&usage_batch(), "quantity", arr.clone())]);
        f.put(
            "surveys",
            &[with(&surveys_batch(), "score", arr.slice(0, 3))],
        );
        let data = ingest::load(f.path(), FAR).unwrap();
        let mut q: Vec<f64> = usage_rows(&data).iter().map(|r| r.2).collect();
        q.sort_by(f64::total_cmp);
        // A null quantity counts as 1, per the contract.
        assert_eq!(q, vec![1.0, 1.0, 2.0, 4.0], "{name}");
        // Surveys: 2 (nps), null (set aside), 1 (csat)
        assert_eq!(data.surveys.score, vec![2.0, 1.0], "{name}");
        assert_eq!(
            data.set_aside
                .rows_for(Table::Surveys, "score missing or not finite"),
            1,
            "{name}"
        );
    }
}

#[test]
fn small_tables_are_read_with_their_optional_columns() {
    let f = Fixture::new();
    let data = ingest::load(f.path(), FAR).unwrap();
    let a = &data.accounts;
    assert_eq!(
        a.name,
        vec![Some("Acme".into()), Some("Globex".into()), None]
    );
    assert_eq!(
        a.plan,
        vec![None, None, None],
        "absent optional column reads as missing"
    );
    assert_eq!(a.mrr, vec![Some(100.0), Some(2500.0), None]);
    assert_eq!(a.churned_at, vec![None, Some(JAN1 + 20 * DAY), None]);
    assert_eq!(a.renewal_date[1], None);

    let t = &data.tickets;
    assert_eq!(t.priority, vec![Priority::Urgent, Priority::Low]);
    assert_eq!(t.categories, vec!["performance"]);
    assert_eq!(t.category, vec![Some(0), None]);
    assert_eq!(t.resolved_at, vec![Some(JAN1 + DAY), None]);
    assert_eq!(
        t.first_response_at,
        vec![Some(JAN1 + 2 * 3_600_000_000), None]
    );

    let s = &data.surveys;
    assert_eq!(
        s.kind,
        vec![SurveyKind::Nps, SurveyKind::Nps, SurveyKind::Csat]
    );
    assert_eq!(s.scale_max, vec![10.0, 10.0, 5.0]);
    assert_eq!(s.comment[0].as_deref(), Some("great"));

    let rows = usage_rows(&data);
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter().filter(|r| r.0 == "A3").all(|r| !r.3 && r.4),
        "A3 has no user but a feature"
    );
}

#[test]
fn a_table_can_be_a_folder_of_files_with_partitions_and_extra_columns() {
    let f = Fixture::new();
    f.remove("usage");
    let u = usage_batch();
    let extra = with(&u.slice(2, 2), "user_id", text(&[Some("x"), Some("y")]));
    let mut cols: Vec<(&str, ArrayRef)> = vec![("browser", text(&[Some("firefox"), Some("edge")]))];
    let schema = extra.schema();
    for (fl, c) in schema.fields().iter().zip(extra.columns()) {
        cols.push((fl.name().as_str(), c.clone()));
    }
    write_parquet(
        &f.path().join("usage/month=2026-01/part-0.parquet"),
        &[u.slice(0, 2)],
    );
    write_parquet(
        &f.path().join("usage/month=2026-02/part-0.parquet"),
        &[batch(cols)],
    );
    std::fs::write(f.path().join("usage/_SUCCESS"), b"").unwrap();
    std::fs::write(
        f.path().join("usage/month=2026-01/.part-0.parquet.crc"),
        b"crc",
    )
    .unwrap();
    let data = ingest::load(f.path(), FAR).unwrap();
    assert_eq!(data.usage.files(), 2);
    assert_eq!(usage_rows(&data).len(), 4);
}

#[test]
fn hidden_and_underscore_folders_of_a_table_are_not_looked_into() {
    let f = Fixture::new();
    f.remove("usage");
    write_parquet(&f.path().join("usage/part-0.parquet"), &[usage_batch()]);
    // What a Spark job still writing (or one that died) leaves: not part of the table.
    for stray in [
        "usage/_temporary/0/part-1.parquet",
        "usage/.staging/part-2.parquet",
    ] {
        let p = f.path().join(stray);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"half-written").unwrap();
    }
    let data = ingest::load(f.path(), FAR).unwrap();
    assert_eq!(data.usage.files(), 1);
}

#[test]
fn rows_breaking_the_contract_are_set_aside_and_counted() {
    let f = Fixture::new();
    f.put(
        "usage",
        &[batch(vec![
            (
                "account_id",
                text(&[
                    Some("A1"),
                    Some("ZZ"),
                    None,
                    Some("A2"),
                    Some("A2"),
                    Some("A3"),
                ]),
            ),
            (
                "ts",
                ts(&[
                    Some(JAN1),
                    Some(JAN1),
                    Some(JAN1),
                    None,
                    Some(JAN1),
                    Some(1000),
                ]),
            ),
            (
                "quantity",
                num(&[
                    Some(1.0),
                    Some(1.0),
                    Some(1.0),
                    Some(1.0),
                    Some(f64::NAN),
                    Some(1.0),
                ]),
            ),
        ])],
    );
    let data = ingest::load(f.path(), FAR).unwrap();
    let (parts, aside) = data
        .usage
        .fold(
            &data.accounts,
            || 0u64,
            |n, b| *n += b.len() as u64,
            &|_| {},
        )
        .unwrap();
    assert_eq!(parts.iter().sum::<u64>(), 1);
    assert_eq!(aside.rows_for(Table::Usage, "unknown account_id"), 1);
    assert_eq!(aside.rows_for(Table::Usage, "null account_id"), 1);
    assert_eq!(aside.rows_for(Table::Usage, "null ts"), 1);
    assert_eq!(
        aside.rows_for(Table::Usage, "negative or non-finite quantity"),
        1
    );
    assert_eq!(aside.rows_for(Table::Usage, "ts before 1990"), 1);
    let unknown = aside
        .entries()
        .find(|e| e.reason == "unknown account_id")
        .unwrap();
    assert_eq!(unknown.example.row, 2);
    assert_eq!(unknown.example_value, "ZZ");
}

#[test]
fn usage_results_do_not_depend_on_the_thread_count() {
    let f = Fixture::new();
    f.remove("usage");
    for k in 0..6 {
        let b = usage_batch();
        write_parquet(
            &f.path().join(format!("usage/part-{k}.parquet")),
            &[b.clone(), b],
        );
    }
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let data = ingest::load(f.path(), FAR).unwrap();
                let (parts, aside) = data
                    .usage
                    .fold(
                        &data.accounts,
                        || vec![0u64; 3],
                        |acc, b| b.account.iter().for_each(|&a| acc[a as usize] += 1),
                        &|_| {},
                    )
                    .unwrap();
                let total: Vec<u64> = (0..3).map(|i| parts.iter().map(|p| p[i]).sum()).collect();
                (total, aside)
            })
    };
    let (one, a1) = run(1);
    let (two, a2) = run(2);
    assert_eq!(one, vec![24, 12, 12]);
    assert_eq!(one, two);
    assert_eq!(a1, a2);
}

#[test]
fn ticket_categories_are_normalised_and_numbered_in_order_of_first_appearance() {
    // Two files (read as separate parts): case and spaces fold to one name, blanks
    // are no category, and numbering follows the rows across files.
    let f = Fixture::new();
    f.remove("tickets");
    let rows = |cats: &[Option<&str>], prio: &[Option<&str>]| {
        let n = cats.len();
        let t = tickets_batch();
        let one = |c: usize| {
            t.column(
                t.schema()
                    .index_of(["ticket_id", "account_id", "opened_at"][c])
                    .unwrap(),
            )
            .slice(0, 1)
        };
        let rep = |a: ArrayRef| arrow::compute::concat(&vec![a.as_ref(); n]).unwrap();
        batch(vec![
            ("ticket_id", rep(one(0))),
            ("account_id", rep(one(1))),
            ("opened_at", rep(one(2))),
            ("priority", text(prio)),
            ("category", text(cats)),
        ])
    };
    write_parquet(
        &f.path().join("tickets/part-0.parquet"),
        &[rows(
            &[
                Some(" Billing "),
                Some("  "),
                Some("login"),
                Some("BILLING"),
            ],
            &[Some(" HIGH"), Some("Medium"), Some("critical "), Some("p1")],
        )],
    );
    write_parquet(
        &f.path().join("tickets/part-1.parquet"),
        &[rows(
            &[Some("Export"), None, Some("Login"), Some("billing")],
            &[Some("Low"), None, Some("nOrMaL"), Some("urgent")],
        )],
    );
    let data = ingest::load(f.path(), FAR).unwrap();
    let t = &data.tickets;
    assert_eq!(t.categories, vec!["billing", "login", "export"]);
    assert_eq!(
        t.category,
        vec![
            Some(0),
            None,
            Some(1),
            Some(0),
            Some(2),
            None,
            Some(1),
            Some(0)
        ]
    );
    assert_eq!(
        t.priority,
        vec![
            Priority::High,
            Priority::Normal,
            Priority::Urgent,
            Priority::Unknown,
            Priority::Low,
            Priority::Unknown,
            Priority::Normal,
            Priority::Urgent
        ]
    );
}

#[test]
fn a_churn_date_after_the_as_of_date_is_ignored_and_the_account_kept() {
    use churn::ingest::accounts::CHURN_AFTER_AS_OF;
    let f = Fixture::new();
    // A3 has a cancellation scheduled after "now" (the load's not_after).
    f.put(
        "accounts",
        &[with(
            &accounts_batch(),
            "churned_at",
            ts(&[None, Some(JAN1 + 20 * DAY), Some(JAN1 + 100 * DAY)]),
        )],
    );
    let mut data = ingest::load(f.path(), JAN1 + 40 * DAY).unwrap();
    let a = &data.accounts;
    assert_eq!(a.ids, vec!["A1", "A2", "A3"]);
    assert_eq!(a.churned_at, vec![None, Some(JAN1 + 20 * DAY), None]);
    assert_eq!(
        data.set_aside.rows_for(Table::Accounts, CHURN_AFTER_AS_OF),
        1
    );
    assert_eq!(data.set_aside.rows(Table::Accounts), 0, "no row set aside");
    let (_, usage_aside) = data
        .usage
        .fold(&data.accounts, || (), |_, _| {}, &|_| {})
        .unwrap();
    assert_eq!(usage_aside.rows_for(Table::Usage, "unknown account_id"), 0);

    // At an as-of date before A2's churn, that churn is not known either.
    data.accounts
        .forget_churn_after(JAN1 + 10 * DAY, &mut data.set_aside);
    assert_eq!(data.accounts.churned_at, vec![None, None, None]);
    assert!(data.accounts.active_at(1, JAN1 + 10 * DAY));
    let e = data
        .set_aside
        .entries()
        .find(|e| e.reason == CHURN_AFTER_AS_OF)
        .unwrap();
    assert!(e.row_kept);
    assert_eq!(e.rows, 2);
    assert_eq!(e.example.row, 2);
    assert_eq!(e.example_value, "A2");
    // A churn on the as-of instant itself is known.
    let mut again = ingest::load(f.path(), JAN1 + 40 * DAY).unwrap();
    again
        .accounts
        .forget_churn_after(JAN1 + 20 * DAY, &mut again.set_aside);
    assert_eq!(again.accounts.churned_at[1], Some(JAN1 + 20 * DAY));
}
