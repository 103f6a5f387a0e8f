//! Wall time per stage, for logs and the run manifest.

use std::time::Instant;

use serde::Serialize;

/// Wall time of one stage.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub stage: &'static str,
    pub seconds: f64,
}

/// The stages of one command, in the order they ran.
#[derive(Debug, Default)]
pub struct Timings(pub Vec<Timing>);

impl Timings {
    /// Runs `f` and records its wall time under `stage`.
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0.push(Timing {
            stage,
            seconds: start.elapsed().as_secs_f64(),
        });
        out
    }
}
