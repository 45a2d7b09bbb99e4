//! Cox's partial likelihood with Efron's handling of tied default times (lifelines'
//! `_get_efron_values_single`, in closed form over each tie), its gradient and Hessian for
//! Newton's method, and Breslow's baseline hazard. Rows may carry weights and entries (left
//! truncation: a loan is at risk at t when entry < t <= duration).

use crate::survival::SurvivalLabels;
use ndarray::{Array1, Array2};

/// The training rows of a Cox fit: the design (one row per label) and its labels.
pub struct CoxRows<'a> {
    pub x: &'a Array2<f64>,
    pub labels: &'a SurvivalLabels,
    pub weights: Option<&'a [f64]>,
    /// Row positions by duration, latest first.
    by_exit: Vec<usize>,
    /// Row positions by entry, latest first (left truncation only).
    by_entry: Vec<usize>,
}

/// The log partial likelihood at β, its gradient and Hessian.
pub struct Efron {
    pub log_likelihood: f64,
    pub gradient: Array1<f64>,
    pub hessian: Array2<f64>,
}

/// Sums over a set of rows: Σ w·e^η, Σ w·e^η·x, Σ w·e^η·x·xᵀ.
struct PhiSums {
    phi: f64,
    phi_x: Array1<f64>,
    phi_xx: Array2<f64>,
}

impl PhiSums {
    fn new(p: usize) -> PhiSums {
        PhiSums {
            phi: 0.0,
            phi_x: Array1::zeros(p),
            phi_xx: Array2::zeros((p, p)),
        }
    }

    fn add(&mut self, phi: f64, x: ndarray::ArrayView1<'_, f64>) {
        self.phi += phi;
        self.phi_x.scaled_add(phi, &x);
        let p = x.len();
        for a in 0..p {
            let pa = phi * x[a];
            for b in 0..=a {
                self.phi_xx[[a, b]] += pa * x[b];
            }
        }
    }

    fn clear(&mut self) {
        self.phi = 0.0;
        self.phi_x.fill(0.0);
        self.phi_xx.fill(0.0);
    }
}

impl<'a> CoxRows<'a> {
    pub fn new(
        x: &'a Array2<f64>,
        labels: &'a SurvivalLabels,
        weights: Option<&'a [f64]>,
    ) -> CoxRows<'a> {
        let mut by_exit: Vec<usize> = (0..labels.len()).collect();
        by_exit.sort_by(|&a, &b| labels.durations[b].total_cmp(&labels.durations[a]));
        let mut by_entry: Vec<usize> = Vec::new();
        if labels.entries.is_some() {
            by_entry = (0..labels.len()).collect();
            by_entry.sort_by(|&a, &b| labels.entry(b).total_cmp(&labels.entry(a)));
        }
        CoxRows {
            x,
            labels,
            weights,
            by_exit,
            by_entry,
        }
    }

    fn weight(&self, k: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[k])
    }

    /// The log partial likelihood (Efron) at `beta`, with its gradient and Hessian.
    pub fn efron(&self, beta: &Array1<f64>) -> Efron {
        let p = self.x.ncols();
        let eta = self.x.dot(beta);
        let mut risk = PhiSums::new(p);
        let mut tie = PhiSums::new(p);
        let mut out = Efron {
            log_likelihood: 0.0,
            gradient: Array1::zeros(p),
            hessian: Array2::zeros((p, p)),
        };
        let mut x_death = Array1::<f64>::zeros(p);
        let (mut next, mut removed) = (0, 0);
        let durations = &self.labels.durations;
        while next < self.by_exit.len() {
            crate::interrupt::check_every(next, 4096);
            let time = durations[self.by_exit[next]];
            let (mut deaths, mut death_weight) = (0usize, 0.0);
            tie.clear();
            x_death.fill(0.0);
            while next < self.by_exit.len() && durations[self.by_exit[next]] == time {
                let k = self.by_exit[next];
                let w = self.weight(k);
                let phi = w * eta[k].exp();
                let row = self.x.row(k);
                risk.add(phi, row);
                if self.labels.events[k] {
                    tie.add(phi, row);
                    x_death.scaled_add(w, &row);
                    deaths += 1;
                    death_weight += w;
                }
                next += 1;
            }
            // Loans entered at or after this time are not yet at risk.
            while removed < self.by_entry.len() && self.labels.entry(self.by_entry[removed]) >= time
            {
                let k = self.by_entry[removed];
                risk.add(-self.weight(k) * eta[k].exp(), self.x.row(k));
                removed += 1;
            }
            // A default time whose loans weigh nothing (weights of 0) adds nothing.
            if deaths > 0 && death_weight > 0.0 && risk.phi > 0.0 {
                self.add_tie(
                    &mut out,
                    &risk,
                    &tie,
                    (deaths, death_weight),
                    &x_death,
                    beta,
                );
            }
        }
        for a in 0..p {
            for b in 0..a {
                out.hessian[[b, a]] = out.hessian[[a, b]];
            }
        }
        out
    }

    /// One default time's terms: Efron's d fractions l/d of the tied defaults taken out of
    /// the risk set, summed in closed form.
    fn add_tie(
        &self,
        out: &mut Efron,
        risk: &PhiSums,
        tie: &PhiSums,
        (deaths, death_weight): (usize, f64),
        x_death: &Array1<f64>,
        beta: &Array1<f64>,
    ) {
        let p = beta.len();
        let d = deaths as f64;
        // Σ_l denom_l, Σ f_l·denom_l, Σ denom_l², Σ f_l·denom_l², Σ f_l²·denom_l², Σ log denom_l
        let (mut s1, mut sf, mut s2, mut sf2, mut sff2, mut slog) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for l in 0..deaths {
            let f = l as f64 / d;
            let denom = 1.0 / (risk.phi - f * tie.phi);
            s1 += denom;
            sf += f * denom;
            s2 += denom * denom;
            sf2 += f * denom * denom;
            sff2 += f * f * denom * denom;
            slog += denom.ln();
        }
        let average = death_weight / d;
        out.log_likelihood += x_death.dot(beta) + average * slog;
        for a in 0..p {
            let summand = risk.phi_x[a] * s1 - tie.phi_x[a] * sf;
            out.gradient[a] += x_death[a] - average * summand;
            for b in 0..=a {
                let (ra, rb, ta, tb) = (risk.phi_x[a], risk.phi_x[b], tie.phi_x[a], tie.phi_x[b]);
                let a2 = ra * rb * s2 - (ra * tb + ta * rb) * sf2 + ta * tb * sff2;
                let a1 = risk.phi_xx[[a, b]] * s1 - tie.phi_xx[[a, b]] * sf;
                out.hessian[[a, b]] += average * (a2 - a1);
            }
        }
    }

    /// Breslow's baseline hazard at each distinct default time, ascending, for the outputs
    /// `eta` (each default time's weighted defaults over the weighted Σ e^η of the loans at
    /// risk then): lifelines' `baseline_hazard_` (which leaves entries out of its risk sets).
    pub fn breslow(&self, eta: &Array1<f64>) -> Vec<(f64, f64)> {
        let durations = &self.labels.durations;
        let mut steps = Vec::new();
        let (mut next, mut removed, mut at_risk) = (0, 0, 0.0);
        while next < self.by_exit.len() {
            crate::interrupt::check_every(next, 4096);
            let time = durations[self.by_exit[next]];
            let mut events = 0.0;
            while next < self.by_exit.len() && durations[self.by_exit[next]] == time {
                let k = self.by_exit[next];
                at_risk += self.weight(k) * eta[k].exp();
                if self.labels.events[k] {
                    events += self.weight(k);
                }
                next += 1;
            }
            while removed < self.by_entry.len() && self.labels.entry(self.by_entry[removed]) >= time
            {
                let k = self.by_entry[removed];
                at_risk -= self.weight(k) * eta[k].exp();
                removed += 1;
            }
            if events > 0.0 && at_risk > 0.0 {
                steps.push((time, events / at_risk));
            }
        }
        steps.reverse();
        steps
    }
}
