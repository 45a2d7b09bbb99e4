"""The client-side peers of finml's benchmark: what an analyst runs today, pulling the table
into Python. Each prints one line: the wall-clock seconds of the whole path (read + fit +
measure), then its figures (test AUC, and for logistic regression the largest difference from
finml's coefficients on the standardized scale).

usage: python peers.py <logistic | logistic_csv | scorecard | mlp | metrics | kmeans | isolation_forest | text [WIDTH]
                        | lightgbm | trees_credit | tune_logistic | multinomial>
environment: DB, PGHOST, PGUSER, PGPASSWORD (a client role), THREADS (mlp, kmeans,
isolation_forest, lightgbm, trees_credit), FEATURES (mlp, kmeans, isolation_forest),
TEST_FROM (lightgbm: the first id of the test rows), L2 (tune_logistic: the penalties, comma
separated)
"""
import io
import os
import re
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd
import psycopg

COLUMNS = [f"x{i}" for i in range(1, 21)] + ["region", "employment", "defaulted"]


def connect():
    return psycopg.connect(dbname=os.environ["DB"])


def read_sql(columns="*"):
    with connect() as conn:
        return pd.read_sql(f"SELECT {columns} FROM applicants ORDER BY id", conn)


def read_copy_csv(columns=COLUMNS):
    """The fastest client path: COPY ... TO STDOUT (FORMAT csv) straight into pandas."""
    buffer = io.BytesIO()
    with connect() as conn, conn.cursor() as cur:
        with cur.copy(f"COPY (SELECT {', '.join(columns)} FROM applicants ORDER BY id) "
                      "TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer)


def logistic_pipeline(df):
    """finml's preprocessing in scikit-learn: median imputation and population
    standardization of the numerics; one-hot categoricals without their most frequent level
    (finml's reference level); the stratified 70/30 split with seed 42."""
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    y = df.pop("defaulted").to_numpy()
    df = df[[c for c in COLUMNS if c != "defaulted"]]
    num = [c for c in df.columns if c.startswith("x")]
    cat = ["region", "employment"]
    Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
    reference = [Xtr[c].value_counts().idxmax() for c in cat]
    pre = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        (OneHotEncoder(drop=reference, handle_unknown="ignore"), cat))
    model = make_pipeline(pre, LogisticRegression(C=1.0, max_iter=1000)).fit(Xtr, ytr)
    return model, Xtr, Xte, ytr, yte, num, cat


def logistic(csv):
    from sklearn.metrics import roc_auc_score
    start = time.time()
    df = read_copy_csv() if csv else read_sql()
    model, Xtr, Xte, ytr, yte, num, cat = logistic_pipeline(df)
    auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
    seconds = time.time() - start
    print(f"{seconds:.3f} {auc:.6f} {coefficient_gap(model, Xtr, ytr, num, cat):.2e}")


def coefficient_gap(model, Xtr, ytr, num, cat):
    """Largest |finml - scikit-learn| over the intercept and weights on the standardized
    scale, against scikit-learn's exact optimum at the same penalty (newton-cholesky, tol
    1e-10, on the same design). Not timed."""
    from sklearn.linear_model import LogisticRegression
    pre = model[0]
    X = pre.transform(Xtr)
    exact = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=100).fit(X, ytr)
    names = list(num)
    encoder = pre.named_transformers_["onehotencoder"]
    for c, levels, dropped in zip(cat, encoder.categories_, encoder.drop_idx_):
        names += [f"{c}={level}" for k, level in enumerate(levels) if k != dropped]
    scaler = pre.named_transformers_["pipeline"][-1]
    mean = dict(zip(num, scaler.mean_))
    scale = dict(zip(num, scaler.scale_))
    with connect() as conn:
        rows = conn.execute("SELECT term, estimate FROM fin_coefficients('bench')").fetchall()
    finml = dict(rows)
    # finml reports the original scale: w = estimate·scale, b = b' + Σ w·mean/scale.
    weights = {t: finml[t] * scale.get(t, 1.0) for t in names}
    intercept = finml["(intercept)"] + sum(weights[t] * mean[t] / scale[t] for t in num)
    gaps = [abs(intercept - exact.intercept_[0])]
    gaps += [abs(weights[t] - w) for t, w in zip(names, exact.coef_[0])]
    return max(gaps)


def scorecard():
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    start = time.time()
    df = read_sql()
    y = df.pop("defaulted").to_numpy()
    df = df.drop(columns=["id"])
    Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
    params = {c: {"monotonic_trend": "auto_asc_desc", "max_n_bins": 8}
              for c in df.columns if c.startswith("x")}
    # The same screening as finml's default min_iv.
    process = BinningProcess(list(df.columns), categorical_variables=["region", "employment"],
                             binning_fit_params=params, selection_criteria={"iv": {"min": 0.02}})
    card = Scorecard(binning_process=process, estimator=LogisticRegression(),
                     scaling_method="pdo_odds",
                     scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
                     rounding=True).fit(Xtr, ytr)
    auc = roc_auc_score(yte, card.predict_proba(Xte)[:, 1])
    print(f"{time.time() - start:.3f} {auc:.6f}")


def mlp():
    """The same data, preprocessing, split, architecture, optimizer, epochs, batch size and
    thread count as finml's MLP recipe, in PyTorch on the CPU."""
    import torch
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    torch.set_num_threads(int(os.environ["THREADS"]))
    torch.manual_seed(42)
    start = time.time()
    df = read_sql(f"{os.environ['FEATURES']}, defaulted")
    y = df.pop("defaulted").to_numpy().astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.2, stratify=y, random_state=42)
    pre = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit(Xtr)
    Xtr = torch.tensor(pre.transform(Xtr), dtype=torch.float32)
    Xte = torch.tensor(pre.transform(Xte), dtype=torch.float32)
    Ytr = torch.tensor(ytr).unsqueeze(1)
    width = Xtr.shape[1]
    model = torch.nn.Sequential(torch.nn.Linear(width, 50), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(50, 50), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(50, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = len(Xtr)
    for _ in range(10):
        perm = torch.randperm(n)
        Xs, Ys = Xtr[perm], Ytr[perm]
        for s in range(0, n, 32):
            opt.zero_grad()
            loss = loss_fn(model(Xs[s:s + 32]), Ys[s:s + 32])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        auc = roc_auc_score(yte, model(Xte).squeeze(1).numpy())
    print(f"{time.time() - start:.3f} {auc:.6f}")


def metrics():
    """Evaluating a model in a notebook: pull its predictions and the labels, then
    sklearn.metrics (AUC, ROC/KS, accuracy, precision, recall, f1, log loss, Brier)."""
    from sklearn import metrics as m
    start = time.time()
    with connect() as conn:
        df = pd.read_sql("SELECT fin_predict('bench', a) AS p, defaulted AS y FROM applicants a", conn)
    p, y = df["p"].to_numpy(), df["y"].to_numpy()
    hard = p >= 0.5
    auc = m.roc_auc_score(y, p)
    fpr, tpr, _ = m.roc_curve(y, p)
    [auc, (tpr - fpr).max(), m.accuracy_score(y, hard), m.precision_score(y, hard),
     m.recall_score(y, hard), m.f1_score(y, hard), m.log_loss(y, p), m.brier_score_loss(y, p)]
    print(f"{time.time() - start:.3f} {auc:.6f}")


def standardized_features():
    """The numeric features by the fastest client path, median-imputed and standardized
    (population sd) as finml's preprocessing does."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    df = read_copy_csv(os.environ["FEATURES"].split(","))
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit_transform(df)


def kmeans():
    """KMeans(8, n_init=3) (Lloyd, k-means++) on the standardized features, on THREADS
    threads: seconds and inertia."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits
    start = time.time()
    X = standardized_features()
    with threadpool_limits(int(os.environ["THREADS"])):
        model = KMeans(8, n_init=3, max_iter=300, tol=1e-4, random_state=42).fit(X)
    print(f"{time.time() - start:.3f} {model.inertia_:.6f}")


def isolation_forest():
    """IsolationForest(100 trees of 256 rows, contamination 0.5%) on THREADS jobs: fitting
    with a contamination scores every training row for the threshold, as finml does."""
    from sklearn.ensemble import IsolationForest
    start = time.time()
    X = standardized_features()
    model = IsolationForest(n_estimators=100, max_samples=256, contamination=0.005,
                            random_state=42, n_jobs=int(os.environ["THREADS"])).fit(X)
    print(f"{time.time() - start:.3f} {model.offset_:.6f}")


def text(width=1024):
    """Hashed TF-IDF (`width` columns, words and word pairs) + LogisticRegression(C=1) on a
    random 70% of bench_memos, read with COPY csv: seconds and the test AUC."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    start = time.time()
    buffer = io.BytesIO()
    with connect() as conn, conn.cursor() as cur:
        with cur.copy("COPY (SELECT memo, fraud FROM bench_memos ORDER BY id) "
                      "TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    df = pd.read_csv(buffer, keep_default_na=False)
    y = df["fraud"] == "t"
    train, test = train_test_split(df.index, test_size=0.3, random_state=42, stratify=y)
    hashed = HashingVectorizer(n_features=int(width), ngram_range=(1, 2), alternate_sign=False,
                               norm=None)
    tfidf = TfidfTransformer().fit(hashed.transform(df["memo"][train]))
    X = tfidf.transform(hashed.transform(df["memo"]))
    model = LogisticRegression(C=1.0, max_iter=100).fit(X[train], y[train])
    auc = roc_auc_score(y[test], model.predict_proba(X[test])[:, 1])
    print(f"{time.time() - start:.3f} {auc:.4f}")


# LightGBM against finml's gbdt (bench/trees.sh): the same rows, split, parameters and threads.
def lightgbm_params(threads):
    """finml's gbdt recipe in LightGBM's words: 100 rounds at learning rate 0.1, leaf-wise
    trees of 31 leaves, at least 20 rows and a hessian of 1e-3 per leaf, no L2, every row and
    column each round, 255 bins per feature, the trees' first output the log-odds of the
    training rows (boost_from_average)."""
    return {"objective": "binary", "learning_rate": 0.1, "num_leaves": 31, "max_depth": -1,
            "min_data_in_leaf": 20, "min_sum_hessian_in_leaf": 1e-3, "lambda_l2": 0.0,
            "bagging_fraction": 1.0, "feature_fraction": 1.0, "max_bin": 255,
            "num_threads": threads, "seed": 42, "deterministic": True, "verbose": -1}


def finml_one_hot(train, test, categorical):
    """finml's stored one-hot of a categorical feature (models/src/preprocess/fit.rs,
    categorical_from_counts): an indicator per training level except the most frequent (the
    reference; ties by name), NULL its own indicator when training rows had it; a level the
    training rows lacked sets none. Numbers stay as they are, NULL as NaN (tree models route
    it by each split's default direction, as LightGBM does)."""
    parts = {"train": [train.drop(columns=categorical)], "test": [test.drop(columns=categorical)]}
    for c in categorical:
        counts = train[c].fillna("(missing)").value_counts()
        order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = sorted(level for level, _ in order[1:] if level != "(missing)")
        for level in kept + [level for level, _ in order[1:] if level == "(missing)"]:
            for name, frame in (("train", train), ("test", test)):
                parts[name].append(frame[c].fillna("(missing)").eq(level).astype(np.float64)
                                   .rename(f"{c}={level}"))
    return (pd.concat(parts["train"], axis=1).astype(np.float64),
            pd.concat(parts["test"], axis=1).astype(np.float64))


def native_categories(train, test, categorical):
    """The same columns with LightGBM's own categorical splits (pandas category dtype over
    the training levels; NULL and unseen levels are LightGBM's missing category)."""
    train, test = train.copy(), test.copy()
    for c in categorical:
        levels = sorted(train[c].dropna().unique())
        train[c] = pd.Categorical(train[c], categories=levels)
        test[c] = pd.Categorical(test[c], categories=levels)
    return train, test


def auc_ks(y, p):
    from sklearn.metrics import roc_auc_score, roc_curve
    fpr, tpr, _ = roc_curve(y, p)
    return roc_auc_score(y, p), float((tpr - fpr).max())


def kib(field):
    """A field of /proc/self/status in kB (VmRSS, VmHWM, RssShmem, RssFile)."""
    return int(re.search(field + r":\s+(\d+)", open("/proc/self/status").read()).group(1))


def reset_peak():
    """Hands the heap's free pages back (the read's row objects leave hundreds of MB that later
    allocations would reuse unseen), then resets this process's VmHWM to its resident set
    (Linux: clear_refs 5). Returns that resident set in kB."""
    import ctypes
    import gc
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return kib("VmRSS")


def lightgbm_fit(Xtr, ytr, Xte, threads):
    """Dataset construction (binning) and 100 rounds, timed apart; returns the test
    probabilities, the construction's seconds and the rounds' seconds."""
    import lightgbm as lgb
    start = time.time()
    params = lightgbm_params(threads)
    train = lgb.Dataset(Xtr, label=ytr, params=params).construct()
    built = time.time()
    booster = lgb.train(params, train, num_boost_round=100)
    boosted = time.time()
    return booster.predict(Xte), built - start, boosted - built


def lightgbm():
    """The applicants table as an analyst takes it to LightGBM: pandas.read_sql of the 22
    features and the label, finml's one-hot of region and employment, the rows with id >=
    TEST_FROM as the test split (finml's {"split": {"column": "id", "test_from": ...}}),
    lgb.train, then the test AUC. Prints: end-to-end seconds, read seconds, Dataset
    construction seconds, boosting seconds, test AUC, KS, the resident-set growth of fitting
    (kB: VmHWM during construction, boosting and the test predictions, less VmRSS before them
    with the data frames in memory and the heap trimmed), this process's peak private
    resident set over the whole path (kB: VmHWM less shared and file pages at the end; the
    read's peak), and the test AUC with LightGBM's native categorical splits (fitted after,
    not timed)."""
    threads = int(os.environ["THREADS"])
    test_from = int(os.environ["TEST_FROM"])
    categorical = ["region", "employment"]
    start = time.time()
    df = read_sql("id, " + ", ".join(COLUMNS))
    read = time.time() - start
    test = df["id"].to_numpy() >= test_from
    y = df.pop("defaulted").to_numpy()
    X = df.drop(columns=["id"])
    Xtr, Xte = finml_one_hot(X[~test], X[test], categorical)
    before = reset_peak()
    p, construct, boost = lightgbm_fit(Xtr, y[~test], Xte, threads)
    growth = kib("VmHWM") - before
    auc, ks = auc_ks(y[test], p)
    seconds = time.time() - start
    private = kib("VmHWM") - kib("RssShmem") - kib("RssFile")
    Ntr, Nte = native_categories(X[~test], X[test], categorical)
    native, _, _ = lightgbm_fit(Ntr, y[~test], Nte, threads)
    print(f"{seconds:.3f} {read:.3f} {construct:.3f} {boost:.3f} {auc:.6f} {ks:.6f} {growth} {private}"
          f" {auc_ks(y[test], native)[0]:.6f}")


def trees_credit():
    """The credit example's applications (examples/credit/load.sql) with finml's split of
    bench/trees.sh (rows with (id - 1) % 10 >= 7 are the test rows, as models/tests/trees.rs),
    on finml's one-hot of the 4 categorical columns: LightGBM, then LightGBM with its native
    categorical splits; and scikit-learn's forest and tree with finml's defaults for
    random_forest (100 trees, depth 12, 1 row a leaf, √columns a split, bootstrap) and tree
    (depth 5, 20 rows a leaf), NULLs left to scikit-learn's own missing-value splits. Prints a
    line per model: name, test AUC, KS, fit seconds (LightGBM: construct + rounds)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier
    threads = int(os.environ["THREADS"])
    categorical = ["home", "marital", "records", "job"]
    with connect() as conn:
        df = pd.read_sql("SELECT id, status, seniority, home, time, age, marital, records, job, "
                         "expenses, income::float8, assets::float8, debt::float8, amount, price "
                         "FROM applications ORDER BY id", conn)
    test = ((df.pop("id").to_numpy() - 1) % 10) >= 7
    y = (df.pop("status") == "bad").to_numpy().astype(int)
    for name, encode in (("lightgbm_one_hot", finml_one_hot), ("lightgbm_native", native_categories)):
        Xtr, Xte = encode(df[~test], df[test], categorical)
        p, construct, rounds = lightgbm_fit(Xtr, y[~test], Xte, threads)
        print(name, *(f"{v:.6f}" for v in auc_ks(y[test], p)), f"{construct + rounds:.3f}")
    Xtr, Xte = finml_one_hot(df[~test], df[test], categorical)
    for name, model in (
            ("sklearn_random_forest", RandomForestClassifier(
                100, max_depth=12, min_samples_leaf=1, max_features="sqrt", n_jobs=threads,
                random_state=42)),
            ("sklearn_tree", DecisionTreeClassifier(max_depth=5, min_samples_leaf=20, random_state=42))):
        start = time.time()
        model.fit(Xtr, y[~test])
        seconds = time.time() - start
        print(name, *(f"{v:.6f}" for v in auc_ks(y[test], model.predict_proba(Xte)[:, 1])),
              f"{seconds:.3f}")

def tune_logistic():
    """fin_tune's grid search in scikit-learn: pandas.read_sql, fin_train's stratified 70/30
    split (seed 42) with the training rows in id order, GridSearchCV over C = 1/l2 of finml's
    preprocessing + LogisticRegression(C) (a pipeline, so the preprocessing is fitted per fold
    as finml fits it) on StratifiedKFold(5, shuffle=True, random_state=42), scored by ROC AUC,
    refitted on the whole training split, n_jobs = THREADS. Prints the seconds (read
    included), the chosen l2, the refit's test AUC and each candidate's mean AUC."""
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    penalties = [float(v) for v in os.environ["L2"].split(",")]
    start = time.time()
    df = read_sql()
    y = df.pop("defaulted").to_numpy()
    df = df[[c for c in COLUMNS if c != "defaulted"]]
    train, test = train_test_split(np.arange(len(df)), test_size=0.3, stratify=y, random_state=42)
    train, test = np.sort(train), np.sort(test)
    num = [c for c in df.columns if c.startswith("x")]
    cat = ["region", "employment"]
    reference = [df[c].iloc[train].value_counts().idxmax() for c in cat]
    pipeline = make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
            (OneHotEncoder(drop=reference, handle_unknown="ignore"), cat)),
        LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipeline, {"logisticregression__C": [1 / l2 for l2 in penalties]},
                          cv=StratifiedKFold(5, shuffle=True, random_state=42), scoring="roc_auc",
                          n_jobs=int(os.environ.get("THREADS", "2")), refit=True)
    search.fit(df.iloc[train], y[train])
    auc = roc_auc_score(y[test], search.predict_proba(df.iloc[test])[:, 1])
    seconds = time.time() - start
    chosen = 1 / search.best_params_["logisticregression__C"]
    means = ",".join(f"{m:.6f}" for m in search.cv_results_["mean_test_score"])
    print(f"{seconds:.3f} {chosen:g} {auc:.6f} {means}")


def multinomial():
    """Multinomial logistic regression of the 5-grade target of bench/multiclass.sh in
    scikit-learn: pandas.read_sql of the grades table, fin_train's stratified 70/30 split
    (seed 42), finml's preprocessing, LogisticRegression(C=1) at its defaults (L-BFGS, tol
    1e-4), the test log loss. Prints the seconds (read included), the test log loss and the
    largest gap between finml's standardized coefficients and scikit-learn's exact optimum
    (tol 1e-10, not timed; intercepts centered)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    start = time.time()
    with connect() as conn:
        df = pd.read_sql("SELECT * FROM grades ORDER BY id", conn)
    y = df.pop("grade").to_numpy()
    df = df[[c for c in COLUMNS if c != "defaulted"]]
    train, test = train_test_split(np.arange(len(df)), test_size=0.3, stratify=y, random_state=42)
    num = [c for c in df.columns if c.startswith("x")]
    cat = ["region", "employment"]
    X = design(df, train, num, cat)
    model = LogisticRegression(C=1.0).fit(X[train], y[train])
    loss = log_loss(y[test], model.predict_proba(X[test]), labels=model.classes_)
    seconds = time.time() - start
    exact = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X[train], y[train])
    with connect() as conn:
        rows = conn.execute("SELECT term, estimate FROM fin_coefficients('bench_multinomial')").fetchall()
    finml = dict(rows)
    scaling = {c: X_scale for c, X_scale in zip(num, STANDARD_SCALE)}
    gap = 0.0
    intercepts = exact.intercept_ - exact.intercept_.mean()
    for k, grade in enumerate(exact.classes_):
        for j, term in enumerate(NAMES):
            # finml reports the original scale: a standardized weight is estimate × scale.
            ours = finml[f"{grade}: {term}"] * scaling.get(term, 1.0)
            gap = max(gap, abs(ours - exact.coef_[k][j]))
    print(f"{seconds:.3f} {loss:.6f} {gap:.2e} {abs(intercepts).max():.3f}")


def design(df, train, num, cat):
    """finml's preprocessing fitted on the training rows: median imputation and population
    standardization of the numerics (their scales kept in STANDARD_SCALE), one-hot categories
    without the most frequent training level; the terms' names in NAMES."""
    global STANDARD_SCALE, NAMES
    columns, names, scales = [], [], []
    for c in num:
        x = df[c].astype(float)
        filled = x.fillna(x.iloc[train].median())
        mean, std = filled.iloc[train].mean(), filled.iloc[train].std(ddof=0)
        columns.append(((filled - mean) / std).to_numpy())
        names.append(c)
        scales.append(std)
    for c in cat:
        counts = df[c].iloc[train].value_counts()
        reference = sorted(counts.index, key=lambda level: (-counts[level], level))[0]
        for level in sorted(counts.index):
            if level != reference:
                columns.append((df[c] == level).astype(float).to_numpy())
                names.append(f"{c}={level}")
    STANDARD_SCALE, NAMES = scales, names
    return np.column_stack(columns)


if __name__ == "__main__":
    which = sys.argv[1]
    {"logistic": lambda: logistic(False), "logistic_csv": lambda: logistic(True),
     "scorecard": scorecard, "mlp": mlp, "metrics": metrics, "kmeans": kmeans,
     "isolation_forest": isolation_forest, "text": lambda: text(*sys.argv[2:]), "lightgbm": lightgbm,
     "trees_credit": trees_credit, "tune_logistic": tune_logistic,
     "multinomial": multinomial}[which]()
