//! A k-means model's section of the model report.

use super::projection::Projection;
use super::KMeansModel;
use crate::html::{escape, number};
use std::fmt::Write;

/// Terms of each cluster shown in the profile table.
const PROFILE_TERMS: usize = 3;
/// Colours of clusters 1, 2, ... (repeating after ten).
const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The colour of cluster `cluster` (numbered from 1).
fn colour_of(cluster: u32) -> &'static str {
    PALETTE[(cluster.max(1) as usize - 1) % PALETTE.len()]
}

/// A k-means model's section: the silhouette per k, cluster profiles, explained variance and
/// the clusters drawn on the first two principal components.
pub fn clusters_section(html: &mut String, k: &KMeansModel) {
    let _ = writeln!(
        html,
        "<section><h2>Clusters</h2><p>{} clusters; silhouette {} (on at most 10,000 training \
         rows), Davies–Bouldin {}, inertia {} (standardized units). fin_clusters returns every \
         term of every cluster.</p>",
        k.k(),
        number(k.silhouette),
        number(k.davies_bouldin),
        number(k.inertia)
    );
    if !k.silhouette_by_k.is_empty() {
        html.push_str("<h3>Silhouette by k</h3><table><tr><th>k</th><th>silhouette</th></tr>\n");
        for (kk, s) in &k.silhouette_by_k {
            let chosen = if *kk == k.k() { " (chosen)" } else { "" };
            let _ = writeln!(
                html,
                "<tr><td>{kk}{chosen}</td><td class=\"num\">{}</td></tr>",
                number(*s)
            );
        }
        html.push_str("</table>\n");
    }
    html.push_str(
        "<h3>Profiles</h3><table><tr><th>cluster</th><th>rows</th><th>share</th>\
         <th>what sets it apart: mean (z-score against all rows)</th></tr>\n",
    );
    for (c, p) in k.profiles.iter().enumerate() {
        let apart: Vec<String> = p
            .terms
            .iter()
            .take(PROFILE_TERMS)
            .map(|t| format!("{} {} ({:+.2})", t.term, number(t.mean), t.z))
            .collect();
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td><td>{}</td></tr>",
            c + 1,
            p.rows,
            100.0 * p.share,
            escape(&apart.join("; "))
        );
    }
    html.push_str("</table>\n");
    match &k.projection {
        Some(projection) => projection_part(html, projection),
        None => html.push_str("<p>No projection: the design has fewer than two columns.</p>\n"),
    }
    html.push_str("</section>\n");
}

fn projection_part(html: &mut String, projection: &Projection) {
    html.push_str(
        "<h3>Principal components</h3><div class=\"charts\"><table><tr><th>component</th>\
         <th>share of variance</th><th>cumulative</th></tr>\n",
    );
    let mut cumulative = 0.0;
    for (j, r) in projection.explained_variance_ratio.iter().enumerate() {
        cumulative += r;
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"num\">{:.1}%</td><td class=\"num\">{:.1}%</td></tr>",
            j + 1,
            100.0 * r,
            100.0 * cumulative
        );
    }
    html.push_str("</table>\n");
    html.push_str(&scatter(projection));
    html.push_str("</div>\n");
}

/// The sample on components 1 and 2, one colour per cluster.
fn scatter(projection: &Projection) -> String {
    const SIZE: f64 = 360.0;
    const MARGIN: f64 = 30.0;
    let span = |values: &mut dyn Iterator<Item = f64>| {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
    };
    let (x_lo, x_hi) = span(&mut projection.points.iter().map(|p| p.0));
    let (y_lo, y_hi) = span(&mut projection.points.iter().map(|p| p.1));
    let scale = |v: f64, lo: f64, hi: f64| {
        if hi > lo {
            (v - lo) / (hi - lo)
        } else {
            0.5
        }
    };
    let ratio = |j: usize| {
        projection
            .explained_variance_ratio
            .get(j)
            .copied()
            .unwrap_or(0.0)
    };
    let title = "Clusters on the first two principal components";
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{SIZE}\" height=\"{SIZE}\" \
         viewBox=\"0 0 {SIZE} {SIZE}\" role=\"img\" aria-label=\"{title}\">\
         <text x=\"{}\" y=\"18\" class=\"title\">{title}</text>\
         <rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{}\" height=\"{}\" class=\"frame\"/>",
        SIZE / 2.0,
        SIZE - 2.0 * MARGIN,
        SIZE - 2.0 * MARGIN
    );
    let inner = SIZE - 2.0 * MARGIN - 8.0;
    for &(x, y, cluster) in &projection.points {
        let colour = colour_of(cluster);
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"{colour}\" fill-opacity=\"0.7\"/>",
            MARGIN + 4.0 + inner * scale(x, x_lo, x_hi),
            SIZE - MARGIN - 4.0 - inner * scale(y, y_lo, y_hi)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" class=\"label\">component 1 ({:.1}% of variance)</text>\
         <text transform=\"translate(14 {}) rotate(-90)\" class=\"label\">component 2 ({:.1}%)</text>\
         </svg><figcaption>{} training rows, coloured by cluster ({}).</figcaption></figure>",
        SIZE / 2.0,
        SIZE - 8.0,
        100.0 * ratio(0),
        SIZE / 2.0,
        100.0 * ratio(1),
        projection.points.len(),
        legend(&projection.points)
    );
    svg
}

/// "1 blue-ish #1f77b4, ...": which colour is which cluster.
fn legend(points: &[(f64, f64, u32)]) -> String {
    let mut clusters: Vec<u32> = points.iter().map(|p| p.2).collect();
    clusters.sort_unstable();
    clusters.dedup();
    clusters
        .iter()
        .map(|&c| format!("<span style=\"color:{}\">■</span> {c}", colour_of(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use crate::registry::KMEANS;
    use crate::test_data::report_of as report;

    #[test]
    fn a_kmeans_report_shows_silhouettes_profiles_and_the_projection() {
        let html = report(KMEANS, serde_json::json!({"k": [2, 3]}));
        for part in [
            "<h2>Clusters</h2>",
            "<h3>Silhouette by k</h3>",
            "(chosen)",
            "<h3>Profiles</h3>",
            "<h3>Principal components</h3>",
            "aria-label=\"Clusters on the first two principal components\"",
            "none (trained without a target)",
            "<td>silhouette</td>",
        ] {
            assert!(html.contains(part), "missing {part}");
        }
        assert!(!html.contains("NaN") && !html.contains("inf"));
        assert!(!html.contains("<h2>Charts</h2>"));
    }
}
