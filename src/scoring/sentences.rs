//! Feature values in plain words, for the drivers behind a score. Each feature's
//! wording lives in its registry entry (src/features/registry).

/// One sentence for feature `idx` of an account, given all its raw feature values.
pub fn driver_sentence(idx: usize, x: &[f64], as_of_day: i32, seats: Option<f64>) -> String {
    crate::features::registry::sentence(idx, x, as_of_day, seats, false)
}
