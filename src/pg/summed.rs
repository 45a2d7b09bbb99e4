//! Training where the rows are stored (DESIGN.md, "Training from sums"): each pass of
//! finml_models::summed is one query of the aggregate `fin_training_sums` over the training
//! rows, so PostgreSQL's parallel workers, or on a distributed table Citus's workers, sum
//! their part and only the cells come back. The coordinator holds the cells, each row's
//! output and label for the metrics (16 bytes a row), and a sample of at most 100,000 rows
//! for the drift reference: never the training rows.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::extension::extension_schema;
use crate::pg::relation::{self, FetchedRow, RelationColumn, SCANNED_ROW};
use crate::pg::spi::{select_aggregate, select_all};
use crate::pg::types::{quote_ident, ReadAs, ValueKind};
use finml_models::data::{CategoricalColumn, Dataset, NumericColumn, TargetColumn};
use finml_models::drift::DRIFT_SAMPLE_ROWS;
use finml_models::options::Training;
use finml_models::plan::ReadPlan;
use finml_models::preprocess::Input;
use finml_models::summed::{Atom, AtomTables, SummedRows, SumsPass};
use finml_models::train::summed::SummedTraining;
use finml_models::train::{resolve_classes, TrainOutcome};
use finml_models::{Error, RawValue, Result};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::quote_literal;
use pgrx::{PgLogLevel, PgSqlErrorCode};
use std::time::Instant;

/// Why a training cannot be summed (it then reads the rows), or `None`.
pub fn why_not_summed(
    training: &Training,
    plan: &ReadPlan,
    measures_incumbent: bool,
) -> Option<&'static str> {
    let options = &training.options;
    if training.params.summed().is_none() {
        return Some("only logistic and linear regression and scorecards train from sums so far");
    }
    if training.params.privacy().is_some() {
        return Some(
            "a private training samples the rows at every step, which needs them in memory",
        );
    }
    if plan.split.is_none() && options.test_size > 0.0 {
        Some("a random or stratified split follows the rows' order; summed training takes test_size 0 or an out-of-time split")
    } else if plan.weights.is_some() || training.params.class_weighted() {
        Some("weighted rows (weight_column, class_weight) are not summed yet")
    } else if options.semi_supervised.is_some() {
        Some("self-training relabels rows between fits, which needs them in memory")
    } else if !options.dates.is_empty() || !options.text.is_empty() {
        Some("date and text features are not summed yet")
    } else if measures_incumbent {
        Some("deploy if_better measures the deployed version on the held-out rows in memory")
    } else {
        None
    }
}

/// Trains the planned model of `training` (an algorithm that trains from sums, whose task
/// the target decides as in memory) from sums over `relation_name`'s rows. `None` when the
/// target has more than two classes and `options.aggregate` did not ask for sums: the
/// caller reads the rows.
pub fn train(
    relation_name: &str,
    distributed: bool,
    training: &Training,
    plan: &ReadPlan,
    budget_bytes: usize,
) -> SqlResult<Option<TrainOutcome>> {
    let Some((target, target_kind)) = plan.target.as_ref() else {
        return Err(fail(
            ErrorKind::Internal,
            "a summed training without a target",
            "report this as a finml bug",
        ));
    };
    let target_read = target_kind.read_expression(&scanned(target));
    let (training_rows, evaluated, evaluated_on) = split_conditions(target, plan);
    let classes = target_classes(
        relation_name,
        &target.name,
        &target_read,
        *target_kind,
        &training_rows,
    )?;
    let (task, names) = match resolve_classes(&classes, &training.options) {
        Ok(resolved) => resolved,
        // Summed because the table is distributed, not because "aggregate": true asked: the
        // caller reads the rows instead.
        Err(e) if e.kind == ErrorKind::Unsupported && training.options.aggregate.is_none() => {
            return Ok(None)
        }
        Err(e) => return Err(e).or_report(),
    };
    let mut notes = Vec::new();
    let why_regression = || {
        format!(
            "\"{}\" is a numeric target with more than two values: training a linear regression",
            target.name
        )
    };
    let params = training
        .params
        .for_task(task, &why_regression, &mut notes)
        .or_report()?;
    let label = match &names {
        Some((positive, _)) => class_label(&target_read, *target_kind, positive),
        None => target_read.clone(),
    };
    let features: Vec<(String, Input)> = plan
        .features
        .iter()
        .map(|(c, kind)| (c.name.clone(), input_of(*kind)))
        .collect();
    let mut rows = RowsWhereStored {
        relation_name,
        plan,
        schema: extension_schema()?,
        label,
        training: training_rows,
        evaluated,
        budget_bytes,
        by_columns: !distributed,
        number_atoms: None,
        training_rows: 0,
        failure: None,
    };
    let outcome = SummedTraining {
        features: &features,
        target: &target.name,
        classes: names,
        options: &training.options,
        params: &*params,
        evaluated_on,
    }
    .train(&mut rows);
    match (outcome, rows.failure) {
        (Ok(mut outcome), _) => {
            outcome.notes.extend(notes);
            Ok(Some(outcome))
        }
        // The database's own error (its SQLSTATE and hint), not its models-crate carrier.
        (Err(_), Some(failure)) => Err(failure),
        (Err(e), None) => Err(e).or_report(),
    }
}

/// The conditions of the training rows and of the evaluated rows (an out-of-time split's
/// test part, else the training rows), and where the metrics are measured.
fn split_conditions(target: &RelationColumn, plan: &ReadPlan) -> (String, String, &'static str) {
    let mut training = format!("{} IS NOT NULL", scanned(target));
    let mut evaluated = training.clone();
    let evaluated_on = match &plan.split {
        Some((column, test_from)) => {
            // A NULL split value cannot be placed in time: it stays in training.
            let test = format!(
                "{} >= {}::{}",
                scanned(column),
                quote_literal(test_from),
                column.type_name
            );
            training.push_str(&format!(" AND NOT coalesce({test}, false)"));
            evaluated.push_str(&format!(" AND {test}"));
            "test"
        }
        None => "train",
    };
    (training, evaluated, evaluated_on)
}

/// A row's label as the passes read it: 1 for the positive class, else 0.
fn class_label(target_read: &str, target_kind: ValueKind, positive: &str) -> String {
    let cast = match target_kind {
        ValueKind::Numeric | ValueKind::Date => "float8",
        ValueKind::Text => "text",
        ValueKind::Boolean => "bool",
    };
    format!(
        "(({target_read}) = {}::pg_catalog.{cast})::pg_catalog.int4::pg_catalog.float8",
        quote_literal(positive)
    )
}

/// Logs (DEBUG1) how long `what` took: the passes' costs, for a DBA sizing a training.
fn debug_seconds(what: &str, started: Instant) {
    ereport!(
        PgLogLevel::DEBUG1,
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!("finml: {what} in {:.3} s", started.elapsed().as_secs_f64())
    );
}

/// A feature's atoms: each distinct value with its rows and label sum.
type Atoms = Vec<(Atom, u64, f64)>;

/// Bytes one atom takes on the coordinator, besides a level's text.
const ATOM_BYTES: usize = std::mem::size_of::<(Atom, u64, f64)>();

/// The most one row of a number's atoms query (three float8) takes in SPI's result table:
/// its tuple's copy (72 bytes, in a 128-byte chunk with a 16-byte chunk header) and its
/// pointer in the table's array, which doubles (up to 16 bytes).
const NUMBER_ATOM_ROW_BYTES: usize = 160;

/// 54000 when `bytes` held for `what` (after `count` of them) exceed the training memory
/// budget.
fn within_budget(
    bytes: usize,
    budget: usize,
    what: &str,
    count: usize,
    hint: &str,
) -> SqlResult<()> {
    if bytes <= budget {
        return Ok(());
    }
    Err(fail(
        ErrorKind::ResourceLimit,
        format!(
            "{what} exceed finml.max_training_memory ({} MB) after {count} of them",
            budget >> 20
        ),
        hint,
    ))
}

/// How a summed training gives a planned column to the models crate: as a number (numbers
/// and dates) or as a text (texts and booleans, as categories).
fn input_of(kind: ValueKind) -> Input {
    match kind {
        ValueKind::Numeric | ValueKind::Date => Input::Number,
        ValueKind::Text | ValueKind::Boolean => Input::Text,
    }
}

/// A column of the scanned relation.
fn scanned(column: &RelationColumn) -> String {
    format!("{SCANNED_ROW}.{}", quote_ident(&column.name))
}

/// One row per distinct target value of the training rows (at most three: a third is
/// enough to tell a regression or too many classes), as training reads the target.
fn target_classes(
    relation_name: &str,
    target: &str,
    target_read: &str,
    kind: ValueKind,
    training: &str,
) -> SqlResult<Dataset> {
    let query = format!(
        "SELECT DISTINCT {target_read} FROM {relation_name} AS {SCANNED_ROW} WHERE {training} LIMIT 3"
    );
    let mut column = match kind {
        ValueKind::Numeric | ValueKind::Date => TargetColumn::Numeric(NumericColumn::default()),
        ValueKind::Text => TargetColumn::Text(CategoricalColumn::default()),
        ValueKind::Boolean => TargetColumn::Boolean(Vec::new()),
    };
    select_all(&query, &[], |row| {
        match &mut column {
            TargetColumn::Numeric(c) => {
                c.push(target, row.get::<f64>(1).or_report()?).or_report()?
            }
            TargetColumn::Text(c) => c.push(row.get::<&str>(1).or_report()?),
            TargetColumn::Boolean(v) => v.push(row.get::<bool>(1).or_report()?),
            TargetColumn::Absent(_) | TargetColumn::Survival(_) => {}
        }
        Ok(())
    })?;
    Ok(Dataset {
        features: Vec::new(),
        target_name: target.to_owned(),
        target: column,
        test_mask: None,
        weights: None,
        times: None,
    })
}

/// The most features a pass gives as arguments of their own: a call takes at most 100
/// arguments (FUNC_MAX_ARGS), and the transition's state, pass and label are three of them.
const MAX_COLUMN_ARGUMENTS: usize = pg_sys::FUNC_MAX_ARGS as usize - 3;

/// How a pass's queries give a row's features, after the pass text (`$1`).
enum FeatureArguments {
    /// The columns themselves, float8 numbers then texts (`fin_training_column_sums`,
    /// `fin_training_column_output`): no array is built per row.
    Columns(String),
    /// A float8[] and a text[] (`fin_training_sums`, `fin_training_output`): the arguments
    /// Citus pushes down on a distributed table, and any number of features.
    Arrays(String),
}

impl FeatureArguments {
    /// The aggregate's call with `label`, unqualified.
    fn sums_call(&self, label: &str) -> String {
        match self {
            FeatureArguments::Columns(columns) => {
                format!("fin_training_column_sums($1::pg_catalog.text, {label}, {columns})")
            }
            FeatureArguments::Arrays(arrays) => {
                format!("fin_training_sums($1::pg_catalog.text, {arrays}, {label})")
            }
        }
    }

    /// The output function's call, unqualified.
    fn output_call(&self) -> String {
        match self {
            FeatureArguments::Columns(columns) => {
                format!("fin_training_column_output($1::pg_catalog.text, {columns})")
            }
            FeatureArguments::Arrays(arrays) => {
                format!("fin_training_output($1::pg_catalog.text, {arrays})")
            }
        }
    }
}

/// The passes as queries over the relation's rows, where they are stored.
struct RowsWhereStored<'a> {
    relation_name: &'a str,
    plan: &'a ReadPlan,
    schema: String,
    /// A row's label: 1 or 0 for a class, the target of a regression.
    label: String,
    /// The conditions of the training rows and of the rows the metrics are measured on.
    training: String,
    evaluated: String,
    budget_bytes: usize,
    /// Whether the passes give the features as arguments of their own (not on a Citus
    /// distributed table: see [`FeatureArguments`]).
    by_columns: bool,
    /// Each number's atoms not yet given out, read for every number at the first number's
    /// request by one scan (`fin_training_atoms`).
    number_atoms: Option<Vec<(String, Atoms)>>,
    /// Counted by the first pass, to size the drift sample.
    training_rows: u64,
    /// The first error of a query, reported as it is once the passes stop.
    failure: Option<ErrorReport>,
}

impl RowsWhereStored<'_> {
    /// The features `pass` reads (its preprocessor's, or every planned one), as `(column,
    /// read as, model input)`.
    fn features_of<'p>(
        &'p self,
        pass: &'p SumsPass,
    ) -> impl Iterator<Item = (&'p RelationColumn, ValueKind, Input)> + 'p {
        let planned = |name: &str| self.plan.features.iter().find(|(c, _)| c.name == name);
        let features: Vec<&(RelationColumn, ValueKind)> = match pass.preprocessor() {
            Some(p) => p.features.iter().filter_map(|f| planned(&f.name)).collect(),
            None => self.plan.features.iter().collect(),
        };
        features
            .into_iter()
            .map(|(c, kind)| (c, *kind, input_of(*kind)))
    }

    /// How the queries of `pass` give a row's features (see [`FeatureArguments`]).
    fn feature_arguments(&self, pass: &SumsPass) -> FeatureArguments {
        // The numbers' passes read no text (turning columns into text costs more than the
        // pass).
        let reads_texts = pass.reads_texts();
        let features = || {
            self.features_of(pass)
                .filter(move |(_, _, input)| reads_texts || *input != Input::Text)
        };
        let (numbers, texts) = relation::feature_expressions(features());
        let count = numbers.len() + texts.len();
        if self.by_columns && (1..=MAX_COLUMN_ARGUMENTS).contains(&count) {
            let columns: Vec<String> = numbers
                .iter()
                .map(|n| format!("({n})::pg_catalog.float8"))
                .chain(texts)
                .collect();
            return FeatureArguments::Columns(columns.join(", "));
        }
        let (numbers, texts) = relation::arrays_of(features());
        FeatureArguments::Arrays(format!("{numbers}, {texts}"))
    }

    /// Each row's output (`fin_training_output`) and label over the rows `condition` selects.
    fn outputs_where(&mut self, pass: &SumsPass, condition: &str) -> Result<(Vec<f64>, Vec<f64>)> {
        let text = serde_json::to_string(pass)
            .map_err(|e| Error::new(finml_models::ErrorKind::Internal, e.to_string()))?;
        let query = format!(
            "SELECT {}.{}, {} FROM {} AS {SCANNED_ROW} WHERE {condition}",
            self.schema,
            self.feature_arguments(pass).output_call(),
            self.label,
            self.relation_name
        );
        let (mut outputs, mut labels) = (Vec::new(), Vec::new());
        let budget = self.budget_bytes;
        let read = relation::stream_rows(
            &query,
            &[DatumWithOid::from(text.as_str())],
            |row: &FetchedRow<'_>| {
                outputs.push(
                    row.value(1, ValueKind::Numeric)
                        .number()
                        .unwrap_or(f64::NAN),
                );
                labels.push(
                    row.value(2, ValueKind::Numeric)
                        .number()
                        .unwrap_or(f64::NAN),
                );
                within_budget(
                    outputs.len().saturating_mul(16),
                    budget,
                    "the outputs of the evaluated rows",
                    outputs.len(),
                    "raise finml.max_training_memory: a summed training holds 16 bytes per evaluated row",
                )
            },
        );
        self.carried(read)?;
        Ok((outputs, labels))
    }

    /// Each distinct value of `feature` in the training rows, with its rows and label sum,
    /// held within finml.max_training_memory (a continuous feature has up to one atom per
    /// row).
    fn atoms_of(&mut self, feature: &str) -> Result<Vec<(Atom, u64, f64)>> {
        let Some((column, kind)) = self.plan.features.iter().find(|(c, _)| c.name == feature)
        else {
            return Err(Error::new(
                finml_models::ErrorKind::Internal,
                format!("no planned feature \"{feature}\""),
            ));
        };
        let read = kind.read_expression(&scanned(column));
        let what = format!("the distinct values of \"{feature}\"");
        let hint = "raise finml.max_training_memory: a summed scorecard holds each feature's distinct values";
        let budget = self.budget_bytes;
        let group_by = |value: &str| {
            format!(
                "SELECT {value}, pg_catalog.count(*)::pg_catalog.float8, pg_catalog.sum({}) FROM {} AS {SCANNED_ROW} WHERE {} GROUP BY 1",
                self.label, self.relation_name, self.training
            )
        };
        if input_of(*kind) == Input::Number {
            // One scan of every number, where they can be the aggregate's own arguments.
            let numbers = self.planned_numbers().count();
            if self.by_columns && (1..=MAX_COLUMN_ARGUMENTS).contains(&numbers) {
                return self.number_atoms_of(feature);
            }
            // A number's atoms are rows of three float8: read whole, with PostgreSQL's
            // parallel workers (a cursor runs its query in one process), at most one past
            // what the budget holds, counting the result's rows as well as the atoms.
            let most = budget / (ATOM_BYTES + NUMBER_ATOM_ROW_BYTES);
            let query = format!("{} LIMIT {}", group_by(&read), most.saturating_add(1));
            let atoms = select_all(&query, &[], |row| {
                let value = row.get::<f64>(1).or_report()?;
                let count = row.get::<f64>(2).or_report()?.unwrap_or(0.0);
                let label_sum = row.get::<f64>(3).or_report()?.unwrap_or(0.0);
                Ok((
                    value.map_or(Atom::Null, Atom::Number),
                    count.max(0.0) as u64,
                    label_sum,
                ))
            });
            let atoms = self.carried(atoms)?;
            let held = atoms
                .len()
                .saturating_mul(ATOM_BYTES + NUMBER_ATOM_ROW_BYTES);
            self.carried(within_budget(held, budget, &what, atoms.len(), hint))?;
            return Ok(atoms);
        }
        // A level is a text of any length: streamed, and counted as it comes.
        let query = group_by(&format!("({read})::pg_catalog.text"));
        let (mut atoms, mut bytes) = (Vec::new(), 0usize);
        let read = relation::stream_rows(&query, &[], |row: &FetchedRow<'_>| {
            let atom = match row.value(1, ValueKind::Text) {
                RawValue::Text(level) => {
                    bytes = bytes.saturating_add(level.len());
                    Atom::Level(level.to_owned())
                }
                _ => Atom::Null,
            };
            bytes = bytes.saturating_add(ATOM_BYTES);
            let count = row.value(2, ValueKind::Numeric).number().unwrap_or(0.0);
            let label_sum = row.value(3, ValueKind::Numeric).number().unwrap_or(0.0);
            atoms.push((atom, count.max(0.0) as u64, label_sum));
            within_budget(bytes, budget, &what, atoms.len(), hint)
        });
        self.carried(read)?;
        Ok(atoms)
    }

    /// `feature`'s atoms, from one scan of every planned number's (`fin_training_atoms`:
    /// on one node, where an aggregate may take its columns as arguments of their own) at
    /// the first number's request.
    fn number_atoms_of(&mut self, feature: &str) -> Result<Atoms> {
        if self.number_atoms.is_none() {
            let read = self.all_number_atoms();
            self.number_atoms = Some(self.carried(read)?);
        }
        let atoms = self.number_atoms.as_mut().and_then(|all| {
            let at = all.iter().position(|(name, _)| name == feature)?;
            Some(all.swap_remove(at).1)
        });
        atoms.ok_or_else(|| {
            Error::new(
                finml_models::ErrorKind::Internal,
                format!("the atoms of \"{feature}\" were read already"),
            )
        })
    }

    /// Every planned number's atoms, by one parallel scan of the training rows, held within
    /// finml.max_training_memory.
    fn all_number_atoms(&self) -> SqlResult<Vec<(String, Atoms)>> {
        let reads: Vec<String> = self
            .planned_numbers()
            .map(|(column, kind)| {
                format!(
                    "({})::pg_catalog.float8",
                    kind.read_expression(&scanned(column))
                )
            })
            .collect();
        let query = format!(
            "SELECT {}.fin_training_atoms({}, {}) FROM {} AS {SCANNED_ROW} WHERE {}",
            self.schema,
            self.label,
            reads.join(", "),
            self.relation_name,
            self.training
        );
        // The result's bytes are read where SPI holds them, not copied.
        let budget = self.budget_bytes;
        let tables = select_all(&query, &[], |row| {
            match row.get::<&[u8]>(1).or_report()? {
                Some(bytes) => AtomTables::from_bytes(bytes, budget),
                // No training row: no atoms.
                None => AtomTables::new(reads.len(), budget),
            }
            .or_report()
        })?;
        let atoms = tables
            .into_iter()
            .next()
            .map_or_else(|| Ok(Vec::new()), AtomTables::into_atoms)
            .or_report()?;
        let count: usize = atoms.iter().map(Vec::len).sum();
        within_budget(
            count.saturating_mul(ATOM_BYTES),
            self.budget_bytes,
            "the numbers' distinct values",
            count,
            "raise finml.max_training_memory: a summed scorecard holds each feature's distinct values",
        )?;
        Ok(self
            .planned_numbers()
            .map(|(column, _)| column.name.clone())
            .zip(atoms)
            .collect())
    }

    /// The planned features read as numbers, in plan order.
    fn planned_numbers(&self) -> impl Iterator<Item = (&RelationColumn, ValueKind)> + '_ {
        self.plan
            .features
            .iter()
            .filter(|(_, kind)| input_of(*kind) == Input::Number)
            .map(|(column, kind)| (column, *kind))
    }

    /// Keeps a query's error to report it as it is; the models crate sees a carrier.
    fn carried<T>(&mut self, result: SqlResult<T>) -> Result<T> {
        result.map_err(|e| {
            let carrier = Error::new(finml_models::ErrorKind::Internal, e.message().to_owned());
            self.failure.get_or_insert(e);
            carrier
        })
    }
}

impl SummedRows for RowsWhereStored<'_> {
    fn sums(&mut self, pass: &SumsPass) -> Result<Vec<f64>> {
        let text = serde_json::to_string(pass)
            .map_err(|e| Error::new(finml_models::ErrorKind::Internal, e.to_string()))?;
        let label = match pass.reads_label() {
            true => self.label.as_str(),
            false => "0::pg_catalog.float8",
        };
        let query = format!(
            "SELECT {}.{} FROM {} AS {SCANNED_ROW} WHERE {}",
            self.schema,
            self.feature_arguments(pass).sums_call(label),
            self.relation_name,
            self.training
        );
        let started = Instant::now();
        let cells =
            select_aggregate::<Vec<Option<f64>>>(&query, &[DatumWithOid::from(text.as_str())]);
        let cells = self.carried(cells)?.unwrap_or_default();
        debug_seconds(&format!("the {} pass", pass.described()), started);
        let cells = match cells.is_empty() {
            // No training row: the pass's zero state.
            true => pass.zero_cells(),
            false => cells
                .into_iter()
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| {
                    Error::new(
                        finml_models::ErrorKind::Internal,
                        "a training pass summed a NULL",
                    )
                })?,
        };
        // The moments count the training rows, alone or riding along the first ranks pass.
        let moments = match pass {
            SumsPass::Moments { .. } => Some(cells.clone()),
            SumsPass::Ranks {
                with: Some(with), ..
            } if matches!(**with, SumsPass::Moments { .. }) => pass.carried_state(&cells),
            _ => None,
        };
        if let Some(moments) = moments {
            self.training_rows = moments.get(1).copied().unwrap_or(0.0) as u64;
        }
        Ok(cells)
    }

    fn atoms(&mut self, feature: &str) -> Result<Vec<(Atom, u64, f64)>> {
        let started = Instant::now();
        let atoms = self.atoms_of(feature);
        debug_seconds(&format!("the distinct values of \"{feature}\""), started);
        atoms
    }

    fn training_outputs(&mut self, pass: &SumsPass) -> Result<Vec<f64>> {
        let started = Instant::now();
        let training = self.training.clone();
        let outputs = self.outputs_where(pass, &training)?.0;
        debug_seconds("the training rows' scores", started);
        Ok(outputs)
    }

    fn outputs(&mut self, pass: &SumsPass) -> Result<(Vec<f64>, Vec<f64>)> {
        let started = Instant::now();
        let evaluated = self.evaluated.clone();
        let outputs = self.outputs_where(pass, &evaluated);
        debug_seconds("the evaluated rows' outputs", started);
        outputs
    }

    fn drift_sample(&mut self) -> Result<Dataset> {
        let started = Instant::now();
        let mut condition = self.training.clone();
        let rows = self.training_rows as usize;
        if rows > DRIFT_SAMPLE_ROWS {
            // About DRIFT_SAMPLE_ROWS of the training rows, chosen by a hash of each row's key
            // (the primary key or options.order_by; else the whole row) as text: the same rows
            // whatever their order or node.
            let key = match self.plan.order_by.as_slice() {
                [] => SCANNED_ROW.to_owned(),
                columns => {
                    let columns: Vec<String> = columns
                        .iter()
                        .map(|c| format!("{SCANNED_ROW}.{}", quote_ident(c)))
                        .collect();
                    format!("ROW({}, NULL)", columns.join(", "))
                }
            };
            let share = (1024 * DRIFT_SAMPLE_ROWS).div_ceil(rows);
            condition.push_str(&format!(
                " AND (pg_catalog.hashtext(({key})::pg_catalog.text) & 1023) < {share}"
            ));
        }
        let plan = ReadPlan {
            split: None,
            ..self.plan.clone()
        };
        let sample = relation::read_where(
            self.relation_name,
            &plan,
            (self.budget_bytes, 0),
            Some(&condition),
        );
        debug_seconds("the drift reference's sample", started);
        self.carried(sample)
    }
}
