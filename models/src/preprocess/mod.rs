//! Preprocessing fitted on the training split and stored in the model: NULL imputation and
//! standardization for numeric features, one-hot encoding for categorical ones, calendar
//! parts (each imputed and standardized) for date features, hashed TF-IDF for text features.
//!
//! Categorical encoding drops a reference level (the most frequent one in training), as
//! credit-risk practice does: it keeps the design matrix full rank, so coefficient standard
//! errors exist, and it gives unseen or rare levels at predict time a defined meaning (the
//! reference) instead of an error.
//!
//! One job per file: `transform` (one feature's fitted transform), `fit` (fitting them on the
//! training rows), `matrix` (the preprocessor and the design matrix it writes), `row` (one
//! row's design from its values, the hot path of `fin_predict`).

mod fit;
mod matrix;
mod row;
mod transform;

pub use crate::data::{RawValue, MISSING_LEVEL};
pub use fit::{categorical_from_counts, median_in_place, Impute, PreprocessOptions};
pub use matrix::{Preprocessor, RowsDesign};
pub use transform::{
    CategoricalTransform, DatePartTransform, DateTransform, FeatureTransform, Input,
    NumericTransform, Transform, END_DATE_SECONDS, END_TIMESTAMP_SECONDS, FIRST_INSTANT_SECONDS,
    MAX_DESIGN_WIDTH,
};

#[cfg(test)]
mod tests;
