//! Which observation dates' windows contain each day of the timeline, found by
//! table lookup so a usage row touches only the dates it counts for.

/// Window flags of a (day, observation date) pair.
pub(super) const W7: u8 = 1;
pub(super) const W30: u8 = 2;
pub(super) const P30: u8 = 4;
pub(super) const W90: u8 = 8;
/// Inside the exponentially weighted windows (the whole look-back).
pub(super) const WEMA: u8 = 16;

/// How far back from the earliest observation date usage is looked at.
pub const LOOKBACK_DAYS: i32 = 180;

/// Time constants (days) of the fast and slow exponentially weighted event rates.
pub const EMA_FAST_DAYS: f64 = 14.0;
pub const EMA_SLOW_DAYS: f64 = 90.0;
/// Fixed-point scale of the exponential weights (integers, so sums are order-free).
const EMA_SCALE: f64 = (1u64 << 24) as f64;

const _: () = assert!(LOOKBACK_DAYS <= 256, "ages are stored as u8");

/// Weight of an event `age` days before the day before the observation date (age 0 is
/// the last day seen), over the look-back, as a fixed-point integer.
pub(super) fn ema_weights(tau: f64) -> Vec<u64> {
    (0..LOOKBACK_DAYS)
        .map(|age| ((-(age as f64) / tau).exp() * EMA_SCALE).round() as u64)
        .collect()
}

/// For each day of the timeline, the observation dates whose windows contain it.
pub struct Windows {
    /// Day (since the epoch) of timeline offset 0.
    pub origin: i32,
    pub len: i32,
    slots: Vec<(u32, u32)>,
    /// Per day, the dates whose 30-day window contains it, as a bit mask: looked up
    /// once per run of rows instead of gathered from the entries each time.
    last_30: Vec<u64>,
    /// (date index, window flags, age in days before the date minus one).
    entries: Vec<(u16, u8, u8)>,
    pub(super) fast: Vec<u64>,
    pub(super) slow: Vec<u64>,
}

impl Windows {
    pub fn new(days: &[i32]) -> Windows {
        let origin = days.iter().min().copied().unwrap_or(0) - LOOKBACK_DAYS;
        let len = days.iter().max().copied().unwrap_or(0) - origin;
        let mut slots = Vec::with_capacity(len.max(0) as usize);
        let mut entries = Vec::new();
        let mut last_30 = Vec::with_capacity(len.max(0) as usize);
        for off in 0..len {
            let d = origin + off;
            let start = entries.len() as u32;
            for (j, &t) in days.iter().enumerate() {
                let mut f = 0u8;
                if d < t && d >= t - 7 {
                    f |= W7;
                }
                if d < t && d >= t - 30 {
                    f |= W30;
                }
                if d < t - 30 && d >= t - 60 {
                    f |= P30;
                }
                if d < t && d >= t - 90 {
                    f |= W90;
                }
                if d < t && d >= t - LOOKBACK_DAYS {
                    f |= WEMA;
                }
                if f != 0 {
                    let age = (t - 1 - d).clamp(0, LOOKBACK_DAYS - 1) as u8;
                    entries.push((j as u16, f, age));
                }
            }
            slots.push((start, entries.len() as u32));
            last_30.push(
                entries[start as usize..]
                    .iter()
                    .filter(|e| e.1 & W30 != 0)
                    .fold(0u64, |m, e| m | 1u64 << e.0),
            );
        }
        Windows {
            origin,
            len,
            slots,
            last_30,
            entries,
            fast: ema_weights(EMA_FAST_DAYS),
            slow: ema_weights(EMA_SLOW_DAYS),
        }
    }

    /// Mean events per day over the look-back, weighted by `exp(-age / tau)`, from a
    /// sum of fixed-point weights accumulated for the fast (`slow == false`) or slow rate.
    pub fn ema_rate(&self, sum: u64, slow: bool) -> f64 {
        let w = if slow { &self.slow } else { &self.fast };
        let total: u64 = w.iter().sum();
        sum as f64 / total as f64
    }

    #[cfg(test)]
    pub(super) fn of(&self, day: i32) -> &[(u16, u8, u8)] {
        self.of_with_last_30(day).0
    }

    /// `of(day)` and the mask of the dates whose 30-day window contains the day.
    pub(super) fn of_with_last_30(&self, day: i32) -> (&[(u16, u8, u8)], u64) {
        let off = day - self.origin;
        if off < 0 || off >= self.len {
            return (&[], 0);
        }
        let (a, b) = self.slots[off as usize];
        (
            &self.entries[a as usize..b as usize],
            self.last_30[off as usize],
        )
    }

    pub(super) fn words(&self) -> usize {
        (self.len.max(0) as usize).div_ceil(64)
    }
}
