//! The validated parameters of algorithm "mlp", parsed from its keys of the options object
//! (the way linfa's `*ValidParams` are: a value of this type is always usable).

use crate::dp_sgd::{class_weight_voids_the_guarantee, voids_the_guarantee, PrivacyBudget};
use crate::error::Result;
use crate::json::{bad, count, enum_value, number_in};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::device::DeviceChoice;

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
}

/// Parameter update rule (PyTorch's definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Adam,
    Sgd,
    Momentum,
}

/// Loss and output layer: cross-entropy on a sigmoid output, or squared error on a linear one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    CrossEntropy,
    Mse,
}

pub use crate::fit::ClassWeight;

/// Early stopping on a validation split carved from the training split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement of the validation loss before stopping.
    pub patience: usize,
    /// Share of the training split held out for validation.
    pub validation_fraction: f64,
}

/// Validated MLP options, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpParams {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub dropout: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub learning_rate: f64,
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: f64,
    /// `None`: cross-entropy for classification, MSE for regression.
    pub loss: Option<Loss>,
    pub class_weight: Option<ClassWeight>,
    pub early_stopping: Option<EarlyStopping>,
    /// `None`: the finml.device setting.
    pub device: Option<DeviceChoice>,
    /// `options.privacy`: trained by DP-SGD (Poisson batches of expected size `batch_size`,
    /// each row's gradient clipped, Gaussian noise).
    pub privacy: Option<PrivacyBudget>,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden: vec![50, 50],
            activation: Activation::Relu,
            dropout: 0.2,
            epochs: 10,
            batch_size: 32,
            optimizer: OptimizerKind::Adam,
            learning_rate: 0.001,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
            loss: None,
            class_weight: None,
            early_stopping: None,
            device: None,
            privacy: None,
        }
    }
}

/// The option keys of algorithm "mlp".
pub const MLP_KEYS: &[&str] = &[
    "hidden",
    "activation",
    "dropout",
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "momentum",
    "beta1",
    "beta2",
    "weight_decay",
    "loss",
    "class_weight",
    "early_stopping",
    "device",
    "privacy",
];

/// Early stopping's defaults.
const DEFAULT_PATIENCE: usize = 3;
const DEFAULT_VALIDATION_FRACTION: f64 = 0.1;
/// Largest layer accepted, to refuse a typo before it allocates gigabytes.
const MAX_LAYER_WIDTH: usize = 65_536;

impl MlpParams {
    /// Reads the MLP keys of a training's options object (other keys are not looked at).
    pub fn from_json(options: &Map<String, Value>) -> Result<MlpParams> {
        let mut o = MlpParams::default();
        if let Some(v) = options.get("hidden") {
            let layers = v
                .as_array()
                .ok_or_else(|| bad("hidden", v, "an array of layer widths, e.g. [50, 50]"))?;
            o.hidden = layers
                .iter()
                .map(|w| match w.as_u64() {
                    Some(w) if w >= 1 && w as usize <= MAX_LAYER_WIDTH => Ok(w as usize),
                    _ => Err(bad("hidden", v, "layer widths between 1 and 65536")),
                })
                .collect::<Result<_>>()?;
        }
        if let Some(v) = options.get("activation") {
            o.activation = enum_value(v, "activation", "relu, tanh or sigmoid")?;
        }
        if let Some(v) = options.get("dropout") {
            o.dropout = number_in(v, "dropout", 0.0, 1.0, false, "a probability in [0, 1)")?;
        }
        if let Some(v) = options.get("epochs") {
            o.epochs = count(v, "epochs", 1, 100_000)?;
        }
        if let Some(v) = options.get("batch_size") {
            o.batch_size = count(v, "batch_size", 1, 1 << 20)?;
        }
        if let Some(v) = options.get("optimizer") {
            o.optimizer = enum_value(v, "optimizer", "adam, sgd or momentum")?;
        }
        if let Some(v) = options.get("learning_rate") {
            o.learning_rate = number_in(
                v,
                "learning_rate",
                0.0,
                10.0,
                true,
                "a positive number, e.g. 0.001",
            )?;
            if o.learning_rate == 0.0 {
                return Err(bad("learning_rate", v, "a positive number, e.g. 0.001"));
            }
        }
        if let Some(v) = options.get("momentum") {
            o.momentum = number_in(v, "momentum", 0.0, 1.0, false, "a number in [0, 1)")?;
        }
        if let Some(v) = options.get("beta1") {
            o.beta1 = number_in(v, "beta1", 0.0, 1.0, false, "a number in [0, 1)")?;
        }
        if let Some(v) = options.get("beta2") {
            o.beta2 = number_in(v, "beta2", 0.0, 1.0, false, "a number in [0, 1)")?;
        }
        if let Some(v) = options.get("weight_decay") {
            o.weight_decay = number_in(v, "weight_decay", 0.0, 1.0, true, "a number in [0, 1]")?;
        }
        if let Some(v) = options.get("loss") {
            o.loss = Some(enum_value(v, "loss", "cross_entropy or mse")?);
        }
        if let Some(v) = options.get("class_weight") {
            o.class_weight = Some(ClassWeight::parse(v)?);
        }
        if let Some(v) = options.get("early_stopping") {
            o.early_stopping = early_stopping(v)?;
        }
        if let Some(v) = options.get("device") {
            let text = v
                .as_str()
                .ok_or_else(|| bad("device", v, "auto, cpu or cuda"))?;
            o.device = Some(DeviceChoice::parse(text)?);
        }
        if let Some(v) = options.get("privacy") {
            o.privacy = Some(PrivacyBudget::parse(v, &[])?.0);
            o.refuse_with_privacy()?;
        }
        Ok(o)
    }

    /// The MLP options a private training cannot honour: early stopping (it picks the epoch
    /// by a loss over training rows that no noise covers) and class weights (computed from the
    /// data's class counts, or weighing a row's clipped gradient past C).
    fn refuse_with_privacy(&self) -> Result<()> {
        if self.early_stopping.is_some() {
            return Err(voids_the_guarantee(
                "early_stopping",
                "the kept epoch is chosen by a validation loss over training rows, which no noise covers",
            ));
        }
        if self.class_weight.is_some() {
            return Err(class_weight_voids_the_guarantee());
        }
        Ok(())
    }
}

fn early_stopping(value: &Value) -> Result<Option<EarlyStopping>> {
    let expected = r#"true, false or {"patience": 3, "validation_fraction": 0.1}"#;
    let mut stopping = EarlyStopping {
        patience: DEFAULT_PATIENCE,
        validation_fraction: DEFAULT_VALIDATION_FRACTION,
    };
    match value {
        Value::Bool(false) => Ok(None),
        Value::Bool(true) => Ok(Some(stopping)),
        Value::Object(map) => {
            for (key, v) in map {
                match key.as_str() {
                    "patience" => {
                        stopping.patience = count(v, "early_stopping.patience", 1, 10_000)?
                    }
                    "validation_fraction" => {
                        stopping.validation_fraction = number_in(
                            v,
                            "early_stopping.validation_fraction",
                            0.0,
                            1.0,
                            false,
                            "a share in (0, 1)",
                        )?;
                        if stopping.validation_fraction == 0.0 {
                            return Err(bad(
                                "early_stopping.validation_fraction",
                                v,
                                "a share in (0, 1)",
                            ));
                        }
                    }
                    _ => return Err(bad("early_stopping", value, expected)),
                }
            }
            Ok(Some(stopping))
        }
        _ => Err(bad("early_stopping", value, expected)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    #[test]
    fn the_recipe_is_the_default() {
        let o = MlpParams::from_json(&Map::new()).unwrap();
        assert_eq!(o.hidden, [50, 50]);
        assert_eq!(
            (o.activation, o.optimizer),
            (Activation::Relu, OptimizerKind::Adam)
        );
        assert_eq!(
            (o.dropout, o.epochs, o.batch_size, o.learning_rate),
            (0.2, 10, 32, 0.001)
        );
    }

    #[test]
    fn bad_options_are_refused_with_a_hint() {
        for (key, value) in [
            ("hidden", json!([50, 0])),
            ("hidden", json!("50")),
            ("activation", json!("gelu")),
            ("dropout", json!(1.0)),
            ("epochs", json!(0)),
            ("batch_size", json!(-1)),
            ("optimizer", json!("rmsprop")),
            ("learning_rate", json!(0)),
            ("loss", json!("hinge")),
            ("class_weight", json!({"0": 2})),
            ("early_stopping", json!({"patience": 0})),
            ("device", json!("tpu")),
        ] {
            let mut map = Map::new();
            map.insert(key.to_owned(), value.clone());
            let err = MlpParams::from_json(&map).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidOption, "{key} {value}");
            assert!(err.hint.is_some(), "{key} {value}");
        }
    }
}
