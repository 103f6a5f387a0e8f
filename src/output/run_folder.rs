//! The run folder `OUT/run_date=YYYY-MM-DD/`, published through storage so that its
//! files appear together or not at all (locally: staged as a hidden sibling, flushed,
//! then renamed into place). A rerun for the same date replaces the folder; other
//! dates are never touched.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::OutputError;
use crate::storage::{self, Location, StagedFolder};

/// Run folders are named `run_date=YYYY-MM-DD`.
const PREFIX: &str = "run_date=";

/// An exclusive lock on an output folder (`OUT/.churn.lock`), held for the whole run.
/// Released when dropped (on the local file system, also when the process dies).
pub struct OutputLock {
    _lock: storage::Lock,
}

impl OutputLock {
    pub fn acquire(out: &Path) -> Result<OutputLock, OutputError> {
        let lock = Location::from(out.join(".churn.lock"));
        match storage::for_location(&lock).lock(&lock)? {
            Some(held) => Ok(OutputLock { _lock: held }),
            None => Err(OutputError::Locked {
                dir: out.to_path_buf(),
                lock: lock.into_path(),
            }),
        }
    }
}

/// A run folder being written; dropped without `commit`, it leaves nothing behind.
pub struct RunFolder {
    staged: Box<dyn StagedFolder>,
}

impl RunFolder {
    pub fn folder_name(as_of: NaiveDate) -> String {
        format!("{PREFIX}{as_of}")
    }

    /// Starts a run folder for `as_of` under `out` (which the caller has locked).
    /// Leftovers of runs killed earlier are cleaned up first.
    pub fn create(out: &Path, as_of: NaiveDate) -> Result<RunFolder, OutputError> {
        let out = Location::from(out);
        let store = storage::for_location(&out);
        store.recover_folders(&out, PREFIX)?;
        let staged = store.stage_folder(&out, &Self::folder_name(as_of))?;
        Ok(RunFolder { staged })
    }

    /// Where to write the run's files until `commit`.
    pub fn path(&self) -> &Path {
        self.staged.location().as_path()
    }

    /// The folder's final path.
    pub fn final_path(&self) -> PathBuf {
        self.staged.target().as_path().to_path_buf()
    }

    /// Publishes the folder, replacing an earlier one of the same date.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        Ok(self.staged.commit()?.into_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
