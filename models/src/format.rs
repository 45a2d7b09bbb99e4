//! The stored form of a model: see models/README.md for the byte layout and the
//! compatibility policy. In short: an 8-byte magic, a little-endian u32 format version, then
//! the model as UTF-8 JSON. A reader accepts every version up to its own.

use crate::drift::DriftReference;
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::{Algorithm, StoredEstimator};
use crate::explain::Reference;
use crate::linear::Coefficient;
use crate::mlp::Network;
use crate::model::{first_invalid_parameter, first_structure_problem, EvaluationSummary, Model};
use crate::options::Task;
use crate::preprocess::Preprocessor;
use crate::scorecard::Scorecard;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// First bytes of every stored model.
pub const MAGIC: &[u8; 8] = b"FINML\0MD";
/// The newest format version this build reads and writes.
pub const FORMAT_VERSION: u32 = crate::estimator::NEWEST_FORMAT_VERSION;

/// The JSON body of formats 1-3: every model's shared parts with the estimator's fields
/// flat beside them (a linear model's intercept, weights and coefficients always; a
/// scorecard's points and a network when present). The field order is the byte layout of
/// models stored since finml 0.1: do not reorder.
#[derive(Serialize, Deserialize)]
struct StoredModel<'a> {
    algorithm: Algorithm,
    task: Task,
    target: Cow<'a, str>,
    positive_class: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    negative_class: Option<Cow<'a, str>>,
    preprocessor: Cow<'a, Preprocessor>,
    intercept: f64,
    weights: Vec<f64>,
    coefficients: Vec<Coefficient>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scorecard: Option<Scorecard>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<Cow<'a, Reference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    network: Option<Network>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evaluation: Option<Cow<'a, EvaluationSummary>>,
    /// The training population's distributions (since finml 0.5.0; older readers ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    drift: Option<Cow<'a, DriftReference>>,
    /// An algorithm added after format 3 stores its fitted state here (StoredEstimator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    estimator: Option<serde_json::Value>,
    /// A multi-class classifier's classes (format 9, finml 0.11.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classes: Option<Vec<Cow<'a, str>>>,
}

impl<'a> StoredModel<'a> {
    fn of(model: &'a Model) -> StoredModel<'a> {
        let estimator = model.estimator.to_stored(model.preprocessor.width());
        StoredModel {
            algorithm: model.algorithm(),
            task: model.task,
            target: Cow::Borrowed(&model.target),
            positive_class: model.positive_class.as_deref().map(Cow::Borrowed),
            negative_class: model.negative_class.as_deref().map(Cow::Borrowed),
            preprocessor: Cow::Borrowed(&model.preprocessor),
            intercept: estimator.intercept,
            weights: estimator.weights,
            coefficients: estimator.coefficients,
            scorecard: estimator.scorecard,
            reference: model.reference.as_ref().map(Cow::Borrowed),
            network: estimator.network,
            evaluation: model.evaluation.as_ref().map(Cow::Borrowed),
            drift: model.drift.as_ref().map(Cow::Borrowed),
            estimator: estimator.fitted,
            classes: model
                .classes
                .as_ref()
                .map(|c| c.iter().map(|s| Cow::Borrowed(s.as_str())).collect()),
        }
    }

    fn into_model(self) -> Result<Model> {
        let estimator = self.algorithm.spec().read_stored(StoredEstimator {
            intercept: self.intercept,
            weights: self.weights,
            coefficients: self.coefficients,
            scorecard: self.scorecard,
            network: self.network,
            fitted: self.estimator,
        })?;
        Ok(Model {
            task: self.task,
            target: self.target.into_owned(),
            positive_class: self.positive_class.map(Cow::into_owned),
            negative_class: self.negative_class.map(Cow::into_owned),
            classes: self
                .classes
                .map(|c| c.into_iter().map(Cow::into_owned).collect()),
            preprocessor: self.preprocessor.into_owned(),
            estimator,
            reference: self.reference.map(Cow::into_owned),
            evaluation: self.evaluation.map(Cow::into_owned),
            drift: self.drift.map(Cow::into_owned),
        })
    }
}

/// Serializes a model into its stored form.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>> {
    let body = serde_json::to_vec(&StoredModel::of(model))
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot serialize model: {e}")))?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 4 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&model.format_version().to_le_bytes());
    bytes.extend_from_slice(&body);
    Ok(bytes)
}

/// The format version in a stored model's header, if it has one.
pub fn stored_version(bytes: &[u8]) -> Option<u32> {
    let header = bytes.get(..MAGIC.len() + 4)?;
    if &header[..MAGIC.len()] != MAGIC {
        return None;
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&header[MAGIC.len()..]);
    Some(u32::from_le_bytes(version))
}

/// Reads a stored model, ready to predict.
pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
    let corrupt = |why: String| {
        Error::new(
            ErrorKind::CorruptModel,
            format!("stored model is corrupt: {why}"),
        )
        .with_hint("retrain the model, or restore it from a backup")
    };
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(corrupt(
            "it does not start with the finml model header".into(),
        ));
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&bytes[MAGIC.len()..MAGIC.len() + 4]);
    let version = u32::from_le_bytes(version);
    if version > FORMAT_VERSION {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("model format version {version} is newer than this finml ({FORMAT_VERSION})"),
        )
        .with_hint("upgrade the finml extension to read this model"));
    }
    let stored: StoredModel<'_> =
        serde_json::from_slice(&bytes[MAGIC.len() + 4..]).map_err(|e| corrupt(e.to_string()))?;
    let mut model = stored.into_model().map_err(|e| corrupt(e.message))?;
    if let Some(what) = first_structure_problem(&model) {
        return Err(corrupt(what));
    }
    if let Some(what) = first_invalid_parameter(&model) {
        return Err(corrupt(format!("{what} is not a finite, valid number")));
    }
    if model.estimator.coefficients_disagree(&model.preprocessor) {
        return Err(corrupt(
            "its coefficients do not match the weights it predicts with".into(),
        ));
    }
    model.preprocessor.rebuild_indexes();
    if let Some(drift) = &mut model.drift {
        drift.rebuild_indexes();
    }
    if let Some(points) = model.points() {
        let binnings = model
            .scorecard()
            .map_err(|e| corrupt(e.message))?
            .1
            .into_iter()
            .map(|(name, b)| {
                b.validate()
                    .map(|()| b)
                    .map_err(|why| corrupt(format!("binning of \"{name}\": {why}")))
            })
            .collect::<Result<Vec<_>>>()?;
        points.validate(&binnings).map_err(corrupt)?;
    }
    Ok(model)
}
