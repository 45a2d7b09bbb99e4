//! Reading a relation into a [`Dataset`]: choose the columns, then stream the rows from an
//! SPI cursor into a receiver of finml's own, a row at a time. The query runs with the
//! caller's privileges (SECURITY INVOKER), so a role without SELECT on the relation gets
//! PostgreSQL's own 42501.

use crate::error::{fail, report, OrReport, SqlResult};
use crate::pg::progress;
use crate::pg::security::with_pinned_search_path;
use crate::pg::spi::{select_all, select_one};
use crate::pg::types::{check_feature_type, kind_of, quote_ident, ReadAs, ValueKind};
use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, SurvivalColumn, TargetColumn,
};
use finml_models::preprocess::Input;
use finml_models::{Error, ErrorKind, Model, RawValue, Task};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;

pub use crate::pg::stream::{stream_rows, FetchedRow};
pub use finml_models::plan::{add_columns, plan, Column as RelationColumn, ReadPlan};

/// The relation's name as SQL text, schema-qualified and quoted where needed.
pub fn relation_name(relation: Oid) -> SqlResult<String> {
    Ok(select_one::<String>(
        "SELECT $1::oid::regclass::text",
        &[DatumWithOid::from(relation)],
    )?
    .unwrap_or_default())
}

/// The columns of a relation (table, view, materialized view, foreign table), in order.
pub fn columns_of(relation: Oid) -> SqlResult<Vec<RelationColumn>> {
    select_all(
        "SELECT attname::text, atttypid, pg_catalog.format_type(atttypid, atttypmod)
           FROM pg_catalog.pg_attribute
          WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped
          ORDER BY attnum",
        &[DatumWithOid::from(relation)],
        |row| {
            Ok(RelationColumn {
                name: row.get::<String>(1).or_report()?.unwrap_or_default(),
                kind: kind_of(row.get::<Oid>(2).or_report()?.unwrap_or(pg_sys::InvalidOid)),
                type_name: row.get::<String>(3).or_report()?.unwrap_or_default(),
            })
        },
    )
}

/// The primary-key columns of a table, in key order (none for views or keyless tables).
pub fn primary_key_of(relation: Oid) -> SqlResult<Vec<String>> {
    let names = select_all(
        "SELECT a.attname::text
           FROM pg_catalog.pg_index i
           JOIN pg_catalog.pg_attribute a
             ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
          WHERE i.indrelid = $1 AND i.indisprimary
          ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum)",
        &[DatumWithOid::from(relation)],
        |row| row.get::<String>(1).or_report(),
    )?;
    Ok(names.into_iter().flatten().collect())
}

/// How Citus places `relation` (an oid, or a name cast to `regclass`): its partition method
/// in `pg_dist_partition` ('h' hash, 'a' append, 'r' range; 'n' none: a reference table or a
/// Citus local table), or `None` when Citus does not place it, or does not run here.
pub fn citus_placement(relation: DatumWithOid<'_>) -> SqlResult<Option<String>> {
    if !crate::pg::citus::is_loaded() {
        return Ok(None);
    }
    select_one::<String>(
        "SELECT partmethod::pg_catalog.text FROM pg_catalog.pg_dist_partition
          WHERE logicalrelid = $1::pg_catalog.regclass",
        &[relation],
    )
}

/// True for a Citus distributed table (hash-distributed, range or append), whose rows live
/// on the workers; false for a reference or local table, and without Citus.
pub fn is_distributed(relation: Oid) -> SqlResult<bool> {
    Ok(citus_placement(DatumWithOid::from(relation))?.is_some_and(|method| method != "n"))
}

/// True when `relation` is distributed and finml's catalog is on the workers
/// (fin_distribute_catalog): row functions over it then run in each shard's task.
pub fn scores_on_workers(relation: Oid) -> SqlResult<bool> {
    Ok(is_distributed(relation)?
        && citus_placement(DatumWithOid::from("finml.model_versions"))?.is_some())
}

/// Each row's prediction by `model` (a pinned reference, 'name@version') and the values of
/// the `extra` select-list expressions over [`SCANNED_ROW`] (a label, a period), with the
/// predictions made where the rows are: a query of `fin_predict` that Citus pushes into
/// every shard's task, so only those values come back.
pub fn scan_predictions(
    relation_name: &str,
    schema: &str,
    model: &str,
    extra: &[(String, ValueKind)],
    mut on_row: impl FnMut(f64, &[RawValue<'_>]) -> SqlResult<()>,
) -> SqlResult<()> {
    let mut select = vec![format!(
        "{schema}.fin_predict($1::pg_catalog.text, {SCANNED_ROW})"
    )];
    select.extend(extra.iter().map(|(e, _)| e.clone()));
    let query = format!(
        "SELECT {} FROM {relation_name} AS {SCANNED_ROW}",
        select.join(", ")
    );
    let mut values = Vec::with_capacity(extra.len());
    stream_rows(&query, &[DatumWithOid::from(model)], |row| {
        let prediction = row
            .value(1, ValueKind::Numeric)
            .number()
            .unwrap_or(f64::NAN);
        values.clear();
        values.extend(
            extra
                .iter()
                .enumerate()
                .map(|(k, (_, kind))| row.value(k + 2, *kind)),
        );
        on_row(prediction, &values)
    })
}

/// The planner's estimate of the rows `query` over `relation_name` returns (of a view, of a
/// table never analyzed, with the WHERE clause), as EXPLAIN shows it; 0 when it has none.
/// Otherwise the catalog's count of the relation's rows: under Citus, which explains a
/// distributed query by running EXPLAIN on a worker (refused in a transaction that has
/// executed locally), and in parallel mode (EXPLAIN needs a read-write SPI call, which
/// starts a command).
fn planned_rows(relation_name: &str, query: &str, args: &[DatumWithOid<'_>]) -> SqlResult<f64> {
    // SAFETY: reads the backend's parallel-mode flag.
    if crate::pg::citus::is_loaded() || unsafe { pg_sys::IsInParallelMode() } {
        return Ok(select_one::<f64>(
            "SELECT greatest(reltuples, 0)::float8 FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass($1)",
            &[DatumWithOid::from(relation_name)],
        )?
        .unwrap_or(0.0));
    }
    // Read-only SPI refuses EXPLAIN, which plans and runs nothing.
    let plan = with_pinned_search_path(|| {
        Spi::connect_mut(|client| {
            let explained = client
                .update(&format!("EXPLAIN (FORMAT JSON) {query}"), None, args)
                .or_report()?;
            explained.first().get_one::<pgrx::Json>().or_report()
        })
    })?;
    Ok(plan
        .and_then(|plan| plan.0.pointer("/0/Plan/Plan Rows")?.as_f64())
        .filter(|rows| rows.is_finite() && *rows >= 0.0)
        .unwrap_or(0.0))
}

/// Rows read between two updates of finml.progress (one lock of its board each).
const PROGRESS_ROWS: usize = 4096;

/// Reads the planned columns of `relation_name` into a dataset, within `budget_bytes`.
pub fn read(relation_name: &str, plan: &ReadPlan, budget_bytes: usize) -> SqlResult<Dataset> {
    read_where(relation_name, plan, (budget_bytes, 0), None)
}

/// [`read`] of the rows for which `condition` (over [`SCANNED_ROW`]) is true, counting
/// `held_per_row` bytes a row beside them (finml_models::memory::floor_per_row).
pub fn read_where(
    relation_name: &str,
    plan: &ReadPlan,
    (budget_bytes, held_per_row): (usize, usize),
    condition: Option<&str>,
) -> SqlResult<Dataset> {
    let (query, args) = read_query(relation_name, plan, condition);
    let mut columns = ReadColumns::new(plan);
    let bytes_per_row = columns.bytes_per_row().saturating_add(held_per_row);
    // The planner's row estimate, within the budget, sizes the columns once.
    let estimate = planned_rows(relation_name, &query, &args)?;
    let rows_expected = (estimate as usize).min(budget_bytes / bytes_per_row.max(1));
    columns.reserve(rows_expected);

    progress::reading((estimate >= 1.0).then_some(estimate as i64));
    let mut rows_read = 0usize;
    stream_rows(&query, &args, |row| {
        columns.push(row, rows_read)?;
        rows_read += 1;
        if rows_read.is_multiple_of(PROGRESS_ROWS) {
            progress::rows_read(rows_read);
        }
        // Checked per row, not per batch: one comparison, and it stops a wide read early.
        if rows_read
            .saturating_mul(bytes_per_row)
            .saturating_add(columns.level_bytes)
            > budget_bytes
        {
            return Err(fail(
                ErrorKind::ResourceLimit,
                format!(
                    "training data exceeds finml.max_training_memory ({} MB) after {rows_read} rows, at {bytes_per_row} bytes a row with what the training holds beside it",
                    budget_bytes >> 20
                ),
                "raise finml.max_training_memory, select fewer features, or train on a sample (a view with TABLESAMPLE)",
            ));
        }
        Ok(())
    })?;
    progress::rows_read(rows_read);
    Ok(columns.into_dataset())
}

/// [`read_where`]'s query and its arguments: the features, the target (or a NULL), the
/// out-of-time test, the weights and the times, in that order (see [`ReadColumns`]'s
/// ordinals).
fn read_query<'a>(
    relation_name: &str,
    plan: &'a ReadPlan,
    condition: Option<&str>,
) -> (String, Vec<DatumWithOid<'a>>) {
    let mut select: Vec<String> = plan.features.iter().map(|(c, k)| cast(c, *k)).collect();
    // An unsupervised training reads no target: a NULL keeps the later ordinals in place.
    select.push(match &plan.target {
        Some((column, kind)) => cast(column, *kind),
        None => "NULL::boolean".to_owned(),
    });
    let mut args = Vec::new();
    if let Some((column, test_from)) = &plan.split {
        // The literal is cast to the column's own type, so dates, timestamps and numbers
        // compare as that type, and a malformed value is PostgreSQL's own clear error.
        select.push(format!(
            "{} >= $1::{}",
            quote_ident(&column.name),
            column.type_name
        ));
        args.push(DatumWithOid::from(test_from.as_str()));
    }
    if let Some(column) = &plan.weights {
        select.push(cast(column, ValueKind::Numeric));
    }
    if let Some(column) = &plan.time {
        // A date or timestamp as seconds since the epoch; an out-of-time split's numeric
        // column as its number.
        let kind = match column.kind {
            Some(ValueKind::Date) => ValueKind::Date,
            _ => ValueKind::Numeric,
        };
        select.push(cast(column, kind));
    }
    if let Some((duration, entry)) = &plan.survival {
        select.push(cast(duration, ValueKind::Numeric));
        if let Some(entry) = entry {
            select.push(cast(entry, ValueKind::Numeric));
        }
    }
    let mut query = format!(
        "SELECT {} FROM {relation_name} AS {SCANNED_ROW}",
        select.join(", ")
    );
    if let Some(condition) = condition {
        query.push_str(&format!(" WHERE {condition}"));
    }
    if !plan.order_by.is_empty() {
        let keys: Vec<String> = plan.order_by.iter().map(|c| quote_ident(c)).collect();
        query.push_str(&format!(" ORDER BY {}", keys.join(", ")));
    }
    (query, args)
}

/// The columns of a [`read_where`] as its rows arrive.
struct ReadColumns<'p> {
    plan: &'p ReadPlan,
    features: Vec<Feature>,
    target_name: String,
    target: TargetColumn,
    test_mask: Option<Vec<bool>>,
    weights: Option<Vec<f64>>,
    times: Option<Vec<f64>>,
    /// The distinct texts' bytes (data::level_bytes): a column of distinct texts holds them
    /// twice over, beyond the codes bytes_per_row counts.
    level_bytes: usize,
}

impl<'p> ReadColumns<'p> {
    fn new(plan: &'p ReadPlan) -> ReadColumns<'p> {
        let features = plan
            .features
            .iter()
            .map(|(c, kind)| Feature {
                name: c.name.clone(),
                column: match kind {
                    ValueKind::Numeric | ValueKind::Date => {
                        Column::Numeric(NumericColumn::default())
                    }
                    ValueKind::Text | ValueKind::Boolean => {
                        Column::Categorical(CategoricalColumn::default())
                    }
                },
            })
            .collect();
        let target = match plan.target.as_ref().map(|(_, kind)| kind) {
            _ if plan.survival.is_some() => TargetColumn::Survival(SurvivalColumn {
                entries: plan
                    .survival
                    .as_ref()
                    .and_then(|(_, e)| e.as_ref())
                    .map(|_| Vec::new()),
                ..SurvivalColumn::default()
            }),
            Some(ValueKind::Numeric) => TargetColumn::Numeric(NumericColumn::default()),
            Some(ValueKind::Text) => TargetColumn::Text(CategoricalColumn::default()),
            Some(ValueKind::Boolean) => TargetColumn::Boolean(Vec::new()),
            // plan() refuses a date target.
            Some(ValueKind::Date) | None => TargetColumn::Absent(0),
        };
        ReadColumns {
            plan,
            features,
            target_name: plan
                .target
                .as_ref()
                .map_or_else(String::new, |(column, _)| column.name.clone()),
            target,
            test_mask: plan.split.as_ref().map(|_| Vec::new()),
            weights: plan.weights.as_ref().map(|_| Vec::new()),
            times: plan.time.as_ref().map(|_| Vec::new()),
            level_bytes: 0,
        }
    }

    /// The select list's ordinal of the target (the out-of-time test follows it).
    fn target_ordinal(&self) -> usize {
        self.features.len() + 1
    }

    fn weight_ordinal(&self) -> usize {
        self.features.len() + 2 + usize::from(self.plan.split.is_some())
    }

    fn time_ordinal(&self) -> usize {
        self.weight_ordinal() + usize::from(self.plan.weights.is_some())
    }

    fn duration_ordinal(&self) -> usize {
        self.time_ordinal() + usize::from(self.plan.time.is_some())
    }

    /// What a row costs the budget, beyond its texts' [`Self::level_bytes`].
    fn bytes_per_row(&self) -> usize {
        Dataset::bytes_per_row(&self.features, self.test_mask.is_some())
            + if self.plan.weights.is_some() { 8 } else { 0 }
            + if self.plan.survival.is_some() { 16 } else { 0 }
    }

    fn reserve(&mut self, rows: usize) {
        for feature in &mut self.features {
            feature.column.reserve(rows);
        }
        self.target.reserve(rows);
        if let Some(mask) = &mut self.test_mask {
            mask.reserve(rows);
        }
    }

    /// Adds one row (the `rows_read`-th, from 0): 22000 for a weight or time that cannot
    /// be used.
    fn push(&mut self, row: &FetchedRow<'_>, rows_read: usize) -> SqlResult<()> {
        for (k, feature) in self.features.iter_mut().enumerate() {
            let value = row.value(k + 1, self.plan.features[k].1);
            match &mut feature.column {
                Column::Numeric(c) => c.push(&feature.name, value.number()).or_report()?,
                Column::Categorical(c) => self.level_bytes += c.push_counted(value.text()),
            }
        }
        let target_ordinal = self.target_ordinal();
        let ordinal = self.duration_ordinal();
        match &mut self.target {
            TargetColumn::Numeric(c) => c
                .push(
                    &self.target_name,
                    row.value(target_ordinal, ValueKind::Numeric).number(),
                )
                .or_report()?,
            TargetColumn::Text(c) => {
                self.level_bytes +=
                    c.push_counted(row.value(target_ordinal, ValueKind::Text).text())
            }
            TargetColumn::Boolean(v) => v.push(row.boolean(target_ordinal)),
            TargetColumn::Absent(rows) => *rows += 1,
            TargetColumn::Survival(c) => {
                // An event as read (checked with the durations once every row is in): a
                // boolean as 1 or 0, a number as itself, NULL as NaN.
                let event = match self.plan.target.as_ref().map(|(_, kind)| *kind) {
                    Some(ValueKind::Boolean) => row.boolean(target_ordinal).map(f64::from),
                    _ => row.value(target_ordinal, ValueKind::Numeric).number(),
                };
                c.events.push(event.unwrap_or(f64::NAN));
                let number = |k| {
                    row.value(k, ValueKind::Numeric)
                        .number()
                        .unwrap_or(f64::NAN)
                };
                c.durations.push(number(ordinal));
                if let Some(entries) = &mut c.entries {
                    entries.push(number(ordinal + 1));
                }
            }
        }
        if let Some(mask) = &mut self.test_mask {
            // A NULL split value cannot be placed in time: it stays in training.
            mask.push(row.boolean(target_ordinal + 1).unwrap_or(false));
        }
        self.push_weight(row, rows_read)?;
        self.push_time(row, rows_read)
    }

    fn push_weight(&mut self, row: &FetchedRow<'_>, rows_read: usize) -> SqlResult<()> {
        let ordinal = self.weight_ordinal();
        let (Some(weights), Some(column)) = (&mut self.weights, &self.plan.weights) else {
            return Ok(());
        };
        match row.value(ordinal, ValueKind::Numeric).number() {
            Some(w) if w.is_finite() && w >= 0.0 => weights.push(w),
            other => {
                return Err(fail(
                    ErrorKind::InvalidData,
                    format!(
                        "weight column \"{}\" holds {} in row {}",
                        column.name,
                        other.map_or("NULL".to_owned(), |w| w.to_string()),
                        rows_read + 1
                    ),
                    "weights are finite numbers >= 0: filter or fix those rows in a view",
                ))
            }
        }
        Ok(())
    }

    fn push_time(&mut self, row: &FetchedRow<'_>, rows_read: usize) -> SqlResult<()> {
        let ordinal = self.time_ordinal();
        let (Some(times), Some(column)) = (&mut self.times, &self.plan.time) else {
            return Ok(());
        };
        match row.value(ordinal, ValueKind::Numeric).number() {
            Some(t) if t.is_finite() => times.push(t),
            _ => {
                return Err(fail(
                    ErrorKind::InvalidData,
                    format!(
                        "time column \"{}\" is NULL (or infinite) in row {}",
                        column.name,
                        rows_read + 1
                    ),
                    "backtests and out-of-time folds place every row in time: filter those rows out in a view",
                ))
            }
        }
        Ok(())
    }

    fn into_dataset(self) -> Dataset {
        Dataset {
            features: self.features,
            target_name: self.target_name,
            target: self.target,
            test_mask: self.test_mask,
            weights: self.weights,
            times: self.times,
        }
    }
}

/// Checks that the relation has a column of the right kind for each of the model's
/// features: 42703 naming the missing one, 42804 for a wrong type.
pub fn check_feature_columns(relation: Oid, relation_name: &str, model: &Model) -> SqlResult<()> {
    check_features_among(&columns_of(relation)?, relation_name, model)
}

/// The model's features in `relation` as two select-list arrays over [`SCANNED_ROW`], each in
/// feature order: `float8[]` of the numeric and date features (a date as its seconds since the
/// epoch), `text[]` of the text and categorical ones (a boolean as 'true' / 'false'). Read as
/// a training scan reads them, for aggregates that take a row's features
/// ([`finml_models::RawValue`]s put back together by [`values_from_arrays`]). Checks the
/// columns first (42703, 42804).
pub fn feature_arrays(
    relation: Oid,
    relation_name: &str,
    model: &Model,
) -> SqlResult<(String, String)> {
    let columns = columns_of(relation)?;
    check_features_among(&columns, relation_name, model)?;
    let features = model.preprocessor.features.iter().filter_map(|f| {
        let column = columns.iter().find(|c| c.name == f.name)?;
        Some((column, column.kind?, f.transform.input()))
    });
    Ok(arrays_of(features))
}

/// The two select-list arrays of [`feature_arrays`] of `(column, read as, input)` triples.
pub fn arrays_of<'c>(
    features: impl Iterator<Item = (&'c RelationColumn, ValueKind, Input)>,
) -> (String, String) {
    let (numbers, texts) = feature_expressions(features);
    (
        format!("ARRAY[{}]::pg_catalog.float8[]", numbers.join(", ")),
        format!("ARRAY[{}]::pg_catalog.text[]", texts.join(", ")),
    )
}

/// The select-list expressions of the numbers (float8) and of the texts among `(column, read
/// as, model input)` triples, each in feature order: the elements of [`arrays_of`]'s arrays.
pub fn feature_expressions<'c>(
    features: impl Iterator<Item = (&'c RelationColumn, ValueKind, Input)>,
) -> (Vec<String>, Vec<String>) {
    let (mut numbers, mut texts) = (Vec::new(), Vec::new());
    for (column, kind, input) in features {
        let (expression, _) = scanned_column(column, kind);
        match input {
            Input::Number | Input::Date => numbers.push(expression),
            Input::Text => texts.push(format!("({expression})::text")),
        }
    }
    (numbers, texts)
}

/// A row's features in model order from the arrays of [`feature_arrays`]; 22023 when their
/// lengths do not fit the model's features.
pub fn values_from_arrays<'a>(
    model: &Model,
    numbers: &[Option<f64>],
    texts: &[Option<&'a str>],
) -> SqlResult<Vec<RawValue<'a>>> {
    model
        .preprocessor
        .values_from_arrays(numbers, texts)
        .ok_or_else(|| {
            fail(
                ErrorKind::InvalidOption,
                "the feature arrays do not fit the model's features",
                "fin_psi(model, relation) builds them for you",
            )
        })
}

fn check_features_among(
    columns: &[RelationColumn],
    relation_name: &str,
    model: &Model,
) -> SqlResult<()> {
    model.preprocessor.features.iter().try_for_each(|f| {
        let Some(column) = columns.iter().find(|c| c.name == f.name) else {
            return Err(report(
                Error::new(
                    ErrorKind::UnknownColumn,
                    format!(
                        "column \"{}\" does not exist in {relation_name}, and the model needs it",
                        f.name
                    ),
                )
                .with_hint(format!(
                    "the model's features are: {}",
                    model.feature_names().collect::<Vec<_>>().join(", ")
                )),
            ));
        };
        let whose = format!("of {relation_name}");
        check_feature_type(&f.name, f.transform.input(), column.kind, &whose).map(|_| ())
    })
}

/// The model's target column in `relation`, for evaluating the model on labelled rows
/// (after checking that the relation has every feature column).
pub fn target_column(
    relation: Oid,
    relation_name: &str,
    model: &Model,
) -> SqlResult<(RelationColumn, ValueKind)> {
    if model.task.is_unsupervised() {
        return Err(fail(
            ErrorKind::WrongModelKind,
            format!(
                "{} model was trained without a target: it has no outcomes to be measured against",
                finml_models::error::with_article(model.task.as_str())
            ),
            "fin_clusters profiles a clustering; to compare anomaly scores with known outcomes, rank fin_anomaly_score against them in SQL",
        ));
    }
    if model.task == Task::Survival {
        return Err(fail(
            ErrorKind::Unsupported,
            "the evaluation functions measure classifiers and regressions; a survival model's outcomes are durations with censoring".to_owned(),
            "its held-out concordance and PD against Kaplan-Meier are in finml.model_versions.metrics; fin_pd_curve gives its PD term structure",
        ));
    }
    let columns = columns_of(relation)?;
    check_features_among(&columns, relation_name, model)?;
    let Some(target) = columns.into_iter().find(|c| c.name == model.target) else {
        return Err(report(
            Error::new(
                ErrorKind::UnknownColumn,
                format!(
                    "column \"{}\" does not exist in {relation_name}: the model's target holds the outcomes to evaluate against",
                    model.target
                ),
            )
            .with_hint(format!(
                "evaluate a query or view that names the outcome column \"{}\"",
                model.target
            )),
        ));
    };
    let kind = match target.kind {
        Some(ValueKind::Numeric) => ValueKind::Numeric,
        Some(kind) if model.task == Task::Classification => kind,
        _ => {
            return Err(report(
                Error::new(
                    ErrorKind::WrongType,
                    format!(
                        "target column \"{}\" of {relation_name} is of type {}",
                        target.name, target.type_name
                    ),
                )
                .with_hint(match model.task {
                    Task::Classification => "a classifier's target is boolean, numeric or text",
                    Task::Regression
                    | Task::Clustering
                    | Task::AnomalyDetection
                    | Task::Survival => "a regression's target is numeric",
                }),
            ))
        }
    };
    Ok((target, kind))
}

/// A column of the scanned relation read as `kind`, as an expression for
/// [`scan_rows_with`].
pub fn scanned_column(column: &RelationColumn, kind: ValueKind) -> (String, ValueKind) {
    (
        kind.read_expression(&format!("{SCANNED_ROW}.{}", quote_ident(&column.name))),
        kind,
    )
}

/// The alias of the scanned relation in [`scan_rows_with`]'s expressions.
pub const SCANNED_ROW: &str = "finml_row";

/// Streams every row of `relation_name` to `on_row` as one composite datum, to decode with
/// [`crate::pg::row::with_row_values`] (fin_predict's path: one tuple deform per row, values
/// read exactly as fin_predict reads them), followed by the values of the `extra` select-list
/// expressions over the relation aliased [`SCANNED_ROW`], each of its kind (run with the
/// search_path pinned to pg_catalog). Reading column by column through SPI costs several
/// times more per row.
pub fn scan_rows_with(
    relation_name: &str,
    extra: &[(String, ValueKind)],
    mut on_row: impl FnMut(pg_sys::Datum, &[RawValue<'_>]) -> SqlResult<()>,
) -> SqlResult<()> {
    let mut select = vec![SCANNED_ROW.to_owned()];
    select.extend(extra.iter().map(|(e, _)| e.clone()));
    let query = format!(
        "SELECT {} FROM {relation_name} AS {SCANNED_ROW}",
        select.join(", ")
    );
    let mut values: Vec<RawValue<'_>> = Vec::with_capacity(extra.len());
    stream_rows(&query, &[], |row| {
        // A whole-row reference is never NULL, even when every column is.
        let Some(datum) = row.datum(1) else {
            return Ok(());
        };
        values.clear();
        for (k, (_, kind)) in extra.iter().enumerate() {
            values.push(row.value(k + 2, *kind));
        }
        on_row(datum, &values)
    })
}

/// The select-list expression that reads a column as its kind.
fn cast(column: &RelationColumn, kind: ValueKind) -> String {
    kind.read_expression(&quote_ident(&column.name))
}

/// Out-of-time folds (fin_cross_validate, fin_tune) cut the rows by the values of the split
/// column: each row is read with its value as its time (in the usual order, so that a
/// search's refit reads its rows as fin_train does). Nothing changes without an out-of-time
/// split.
pub fn read_split_times(plan: &mut ReadPlan, columns: &[RelationColumn]) {
    let Some((column, _)) = &plan.split else {
        return;
    };
    plan.time = columns.iter().find(|c| c.name == column.name).cloned();
}

/// The time column, which must be a date or a timestamp (42703 when missing, 42804 for
/// another type).
pub fn check_time_column(columns: &[RelationColumn], time: &str, relation: &str) -> SqlResult<()> {
    let Some(column) = columns.iter().find(|c| c.name == time) else {
        return Err(fail(
            ErrorKind::UnknownColumn,
            format!("column \"{time}\" does not exist in {relation}"),
            "time_column names the date or timestamp column that orders the series",
        ));
    };
    if column.kind != Some(ValueKind::Date) {
        return Err(fail(
            ErrorKind::WrongType,
            format!(
                "time column \"{time}\" is of type {}, not a date or timestamp",
                column.type_name
            ),
            "cast it in a view (e.g. to_date(day_text, 'YYYY-MM-DD') AS day), or name the date column",
        ));
    }
    Ok(())
}
