//! `churn`: a nightly batch job that tells customer-success teams which accounts are
//! about to churn, why, and what to do about it.
//!
//! The modules follow the data: [`contract`] (what the inputs are) -> [`ingest`]
//! (reading them) -> [`features`] (point in time) -> [`model`] (logistic regression)
//! -> scoring -> actions -> [`output`]. [`generate`] simulates realistic inputs.
//! Every file is read and written through [`storage`].

pub mod actions;
pub mod byo;
pub mod contract;
pub mod error;
pub mod features;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod quality;
pub mod report;
pub mod scoring;
pub mod settings;
pub mod storage;

pub mod time;
pub mod timing;
pub mod validate;
