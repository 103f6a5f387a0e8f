//! Risk tiers: how churn probabilities become high / medium / low.
//!
//! The defaults are lifts over the model's training base rate: an account is high
//! risk at three times the base rate or more, medium at one and a half times. A team
//! with limited capacity can also cap the high tier to a top share of accounts.

use serde::Serialize;

use crate::settings::{finite_at_least, Check, SettingsError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskTier {
    High,
    Medium,
    Low,
}

impl RiskTier {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskTier::High => "high",
            RiskTier::Medium => "medium",
            RiskTier::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TierSettings {
    /// High risk at this multiple of the base rate or more.
    pub high_lift: f64,
    /// Medium risk at this multiple of the base rate or more.
    pub medium_lift: f64,
    /// If set, at most this share of accounts (0-1) is high risk: the threshold is
    /// raised to the probability of the account at that share.
    pub max_high_share: Option<f64>,
}

impl Default for TierSettings {
    fn default() -> Self {
        TierSettings {
            high_lift: 3.0,
            medium_lift: 1.5,
            max_high_share: None,
        }
    }
}

/// The probabilities the tiers start at, as applied in a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub base_rate: f64,
    pub high: f64,
    pub medium: f64,
}

impl Thresholds {
    pub fn tier(&self, p: f64) -> RiskTier {
        if p >= self.high {
            RiskTier::High
        } else if p >= self.medium {
            RiskTier::Medium
        } else {
            RiskTier::Low
        }
    }
}

impl Check for TierSettings {
    fn check(&self) -> Result<(), SettingsError> {
        finite_at_least("medium_lift", self.medium_lift, f64::MIN_POSITIVE)?;
        finite_at_least("high_lift", self.high_lift, f64::MIN_POSITIVE)?;
        if self.high_lift < self.medium_lift {
            return Err(SettingsError::Order {
                first: "high_lift",
                first_value: self.high_lift.to_string(),
                second: "medium_lift",
                second_value: self.medium_lift.to_string(),
            });
        }
        if let Some(share) = self.max_high_share {
            if !(0.0..=1.0).contains(&share) {
                return Err(SettingsError::out_of_range(
                    "max_high_share",
                    "between 0 and 1",
                    share,
                ));
            }
        }
        Ok(())
    }
}

impl TierSettings {
    pub fn thresholds(&self, base_rate: f64, probabilities: &[f64]) -> Thresholds {
        let mut high = (self.high_lift * base_rate).min(1.0);
        let medium = (self.medium_lift * base_rate).min(high);
        if let Some(share) = self.max_high_share {
            let mut sorted: Vec<f64> = probabilities.to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let k = (share * sorted.len() as f64).floor() as usize;
            // The (k+1)-th highest probability is the first one that must not be high.
            if let Some(&p) = sorted.get(k) {
                if p >= high {
                    high = f64::from_bits(p.to_bits() + 1);
                }
            }
        }
        Thresholds {
            base_rate,
            high,
            medium: medium.min(high),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_are_lifts_over_the_base_rate() {
        let t = TierSettings::default().thresholds(0.05, &[]);
        assert!((t.high - 0.15).abs() < 1e-12);
        assert!((t.medium - 0.075).abs() < 1e-12);
        assert_eq!(t.tier(t.high), RiskTier::High);
        assert_eq!(t.tier(0.151), RiskTier::High);
        assert_eq!(t.tier(0.149), RiskTier::Medium);
        assert_eq!(t.tier(t.medium), RiskTier::Medium);
        assert_eq!(t.tier(0.07), RiskTier::Low);
    }

    #[test]
    fn a_capacity_cap_limits_the_high_tier() {
        let p: Vec<f64> = (0..100).map(|i| 0.2 + f64::from(i) * 0.001).collect();
        let s = TierSettings {
            max_high_share: Some(0.1),
            ..Default::default()
        };
        let t = s.thresholds(0.05, &p);
        assert_eq!(
            p.iter().filter(|&&x| t.tier(x) == RiskTier::High).count(),
            10
        );
        assert!(TierSettings {
            high_lift: 1.0,
            ..Default::default()
        }
        .check()
        .is_err());
    }
}
