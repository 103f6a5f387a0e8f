//! The typical values a driver compares a level with: per feature, the median among
//! the retained accounts (labelled rows that did not churn) of the same plan, or of the
//! same segment when the plan is missing, unknown to training or too small. Computed at
//! training time from the labelled rows and stored in the model file's metadata.

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::registry::{against, Against};
use crate::features::{FeatureMatrix, FEATURES};
use crate::ingest::Accounts;

/// Model metadata key holding the peers' medians (JSON).
pub const PEERS_KEY: &str = "driver_peers";

/// Retained training rows a plan or segment needs for its own medians; a smaller one
/// reads its segment's, or everyone's.
pub const MIN_PEER_ROWS: usize = 100;

/// Medians of one set of retained rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medians {
    /// Retained training rows they are over.
    pub rows: usize,
    /// Per feature, in the model's feature order; null for a feature not compared with
    /// peers or without any value among these rows.
    pub values: Vec<Option<f64>>,
}

/// The peers' medians a model carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Peers {
    pub features: Vec<String>,
    /// Every retained row.
    pub all: Medians,
    /// Per plan, and per segment, with at least [`MIN_PEER_ROWS`] rows.
    pub plans: BTreeMap<String, Medians>,
    pub segments: BTreeMap<String, Medians>,
}

/// The median of the values present (NaN = missing); None without any.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| !x.is_nan());
    let n = v.len();
    if n == 0 {
        return None;
    }
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lo + hi) / 2.0)
}

/// Row indices per key, keys with enough rows only.
fn by_key<'a>(
    rows: &[usize],
    key: impl Fn(usize) -> Option<&'a str>,
) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (k, &r) in rows.iter().enumerate() {
        if let Some(key) = key(k) {
            groups.entry(key.to_string()).or_default().push(r);
        }
    }
    groups.retain(|_, rows| rows.len() >= MIN_PEER_ROWS);
    groups
}

impl Peers {
    /// Medians of the columns of `x` (rows x features, NaN = missing) compared with
    /// peers (`compared[j]`), over the retained rows `rows`; `plan(k)` and
    /// `segment(k)` key `rows[k]`.
    pub fn of<'a>(
        x: ArrayView2<f64>,
        names: &[String],
        compared: &[bool],
        rows: &[usize],
        plan: impl Fn(usize) -> Option<&'a str>,
        segment: impl Fn(usize) -> Option<&'a str>,
    ) -> Peers {
        let medians = |rows: &[usize]| Medians {
            rows: rows.len(),
            values: (0..x.ncols())
                .into_par_iter()
                .map(|j| {
                    let col = x.column(j);
                    compared[j]
                        .then(|| median(rows.iter().map(|&r| col[r]).collect()))
                        .flatten()
                })
                .collect(),
        };
        let of_keys = |groups: BTreeMap<String, Vec<usize>>| {
            groups
                .into_iter()
                .map(|(key, rows)| (key, medians(&rows)))
                .collect()
        };
        Peers {
            features: names.to_vec(),
            all: medians(rows),
            plans: of_keys(by_key(rows, plan)),
            segments: of_keys(by_key(rows, segment)),
        }
    }

    /// The retained training rows of `m` (labelled, not churned), by the plan and
    /// segment of their `accounts`; features compared with peers only.
    pub fn of_training(accounts: &Accounts, m: &FeatureMatrix) -> Peers {
        let (train, _) = m.split();
        let rows: Vec<usize> = train
            .into_iter()
            .filter(|&r| m.label[r] == Some(false))
            .collect();
        let names: Vec<String> = FEATURES.iter().map(|d| d.name.to_string()).collect();
        let compared: Vec<bool> = (0..FEATURES.len())
            .map(|j| matches!(against(j), Against::Peers))
            .collect();
        let a = accounts;
        let account = |k: usize| m.account[rows[k]] as usize;
        Peers::of(
            m.x.view(),
            &names,
            &compared,
            &rows,
            |k| a.plan[account(k)].as_deref(),
            |k| a.segment[account(k)].as_deref(),
        )
    }

    /// The peers a model file carries. A model saved before peers were stored falls
    /// back to its training means (the drift check's reference), for every account.
    pub fn of_model(model: &crate::model::ChurnModel) -> Option<Peers> {
        if let Some(p) = model
            .metadata
            .get(PEERS_KEY)
            .and_then(|j| serde_json::from_str::<Peers>(j).ok())
        {
            return Some(p);
        }
        let r = crate::quality::Reference::of_model(model)?;
        Some(Peers {
            features: r.features.iter().map(|f| f.name.clone()).collect(),
            all: Medians {
                rows: model.training.rows,
                values: r
                    .features
                    .iter()
                    .map(|f| (!f.mean.is_nan()).then_some(f.mean))
                    .collect(),
            },
            plans: BTreeMap::new(),
            segments: BTreeMap::new(),
        })
    }

    /// As model metadata (key [`PEERS_KEY`]).
    pub fn to_metadata(&self) -> (String, String) {
        let json = serde_json::to_string(self).expect("names and numbers always serialise as JSON");
        (PEERS_KEY.to_string(), json)
    }

    /// The medians an account is compared with: its plan's, else its segment's, else
    /// everyone's.
    pub fn medians(&self, plan: Option<&str>, segment: Option<&str>) -> &Medians {
        plan.and_then(|p| self.plans.get(p))
            .or_else(|| segment.and_then(|s| self.segments.get(s)))
            .unwrap_or(&self.all)
    }
}

#[cfg(test)]
mod tests;
