//! A classifier's classes: each class's probability and the most probable class, one class's
//! explanation and reason codes, and what drift and monitoring track of a multi-class model
//! (methods of [`Model`], apart from the model's shared parts in model.rs).

use crate::data::Dataset;
use crate::error::{with_article, Error, ErrorKind, Result};
use crate::explain::Explanation;
use crate::linear::multinomial::softmax_in_place;
use crate::model::{finite_prediction, refuse_non_finite_terms, ContributionReason, Model};
use crate::options::Task;
use crate::preprocess::RawValue;

impl Model {
    /// A classifier's classes in the order of its probabilities: a multi-class model's, or
    /// a two-class model's negative then positive class; 42809 for another model.
    pub fn class_names(&self) -> Result<Vec<String>> {
        if let Some(classes) = &self.classes {
            return Ok(classes.clone());
        }
        match (&self.positive_class, self.negative_class_name()) {
            (Some(positive), Some(negative)) if self.task == Task::Classification => {
                Ok(vec![negative, positive.clone()])
            }
            _ => Err(Error::new(
                ErrorKind::WrongModelKind,
                format!(
                    "the model is {} model ({}): it predicts no classes",
                    with_article(self.algorithm().as_str()),
                    self.task.as_str()
                ),
            )
            .with_hint("fin_predict gives its prediction")),
        }
    }

    /// Each class's probability for one row, in the order of [`Model::class_names`].
    pub fn predict_proba(&self, values: &[RawValue<'_>]) -> Result<Vec<f64>> {
        if self.classes.is_none() {
            self.class_names()?;
            let p = self.predict(values)?;
            return Ok(vec![1.0 - p, p]);
        }
        let mut scores = Vec::new();
        self.estimator
            .class_scores(&self.preprocessor, values, &mut scores)?;
        softmax_in_place(&mut scores);
        for &p in &scores {
            finite_prediction(p)?;
        }
        Ok(scores)
    }

    /// The most probable class of one row (the first of equals; a two-class model's
    /// positive class from probability 0.5).
    pub fn predict_class(&self, values: &[RawValue<'_>]) -> Result<String> {
        let mut names = self.class_names()?;
        let p = self.predict_proba(values)?;
        let best = if self.classes.is_none() {
            usize::from(p[1] >= 0.5)
        } else {
            crate::metrics::most_probable(&p)
        };
        Ok(names.swap_remove(best))
    }

    /// What drift and monitoring track as the prediction of one row: [`Model::predict`],
    /// or a multi-class model's most probable class's index (so that the prediction's
    /// distribution is the predicted classes' shares).
    pub fn monitored_prediction(&self, values: &[RawValue<'_>]) -> Result<f64> {
        if self.classes.is_none() {
            return self.predict(values);
        }
        let p = self.predict_proba(values)?;
        Ok(crate::metrics::most_probable(&p) as f64)
    }

    /// [`Model::monitored_prediction`] of `rows` of a dataset read for training.
    pub fn monitored_predictions(&self, data: &Dataset, rows: &[usize]) -> Result<Vec<f64>> {
        let predictions = self.predict_rows(data, rows)?;
        Ok(match &self.classes {
            Some(classes) => predictions
                .chunks(classes.len())
                .map(|p| crate::metrics::most_probable(p) as f64)
                .collect(),
            None => predictions,
        })
    }

    /// [`Model::predict_proba`] of the array form.
    pub fn predict_proba_numeric(&self, values: &[Option<f64>]) -> Result<Vec<f64>> {
        self.with_numeric_values(values, |raw| self.predict_proba(raw))
    }

    /// [`Model::predict_class`] of the array form.
    pub fn predict_class_numeric(&self, values: &[Option<f64>]) -> Result<String> {
        self.with_numeric_values(values, |raw| self.predict_class(raw))
    }

    /// 0A000 for a multi-class model, which `what` does not apply to yet.
    pub fn require_single_output(&self, what: &str) -> Result<()> {
        if self.is_multi_class() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("{what}: not for multi-class models yet"),
            )
            .with_hint("fin_predict_class, fin_predict_proba, fin_evaluate, fin_confusion and fin_coefficients apply to them"));
        }
        Ok(())
    }

    /// [`Model::explain`] of class `class` (a class name; `None`: the most probable class
    /// of a multi-class model, the positive class of a two-class one): a multi-class model's
    /// class score, or a two-class model's log-odds of its negative class (every term
    /// negated). 22023 for a name that is not one of its classes.
    pub fn explain_class(
        &self,
        values: &[RawValue<'_>],
        class: Option<&str>,
    ) -> Result<Explanation> {
        let Some(name) = class else {
            return self.explain(values);
        };
        let index = self.class_index(name)?;
        if !self.is_multi_class() {
            let mut explanation = self.explain(values)?;
            if index == 0 {
                explanation.baseline = -explanation.baseline;
                for term in explanation
                    .contributions
                    .iter_mut()
                    .chain(explanation.column_terms.iter_mut())
                {
                    *term = -*term;
                }
            }
            return Ok(explanation);
        }
        let reference = self.reference()?;
        let explanation =
            self.estimator
                .explain_class(&self.preprocessor, reference, values, index)?;
        refuse_non_finite_terms(&explanation)?;
        Ok(explanation)
    }

    /// [`Model::contribution_reasons`] of class `class` ([`Model::explain_class`]).
    pub fn class_reasons(
        &self,
        values: &[RawValue<'_>],
        n: usize,
        class: Option<&str>,
    ) -> Result<Vec<ContributionReason>> {
        let explanation = self.explain_class(values, class)?;
        let mut reasons: Vec<ContributionReason> = explanation
            .contributions
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0.0)
            .map(|(feature, &contribution)| ContributionReason {
                feature,
                contribution,
            })
            .collect();
        reasons.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then(a.feature.cmp(&b.feature))
        });
        reasons.truncate(n);
        Ok(reasons)
    }

    /// The position of class `name` in [`Model::class_names`] (a two-class model's negative
    /// class 0, its positive 1); 22023 for a name that is not one of its classes.
    pub fn class_index(&self, name: &str) -> Result<usize> {
        let classes = self.class_names()?;
        classes.iter().position(|c| c == name).ok_or_else(|| {
            Error::invalid_option(format!(
                "\"{name}\" is not a class of the model's target \"{}\"",
                self.target
            ))
            .with_hint(format!("the model's classes are {}", classes.join(", ")))
        })
    }
}
