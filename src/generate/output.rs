//! Writing into a hidden staging folder and moving the result into place.

use std::fs;
use std::path::{Path, PathBuf};

use super::GenerateError;

/// Table names the generator owns inside the output folder. Each may exist as
/// `NAME.parquet` or as a folder `NAME/` (the contract allows both), and either
/// form is replaced.
const TABLES: [&str; 5] = ["accounts", "usage", "tickets", "surveys", "_truth"];

/// A sibling folder of the output that receives every file; removed on drop
/// unless committed.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn create(out: &Path) -> Result<Staging, GenerateError> {
        if out.as_os_str().is_empty() {
            return Err(GenerateError::InvalidConfig(
                "the output folder path is empty".into(),
            ));
        }
        let out = if out.exists() {
            if !out.is_dir() {
                return Err(GenerateError::InvalidConfig(format!(
                    "{} exists and is not a folder",
                    out.display()
                )));
            }
            // Resolves "." and ".." so the staging folder gets a real sibling name.
            fs::canonicalize(out).map_err(|e| GenerateError::io(out, e))?
        } else {
            out.to_path_buf()
        };
        let Some(name) = out.file_name() else {
            return Err(GenerateError::InvalidConfig(format!(
                "{} does not name a folder",
                out.display()
            )));
        };
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| GenerateError::io(&parent, e))?;
        let dir = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if dir.exists() {
            // Left by an earlier killed run that had the same process id.
            fs::remove_dir_all(&dir).map_err(|e| GenerateError::io(&dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| GenerateError::io(&dir, e))?;
        Ok(Staging {
            dir,
            out,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves the staged tables into the output folder. A new output folder appears
    /// in one rename; an existing one has each table swapped by two renames.
    pub fn commit(mut self) -> Result<(), GenerateError> {
        let rename =
            |from: &Path, to: &Path| fs::rename(from, to).map_err(|e| GenerateError::io(to, e));
        if !self.out.exists() {
            rename(&self.dir, &self.out)?;
            self.committed = true;
            return Ok(());
        }
        let replaced = self.dir.join(".replaced");
        fs::create_dir(&replaced).map_err(|e| GenerateError::io(&replaced, e))?;
        for table in TABLES {
            for name in [format!("{table}.parquet"), table.to_string()] {
                let old = self.out.join(&name);
                if old.exists() {
                    rename(&old, &replaced.join(&name))?;
                }
            }
            for name in [format!("{table}.parquet"), table.to_string()] {
                let new = self.dir.join(&name);
                if new.exists() {
                    rename(&new, &self.out.join(&name))?;
                }
            }
        }
        fs::remove_dir_all(&self.dir).map_err(|e| GenerateError::io(&self.dir, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a failed run should not leave a half-written folder behind.
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Total size of the files under `dir`.
pub fn folder_bytes(dir: &Path) -> Result<u64, GenerateError> {
    let mut total = 0;
    let entries = fs::read_dir(dir).map_err(|e| GenerateError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| GenerateError::io(dir, e))?;
        let path = entry.path();
        let meta = entry.metadata().map_err(|e| GenerateError::io(&path, e))?;
        total += if meta.is_dir() {
            folder_bytes(&path)?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
