//! Moving a model version between databases, the services of `fin_export` (one version as a
//! self-contained document, models/README.md) and `fin_import` (such a document stored as
//! the next version of a model, owned by the importing role).

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::catalog::{self, check_access, validate_model_name, Access, ModelRef};
use crate::pg::registry::{self, NewVersion};
use finml_models::export::{export_document, read_export, redacted, ExportOptions, CLAIMED};
use serde_json::{json, Map, Value};

/// fin_export: `version` of `model` (None: the deployed one) as a document.
pub fn export(model: &str, version: Option<i32>, options: &Value) -> SqlResult<Value> {
    let options = ExportOptions::parse(options).or_report()?;
    check_access(model, Access::Manage)?;
    let version = match version {
        Some(v) => v,
        None => catalog::deployed_version(model)?.ok_or_else(|| {
            fail(
                ErrorKind::NotFound,
                format!("model \"{model}\" has no deployed version"),
                "name the version to export: fin_export(model, version)",
            )
        })?,
    };
    let (_, bytes) = catalog::model_bytes(ModelRef {
        name: model,
        version: Some(version),
    })?;
    let mut metadata = catalog::version_metadata(model, version)?;
    let bytes = match redacted(&bytes, options).or_report()? {
        Some((redacted, coefficients)) => {
            metadata.insert("coefficients".into(), coefficients);
            metadata.insert(
                "redacted".into(),
                json!({"min_level_rows": options.min_level_rows}),
            );
            redacted
        }
        None => bytes,
    };
    Ok(export_document(metadata, &bytes, env!("CARGO_PKG_VERSION")))
}

/// fin_import: stores the version in `payload` as the next version of `model`, deployed
/// unless `deploy` is false; returns the new version.
pub fn import(model: &str, payload: &Value, deploy: bool) -> SqlResult<i32> {
    validate_model_name(model)?;
    // Refuse another role's model before looking at the document.
    registry::check_may_add_versions(model)?;
    let imported = read_export(payload).or_report()?;
    let meta = &imported.metadata;
    let text = |key: &str| meta.get(key).and_then(Value::as_str).unwrap_or_default();
    let number = |key: &str| meta.get(key).and_then(Value::as_i64).unwrap_or_default();
    let strings = |key: &str| {
        meta.get(key).and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
    };
    // What the model itself says (algorithm, task, target, features, coefficients) is taken
    // from it; what only the exporting database knew is kept, and listed as its claim.
    let coefficients = imported.model.coefficients_json().or_report()?;
    let claimed = claimed_keys(meta);
    registry::claim(model)?;
    let version = registry::store_version(NewVersion {
        name: model,
        algorithm: imported.model.algorithm().as_str(),
        task: imported.model.task.as_str(),
        relation: text("relation"),
        target: (!imported.model.target.is_empty()).then_some(imported.model.target.as_str()),
        features: imported.model.feature_names().map(str::to_owned).collect(),
        requested_features: strings("requested_features"),
        options: meta.get("options").cloned().unwrap_or(Value::Null),
        train_rows: number("train_rows"),
        test_rows: number("test_rows"),
        metrics: meta.get("metrics").cloned().unwrap_or(Value::Null),
        coefficients,
        model: imported.bytes.clone(),
        classes: imported.model.class_names().ok(),
        trained: Some((text("trained_at").to_owned(), text("trained_by").to_owned())),
        imported: Some(json!({
            "from": format!("{}@{}", text("name"), number("version")),
            "database": meta.get("exported_from"),
            "exported_at": meta.get("exported_at"),
            "finml_version": meta.get("finml_version"),
            "imported_by": catalog::caller_name()?,
            "claimed_by_export": claimed,
        })),
        deploy_on_approval: deploy,
    })?;
    let awaits_approval = gucs::require_approval();
    if deploy && !awaits_approval {
        registry::set_deployment(model, version)?;
    }
    let detail = format!("from {}@{}", text("name"), number("version"));
    registry::record_event(
        "import",
        model,
        Some(version),
        match (deploy, awaits_approval) {
            (_, true) => "pending approval",
            (true, false) => "deployed",
            (false, false) => "stored",
        },
        Some(&detail),
    )?;
    Ok(version)
}

/// The metadata keys only the exporting database vouches for, sorted.
fn claimed_keys(meta: &Map<String, Value>) -> Vec<&'static str> {
    let mut claimed: Vec<&str> = CLAIMED
        .iter()
        .copied()
        .filter(|key| meta.contains_key(*key))
        .collect();
    claimed.sort_unstable();
    claimed
}
