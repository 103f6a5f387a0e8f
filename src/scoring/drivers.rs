//! The drivers behind one account's score: per group of related features (the
//! registry's `Group`), the sum of its features' contributions; a group that raises the
//! risk is shown only through a feature whose value is on the adverse side of its
//! reference (the peers' median, the account's earlier period, a fixed level), or, for
//! a feature without a declared direction, stated as a fact. One sentence per cited
//! feature and no sentence twice.

use ndarray::ArrayView1;

use super::Driver;
use crate::features::registry::{against, compared, Against, Direction, Group, Unit, FEATURES};

/// What the wording of an account's drivers needs beside its feature row.
pub struct Context<'a> {
    /// Raw feature values, `FEATURES` order (NaN = missing).
    pub x: &'a [f64],
    /// The peers' medians for this account, `FEATURES` order.
    pub peers: &'a [Option<f64>],
    pub as_of_day: i32,
    pub seats: Option<f64>,
    pub horizon_days: u32,
}

/// One way a group can be shown: feature `source`'s contribution, cited through
/// feature `cited`.
struct Candidate {
    source: usize,
    cited: usize,
    against: Against,
    reference: Option<f64>,
    contribution: f64,
}

/// Feature `i` as a reason, when it raises the risk (`c` > 0) and its cited value is
/// on the adverse side of its reference, or is a fact.
fn candidate(i: usize, c: f64, cx: &Context) -> Option<Candidate> {
    if c.is_nan() || c <= 0.0 {
        return None;
    }
    let a = against(i);
    let (cited, reference) = match a {
        Against::Peers => (i, Some(cx.peers.get(i).copied().flatten()?)),
        Against::Earlier { cited, earlier, .. } => (cited, Some(earlier(cx.x))),
        Against::Level(level) => (i, Some(level)),
        Against::Horizon => (i, Some(f64::from(cx.horizon_days))),
        Against::Fact => (i, None),
        Against::Never => return None,
    };
    let value = cx.x[cited];
    if value.is_nan() {
        return None;
    }
    let feature = &FEATURES[cited];
    let shown = match reference {
        Some(r) => feature.direction.adverse(value, r),
        // A fact the account has: a flag only when set ("monthly contract"), since an
        // unset one's words tell of something else (the latest NPS answer).
        None => {
            feature.direction == Direction::None && (feature.unit != Unit::Flag || value != 0.0)
        }
    };
    shown.then_some(Candidate {
        source: i,
        cited,
        against: a,
        reference,
        contribution: c,
    })
}

/// Up to `max` drivers, the groups raising the risk most first.
pub fn drivers(contributions: ArrayView1<f64>, cx: &Context, max: usize) -> Vec<Driver> {
    // Groups in the order their first feature is declared, with their summed contribution.
    let mut groups: Vec<(Group, f64)> = Vec::new();
    for (d, c) in FEATURES.iter().zip(contributions.iter()) {
        match groups.iter_mut().find(|(g, _)| *g == d.group) {
            Some((_, sum)) => *sum += c,
            None => groups.push((d.group, *c)),
        }
    }
    groups.retain(|(_, sum)| *sum > 0.0);
    // Stable: equal sums keep the declaration order.
    groups.sort_by(|a, b| b.1.total_cmp(&a.1));

    let mut out: Vec<Driver> = Vec::new();
    for (group, sum) in groups {
        if out.len() >= max {
            break;
        }
        let mut found: Vec<Candidate> = FEATURES
            .iter()
            .enumerate()
            .filter(|(_, d)| d.group == group)
            .filter_map(|(i, _)| candidate(i, contributions[i], cx))
            .collect();
        // A comparison before a fact, then the largest contribution, then the earlier
        // feature.
        found.sort_by(|a, b| {
            b.reference
                .is_some()
                .cmp(&a.reference.is_some())
                .then(b.contribution.total_cmp(&a.contribution))
                .then(a.source.cmp(&b.source))
        });
        let chosen = found.into_iter().find_map(|c| {
            let name = FEATURES[c.cited].name;
            let sentence = compared(
                c.cited,
                cx.x,
                cx.as_of_day,
                cx.seats,
                c.against,
                c.reference.unwrap_or(f64::NAN),
            );
            let repeated = out
                .iter()
                .any(|d| d.feature == name || d.sentence == sentence);
            (!repeated).then(|| Driver {
                feature: name.to_string(),
                group: group.key(),
                value: cx.x[c.cited],
                reference: c.reference,
                contribution: sum,
                sentence,
            })
        });
        out.extend(chosen);
    }
    out
}

#[cfg(test)]
mod tests;
