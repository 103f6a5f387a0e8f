//! Publishing a folder on the local file system: staged as a hidden sibling, flushed,
//! then renamed into place, so its files appear together or not at all. An earlier
//! folder of the same name is renamed aside first and deleted after.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::at;
use crate::storage::{Location, StagedFolder, StorageError};

/// `parent/.NAME.tmp-PID` while staged; `parent/.NAME.old-PID` for the folder it
/// replaces, between the two renames.
pub(super) struct LocalStage {
    parent: PathBuf,
    name: String,
    staging: Location,
    target: Location,
    committed: bool,
}

impl LocalStage {
    pub(super) fn create(parent: &Path, name: &str) -> Result<LocalStage, StorageError> {
        fs::create_dir_all(parent).map_err(at(parent))?;
        let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(at(&staging))?;
        }
        fs::create_dir(&staging).map_err(at(&staging))?;
        Ok(LocalStage {
            parent: parent.to_path_buf(),
            name: name.to_string(),
            staging: staging.into(),
            target: parent.join(name).into(),
            committed: false,
        })
    }
}

impl StagedFolder for LocalStage {
    fn location(&self) -> &Location {
        &self.staging
    }

    fn target(&self) -> &Location {
        &self.target
    }

    /// Flushes every file, then swaps the folder into place.
    fn commit(mut self: Box<Self>) -> Result<Location, StorageError> {
        let staging = self.staging.as_path();
        for entry in fs::read_dir(staging).map_err(at(staging))? {
            let path = entry.map_err(at(staging))?.path();
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(at(&path))?;
        }
        sync_dir(staging)?;
        let target = self.target.as_path();
        let aside = self
            .parent
            .join(format!(".{}.old-{}", self.name, std::process::id()));
        let replaced = target.exists();
        if replaced {
            fs::rename(target, &aside).map_err(at(target))?;
        }
        if let Err(source) = fs::rename(staging, target) {
            // Put the previous folder back rather than leave none at all.
            if replaced {
                let _ = fs::rename(&aside, target);
            }
            return Err(StorageError::new(target, source));
        }
        self.committed = true;
        sync_dir(&self.parent)?;
        if replaced {
            fs::remove_dir_all(&aside).map_err(at(&aside))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for LocalStage {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(self.staging.as_path());
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(at(dir))
}

/// Removes hidden staging and set-aside folders of names starting with `prefix`
/// left by killed processes. One killed between its two renames left its earlier
/// folder aside: it is put back if its name is free, so a published folder is never
/// lost.
pub(super) fn recover(parent: &Path, prefix: &str) -> Result<(), StorageError> {
    fs::create_dir_all(parent).map_err(at(parent))?;
    for entry in fs::read_dir(parent).map_err(at(parent))? {
        let entry = entry.map_err(at(parent))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(hidden) = name.strip_prefix('.') else {
            continue;
        };
        let Some(rest) = hidden.strip_prefix(prefix) else {
            continue;
        };
        let path = entry.path();
        if let Some((folder, _)) = hidden.split_once(".old-") {
            let target = parent.join(folder);
            if !target.exists() {
                fs::rename(&path, &target).map_err(at(&path))?;
                continue;
            }
        }
        if rest.contains(".tmp-") || rest.contains(".old-") {
            fs::remove_dir_all(&path).map_err(at(&path))?;
        }
    }
    Ok(())
}
