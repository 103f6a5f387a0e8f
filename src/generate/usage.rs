//! Usage events: the hot loop that turns each account's daily usage plan into
//! event rows of one part file.

use std::fmt::Write as _;
use std::path::Path;

use parquet::file::properties::WriterProperties;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::calendar::{Calendar, US_PER_SEC};
use super::names::FEATURES;
use super::simulate::{business_second, UsagePlan};
use super::write::{account_id, usage_schema, ParquetTable, UsageRows};
use super::GenerateError;

/// One usage part file being written.
pub struct UsageStream {
    table: ParquetTable<UsageRows>,
    account_id: String,
    /// User ids of the current account, concatenated; `user_ends[i]` ends user i.
    users: String,
    user_ends: Vec<usize>,
    secs: Vec<u32>,
}

/// A cheap skew towards low indices: density falls from 1.6 to 0.4 across [0, 1).
fn skewed(u: f64) -> f64 {
    u * (0.4 + 0.6 * u)
}

impl UsageStream {
    pub fn create(path: &Path, props: WriterProperties) -> Result<Self, GenerateError> {
        Ok(UsageStream {
            table: ParquetTable::create(path, usage_schema(), props, UsageRows::new())?,
            account_id: String::new(),
            users: String::new(),
            user_ends: Vec::new(),
            secs: Vec::new(),
        })
    }

    /// Writes the events of one account, in time order. `rng` is the account's
    /// usage stream, separate from the one that decides its fate, so the event
    /// volume never changes who churns.
    pub fn account(
        &mut self,
        index: u32,
        plan: &UsagePlan,
        cal: &Calendar,
        rng: &mut ChaCha8Rng,
    ) -> Result<u64, GenerateError> {
        account_id(&mut self.account_id, index);
        let max_pool = plan.days.iter().map(|d| d.pool).max().unwrap_or(0);
        self.users.clear();
        self.user_ends.clear();
        for u in 1..=max_pool {
            let _ = write!(self.users, "{}-u{:02}", self.account_id, u);
            self.user_ends.push(self.users.len());
        }

        let mut rows = 0u64;
        for day in &plan.days {
            if day.events <= 0.0 {
                continue;
            }
            let n = match Poisson::new(day.events as f64) {
                Ok(p) => p.sample(rng) as usize,
                Err(_) => 0,
            };
            if n == 0 {
                continue;
            }
            self.secs.clear();
            for _ in 0..n {
                self.secs.push(business_second(rng, plan.tz_secs));
            }
            self.secs.sort_unstable();

            let day_us = cal.day_us(day.day);
            let pool = day.pool as f64;
            let breadth = day.breadth as f64;
            // Quantity is 1 + a geometric count with mean qty_mean - 1.
            let extra = (day.qty_mean as f64 - 1.0).max(0.0);
            let ln_q = (extra / (1.0 + extra)).ln();
            let out = &mut self.table.rows;
            for &sec in &self.secs {
                let user = ((pool * skewed(rng.gen::<f64>())) as usize).min(day.pool as usize - 1);
                let start = if user == 0 {
                    0
                } else {
                    self.user_ends[user - 1]
                };
                let f =
                    ((breadth * skewed(rng.gen::<f64>())) as usize).min(day.breadth as usize - 1);
                let feature = FEATURES[plan.features[f] as usize].0;
                let q = 1.0 + (rng.gen::<f64>().max(1e-300).ln() / ln_q).floor();
                out.account_id.append_value(&self.account_id);
                out.ts.push(day_us + sec as i64 * US_PER_SEC);
                out.user_id
                    .append_value(&self.users[start..self.user_ends[user]]);
                out.feature.append_value(feature);
                out.quantity.push(q.min(10_000.0) as i32);
            }
            rows += n as u64;
            self.table.flush_if_full()?;
        }
        Ok(rows)
    }

    pub fn close(self) -> Result<u64, GenerateError> {
        self.table.close()
    }
}
