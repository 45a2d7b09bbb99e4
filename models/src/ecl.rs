//! Expected credit loss (IFRS 9 / CECL) from a survival model: each loan's stage, its
//! 12-month and lifetime PD, and its ECL = Σ marginal PD × LGD × EAD × discount factor at the
//! effective interest rate, optionally weighted over macro scenarios (each a shift of given
//! features). fin_ecl and fin_ecl_summary (pg/ecl.rs) read the loans; everything that
//! decides a number is here.

use crate::data::RawValue;
use crate::error::{Error, ErrorKind, Result};
use crate::json::json_kind;
use crate::model::Model;
use crate::options::Task;
use crate::preprocess::Input;
use serde_json::{Map, Value};

/// A number per loan: a column of the relation, or one value for every loan.
#[derive(Debug, Clone, PartialEq)]
pub enum PerLoan {
    Column(String),
    Value(f64),
}

impl PerLoan {
    /// The column it names, if it names one.
    pub fn column(&self) -> Option<&str> {
        match self {
            PerLoan::Column(name) => Some(name),
            PerLoan::Value(_) => None,
        }
    }
}

/// One macro scenario: its name, weight and additive shifts of numeric features (by the
/// feature's position in the model).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub weight: f64,
    pub shifts: Vec<(usize, f64)>,
}

/// fin_ecl's options, checked against the model.
#[derive(Debug, Clone, PartialEq)]
pub struct EclOptions {
    /// The column that names each loan (default: the relation's primary key).
    pub key: Option<String>,
    /// Exposure at default (>= 0), flat over the loan's remaining life.
    pub ead: String,
    /// Loss given default, in [0, 1].
    pub lgd: PerLoan,
    /// The effective interest rate per year (default 0: undiscounted).
    pub eir: PerLoan,
    /// Periods left to maturity (>= 1): the lifetime PD's horizon.
    pub remaining_term: String,
    /// The lifetime PD at origination, in (0, 1] (the SICR test's reference).
    pub origination_pd: Option<String>,
    /// Days past due: 30 or more is stage 2, 90 or more stage 3.
    pub days_past_due: Option<String>,
    /// A boolean column, true for a loan in default (stage 3).
    pub in_default: Option<String>,
    /// Stage 2 when the lifetime PD is more than this many times the PD at origination.
    pub sicr_ratio: f64,
    /// The model's periods in a year (12 for monthly durations): the 12-month PD's horizon,
    /// and the discount factor's exponent.
    pub periods_per_year: u32,
    pub scenarios: Vec<Scenario>,
}

pub const ECL_KEYS: &[&str] = &[
    "key",
    "ead",
    "lgd",
    "eir",
    "remaining_term",
    "origination_pd",
    "days_past_due",
    "in_default",
    "sicr_ratio",
    "periods_per_year",
    "scenarios",
];

/// Days past due from which a loan is in stage 2, and in stage 3 (IFRS 9's rebuttable
/// presumptions, B5.5.37 and B5.5.19).
pub const STAGE_2_DAYS: f64 = 30.0;
pub const STAGE_3_DAYS: f64 = 90.0;

/// The most scenarios fin_ecl weighs.
const MAX_SCENARIOS: usize = 20;

fn option_error(message: String) -> Error {
    Error::invalid_option(message).with_hint(
        r#"fin_ecl's options: {"ead": column, "lgd": column or number, "remaining_term": column, "eir": column or number, "origination_pd", "days_past_due", "in_default": columns, "sicr_ratio": 2, "periods_per_year": 12, "scenarios": [{"name": "base", "weight": 1, "shift": {"feature": 0.5}}]}"#,
    )
}

fn column_name(options: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match options.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) if !name.is_empty() => Ok(Some(name.clone())),
        Some(other) => Err(option_error(format!(
            "options.{key} must name a column, not {}",
            json_kind(other)
        ))),
    }
}

fn per_loan(options: &Map<String, Value>, key: &str, range: (f64, f64)) -> Result<Option<PerLoan>> {
    match options.get(key) {
        Some(Value::Number(n)) => {
            let v = n.as_f64().unwrap_or(f64::NAN);
            if !(v.is_finite() && v >= range.0 && v <= range.1) {
                return Err(option_error(format!(
                    "options.{key} must be between {} and {}, got {v}",
                    range.0, range.1
                )));
            }
            Ok(Some(PerLoan::Value(v)))
        }
        _ => Ok(column_name(options, key)?.map(PerLoan::Column)),
    }
}

impl EclOptions {
    /// Parses `options` for `model` (a survival model: 42809 for the others).
    pub fn parse(options: &Value, model: &Model) -> Result<EclOptions> {
        if model.task != Task::Survival {
            return Err(Error::new(
                ErrorKind::WrongModelKind,
                format!(
                    "fin_ecl needs a survival model's PD term structure; this {} model has none",
                    model.algorithm().as_str()
                ),
            )
            .with_hint(
                "train algorithm => 'cox' with options.duration on the loans' performance history",
            ));
        }
        let Value::Object(options) = options else {
            return Err(option_error(format!(
                "fin_ecl's options must be a JSON object, not {}",
                json_kind(options)
            )));
        };
        if let Some(unknown) = options.keys().find(|k| !ECL_KEYS.contains(&k.as_str())) {
            return Err(option_error(format!(
                "unknown fin_ecl option \"{unknown}\""
            )));
        }
        let required = |key: &str| {
            column_name(options, key)?.ok_or_else(|| {
                option_error(format!(
                    "fin_ecl needs options.{key}, a column of the relation"
                ))
            })
        };
        let lgd = per_loan(options, "lgd", (0.0, 1.0))?.ok_or_else(|| {
            option_error("fin_ecl needs options.lgd, a column or a number in [0, 1]".into())
        })?;
        let number = |key: &str, default: f64, (low, high): (f64, f64)| -> Result<f64> {
            match options.get(key) {
                None => Ok(default),
                Some(value) => match value.as_f64() {
                    Some(v) if v.is_finite() && v >= low && v <= high => Ok(v),
                    _ => Err(option_error(format!(
                        "options.{key} must be a number between {low} and {high}, got {value}"
                    ))),
                },
            }
        };
        Ok(EclOptions {
            key: column_name(options, "key")?,
            ead: required("ead")?,
            lgd,
            eir: per_loan(options, "eir", (0.0, 10.0))?.unwrap_or(PerLoan::Value(0.0)),
            remaining_term: required("remaining_term")?,
            origination_pd: column_name(options, "origination_pd")?,
            days_past_due: column_name(options, "days_past_due")?,
            in_default: column_name(options, "in_default")?,
            sicr_ratio: number("sicr_ratio", 2.0, (1.0, 1e6))?,
            periods_per_year: number("periods_per_year", 12.0, (1.0, 366.0))?.round() as u32,
            scenarios: scenarios(options.get("scenarios"), model)?,
        })
    }
}

/// The scenarios, weights summing to 1 (within 1e-9); none given is one base scenario.
fn scenarios(value: Option<&Value>, model: &Model) -> Result<Vec<Scenario>> {
    let Some(value) = value else {
        return Ok(vec![Scenario {
            name: "base".into(),
            weight: 1.0,
            shifts: Vec::new(),
        }]);
    };
    let Some(list) = value
        .as_array()
        .filter(|l| (1..=MAX_SCENARIOS).contains(&l.len()))
    else {
        return Err(option_error(format!(
            "options.scenarios must be an array of 1 to {MAX_SCENARIOS} scenarios"
        )));
    };
    let mut out = Vec::with_capacity(list.len());
    for (k, item) in list.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Err(option_error(format!("scenario {} is not an object", k + 1)));
        };
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("scenario {}", k + 1), str::to_owned);
        let weight = item
            .get("weight")
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN);
        if !(weight.is_finite() && weight > 0.0 && weight <= 1.0) {
            return Err(option_error(format!(
                "scenario \"{name}\" needs a weight in (0, 1]"
            )));
        }
        let mut shifts = Vec::new();
        if let Some(shift) = item.get("shift") {
            let Some(shift) = shift.as_object() else {
                return Err(option_error(format!(
                    "scenario \"{name}\"'s shift must be an object of feature: amount"
                )));
            };
            for (feature, amount) in shift {
                shifts.push((shifted_feature(model, &name, feature)?, {
                    let a = amount.as_f64().unwrap_or(f64::NAN);
                    if !(a.is_finite() && a.abs() <= 1e12) {
                        return Err(option_error(format!(
                            "scenario \"{name}\" shifts \"{feature}\" by {amount}: a finite number is needed"
                        )));
                    }
                    a
                }));
            }
        }
        if let Some(other) = item
            .keys()
            .find(|k| !["name", "weight", "shift"].contains(&k.as_str()))
        {
            return Err(option_error(format!(
                "scenario \"{name}\" has unknown key \"{other}\" (name, weight, shift)"
            )));
        }
        out.push(Scenario {
            name,
            weight,
            shifts,
        });
    }
    let total: f64 = out.iter().map(|s| s.weight).sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(option_error(format!(
            "the scenarios' weights sum to {total}, not 1"
        )));
    }
    Ok(out)
}

fn shifted_feature(model: &Model, scenario: &str, feature: &str) -> Result<usize> {
    let Some(j) = model.feature_names().position(|f| f == feature) else {
        return Err(option_error(format!(
            "scenario \"{scenario}\" shifts \"{feature}\", which is not one of the model's features"
        )));
    };
    if model.preprocessor.features[j].transform.input() != Input::Number {
        return Err(option_error(format!(
            "scenario \"{scenario}\" shifts \"{feature}\", which is not a numeric feature"
        )));
    }
    Ok(j)
}

/// One loan's inputs besides its features, as read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoanTerms {
    pub ead: Option<f64>,
    pub lgd: Option<f64>,
    pub eir: Option<f64>,
    pub remaining_term: Option<f64>,
    pub origination_pd: Option<f64>,
    pub days_past_due: Option<f64>,
    pub in_default: Option<bool>,
}

/// One loan's stage, PDs and losses (scenario-weighted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoanEcl {
    pub stage: u8,
    pub pd_12m: f64,
    pub pd_lifetime: f64,
    pub ecl_12m: f64,
    pub ecl_lifetime: f64,
    /// The stage's ECL: 12-month in stage 1, lifetime in 2, LGD × EAD in 3.
    pub ecl: f64,
    pub ead: f64,
}

fn not_finite_for(loan: &str) -> Error {
    Error::invalid_data(format!("the ECL of loan {loan} is not a finite number")).with_hint(
        "a feature far outside the training range, or a scenario's shift, overflows the hazard",
    )
}

fn bad_row(column: &str, value: Option<f64>, loan: &str, needed: &str) -> Error {
    Error::invalid_data(format!(
        "column \"{column}\" holds {} for loan {loan}",
        value.map_or("NULL".to_owned(), |v| v.to_string())
    ))
    .with_hint(format!("{needed}: filter or fix those loans in a view"))
}

impl EclOptions {
    fn checked(&self, terms: &LoanTerms, loan: &str) -> Result<(f64, f64, f64, usize)> {
        let ead = match terms.ead {
            Some(v) if v.is_finite() && v >= 0.0 => v,
            other => {
                return Err(bad_row(
                    &self.ead,
                    other,
                    loan,
                    "EAD is a finite amount >= 0",
                ))
            }
        };
        let lgd = match (&self.lgd, terms.lgd) {
            (PerLoan::Value(v), _) => *v,
            (PerLoan::Column(_), Some(v)) if (0.0..=1.0).contains(&v) => v,
            (PerLoan::Column(c), other) => {
                return Err(bad_row(c, other, loan, "LGD is a share in [0, 1]"))
            }
        };
        let eir = match (&self.eir, terms.eir) {
            (PerLoan::Value(v), _) => *v,
            (PerLoan::Column(_), Some(v)) if v.is_finite() && (0.0..=10.0).contains(&v) => v,
            (PerLoan::Column(c), other) => {
                return Err(bad_row(
                    c,
                    other,
                    loan,
                    "the effective interest rate is a yearly rate in [0, 10]",
                ))
            }
        };
        if let (Some(column), Some(dpd)) = (&self.days_past_due, terms.days_past_due) {
            if !(dpd.is_finite() && dpd >= 0.0) {
                return Err(bad_row(
                    column,
                    Some(dpd),
                    loan,
                    "days past due are a count >= 0",
                ));
            }
        }
        let term =
            match terms.remaining_term {
                Some(t) if t.is_finite() && t >= 1.0 => {
                    (t.round() as usize).min(crate::survival::MAX_HORIZON as usize)
                }
                other => return Err(bad_row(
                    &self.remaining_term,
                    other,
                    loan,
                    "the remaining term counts the periods left (>= 1); a matured loan has no ECL",
                )),
            };
        Ok((ead, lgd, eir, term))
    }

    /// The loan's ECL from its feature values (in model order) and terms; `loan` (its key)
    /// names it in errors.
    pub fn loan(
        &self,
        model: &Model,
        values: &[RawValue<'_>],
        terms: &LoanTerms,
        loan: &str,
        survival: &mut Vec<f64>,
    ) -> Result<LoanEcl> {
        let (ead, lgd, eir, term) = self.checked(terms, loan)?;
        self.check_origination_pd(terms, loan)?;
        let Some(curve) = model.estimator.survival_curve() else {
            return Err(crate::survival::not_a_survival_model(
                model.algorithm().as_str(),
            ));
        };
        let twelve = (self.periods_per_year as usize).min(term);
        // One period's discount factor, multiplied in period by period.
        let per_period = (1.0 + eir).powf(-1.0 / f64::from(self.periods_per_year));
        let mut shifted: Vec<RawValue<'_>> = values.to_vec();
        let (mut pd_12m, mut pd_lifetime, mut ecl_12m, mut ecl_lifetime) = (0.0, 0.0, 0.0, 0.0);
        for scenario in &self.scenarios {
            shifted.copy_from_slice(values);
            for &(j, amount) in &scenario.shifts {
                if let RawValue::Number(v) = values[j] {
                    shifted[j] = RawValue::Number(v + amount);
                }
            }
            let eta = model.estimator.output(&model.preprocessor, &shifted)?;
            if !eta.is_finite() {
                return Err(not_finite_for(loan));
            }
            curve.survival(eta, term, survival);
            let (mut previous, mut losses, mut discount) = (1.0_f64, 0.0, 1.0);
            for (t, &s) in survival.iter().enumerate() {
                let s = s.max(0.0).min(previous);
                discount *= per_period;
                losses += (previous - s) * lgd * ead * discount;
                previous = s;
                if t + 1 == twelve {
                    pd_12m += scenario.weight * (1.0 - s);
                    ecl_12m += scenario.weight * losses;
                }
            }
            pd_lifetime += scenario.weight * (1.0 - previous);
            ecl_lifetime += scenario.weight * losses;
        }
        let stage = self.stage(terms, pd_lifetime);
        let ecl = match stage {
            1 => ecl_12m,
            2 => ecl_lifetime,
            _ => lgd * ead,
        };
        let result = LoanEcl {
            stage,
            pd_12m,
            pd_lifetime,
            ecl_12m,
            ecl_lifetime,
            ecl,
            ead,
        };
        if [pd_12m, pd_lifetime, ecl_12m, ecl_lifetime, ecl]
            .iter()
            .any(|v| !v.is_finite())
        {
            return Err(not_finite_for(loan));
        }
        Ok(result)
    }

    /// Stage 3 in default (or 90 days past due), 2 at 30 days past due or when the lifetime
    /// PD is more than sicr_ratio times the PD at origination, else 1.
    fn stage(&self, terms: &LoanTerms, pd_lifetime: f64) -> u8 {
        let dpd = terms.days_past_due.unwrap_or(0.0);
        if terms.in_default == Some(true) || dpd >= STAGE_3_DAYS {
            return 3;
        }
        let increased = terms
            .origination_pd
            .is_some_and(|pd0| pd0 > 0.0 && pd_lifetime > self.sicr_ratio * pd0);
        if dpd >= STAGE_2_DAYS || increased {
            2
        } else {
            1
        }
    }

    /// 22000 for an origination PD outside (0, 1] (checked apart: only the SICR test reads it).
    pub fn check_origination_pd(&self, terms: &LoanTerms, loan: &str) -> Result<()> {
        match (&self.origination_pd, terms.origination_pd) {
            (Some(c), Some(pd)) if !(pd > 0.0 && pd <= 1.0) => Err(bad_row(
                c,
                Some(pd),
                loan,
                "the lifetime PD at origination is a probability in (0, 1]",
            )),
            _ => Ok(()),
        }
    }
}

/// One stage's totals (fin_ecl_summary).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTotals {
    pub loans: u64,
    pub exposure: f64,
    pub ecl: f64,
}

impl StageTotals {
    pub fn add(&mut self, loan: &LoanEcl) {
        self.loans += 1;
        self.exposure += loan.ead;
        self.ecl += loan.ecl;
    }

    /// ECL over exposure (`None` without exposure).
    pub fn coverage(&self) -> Option<f64> {
        (self.exposure > 0.0).then(|| self.ecl / self.exposure)
    }
}
