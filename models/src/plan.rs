//! Which columns a training reads, and how: the target, the features (named, or every
//! usable column but the target, the excluded ones and the split column), the out-of-time
//! split column and the row order. Pure logic over the relation's column list, which the
//! SQL layer reads from pg_attribute.

use crate::error::{Error, ErrorKind, Result};
use crate::options::{SplitSpec, TrainOptions};

/// What a column can be for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// int2/4/8, float4/8, numeric: read as float8.
    Numeric,
    /// text, varchar, char(n): read as text.
    Text,
    /// boolean: a categorical feature ("true"/"false"), or a binary target.
    Boolean,
    /// date, timestamp, timestamptz: read as seconds since the epoch; a feature only when
    /// `options.dates` names its calendar parts.
    Date,
}

/// A column of the relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// `format_type` output, for messages and casts.
    pub type_name: String,
    /// What the column can be for a model; `None` when finml cannot read its type.
    pub kind: Option<ValueKind>,
}

/// Which columns a training reads, and how.
#[derive(Debug, Clone)]
pub struct ReadPlan {
    pub features: Vec<(Column, ValueKind)>,
    /// `None` for an unsupervised training.
    pub target: Option<(Column, ValueKind)>,
    /// The out-of-time split column and the first test value.
    pub split: Option<(Column, String)>,
    /// Columns left out of `features => NULL` because finml cannot use their type (or, for
    /// dates, because `options.dates` does not name them).
    pub skipped: Vec<Column>,
    /// Columns that fix the row order (`options.order_by`, else the primary key).
    pub order_by: Vec<String>,
    /// `options.weight_column`: read as float8, not a feature.
    pub weights: Option<Column>,
    /// A backtest's time column (a date or timestamp): read as seconds since the epoch, not
    /// a feature.
    pub time: Option<Column>,
    /// A survival model's duration column and entry column: read as float8, not features.
    pub survival: Option<(Column, Option<Column>)>,
}

impl ReadPlan {
    /// The columns a training reads as its rows' values: the features, then the target (the
    /// development sample's columns, pg/sample.rs).
    pub fn sample_columns(&self) -> Vec<String> {
        let features = self.features.iter().map(|(c, _)| c.name.clone());
        features
            .chain(self.target.iter().map(|(c, _)| c.name.clone()))
            .collect()
    }
}

/// Chooses the feature columns: the named ones, or (`requested` = None) every column except
/// the target, `options.exclude` and the out-of-time split column.
///
/// Each step can refuse the call, so their order decides which of several mistakes the
/// caller hears of: the target, the columns the options name, the date and text options,
/// then the features.
pub fn plan(
    columns: &[Column],
    primary_key: Vec<String>,
    relation_name: &str,
    target: Option<&str>,
    requested: Option<&[String]>,
    options: &TrainOptions,
) -> Result<ReadPlan> {
    let find = |name: &str| find_column(columns, relation_name, name);
    let target_plan = plan_target(&find, target)?;
    for excluded in options.exclude.iter().chain(&options.exclude_pii) {
        find(excluded)?;
    }
    let order_by = match &options.order_by {
        Some(names) => {
            for name in names {
                find(name)?;
            }
            names.clone()
        }
        None => primary_key,
    };
    let split = match &options.split {
        Some(SplitSpec::OutOfTime { column, test_from }) => {
            Some((find(column)?.clone(), test_from.clone()))
        }
        _ => None,
    };
    let weights = plan_weights(&find, target, requested, options)?;
    let survival = plan_survival(&find, target, requested, options)?;

    check_feature_encodings(&find, target, options)?;
    if let Some(names) = requested {
        check_encoded_columns_are_requested(names, options)?;
    }

    let mut skipped = Vec::new();
    let features = match requested {
        Some(names) => requested_features(&find, names, target, options)?,
        None => {
            let split_name = split.as_ref().map(|(c, _)| c.name.as_str());
            let features = every_usable_feature(columns, split_name, target, options, &mut skipped);
            if features.is_empty() {
                return Err(Error::invalid_data(match target {
                    Some(target) => format!(
                        "{relation_name} has no usable feature columns besides \"{target}\""
                    ),
                    None => format!("{relation_name} has no usable feature columns"),
                })
                .with_hint("features must be numeric, text, varchar or boolean columns, or date columns whose parts options.dates names"));
            }
            features
        }
    };
    check_no_protected_feature(&find, &features, options)?;
    check_no_personal_identifier(&features, options)?;
    Ok(ReadPlan {
        features,
        target: target_plan,
        split,
        skipped,
        order_by,
        weights,
        time: None,
        survival,
    })
}

/// `options.protected` names columns of the relation that are none of the features: 22023
/// for a protected column the training would read as a feature (named, or not excluded).
fn check_no_protected_feature<'c>(
    find: &dyn Fn(&str) -> Result<&'c Column>,
    features: &[(Column, ValueKind)],
    options: &TrainOptions,
) -> Result<()> {
    for name in &options.protected {
        find(name)?;
        if features.iter().any(|(c, _)| &c.name == name) {
            return Err(Error::invalid_option(format!(
                "column \"{name}\" is a protected attribute (options.protected) and may not be a feature"
            ))
            .with_hint(format!(
                "leave it out: \"exclude\": [\"{name}\"], or a features list without it; fin_fairness tests the model's decisions by it"
            )));
        }
    }
    Ok(())
}

/// `options.exclude_pii` names columns of personal identifiers: 22023 for one named as a
/// feature, unless `options.allow_identifier`.
fn check_no_personal_identifier(
    features: &[(Column, ValueKind)],
    options: &TrainOptions,
) -> Result<()> {
    if options.allow_identifier {
        return Ok(());
    }
    match features
        .iter()
        .find(|(c, _)| options.exclude_pii.contains(&c.name))
    {
        Some((column, _)) => Err(Error::invalid_option(format!(
            "column \"{}\" holds personal identifiers (options.exclude_pii) and may not be a feature",
            column.name
        ))
        .with_hint(
            "leave it out of features, or set \"allow_identifier\": true if the model must read it",
        )),
        None => Ok(()),
    }
}

/// The column `name` of the relation, or an error that lists the relation's columns.
fn find_column<'c>(columns: &'c [Column], relation_name: &str, name: &str) -> Result<&'c Column> {
    columns.iter().find(|c| c.name == name).ok_or_else(|| {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        Error::new(
            ErrorKind::UnknownColumn,
            format!("column \"{name}\" does not exist in {relation_name}"),
        )
        .with_hint(format!("columns of {relation_name}: {}", names.join(", ")))
    })
}

/// The target column and how it is read: any readable type but a date.
fn plan_target<'c>(
    find: &dyn Fn(&str) -> Result<&'c Column>,
    target: Option<&str>,
) -> Result<Option<(Column, ValueKind)>> {
    Ok(match target {
        None => None,
        Some(target) => {
            let column = find(target)?.clone();
            let kind = column
                .kind
                .filter(|k| *k != ValueKind::Date)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::WrongType,
                        format!("target column \"{target}\" has type {}", column.type_name),
                    )
                    .with_hint("use a boolean, integer 0/1, numeric or text column as target")
                })?;
            Some((column, kind))
        }
    })
}

/// `options.weight_column`: a numeric column that is neither the target nor a requested
/// feature.
fn plan_weights<'c>(
    find: &dyn Fn(&str) -> Result<&'c Column>,
    target: Option<&str>,
    requested: Option<&[String]>,
    options: &TrainOptions,
) -> Result<Option<Column>> {
    let Some(name) = &options.weight_column else {
        return Ok(None);
    };
    let side = SideColumn {
        role: "weight",
        type_hint: "options.weight_column names a numeric column, not the target, whose values (>= 0) weigh each row",
        feature_hint: "remove it from features",
    };
    side.plan(find(name)?, target, requested).map(Some)
}

/// A numeric column a training reads beside its features (the weights, a survival model's
/// duration and entry): its role in errors, and their hints.
struct SideColumn {
    role: &'static str,
    type_hint: &'static str,
    feature_hint: &'static str,
}

impl SideColumn {
    /// `column` when it is numeric, not the target and not a requested feature.
    fn plan(
        &self,
        column: &Column,
        target: Option<&str>,
        requested: Option<&[String]>,
    ) -> Result<Column> {
        let name = column.name.as_str();
        let is_target = target == Some(name);
        if column.kind != Some(ValueKind::Numeric) || is_target {
            return Err(Error::new(
                ErrorKind::WrongType,
                format!(
                    "{} column \"{name}\" has type {}{}",
                    self.role,
                    column.type_name,
                    if is_target { " and is the target" } else { "" }
                ),
            )
            .with_hint(self.type_hint));
        }
        if requested.is_some_and(|names| names.iter().any(|n| n == name)) {
            return Err(Error::invalid_option(format!(
                "column \"{name}\" is the {} column and cannot also be a feature",
                self.role
            ))
            .with_hint(self.feature_hint));
        }
        Ok(column.clone())
    }
}

/// `options.duration` and `options.entry`: numeric columns that are neither the target nor
/// requested features.
fn plan_survival<'c>(
    find: &dyn Fn(&str) -> Result<&'c Column>,
    target: Option<&str>,
    requested: Option<&[String]>,
    options: &TrainOptions,
) -> Result<Option<(Column, Option<Column>)>> {
    let Some(columns) = &options.survival else {
        return Ok(None);
    };
    if let Some(event) = target {
        let column = find(event)?;
        if !matches!(column.kind, Some(ValueKind::Boolean | ValueKind::Numeric)) {
            return Err(Error::new(
                ErrorKind::WrongType,
                format!(
                    "event column \"{event}\" has type {}",
                    column.type_name
                ),
            )
            .with_hint("a survival model's target is a boolean or 0/1 column: true (1) when the loan defaulted, false (0) when it was censored"));
        }
    }
    let side = |role: &'static str, type_hint: &'static str| SideColumn {
        role,
        type_hint,
        feature_hint: "remove it from features: a survival model learns from it as its target",
    };
    let duration = side(
        "duration",
        "options.duration names a numeric column of periods (an integer or a number), not the event column",
    );
    let entry = side(
        "entry",
        "options.entry names a numeric column of periods (an integer or a number), not the event column",
    );
    let duration_column = duration.plan(find(&columns.duration)?, target, requested)?;
    let entry_column = columns
        .entry
        .as_deref()
        .map(|name| entry.plan(find(name)?, target, requested))
        .transpose()?;
    Ok(Some((duration_column, entry_column)))
}

/// True when `options.dates` or `options.text` names the column.
fn has_encoding(options: &TrainOptions, name: &str) -> bool {
    options.dates.iter().any(|(n, _)| n == name) || options.text.iter().any(|(n, _)| n == name)
}

/// With the features named, every column with date or text options must be among them.
fn check_encoded_columns_are_requested(names: &[String], options: &TrainOptions) -> Result<()> {
    if let Some((name, _)) = options
        .dates
        .iter()
        .map(|(n, _)| (n, ()))
        .chain(options.text.iter().map(|(n, _)| (n, ())))
        .find(|(n, _)| !names.contains(n))
    {
        return Err(Error::invalid_option(format!(
            "column \"{name}\" has date or text options but is not among the features"
        ))
        .with_hint("add it to features, or remove its options"));
    }
    Ok(())
}

/// The named features, in their order: each once, not the target, of a readable type (a date
/// only with its calendar parts).
fn requested_features<'c>(
    find: &dyn Fn(&str) -> Result<&'c Column>,
    names: &[String],
    target: Option<&str>,
    options: &TrainOptions,
) -> Result<Vec<(Column, ValueKind)>> {
    if names.is_empty() {
        return Err(
            Error::invalid_option("features must name at least one column")
                .with_hint("pass NULL to use every column but the target"),
        );
    }
    let mut features = Vec::new();
    for name in names {
        if target == Some(name.as_str()) {
            return Err(Error::invalid_option(format!(
                "column \"{name}\" is the target and cannot also be a feature"
            ))
            .with_hint("remove it from features"));
        }
        if features
            .iter()
            .any(|(c, _): &(Column, ValueKind)| &c.name == name)
        {
            return Err(
                Error::invalid_option(format!("feature \"{name}\" is listed twice"))
                    .with_hint("list each feature column once"),
            );
        }
        let column = find(name)?;
        let kind = match column.kind {
            Some(ValueKind::Date) if !has_encoding(options, name) => {
                return Err(Error::new(
                    ErrorKind::WrongType,
                    format!("feature column \"{name}\" is a {} without date parts", column.type_name),
                )
                .with_hint(format!(r#"name its calendar parts: "dates": {{"{name}": ["month", "dow", "year", "days_since"]}}"#)));
            }
            Some(kind) => kind,
            None => return Err(Error::new(
                ErrorKind::WrongType,
                format!("feature column \"{name}\" has type {}", column.type_name),
            )
            .with_hint("features must be numeric, text, varchar, boolean or (with options.dates) date columns; cast others in a view")),
        };
        features.push((column.clone(), kind));
    }
    Ok(features)
}

/// Every column but the target, the excluded ones, the weight column and the split column
/// (unless it has date or text options), in the relation's order; the columns of a type
/// finml cannot read, and dates without calendar parts, go to `skipped`.
fn every_usable_feature(
    columns: &[Column],
    split_name: Option<&str>,
    target: Option<&str>,
    options: &TrainOptions,
    skipped: &mut Vec<Column>,
) -> Vec<(Column, ValueKind)> {
    let mut features = Vec::new();
    let weight_name = options.weight_column.as_deref();
    let survival_column = |name: &str| {
        options
            .survival
            .as_ref()
            .is_some_and(|s| s.duration == name || s.entry.as_deref() == Some(name))
    };
    for column in columns {
        let encoded = has_encoding(options, &column.name);
        if target == Some(column.name.as_str())
            || survival_column(&column.name)
            || options.exclude.contains(&column.name)
            || options.exclude_pii.contains(&column.name)
            || (Some(column.name.as_str()) == split_name && !encoded)
            || Some(column.name.as_str()) == weight_name
        {
            continue;
        }
        match column.kind {
            Some(ValueKind::Date) if !encoded => skipped.push(column.clone()),
            Some(kind) => features.push((column.clone(), kind)),
            None => skipped.push(column.clone()),
        }
    }
    features
}

/// Checks `options.dates` and `options.text`: each names an existing column of the right
/// type (a date or timestamp; a text) that is neither the target nor the weight column, nor
/// excluded.
fn check_feature_encodings<'c>(
    find: &dyn Fn(&str) -> Result<&'c Column>,
    target: Option<&str>,
    options: &TrainOptions,
) -> Result<()> {
    let wanted = options
        .dates
        .iter()
        .map(|(n, _)| (n, ValueKind::Date, "date parts", "a date or timestamp"))
        .chain(options.text.iter().map(|(n, _)| {
            (
                n,
                ValueKind::Text,
                "text options",
                "a text, varchar or char",
            )
        }));
    for (name, kind, what, expected) in wanted {
        let column = find(name)?;
        if column.kind != Some(kind) {
            return Err(Error::new(
                ErrorKind::WrongType,
                format!(
                    "column \"{name}\" has {what} but is of type {}",
                    column.type_name
                ),
            )
            .with_hint(format!(
                "{what} apply to {expected} column; cast it in a view"
            )));
        }
        let role = if target == Some(name.as_str()) {
            Some("the target")
        } else if options.weight_column.as_deref() == Some(name.as_str()) {
            Some("the weight column")
        } else if options.exclude.contains(name) {
            Some("excluded")
        } else {
            None
        };
        if let Some(role) = role {
            return Err(Error::invalid_option(format!(
                "column \"{name}\" has {what} but is {role}"
            ))
            .with_hint("a column with date parts or text options is a feature"));
        }
    }
    // A column with both cannot pass: it would need to be a date and a text.
    Ok(())
}

/// Appends the columns among `names` that the plan does not read yet (and that exist with a
/// usable type) after its features, for measuring another model on the same rows.
pub fn add_columns<'a>(
    plan: &mut ReadPlan,
    columns: &[Column],
    names: impl Iterator<Item = &'a str>,
) {
    for name in names {
        let planned = plan.features.iter().any(|(c, _)| c.name == name);
        let is_target = plan.target.as_ref().is_some_and(|(c, _)| c.name == name);
        if planned || is_target {
            continue;
        }
        if let Some(column) = columns.iter().find(|c| c.name == name) {
            if let Some(kind) = column.kind {
                plan.features.push((column.clone(), kind));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(name: &str, kind: Option<ValueKind>) -> Column {
        Column {
            name: name.to_owned(),
            type_name: match kind {
                Some(ValueKind::Numeric) => "numeric",
                Some(ValueKind::Text) => "text",
                Some(ValueKind::Boolean) => "boolean",
                Some(ValueKind::Date) => "date",
                None => "point",
            }
            .to_owned(),
            kind,
        }
    }

    fn columns() -> Vec<Column> {
        vec![
            column("id", Some(ValueKind::Numeric)),
            column("income", Some(ValueKind::Numeric)),
            column("region", Some(ValueKind::Text)),
            column("home", None),
            column("applied", Some(ValueKind::Text)),
            column("bad", Some(ValueKind::Boolean)),
            column("opened", Some(ValueKind::Date)),
        ]
    }

    fn options(value: serde_json::Value) -> TrainOptions {
        TrainOptions::from_json(&value).unwrap()
    }

    fn names(plan: &ReadPlan) -> Vec<&str> {
        plan.features.iter().map(|(c, _)| c.name.as_str()).collect()
    }

    #[test]
    fn every_usable_column_but_the_target_excluded_and_split_ones_is_a_feature() {
        let o = options(json!({
            "exclude": ["id"],
            "split": {"column": "applied", "test_from": "2024-01-01"}
        }));
        let plan = plan(&columns(), vec!["id".into()], "t", Some("bad"), None, &o).unwrap();
        assert_eq!(names(&plan), ["income", "region"]);
        assert_eq!(
            plan.skipped,
            [
                column("home", None),
                column("opened", Some(ValueKind::Date))
            ],
            "a date without date parts is skipped"
        );
        assert_eq!(plan.target.unwrap().1, ValueKind::Boolean);
        assert_eq!(
            plan.split
                .as_ref()
                .map(|(c, v)| (c.name.as_str(), v.as_str())),
            Some(("applied", "2024-01-01"))
        );
        assert_eq!(
            plan.order_by,
            ["id"],
            "the primary key orders the rows by default"
        );
        let o = options(json!({"order_by": ["applied", "id"]}));
        let plan = plan_named(&o, &["region"]);
        assert_eq!(plan.order_by, ["applied", "id"]);
        assert_eq!(names(&plan), ["region"]);
    }

    fn plan_named(o: &TrainOptions, features: &[&str]) -> ReadPlan {
        let requested: Vec<String> = features.iter().map(|s| s.to_string()).collect();
        plan(&columns(), vec![], "t", Some("bad"), Some(&requested), o).unwrap()
    }

    #[test]
    fn bad_feature_lists_are_refused_with_the_right_kind() {
        let o = options(json!({}));
        let attempt = |features: &[&str]| {
            let requested: Vec<String> = features.iter().map(|s| s.to_string()).collect();
            plan(&columns(), vec![], "t", Some("bad"), Some(&requested), &o).unwrap_err()
        };
        assert_eq!(attempt(&[]).kind, ErrorKind::InvalidOption);
        assert_eq!(attempt(&["bad"]).kind, ErrorKind::InvalidOption);
        assert_eq!(
            attempt(&["income", "income"]).kind,
            ErrorKind::InvalidOption
        );
        assert_eq!(attempt(&["home"]).kind, ErrorKind::WrongType);
        let unknown = attempt(&["incme"]);
        assert_eq!(unknown.kind, ErrorKind::UnknownColumn);
        assert!(
            unknown.hint.unwrap().contains("income"),
            "the hint lists the columns"
        );
        let e = plan(&columns(), vec![], "t", Some("home"), None, &o).unwrap_err();
        assert_eq!(e.kind, ErrorKind::WrongType, "an unusable target");
        let o = options(json!({"exclude": ["nothing"]}));
        let e = plan(&columns(), vec![], "t", Some("bad"), None, &o).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::UnknownColumn,
            "exclude names existing columns"
        );
        let only = [
            column("bad", Some(ValueKind::Boolean)),
            column("home", None),
        ];
        let e = plan(&only, vec![], "t", Some("bad"), None, &options(json!({}))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidData, "no usable feature");
    }

    /// The plan of the test columns with target "bad" under options `o`, of `features` when
    /// given.
    fn attempt(o: serde_json::Value, features: Option<&[&str]>) -> Result<ReadPlan> {
        let requested: Option<Vec<String>> =
            features.map(|f| f.iter().map(|s| s.to_string()).collect());
        plan(
            &columns(),
            vec![],
            "t",
            Some("bad"),
            requested.as_deref(),
            &options(o),
        )
    }

    #[test]
    fn a_protected_attribute_is_never_a_feature() {
        let e = attempt(json!({"exclude": ["id"], "protected": ["region"]}), None).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidOption,
            "read because not excluded"
        );
        assert!(e.message.contains("\"region\""), "{}", e.message);
        let e = attempt(
            json!({"protected": ["region"]}),
            Some(&["income", "region"]),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "named as a feature");
        let e = attempt(json!({"protected": ["sex"]}), Some(&["income"])).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::UnknownColumn,
            "a protected column must exist"
        );
        let plan = attempt(
            json!({"exclude": ["id", "region"], "protected": ["region"]}),
            None,
        )
        .unwrap();
        assert_eq!(names(&plan), ["income", "applied"]);
        let plan = attempt(json!({"protected": ["region"]}), Some(&["income"])).unwrap();
        assert_eq!(names(&plan), ["income"]);
    }

    #[test]
    fn a_personal_identifier_is_left_out_and_refused_when_named() {
        let plan = attempt(json!({"exclude": ["id"], "exclude_pii": ["region"]}), None).unwrap();
        assert_eq!(
            names(&plan),
            ["income", "applied"],
            "left out of every column"
        );
        let e = attempt(
            json!({"exclude_pii": ["region"]}),
            Some(&["income", "region"]),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "named as a feature");
        assert!(
            e.message.contains("\"region\" holds personal identifiers"),
            "{}",
            e.message
        );
        let plan = attempt(
            json!({"exclude_pii": ["region"], "allow_identifier": true}),
            Some(&["income", "region"]),
        )
        .unwrap();
        assert_eq!(names(&plan), ["income", "region"], "allowed");
        let e = attempt(json!({"exclude_pii": ["name"]}), None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownColumn, "it must exist");
    }

    #[test]
    fn date_and_text_options_make_features_of_the_right_columns_only() {
        let o = options(json!({
            "exclude": ["id"],
            "dates": {"opened": ["month", "dow"]},
            "text": {"applied": {"max_features": 16}}
        }));
        let plan = plan(&columns(), vec![], "t", Some("bad"), None, &o).unwrap();
        assert_eq!(names(&plan), ["income", "region", "applied", "opened"]);
        assert_eq!(plan.features[3].1, ValueKind::Date);
        let named = plan_named(&o, &["opened", "applied"]);
        assert_eq!(names(&named), ["opened", "applied"]);

        let attempt = |value: serde_json::Value, features: Option<&[&str]>| {
            let requested: Option<Vec<String>> =
                features.map(|f| f.iter().map(|s| s.to_string()).collect());
            let o = options(value);
            super::plan(
                &columns(),
                vec![],
                "t",
                Some("bad"),
                requested.as_deref(),
                &o,
            )
            .unwrap_err()
            .kind
        };
        let date_parts = json!({"dates": {"opened": ["month"]}});
        assert_eq!(
            attempt(json!({}), Some(&["opened"])),
            ErrorKind::WrongType,
            "a date feature needs its parts"
        );
        assert_eq!(
            attempt(json!({"dates": {"income": ["month"]}}), None),
            ErrorKind::WrongType,
            "date parts of a number"
        );
        assert_eq!(
            attempt(json!({"text": {"income": {}}}), None),
            ErrorKind::WrongType,
            "text options on a non-text column"
        );
        assert_eq!(
            attempt(json!({"text": {"nothing": {}}}), None),
            ErrorKind::UnknownColumn
        );
        assert_eq!(
            attempt(date_parts.clone(), Some(&["income"])),
            ErrorKind::InvalidOption,
            "date parts of a column left out of the features"
        );
        assert_eq!(
            attempt(
                json!({"dates": {"opened": ["month"]}, "exclude": ["opened"]}),
                None
            ),
            ErrorKind::InvalidOption
        );
        let e = super::plan(
            &columns(),
            vec![],
            "t",
            Some("opened"),
            None,
            &options(json!({})),
        );
        assert_eq!(e.unwrap_err().kind, ErrorKind::WrongType, "a date target");
        assert_eq!(
            attempt(
                json!({"dates": {"applied": ["month"]}, "text": {"applied": {}}}),
                None
            ),
            ErrorKind::WrongType,
            "a column cannot be both a date and a text"
        );
    }

    #[test]
    fn another_models_columns_are_added_after_the_planned_ones_once() {
        let o = options(json!({}));
        let mut plan = plan_named(&o, &["income"]);
        add_columns(
            &mut plan,
            &columns(),
            ["region", "income", "bad", "home", "gone"].into_iter(),
        );
        assert_eq!(names(&plan), ["income", "region"]);
    }
}
