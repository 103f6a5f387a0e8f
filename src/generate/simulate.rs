//! The per-account simulation: a latent health that drifts day by day and drives
//! usage, tickets, surveys (see `support.rs`) and the churn hazard.
//!
//! Every constant here is documented with its meaning in docs/generator.md; change
//! both together.

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::calendar::{add_months, Calendar, US_PER_DAY, US_PER_SEC};
use super::names::{Comment, CSM_OWNERS, FEATURES, NAME_FIRST};
use super::names::{NAME_INDUSTRY, NAME_SECOND, NAME_SUFFIX};

/// Days between NPS survey rounds.
pub(super) const NPS_EVERY_DAYS: i32 = 91;
/// Number of quantity levels (`UsageDay::qty_level` is 0..QUANTITY_LEVELS).
pub const QUANTITY_LEVELS: usize = 16;

// Population.
const SEGMENT_SHARE: [f64; 3] = [0.60, 0.30, 0.10];
const PLAN_SHARE: [[f64; 4]; 3] = [
    [0.55, 0.40, 0.05, 0.0],
    [0.0, 0.30, 0.60, 0.10],
    [0.0, 0.0, 0.25, 0.75],
];
/// Share of annual contracts per segment (the rest renew monthly).
const ANNUAL_SHARE: [f64; 3] = [0.30, 0.80, 1.0];
const SEATS_MEDIAN: [f64; 3] = [5.0, 28.0, 140.0];
const SEATS_SIGMA: [f64; 3] = [0.55, 0.5, 0.6];
const SEATS_RANGE: [(f64, f64); 3] = [(1.0, 40.0), (8.0, 300.0), (40.0, 3000.0)];
/// List price per seat and month, and a platform fee, per plan (USD).
const SEAT_PRICE: [f64; 4] = [15.0, 32.0, 55.0, 85.0];
const PLATFORM_FEE: [f64; 4] = [0.0, 49.0, 199.0, 999.0];
/// Share of accounts already customers when the window opens, and their mean
/// tenure then (days, exponential, capped).
const PRE_WINDOW_SHARE: f64 = 0.63;
const PRE_WINDOW_TENURE_MEAN: f64 = 700.0;
const PRE_WINDOW_TENURE_MAX: f64 = 6.0 * 365.0;
/// Time zones of accounts (hours east of UTC) and their shares.
const TIME_ZONES: [(f64, f64); 8] = [
    (-8.0, 0.15),
    (-5.0, 0.30),
    (0.0, 0.12),
    (1.0, 0.18),
    (2.0, 0.05),
    (5.5, 0.05),
    (8.0, 0.08),
    (10.0, 0.07),
];
/// Archetypes carrying the product's nuance (see docs/generator.md).
const QUIET_LEAVER_SHARE: f64 = 0.06;
const CAPTIVE_CRITIC_SHARE: f64 = 0.06;

// Latent health: an Ornstein-Uhlenbeck walk around a slowly reverting mean.
pub(super) const HEALTH_MEAN: f64 = 0.45;
const HEALTH_MEAN_SD: f64 = 0.35;
const HEALTH_REVERSION_DAYS: f64 = 45.0;
const HEALTH_DAILY_SD: f64 = 0.07;
const MEAN_REVERSION_DAYS: f64 = 300.0;
/// Daily probabilities of shocks.
const P_INCIDENT: f64 = 1.0 / 500.0;
const P_CHAMPION_LEAVES: f64 = 1.0 / 1000.0;
const P_NEW_CHAMPION: f64 = 1.0 / 1400.0;
const INCIDENT_DAYS: u32 = 30;
const FAST_EMA_DAYS: f64 = 14.0;
const SLOW_EMA_DAYS: f64 = 90.0;
const RAMP_DAYS: f64 = 25.0;
/// Days of latent history simulated before the window for existing customers.
const BURN_IN_DAYS: i32 = 365;

// Usage.
/// Events per day per (active users ^ USERS_EXPONENT) at health HEALTH_MEAN.
const EVENTS_BASE: f64 = 0.69;
const USERS_EXPONENT: f64 = 0.6;
/// Log-change of events per day per unit of health (on top of fewer active users).
const USAGE_HEALTH_ELASTICITY: f64 = 0.9;

// Churn hazard: monthly hazard = sigmoid(eta) before the renewal effect.
const HAZARD_BASE: f64 = -6.0;
const HAZARD_SEGMENT: [f64; 3] = [0.3, 0.0, -0.5];
const W_DECLINE: f64 = 5.0;
const W_UTIL: f64 = 3.0;
const UTIL_REF: f64 = 0.6;
const W_DETRACTOR: f64 = 0.7;
const W_URGENT: f64 = 0.35;
const CAPTIVE_LOCK_IN: f64 = -1.0;
/// Annual contracts: multiplier in the 30 days up to a renewal and elsewhere.
const ANNUAL_RENEWAL_WINDOW: i32 = 30;
const ANNUAL_AT_RENEWAL: f64 = 10.0;
const ANNUAL_OFF_RENEWAL: f64 = 0.2;
/// Monthly contracts: multiplier in the 3 days before the monthly renewal and elsewhere.
const MONTHLY_RENEWAL_WINDOW: i32 = 3;
const MONTHLY_AT_RENEWAL: f64 = 2.5;
const MONTHLY_OFF_RENEWAL: f64 = 0.75;
const MAX_DAILY_HAZARD: f64 = 0.5;

/// Which recorded behaviour an account follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archetype {
    Regular,
    /// Likes the product, but its use collapses (project ended, tools consolidated).
    QuietLeaver,
    /// Heavy, locked-in user who complains a lot and stays.
    CaptiveCritic,
}

/// One row of the accounts table.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub index: u32,
    pub name: [u8; 4],
    pub segment: u8,
    pub plan: u8,
    pub owner: u8,
    pub mrr: f64,
    pub seats: u32,
    pub started_at: i64,
    /// Epoch day of the next renewal after the as-of date (or after churn).
    pub renewal_date: i32,
    pub churned_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Ticket {
    pub account: u32,
    pub opened_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub priority: u8,
    pub category: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyKind {
    Nps,
    Csat,
}

#[derive(Debug, Clone)]
pub struct Survey {
    pub account: u32,
    pub responded_at: i64,
    pub kind: SurveyKind,
    pub score: u8,
    pub comment: Option<Comment>,
}

/// Ground truth for one account and calendar month.
#[derive(Debug, Clone)]
pub struct TruthMonth {
    pub account: u32,
    pub month_start: i32,
    pub health: f64,
    pub hazard: f64,
}

/// What the usage stream of one customer day needs to know.
#[derive(Debug, Clone, Copy)]
pub struct UsageDay {
    pub day: u32,
    /// Expected number of events.
    pub events: f32,
    /// Users who may be active (the first `pool` of the account's users).
    pub pool: u32,
    /// Features in use (the first `breadth` of the account's feature order).
    pub breadth: u8,
    /// 0..QUANTITY_LEVELS: higher means bigger events.
    pub qty_level: u8,
}

/// The usage plan of one account, filled by `Simulator::account`.
#[derive(Debug, Default)]
pub struct UsagePlan {
    pub tz_secs: i32,
    pub features: [u8; 16],
    pub days: Vec<UsageDay>,
}

/// Rows produced for a run of accounts, appended to account after account.
#[derive(Debug, Default)]
pub struct SimRows {
    pub tickets: Vec<Ticket>,
    pub surveys: Vec<Survey>,
    pub truth: Vec<TruthMonth>,
}

pub struct Simulator<'a> {
    pub cal: &'a Calendar,
    pub usage_scale: f64,
    pub truth: bool,
}

/// A duration in whole seconds, as support tools record them, in microseconds.
pub(super) fn seconds(secs: f64) -> i64 {
    secs.round().min(1e12) as i64 * US_PER_SEC
}

pub(super) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub(super) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// Index drawn with probability proportional to `weights`.
pub(super) fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Second of the UTC day for an action at local business hours, with some off-hours
/// activity; wraps within the day so every event stays on its simulated day.
/// Takes one 64-bit draw, as it runs for every usage event.
pub fn business_second(rng: &mut ChaCha8Rng, tz_secs: i32) -> u32 {
    let r = rng.next_u64();
    let local = if (r & 0xFF) < 20 {
        // About 8% off-hours, uniform over the day.
        ((r >> 8) % 86_400) as i32
    } else {
        // Triangular between 08:00 and 19:00, peaking early afternoon.
        let scale = 1.0 / (1u64 << 24) as f64;
        let u = ((r >> 8) & 0xFF_FFFF) as f64 * scale + ((r >> 32) & 0xFF_FFFF) as f64 * scale;
        (8.0 * 3600.0 + u * 5.5 * 3600.0) as i32
    };
    (local - tz_secs).rem_euclid(86_400) as u32
}

/// Mutable state of one account while the days run.
pub(super) struct State {
    pub(super) health: f64,
    pub(super) mean: f64,
    pub(super) base_mean: f64,
    pub(super) fast: f64,
    pub(super) slow: f64,
    pub(super) incident_until: u32,
    pub(super) last_nps: Option<(u32, u8)>,
    pub(super) pending_nps: Option<u32>,
    pub(super) last_ticket: Option<(u32, u8)>,
    /// (opened day, resolved day or MAX, weight) of high and urgent tickets.
    pub(super) escalations: Vec<(u32, u32, f64)>,
}

/// Everything fixed about an account.
pub(super) struct Profile {
    pub(super) segment: usize,
    pub(super) annual: bool,
    pub(super) seats: u32,
    pub(super) start_day: i32,
    pub(super) tz_secs: i32,
    pub(super) adopt: f64,
    pub(super) intensity: f64,
    pub(super) bias: f64,
    pub(super) archetype: Archetype,
    pub(super) feature_cap: u8,
}

impl Simulator<'_> {
    /// Simulates account `index`: returns its accounts row, appends its tickets,
    /// surveys and truth to `rows`, and fills `usage` with its daily usage plan.
    /// `rng` must be the account's own stream.
    pub fn account(
        &self,
        index: u32,
        rng: &mut ChaCha8Rng,
        rows: &mut SimRows,
        usage: &mut UsagePlan,
    ) -> AccountRecord {
        let cal = self.cal;
        let (p, mut record) = self.profile(index, rng, usage);
        usage.days.clear();
        let first_tickets = rows.tickets.len();
        let first_surveys = rows.surveys.len();

        let renewals = self.renewals(&p);
        let mut next_renewal = 0usize;

        let new_account = p.start_day >= cal.first_day;
        let base_mean = HEALTH_MEAN
            + HEALTH_MEAN_SD * normal(rng)
            + if p.archetype == Archetype::CaptiveCritic {
                0.5
            } else {
                0.0
            };
        let health = if new_account {
            base_mean + 0.15 + 0.2 * normal(rng)
        } else {
            base_mean + 0.33 * normal(rng)
        };
        let mut s = State {
            health,
            mean: base_mean,
            base_mean,
            fast: health,
            slow: health,
            incident_until: 0,
            last_nps: None,
            pending_nps: None,
            last_ticket: None,
            escalations: Vec::new(),
        };

        // Customers from before the window carry up to a year of history (shocks,
        // drift), so the window does not open on unusually calm accounts.
        if !new_account {
            let history = (cal.first_day - p.start_day).min(BURN_IN_DAYS);
            for _ in 0..history {
                self.step(&mut s, 0, false, rng);
            }
            s.incident_until = 0;
        }

        // Usage starts the day after the subscription starts.
        let first_active = (p.start_day + 1 - cal.first_day).max(0) as u32;
        let collapse_day = if p.archetype == Archetype::QuietLeaver {
            let span = cal.days.saturating_sub(first_active) + 240;
            first_active + rng.gen_range(0..span)
        } else {
            u32::MAX
        };
        let nps_phase = rng.gen_range(0..NPS_EVERY_DAYS);

        let mut churn_day = None;
        let mut month: Option<(u16, f64, f64, u32)> = None;
        for d in first_active..cal.days {
            let today = cal.first_day + d as i32;
            if d > first_active {
                self.step(&mut s, d, d == collapse_day, rng);
            }
            let tenure = (today - p.start_day) as f64;
            let ramp = if tenure < 20.0 * RAMP_DAYS {
                1.0 - (-tenure / RAMP_DAYS).exp()
            } else {
                1.0
            };
            let util = sigmoid(0.2 + 1.4 * s.health + p.adopt) * (0.35 + 0.65 * ramp);

            while next_renewal + 1 < renewals.len() && renewals[next_renewal] < today {
                next_renewal += 1;
            }
            let to_renewal = renewals.get(next_renewal).map_or(i32::MAX, |r| r - today);
            let hazard = self.daily_hazard(&p, &s, d, util, to_renewal);

            if self.truth {
                let m = cal.month_of_day[d as usize];
                match &mut month {
                    Some((cur, sum_h, sum_p, n)) if *cur == m => {
                        *sum_h += s.health;
                        *sum_p += hazard;
                        *n += 1;
                    }
                    _ => {
                        if let Some(done) = month.take() {
                            rows.truth.push(self.truth_row(index, done));
                        }
                        month = Some((m, s.health, hazard, 1));
                    }
                }
            }

            if churn_day.is_some() {
                continue; // only the truth continues after churn
            }
            if rng.gen::<f64>() < hazard {
                churn_day = Some(d);
                record.churned_at =
                    Some(cal.day_us(d) + business_second(rng, p.tz_secs) as i64 * US_PER_SEC);
                if !self.truth {
                    break;
                }
                continue;
            }

            // A customer day: usage drivers, tickets, surveys.
            let pool = ((p.seats as f64 * util).round() as u32).clamp(1, p.seats);
            let events = self.usage_scale
                * EVENTS_BASE
                * p.intensity
                * (pool as f64).powf(USERS_EXPONENT)
                * (USAGE_HEALTH_ELASTICITY * (s.health - HEALTH_MEAN)).exp()
                * cal.activity[d as usize] as f64
                * (0.2 + 0.8 * ramp);
            let cap = p.feature_cap as f64;
            let breadth =
                (2.0 + (cap - 2.0) * sigmoid(-0.2 + 1.3 * s.health + p.adopt)) * (0.5 + 0.5 * ramp);
            usage.days.push(UsageDay {
                day: d,
                events: events as f32,
                pool,
                breadth: (breadth.round() as u8).clamp(1, p.feature_cap),
                qty_level: ((QUANTITY_LEVELS - 1) as f64 * sigmoid(1.2 * s.health)).round() as u8,
            });

            self.tickets(index, &p, &mut s, d, tenure, to_renewal, rng, rows);
            self.nps(index, &p, &mut s, d, util, nps_phase, tenure, rng, rows);
        }
        if let Some(done) = month.take() {
            rows.truth.push(self.truth_row(index, done));
        }

        // Nothing of the account survives its churn; tickets still open are closed.
        let end = cal.end_us();
        let cutoff = record.churned_at.unwrap_or(end);
        for t in &mut rows.tickets[first_tickets..] {
            if t.first_response_at.is_some_and(|r| r >= cutoff) {
                t.first_response_at = None;
            }
            if let Some(churned) = record.churned_at {
                if t.resolved_at.is_none_or(|r| r > churned) {
                    t.resolved_at = Some(churned);
                }
            } else if t.resolved_at.is_some_and(|r| r >= end) {
                t.resolved_at = None;
            }
        }
        let mut keep = first_surveys;
        for i in first_surveys..rows.surveys.len() {
            if rows.surveys[i].responded_at < cutoff {
                rows.surveys.swap(keep, i);
                keep += 1;
            }
        }
        rows.surveys.truncate(keep);
        rows.surveys[first_surveys..].sort_by_key(|s| s.responded_at);
        rows.tickets[first_tickets..].sort_by_key(|t| t.opened_at);

        let reference = churn_day.map_or(cal.first_day + cal.days as i32, |d| {
            cal.first_day + d as i32
        });
        record.renewal_date = renewals
            .iter()
            .copied()
            .find(|r| *r >= reference)
            .unwrap_or(reference);
        record
    }

    fn truth_row(&self, account: u32, (m, sum_h, sum_p, n): (u16, f64, f64, u32)) -> TruthMonth {
        let month = self.cal.months[m as usize];
        let daily = sum_p / n as f64;
        TruthMonth {
            account,
            month_start: month.start,
            health: sum_h / n as f64,
            hazard: 1.0 - (1.0 - daily).powi(month.len as i32),
        }
    }

    /// Draws the fixed attributes of an account and its accounts row.
    fn profile(
        &self,
        index: u32,
        rng: &mut ChaCha8Rng,
        usage: &mut UsagePlan,
    ) -> (Profile, AccountRecord) {
        let cal = self.cal;
        let segment = pick(rng, &SEGMENT_SHARE);
        let plan = pick(rng, &PLAN_SHARE[segment]);
        let annual = rng.gen::<f64>() < ANNUAL_SHARE[segment];
        let (lo, hi) = SEATS_RANGE[segment];
        let seats = (SEATS_MEDIAN[segment] * (SEATS_SIGMA[segment] * normal(rng)).exp())
            .round()
            .clamp(lo, hi);
        let volume_discount = 1.0 / (1.0 + 0.12 * (seats / 10.0).ln().max(0.0));
        let term_discount = if annual { 0.9 } else { 1.0 };
        let mrr = seats * SEAT_PRICE[plan] * volume_discount * term_discount + PLATFORM_FEE[plan];
        let mrr = (mrr * 100.0).round() / 100.0;
        let owner = rng.gen_range(0..CSM_OWNERS[segment].len()) as u8;
        let name = [
            rng.gen_range(0..NAME_FIRST.len()) as u8,
            rng.gen_range(0..NAME_SECOND.len()) as u8,
            rng.gen_range(0..NAME_INDUSTRY.len()) as u8,
            rng.gen_range(0..NAME_SUFFIX.len()) as u8,
        ];

        let start_day = if rng.gen::<f64>() < PRE_WINDOW_SHARE {
            let tenure = (-PRE_WINDOW_TENURE_MEAN * (1.0 - rng.gen::<f64>()).ln())
                .min(PRE_WINDOW_TENURE_MAX);
            cal.first_day - 1 - tenure as i32
        } else {
            cal.first_day + rng.gen_range(0..cal.days) as i32
        };
        let tz_secs = (TIME_ZONES[pick(rng, &TIME_ZONES.map(|z| z.1))].0 * 3600.0) as i32;
        let started_at =
            start_day as i64 * US_PER_DAY + business_second(rng, tz_secs) as i64 * US_PER_SEC;

        let u = rng.gen::<f64>();
        let archetype = if u < QUIET_LEAVER_SHARE {
            Archetype::QuietLeaver
        } else if u < QUIET_LEAVER_SHARE + CAPTIVE_CRITIC_SHARE {
            Archetype::CaptiveCritic
        } else {
            Archetype::Regular
        };
        let bias = match archetype {
            Archetype::Regular => 0.45 * normal(rng),
            Archetype::QuietLeaver => 1.2 + 0.3 * normal(rng),
            Archetype::CaptiveCritic => -1.5 + 0.3 * normal(rng),
        };
        let mut intensity = (0.35 * normal(rng)).exp();
        if archetype == Archetype::CaptiveCritic {
            intensity *= 1.3;
        }
        let adopt = 0.6 * normal(rng);

        // Feature order: popular features first, varied per account (Gumbel top-k);
        // features the plan lacks go last and are never reached.
        let mut keys = [(0.0f64, 0u8); 16];
        let mut cap = 0u8;
        for (i, (_, weight, min_plan)) in FEATURES.iter().enumerate() {
            let gumbel = -(-(rng.gen::<f64>().max(1e-12)).ln()).ln();
            let allowed = (*min_plan as usize) <= plan;
            cap += allowed as u8;
            let key = if allowed {
                weight.ln() + gumbel
            } else {
                -1e9 - i as f64
            };
            keys[i] = (key, i as u8);
        }
        keys.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (slot, (_, f)) in usage.features.iter_mut().zip(keys.iter()) {
            *slot = *f;
        }
        usage.tz_secs = tz_secs;

        let profile = Profile {
            segment,
            annual,
            seats: seats as u32,
            start_day,
            tz_secs,
            adopt,
            intensity,
            bias,
            archetype,
            feature_cap: cap,
        };
        let record = AccountRecord {
            index,
            name,
            segment: segment as u8,
            plan: plan as u8,
            owner,
            mrr,
            seats: seats as u32,
            started_at,
            renewal_date: 0,
            churned_at: None,
        };
        (profile, record)
    }

    /// Renewal days from the window start to a year past its end.
    fn renewals(&self, p: &Profile) -> Vec<i32> {
        let cal = self.cal;
        let step = if p.annual { 12 } else { 1 };
        let until = cal.first_day + cal.days as i32 + 400;
        let mut out = Vec::new();
        let mut k = 1u32;
        // Skip renewals long before the window without walking month by month.
        let behind = (cal.first_day - p.start_day).max(0) as u32 / 31 / step;
        k += behind.saturating_sub(1);
        while let Some(r) = add_months(p.start_day, k * step) {
            if r > until {
                break;
            }
            if r >= cal.first_day {
                out.push(r);
            }
            k += 1;
        }
        out
    }

    /// One day of the latent walk, with its shocks.
    fn step(&self, s: &mut State, d: u32, collapse: bool, rng: &mut ChaCha8Rng) {
        s.mean += (s.base_mean - s.mean) / MEAN_REVERSION_DAYS;
        if collapse {
            s.base_mean -= 2.0;
            s.mean -= 2.0;
            s.health -= 0.6;
        }
        let u = rng.gen::<f64>();
        if u < P_INCIDENT {
            s.health -= 0.8 + 0.25 * normal(rng);
            s.incident_until = d + INCIDENT_DAYS;
        } else if u < P_INCIDENT + P_CHAMPION_LEAVES {
            s.mean -= (0.9 + 0.3 * normal(rng)).max(0.3);
            s.health -= 0.3;
        } else if u < P_INCIDENT + P_CHAMPION_LEAVES + P_NEW_CHAMPION {
            s.mean += (0.5 + 0.2 * normal(rng)).max(0.1);
        }
        s.health += (s.mean - s.health) / HEALTH_REVERSION_DAYS + HEALTH_DAILY_SD * normal(rng);
        s.fast += (s.health - s.fast) / FAST_EMA_DAYS;
        s.slow += (s.health - s.slow) / SLOW_EMA_DAYS;
    }

    fn daily_hazard(&self, p: &Profile, s: &State, d: u32, util: f64, to_renewal: i32) -> f64 {
        let decline = (s.slow - s.fast).max(0.0);
        let detractor = s
            .last_nps
            .is_some_and(|(day, score)| score <= 6 && d - day <= 365);
        let urgent: f64 = s
            .escalations
            .iter()
            .filter(|(opened, resolved, _)| opened + 2 <= d && *resolved > d)
            .map(|e| e.2)
            .sum();
        let eta = HAZARD_BASE
            + HAZARD_SEGMENT[p.segment]
            + W_DECLINE * decline
            + W_UTIL * (UTIL_REF - util)
            + if detractor { W_DETRACTOR } else { 0.0 }
            + W_URGENT * urgent.min(3.0)
            + if p.archetype == Archetype::CaptiveCritic {
                CAPTIVE_LOCK_IN
            } else {
                0.0
            };
        // sigmoid(eta) is the monthly rate; spread evenly over an average month.
        let daily = sigmoid(eta) / 30.44;
        let renewal = if p.annual {
            if to_renewal <= ANNUAL_RENEWAL_WINDOW {
                ANNUAL_AT_RENEWAL
            } else {
                ANNUAL_OFF_RENEWAL
            }
        } else if to_renewal <= MONTHLY_RENEWAL_WINDOW {
            MONTHLY_AT_RENEWAL
        } else {
            MONTHLY_OFF_RENEWAL
        };
        (daily * renewal).min(MAX_DAILY_HAZARD)
    }
}
