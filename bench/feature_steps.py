"""Measure what groups of features add, on an exported training matrix.

Refits the model's preparation and a scikit-learn logistic regression (the same
preparation as bench/sklearn_check.py, which matches the Rust model to 1e-4 AUC) on
feature sets that add one group at a time, choosing alpha from the `churn train` grid
by validation log loss like the Rust model. Prints, per step, the ROC AUC on the
out-of-time validation date (what `churn train` reports) and the mean over the last
four observation dates used as validation dates in turn (each trained on the dates
before it), which is steadier than a single date.

usage: python3 bench/feature_steps.py FEATURES.parquet MODEL.json|MODELS_DIR [--dates K]
"""
import argparse
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_check import load_model, prepare  # noqa: E402

GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)  # churn train's default --alphas

STEPS = [
    ("+ renewal decision window", ["renewal_window_days", "renewal_window_days_log"]),
    ("+ usage momentum and decline", ["usage_momentum", "usage_decline"]),
    ("+ NPS mean and detractor answers (365 days)", ["nps_mean_365d", "nps_detractor_answers_365d"]),
]


def fit_auc(x, y, group, k, transforms):
    tr, va = group < k, group == k
    xt, xv, _ = prepare(x[tr], x[va], transforms)
    best = None
    for alpha in GRID:
        lr = LogisticRegression(C=1.0 / alpha, solver="lbfgs", max_iter=10_000, tol=1e-6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr.fit(xt, y[tr])
        p = lr.predict_proba(xv)[:, 1]
        ll = log_loss(y[va], p)
        if best is None or ll < best[0] or (ll == best[0] and alpha > best[1]):
            best = (ll, alpha, roc_auc_score(y[va], p))
    return best[2], best[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features")
    ap.add_argument("model")
    ap.add_argument("--dates", type=int, default=4, help="validation dates for the mean (default 4)")
    args = ap.parse_args()
    _, model = load_model(args.model)
    transforms = [(f["name"], f["transform"]) for f in model["model"]["features"]]
    df = pd.read_parquet(args.features)
    df = df[df["label"].notna()].reset_index(drop=True)
    dates = np.sort(df["observation_date"].unique())
    group = np.searchsorted(dates, df["observation_date"].to_numpy())
    y = df["label"].to_numpy().astype(bool).astype(int)
    last = group.max()

    added = [n for _, names in STEPS for n in names]
    base = [t for t in transforms if t[0] not in added]
    sets = [("before (the original features)", base)]
    for label, names in STEPS:
        present = [t for t in transforms if t[0] in names]
        if present:
            sets.append((label, sets[-1][1] + present))
    print(f"{args.features}: {len(df)} labelled rows; validation date {pd.Timestamp(dates[last]).date()}")
    print(f"{'feature set':48s} {'features':>8s} {'AUC last date':>14s} {'alpha':>6s} {f'mean AUC, {args.dates} dates':>20s}")
    for label, ts in sets:
        cols = [n for n, _ in ts]
        x = df[cols].to_numpy(dtype=float)
        aucs = [fit_auc(x, y, group, k, ts) for k in range(last - args.dates + 1, last + 1)]
        print(f"{label:48s} {len(cols):8d} {aucs[-1][0]:14.4f} {aucs[-1][1]:6g} {np.mean([a for a, _ in aucs]):20.4f}")


if __name__ == "__main__":
    main()
