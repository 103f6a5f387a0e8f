//! `manifest.json`: what a run read, set aside, used and wrote, for schedulers and
//! auditors. Run timestamps live here only, so the data outputs stay byte-identical
//! across reruns.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::actions::{Action, PlaybookSettings};
use crate::contract::Table;
use crate::ingest::SetAsideEntry;
use crate::model::Metrics;
use crate::timing::Timing;
use crate::scoring::{Scores, Thresholds, TierSettings};

#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    pub table: Table,
    pub rows_read: u64,
    pub rows_set_aside: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    pub model_version: String,
    pub path: String,
    /// True when this run trained the model, false when it loaded one.
    pub trained_in_this_run: bool,
    pub trained_as_of: String,
    pub chosen_alpha: f64,
    pub validation: Metrics,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputFile {
    pub file: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub churn_version: &'static str,
    pub contract_version: &'static str,
    pub started_at: String,
    pub finished_at: String,
    pub as_of: String,
    pub horizon_days: u32,
    /// The data folder, or the feature table scored.
    pub data_dir: String,
    pub inputs: Vec<InputSummary>,
    /// Rows set aside (or values ignored) and why, with the first example of each.
    pub set_aside: Vec<SetAsideEntry>,
    pub model: ModelSummary,
    pub tier_settings: TierSettings,
    pub thresholds: Thresholds,
    pub playbook: PlaybookSettings,
    pub accounts_scored: usize,
    pub expected_churners: f64,
    pub revenue_at_risk: f64,
    pub accounts_per_action: BTreeMap<&'static str, usize>,
    pub accounts_per_tier: BTreeMap<&'static str, usize>,
    pub quality_gate: crate::quality::GateReport,
    pub timings: Vec<Timing>,
    pub warnings: Vec<String>,
    pub outputs: Vec<OutputFile>,
    /// The feature table scored, for runs that score one instead of the data folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_table: Option<FeaturesTable>,
}

/// What the manifest says about a feature table scored instead of the data folder.
#[derive(Debug, Clone, Serialize)]
pub struct FeaturesTable {
    pub file: String,
    pub format: &'static str,
    pub rows_read: usize,
    pub rows_scored: usize,
    pub id_column: Option<String>,
    pub date_column: Option<String>,
    pub nps_column: Option<String>,
    pub unseen_categories: Vec<Unseen>,
}

/// Categories met at scoring that training never saw, for one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unseen {
    pub column: String,
    pub rows: usize,
    /// Up to three of the unseen values.
    pub examples: Vec<String>,
}

/// Counts per action and per tier, and the headline sums.
pub fn headline(
    s: &Scores,
) -> (
    BTreeMap<&'static str, usize>,
    BTreeMap<&'static str, usize>,
    f64,
    f64,
) {
    let mut actions: BTreeMap<&'static str, usize> =
        Action::ALL.iter().map(|a| (a.as_str(), 0)).collect();
    let mut tiers: BTreeMap<&'static str, usize> = BTreeMap::new();
    for a in &s.accounts {
        *actions.entry(a.recommended_action.as_str()).or_default() += 1;
        *tiers.entry(a.risk_tier.as_str()).or_default() += 1;
    }
    // Summed in rank order: a fixed order, so the figure is the same on every run.
    let expected = s.accounts.iter().map(|a| a.churn_probability).sum();
    // Folded from +0: std's float sum starts at -0, which prints "-0" with no MRR.
    let revenue = s
        .accounts
        .iter()
        .filter_map(|a| a.revenue_at_risk)
        .fold(0.0, |sum, r| sum + r);
    (actions, tiers, expected, revenue)
}
