use ndarray::Array2;

use super::*;
use crate::features::{f, Plan};
use crate::ingest::set_aside::SetAside;

#[test]
fn median_of_the_values_present() {
    assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(vec![f64::NAN, 5.0, f64::NAN]), Some(5.0));
    assert_eq!(median(vec![f64::NAN]), None);
    assert_eq!(median(vec![]), None);
}

/// Accounts 0..n with their plan and segment.
fn accounts(keys: &[(Option<&str>, Option<&str>)]) -> Accounts {
    let mut a = Accounts::default();
    for (i, (plan, segment)) in keys.iter().enumerate() {
        a.ids.push(format!("A{i}"));
        a.plan.push(plan.map(str::to_string));
        a.segment.push(segment.map(str::to_string));
    }
    a
}

/// One row per (account, date, label, value of every feature).
fn matrix(rows: &[(u32, u32, Option<bool>, f64)]) -> FeatureMatrix {
    let d = |s: &str| s.parse().unwrap();
    let mut x = Array2::<f64>::zeros((rows.len(), f::COUNT));
    for (r, row) in rows.iter().enumerate() {
        x.row_mut(r).fill(row.3);
    }
    FeatureMatrix {
        plan: Plan {
            as_of: d("2026-11-01"),
            horizon_days: 90,
            training: vec![d("2026-07-01"), d("2026-08-01")],
        },
        account: rows.iter().map(|r| r.0).collect(),
        date: rows.iter().map(|r| r.1).collect(),
        label: rows.iter().map(|r| r.2).collect(),
        x,
        issues: vec![Vec::new(); rows.len()],
        latest_nps: vec![None; rows.len()],
        usage_set_aside: SetAside::default(),
        usage_rows: 0,
    }
}

#[test]
fn medians_per_plan_among_retained_training_rows() {
    // Accounts 0-59 on Pro (SMB), 60-119 on Basic (SMB), 120-129 on Tiny (Enterprise),
    // 130-199 with no plan (Enterprise); each retained at both training dates.
    let mut keys = Vec::new();
    let mut rows = Vec::new();
    for i in 0..200u32 {
        let (plan, segment, value) = match i {
            0..60 => (Some("Pro"), Some("SMB"), 10.0 + f64::from(i % 3)),
            60..120 => (Some("Basic"), Some("SMB"), 2.0),
            120..130 => (Some("Tiny"), Some("Enterprise"), 50.0),
            _ => (None, Some("Enterprise"), 40.0),
        };
        keys.push((plan, segment));
        rows.push((i, 0, Some(false), value));
        rows.push((i, 1, Some(false), value));
    }
    // Churned rows and the as-of rows are not the retained peers, whatever their values.
    for i in 0..60u32 {
        rows.push((i, 1, Some(true), 1000.0));
        rows.push((i, 2, None, 1000.0));
    }
    let peers = Peers::of_training(&accounts(&keys), &matrix(&rows));
    let value = |m: &Medians, i: usize| m.values[i];

    let pro = peers.medians(Some("Pro"), Some("SMB"));
    assert_eq!(pro.rows, 120);
    assert_eq!(value(pro, f::OPEN_URGENT_TICKETS), Some(11.0));
    assert_eq!(
        value(peers.medians(Some("Basic"), None), f::USERS_30D),
        Some(2.0)
    );
    // Tiny has 20 rows, too few: its segment's medians (Tiny's and the plan-less).
    assert!(!peers.plans.contains_key("Tiny"));
    let tiny = peers.medians(Some("Tiny"), Some("Enterprise"));
    assert_eq!((tiny.rows, value(tiny, f::USERS_30D)), (160, Some(40.0)));
    // No plan: the segment's; neither: everyone's.
    assert_eq!(peers.medians(None, Some("Enterprise")), tiny);
    let all = peers.medians(None, None);
    assert_eq!(all.rows, 400);
    assert_eq!(peers.medians(Some("Unknown"), Some("Unknown")), all);
    // Features not compared with peers carry no median.
    assert_eq!(value(pro, f::MONTHLY_CONTRACT), None);
    assert_eq!(value(pro, f::USAGE_TREND_30D), None);
    assert_eq!(value(pro, f::RENEWAL_WINDOW_DAYS), None);
    assert_eq!(peers.features.len(), f::COUNT);
}

#[test]
fn peers_travel_in_the_model_metadata() {
    let keys = vec![(Some("Pro"), Some("SMB")); 100];
    let rows: Vec<_> = (0..100u32)
        .map(|i| (i, 0, Some(false), f64::from(i)))
        .collect();
    let mut m = matrix(&rows);
    m.x[[3, f::NPS_LATEST]] = f64::NAN;
    let peers = Peers::of_training(&accounts(&keys), &m);
    let (key, json) = peers.to_metadata();
    assert_eq!(key, PEERS_KEY);
    let back: Peers = serde_json::from_str(&json).unwrap();
    assert_eq!(back, peers);
    assert_eq!(back.plans["Pro"].values[f::NPS_LATEST], Some(50.0));
    assert_eq!(back.plans["Pro"].values[f::USERS_30D], Some(49.5));
}
