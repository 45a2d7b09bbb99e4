//! A chart's plot area as inline SVG: its frame, axes and ticks, and the lines, bars and
//! legend drawn in data coordinates.

use super::print::tick;
use crate::html::escape;
use std::fmt::Write;

pub(super) const CHART_WIDTH: f64 = 360.0;
pub(super) const CHART_HEIGHT: f64 = 300.0;
pub(super) const LEFT: f64 = 50.0;
pub(super) const RIGHT: f64 = 15.0;
pub(super) const TOP: f64 = 30.0;
pub(super) const BOTTOM: f64 = 45.0;
pub(super) const POSITIVE_COLOUR: &str = "#c0392b";
pub(super) const NEGATIVE_COLOUR: &str = "#2471a3";

/// A plot area: data coordinates (x_lo..x_hi, y_lo..y_max; by default 0..1, 0..y_max) to
/// SVG pixels.
pub(super) struct Plot {
    svg: String,
    x_lo: f64,
    x_hi: f64,
    y_lo: f64,
    y_max: f64,
}

impl Plot {
    pub(super) fn new(title: &str, x_label: &str, y_label: &str, y_max: f64) -> Plot {
        Plot::with_ranges(title, x_label, y_label, (0.0, 1.0), (0.0, y_max))
    }

    pub(super) fn with_ranges(
        title: &str,
        x_label: &str,
        y_label: &str,
        (x_lo, x_hi): (f64, f64),
        (y_lo, y_max): (f64, f64),
    ) -> Plot {
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" \
             height=\"{CHART_HEIGHT}\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" \
             aria-label=\"{t}\"><text x=\"{}\" y=\"18\" class=\"title\">{t}</text>",
            CHART_WIDTH / 2.0,
            t = escape(title)
        );
        let mut plot = Plot {
            svg,
            x_lo,
            x_hi,
            y_lo,
            y_max,
        };
        plot.axes(x_label, y_label);
        plot
    }

    pub(super) fn x(&self, value: f64) -> f64 {
        let share = if self.x_hi > self.x_lo {
            ((value - self.x_lo) / (self.x_hi - self.x_lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        LEFT + share * (CHART_WIDTH - LEFT - RIGHT)
    }

    pub(super) fn y(&self, value: f64) -> f64 {
        let share = if self.y_max > self.y_lo {
            ((value - self.y_lo) / (self.y_max - self.y_lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        CHART_HEIGHT - BOTTOM - share * (CHART_HEIGHT - TOP - BOTTOM)
    }

    fn axes(&mut self, x_label: &str, y_label: &str) {
        let (x0, x1) = (self.x(self.x_lo), self.x(self.x_hi));
        let (y0, y1) = (self.y(self.y_lo), self.y(self.y_max));
        let _ = write!(
            self.svg,
            "<rect x=\"{x0}\" y=\"{y1}\" width=\"{}\" height=\"{}\" class=\"frame\"/>",
            x1 - x0,
            y0 - y1
        );
        for k in 0..=4 {
            let share = k as f64 / 4.0;
            let x_value = self.x_lo + share * (self.x_hi - self.x_lo);
            let y_value = self.y_lo + share * (self.y_max - self.y_lo);
            let (x, y) = (self.x(x_value), self.y(y_value));
            let _ = write!(
                self.svg,
                "<line x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{}\" class=\"tick\"/>\
                 <text x=\"{x}\" y=\"{}\" class=\"xt\">{}</text>\
                 <line x1=\"{}\" y1=\"{y}\" x2=\"{x0}\" y2=\"{y}\" class=\"tick\"/>\
                 <text x=\"{}\" y=\"{}\" class=\"yt\">{}</text>",
                y0 + 4.0,
                y0 + 16.0,
                tick(x_value),
                x0 - 4.0,
                x0 - 6.0,
                y + 4.0,
                tick(y_value)
            );
        }
        let _ = write!(
            self.svg,
            "<text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\
             <text transform=\"translate(14 {}) rotate(-90)\" class=\"label\">{}</text>",
            (x0 + x1) / 2.0,
            CHART_HEIGHT - 8.0,
            escape(x_label),
            (y0 + y1) / 2.0,
            escape(y_label)
        );
    }

    pub(super) fn diagonal(&mut self) {
        let _ = write!(
            self.svg,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"diagonal\"/>",
            self.x(self.x_lo),
            self.y(self.y_lo),
            self.x(self.x_hi),
            self.y(self.y_max)
        );
    }

    pub(super) fn polyline(&mut self, points: &[(f64, f64)], colour: &str, markers: bool) {
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", self.x(x), self.y(y)))
            .collect();
        let _ = write!(
            self.svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        if markers {
            for &(x, y) in points {
                let _ = write!(
                    self.svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"/>",
                    self.x(x),
                    self.y(y)
                );
            }
        }
    }

    /// A dot per point (a scatter).
    pub(super) fn dots(&mut self, points: &[(f64, f64)], colour: &str) {
        for &(x, y) in points {
            let _ = write!(
                self.svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"{colour}\" fill-opacity=\"0.6\"/>",
                self.x(x),
                self.y(y)
            );
        }
    }

    pub(super) fn bar(&mut self, from: f64, to: f64, height: f64, colour: &str) {
        let (x0, x1, y) = (self.x(from), self.x(to), self.y(height));
        let _ = write!(
            self.svg,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" \
             fill-opacity=\"0.45\"/>",
            (x1 - x0).max(0.0),
            (self.y(0.0) - y).max(0.0)
        );
    }

    pub(super) fn legend(&mut self, entries: &[(&str, &str)]) {
        for (k, (label, colour)) in entries.iter().enumerate() {
            let y = TOP + 12.0 + 16.0 * k as f64;
            let x = self.x(0.62);
            let _ = write!(
                self.svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
                 <text x=\"{}\" y=\"{y}\" class=\"legend\">{}</text>",
                y - 9.0,
                x + 14.0,
                escape(label)
            );
        }
    }

    pub(super) fn finish(mut self, caption: &str) -> String {
        let _ = writeln!(
            self.svg,
            "</svg><figcaption>{}</figcaption></figure>",
            escape(caption)
        );
        self.svg
    }
}
