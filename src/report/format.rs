//! Numbers as a manager reads them: thousands separators, percentages, plain words.

/// `x` rounded to `decimals` places with a comma between thousands: `1234567.8` ->
/// `"1,234,568"` (0 places) or `"1,234,567.8"` (1 place). Not-a-number gives "n/a".
pub fn thousands(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    // "-0" after rounding is just "0".
    if x < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A probability (0-1) as a percentage with one decimal: `0.2346` -> `"23.5%"`.
pub fn pct(p: f64) -> String {
    if p.is_finite() {
        format!("{:.1}%", p * 100.0)
    } else {
        "n/a".into()
    }
}

/// A probability as a whole percentage, for axis labels: `0.25` -> `"25%"`; small
/// values keep a decimal so that 0.5% is not shown as 0%.
pub fn pct_axis(p: f64) -> String {
    let v = p * 100.0;
    if v != 0.0 && v.abs() < 10.0 && (v - v.round()).abs() > 1e-9 {
        format!("{v:.1}%")
    } else {
        format!("{v:.0}%")
    }
}

/// "1 account", "3 accounts".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n as f64, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits_and_rounds() {
        assert_eq!(thousands(0.0, 0), "0");
        assert_eq!(thousands(999.4, 0), "999");
        assert_eq!(thousands(999.5, 0), "1,000");
        assert_eq!(thousands(1_234_567.89, 0), "1,234,568");
        assert_eq!(thousands(1_234_567.89, 1), "1,234,567.9");
        assert_eq!(thousands(-12_345.0, 0), "-12,345");
        assert_eq!(thousands(-0.2, 0), "0");
        assert_eq!(thousands(f64::NAN, 0), "n/a");
    }

    #[test]
    fn percentages() {
        assert_eq!(pct(0.2346), "23.5%");
        assert_eq!(pct(0.0), "0.0%");
        assert_eq!(pct_axis(0.25), "25%");
        assert_eq!(pct_axis(0.005), "0.5%");
        assert_eq!(pct_axis(0.0), "0%");
        assert_eq!(count(1, "account", "accounts"), "1 account");
        assert_eq!(count(1200, "account", "accounts"), "1,200 accounts");
    }
}
