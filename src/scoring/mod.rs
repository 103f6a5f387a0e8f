//! Scoring: P(churn) for every account active at the as-of date, a risk tier and
//! rank, revenue at risk, and the drivers behind each score in plain words.

pub mod drivers;
pub mod peers;
pub mod rank;
pub mod tiers;

use chrono::NaiveDate;
use serde::Serialize;

use crate::contract::NpsCategory;
use crate::features::{f, FeatureMatrix, IssueCount, FEATURES};
use crate::ingest::Dataset;
use crate::model::{ChurnModel, ModelError, ModelWarning};
use crate::time::micros_to_date;

pub use peers::{Peers, PEERS_KEY};
pub use tiers::{RiskTier, Thresholds, TierSettings};

/// Drivers kept per account.
pub const DRIVERS_PER_ACCOUNT: usize = 3;

/// A group of related features that pushes an account's risk up, and the feature
/// value that shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    /// The feature the sentence cites.
    pub feature: String,
    /// The group of related features the driver stands for ("usage_trend"); in a
    /// bring-your-own run, the source column.
    pub group: String,
    /// The cited feature's raw value for this account (NaN when missing).
    pub value: f64,
    /// What the value is compared with; None for a fact.
    pub reference: Option<f64>,
    /// The group's contribution: the sum of its features' coefficient x standardised
    /// deviation from the training mean (log-odds).
    pub contribution: f64,
    /// The same, in words, with its comparison: "62 usage events in the last 30
    /// days, down from 95 in the 30 days before".
    pub sentence: String,
}

/// One account's score and everything a manager needs to act on it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRisk {
    pub account_id: String,
    pub account_name: Option<String>,
    pub segment: Option<String>,
    pub plan: Option<String>,
    pub csm_owner: Option<String>,
    pub mrr: Option<f64>,
    pub churn_probability: f64,
    pub risk_tier: RiskTier,
    /// 1 = most at risk.
    pub risk_rank: u32,
    pub revenue_at_risk: Option<f64>,
    pub nps_latest: Option<f64>,
    pub nps_category: NpsCategory,
    pub nps_date: Option<NaiveDate>,
    pub nps_comment: Option<String>,
    pub csat_pct: Option<f64>,
    /// Raw feature values at the as-of date, in `FEATURES` order (NaN = missing).
    #[serde(skip)]
    pub features: Vec<f64>,
    /// Ticket categories recently opened or open, with their names.
    pub issues: Vec<(String, IssueCount)>,
    pub drivers: Vec<Driver>,
    /// Filled by the playbook (`actions`).
    pub recommended_action: crate::contract::Action,
    pub action_reason: String,
    pub top_issues: Vec<String>,
}

/// Scores of every account active at the as-of date, most at risk first.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub as_of: NaiveDate,
    pub model_version: String,
    pub horizon_days: u32,
    pub thresholds: Thresholds,
    pub accounts: Vec<AccountRisk>,
}

impl AccountRisk {
    /// An account before scoring: its id, everything else empty.
    pub fn new(account_id: String) -> AccountRisk {
        AccountRisk {
            account_id,
            account_name: None,
            segment: None,
            plan: None,
            csm_owner: None,
            mrr: None,
            churn_probability: 0.0,
            risk_tier: RiskTier::Low,
            risk_rank: 0,
            revenue_at_risk: None,
            nps_latest: None,
            nps_category: NpsCategory::of(None),
            nps_date: None,
            nps_comment: None,
            csat_pct: None,
            features: Vec::new(),
            issues: Vec::new(),
            drivers: Vec::new(),
            recommended_action: crate::contract::Action::Monitor,
            action_reason: String::new(),
            top_issues: Vec::new(),
        }
    }
}

/// Scores the as-of rows of `matrix` with `model`, through the scoring core.
pub fn score(
    data: &Dataset,
    matrix: &FeatureMatrix,
    model: &ChurnModel,
    tiers: &TierSettings,
) -> Result<(Scores, Vec<ModelWarning>), ModelError> {
    let names: Vec<String> = FEATURES.iter().map(|d| d.name.to_string()).collect();
    model.check_features(&names)?;
    let (_, rows) = matrix.split();
    let x = matrix.x.select(ndarray::Axis(0), &rows);
    let a = &data.accounts;
    // Peers of other columns (a file edited by hand) would compare the wrong values.
    let peers = Peers::of_model(model).filter(|p| p.features == names);
    let as_of = matrix.plan.as_of;
    let as_of_day = crate::time::date_to_day(as_of);
    rank::rank(model, x.view(), tiers, as_of, |k, scored| {
        let r = rows[k];
        let i = matrix.account[r] as usize;
        let p = scored.probabilities[k];
        let feats: Vec<f64> = matrix.x.row(r).to_vec();
        let medians = peers
            .as_ref()
            .map(|p| {
                p.medians(a.plan[i].as_deref(), a.segment[i].as_deref())
                    .values
                    .as_slice()
            })
            .unwrap_or_default();
        let context = drivers::Context {
            x: &feats,
            peers: medians,
            as_of_day,
            seats: a.seats[i],
            horizon_days: model.horizon_days,
        };
        let drivers = drivers::drivers(scored.contributions.row(k), &context, DRIVERS_PER_ACCOUNT);
        let nps = matrix.latest_nps[r].map(|s| s as usize);
        let nps_score = nps.map(|s| data.surveys.score[s]);
        let csat = feats[f::CSAT_PCT_180D];
        AccountRisk {
            account_name: a.name[i].clone(),
            segment: a.segment[i].clone(),
            plan: a.plan[i].clone(),
            csm_owner: a.owner[i].clone(),
            mrr: a.mrr[i],
            revenue_at_risk: a.mrr[i].map(|m| p * m * 12.0),
            nps_latest: nps_score,
            nps_category: NpsCategory::of(nps_score),
            nps_date: nps.map(|s| micros_to_date(data.surveys.responded_at[s])),
            nps_comment: nps.and_then(|s| data.surveys.comment[s].clone()),
            csat_pct: (!csat.is_nan()).then_some(csat),
            features: feats,
            issues: matrix.issues[r]
                .iter()
                .map(|c| {
                    (
                        data.tickets.categories[c.category as usize].clone(),
                        c.clone(),
                    )
                })
                .collect(),
            drivers,
            ..AccountRisk::new(a.ids[i].clone())
        }
    })
}
