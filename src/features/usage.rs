//! Usage features in one streamed pass: every usage row updates the accumulators of
//! the few observation dates whose windows contain its day (found by table lookup),
//! so memory is accounts x dates, whatever the number of rows.
//!
//! Everything accumulated is an integer, a bitmask or a set union, so merging the
//! per-thread accumulators gives identical results for any thread count. The
//! exponentially weighted event rates are sums of fixed-point integer weights for the
//! same reason.

use crate::ingest::UsageBatch;

pub use super::pairs::Pairs;
pub use super::windows::{Windows, EMA_FAST_DAYS, EMA_SLOW_DAYS, LOOKBACK_DAYS};
use super::windows::{P30, W30, W7, W90, WEMA};
use crate::time::{micros_to_day, MICROS_PER_DAY};

/// Quantities are summed as integers of millionths so the sum is order-free.
const QTY_SCALE: f64 = 1e6;

/// Per-window sums of one (observation date, account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowSums {
    pub events_7: u32,
    pub events_30: u32,
    pub events_prev_30: u32,
    pub events_90: u32,
    pub qty_30: i64,
    pub qty_prev_30: i64,
    /// Events weighted by the fast and slow exponential weights (fixed point).
    pub ema_fast: u64,
    pub ema_slow: u64,
}

/// Usage accumulators of one worker (or the merged total).
pub struct UsageAcc {
    n_dates: usize,
    words: usize,
    /// Active-day bitset per account over the timeline (account-major).
    pub days: Vec<u64>,
    /// Indexed by account * dates + date: usage arrives grouped by account, so the
    /// sums a run of rows updates stay in cache (date-major spread them over MBs).
    pub sums: Vec<WindowSums>,
    /// (account, user) pairs with bit j set when active in the 30 days before date j.
    pub users: Pairs,
    /// (account, feature) pairs likewise.
    pub features: Pairs,
}

impl UsageAcc {
    pub fn new(windows: &Windows, n_dates: usize, n_accounts: usize) -> Self {
        let words = windows.words();
        UsageAcc {
            n_dates,
            words,
            days: vec![0; words * n_accounts],
            sums: vec![WindowSums::default(); n_dates * n_accounts],
            users: Pairs::default(),
            features: Pairs::default(),
        }
    }

    /// The sums of `account` at date index `date`.
    pub fn sums_of(&self, account: usize, date: usize) -> WindowSums {
        self.sums[account * self.n_dates + date]
    }

    pub fn add(&mut self, windows: &Windows, b: &UsageBatch) {
        self.users.start(b.user_hash.len());
        self.features.start(b.feature_hash.len());
        // Rows come grouped by account and mostly in time order, so consecutive rows
        // of one (account, day) are summed first and the day's windows updated once.
        // Every addend is non-negative, so adding a run's (saturating) total equals
        // adding its rows one by one.
        let mut run = DayRun {
            account: u32::MAX,
            from: 0,
            to: 0,
            slots: &[],
            users_mask: 0,
            events: 0,
            qty: 0,
        };
        let rows =
            (b.ts.iter().zip(&b.account)).zip(b.quantity.iter().zip(&b.user).zip(&b.feature));
        for ((&ts, &acc), ((&q, &user), &feature)) in rows {
            // Within the run's day no division is needed to place the row.
            if ts < run.from || ts >= run.to || acc != run.account {
                let day = micros_to_day(ts);
                self.apply(windows, &run);
                if acc != run.account {
                    self.users.flush(run.account, &b.user_hash);
                    self.features.flush(run.account, &b.feature_hash);
                }
                run = DayRun::new(windows, acc, day);
                if !run.slots.is_empty() {
                    let off = (day - windows.origin) as usize;
                    self.days[acc as usize * self.words + off / 64] |= 1u64 << (off % 64);
                }
            }
            if run.slots.is_empty() {
                continue;
            }
            run.events += 1;
            run.qty = run.qty.saturating_add(quantity_units(q));
            if run.users_mask != 0 {
                if user != 0 {
                    self.users.note(user, run.users_mask);
                }
                if feature != 0 {
                    self.features.note(feature, run.users_mask);
                }
            }
        }
        self.apply(windows, &run);
        // Codes are valid within this batch only.
        self.users.flush(run.account, &b.user_hash);
        self.features.flush(run.account, &b.feature_hash);
    }

    /// Adds a run of rows of one (account, day) to the sums of the dates whose
    /// windows contain the day.
    fn apply(&mut self, windows: &Windows, run: &DayRun) {
        if run.events == 0 {
            return;
        }
        let (nd, acc, n, qty) = (self.n_dates, run.account as usize, run.events, run.qty);
        let sums = &mut self.sums[acc * nd..(acc + 1) * nd];
        for &(j, f, age) in run.slots {
            let s = &mut sums[j as usize];
            if f & WEMA != 0 {
                let k = u64::from(n);
                s.ema_fast = s.ema_fast.saturating_add(windows.fast[age as usize] * k);
                s.ema_slow = s.ema_slow.saturating_add(windows.slow[age as usize] * k);
            }
            if f & W7 != 0 {
                s.events_7 += n;
            }
            if f & W30 != 0 {
                s.events_30 += n;
                s.qty_30 = s.qty_30.saturating_add(qty);
            }
            if f & P30 != 0 {
                s.events_prev_30 += n;
                s.qty_prev_30 = s.qty_prev_30.saturating_add(qty);
            }
            if f & W90 != 0 {
                s.events_90 += n;
            }
        }
    }

    /// Order-free merge of another worker's accumulators.
    pub fn merge(&mut self, o: UsageAcc) {
        self.days.iter_mut().zip(o.days).for_each(|(a, b)| *a |= b);
        for (a, b) in self.sums.iter_mut().zip(o.sums) {
            a.events_7 += b.events_7;
            a.events_30 += b.events_30;
            a.events_prev_30 += b.events_prev_30;
            a.events_90 += b.events_90;
            a.qty_30 = a.qty_30.saturating_add(b.qty_30);
            a.qty_prev_30 = a.qty_prev_30.saturating_add(b.qty_prev_30);
            a.ema_fast = a.ema_fast.saturating_add(b.ema_fast);
            a.ema_slow = a.ema_slow.saturating_add(b.ema_slow);
        }
        self.users.merge(o.users);
        self.features.merge(o.features);
    }

    /// Active days of `account` in [t - len, t), and days since the last active day
    /// before `t` (None when there was none in the timeline).
    pub fn activity(&self, windows: &Windows, account: usize, t: i32, len: i32) -> u32 {
        let bits = &self.days[account * self.words..(account + 1) * self.words];
        let from = (t - len).max(windows.origin) - windows.origin;
        let to = t.min(windows.origin + windows.len) - windows.origin;
        if from >= to {
            return 0;
        }
        // Whole words by popcount, the partial words at either end masked.
        let (from, to) = (from as usize, to as usize);
        let (first, last) = (from / 64, (to - 1) / 64);
        let mut count = 0;
        for (w, &word) in bits.iter().enumerate().take(last + 1).skip(first) {
            let mut word = word;
            if w == first {
                word &= u64::MAX << (from % 64);
            }
            if w == last {
                word &= below(to);
            }
            count += word.count_ones();
        }
        count
    }

    pub fn days_since_last(&self, windows: &Windows, account: usize, t: i32) -> Option<i32> {
        let bits = &self.days[account * self.words..(account + 1) * self.words];
        let end = t.min(windows.origin + windows.len) - windows.origin;
        if end <= 0 {
            return None;
        }
        // The highest set bit below `end`, a word at a time.
        let end = end as usize;
        let mut w = (end - 1) / 64;
        let mut word = bits[w] & below(end);
        loop {
            if word != 0 {
                let off = w * 64 + 63 - word.leading_zeros() as usize;
                return Some(t - (windows.origin + off as i32));
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            word = bits[w];
        }
    }

    pub fn quantity(v: i64) -> f64 {
        v as f64 / QTY_SCALE
    }
}

/// The bits of the word holding bit `end - 1` that lie below bit `end`.
fn below(end: usize) -> u64 {
    match end % 64 {
        0 => u64::MAX,
        r => u64::MAX >> (64 - r),
    }
}

/// Consecutive rows of one account on one day, not yet added to the sums.
struct DayRun<'w> {
    account: u32,
    /// The day's instants: [from, to) in microseconds.
    from: i64,
    to: i64,
    /// The dates whose windows contain the day.
    slots: &'w [(u16, u8, u8)],
    /// Dates whose 30-day window contains the day.
    users_mask: u64,
    events: u32,
    qty: i64,
}

impl<'w> DayRun<'w> {
    fn new(windows: &'w Windows, account: u32, day: i32) -> Self {
        let (slots, users_mask) = windows.of_with_last_30(day);
        let from = i64::from(day) * MICROS_PER_DAY;
        DayRun {
            account,
            from,
            to: from + MICROS_PER_DAY,
            slots,
            users_mask,
            events: 0,
            qty: 0,
        }
    }
}

/// A quantity in integer millionths: `(q * QTY_SCALE).round()`, without the call to
/// `round` (no SSE4.1 in the baseline target) when the product is already whole, as it
/// is for integer quantities.
#[inline]
fn quantity_units(q: f64) -> i64 {
    let v = q * QTY_SCALE;
    let i = v as i64;
    if i as f64 == v {
        i
    } else {
        v.round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::windows::ema_weights;

    /// Stand-in hash of a key code: codes 1..=255 are users, 101.. features.
    fn hashes() -> std::sync::Arc<Vec<u64>> {
        std::sync::Arc::new(
            (0..256u64)
                .map(|c| if c == 0 { 0 } else { 7_000 + c })
                .collect(),
        )
    }

    fn batch(rows: &[(u32, i32, u32, f64)]) -> UsageBatch {
        UsageBatch {
            account: rows.iter().map(|r| r.0).collect(),
            ts: rows
                .iter()
                .map(|r| i64::from(r.1) * MICROS_PER_DAY + 3_600_000_000)
                .collect(),
            user: rows.iter().map(|r| r.2).collect(),
            feature: rows.iter().map(|r| r.2 + 100).collect(),
            quantity: rows.iter().map(|r| r.3).collect(),
            user_hash: hashes(),
            feature_hash: hashes(),
        }
    }

    #[test]
    fn windows_are_half_open_before_the_observation_date() {
        let t = 1000;
        let w = Windows::new(&[t]);
        let mut acc = UsageAcc::new(&w, 1, 1);
        // day t is not before t; t-1 is in all recent windows; t-30 in w30; t-31 in p30
        acc.add(
            &w,
            &batch(&[
                (0, t, 1, 5.0),
                (0, t - 1, 1, 1.0),
                (0, t - 30, 2, 2.0),
                (0, t - 31, 3, 4.0),
                (0, t - 60, 3, 8.0),
                (0, t - 61, 3, 16.0),
            ]),
        );
        let s = acc.sums[0];
        assert_eq!(s.events_7, 1);
        assert_eq!(s.events_30, 2);
        assert_eq!(UsageAcc::quantity(s.qty_30), 3.0);
        assert_eq!(s.events_prev_30, 2);
        assert_eq!(UsageAcc::quantity(s.qty_prev_30), 12.0);
        assert_eq!(s.events_90, 5);
        assert_eq!(acc.users.counts(1, 1), vec![2]);
        assert_eq!(acc.activity(&w, 0, t, 30), 2);
        assert_eq!(acc.days_since_last(&w, 0, t), Some(1));
    }

    #[test]
    fn exponential_rates_weigh_recent_days_most_and_skip_day_t() {
        let t = 1000;
        let w = Windows::new(&[t]);
        let mut acc = UsageAcc::new(&w, 1, 1);
        // Day t is not seen; t-1 has age 0 (weight 1), t-15 age 14, t-180 the oldest.
        acc.add(
            &w,
            &batch(&[
                (0, t, 1, 1.0),
                (0, t - 1, 1, 1.0),
                (0, t - 15, 1, 1.0),
                (0, t - 15, 2, 1.0),
                (0, t - LOOKBACK_DAYS, 1, 1.0),
            ]),
        );
        let s = acc.sums[0];
        let fast = ema_weights(EMA_FAST_DAYS);
        let slow = ema_weights(EMA_SLOW_DAYS);
        assert_eq!(s.ema_fast, fast[0] + 2 * fast[14] + fast[179]);
        assert_eq!(s.ema_slow, slow[0] + 2 * slow[14] + slow[179]);
        assert_eq!(fast[0], 1 << 24);
        assert!((fast[14] as f64 / fast[0] as f64 - (-1.0f64).exp()).abs() < 1e-6);
        // One event every day of the look-back is a rate of exactly one a day.
        let mut every = UsageAcc::new(&w, 1, 1);
        let rows: Vec<_> = (1..=LOOKBACK_DAYS).map(|k| (0, t - k, 1, 1.0)).collect();
        every.add(&w, &batch(&rows));
        assert_eq!(w.ema_rate(every.sums[0].ema_fast, false), 1.0);
        assert_eq!(w.ema_rate(every.sums[0].ema_slow, true), 1.0);
    }

    #[test]
    fn last_use_is_seen_across_the_whole_look_back_of_a_single_date() {
        // Scoring with a saved model has one observation date: a last use 120 days
        // before it is neither in the 30- nor the 90-day window, and must still count.
        let t = 1000;
        let w = Windows::new(&[t]);
        let mut acc = UsageAcc::new(&w, 1, 2);
        acc.add(
            &w,
            &batch(&[(0, t - 120, 1, 1.0), (1, t - LOOKBACK_DAYS - 1, 1, 1.0)]),
        );
        assert_eq!(acc.days_since_last(&w, 0, t), Some(120));
        assert_eq!(acc.sums[0].events_90, 0);
        // Older than the look-back: unseen, read by the caller as the cap.
        assert_eq!(acc.days_since_last(&w, 1, t), None);
    }

    #[test]
    fn merge_equals_one_pass() {
        let w = Windows::new(&[500, 530]);
        let rows = [
            (0, 490, 1, 1.5),
            (1, 520, 2, 2.25),
            (0, 529, 3, 0.1),
            (1, 470, 1, 7.0),
        ];
        let mut whole = UsageAcc::new(&w, 2, 2);
        whole.add(&w, &batch(&rows));
        let mut a = UsageAcc::new(&w, 2, 2);
        a.add(&w, &batch(&rows[..2]));
        let mut b = UsageAcc::new(&w, 2, 2);
        b.add(&w, &batch(&rows[2..]));
        b.merge(a);
        assert_eq!(whole.sums, b.sums);
        assert_eq!(whole.days, b.days);
        assert_eq!(whole.users.counts(2, 2), b.users.counts(2, 2));
    }

    #[test]
    fn sums_are_per_account_and_date() {
        let w = Windows::new(&[500, 530]);
        let mut acc = UsageAcc::new(&w, 2, 3);
        acc.add(
            &w,
            &batch(&[(2, 520, 1, 1.0), (2, 521, 1, 1.0), (0, 499, 1, 1.0)]),
        );
        assert_eq!(acc.sums_of(2, 1).events_30, 2);
        assert_eq!(acc.sums_of(2, 0).events_30, 0);
        assert_eq!(acc.sums_of(0, 0).events_30, 1);
        assert_eq!(
            acc.sums_of(0, 1).events_30,
            0,
            "day 499 is 31 days before 530"
        );
        assert_eq!(acc.sums_of(0, 1).events_prev_30, 1);
        assert_eq!(acc.sums_of(1, 0), WindowSums::default());
    }

    #[test]
    fn pairs_count_each_key_once_per_account_however_the_rows_are_split() {
        let t = 1000;
        let w = Windows::new(&[t - 30, t]);
        // Account 0: users 1 and 2, user 1 seen again after account 1's run and in
        // another batch and worker; account 1 shares user 1's key (counted for it too).
        let rows = [
            (0, t - 1, 1, 1.0),
            (0, t - 2, 2, 1.0),
            (0, t - 3, 1, 1.0),
            (1, t - 1, 1, 1.0),
            (0, t - 4, 1, 1.0),
            (0, t - 40, 1, 1.0),
        ];
        let mut whole = UsageAcc::new(&w, 2, 2);
        whole.add(&w, &batch(&rows));
        assert_eq!(whole.users.counts(2, 2), vec![1, 2, 0, 1]);
        let mut a = UsageAcc::new(&w, 2, 2);
        a.add(&w, &batch(&rows[..2]));
        a.add(&w, &batch(&rows[2..4]));
        let mut b = UsageAcc::new(&w, 2, 2);
        b.add(&w, &batch(&rows[4..]));
        a.merge(b);
        assert!(a.users.records() > whole.users.records());
        assert_eq!(a.users.counts(2, 2), vec![1, 2, 0, 1]);
        assert_eq!(a.features.counts(2, 2), whole.features.counts(2, 2));
    }

    #[test]
    fn pairs_key_on_the_hash_not_the_code() {
        // Two codes of one dictionary with the same text (same hash) are one user.
        let w = Windows::new(&[1000]);
        let mut b = batch(&[(0, 990, 1, 1.0), (0, 991, 2, 1.0), (0, 992, 3, 1.0)]);
        let mut h = (*b.user_hash).clone();
        h[2] = h[1];
        b.user_hash = std::sync::Arc::new(h);
        let mut acc = UsageAcc::new(&w, 1, 1);
        acc.add(&w, &b);
        assert_eq!(acc.users.counts(1, 1), vec![2]);
        // Code 0 is an absent user: not counted.
        let mut acc = UsageAcc::new(&w, 1, 1);
        acc.add(&w, &batch(&[(0, 990, 0, 1.0)]));
        assert_eq!(acc.users.counts(1, 1), vec![0]);
        assert_eq!(acc.sums_of(0, 0).events_30, 1);
    }

    #[test]
    fn quantity_units_round_like_before() {
        for q in [
            0.0,
            1.0,
            3.0,
            0.1,
            2.25,
            1e-7,
            4.9999995e-7,
            5e-7,
            1.5e-6,
            123_456.789_012_5,
            9.3e12,
            9.3e18,
            1e300,
        ] {
            assert_eq!(quantity_units(q), (q * QTY_SCALE).round() as i64, "{q}");
        }
    }

    #[test]
    fn runs_of_a_day_add_up_like_single_rows() {
        // Rows one by one against `add`, which sums runs of one (account, day) first:
        // grouped, shuffled and interleaved rows, fractional quantities.
        let w = Windows::new(&[900, 930, 960, 1000]);
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % m
        };
        let mut rows = Vec::new();
        for k in 0..3000 {
            let acc = if k < 2000 {
                (k / 700) as u32
            } else {
                next(3) as u32
            };
            let day = 700 + next(320) as i32;
            let repeat = 1 + next(4);
            for _ in 0..repeat {
                rows.push((acc, day, 1 + next(5) as u32, next(1000) as f64 / 8.0));
            }
        }
        let mut want = vec![WindowSums::default(); 4 * 3];
        for &(acc, day, _, q) in &rows {
            for &(j, f, age) in w.of(day) {
                let s = &mut want[acc as usize * 4 + j as usize];
                let qty = (q * QTY_SCALE).round() as i64;
                if f & WEMA != 0 {
                    s.ema_fast += w.fast[age as usize];
                    s.ema_slow += w.slow[age as usize];
                }
                s.events_7 += u32::from(f & W7 != 0);
                s.events_90 += u32::from(f & W90 != 0);
                if f & W30 != 0 {
                    s.events_30 += 1;
                    s.qty_30 += qty;
                }
                if f & P30 != 0 {
                    s.events_prev_30 += 1;
                    s.qty_prev_30 += qty;
                }
            }
        }
        let mut acc = UsageAcc::new(&w, 4, 3);
        for chunk in rows.chunks(1000) {
            // Instants spread over each row's day (its first and last microsecond too).
            let mut b = batch(chunk);
            for (k, t) in b.ts.iter_mut().enumerate() {
                let day_start = *t - 3_600_000_000;
                *t = day_start
                    + match k % 3 {
                        0 => 0,
                        1 => MICROS_PER_DAY - 1,
                        _ => (k as i64 * 7_919_000_000) % MICROS_PER_DAY,
                    };
            }
            acc.add(&w, &b);
        }
        assert_eq!(acc.sums, want);
        assert!(want.iter().all(|s| s.events_30 > 0));
    }

    #[test]
    fn activity_and_last_use_match_a_day_by_day_count() {
        let w = Windows::new(&[900, 1000, 1130]);
        let mut acc = UsageAcc::new(&w, 3, 2);
        let mut seed = 3u64;
        let mut rows = Vec::new();
        for _ in 0..120 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            rows.push((0, w.origin + (seed >> 33) as i32 % w.len, 1, 1.0));
        }
        rows.push((0, w.origin, 1, 1.0));
        rows.push((0, w.origin + 63, 1, 1.0));
        rows.push((0, w.origin + 64, 1, 1.0));
        acc.add(&w, &batch(&rows));
        let on = |a: usize, d: i32| {
            let off = (d - w.origin) as usize;
            (acc.days[a * acc.words + off / 64] >> (off % 64)) & 1 == 1
        };
        for a in 0..2 {
            for t in w.origin - 5..w.origin + w.len + 5 {
                for len in [1, 7, 30, 64, 65, 200] {
                    let want = ((t - len)..t)
                        .filter(|&d| d >= w.origin && d < w.origin + w.len && on(a, d))
                        .count() as u32;
                    assert_eq!(acc.activity(&w, a, t, len), want, "{a} {t} {len}");
                }
                let want = (w.origin..t.min(w.origin + w.len))
                    .rev()
                    .find(|&d| on(a, d))
                    .map(|d| t - d);
                assert_eq!(acc.days_since_last(&w, a, t), want, "{a} {t}");
            }
        }
    }
}
