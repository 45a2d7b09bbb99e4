"""Reference values for models/tests/unsupervised.rs's k-means test, from scikit-learn on the
real credit data (examples/credit/credit_data.csv), numeric columns only, each median-imputed
and standardized with the population standard deviation (finml's preprocessing).

Prints: PCA(9) explained_variance_ratio_ (last line); KMeans(k=4, n_init=10, tol=1e-4, random_state=0) inertia; silhouette_score and
davies_bouldin_score of a fixed labelling (Records = yes, plus 2 when Home = owner) on the
same design, so that the formulas are compared on identical clusters.
Run: python3 credit_kmeans.py ../../../examples/credit/credit_data.csv
"""
import sys
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, davies_bouldin_score

df = pd.read_csv(sys.argv[1])
numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
columns = []
for c in numeric:
    x = df[c].astype(float)
    filled = x.fillna(x.median())
    columns.append((filled - filled.mean()) / filled.std(ddof=0))
X = np.column_stack(columns)
km = KMeans(4, n_init=10, tol=1e-4, random_state=0).fit(X)
print("inertia_k4", repr(km.inertia_))
labels = (df["Records"] == "yes").astype(int) + 2 * (df["Home"] == "owner").astype(int)
print("silhouette_fixed", repr(silhouette_score(X, labels)))
print("davies_bouldin_fixed", repr(davies_bouldin_score(X, labels)))
for k in range(2, 7):
    m = KMeans(k, n_init=10, random_state=0).fit(X)
    print(f"silhouette_k{k}", repr(silhouette_score(X, m.labels_)))
from sklearn.decomposition import PCA
print("pca_explained_variance_ratio", repr(list(PCA(9).fit(X).explained_variance_ratio_)))
