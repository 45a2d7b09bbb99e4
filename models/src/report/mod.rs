//! The model report for validators: one self-contained HTML page (no scripts, no external
//! files: charts are inline SVG) built from the model and the catalog's facts about it.
//!
//! Why it is built this way: a validator archives the page with the model's file and opens
//! it years later, offline, in a bank's locked-down browser; so nothing is fetched, nothing
//! runs, every number is escaped text, and the curves are the ones measured at training
//! (stored in the model's evaluation summary), not recomputed from data that may have changed.
//!
//! One job per file: `facts` (what the catalog knows), `page` (the page and the model's
//! sections), `history` (monitoring by period, the versions table), `charts` (each chart),
//! `plot` (a chart's SVG plot area), `print` (numbers in cells and on axes).

mod charts;
mod facts;
mod history;
mod page;
mod plot;
mod print;

pub use facts::{ApprovalFacts, MonitoringFacts, ReportFacts, TrialFacts, VersionFacts, CARD_KEYS};
pub use page::render;

#[cfg(test)]
mod tests;
