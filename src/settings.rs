//! Settings checked once, before any work starts or any lock is taken.
//!
//! Each group of settings (observation plan, model, tiers, playbook, quality gate...)
//! says what a valid value is by implementing [`Check`]; [`Checked`] holds a value that
//! passed, so the stages that receive one never re-check it (as linfa's params become
//! checked params). Errors name a setting by its key (`high_lift`); the command line
//! shows the same setting as its flag (`--high-lift`) through [`SettingsError::render`].

use std::fmt;
use std::ops::Deref;

/// A setting that has no valid value as given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// A value outside its range: `horizon_days must be between 1 and 3650, got 0`.
    #[error("{setting} must be {expected}, got {value}")]
    OutOfRange {
        setting: &'static str,
        expected: String,
        value: String,
    },
    /// Two settings whose values contradict each other.
    #[error("{first} ({first_value}) must be at least {second} ({second_value})")]
    Order {
        first: &'static str,
        first_value: String,
        second: &'static str,
        second_value: String,
    },
    /// Two settings that cannot be given together.
    #[error("{first} and {second} cannot be combined: {reason}")]
    Conflict {
        first: &'static str,
        second: &'static str,
        reason: &'static str,
    },
    /// A setting the command needs that is not given.
    #[error("{setting} is needed: {reason}")]
    Missing {
        setting: &'static str,
        reason: &'static str,
    },
}

impl SettingsError {
    pub fn out_of_range(
        setting: &'static str,
        expected: impl Into<String>,
        value: impl fmt::Display,
    ) -> Self {
        SettingsError::OutOfRange {
            setting,
            expected: expected.into(),
            value: value.to_string(),
        }
    }

    /// The message with every setting named by `name` (the command line passes its
    /// flags: `high_lift` -> `--high-lift`).
    pub fn render(&self, name: impl Fn(&str) -> String) -> String {
        match self {
            SettingsError::OutOfRange {
                setting,
                expected,
                value,
            } => format!("{} must be {expected}, got {value}", name(setting)),
            SettingsError::Order {
                first,
                first_value,
                second,
                second_value,
            } => format!(
                "{} ({first_value}) must be at least {} ({second_value})",
                name(first),
                name(second)
            ),
            SettingsError::Conflict {
                first,
                second,
                reason,
            } => format!(
                "{} and {} cannot be combined: {reason}",
                name(first),
                name(second)
            ),
            SettingsError::Missing { setting, reason } => {
                format!("{} is needed: {reason}", name(setting))
            }
        }
    }

    /// The settings this error names.
    pub fn settings(&self) -> Vec<&'static str> {
        match self {
            SettingsError::OutOfRange { setting, .. } | SettingsError::Missing { setting, .. } => {
                vec![setting]
            }
            SettingsError::Order { first, second, .. }
            | SettingsError::Conflict { first, second, .. } => vec![first, second],
        }
    }
}

/// A group of settings that can say whether its values are usable.
pub trait Check {
    fn check(&self) -> Result<(), SettingsError>;
}

/// Settings that passed their [`Check`]. Only [`Checked::new`] makes one.
#[derive(Debug, Clone)]
pub struct Checked<T>(T);

impl<T: Check> Checked<T> {
    pub fn new(value: T) -> Result<Self, SettingsError> {
        value.check()?;
        Ok(Checked(value))
    }
}

impl<T> Checked<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Checked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// `value` lies in `lo..=hi`, else an [`SettingsError::OutOfRange`] naming `setting`.
pub fn in_range<V: PartialOrd + fmt::Display + Copy>(
    setting: &'static str,
    value: V,
    lo: V,
    hi: V,
) -> Result<(), SettingsError> {
    if value >= lo && value <= hi {
        Ok(())
    } else {
        Err(SettingsError::out_of_range(
            setting,
            format!("between {lo} and {hi}"),
            value,
        ))
    }
}

/// A finite number at least `lo` (and so not NaN).
pub fn finite_at_least(setting: &'static str, value: f64, lo: f64) -> Result<(), SettingsError> {
    if value.is_finite() && value >= lo {
        Ok(())
    } else {
        Err(SettingsError::out_of_range(
            setting,
            format!("a number of at least {lo}"),
            value,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Days(u32);
    impl Check for Days {
        fn check(&self) -> Result<(), SettingsError> {
            in_range("horizon_days", self.0, 1, 3650)
        }
    }

    #[test]
    fn only_values_that_pass_their_check_become_checked() {
        assert_eq!(Checked::new(Days(90)).unwrap().0 .0, 90);
        let e = Checked::new(Days(0)).unwrap_err();
        assert_eq!(e.to_string(), "horizon_days must be between 1 and 3650, got 0");
        assert_eq!(
            e.render(|k| format!("--{}", k.replace('_', "-"))),
            "--horizon-days must be between 1 and 3650, got 0"
        );
        assert_eq!(e.settings(), vec!["horizon_days"]);
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        assert!(finite_at_least("max_psi", f64::NAN, 0.0).is_err());
        assert!(finite_at_least("max_psi", f64::INFINITY, 0.0).is_err());
        assert!(finite_at_least("max_psi", -0.1, 0.0).is_err());
        assert!(finite_at_least("max_psi", 0.0, 0.0).is_ok());
    }
}
