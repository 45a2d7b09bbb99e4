"""Reference values for models/tests/tree_shap.rs: path-dependent TreeSHAP from the shap
package (shap 0.51.0, scikit-learn 1.9.1, numpy 2.4.6) on trees in finml's stored form.

Writes tree_shap.json next to this script: for each case, the ensemble as finml stores it
({"base", "combine": "sum" | "mean", "trees": [...]}, each tree in shap's dictionary form:
children_left, children_right, children_default, features, thresholds, values,
node_sample_weight; a leaf has children -1, feature 0, threshold 0), its width (design
columns), test rows (NaN written as null), each row's output by finml's rule, shap's
TreeExplainer(feature_perturbation="tree_path_dependent") SHAP values and expected value.

Cases:
  decision_tree      DecisionTreeRegressor(max_depth=6, random_state=0) on 500 rows of 5
                     columns with NaNs (missing_go_to_left gives children_default); one tree,
                     combine "mean".
  random_forest      RandomForestRegressor(n_estimators=6, max_depth=5, random_state=1) on
                     the same data (covers are the bootstrap counts); combine "mean".
  gradient_boosting  GradientBoostingRegressor(n_estimators=8, max_depth=3,
                     learning_rate=0.1, random_state=2) on the rows without NaN; each tree's
                     values times the learning rate, base the initial prediction; NaN's
                     default child drawn at random (seed 3); combine "sum".
  hand_made          12 random trees (seed 4) over 4 columns, up to 10 levels, unbalanced, the
                     same column repeated along paths, random integer covers at the leaves
                     summed upwards, NaN's default child random; base 0.3, combine "sum".

finml sends x < threshold left, shap and scikit-learn x <= threshold: the rows never equal a
threshold (checked below). Every value is float32-representable, as scikit-learn compares in
float32. Each case's outputs by finml's rule are checked against scikit-learn's predict (rows
without NaN for gradient boosting) and against shap's own model output. No zero cover: shap
divides by a node's cover (0/0 is NaN there); finml's zero covers are tested in
models/src/trees/shap.rs against brute-force Shapley values.

Run: python3 -m venv /tmp/shapvenv && /tmp/shapvenv/bin/pip install shap==0.51.0 \
       scikit-learn==1.9.1
     /tmp/shapvenv/bin/python models/tests/reference/tree_shap.py
"""
import json
import os
import numpy as np
import shap
import sklearn
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

here = os.path.dirname(os.path.abspath(__file__))
WIDTH = 5
TEST_ROWS = 40


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def data(rng, n, nan_share):
    X = f32(rng.normal(size=(n, WIDTH)))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * np.abs(X[:, 3]) + 0.1 * rng.normal(size=n)
    X[rng.random(X.shape) < nan_share] = np.nan
    return X, y


def from_sklearn(tree, scale, rng=None):
    """A fitted scikit-learn tree_ in finml's form; NaN goes where scikit-learn sends it, or
    to a random child when `rng` is given (a tree fitted without NaN). scikit-learn's split of
    the NaNs from every other value has threshold inf (NaN right); finml's thresholds are
    finite, and the largest double sends every finite value left as well."""
    t = tree
    leaf = t.children_left < 0
    if rng is None:
        default = np.where(t.missing_go_to_left.astype(bool), t.children_left, t.children_right)
    else:
        default = np.where(rng.random(t.node_count) < 0.5, t.children_left, t.children_right)
    return {
        "children_left": [int(c) if c >= 0 else -1 for c in t.children_left],
        "children_right": [int(c) if c >= 0 else -1 for c in t.children_right],
        "children_default": [-1 if l else int(d) for l, d in zip(leaf, default)],
        "features": [0 if l else int(f) for l, f in zip(leaf, t.feature)],
        "thresholds": [0.0 if l else min(float(h), np.finfo(np.float64).max) for l, h in zip(leaf, t.threshold)],
        "values": [float(v) * scale for v in t.value[:, 0, 0]],
        "node_sample_weight": [float(w) for w in t.weighted_n_node_samples],
    }


def hand_made(rng, width, max_depth):
    """A random tree: every node at depth < max_depth splits with probability 0.6 (the root
    always); children come after their parent (breadth first)."""
    left, right, default, features, thresholds, depth = [-1], [-1], [-1], [0], [0.0], [0]
    node = 0
    while node < len(left):
        if depth[node] < max_depth and (node == 0 or rng.random() < 0.6):
            k = len(left)
            left[node], right[node] = k, k + 1
            default[node] = k if rng.random() < 0.5 else k + 1
            features[node] = int(rng.integers(width))
            thresholds[node] = float(np.float32(rng.uniform(-1, 1)))
            for _ in range(2):
                left.append(-1)
                right.append(-1)
                default.append(-1)
                features.append(0)
                thresholds.append(0.0)
                depth.append(depth[node] + 1)
        node += 1
    n = len(left)
    values, weights = [0.0] * n, [0.0] * n
    for node in reversed(range(n)):
        if left[node] < 0:
            values[node] = float(rng.uniform(-2, 2))
            weights[node] = float(rng.integers(1, 20))
        else:
            wl, wr = weights[left[node]], weights[right[node]]
            weights[node] = wl + wr
            values[node] = (wl * values[left[node]] + wr * values[right[node]]) / (wl + wr)
    return {
        "children_left": left,
        "children_right": right,
        "children_default": default,
        "features": features,
        "thresholds": thresholds,
        "values": values,
        "node_sample_weight": weights,
    }


def output(tree, row):
    """finml's rule: x < threshold goes left, NaN to the default child."""
    node = 0
    while tree["children_left"][node] >= 0:
        x = row[tree["features"][node]]
        if np.isnan(x):
            node = tree["children_default"][node]
        elif x < tree["thresholds"][node]:
            node = tree["children_left"][node]
        else:
            node = tree["children_right"][node]
    return tree["values"][node]


def explain(name, ensemble, rows, sklearn_outputs):
    trees = ensemble["trees"]
    scale = 1.0 if ensemble["combine"] == "sum" else 1.0 / len(trees)
    thresholds = np.array([h for t in trees for h, l in zip(t["thresholds"], t["children_left"]) if l >= 0])
    gap = np.min(np.abs(rows[:, :, None] - thresholds[None, None, :])[~np.isnan(rows)])
    assert gap > 1e-6, (name, gap)
    outputs = np.array([ensemble["base"] + scale * sum(output(t, r) for t in trees) for r in rows])
    known = ~np.isnan(sklearn_outputs)
    assert np.allclose(outputs[known], sklearn_outputs[known], rtol=0, atol=1e-9), name
    model = {
        "trees": [
            {
                "children_left": np.array(t["children_left"]),
                "children_right": np.array(t["children_right"]),
                "children_default": np.array(t["children_default"]),
                "features": np.array(t["features"]),
                "thresholds": np.array(t["thresholds"]),
                "values": np.array(t["values"])[:, None] * scale,
                "node_sample_weight": np.array(t["node_sample_weight"]),
            }
            for t in trees
        ],
        "base_offset": ensemble["base"],
        "input_dtype": np.float64,
    }
    explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    values = explainer.shap_values(rows)
    expected = float(np.ravel(explainer.expected_value)[0])
    assert np.allclose(expected + values.sum(1), outputs, rtol=0, atol=1e-9), name
    return {
        "name": name,
        "width": WIDTH,
        "ensemble": ensemble,
        "rows": [[None if np.isnan(x) else float(x) for x in r] for r in rows],
        "outputs": [float(o) for o in outputs],
        "shap_values": [[float(v) for v in r] for r in values],
        "expected_value": expected,
    }


rng = np.random.default_rng(20260601)
X, y = data(rng, 500, 0.1)
rows, _ = data(rng, TEST_ROWS, 0.15)
cases = []

dt = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y)
ensemble = {"base": 0.0, "combine": "mean", "trees": [from_sklearn(dt.tree_, 1.0)]}
cases.append(explain("decision_tree", ensemble, rows, dt.predict(rows)))

rf = RandomForestRegressor(n_estimators=6, max_depth=5, random_state=1).fit(X, y)
ensemble = {"base": 0.0, "combine": "mean", "trees": [from_sklearn(e.tree_, 1.0) for e in rf.estimators_]}
cases.append(explain("random_forest", ensemble, rows, rf.predict(rows)))

complete = ~np.isnan(X).any(1)
gb = GradientBoostingRegressor(n_estimators=8, max_depth=3, learning_rate=0.1, random_state=2)
gb.fit(X[complete], y[complete])
defaults = np.random.default_rng(3)
ensemble = {
    "base": float(gb.init_.constant_[0, 0]),
    "combine": "sum",
    "trees": [from_sklearn(e.tree_, gb.learning_rate, defaults) for e in gb.estimators_[:, 0]],
}
row_complete = ~np.isnan(rows).any(1)
predicted = np.full(TEST_ROWS, np.nan)
predicted[row_complete] = gb.predict(rows[row_complete])
cases.append(explain("gradient_boosting", ensemble, rows, predicted))

hand = np.random.default_rng(4)
ensemble = {"base": 0.3, "combine": "sum", "trees": [hand_made(hand, 4, 10) for _ in range(12)]}
cases.append(explain("hand_made", ensemble, rows, np.full(TEST_ROWS, np.nan)))

with open(os.path.join(here, "tree_shap.json"), "w") as f:
    json.dump(
        {
            "generator": "tree_shap.py",
            "shap": shap.__version__,
            "scikit_learn": sklearn.__version__,
            "numpy": np.__version__,
            "cases": cases,
        },
        f,
        allow_nan=False,
    )
    f.write("\n")
for c in cases:
    print(c["name"], len(c["ensemble"]["trees"]), "trees, expected value", c["expected_value"])
