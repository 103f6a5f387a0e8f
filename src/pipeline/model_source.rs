//! Which model a run scores with: one it trains, a file, or the one `latest` names.

use std::path::{Path, PathBuf};

use crate::model::{ChurnModel, ModelError};

#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    /// Train on past observation dates, save under the models folder, then score.
    Train,
    /// Score with this model file.
    File(PathBuf),
    /// Score with the model `models/latest` points to.
    Latest,
}

/// The saved model a source names, and its path (`None` for [`ModelSource::Train`]).
pub fn load_model(
    source: &ModelSource,
    models_dir: &Path,
) -> Result<Option<(ChurnModel, PathBuf)>, ModelError> {
    match source {
        ModelSource::Train => Ok(None),
        ModelSource::File(p) => Ok(Some((ChurnModel::load(p)?, p.clone()))),
        ModelSource::Latest => {
            let pointer = models_dir.join("latest");
            let name = std::fs::read_to_string(&pointer)
                .map_err(|e| ModelError::io("reading latest-model pointer", &pointer, e))?;
            let path = models_dir.join(name.trim());
            Ok(Some((ChurnModel::load_latest(models_dir)?, path)))
        }
    }
}
