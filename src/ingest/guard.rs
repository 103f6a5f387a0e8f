//! The boundary between our code and the Parquet and Arrow decoders.
//!
//! Why `catch_unwind` is here: a corrupt input file must end the job as a data
//! problem (exit code 3, a message naming the table and the file), never as a crash
//! (exit code 101, "a bug"). The parquet crate returns errors for most corrupt
//! input, but fuzzing (`fuzz/`) found files that reach an `unwrap`, a slice index or
//! an arithmetic overflow inside it, or inside arrow-ipc, which decodes the Arrow
//! schema that writers embed in the footer metadata. Those panics are not ours to
//! fix, and cannot all be prevented by checking the file first (the checks would be
//! the decoder itself), so every call that decodes bytes of an input file runs under
//! [`decoding`], which turns a panic into an error the caller maps to
//! `IngestError::NotParquet` (opening) or `IngestError::Read` (reading a row group).
//!
//! What this does not do:
//! - It installs no panic hook. The hook is process-wide and belongs to the
//!   application, so the library leaves it alone; the default hook still prints its
//!   "panicked at" note on stderr before the clean error is reported. The error
//!   itself names the table and file, not the decoder's internals.
//! - It catches unwinding panics only. Under `panic = "abort"` there is nothing to
//!   catch; the job builds with the default, `unwind`.
//! - It guards decoding only. A panic in our own code is a bug and still ends the
//!   job with 101, so that it gets reported and fixed.
//!
//! The decoder's state after a panic is not reused: each guarded call owns its file
//! handle and reader, and on a panic they are dropped with the error.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What the user is told when the decoder panicked: the file, not the decoder's
/// internals, is what they can act on.
pub(crate) const CORRUPT: &str = "the file is corrupt (the Parquet decoder failed on it)";

/// Runs `f`, a call into the Parquet/Arrow decoder on bytes of an input file, and
/// turns a panic inside it into `Err` with a short reason for the user. The panic's
/// own message is only logged, at debug level, for whoever reports it upstream.
pub(crate) fn decoding<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // AssertUnwindSafe: nothing that `f` borrows is used after a panic; the caller
    // returns the error and drops the reader.
    let was = IN_DECODER.with(|d| d.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_DECODER.with(|d| d.set(was));
    result.map_err(|payload| {
        tracing::debug!(
            panic = %panic_text(payload.as_ref()),
            "the Parquet decoder panicked on a corrupt file"
        );
        CORRUPT.to_string()
    })
}

thread_local! {
    static IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while this thread runs a guarded decoder call. The binary's panic hook uses it
/// to keep a dependency's panic text off the terminal: that panic becomes a clean data
/// error naming the file, and the text is logged at debug level.
pub fn in_decoder() -> bool {
    IN_DECODER.with(|d| d.get())
}

/// The message of a panic payload (`panic!` with a literal or a format string).
fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown failure".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        let got: Result<(), String> = decoding(|| panic!("index {} out of range", 7));
        assert_eq!(got.unwrap_err(), CORRUPT);
        let got: Result<u8, String> = decoding(|| std::panic::panic_any(3u8));
        assert_eq!(got.unwrap_err(), CORRUPT);
    }

    #[test]
    fn panic_payloads_are_read() {
        assert_eq!(panic_text(&"literal"), "literal");
        assert_eq!(panic_text(&String::from("formatted")), "formatted");
        assert_eq!(panic_text(&3u8), "unknown failure");
    }

    #[test]
    fn a_value_passes_through() {
        assert_eq!(decoding(|| 41 + 1), Ok(42));
    }
}
