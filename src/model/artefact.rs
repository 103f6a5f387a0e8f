//! The model file: a versioned JSON artefact under `models/`, written atomically, with
//! a `models/latest` pointer. Scoring needs nothing but this file.

use super::metrics::Metrics;
use super::score::{Fitted, Scored};
use super::select::{Selection, Trained, TrainingCounts};
use super::{ModelError, ModelWarning};
use chrono::{DateTime, NaiveDate, Utc};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped whenever the file layout changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

/// Name of the pointer file holding the latest model's file name.
pub const LATEST: &str = "latest";

/// What the caller knows about the training run; stored verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMeta {
    pub created_at: DateTime<Utc>,
    pub as_of: NaiveDate,
    pub horizon_days: u32,
    /// Any further facts worth keeping (data window, contract version, ...).
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnModel {
    pub format_version: u32,
    /// `m-<as_of YYYYMMDD>-<8 hex of the content hash>`: identical training gives an
    /// identical id, whenever it ran.
    pub model_version: String,
    /// RFC 3339, UTC. Not part of the content hash.
    pub created_at: String,
    /// YYYY-MM-DD.
    pub as_of: String,
    pub horizon_days: u32,
    pub metadata: BTreeMap<String, String>,
    /// Features, preprocessing, intercept and coefficients (for P(churn)).
    pub model: Fitted,
    pub selection: Selection,
    /// Metrics of the chosen alpha on validation rows.
    pub validation_metrics: Metrics,
    pub training: TrainingCounts,
    pub warnings: Vec<ModelWarning>,
}

/// 64-bit FNV-1a: tiny, and stable across Rust releases (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl ChurnModel {
    pub fn new(trained: Trained, meta: ModelMeta) -> Result<ChurnModel, ModelError> {
        let mut m = ChurnModel {
            format_version: FORMAT_VERSION,
            model_version: String::new(),
            created_at: meta
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            as_of: meta.as_of.format("%Y-%m-%d").to_string(),
            horizon_days: meta.horizon_days,
            metadata: meta.extra,
            model: trained.model,
            selection: trained.selection,
            validation_metrics: trained.metrics,
            training: trained.training,
            warnings: trained.warnings,
        };
        m.model_version = m.content_version()?;
        Ok(m)
    }

    /// The id the content deserves: everything but the id itself and the creation time.
    fn content_version(&self) -> Result<String, ModelError> {
        let mut c = self.clone();
        c.model_version.clear();
        c.created_at.clear();
        let bytes = serde_json::to_vec(&c)
            .map_err(|e| ModelError::InvalidData(format!("cannot serialise the model: {e}")))?;
        let h = fnv1a(&bytes);
        Ok(format!(
            "m-{}-{:08x}",
            self.as_of.replace('-', ""),
            (h ^ (h >> 32)) as u32
        ))
    }

    pub fn file_name(&self) -> String {
        format!("{}.json", self.model_version)
    }

    /// Write `dir/<version>.json` and point `dir/latest` at it, each by temp file and
    /// rename, so a reader sees the old model or the new one, never half a file.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, ModelError> {
        let path = self.save_file(dir)?;
        self.make_latest(dir)?;
        Ok(path)
    }

    /// Write `dir/<version>.json` (temp file and rename) without moving `latest`: a
    /// nightly run saves its model so, and points `latest` at it only once the run
    /// is published.
    pub fn save_file(&self, dir: &Path) -> Result<PathBuf, ModelError> {
        std::fs::create_dir_all(dir).map_err(|e| ModelError::io("creating", dir, e))?;
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| ModelError::InvalidData(format!("cannot serialise the model: {e}")))?;
        // JSON has no NaN or infinity (serde_json writes null): refuse to write a file
        // that would not load back identically.
        let back: ChurnModel = serde_json::from_slice(&json).map_err(|e| {
            ModelError::InvalidData(format!("the model does not serialise faithfully: {e}"))
        })?;
        if &back != self {
            return Err(ModelError::InvalidData(
                "the model does not serialise faithfully (non-finite value?)".into(),
            ));
        }
        let path = dir.join(self.file_name());
        write_atomic(&path, &json)?;
        Ok(path)
    }

    /// Point `dir/latest` at this model's file (written by [`ChurnModel::save_file`]),
    /// by temp file and rename.
    pub fn make_latest(&self, dir: &Path) -> Result<(), ModelError> {
        let mut pointer = self.file_name().into_bytes();
        pointer.push(b'\n');
        write_atomic(&dir.join(LATEST), &pointer)
    }

    /// The file name `dir/latest` holds, if it holds one.
    pub fn latest_name(dir: &Path) -> Option<String> {
        let name = std::fs::read_to_string(dir.join(LATEST)).ok()?;
        Some(name.trim().to_string()).filter(|n| !n.is_empty())
    }

    pub fn load(path: &Path) -> Result<ChurnModel, ModelError> {
        let bytes =
            std::fs::read(path).map_err(|e| ModelError::io("reading model file", path, e))?;
        let m: ChurnModel = serde_json::from_slice(&bytes)
            .map_err(|e| ModelError::corrupt(path, format!("not a valid model file: {e}")))?;
        m.validate()
            .map_err(|reason| ModelError::corrupt(path, reason))?;
        Ok(m)
    }

    /// Load the model named by `dir/latest`.
    pub fn load_latest(dir: &Path) -> Result<ChurnModel, ModelError> {
        let pointer = dir.join(LATEST);
        let text = std::fs::read_to_string(&pointer)
            .map_err(|e| ModelError::io("reading latest-model pointer", &pointer, e))?;
        let name = text.trim();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(ModelError::corrupt(
                &pointer,
                format!("'{name}' is not a model file name"),
            ));
        }
        ChurnModel::load(&dir.join(name))
    }

    /// Internal consistency of a loaded file.
    fn validate(&self) -> Result<(), String> {
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "format version {} (this build reads {FORMAT_VERSION})",
                self.format_version
            ));
        }
        let m = &self.model;
        let pre = &m.preprocessor.features;
        if pre.len() != m.features.len()
            || pre
                .iter()
                .zip(&m.features)
                .any(|(p, f)| p.name != f.name || p.transform != f.transform)
        {
            return Err("the preprocessing does not match the feature list".into());
        }
        let columns = m.preprocessor.column_names();
        if columns.len() != m.coefficients.len()
            || columns
                .iter()
                .zip(&m.coefficients)
                .any(|(c, k)| *c != k.column)
        {
            return Err(format!(
                "the coefficients do not match the design columns (expected {})",
                columns.join(", ")
            ));
        }
        let finite = m.intercept.is_finite()
            && m.coefficients.iter().all(|c| c.value.is_finite())
            && pre.iter().all(|f| {
                f.median.is_finite()
                    && f.value.mean.is_finite()
                    && f.value.sd.is_finite()
                    && f.value.sd > 0.0
                    && f.missing_indicator
                        .is_none_or(|s| s.mean.is_finite() && s.sd.is_finite() && s.sd > 0.0)
            });
        if !finite {
            return Err("a coefficient or scaling value is not a finite number".into());
        }
        let expected = self.content_version().map_err(|e| e.to_string())?;
        if expected != self.model_version {
            return Err(format!(
                "its content does not match its version id {} (edited or damaged; content gives {expected})",
                self.model_version
            ));
        }
        Ok(())
    }

    pub fn feature_names(&self) -> Vec<String> {
        self.model.feature_names()
    }

    /// Refuse data whose feature columns are not exactly the model's, in order.
    pub fn check_features(&self, data: &[String]) -> Result<(), ModelError> {
        let model = self.feature_names();
        if model == data {
            return Ok(());
        }
        let missing: Vec<String> = model
            .iter()
            .filter(|f| !data.contains(f))
            .cloned()
            .collect();
        let unexpected: Vec<String> = data
            .iter()
            .filter(|f| !model.contains(f))
            .cloned()
            .collect();
        let order_differs = missing.is_empty() && unexpected.is_empty();
        Err(ModelError::FeatureMismatch {
            missing,
            unexpected,
            order_differs,
        })
    }

    /// P(churn) per row; columns in the model's feature order.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<f64>, ModelError> {
        self.model.predict(x)
    }

    /// P(churn) with per-feature contributions.
    pub fn explain(&self, x: ArrayView2<f64>) -> Result<Scored, ModelError> {
        self.model.explain(x)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("model");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(ModelError::io("writing", &tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ModelError::io("renaming into place", path, e)
    })
}
