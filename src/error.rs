//! What kind of failure an error is, for the binary to pick an exit code. Every
//! layer's error says its kind; only `main.rs` turns kinds into numbers.

/// The kinds of failure a scheduler tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A setting has no valid value, or does not fit the data (an as-of date outside it).
    Usage,
    /// The input data breaks the contract or cannot be used.
    Data,
    /// The model cannot be trained, loaded or used, or the quality gate refused the run.
    Model,
    /// Reading or writing files failed, or another run holds the output folder.
    Io,
}
