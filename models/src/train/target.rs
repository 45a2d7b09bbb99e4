//! The target after resolution: its task, and binary labels or regression values.

use crate::data::{CategoricalColumn, Dataset, NumericColumn, TargetColumn};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::registry;
use crate::fit::MAX_CLASSES;
use crate::options::{Task, TrainOptions};
use serde_json::Value;

/// The target after resolution: binary labels, class codes or regression values, one per
/// used row.
pub enum Labels {
    Binary {
        y: Vec<bool>,
        positive: String,
        negative: String,
    },
    /// 3 to [`MAX_CLASSES`] classes: each row's index into `classes` (sorted, as numpy's
    /// `unique` sorts them: text by bytes, numbers by value).
    MultiClass {
        y: Vec<u32>,
        classes: Vec<String>,
    },
    Numeric(Vec<f64>),
}

/// The task and classes of a target from one row per distinct target value (`classes`, as
/// training reads the target): what [`train`] decides from every row, for a training that
/// sums its rows where they are stored. `None` for a regression.
pub fn resolve_classes(
    classes: &Dataset,
    options: &TrainOptions,
) -> Result<(Task, Option<(String, String)>)> {
    let rows: Vec<usize> = (0..classes.n_rows()).collect();
    match resolve_target(classes, &rows, options)? {
        (
            task,
            Labels::Binary {
                positive, negative, ..
            },
        ) => Ok((task, Some((positive, negative)))),
        (_, Labels::MultiClass { .. }) => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "\"{}\" has more than two classes: a multi-class target is not trained from sums yet",
                classes.target_name
            ),
        )
        .with_hint(r#"pass "aggregate": false to read the rows on this node"#)),
        (task, Labels::Numeric(_)) => Ok((task, None)),
    }
}

/// The labelled rows of a classification target and their labels (true: the positive
/// class), as training reads them; 42809 for a target that would train a regression.
pub fn binary_labels(data: &Dataset, options: &TrainOptions) -> Result<(Vec<usize>, Vec<bool>)> {
    let rows: Vec<usize> = (0..data.n_rows())
        .filter(|&i| !data.target.is_null(i))
        .collect();
    if rows.is_empty() {
        return Err(Error::invalid_data(format!(
            "no rows with a non-NULL \"{}\"",
            data.target_name
        ))
        .with_hint("profile a relation with labelled rows"));
    }
    match resolve_target(data, &rows, options)? {
        (Task::Classification, Labels::Binary { y, .. }) => Ok((rows, y)),
        (_, Labels::MultiClass { classes, .. }) => Err(Error::new(
            ErrorKind::WrongModelKind,
            format!(
                "\"{}\" has {} classes: information values need two classes",
                data.target_name,
                classes.len()
            ),
        )
        .with_hint("profile against a two-class target (boolean, 0/1, or text with options.positive)")),
        _ => Err(Error::new(
            ErrorKind::WrongModelKind,
            format!(
                "\"{}\" is a numeric target with more than two values: information values need two classes",
                data.target_name
            ),
        )
        .with_hint("profile against a two-class target (boolean, 0/1, or text with options.positive)")),
    }
}

/// The task and labels of the target's `rows` (the labelled ones), as `options` say.
pub fn resolve_target(
    data: &Dataset,
    rows: &[usize],
    options: &TrainOptions,
) -> Result<(Task, Labels)> {
    let name = &data.target_name;
    match &data.target {
        TargetColumn::Absent(_) => Err(no_target()),
        TargetColumn::Survival(_) => Err(crate::survival::not_measured_yet()),
        TargetColumn::Boolean(values) => boolean_target(name, values, rows, options),
        TargetColumn::Text(column) => text_target(name, column, rows, options),
        TargetColumn::Numeric(column) => numeric_target(name, column, rows, options),
    }
}

/// A boolean target: a classification, `true` the positive class unless options say `false`.
fn boolean_target(
    name: &str,
    values: &[Option<bool>],
    rows: &[usize],
    options: &TrainOptions,
) -> Result<(Task, Labels)> {
    reject_regression(options, name, "boolean")?;
    let positive = match &options.positive {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
        Some(other) => return Err(bad_positive(name, other, &["true", "false"])),
    };
    let y: Vec<bool> = rows.iter().map(|&i| values[i] == Some(positive)).collect();
    check_two_classes(name, &y, positive.to_string(), (!positive).to_string())?;
    Ok((
        Task::Classification,
        Labels::Binary {
            y,
            positive: positive.to_string(),
            negative: (!positive).to_string(),
        },
    ))
}

/// A text target: a classification of two levels, options.positive naming the positive one.
fn text_target(
    name: &str,
    column: &CategoricalColumn,
    rows: &[usize],
    options: &TrainOptions,
) -> Result<(Task, Labels)> {
    reject_regression(options, name, "text")?;
    let mut present: Vec<&str> = rows.iter().filter_map(|&i| column.level(i)).collect();
    present.sort_unstable();
    present.dedup();
    if present.len() > 2 {
        let code_of = |i: usize| column.level(i).and_then(|l| present.binary_search(&l).ok());
        return multi_class(name, &present, options, code_of, rows);
    }
    let positive = match &options.positive {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        None => {
            return Err(Error::invalid_option(format!(
                "options.positive is required for the text target \"{name}\""
            ))
            .with_hint(format!(
                "name the positive class, one of: {}",
                quoted_list(&present)
            )))
        }
        Some(other) => return Err(bad_positive(name, other, &present)),
    };
    if !present.contains(&positive.as_str()) {
        return Err(bad_positive(name, &Value::String(positive), &present));
    }
    let y: Vec<bool> = rows
        .iter()
        .map(|&i| column.level(i) == Some(&positive))
        .collect();
    let negative = present
        .iter()
        .find(|&&p| p != positive)
        .map(|s| s.to_string())
        .unwrap_or_default();
    check_two_classes(name, &y, positive.clone(), negative.clone())?;
    Ok((
        Task::Classification,
        Labels::Binary {
            y,
            positive,
            negative,
        },
    ))
}

/// A numeric target: a classification of 0/1 (or two values with options.positive), else a
/// regression, unless options.task says which.
fn numeric_target(
    name: &str,
    column: &NumericColumn,
    rows: &[usize],
    options: &TrainOptions,
) -> Result<(Task, Labels)> {
    let values: Vec<f64> = rows.iter().map(|&i| column.values[i]).collect();
    let mut distinct = values.clone();
    distinct.sort_unstable_by(f64::total_cmp);
    distinct.dedup();
    let zero_one = distinct.iter().all(|&v| v == 0.0 || v == 1.0);
    let task = options.task.unwrap_or(if zero_one {
        Task::Classification
    } else {
        Task::Regression
    });
    match task {
        Task::Regression => {
            if distinct.len() < 2 {
                return Err(Error::invalid_data(format!(
                    "target \"{name}\" has a single value ({}): nothing to learn",
                    distinct[0]
                ))
                .with_hint("train on rows where the target varies"));
            }
            Ok((Task::Regression, Labels::Numeric(values)))
        }
        Task::Clustering | Task::AnomalyDetection => Err(Error::new(
            ErrorKind::Internal,
            "a supervised training with an unsupervised task",
        )),
        Task::Survival => Err(Error::invalid_option(
            "options.task \"survival\" is the task of a survival algorithm",
        )
        .with_hint("train algorithm => 'cox' with options.duration; the task follows")),
        Task::Classification => {
            if distinct.len() > 2 {
                // Integer classes (rating grades 1 to 7) named as their numbers.
                let names: Vec<String> = distinct.iter().map(|v| v.to_string()).collect();
                let present: Vec<&str> = names.iter().map(String::as_str).collect();
                // Found by value (the names do not sort as the numbers do: "10" < "9"); -0 and
                // 0 are one class, as dedup made them.
                let code_of = |i: usize| {
                    let v = column.values[i];
                    distinct
                        .binary_search_by(|d| d.partial_cmp(&v).unwrap_or(std::cmp::Ordering::Less))
                        .ok()
                };
                return multi_class(name, &present, options, code_of, rows);
            }
            let present: Vec<String> = distinct.iter().map(|v| v.to_string()).collect();
            let positive = match &options.positive {
                None if zero_one => 1.0,
                None => {
                    return Err(Error::invalid_option(format!(
                        "options.positive is required for the target \"{name}\" whose classes are not 0 and 1"
                    ))
                    .with_hint(format!("name the positive class, one of: {}", present.join(", "))))
                }
                Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                Some(Value::String(s)) => s.parse().unwrap_or(f64::NAN),
                Some(other) => {
                    let present: Vec<&str> = present.iter().map(String::as_str).collect();
                    return Err(bad_positive(name, other, &present));
                }
            };
            if !distinct.contains(&positive) && distinct.len() == 2 {
                let present: Vec<&str> = present.iter().map(String::as_str).collect();
                return Err(bad_positive(name, &Value::from(positive), &present));
            }
            let y: Vec<bool> = values.iter().map(|&v| v == positive).collect();
            let negative = distinct
                .iter()
                .find(|&&v| v != positive)
                .copied()
                .unwrap_or(0.0);
            check_two_classes(name, &y, positive.to_string(), negative.to_string())?;
            Ok((
                Task::Classification,
                Labels::Binary {
                    y,
                    positive: positive.to_string(),
                    negative: negative.to_string(),
                },
            ))
        }
    }
}

fn reject_regression(options: &TrainOptions, name: &str, kind: &str) -> Result<()> {
    if options.task == Some(Task::Regression) {
        return Err(Error::invalid_option(format!(
            "cannot train a regression on the {kind} target \"{name}\""
        ))
        .with_hint("regression needs a numeric target"));
    }
    Ok(())
}

fn check_two_classes(name: &str, y: &[bool], positive: String, negative: String) -> Result<()> {
    let positives = y.iter().filter(|&&v| v).count();
    if positives == 0 || positives == y.len() {
        let only = if positives == 0 { negative } else { positive };
        return Err(Error::invalid_data(format!(
            "target \"{name}\" has only one class (\"{only}\")"
        ))
        .with_hint("a classifier needs rows of both classes"));
    }
    Ok(())
}

/// A target of 3 or more classes (`present`, sorted; `code_of` a row's index in it): each row's
/// class code. 22000 past [`MAX_CLASSES`]; 22023 when options.positive names one class.
fn multi_class(
    name: &str,
    present: &[&str],
    options: &TrainOptions,
    code_of: impl Fn(usize) -> Option<usize>,
    rows: &[usize],
) -> Result<(Task, Labels)> {
    if present.len() > MAX_CLASSES {
        return Err(Error::invalid_data(format!(
            "target \"{name}\" has {} classes; finml classifies at most {MAX_CLASSES}",
            present.len()
        ))
        .with_hint(
            r#"group the rare classes into one, or use "task": "regression" for a numeric target"#,
        ));
    }
    if let Some(positive) = &options.positive {
        return Err(Error::invalid_option(format!(
            "options.positive {positive} names the positive class of a two-class target; \"{name}\" has {} classes",
            present.len()
        ))
        .with_hint("remove positive to train a multi-class model, or recode the target into two classes"));
    }
    let y = rows
        .iter()
        .map(|&i| {
            code_of(i).map(|k| k as u32).ok_or_else(|| {
                Error::new(
                    ErrorKind::Internal,
                    format!("a row of \"{name}\" whose class was not seen"),
                )
            })
        })
        .collect::<Result<Vec<u32>>>()?;
    Ok((
        Task::Classification,
        Labels::MultiClass {
            y,
            classes: present.iter().map(|s| (*s).to_owned()).collect(),
        },
    ))
}

fn bad_positive(name: &str, value: &Value, present: &[&str]) -> Error {
    Error::invalid_option(format!(
        "options.positive {value} is not a class of \"{name}\""
    ))
    .with_hint(format!("use one of: {}", quoted_list(present)))
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A supervised algorithm given no target.
pub fn no_target() -> Error {
    Error::invalid_option("this algorithm learns from a target, and none was given").with_hint(
        format!(
            "name the target column, or train algorithm {}",
            registry::unsupervised_names("or")
        ),
    )
}
