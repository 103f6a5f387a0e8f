//! The run folder `OUT/run_date=YYYY-MM-DD/`: staged as a hidden sibling, flushed,
//! then renamed into place, so that its files appear together or not at all. A
//! rerun for the same date replaces the folder; other dates are never touched.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::atomic::io;
use super::OutputError;

/// An exclusive lock on an output folder, held for the whole run. Released when
/// dropped (and by the operating system if the process dies).
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    pub fn acquire(out: &Path) -> Result<OutputLock, OutputError> {
        fs::create_dir_all(out).map_err(io(out))?;
        let lock = out.join(".churn.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(io(&lock))?;
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(OutputError::Locked {
                dir: out.to_path_buf(),
                lock,
            }),
            Err(fs::TryLockError::Error(source)) => Err(OutputError::Io { path: lock, source }),
        }
    }
}

/// A run folder being written.
pub struct RunFolder {
    out: PathBuf,
    name: String,
    staging: PathBuf,
    committed: bool,
}

impl RunFolder {
    pub fn folder_name(as_of: NaiveDate) -> String {
        format!("run_date={as_of}")
    }

    /// Starts a run folder for `as_of` under `out` (which the caller has locked).
    /// Leftovers of runs killed earlier are removed first.
    pub fn create(out: &Path, as_of: NaiveDate) -> Result<RunFolder, OutputError> {
        fs::create_dir_all(out).map_err(io(out))?;
        remove_leftovers(out)?;
        let name = Self::folder_name(as_of);
        let staging = out.join(format!(".{name}.tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        fs::create_dir(&staging).map_err(io(&staging))?;
        Ok(RunFolder {
            out: out.to_path_buf(),
            name,
            staging,
            committed: false,
        })
    }

    /// Where to write the run's files until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder's final path.
    pub fn final_path(&self) -> PathBuf {
        self.out.join(&self.name)
    }

    /// Flushes every file, then swaps the folder into place.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        for entry in fs::read_dir(&self.staging).map_err(io(&self.staging))? {
            let path = entry.map_err(io(&self.staging))?.path();
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(io(&path))?;
        }
        sync_dir(&self.staging)?;
        let target = self.final_path();
        let aside = self
            .out
            .join(format!(".{}.old-{}", self.name, std::process::id()));
        let replaced = target.exists();
        if replaced {
            fs::rename(&target, &aside).map_err(io(&target))?;
        }
        if let Err(source) = fs::rename(&self.staging, &target) {
            // Put the previous run back rather than leave no folder at all.
            if replaced {
                let _ = fs::rename(&aside, &target);
            }
            return Err(OutputError::Io {
                path: target,
                source,
            });
        }
        self.committed = true;
        sync_dir(&self.out)?;
        if replaced {
            fs::remove_dir_all(&aside).map_err(io(&aside))?;
        }
        Ok(target)
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(io(dir))
}

/// Removes hidden staging and set-aside folders left by killed runs. A previous run
/// killed between its two renames left its old folder aside: put it back if the
/// date has no folder, so a completed run is never lost.
fn remove_leftovers(out: &Path) -> Result<(), OutputError> {
    for entry in fs::read_dir(out).map_err(io(out))? {
        let entry = entry.map_err(io(out))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".run_date=") else {
            continue;
        };
        let path = entry.path();
        if let Some((date, _)) = rest.split_once(".old-") {
            let target = out.join(format!("run_date={date}"));
            if !target.exists() {
                fs::rename(&path, &target).map_err(io(&path))?;
                continue;
            }
        }
        if rest.contains(".tmp-") || rest.contains(".old-") {
            fs::remove_dir_all(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_run_folder_appears_only_on_commit_and_replaces_the_same_date() {
        let out = tempfile::tempdir().unwrap();
        fs::create_dir_all(out.path().join("run_date=2026-10-31")).unwrap();
        fs::write(out.path().join("run_date=2026-10-31/keep.txt"), "x").unwrap();

        let run = RunFolder::create(out.path(), d("2026-11-01")).unwrap();
        fs::write(run.path().join("a.txt"), "first").unwrap();
        assert!(!run.final_path().exists());
        let p = run.commit().unwrap();
        assert_eq!(fs::read_to_string(p.join("a.txt")).unwrap(), "first");

        let run = RunFolder::create(out.path(), d("2026-11-01")).unwrap();
        fs::write(run.path().join("b.txt"), "second").unwrap();
        let p = run.commit().unwrap();
        assert!(
            !p.join("a.txt").exists(),
            "a rerun replaces the folder cleanly"
        );
        assert!(p.join("b.txt").exists());
        assert!(
            out.path().join("run_date=2026-10-31/keep.txt").exists(),
            "other dates untouched"
        );
        let hidden: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".run_date")
            })
            .collect();
        assert!(hidden.is_empty());
    }

    #[test]
    fn an_abandoned_run_leaves_nothing_visible() {
        let out = tempfile::tempdir().unwrap();
        {
            let run = RunFolder::create(out.path(), d("2026-11-01")).unwrap();
            fs::write(run.path().join("a.txt"), "x").unwrap();
        }
        assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_left_aside_by_a_killed_run_is_restored() {
        let out = tempfile::tempdir().unwrap();
        fs::create_dir_all(out.path().join(".run_date=2026-11-01.old-999")).unwrap();
        fs::create_dir_all(out.path().join(".run_date=2026-11-02.tmp-998")).unwrap();
        let run = RunFolder::create(out.path(), d("2026-11-03")).unwrap();
        drop(run);
        assert!(out.path().join("run_date=2026-11-01").exists());
        assert!(!out.path().join(".run_date=2026-11-02.tmp-998").exists());
    }

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused() {
        let out = tempfile::tempdir().unwrap();
        let _held = OutputLock::acquire(out.path()).unwrap();
        match OutputLock::acquire(out.path()) {
            Err(OutputError::Locked { .. }) => {}
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("second lock granted"),
        }
    }
}
