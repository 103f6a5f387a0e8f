//! `churn`: a nightly batch job that tells customer-success teams which accounts are
//! about to churn, why, and what to do about it.
//!
//! The modules follow the data: [`contract`] (what the inputs are) -> [`ingest`]
//! (reading them) -> features -> model -> scoring -> actions -> output.

pub mod contract;
pub mod generate;
pub mod ingest;
pub mod time;
