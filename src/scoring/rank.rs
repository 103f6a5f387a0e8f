//! The scoring core both runs share, whatever their features come from: P(churn) and
//! contributions for every row, tiers from the model's training base rate, one risk
//! row per scored row, ranked most at risk first.

use chrono::NaiveDate;
use ndarray::ArrayView2;
use rayon::prelude::*;

use super::{AccountRisk, Scores, TierSettings};
use crate::model::{ChurnModel, ModelError, ModelWarning, Scored};

/// Scores the rows of `x` (columns in the model's feature order) and ranks them.
/// `row(k, scored)` builds row `k`'s account (ids, attributes, drivers); the core sets
/// its probability, tier and rank. Ranks break ties by account id, so the order is
/// total and the same on every run.
pub fn rank<F>(
    model: &ChurnModel,
    x: ArrayView2<f64>,
    tiers: &TierSettings,
    as_of: NaiveDate,
    row: F,
) -> Result<(Scores, Vec<ModelWarning>), ModelError>
where
    F: Fn(usize, &Scored) -> AccountRisk + Sync,
{
    let scored = model.explain(x)?;
    let base_rate = model.training.positives as f64 / model.training.rows.max(1) as f64;
    let thresholds = tiers.thresholds(base_rate, &scored.probabilities);
    let mut accounts: Vec<AccountRisk> = (0..x.nrows())
        .into_par_iter()
        .map(|k| {
            let p = scored.probabilities[k];
            let mut a = row(k, &scored);
            a.churn_probability = p;
            a.risk_tier = thresholds.tier(p);
            a
        })
        .collect();
    accounts.sort_by(|x, y| {
        y.churn_probability
            .total_cmp(&x.churn_probability)
            .then_with(|| x.account_id.cmp(&y.account_id))
    });
    for (k, a) in accounts.iter_mut().enumerate() {
        a.risk_rank = k as u32 + 1;
    }
    let scores = Scores {
        as_of,
        model_version: model.model_version.clone(),
        horizon_days: model.horizon_days,
        thresholds,
        accounts,
    };
    Ok((scores, scored.warnings))
}
