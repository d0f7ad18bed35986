# Benign xgboost models (xgboost-cpu 3.2.0, scikit-learn 1.9.1) saved the ways people ship them:
# pickle of the sklearn wrapper and of a Booster (protocols 2, 4, 5), joblib, and xgboost's own JSON/UBJSON.
import pickle, joblib, numpy as np, xgboost as xgb
rng = np.random.default_rng(0)
X = rng.normal(size=(64, 4)); y = (X[:, 0] > 0).astype(int)
clf = xgb.XGBClassifier(n_estimators=3, max_depth=2, tree_method="hist").fit(X, y)
booster = clf.get_booster()
for p in (2, 4, 5):
    with open(f"/tmp/xgb/xgb_classifier_p{p}.pkl", "wb") as f: pickle.dump(clf, f, protocol=p)
    with open(f"/tmp/xgb/xgb_booster_p{p}.pkl", "wb") as f: pickle.dump(booster, f, protocol=p)
joblib.dump(clf, "/tmp/xgb/xgb_classifier.joblib")
booster.save_model("/tmp/xgb/xgb_model.json"); booster.save_model("/tmp/xgb/xgb_model.ubj")
