"""Cross-check the churn model against scikit-learn and LightGBM on the same matrix.

Reproduces the model stage's preparation (docs/model.md, docs/features.md) from the
exported training matrix, splits out of time like the Rust model (train on every
labelled observation date but the last, validate on the last), fits scikit-learn's
LogisticRegression with the alpha the Rust model chose (C = 1 / alpha), and compares
the validation ROC AUCs. Then fits LightGBM on the raw features and the same split,
and, when the data folder holds the simulator's truth, prints the ceiling.

usage:
  python3 bench/sklearn_check.py FEATURES.parquet MODEL.json|MODELS_DIR
      [--data DIR]          data folder generated with --truth: print the ceiling
      [--horizon DAYS]      churn horizon (default: the model's horizon_days)
      [--churn BIN]         with --data: time `churn train` with the chosen alpha
      [--no-timing]         skip the fit timings
      [--no-lgbm]           skip LightGBM

LightGBM is a bench-only tool (pip install lightgbm), never a runtime dependency.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ceiling import ceiling  # noqa: E402

TARGET = 0.005


def load_model(path):
    if os.path.isdir(path):
        with open(os.path.join(path, "latest")) as f:
            path = os.path.join(path, f.read().strip())
    with open(path) as f:
        return path, json.load(f)


def median(v):
    """The Rust stage's median: the middle value, or the mean of the two middle ones."""
    return float(np.median(v)) if len(v) else 0.0


def prepare(x_train, x_valid, transforms):
    """Transform, missing indicators and median imputation for features with a missing
    training value, standardisation with the training mean and population sd; all
    learned on the training rows only. Returns the two design matrices and names."""
    cols_t, cols_v, names = [], [], []
    for j, (name, transform) in enumerate(transforms):
        a, b = x_train[:, j].copy(), x_valid[:, j].copy()
        if transform == "log1p":
            a = np.where(np.isnan(a), np.nan, np.log1p(np.maximum(a, 0.0)))
            b = np.where(np.isnan(b), np.nan, np.log1p(np.maximum(b, 0.0)))
        elif transform != "identity":
            raise SystemExit(f"unknown transform {transform!r} for {name}")
        miss_a, miss_b = np.isnan(a), np.isnan(b)
        med = median(a[~miss_a])
        a[miss_a], b[miss_b] = med, med
        pairs = [(name, a, b)]
        if miss_a.any():
            pairs.append((name + "__missing", miss_a.astype(float), miss_b.astype(float)))
        for n, ca, cb in pairs:
            if ca.min() == ca.max():
                mean, sd = ca.min(), 1.0  # constant: scores 0
            else:
                mean, sd = ca.mean(), ca.std()  # population sd
            cols_t.append((ca - mean) / sd)
            cols_v.append((cb - mean) / sd)
            names.append(n)
    return np.column_stack(cols_t), np.column_stack(cols_v), names


def best_fit_seconds(xd, yd, alpha, repeats=3):
    """Best-of wall time of one lbfgs fit at scikit-learn's default tolerance (1e-4)."""
    best, iters = float("inf"), 0
    for _ in range(repeats):
        lr = LogisticRegression(C=1.0 / alpha, solver="lbfgs", max_iter=10_000)
        t0 = time.perf_counter()
        lr.fit(xd, yd)
        best = min(best, time.perf_counter() - t0)
        iters = lr.n_iter_[0]
    return best, iters


def rust_train_seconds(cmd):
    """Runs `cmd` (a `churn train` with JSON logs at debug level) and returns the train
    stage's seconds and the seconds of its logistic fits (warm starts included)."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env={**os.environ, "CHURN_LOG": "debug"})
    stage, fits = None, 0.0
    for line in (out.stdout + out.stderr).splitlines():
        try:
            fields = json.loads(line).get("fields", {})
        except ValueError:
            continue
        if fields.get("message") == "timing" and fields.get("stage") == "train":
            stage = float(fields["seconds"])
        elif fields.get("message") == "logistic fit":
            fits += float(fields["seconds"])
    return stage, fits


def timing(xt, yt, x_all, y_all, transforms, alpha, args):
    """One BLAS thread for scikit-learn and one worker thread for churn: per-fit cost,
    not parallelism. churn with one alpha fits twice (the training part, then every
    labelled row), plus preprocessing and metrics; the same two fits are timed here."""
    from threadpoolctl import threadpool_limits

    xa, _, _ = prepare(x_all, x_all[:1], transforms)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_part, it_part = best_fit_seconds(xt, yt, alpha)
        t_all, it_all = best_fit_seconds(xa, y_all, alpha)
    print(
        f"scikit-learn lbfgs, 1 thread, tol 1e-4, best of 3: training part {t_part:.2f} s"
        f" ({it_part} iterations), all labelled rows {t_all:.2f} s ({it_all}); sum {t_part + t_all:.2f} s"
    )
    if args.churn and args.data:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [args.churn, "train", "--data", args.data, "--models", tmp, "--alphas", f"{alpha:g}",
                   "--threads", "1", "--log-format", "json"]
            runs = [rust_train_seconds(cmd) for _ in range(2)]
        if None not in (r[0] for r in runs):
            stage = min(r[0] for r in runs)
            fits = min(r[1] for r in runs)
            sk = t_part + t_all
            print(
                f"churn train --alphas {alpha:g} --threads 1, best of 2: its fits (the same two, plus the"
                f" warm start) {fits:.2f} s; the whole train stage (also preprocessing, leak guard,"
                f" metrics) {stage:.2f} s"
            )
            print(f"ratio churn / scikit-learn, one thread each: fits {fits / sk:.2f}, train stage {stage / sk:.2f}")


def lightgbm_auc(xt, yt, groups_t, xv, yv):
    """LightGBM on raw features (NaN native). The number of trees is chosen by early
    stopping on the latest training date (never the validation date), then the model
    is refitted on every training date with that many trees."""
    import lightgbm as lgb

    params = dict(
        objective="binary",
        metric="binary_logloss",
        learning_rate=0.05,
        num_leaves=31,
        min_data_in_leaf=100,
        bagging_fraction=0.8,
        bagging_freq=1,
        feature_fraction=0.8,
        lambda_l2=1.0,
        num_threads=1,
        force_col_wise=True,
        verbose=-1,
        seed=0,
        deterministic=True,
    )
    inner = groups_t == groups_t.max()
    probe = lgb.train(
        params,
        lgb.Dataset(xt[~inner], yt[~inner]),
        num_boost_round=2000,
        valid_sets=[lgb.Dataset(xt[inner], yt[inner])],
        callbacks=[lgb.early_stopping(50, verbose=False)],
    )
    trees = max(probe.best_iteration or 0, 50)
    t0 = time.perf_counter()
    final = lgb.train(params, lgb.Dataset(xt, yt), num_boost_round=trees)
    secs = time.perf_counter() - t0
    auc = roc_auc_score(yv, final.predict(xv))
    return auc, trees, secs, final


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features")
    ap.add_argument("model")
    ap.add_argument("--data")
    ap.add_argument("--horizon", type=int)
    ap.add_argument("--churn", help="churn binary: also time `churn train` with the chosen alpha on --data")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--no-lgbm", action="store_true")
    ap.add_argument("--importance", action="store_true", help="print LightGBM gain importance")
    args = ap.parse_args()

    model_path, model = load_model(args.model)
    alpha = model["selection"]["chosen_alpha"]
    ours = model["validation_metrics"]["roc_auc"]
    transforms = [(f["name"], f["transform"]) for f in model["model"]["features"]]
    horizon = args.horizon or model["horizon_days"]

    df = pd.read_parquet(args.features)
    df = df[df["label"].notna()].reset_index(drop=True)
    names = [n for n, _ in transforms]
    exported = [c for c in df.columns if c not in ("account_id", "observation_date", "label")]
    if exported != names:
        raise SystemExit(f"feature columns differ from the model's:\n  export {exported}\n  model  {names}")
    dates = np.sort(df["observation_date"].unique())
    group = np.searchsorted(dates, df["observation_date"].to_numpy())
    last = group.max()
    tr, va = group < last, group == last
    x = df[names].to_numpy(dtype=float)
    y = df["label"].to_numpy().astype(bool).astype(int)

    print(f"matrix  {args.features}: {len(df)} labelled rows, {len(names)} features, {len(dates)} dates")
    print(f"model   {model_path}: chosen alpha {alpha:g}")
    print(
        f"split   train {tr.sum()} rows ({y[tr].sum()} churned) on {last} dates;"
        f" validate {va.sum()} rows ({y[va].sum()} churned) on {pd.Timestamp(dates[last]).date()}"
    )

    xt, xv, cols = prepare(x[tr], x[va], transforms)
    lr = LogisticRegression(C=1.0 / alpha, solver="lbfgs", max_iter=100_000, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr.fit(xt, y[tr])
    theirs = roc_auc_score(y[va], lr.predict_proba(xv)[:, 1])
    diff = ours - theirs
    print()
    print(f"ROC AUC ours (model JSON validation_metrics.roc_auc): {ours:.4f}")
    print(f"ROC AUC scikit-learn LogisticRegression(C={1 / alpha:g}, lbfgs, tol 1e-10): {theirs:.4f}")
    print(f"difference ours - scikit-learn: {diff:+.5f} ({'within' if abs(diff) <= TARGET else 'OUTSIDE'} {TARGET})")
    print(f"design: {xt.shape[0]} x {xt.shape[1]} columns ({xt.shape[1] - len(names)} missing indicators)")

    if not args.no_timing:
        timing(xt, y[tr], x, y, transforms, alpha, args)

    if not args.no_lgbm:
        auc, trees, secs, booster = lightgbm_auc(x[tr], y[tr], group[tr], x[va], y[va])
        print(f"ROC AUC LightGBM (raw features, {trees} trees, fit {secs:.1f} s): {auc:.4f}")
        if args.importance:
            imp = booster.feature_importance("gain")
            for k in np.argsort(-imp)[:20]:
                print(f"    {names[k]:36s} {imp[k] / imp.sum():.3f}")
    if args.data:
        labelled = df[["account_id", "observation_date", "label"]].copy()
        labelled["observation_date"] = pd.to_datetime(labelled["observation_date"])
        auc, rows = ceiling(args.data, labelled[va].reset_index(drop=True), horizon)
        print(f"ROC AUC ceiling (simulator truth, validation date, {rows} rows): {auc:.4f}")


if __name__ == "__main__":
    main()
