//! The exchange form of one model version (`fin_export` / `fin_import`): a JSON document with
//! the catalog's metadata, the stored model (base64 of the bytes of models/README.md) and its
//! SHA-256, so a model moves between databases as text and is checked on arrival.

use crate::dp_sgd::PrivacySpent;
use crate::error::{Error, ErrorKind, Result};
use crate::format;
use crate::model::Model;
use crate::options::DEFAULT_MIN_LEVEL_ROWS;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The value of the document's "format" key.
pub const EXPORT_FORMAT: &str = "finml-model-export";
/// The newest document version this build reads and writes.
pub const EXPORT_VERSION: u64 = 1;

/// Catalog fields every document carries, with their JSON kind.
const REQUIRED: &[(&str, Kind)] = &[
    ("name", Kind::String),
    ("version", Kind::Number),
    ("algorithm", Kind::String),
    ("task", Kind::String),
    ("relation", Kind::String),
    ("target", Kind::StringOrNull),
    ("features", Kind::Array),
    ("options", Kind::Object),
    ("metrics", Kind::Object),
    ("train_rows", Kind::Number),
    ("test_rows", Kind::Number),
    ("trained_at", Kind::String),
    ("trained_by", Kind::String),
];

#[derive(Clone, Copy)]
enum Kind {
    String,
    /// A string, or null (the target of an unsupervised model).
    StringOrNull,
    Number,
    Array,
    Object,
}

impl Kind {
    fn matches(self, v: &Value) -> bool {
        match self {
            Kind::String => v.is_string(),
            Kind::StringOrNull => v.is_string() || v.is_null(),
            Kind::Number => v.is_number(),
            Kind::Array => v.is_array(),
            Kind::Object => v.is_object(),
        }
    }
}

/// What `fin_export`'s options ask: `{"redact": true, "min_level_rows": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Export [`Model::redacted`]: no drift reference, no single rows' values, no level of
    /// fewer than `min_level_rows` training rows by name.
    pub redact: bool,
    pub min_level_rows: usize,
}

impl ExportOptions {
    /// Parses the options object (`Null`: export as stored).
    pub fn parse(value: &Value) -> Result<ExportOptions> {
        let hint = r#"e.g. fin_export('credit_risk', options => '{"redact": true, "min_level_rows": 20}')"#;
        let refused = |message: String| Error::invalid_option(message).with_hint(hint);
        let mut options = ExportOptions {
            redact: false,
            min_level_rows: DEFAULT_MIN_LEVEL_ROWS,
        };
        let map = match value {
            Value::Null => return Ok(options),
            Value::Object(map) => map,
            _ => return Err(refused("fin_export's options must be a JSON object".into())),
        };
        for (key, v) in map {
            match (key.as_str(), v) {
                ("redact", Value::Bool(b)) => options.redact = *b,
                ("min_level_rows", v) => {
                    options.min_level_rows = v
                        .as_u64()
                        .filter(|&n| n >= 1)
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or_else(|| {
                            refused(format!(
                                "min_level_rows must be a whole number >= 1, not {v}"
                            ))
                        })?
                }
                ("redact", v) => {
                    return Err(refused(format!("redact must be true or false, not {v}")))
                }
                _ => {
                    return Err(refused(format!(
                        "unknown export option \"{key}\" (known: redact, min_level_rows)"
                    )))
                }
            }
        }
        if map.contains_key("min_level_rows") && !options.redact {
            return Err(refused(
                "min_level_rows applies to a redacted export".into(),
            ));
        }
        Ok(options)
    }
}

/// The stored bytes of `model` redacted as `options` ask, with its coefficients (which name
/// its levels) for the document's metadata; `None` when the export is not redacted.
pub fn redacted(bytes: &[u8], options: ExportOptions) -> Result<Option<(Vec<u8>, Value)>> {
    if !options.redact {
        return Ok(None);
    }
    let model = format::from_bytes(bytes)?.redacted(options.min_level_rows)?;
    Ok(Some((
        format::to_bytes(&model)?,
        model.coefficients_json()?,
    )))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The document for a stored model and its catalog `metadata` (the REQUIRED fields, plus any
/// others such as coefficients or requested_features, kept as they are).
pub fn export_document(
    metadata: Map<String, Value>,
    model_bytes: &[u8],
    finml_version: &str,
) -> Value {
    let mut doc = Map::new();
    doc.insert("format".into(), EXPORT_FORMAT.into());
    doc.insert("format_version".into(), EXPORT_VERSION.into());
    doc.insert("finml_version".into(), finml_version.into());
    doc.extend(metadata);
    doc.insert(
        "model_format_version".into(),
        format::stored_version(model_bytes).map_or(Value::Null, Value::from),
    );
    doc.insert("model_sha256".into(), sha256_hex(model_bytes).into());
    doc.insert("model".into(), BASE64.encode(model_bytes).into());
    Value::Object(doc)
}

/// An accepted document: its metadata, the stored bytes and the model they hold.
#[derive(Debug)]
pub struct Imported {
    pub metadata: Map<String, Value>,
    pub bytes: Vec<u8>,
    pub model: Model,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_data(message).with_hint("pass the jsonb that fin_export returned, unchanged")
}

/// Checks a document and the model in it: format and version, required fields, checksum, a
/// readable model whose algorithm, task and features agree with the metadata.
pub fn read_export(doc: &Value) -> Result<Imported> {
    let Some(fields) = doc.as_object() else {
        return Err(invalid("an exported model is a JSON object"));
    };
    if fields.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) {
        return Err(invalid(format!(
            "not a finml model export: \"format\" must be \"{EXPORT_FORMAT}\""
        )));
    }
    match fields.get("format_version").and_then(Value::as_u64) {
        Some(v) if (1..=EXPORT_VERSION).contains(&v) => {}
        Some(v) if v > EXPORT_VERSION => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("export format version {v} is newer than this finml ({EXPORT_VERSION})"),
            )
            .with_hint("upgrade the finml extension in this database to import it"))
        }
        _ => return Err(invalid("\"format_version\" is missing or invalid")),
    }
    for (key, kind) in REQUIRED {
        if !fields.get(*key).is_some_and(|v| kind.matches(v)) {
            return Err(invalid(format!(
                "\"{key}\" is missing or has the wrong type"
            )));
        }
    }
    let encoded = fields
        .get("model")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("\"model\" is missing"))?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|e| invalid(format!("\"model\" is not base64: {e}")))?;
    let checksum = fields.get("model_sha256").and_then(Value::as_str);
    if checksum != Some(sha256_hex(&bytes).as_str()) {
        return Err(Error::new(
            ErrorKind::CorruptModel,
            "the exported model does not match its SHA-256 checksum",
        )
        .with_hint("the document was changed or truncated on the way; export it again"));
    }
    // The document's own claim about the bytes must be what the bytes say.
    let header_version = format::stored_version(&bytes);
    let claimed_version = fields.get("model_format_version").and_then(Value::as_u64);
    if claimed_version.is_some_and(|v| Some(v) != header_version.map(u64::from)) {
        return Err(invalid(format!(
            "\"model_format_version\" says {}, the model is format version {}",
            claimed_version.unwrap_or_default(),
            header_version.unwrap_or_default()
        )));
    }
    let model = format::from_bytes(&bytes)?;
    check_claims(fields, &model)?;
    let text = |key: &str| fields.get(key).and_then(Value::as_str).unwrap_or_default();
    let features: Vec<&str> = fields["features"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if text("algorithm") != model.algorithm().as_str()
        || text("task") != model.task.as_str()
        || !features.iter().copied().eq(model.feature_names())
    {
        return Err(Error::new(
            ErrorKind::CorruptModel,
            "the exported metadata does not describe the model in it (algorithm, task or features differ)",
        )
        .with_hint("export the model again"));
    }
    let mut metadata = fields.clone();
    for key in [
        "format",
        "format_version",
        "model",
        "model_sha256",
        "model_format_version",
    ] {
        metadata.remove(key);
    }
    Ok(Imported {
        metadata,
        bytes,
        model,
    })
}

/// The metadata fields an import stores only as claims of the exporting database (they
/// cannot be recomputed from the model itself); finml.models.imported lists them.
pub const CLAIMED: &[&str] = &[
    "name",
    "version",
    "relation",
    "options",
    "metrics",
    "train_rows",
    "test_rows",
    "trained_at",
    "trained_by",
    "requested_features",
];

/// Refuses claims that are not even plausible: a version or row count that is not a
/// non-negative integer, a metric that is not a finite number, names longer than
/// PostgreSQL's, a target other than the model's own.
fn check_claims(fields: &Map<String, Value>, model: &Model) -> Result<()> {
    let count = |key: &str, least: u64, most: u64| match fields.get(key).and_then(Value::as_u64) {
        Some(v) if v > most => Err(invalid(format!("\"{key}\" is out of range"))),
        Some(v) if v >= least => Ok(()),
        _ => Err(invalid(format!(
            "\"{key}\" must be an integer of at least {least}"
        ))),
    };
    count("version", 1, i32::MAX as u64)?;
    count("train_rows", 1, i64::MAX as u64)?;
    count("test_rows", 0, i64::MAX as u64)?;
    let text = |key: &str| fields.get(key).and_then(Value::as_str).unwrap_or_default();
    for (key, limit) in [("name", 63), ("trained_by", 63), ("relation", 200)] {
        if text(key).is_empty() || text(key).len() > limit {
            return Err(invalid(format!("\"{key}\" must have 1 to {limit} bytes")));
        }
    }
    if text("target") != model.target {
        return Err(Error::new(
            ErrorKind::CorruptModel,
            format!(
                "the exported metadata names target \"{}\", the model's is \"{}\"",
                text("target"),
                model.target
            ),
        )
        .with_hint("export the model again"));
    }
    let metrics = fields.get("metrics").and_then(Value::as_object);
    for (name, value) in metrics.into_iter().flatten() {
        let plausible = match value {
            // A private training's budget, as the report reads it.
            Value::Object(_) if name == "privacy" => match PrivacySpent::of_value(value) {
                Some(spent) => spent.adds_up()?,
                None => false,
            },
            // A solver's run (metrics.solver): one level of plain values.
            Value::Object(fields) => fields.values().all(plain_metric),
            other => plain_metric(other),
        };
        if !plausible {
            return Err(invalid(if name == "privacy" {
                "metric \"privacy\" is not a privacy budget that the accountant gives for its noise, sampling rate, steps and delta".to_owned()
            } else {
                format!("metric \"{name}\" is not a finite number")
            }));
        }
    }
    Ok(())
}

/// A metric's value as training stores it: a finite number, a short text or a flag.
fn plain_metric(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        Value::String(s) => s.len() <= 64,
        Value::Bool(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tiny_model_bytes() -> Vec<u8> {
        // A stored model is only produced by training; build one from the smallest dataset.
        use crate::data::{Column, Dataset, Feature, NumericColumn, TargetColumn};
        use crate::{train, Limits, TrainOptions};
        let x: Vec<f64> = (0..40).map(f64::from).collect();
        let y: Vec<Option<bool>> = (0..40).map(|i| Some((i * 7) % 10 < 4 + i / 10)).collect();
        let data = Dataset {
            features: vec![Feature {
                name: "x".into(),
                column: Column::Numeric(NumericColumn { values: x }),
            }],
            target_name: "y".into(),
            target: TargetColumn::Boolean(y),
            test_mask: None,
            times: None,
            weights: None,
        };
        let options = TrainOptions::from_json(&json!({"test_size": 0})).unwrap();
        let out = train(
            &data,
            crate::registry::LOGISTIC,
            &options,
            Limits {
                max_memory_bytes: 1 << 20,
                device: crate::mlp::DeviceChoice::Cpu,
                threads: 1,
            },
        )
        .unwrap();
        format::to_bytes(&out.model).unwrap()
    }

    fn metadata() -> Map<String, Value> {
        json!({
            "name": "m", "version": 1, "algorithm": "logistic", "task": "classification",
            "relation": "t", "target": "y", "features": ["x"], "options": {}, "metrics": {},
            "train_rows": 40, "test_rows": 0, "trained_at": "2026-11-28 00:00:00+00",
            "trained_by": "alice", "coefficients": [1, 2]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn round_trip_keeps_bytes_and_metadata() {
        let bytes = tiny_model_bytes();
        let doc = export_document(metadata(), &bytes, "0.2.0");
        assert_eq!(doc["model_format_version"], 1);
        let back = read_export(&doc).unwrap();
        assert_eq!(back.bytes, bytes);
        let mut expected = metadata();
        expected.insert("finml_version".into(), "0.2.0".into());
        assert_eq!(back.metadata, expected);
    }

    #[test]
    fn tampering_and_newer_versions_are_refused() {
        let bytes = tiny_model_bytes();
        let doc = export_document(metadata(), &bytes, "0.2.0");
        let mut changed = doc.clone();
        let mut altered = bytes.clone();
        let last = altered.len() - 2;
        altered[last] ^= 1;
        changed["model"] = BASE64.encode(&altered).into();
        assert_eq!(
            read_export(&changed).unwrap_err().kind,
            ErrorKind::CorruptModel
        );
        let mut newer = doc.clone();
        newer["format_version"] = 2.into();
        assert_eq!(
            read_export(&newer).unwrap_err().kind,
            ErrorKind::Unsupported
        );
        let mut missing = doc.clone();
        missing.as_object_mut().unwrap().remove("target");
        assert_eq!(
            read_export(&missing).unwrap_err().kind,
            ErrorKind::InvalidData
        );
        let mut lying = doc.clone();
        lying["features"] = json!(["z"]);
        assert_eq!(
            read_export(&lying).unwrap_err().kind,
            ErrorKind::CorruptModel
        );
        assert_eq!(
            read_export(&json!([1])).unwrap_err().kind,
            ErrorKind::InvalidData
        );
    }

    #[test]
    fn a_private_training_budget_and_a_solver_run_are_the_only_objects_among_metrics() {
        let bytes = tiny_model_bytes();
        let with_metrics = |metrics: Value| {
            let mut meta = metadata();
            meta.insert("metrics".into(), metrics);
            read_export(&export_document(meta, &bytes, "0.15.0"))
        };
        let history = [crate::privacy::Steps {
            noise_multiplier: 1.1,
            sample_rate: 0.01,
            steps: 100,
        }];
        let (epsilon, _) =
            crate::privacy::epsilon_spent(&history, 1e-5, &crate::privacy::default_orders())
                .unwrap();
        let privacy = json!({"epsilon": epsilon, "delta": 1e-5, "target_epsilon": 3,
            "noise_multiplier": 1.1, "max_grad_norm": 1, "sample_rate": 0.01, "steps": 100,
            "accountant": "rdp"});
        let solver = json!({"name": "newton", "steps": 100, "converged": false,
            "largest_gradient_per_row": 0.001});
        assert!(with_metrics(json!({"auc": 0.8, "privacy": privacy, "solver": solver})).is_ok());
        let mut negative = privacy.clone();
        negative["epsilon"] = json!(-1);
        let mut unknown = privacy.clone();
        unknown["accountant"] = json!("trust me");
        let mut claimed = privacy.clone();
        claimed["epsilon"] = json!(epsilon / 2.0);
        let mut noiseless = privacy.clone();
        noiseless["noise_multiplier"] = json!(0);
        for bad in [
            json!({"privacy": negative}),
            json!({"privacy": unknown}),
            json!({"privacy": claimed}),
            json!({"privacy": noiseless}),
            json!({"privacy": {"epsilon": 1}}),
            json!({"solver": {"nested": {"x": 1}}}),
            json!({"auc": [0.8]}),
        ] {
            assert_eq!(
                with_metrics(bad.clone()).unwrap_err().kind,
                ErrorKind::InvalidData,
                "{bad}"
            );
        }
    }

    #[test]
    fn sha256_of_a_known_string() {
        // FIPS 180-2 test vector: SHA-256("abc").
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
