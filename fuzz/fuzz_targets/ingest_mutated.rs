//! Valid Parquet files of each table (the seed corpus), mutated with the Parquet
//! framing kept intact so that mutations reach the metadata and page decoders.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};

fuzz_target!(
    init: {
        churn_fuzz::init();
    },
    |data: &[u8]| {
        if let Some((&selector, file)) = data.split_first() {
            churn_fuzz::run(selector, file);
        }
    }
);

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    churn_fuzz::mutator::mutate(data, size, max_size, seed)
});
