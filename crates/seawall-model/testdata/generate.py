"""Generates the benign fixtures in testdata/benign with real libraries (never loads untrusted data).

    python3 -m venv /tmp/mvenv && /tmp/mvenv/bin/pip install numpy scikit-learn joblib
    /tmp/mvenv/bin/python generate.py
"""
import io, os, pickle, collections, datetime, argparse
import numpy as np
import joblib
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler, OneHotEncoder, LabelEncoder, MinMaxScaler
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.ensemble import RandomForestClassifier, GradientBoostingRegressor, HistGradientBoostingClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.svm import SVC
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import KNeighborsClassifier

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "benign")
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
X = rng.rand(40, 4)
y = (X[:, 0] > 0.5).astype(int)

models = {
    "rf": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y),
    "gbr": GradientBoostingRegressor(n_estimators=3, random_state=0).fit(X, X[:, 1]),
    "hgb": HistGradientBoostingClassifier(max_iter=3).fit(X, y),
    "svc": SVC(probability=False).fit(X, y),
    "kmeans": KMeans(n_clusters=2, n_init=1, random_state=0).fit(X),
    "pca_ridge": make_pipeline(MinMaxScaler(), PCA(n_components=2), Ridge()).fit(X, X[:, 2]),
    "knn": KNeighborsClassifier(n_neighbors=3).fit(X, y),
    "tree": DecisionTreeClassifier(max_depth=2).fit(X, y),
    "tfidf_lr": make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        ["a cat", "a dog", "the cat sat", "dogs bark"] * 3, [0, 1, 0, 1] * 3),
    "coltrans": Pipeline([("ct", ColumnTransformer([("oh", OneHotEncoder(), [0]), ("sc", StandardScaler(), [1])])),
                          ("lr", LogisticRegression())]).fit(np.array([[0, 1.0], [1, 2.0], [2, 0.5], [0, 0.1]] * 3), [0, 1, 0, 1] * 3),
    "labelenc": LabelEncoder().fit(["a", "b", "c"]),
}
for name, m in models.items():
    for proto in (2, 4, 5):
        with open(os.path.join(out, f"{name}_p{proto}.pkl"), "wb") as f:
            pickle.dump(m, f, protocol=proto)
    joblib.dump(m, os.path.join(out, f"{name}.joblib"))
joblib.dump(models["rf"], os.path.join(out, "rf_gzip.joblib.gz"), compress=("gzip", 3))
joblib.dump(models["hgb"], os.path.join(out, "hgb_zlib.joblib"), compress=3)
joblib.dump({"w": np.arange(10, dtype=np.float32), "o": np.array([{"a": 1}, "s", None], dtype=object),
             "s": np.array(["x", "yy"]), "rec": np.zeros(3, dtype=[("a", "<f4"), ("b", "<i8")])},
            os.path.join(out, "mixed_arrays.joblib"))
np.save(os.path.join(out, "object_dicts.npy"), np.array([{"k": [1, 2]}, (1, 2), datetime.date(2024, 1, 1)], dtype=object), allow_pickle=True)
np.savez_compressed(os.path.join(out, "mixed.npz"), a=np.ones((3, 3)), b=np.array(["s"], dtype=object))
meta = {"created": datetime.datetime(2024, 5, 1, 12, 0), "args": argparse.Namespace(lr=0.1, epochs=3),
        "counts": collections.Counter("hello"), "od": collections.OrderedDict(a=1), "dd": collections.defaultdict(list),
        "set": {1, 2}, "fs": frozenset({3}), "c": complex(1, 2), "b": b"\x00\x01", "ba": bytearray(b"xy"), "big": 2**100,
        "rs": np.random.RandomState(1), "gen": np.random.default_rng(2), "scalar": np.float64(1.5), "i": np.int64(7)}
for proto in range(0, 6):
    with open(os.path.join(out, f"metadata_p{proto}.pkl"), "wb") as f:
        pickle.dump(meta, f, protocol=proto)
# summary
print("ok", sum(os.path.getsize(os.path.join(out, x)) for x in os.listdir(out)), "bytes")
for comp in ("bz2", "xz", "lzma"):
    joblib.dump(models["tree"], os.path.join(out, f"tree_{comp}.joblib"), compress=(comp, 3))
