//! A saved model checked against the run that scores with it: trained no later than
//! the scored date, not too old, and written for this build's data contract.
//!
//! A model's as-of date is the end of what its training saw: the nightly model's
//! labels run up to it, a feature-table model's latest observation date (or the day
//! it was trained). Scoring an earlier date with it would use a model that knew the
//! future of the rows it scores, so that is refused; a model much older than the
//! scored date still scores but is flagged for retraining.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::model::ChurnModel;
use crate::settings::{in_range, SettingsError};

/// Default of `max_model_age_days`: a model trained more than this many days before
/// the scored date is flagged.
pub const DEFAULT_MAX_MODEL_AGE_DAYS: u32 = 120;
/// Largest `max_model_age_days` accepted (a hundred years).
pub const MAX_MODEL_AGE_DAYS: u32 = 36_500;

/// The model metadata key of the data contract a nightly model was trained on.
pub const CONTRACT_KEY: &str = "contract_version";
/// The contract of models written before the key existed.
const CONTRACT_WITHOUT_KEY: &str = "1";

/// Why a saved model cannot score this run.
#[derive(Debug, thiserror::Error)]
pub enum ModelCheckError {
    #[error("model {version} ({}) was trained as of {model_as_of}, after the as-of date {as_of}: its training labels reach past the scored date, so it saw the future of the rows it would score; score as of {model_as_of} or later, or use a model trained as of {as_of} or earlier", path.display())]
    TrainedAfter {
        path: PathBuf,
        version: String,
        model_as_of: NaiveDate,
        as_of: NaiveDate,
    },
    #[error("model {version} ({}) was trained on data contract version {model}, but this build reads data contract version {build}: retrain the model with this build", path.display())]
    Contract {
        path: PathBuf,
        version: String,
        model: String,
        build: &'static str,
    },
    #[error("model {version} ({}): its as-of date `{value}` is not a date", path.display())]
    BadAsOf {
        path: PathBuf,
        version: String,
        value: String,
    },
}

/// `max_model_age_days` lies in 0..=[`MAX_MODEL_AGE_DAYS`].
pub fn check_max_age(days: u32) -> Result<(), SettingsError> {
    in_range("max_model_age_days", days, 0, MAX_MODEL_AGE_DAYS)
}

/// Refuses a nightly model trained on another data contract than this build's
/// (a model without the key is of contract version 1).
pub fn check_contract(model: &ChurnModel, path: &Path) -> Result<(), ModelCheckError> {
    let of_model = model
        .metadata
        .get(CONTRACT_KEY)
        .map_or(CONTRACT_WITHOUT_KEY, String::as_str);
    if of_model == crate::contract::CONTRACT_VERSION {
        return Ok(());
    }
    Err(ModelCheckError::Contract {
        path: path.to_path_buf(),
        version: model.model_version.clone(),
        model: of_model.to_string(),
        build: crate::contract::CONTRACT_VERSION,
    })
}

/// The model's as-of date.
fn model_as_of(model: &ChurnModel, path: &Path) -> Result<NaiveDate, ModelCheckError> {
    crate::time::parse_date(&model.as_of).map_err(|_| ModelCheckError::BadAsOf {
        path: path.to_path_buf(),
        version: model.model_version.clone(),
        value: model.as_of.clone(),
    })
}

/// Refuses to score `as_of` with a model trained as of a later date.
pub fn check_not_after(
    model: &ChurnModel,
    path: &Path,
    as_of: NaiveDate,
) -> Result<(), ModelCheckError> {
    let trained = model_as_of(model, path)?;
    if trained <= as_of {
        return Ok(());
    }
    Err(ModelCheckError::TrainedAfter {
        path: path.to_path_buf(),
        version: model.model_version.clone(),
        model_as_of: trained,
        as_of,
    })
}

/// A warning when the model was trained more than `max_age_days` before `as_of`.
/// Call after [`check_not_after`] (a model after `as_of` is not old).
pub fn age_warning(
    model: &ChurnModel,
    path: &Path,
    as_of: NaiveDate,
    max_age_days: u32,
) -> Result<Option<String>, ModelCheckError> {
    let trained = model_as_of(model, path)?;
    let age = (as_of - trained).num_days();
    Ok((age > i64::from(max_age_days)).then(|| {
        format!(
            "model {} was trained as of {trained}, {age} days before the as-of date {as_of} (more than max_model_age_days {max_age_days}): retrain it on recent data",
            model.model_version
        )
    }))
}

/// Both date checks of a saved model against the scored date: an error when it was
/// trained after it, else the age warning, if any.
pub fn check_date(
    model: &ChurnModel,
    path: &Path,
    as_of: NaiveDate,
    max_age_days: u32,
) -> Result<Option<String>, ModelCheckError> {
    check_not_after(model, path, as_of)?;
    age_warning(model, path, as_of, max_age_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A small trained model of `as_of`, with the data contract `contract` (no key
    /// with `None`).
    fn model(as_of: &str, contract: Option<&str>) -> ChurnModel {
        use crate::model::{FeatureSpec, ModelMeta, TrainParams, TrainingSet, Transform};
        let n = 400;
        let x = ndarray::Array2::from_shape_fn((n, 1), |(i, _)| ((i * 37) % 101) as f64);
        let set = TrainingSet {
            specs: vec![FeatureSpec::new("usage", Transform::Identity)],
            y: (0..n).map(|i| (x[[i, 0]] < 30.0) ^ (i % 7 == 0)).collect(),
            x,
            group: (0..n).map(|i| (i % 2) as u32).collect(),
        };
        let trained = crate::model::train(&set, &TrainParams::default()).unwrap();
        let extra = contract
            .map(|c| (CONTRACT_KEY.to_string(), c.to_string()))
            .into_iter()
            .collect();
        let meta = ModelMeta {
            created_at: chrono::Utc::now(),
            as_of: d("2026-01-01"),
            horizon_days: 90,
            extra,
        };
        let mut m = ChurnModel::new(trained, meta).unwrap();
        m.as_of = as_of.to_string();
        m
    }

    #[test]
    fn a_model_trained_after_the_scored_date_is_refused() {
        let m = model("2026-11-01", None);
        let p = Path::new("models/m.json");
        assert!(check_not_after(&m, p, d("2026-11-01")).is_ok());
        assert!(check_not_after(&m, p, d("2027-01-01")).is_ok());
        let e = check_not_after(&m, p, d("2026-10-31"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("trained as of 2026-11-01, after the as-of date 2026-10-31"),
            "{e}"
        );
        assert!(e.contains("models/m.json"), "{e}");
    }

    #[test]
    fn a_model_older_than_the_limit_is_flagged() {
        let m = model("2026-06-01", None);
        let p = Path::new("m.json");
        assert_eq!(age_warning(&m, p, d("2026-11-01"), 153).unwrap(), None);
        let w = age_warning(&m, p, d("2026-11-01"), 152).unwrap().unwrap();
        assert!(
            w.contains("153 days before the as-of date 2026-11-01"),
            "{w}"
        );
        assert!(w.contains("max_model_age_days 152"), "{w}");
        assert_eq!(check_date(&m, p, d("2026-06-01"), 0).unwrap(), None);
        assert!(check_date(&m, p, d("2026-06-02"), 0).unwrap().is_some());
        assert!(check_max_age(MAX_MODEL_AGE_DAYS).is_ok());
        assert!(check_max_age(MAX_MODEL_AGE_DAYS + 1).is_err());
    }

    #[test]
    fn a_model_of_another_contract_is_refused_naming_both_versions() {
        let p = Path::new("m.json");
        let build = crate::contract::CONTRACT_VERSION;
        assert!(check_contract(&model("2026-11-01", Some(build)), p).is_ok());
        let e = check_contract(&model("2026-11-01", Some("0.9")), p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("data contract version 0.9"), "{e}");
        assert!(e.contains(&format!("data contract version {build}")), "{e}");
        // No key: version 1.
        assert_eq!(
            check_contract(&model("2026-11-01", None), p).is_ok(),
            build == "1"
        );
    }

    #[test]
    fn a_model_whose_date_is_not_a_date_is_an_error() {
        let m = model("yesterday", None);
        let e = check_date(&m, Path::new("m.json"), d("2026-11-01"), 120).unwrap_err();
        assert!(e.to_string().contains("`yesterday` is not a date"), "{e}");
    }
}
