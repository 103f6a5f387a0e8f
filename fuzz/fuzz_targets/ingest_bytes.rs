//! Arbitrary bytes as one table file: the first byte picks the table, the rest is
//! the file, read beside valid files of the other three tables.
#![no_main]

use libfuzzer_sys::fuzz_target;

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
