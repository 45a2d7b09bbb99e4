//! The SQL surface, one file per feature. Each function converts its arguments, calls into
//! `pg/` and `finml_models`, and maps errors through `crate::error`.

mod coefficients;
mod lifecycle;
mod predict;
mod scorecard;
mod train;
