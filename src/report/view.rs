//! What the page shows, computed and formatted: the template only lays it out.
//! Texts from the data stay raw here; the template escapes them.

use std::collections::BTreeMap;

use chrono::Duration;
use serde::Serialize;

use super::charts::{self, DriverBar, RiskBins};
use super::format::{count, pct, thousands};
use super::{ReportError, ReportInput};
use crate::actions::Action;
use crate::contract::NpsCategory;
use crate::ingest::{SurveyKind, Surveys};
use crate::scoring::{AccountRisk, RiskTier};
use crate::time::date_to_micros;

/// Owner group of accounts without a CSM.
pub const UNASSIGNED: &str = "Unassigned";
/// Accounts in the "calls to make first" list.
pub const TOP_CALLS: usize = 10;
/// Features in the drivers chart.
pub const TOP_DRIVERS: usize = 10;

/// NPS answers of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NpsSummary {
    pub answers: usize,
    pub promoters: usize,
    pub passives: usize,
    pub detractors: usize,
}

impl NpsSummary {
    /// % promoters - % detractors (-100 to 100); `None` without answers.
    pub fn score(&self) -> Option<f64> {
        (self.answers > 0)
            .then(|| 100.0 * (self.promoters as f64 - self.detractors as f64) / self.answers as f64)
    }
}

/// CSAT answers of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CsatSummary {
    pub answers: usize,
    pub satisfied: usize,
}

impl CsatSummary {
    /// Satisfied answers as a % of all; `None` without answers.
    pub fn pct(&self) -> Option<f64> {
        (self.answers > 0).then(|| 100.0 * self.satisfied as f64 / self.answers as f64)
    }
}

/// Answers of `kind` given from `from_us` (inclusive) to `to_us` (exclusive), both
/// microseconds since the epoch.
fn in_window(
    s: &Surveys,
    kind: SurveyKind,
    from_us: i64,
    to_us: i64,
) -> impl Iterator<Item = usize> + '_ {
    (0..s.len()).filter(move |&i| {
        s.kind[i] == kind && s.responded_at[i] >= from_us && s.responded_at[i] < to_us
    })
}

/// NPS over the answers given from `from_us` (inclusive) to `to_us` (exclusive).
pub fn nps_over(s: &Surveys, from_us: i64, to_us: i64) -> NpsSummary {
    let mut out = NpsSummary::default();
    for i in in_window(s, SurveyKind::Nps, from_us, to_us) {
        out.answers += 1;
        match NpsCategory::of(Some(s.score[i])) {
            NpsCategory::Promoter => out.promoters += 1,
            NpsCategory::Passive => out.passives += 1,
            NpsCategory::Detractor | NpsCategory::Unknown => out.detractors += 1,
        }
    }
    out
}

/// CSAT over the answers given from `from_us` (inclusive) to `to_us` (exclusive).
pub fn csat_over(s: &Surveys, from_us: i64, to_us: i64) -> CsatSummary {
    let mut out = CsatSummary::default();
    for i in in_window(s, SurveyKind::Csat, from_us, to_us) {
        out.answers += 1;
        out.satisfied += usize::from(s.csat_satisfied(i));
    }
    out
}

pub fn action_label(a: Action) -> &'static str {
    match a {
        Action::CallImmediately => "Call now",
        Action::FixIssues => "Fix issues",
        Action::Reference => "Ask for a reference",
        Action::Monitor => "Monitor",
    }
}

fn action_meaning(a: Action) -> &'static str {
    match a {
        Action::CallImmediately => {
            "High churn risk, or a recent detractor answer. The owner calls this week \
             to hear what is wrong and agree a recovery plan."
        }
        Action::FixIssues => {
            "Medium churn risk, or a lukewarm (passive) NPS answer. Resolve the issues \
             listed, then check in with the customer."
        }
        Action::Reference => {
            "Low risk and a recent promoter. A good moment to ask for a reference, a \
             case study or a review."
        }
        Action::Monitor => "Low risk and nothing urgent. Keep the usual rhythm of contact.",
    }
}

fn tier_label(t: RiskTier) -> &'static str {
    match t {
        RiskTier::High => "High",
        RiskTier::Medium => "Medium",
        RiskTier::Low => "Low",
    }
}

/// A feature's name in words, for the drivers chart: its registry label (a name the
/// registry does not know, with spaces for underscores).
pub fn feature_label(name: &str) -> String {
    match crate::features::registry::by_name(name) {
        Some(feature) => feature.label.to_string(),
        None => name.replace('_', " "),
    }
}

/// A score as written on the survey: 8, not 8.0.
fn score_text(s: f64) -> String {
    if (s - s.round()).abs() < 1e-9 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

fn owner_name(a: &AccountRisk) -> &str {
    a.csm_owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .unwrap_or(UNASSIGNED)
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub as_of: String,
    pub model_version: String,
    pub horizon_days: u32,
    pub period_days: u32,
    pub period_from: String,
    pub period_to: String,
    pub headline: Headline,
    pub actions: Vec<ActionView>,
    pub top_calls: Vec<AccountView>,
    pub calls_total: String,
    pub urgent_per_owner: usize,
    pub others_per_owner: usize,
    pub owners: Vec<OwnerView>,
    pub tiers: TiersView,
    pub quality: QualityView,
    pub drivers_per_account: usize,
}

#[derive(Debug, Serialize)]
pub struct Headline {
    pub accounts: String,
    pub expected_churners: String,
    pub expected_share: String,
    pub revenue_at_risk: String,
    /// Accounts without MRR, left out of the revenue at risk.
    pub without_mrr: usize,
    pub nps: Option<String>,
    pub nps_answers: String,
    pub nps_split: String,
    pub csat: Option<String>,
    pub csat_answers: String,
}

#[derive(Debug, Serialize)]
pub struct ActionView {
    pub key: &'static str,
    pub label: &'static str,
    pub count: String,
    pub meaning: &'static str,
}

#[derive(Debug, Serialize)]
pub struct NpsAnswer {
    pub score: String,
    pub category: &'static str,
    pub date: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AccountView {
    /// HTML id, from the rank (account ids are data, not safe as ids).
    pub anchor: String,
    pub rank: u32,
    pub id: String,
    pub name: Option<String>,
    pub owner: String,
    pub segment: Option<String>,
    pub plan: Option<String>,
    pub mrr: Option<String>,
    pub revenue_at_risk: Option<String>,
    pub probability: String,
    pub tier: &'static str,
    pub tier_label: &'static str,
    pub action: &'static str,
    pub action_label: &'static str,
    pub reason: String,
    pub issues: Vec<String>,
    pub drivers: Vec<String>,
    pub nps: Option<NpsAnswer>,
    pub csat: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ActionCount {
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct OwnerView {
    pub anchor: String,
    pub name: String,
    pub accounts: String,
    pub counts: Vec<ActionCount>,
    pub revenue_at_risk: String,
    pub expected_churners: String,
    /// Call and fix accounts, shown in full (the most urgent `URGENT_PER_OWNER`).
    pub urgent: Vec<AccountView>,
    /// Call and fix accounts beyond those shown.
    pub urgent_more: usize,
    /// Reference and monitor accounts, shown as table rows (the first
    /// `OTHERS_PER_OWNER` by rank).
    pub others: Vec<AccountView>,
    /// Reference and monitor accounts in all, and beyond those shown.
    pub others_total: usize,
    pub others_more: usize,
}

/// Accounts per owner shown in full (call, fix) and as table rows (reference,
/// monitor). A page listing every account of a large book runs to tens of megabytes,
/// more than a browser opens comfortably; the risk table holds every account.
pub const URGENT_PER_OWNER: usize = 100;
pub const OTHERS_PER_OWNER: usize = 200;

#[derive(Debug, Serialize)]
pub struct TiersView {
    pub base_rate: String,
    pub high: String,
    pub medium: String,
    pub high_lift: String,
    pub medium_lift: String,
    pub high_count: String,
    pub medium_count: String,
    pub low_count: String,
}

#[derive(Debug, Serialize)]
pub struct QualityView {
    pub rows: String,
    pub positives: String,
    pub base_rate: String,
    pub roc_auc: String,
    pub pr_auc: String,
    pub brier: String,
    pub top_decile_lift: String,
    pub top_two_deciles_capture: String,
}

impl AccountView {
    fn new(a: &AccountRisk) -> AccountView {
        AccountView {
            anchor: format!("account-{}", a.risk_rank),
            rank: a.risk_rank,
            id: a.account_id.clone(),
            name: a.account_name.clone().filter(|n| !n.trim().is_empty()),
            owner: owner_name(a).to_string(),
            segment: a.segment.clone(),
            plan: a.plan.clone(),
            mrr: a.mrr.map(|m| thousands(m, 0)),
            revenue_at_risk: a.revenue_at_risk.map(|r| thousands(r, 0)),
            probability: pct(a.churn_probability),
            tier: a.risk_tier.as_str(),
            tier_label: tier_label(a.risk_tier),
            action: a.recommended_action.as_str(),
            action_label: action_label(a.recommended_action),
            reason: a.action_reason.clone(),
            // The playbook tops up the issues with driver sentences, listed beside them.
            issues: a
                .top_issues
                .iter()
                .filter(|i| !a.drivers.iter().any(|d| &d.sentence == *i))
                .cloned()
                .collect(),
            drivers: a.drivers.iter().map(|d| d.sentence.clone()).collect(),
            nps: a.nps_latest.map(|s| NpsAnswer {
                score: score_text(s),
                category: a.nps_category.as_str(),
                date: a.nps_date.map(|d| d.to_string()),
                comment: a.nps_comment.clone(),
            }),
            csat: a.csat_pct.map(|c| format!("{c:.0}% satisfied")),
        }
    }
}

fn ratio(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "n/a".into()
    }
}

impl Report {
    pub fn new(input: &ReportInput) -> Report {
        let s = input.scores;
        let accounts = &s.accounts;
        let n = accounts.len();

        let expected: f64 = accounts
            .iter()
            .map(|a| a.churn_probability)
            .filter(|p| p.is_finite())
            .sum();
        let revenue: f64 = accounts.iter().filter_map(|a| a.revenue_at_risk).sum();
        let to = date_to_micros(input.as_of);
        let from = date_to_micros(input.as_of - Duration::days(i64::from(input.period_days)));
        let nps = nps_over(input.surveys, from, to);
        let csat = csat_over(input.surveys, from, to);
        let share = |k: usize| {
            if nps.answers == 0 {
                "0%".to_string()
            } else {
                format!("{:.0}%", 100.0 * k as f64 / nps.answers as f64)
            }
        };
        let headline = Headline {
            accounts: thousands(n as f64, 0),
            expected_churners: thousands(expected, 1),
            expected_share: if n == 0 {
                "n/a".into()
            } else {
                pct(expected / n as f64)
            },
            revenue_at_risk: thousands(revenue, 0),
            without_mrr: accounts
                .iter()
                .filter(|a| a.revenue_at_risk.is_none())
                .count(),
            nps: nps.score().map(|v| thousands(v, 0)),
            nps_answers: count(nps.answers, "answer", "answers"),
            nps_split: format!(
                "{} promoters, {} passives, {} detractors",
                share(nps.promoters),
                share(nps.passives),
                share(nps.detractors)
            ),
            csat: csat.pct().map(|v| format!("{v:.0}%")),
            csat_answers: count(csat.answers, "answer", "answers"),
        };

        let actions = Action::ALL
            .iter()
            .map(|&a| ActionView {
                key: a.as_str(),
                label: action_label(a),
                count: thousands(
                    accounts
                        .iter()
                        .filter(|x| x.recommended_action == a)
                        .count() as f64,
                    0,
                ),
                meaning: action_meaning(a),
            })
            .collect();

        let mut by_rank: Vec<&AccountRisk> = accounts.iter().collect();
        by_rank.sort_by(|x, y| {
            x.risk_rank
                .cmp(&y.risk_rank)
                .then_with(|| x.account_id.cmp(&y.account_id))
        });
        let calls: Vec<&&AccountRisk> = by_rank
            .iter()
            .filter(|a| a.recommended_action == Action::CallImmediately)
            .collect();
        let top_calls = calls
            .iter()
            .take(TOP_CALLS)
            .map(|a| AccountView::new(a))
            .collect();

        let tier_count = |t: RiskTier| {
            thousands(
                accounts.iter().filter(|a| a.risk_tier == t).count() as f64,
                0,
            )
        };
        let th = &s.thresholds;
        let lift_of = |p: f64| {
            if th.base_rate > 0.0 {
                format!("{:.1}x", p / th.base_rate)
            } else {
                "n/a".into()
            }
        };
        let tiers = TiersView {
            base_rate: pct(th.base_rate),
            high: pct(th.high),
            medium: pct(th.medium),
            high_lift: lift_of(th.high),
            medium_lift: lift_of(th.medium),
            high_count: tier_count(RiskTier::High),
            medium_count: tier_count(RiskTier::Medium),
            low_count: tier_count(RiskTier::Low),
        };

        let m = &input.model.validation_metrics;
        let quality = QualityView {
            rows: thousands(m.rows as f64, 0),
            positives: thousands(m.positives as f64, 0),
            base_rate: pct(m.base_rate),
            roc_auc: ratio(m.roc_auc, 2),
            pr_auc: ratio(m.pr_auc, 2),
            brier: ratio(m.brier, 3),
            top_decile_lift: ratio(m.top_decile_lift, 1),
            top_two_deciles_capture: m
                .lift_curve
                .iter()
                .take_while(|d| d.decile <= 2)
                .last()
                .map_or("n/a".into(), |d| {
                    format!("{:.0}%", d.cumulative_capture * 100.0)
                }),
        };

        Report {
            as_of: input.as_of.to_string(),
            model_version: s.model_version.clone(),
            horizon_days: s.horizon_days,
            period_days: input.period_days,
            period_from: (input.as_of - Duration::days(i64::from(input.period_days))).to_string(),
            period_to: (input.as_of - Duration::days(1)).to_string(),
            headline,
            actions,
            top_calls,
            calls_total: thousands(calls.len() as f64, 0),
            urgent_per_owner: URGENT_PER_OWNER,
            others_per_owner: OTHERS_PER_OWNER,
            owners: owners(&by_rank, URGENT_PER_OWNER, OTHERS_PER_OWNER),
            tiers,
            quality,
            drivers_per_account: crate::scoring::DRIVERS_PER_ACCOUNT,
        }
    }
}

/// Accounts by owner; owners by their most urgent (lowest-ranked) account, then name.
pub(crate) fn owners(
    by_rank: &[&AccountRisk],
    urgent_cap: usize,
    others_cap: usize,
) -> Vec<OwnerView> {
    // Accounts arrive by rank, so each group's first account is its most urgent.
    let mut groups: BTreeMap<&str, Vec<&AccountRisk>> = BTreeMap::new();
    for a in by_rank {
        groups.entry(owner_name(a)).or_default().push(a);
    }
    let mut groups: Vec<(&str, Vec<&AccountRisk>)> = groups.into_iter().collect();
    groups.sort_by(|x, y| {
        x.1[0]
            .risk_rank
            .cmp(&y.1[0].risk_rank)
            .then_with(|| x.0.cmp(y.0))
    });
    groups
        .into_iter()
        .enumerate()
        .map(|(k, (name, accounts))| {
            let urgent = |a: &&&AccountRisk| {
                matches!(
                    a.recommended_action,
                    Action::CallImmediately | Action::FixIssues
                )
            };
            let others_total = accounts.iter().filter(|a| !urgent(a)).count();
            OwnerView {
                anchor: format!("owner-{}", k + 1),
                name: name.to_string(),
                accounts: count(accounts.len(), "account", "accounts"),
                counts: Action::ALL
                    .iter()
                    .map(|&act| ActionCount {
                        key: act.as_str(),
                        label: action_label(act),
                        count: accounts
                            .iter()
                            .filter(|a| a.recommended_action == act)
                            .count(),
                    })
                    .filter(|c| c.count > 0)
                    .collect(),
                revenue_at_risk: thousands(
                    accounts.iter().filter_map(|a| a.revenue_at_risk).sum(),
                    0,
                ),
                expected_churners: thousands(
                    accounts
                        .iter()
                        .map(|a| a.churn_probability)
                        .filter(|p| p.is_finite())
                        .sum(),
                    1,
                ),
                urgent: accounts
                    .iter()
                    .filter(urgent)
                    .take(urgent_cap)
                    .map(|a| AccountView::new(a))
                    .collect(),
                urgent_more: accounts
                    .iter()
                    .filter(urgent)
                    .count()
                    .saturating_sub(urgent_cap),
                others: accounts
                    .iter()
                    .filter(|a| !urgent(a))
                    .take(others_cap)
                    .map(|a| AccountView::new(a))
                    .collect(),
                others_total,
                others_more: others_total.saturating_sub(others_cap),
            }
        })
        .collect()
}

/// Features most often among the accounts' drivers, by tier.
pub fn driver_bars(accounts: &[AccountRisk], top: usize) -> Vec<DriverBar> {
    let mut counts: BTreeMap<&str, [u32; 3]> = BTreeMap::new();
    for a in accounts {
        let k = match a.risk_tier {
            RiskTier::Low => 0,
            RiskTier::Medium => 1,
            RiskTier::High => 2,
        };
        let mut seen: Vec<&str> = Vec::new();
        for d in &a.drivers {
            if !seen.contains(&d.feature.as_str()) {
                seen.push(&d.feature);
                counts.entry(&d.feature).or_default()[k] += 1;
            }
        }
    }
    let mut bars: Vec<(&str, [u32; 3])> = counts.into_iter().collect();
    // Most accounts first; the BTreeMap order breaks ties by name (stable sort).
    bars.sort_by_key(|(_, c)| std::cmp::Reverse(c.iter().sum::<u32>()));
    bars.into_iter()
        .take(top)
        .map(|(f, counts)| DriverBar {
            label: feature_label(f),
            counts,
        })
        .collect()
}

pub struct Charts {
    pub risk: String,
    pub lift: String,
    pub calibration: String,
    pub drivers: String,
}

pub fn charts(input: &ReportInput) -> Result<Charts, ReportError> {
    let s = input.scores;
    let m = &input.model.validation_metrics;
    let bins = RiskBins::new(
        s.accounts
            .iter()
            .map(|a| (a.churn_probability, a.risk_tier)),
        &s.thresholds,
    );
    Ok(Charts {
        risk: charts::risk_distribution(&bins, &s.thresholds, s.horizon_days)?,
        lift: charts::lift(&m.lift_curve)?,
        calibration: charts::calibration(&m.calibration)?,
        drivers: charts::drivers(&driver_bars(&s.accounts, TOP_DRIVERS))?,
    })
}
