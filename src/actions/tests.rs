//! The playbook's precedence, case by case.

use super::*;
use crate::scoring::{Driver, Thresholds};
use chrono::NaiveDate;

fn as_of() -> NaiveDate {
    "2026-11-01".parse().unwrap()
}

fn account(tier: RiskTier, p: f64, nps: Option<(f64, i64)>) -> AccountRisk {
    AccountRisk {
        account_id: "A1".into(),
        account_name: None,
        segment: None,
        plan: None,
        csm_owner: None,
        mrr: Some(100.0),
        churn_probability: p,
        risk_tier: tier,
        risk_rank: 1,
        revenue_at_risk: Some(p * 1200.0),
        nps_latest: nps.map(|n| n.0),
        nps_category: NpsCategory::of(nps.map(|n| n.0)),
        nps_date: nps.map(|n| as_of() - chrono::Duration::days(n.1)),
        nps_comment: None,
        csat_pct: None,
        features: vec![],
        issues: vec![
            (
                "billing".into(),
                IssueCount {
                    category: 0,
                    opened_90d: 1,
                    open: 0,
                    open_urgent: 0,
                },
            ),
            (
                "performance".into(),
                IssueCount {
                    category: 1,
                    opened_90d: 3,
                    open: 1,
                    open_urgent: 1,
                },
            ),
        ],
        drivers: vec![
            Driver {
                feature: "usage_trend_30d".into(),
                group: "usage_trend".into(),
                value: -0.6,
                reference: Some(0.0),
                contribution: 0.8,
                sentence: "usage down 45% vs the previous 30 days".into(),
            },
            Driver {
                feature: "seat_utilisation".into(),
                group: "seats".into(),
                value: 0.18,
                reference: Some(0.6),
                contribution: 0.5,
                sentence: "seat utilisation 18%".into(),
            },
        ],
        recommended_action: Action::Monitor,
        action_reason: String::new(),
        top_issues: vec![],
    }
}

fn run(a: AccountRisk) -> AccountRisk {
    let mut s = Scores {
        as_of: as_of(),
        model_version: "m".into(),
        horizon_days: 90,
        thresholds: Thresholds {
            base_rate: 0.05,
            high: 0.15,
            medium: 0.075,
        },
        accounts: vec![a],
    };
    apply(&mut s, &PlaybookSettings::default());
    s.accounts.pop().unwrap()
}

#[test]
fn high_risk_is_a_call_whatever_the_sentiment() {
    for nps in [None, Some((10.0, 10)), Some((8.0, 10)), Some((2.0, 10))] {
        let a = run(account(RiskTier::High, 0.4, nps));
        assert_eq!(a.recommended_action, Action::CallImmediately, "{nps:?}");
        assert!(
            a.action_reason
                .starts_with("High churn risk (40%, 8.0x the usual rate): usage down 45%"),
            "{}",
            a.action_reason
        );
    }
}

#[test]
fn a_promoter_at_high_risk_is_a_call_not_a_reference() {
    let a = run(account(RiskTier::High, 0.3, Some((10.0, 20))));
    assert_eq!(a.recommended_action, Action::CallImmediately);
}

#[test]
fn a_recent_detractor_is_a_call_even_at_low_risk() {
    let a = run(account(RiskTier::Low, 0.02, Some((3.0, 30))));
    assert_eq!(a.recommended_action, Action::CallImmediately);
    assert!(
        a.action_reason.contains("Detractor (NPS 3 on 2026-10-02)"),
        "{}",
        a.action_reason
    );
}

#[test]
fn an_old_detractor_answer_does_not_call() {
    let a = run(account(RiskTier::Low, 0.02, Some((3.0, 200))));
    assert_eq!(a.recommended_action, Action::Monitor);
}

#[test]
fn medium_risk_fixes_named_issues() {
    let a = run(account(RiskTier::Medium, 0.1, None));
    assert_eq!(a.recommended_action, Action::FixIssues);
    assert_eq!(
        a.top_issues,
        vec![
            "performance: 3 tickets in 90 days, 1 open (1 urgent or high)".to_string(),
            "billing: 1 ticket in 90 days".to_string(),
            "usage down 45% vs the previous 30 days".to_string(),
        ]
    );
    assert!(
        a.action_reason
            .ends_with("Fix: performance, billing, usage down 45% vs the previous 30 days."),
        "{}",
        a.action_reason
    );
}

#[test]
fn a_passive_at_low_risk_fixes_issues() {
    let a = run(account(RiskTier::Low, 0.03, Some((7.0, 100))));
    assert_eq!(a.recommended_action, Action::FixIssues);
    assert!(
        a.action_reason.starts_with("Passive (NPS 7"),
        "{}",
        a.action_reason
    );
    assert!(a.top_issues.len() >= 2);
}

#[test]
fn a_medium_risk_promoter_fixes_issues() {
    let a = run(account(RiskTier::Medium, 0.1, Some((9.0, 10))));
    assert_eq!(a.recommended_action, Action::FixIssues);
}

#[test]
fn a_low_risk_promoter_is_asked_for_a_reference() {
    let a = run(account(RiskTier::Low, 0.01, Some((9.0, 300))));
    assert_eq!(a.recommended_action, Action::Reference);
    assert!(a.action_reason.contains("ask for a reference"));
    assert!(a.top_issues.is_empty());
}

#[test]
fn a_stale_promoter_answer_is_only_monitored() {
    let a = run(account(RiskTier::Low, 0.01, Some((9.0, 366))));
    assert_eq!(a.recommended_action, Action::Monitor);
}

#[test]
fn low_risk_without_an_answer_is_monitored() {
    let a = run(account(RiskTier::Low, 0.01, None));
    assert_eq!(a.recommended_action, Action::Monitor);
    assert_eq!(
        a.action_reason,
        "Low churn risk (1%); no action needed now."
    );
}
