//! The local file system: files are read through `std::fs::File` (Parquet's own
//! `ChunkReader` for it, so reads cost what they did before storage existed),
//! written to a hidden temporary sibling that is flushed and renamed into place, and
//! folders are published by renaming a hidden staging folder.

mod file;
mod publish;
#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Entry, Location, Lock, Reader, StagedFolder, Storage, StorageError};
use file::LocalFile;

/// The local file system as [`Storage`]; locations are paths.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalFs;

/// Tags an I/O error with the path it happened on.
fn at(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::new(path, source)
}

/// A temporary path next to `path`, hidden from globbing readers.
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Creates the folder `path` is in, if it has one.
fn create_parent(path: &Path) -> Result<(), StorageError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(at(dir))?;
    }
    Ok(())
}

impl Storage for LocalFs {
    fn entry(&self, loc: &Location) -> Result<Entry, StorageError> {
        Ok(match fs::metadata(loc.as_path()) {
            Ok(m) if m.is_file() => Entry::File,
            Ok(m) if m.is_dir() => Entry::Folder,
            _ => Entry::Missing,
        })
    }

    fn list_files(
        &self,
        prefix: &Location,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<Location>, StorageError> {
        let mut files = Vec::new();
        walk(prefix.as_path(), keep, &mut files)?;
        files.sort();
        Ok(files.into_iter().map(Location::from).collect())
    }

    fn size(&self, loc: &Location) -> Result<u64, StorageError> {
        let path = loc.as_path();
        Ok(fs::metadata(path).map_err(at(path))?.len())
    }

    fn open(&self, loc: &Location) -> Result<Reader, StorageError> {
        LocalFile::open(loc.as_path()).map(Reader::new)
    }

    fn put(&self, loc: &Location, bytes: &[u8]) -> Result<(), StorageError> {
        let path = loc.as_path();
        create_parent(path)?;
        let tmp = temp_sibling(path);
        let result = (|| {
            let mut file = File::create(&tmp).map_err(at(&tmp))?;
            file.write_all(bytes).map_err(at(path))?;
            file.sync_all().map_err(at(&tmp))?;
            fs::rename(&tmp, path).map_err(at(path))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn lock(&self, loc: &Location) -> Result<Option<Lock>, StorageError> {
        let path = loc.as_path();
        create_parent(path)?;
        // The file stays after the run; the lock is on it, not its existence, so a
        // killed run leaves nothing that blocks the next one.
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(at(path))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock::new(file))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(source)) => Err(StorageError::new(path, source)),
        }
    }

    fn recover_folders(&self, parent: &Location, prefix: &str) -> Result<(), StorageError> {
        publish::recover(parent.as_path(), prefix)
    }

    fn stage_folder(
        &self,
        parent: &Location,
        name: &str,
    ) -> Result<Box<dyn StagedFolder>, StorageError> {
        Ok(Box::new(publish::LocalStage::create(
            parent.as_path(),
            name,
        )?))
    }
}

/// Collects the files below `dir` whose path names `keep` accepts at every level.
fn walk(
    dir: &Path,
    keep: &dyn Fn(&str) -> bool,
    out: &mut Vec<PathBuf>,
) -> Result<(), StorageError> {
    for entry in fs::read_dir(dir).map_err(at(dir))? {
        let entry = entry.map_err(at(dir))?;
        if !keep(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, keep, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
