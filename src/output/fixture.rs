//! A small scored run holding every kind of value the risk table must write: text that
//! a spreadsheet would run as a formula, quotes and commas, missing values of every
//! optional column, empty lists, and a driver whose value and reference are missing.

use chrono::NaiveDate;

use crate::actions::Action;
use crate::contract::NpsCategory;
use crate::scoring::{AccountRisk, Driver, RiskTier, Scores, Thresholds};

fn driver(feature: &str, value: f64, reference: Option<f64>, contribution: f64) -> Driver {
    Driver {
        feature: feature.into(),
        group: format!("{feature} group"),
        value,
        reference,
        contribution,
        sentence: format!("{feature} is unusual"),
    }
}

fn blank(id: &str, rank: u32, p: f64) -> AccountRisk {
    AccountRisk {
        account_id: id.into(),
        account_name: None,
        segment: None,
        plan: None,
        csm_owner: None,
        mrr: None,
        churn_probability: p,
        risk_tier: RiskTier::Low,
        risk_rank: rank,
        revenue_at_risk: None,
        nps_latest: None,
        nps_category: NpsCategory::Unknown,
        nps_date: None,
        nps_comment: None,
        csat_pct: None,
        features: vec![],
        issues: vec![],
        drivers: vec![],
        recommended_action: Action::Monitor,
        action_reason: String::new(),
        top_issues: vec![],
    }
}

/// Three accounts, most at risk first: one with every value set (and formula-like
/// text), one with every optional value missing, one with line breaks and quotes.
pub fn scores() -> Scores {
    let full = AccountRisk {
        account_name: Some("=HYPERLINK(\"http://x\")".into()),
        segment: Some("+SMB".into()),
        plan: Some("-Pro".into()),
        csm_owner: Some("@dana".into()),
        mrr: Some(1234.5),
        risk_tier: RiskTier::High,
        revenue_at_risk: Some(0.7123456789 * 1234.5 * 12.0),
        nps_latest: Some(3.0),
        nps_category: NpsCategory::Detractor,
        csat_pct: Some(87.5),
        drivers: vec![
            driver("quantity_30d", 55.0, Some(100.0), 0.8),
            driver("csat_pct_180d", f64::NAN, None, 1e-7),
            driver("open_tickets", 2.0, Some(0.0), -0.25),
        ],
        recommended_action: Action::CallImmediately,
        action_reason: "-usage down 45%, call this week".into(),
        top_issues: vec!["billing".into(), "performance".into()],
        ..blank("=A1", 1, 0.7123456789)
    };
    let quoted = AccountRisk {
        account_name: Some("Acme, \"Inc\"\r\nEU".into()),
        segment: Some("\tMid-Market".into()),
        plan: Some("\rPlus".into()),
        csm_owner: Some("Sam O'Neil".into()),
        mrr: Some(0.0),
        risk_tier: RiskTier::Medium,
        revenue_at_risk: Some(0.0),
        nps_latest: Some(10.0),
        nps_category: NpsCategory::Promoter,
        csat_pct: Some(100.0),
        drivers: vec![driver("=cmd", 1e21, Some(-1.0), 2.5)],
        recommended_action: Action::FixIssues,
        action_reason: "fix the open \"integration\" issue".into(),
        top_issues: vec!["=SUM(A1)".into()],
        ..blank("B-2", 3, 0.1)
    };
    Scores {
        as_of: NaiveDate::from_ymd_opt(2026, 11, 1).expect("valid date"),
        model_version: "m-20261101-abc123".into(),
        horizon_days: 90,
        thresholds: Thresholds {
            base_rate: 0.1,
            high: 0.5,
            medium: 0.2,
        },
        accounts: vec![full, blank("A-0002", 2, 0.3), quoted],
    }
}
