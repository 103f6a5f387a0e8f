//! Point in time: rows dated at or after an observation date change no feature at that
//! date, rows just before it do, and labels look only at (T, T + horizon].

mod common;

use churn::features::{self, f, Plan};
use churn::ingest;
use common::*;

const FAR: i64 = i64::MAX / 4;

/// T = 2026-03-01, as-of 2026-06-01.
fn plan() -> Plan {
    Plan {
        as_of: "2026-06-01".parse().unwrap(),
        horizon_days: 90,
        training: vec!["2026-03-01".parse().unwrap()],
    }
}

fn t_micros() -> i64 {
    churn::time::date_to_micros("2026-03-01".parse().unwrap())
}

fn build(f: &Fixture) -> features::FeatureMatrix {
    let data = ingest::load(f.path(), FAR).unwrap();
    features::build(&data, &plan(), &|_| {}).unwrap()
}

/// Feature rows at T (date index 0), keyed by account index.
fn at_t(m: &features::FeatureMatrix) -> Vec<(u32, Vec<f64>)> {
    (0..m.rows())
        .filter(|&r| m.date[r] == 0)
        .map(|r| (m.account[r], m.x.row(r).to_vec()))
        .collect()
}

fn same(a: &[(u32, Vec<f64>)], b: &[(u32, Vec<f64>)]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.0 == y.0
                && x.1
                    .iter()
                    .zip(&y.1)
                    .all(|(p, q)| p.to_bits() == q.to_bits())
        })
}

fn base() -> Fixture {
    let t = t_micros();
    let f = Fixture::new();
    f.put(
        "accounts",
        &[batch(vec![
            ("account_id", text(&[Some("A1"), Some("A2")])),
            ("seats", num(&[Some(10.0), Some(10.0)])),
            (
                "started_at",
                ts(&[Some(t - 500 * DAY), Some(t - 500 * DAY)]),
            ),
            ("renewal_date", ts(&[Some(t + 200 * DAY), None])),
            ("churned_at", ts(&[None, None])),
        ])],
    );
    f.put(
        "usage",
        &[batch(vec![
            ("account_id", text(&[Some("A1"), Some("A1"), Some("A2")])),
            (
                "ts",
                ts(&[Some(t - 3 * DAY), Some(t - 40 * DAY), Some(t - DAY)]),
            ),
            ("user_id", text(&[Some("u1"), Some("u2"), Some("u3")])),
            (
                "feature",
                text(&[Some("api"), Some("reports"), Some("api")]),
            ),
        ])],
    );
    f.put(
        "tickets",
        &[batch(vec![
            ("ticket_id", text(&[Some("T1")])),
            ("account_id", text(&[Some("A1")])),
            ("opened_at", ts(&[Some(t - 10 * DAY)])),
            ("resolved_at", ts(&[None])),
            ("priority", text(&[Some("urgent")])),
            ("category", text(&[Some("bug")])),
        ])],
    );
    f.put(
        "surveys",
        &[batch(vec![
            ("account_id", text(&[Some("A1")])),
            ("responded_at", ts(&[Some(t - 20 * DAY)])),
            ("kind", text(&[Some("nps")])),
            ("score", num(&[Some(9.0)])),
        ])],
    );
    f
}

#[test]
fn rows_dated_at_or_after_t_change_no_feature_at_t() {
    let t = t_micros();
    let f = base();
    let before = at_t(&build(&f));
    assert_eq!(before.len(), 2);
    assert_eq!(before[0].1[f::EVENTS_30D], 1.0);
    assert_eq!(before[0].1[f::OPEN_URGENT_TICKETS], 1.0);
    assert_eq!(before[0].1[f::NPS_LATEST], 9.0);

    for when in [t, t + 1, t + 5 * DAY] {
        let g = base();
        g.put(
            "usage",
            &[batch(vec![
                (
                    "account_id",
                    text(&[Some("A1"), Some("A1"), Some("A2"), Some("A1"), Some("A2")]),
                ),
                (
                    "ts",
                    ts(&[
                        Some(t - 3 * DAY),
                        Some(t - 40 * DAY),
                        Some(t - DAY),
                        Some(when),
                        Some(when),
                    ]),
                ),
                (
                    "user_id",
                    text(&[Some("u1"), Some("u2"), Some("u3"), Some("new"), Some("new")]),
                ),
                (
                    "feature",
                    text(&[
                        Some("api"),
                        Some("reports"),
                        Some("api"),
                        Some("admin"),
                        Some("x"),
                    ]),
                ),
            ])],
        );
        g.put(
            "tickets",
            &[batch(vec![
                ("ticket_id", text(&[Some("T1"), Some("T2")])),
                ("account_id", text(&[Some("A1"), Some("A2")])),
                ("opened_at", ts(&[Some(t - 10 * DAY), Some(when)])),
                // Resolving T1 at or after T must not make it closed at T.
                ("resolved_at", ts(&[Some(when), None])),
                ("priority", text(&[Some("urgent"), Some("urgent")])),
                ("category", text(&[Some("bug"), Some("billing")])),
            ])],
        );
        g.put(
            "surveys",
            &[batch(vec![
                ("account_id", text(&[Some("A1"), Some("A1"), Some("A2")])),
                (
                    "responded_at",
                    ts(&[Some(t - 20 * DAY), Some(when), Some(when)]),
                ),
                ("kind", text(&[Some("nps"), Some("nps"), Some("csat")])),
                ("score", num(&[Some(9.0), Some(0.0), Some(1.0)])),
            ])],
        );
        let after = at_t(&build(&g));
        assert!(
            same(&before, &after),
            "a row at T + {} us leaked into features at T",
            when - t
        );
    }
}

#[test]
fn rows_just_before_t_are_seen() {
    let t = t_micros();
    let g = base();
    g.put(
        "usage",
        &[batch(vec![
            (
                "account_id",
                text(&[Some("A1"), Some("A1"), Some("A2"), Some("A1")]),
            ),
            (
                "ts",
                ts(&[
                    Some(t - 3 * DAY),
                    Some(t - 40 * DAY),
                    Some(t - DAY),
                    Some(t - 1),
                ]),
            ),
            (
                "user_id",
                text(&[Some("u1"), Some("u2"), Some("u3"), Some("u9")]),
            ),
            (
                "feature",
                text(&[Some("api"), Some("reports"), Some("api"), Some("admin")]),
            ),
        ])],
    );
    let before = at_t(&build(&base()));
    let after = at_t(&build(&g));
    assert_eq!(after[0].1[f::EVENTS_30D], before[0].1[f::EVENTS_30D] + 1.0);
    assert_eq!(after[0].1[f::USERS_30D], 2.0);
    assert_eq!(after[0].1[f::FEATURES_30D], 2.0);
    assert_eq!(after[0].1[f::DAYS_SINCE_LAST_USE], 1.0);
    assert_eq!(after[0].1[f::SEAT_UTILISATION], 0.2);
}

#[test]
fn labels_look_only_at_the_horizon_after_t() {
    let t = t_micros();
    let h = 90 * DAY;
    let f = base();
    let cases: [(Option<i64>, Option<Option<bool>>); 5] = [
        (Some(t), None),                 // churned at T: not active, not in the population
        (Some(t + 1), Some(Some(true))), // churned just after T
        (Some(t + h), Some(Some(true))), // churned at the end of the horizon
        (Some(t + h + 1), Some(Some(false))), // churned after the horizon
        (None, Some(Some(false))),
    ];
    for (churned, want) in cases {
        f.put(
            "accounts",
            &[batch(vec![
                ("account_id", text(&[Some("A1"), Some("A2")])),
                (
                    "started_at",
                    ts(&[Some(t - 500 * DAY), Some(t - 500 * DAY)]),
                ),
                ("churned_at", ts(&[churned, None])),
            ])],
        );
        let m = build(&f);
        let row = (0..m.rows()).find(|&r| m.date[r] == 0 && m.account[r] == 0);
        assert_eq!(
            row.map(|r| m.label[r]),
            want,
            "churned_at {:?}",
            churned.map(|c| c - t)
        );
    }
}

#[test]
fn an_account_started_after_t_is_not_in_the_population_at_t() {
    let t = t_micros();
    let f = base();
    f.put(
        "accounts",
        &[batch(vec![
            ("account_id", text(&[Some("A1"), Some("A2")])),
            ("started_at", ts(&[Some(t + 1), Some(t)])),
            ("churned_at", ts(&[None, None])),
        ])],
    );
    let m = build(&f);
    let at_t: Vec<u32> = (0..m.rows())
        .filter(|&r| m.date[r] == 0)
        .map(|r| m.account[r])
        .collect();
    assert_eq!(
        at_t,
        vec![1],
        "started exactly at T is active; after T is not"
    );
    assert!(
        m.label
            .iter()
            .zip(&m.date)
            .all(|(l, &d)| (d == 1) == l.is_none()),
        "the as-of date has no labels"
    );
}

#[test]
fn only_scored_rows_carry_their_issues_to_fix() {
    let m = build(&base());
    let a1 = |date: u32| {
        (0..m.rows())
            .find(|&r| m.account[r] == 0 && m.date[r] == date)
            .unwrap()
    };
    let (train, scored) = (a1(0), a1(1));
    // The open urgent ticket counts as a feature at T, but the list of issues is
    // kept only where the playbook reads it: at the as-of date.
    assert_eq!(m.x[[train, f::OPEN_TICKETS]], 1.0);
    assert!(m.issues[train].is_empty());
    assert_eq!(m.issues[scored].len(), 1);
    assert_eq!(m.issues[scored][0].open_urgent, 1);
}

#[test]
fn every_row_of_a_many_block_matrix_holds_its_own_accounts_values() {
    // Thousands of rows, so the matrix is written in many blocks: each row's account
    // attributes must land in that row, in every column.
    let dir = generated_data();
    let data = ingest::load(dir, FAR).unwrap();
    let plan = Plan::new(
        "2026-11-01".parse().unwrap(),
        &features::PlanSettings::default(),
    )
    .unwrap();
    let m = features::build(&data, &plan, &|_| {}).unwrap();
    assert!(m.rows() > 5 * 1024, "{} rows", m.rows());
    let days = plan.days();
    let a = &data.accounts;
    let same = |x: f64, want: Option<f64>| match want {
        Some(w) => x == w,
        None => x.is_nan(),
    };
    for r in 0..m.rows() {
        let i = m.account[r] as usize;
        let at = i64::from(days[m.date[r] as usize]) * churn::time::MICROS_PER_DAY;
        assert!(same(m.x[[r, f::SEATS]], a.seats[i]), "row {r}: seats");
        assert!(same(m.x[[r, f::MRR]], a.mrr[i]), "row {r}: mrr");
        let tenure = (at - a.started_at[i]) as f64 / churn::time::MICROS_PER_DAY as f64;
        assert_eq!(m.x[[r, f::TENURE_DAYS]], tenure, "row {r}: tenure");
    }
}

/// Days since 1970 of column `name` (a Date32, or a timestamp in microseconds).
fn days_of(b: &arrow::record_batch::RecordBatch, name: &str) -> Vec<i64> {
    use arrow::array::AsArray;
    let col = b.column_by_name(name).unwrap();
    let col = arrow::compute::cast(col, &arrow::datatypes::DataType::Int64).unwrap();
    let v = col.as_primitive::<arrow::datatypes::Int64Type>();
    let per_day = if name == "ts" { 86_400_000_000 } else { 1 };
    v.values().iter().map(|x| x.div_euclid(per_day)).collect()
}

#[test]
fn every_training_date_has_the_longest_usage_window_of_history() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("features.parquet");
    churn()
        .args(["features", "--data"])
        .arg(generated_data())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // The usage table is a folder of part files.
    let mut parts = Vec::new();
    let mut dirs = vec![generated_data().join("usage")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                parts.push(p);
            }
        }
    }
    let usage_start = parts
        .iter()
        .flat_map(|p| days_of(&read_parquet(p), "ts"))
        .min()
        .unwrap();
    let dates = days_of(&read_parquet(&out), "observation_date");
    let first = *dates.iter().min().unwrap();
    assert!(
        first - usage_start >= 180,
        "the first training date has {} days of usage before it",
        first - usage_start
    );
}

#[test]
fn a_late_delivery_keeps_every_label_fully_observed() {
    let tmp = tempfile::tempdir().unwrap();
    let train = |models: &str, extra: &[&str]| {
        let a = churn()
            .args(["train", "--data"])
            .arg(generated_data())
            .arg("--models")
            .arg(tmp.path().join(models))
            .args(extra)
            .assert()
            .success();
        let latest = std::fs::read_to_string(tmp.path().join(models).join("latest")).unwrap();
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(tmp.path().join(models).join(latest.trim())).unwrap(),
        )
        .unwrap();
        (a, m)
    };
    let (_, on_time) = train("on-time", &[]);
    let as_of: chrono::NaiveDate = on_time["as_of"].as_str().unwrap().parse().unwrap();
    let late = (as_of + chrono::Duration::days(5)).to_string();
    let (run, late_model) = train("late", &["--as-of", &late]);
    // The same training dates and labels: none cut short by the five missing days.
    assert_eq!(
        late_model["metadata"]["training_dates"],
        on_time["metadata"]["training_dates"]
    );
    assert_eq!(late_model["training"], on_time["training"]);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(stderr.contains("5 days after the data ends"), "{stderr}");
}
