//! The playbook: from a score and the account's sentiment to one recommended action,
//! a reason a manager can act on, and the issues to fix.
//!
//! Precedence (first rule that applies wins):
//! 1. `call_immediately`: high risk, or a detractor NPS answer within
//!    `detractor_days` (default 180).
//! 2. `fix_issues`: medium risk, or a passive latest NPS answer.
//! 3. `reference`: a promoter answer within `promoter_days` (default 365) and low risk.
//! 4. `monitor`: everyone else.
//!
//! Risk comes first: a promoter whose usage collapsed is a call, not a reference.

use serde::Serialize;

pub use crate::contract::Action;
use crate::contract::NpsCategory;
use crate::settings::{in_range, Check, SettingsError};
use crate::features::IssueCount;
use crate::scoring::{AccountRisk, RiskTier, Scores};

#[derive(Debug, Clone, Serialize)]
pub struct PlaybookSettings {
    /// A detractor answer this recent (days) calls for a call whatever the risk.
    pub detractor_days: u32,
    /// A promoter answer this recent (days) makes a low-risk account a reference.
    pub promoter_days: u32,
    /// Issues named per account.
    pub max_issues: usize,
}

impl Check for PlaybookSettings {
    fn check(&self) -> Result<(), SettingsError> {
        in_range("max_issues", self.max_issues, 0, 20)
    }
}

impl Default for PlaybookSettings {
    fn default() -> Self {
        PlaybookSettings {
            detractor_days: 180,
            promoter_days: 365,
            max_issues: 3,
        }
    }
}

/// Applies the playbook to every scored account.
pub fn apply(scores: &mut Scores, settings: &PlaybookSettings) {
    let as_of = scores.as_of;
    let base = scores.thresholds.base_rate;
    for a in &mut scores.accounts {
        let age = a.nps_date.map(|d| (as_of - d).num_days());
        let (action, reason) = decide(a, age, base, settings);
        a.recommended_action = action;
        a.top_issues = match action {
            Action::CallImmediately | Action::FixIssues => top_issues(a, settings.max_issues),
            Action::Reference | Action::Monitor => Vec::new(),
        };
        a.action_reason = reason_with_issues(action, reason, &a.top_issues);
    }
}

fn pct(p: f64) -> String {
    if p < 0.01 {
        format!("{:.1}%", p * 100.0)
    } else {
        format!("{:.0}%", p * 100.0)
    }
}

fn nps_words(a: &AccountRisk) -> String {
    let score = a.nps_latest.map(|s| format!("{s}")).unwrap_or_default();
    let date = a.nps_date.map(|d| format!(" on {d}")).unwrap_or_default();
    let comment = a
        .nps_comment
        .as_deref()
        .map(|c| {
            let c: String = c.chars().take(80).collect();
            format!(": \"{c}\"")
        })
        .unwrap_or_default();
    format!("NPS {score}{date}{comment}")
}

fn decide(
    a: &AccountRisk,
    nps_age: Option<i64>,
    base: f64,
    s: &PlaybookSettings,
) -> (Action, String) {
    let p = a.churn_probability;
    let lift = if base > 0.0 {
        format!(", {:.1}x the usual rate", p / base)
    } else {
        String::new()
    };
    let recent = |days: u32| nps_age.is_some_and(|age| age <= i64::from(days));
    let drivers: Vec<&str> = a
        .drivers
        .iter()
        .take(2)
        .map(|d| d.sentence.as_str())
        .collect();
    let because = if drivers.is_empty() {
        String::new()
    } else {
        format!(": {}", drivers.join("; "))
    };

    if a.risk_tier == RiskTier::High {
        return (
            Action::CallImmediately,
            format!("High churn risk ({}{lift}){because}. Call now.", pct(p)),
        );
    }
    if a.nps_category == NpsCategory::Detractor && recent(s.detractor_days) {
        return (
            Action::CallImmediately,
            format!(
                "Detractor ({}). Call now to recover the relationship (churn risk {}).",
                nps_words(a),
                pct(p)
            ),
        );
    }
    if a.risk_tier == RiskTier::Medium {
        return (
            Action::FixIssues,
            format!("Medium churn risk ({}{lift}){because}.", pct(p)),
        );
    }
    if a.nps_category == NpsCategory::Passive {
        return (
            Action::FixIssues,
            format!("Passive ({}) at {} churn risk.", nps_words(a), pct(p)),
        );
    }
    if a.nps_category == NpsCategory::Promoter && recent(s.promoter_days) {
        return (
            Action::Reference,
            format!("Promoter ({}) at low churn risk ({}): ask for a reference, a case study or a review.", nps_words(a), pct(p)),
        );
    }
    (
        Action::Monitor,
        format!("Low churn risk ({}); no action needed now.", pct(p)),
    )
}

fn reason_with_issues(action: Action, reason: String, issues: &[String]) -> String {
    if action != Action::FixIssues || issues.is_empty() {
        return reason;
    }
    let list: Vec<&str> = issues
        .iter()
        .map(|i| i.split(':').next().unwrap_or(i))
        .collect();
    format!("{reason} Fix: {}.", list.join(", "))
}

/// A ticket category as an issue: "performance: 3 tickets in 90 days, 1 open (1 urgent)".
fn issue_words(name: &str, c: &IssueCount) -> String {
    let mut parts = Vec::new();
    if c.opened_90d > 0 {
        parts.push(format!(
            "{} in 90 days",
            if c.opened_90d == 1 {
                "1 ticket".into()
            } else {
                format!("{} tickets", c.opened_90d)
            }
        ));
    }
    if c.open > 0 {
        let urgent = if c.open_urgent > 0 {
            format!(" ({} urgent or high)", c.open_urgent)
        } else {
            String::new()
        };
        parts.push(format!("{} open{urgent}", c.open));
    }
    format!("{name}: {}", parts.join(", "))
}

/// Up to two ticket categories (most urgent open first, then most open, then most
/// recent tickets), then the top risk drivers, `max` in all.
pub fn top_issues(a: &AccountRisk, max: usize) -> Vec<String> {
    let mut cats: Vec<&(String, IssueCount)> = a.issues.iter().collect();
    cats.sort_by(|x, y| {
        (y.1.open_urgent, y.1.open, y.1.opened_90d)
            .cmp(&(x.1.open_urgent, x.1.open, x.1.opened_90d))
            .then_with(|| x.0.cmp(&y.0))
    });
    let mut out: Vec<String> = cats
        .iter()
        .take(2.min(max))
        .map(|(n, c)| issue_words(n, c))
        .collect();
    for d in &a.drivers {
        if out.len() >= max {
            break;
        }
        // Ticket drivers are already named by their categories.
        let ticket_driver = d.feature.contains("ticket") && !out.is_empty();
        if !ticket_driver && !out.contains(&d.sentence) {
            out.push(d.sentence.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
