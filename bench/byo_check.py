"""Check `churn train --features` against scikit-learn on the public data sets.

For each data set this trains with the churn binary (stratified 5-fold), then rebuilds
the same design in Python from what the model file records: the encoder spec
(numeric columns, which are log1p-transformed, one-hot categories), the fold of every
row (metadata `byo.folds`) and the chosen alpha. Per fold, on the training rows only:
log1p, median imputation with a missing-indicator column, standardisation with the
population sd (a constant column gets sd 1), then scikit-learn's LogisticRegression
with C = 1/alpha (lbfgs, tight tolerance). The pooled out-of-fold ROC AUC is compared
with the one in the model file (target: |difference| < 0.005).

It also scores the BigML 20 % file with the model trained on the 80 % file
(`churn score --features`) and compares that holdout AUC with scikit-learn fitted on
all of the 80 % rows.

usage: python3 bench/byo_check.py [DATASETS_DIR]   (default examples/data)
       CHURN_BIN=path/to/churn overrides the binary (default target/release/churn,
       or $CARGO_TARGET_DIR/release/churn)
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "examples", "data")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.environ.get("CHURN_BIN", os.path.join(TARGET, "release", "churn"))

EXT_LEAKY = "Churn Label,Churn Category,Churn Reason,Churn Score,CLTV,Customer Status"
EXT_GEO = "Country,State,City,Zip Code,Lat Long,Latitude,Longitude,Quarter"

# name, file (relative to DATA), churn train arguments after --features FILE
DATASETS = [
    ("ibm-telco-kaggle", "ibm-telco-kaggle/WA_Fn-UseC_-Telco-Customer-Churn.csv",
     ["--label", "Churn", "--id", "customerID"]),
    ("ibm-telco-extended (no Satisfaction Score)", "ibm-telco-extended/telco_extended_merged.csv",
     ["--label", "Churn Value", "--id", "Customer ID",
      "--exclude", f"{EXT_LEAKY},{EXT_GEO},Satisfaction Score"]),
    ("ibm-telco-extended (with Satisfaction Score)", "ibm-telco-extended/telco_extended_merged.csv",
     ["--label", "Churn Value", "--id", "Customer ID", "--exclude", f"{EXT_LEAKY},{EXT_GEO}"]),
    ("iranian-churn", "iranian-churn/Customer Churn.csv", ["--label", "Churn"]),
    ("bigml-telecom-churn (80 file)", "bigml-telecom-churn/churn-bigml-80.csv", ["--label", "Churn"]),
    ("ecommerce-churn", "ecommerce-churn/ecommerce_churn.csv", ["--label", "Churn", "--id", "CustomerID"]),
]

POSITIVE = {"1", "1.0", "true", "t", "yes", "y", "churned", "churn"}
NEGATIVE = {"0", "0.0", "false", "f", "no", "n", "not churned", "not_churned", "retained", "stayed", "no churn"}


def read_table(path):
    # Every cell as text, nothing turned into NaN (so `None` stays a category).
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def labels(df, column):
    def meaning(v):
        v = v.strip().lower()
        if v == "":
            return None
        if v in POSITIVE:
            return 1
        if v in NEGATIVE:
            return 0
        raise ValueError(f"label value {v!r}")
    return df[column].map(meaning)


def numbers(series):
    s = series.str.strip()
    return pd.to_numeric(s.where(s != "", None), errors="raise").astype(float).to_numpy()


def raw_matrix(df, spec):
    """The model stage's raw input: one column per numeric feature, one 0/1 column per
    category, in the encoder spec's order. Also the transform of each column."""
    cols, log1p, names = [], [], []
    for c in spec["columns"]:
        if c["kind"] == "numeric":
            cols.append(numbers(df[c["name"]]))
            log1p.append(c["log1p"])
            names.append(c["name"])
        else:
            cells = df[c["name"]].where(df[c["name"]].str.strip() != "", "")
            for cat in c["categories"]:
                cols.append((cells == cat).to_numpy(dtype=float))
                log1p.append(False)
                names.append(f"{c['name']}={cat or '(blank)'}")
    return np.column_stack(cols), np.array(log1p), names


def design(x_raw, log1p, train_rows, rows):
    """Preprocessing learned on train_rows, applied to rows (as src/model/transform.rs)."""
    x = x_raw.copy()
    x[:, log1p] = np.log1p(np.maximum(x[:, log1p], 0.0))
    out = []
    for j in range(x.shape[1]):
        t = x[train_rows, j]
        missing = np.isnan(t)
        med = np.median(t[~missing]) if (~missing).any() else 0.0
        filled_t = np.where(missing, med, t)
        lo, hi = filled_t.min(), filled_t.max()
        mean, sd = (lo, 1.0) if lo == hi else (filled_t.mean(), filled_t.std())
        v = x[rows, j]
        out.append((np.where(np.isnan(v), med, v) - mean) / sd)
        if missing.any():
            p = missing.mean()
            ind_sd = 1.0 if missing.all() else np.sqrt(p * (1 - p))
            out.append((np.isnan(v).astype(float) - p) / ind_sd)
    return np.column_stack(out)


def fit(xt, yt, alpha):
    m = LogisticRegression(C=1.0 / alpha, solver="lbfgs", tol=1e-10, max_iter=100_000)
    return m.fit(xt, yt)


def train(file, args, models):
    cmd = [BIN, "--quiet", "train", "--features", file, "--models", models] + args
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    latest = open(os.path.join(models, "latest")).read().strip()
    return json.load(open(os.path.join(models, latest)))


def check(name, file, args, tmp):
    model = train(file, args, os.path.join(tmp, name.split()[0]))
    meta = model["metadata"]
    spec = json.loads(meta["byo.encoder"])
    alpha = model["selection"]["chosen_alpha"]
    df = read_table(file)
    y_all = labels(df, spec["label"]["column"])
    keep = y_all.notna().to_numpy()
    df, y = df[keep].reset_index(drop=True), y_all[keep].astype(int).to_numpy()
    x_raw, log1p, names = raw_matrix(df, spec)
    ours = [f["name"] for f in model["model"]["features"]]
    assert names == ours, f"{name}: feature lists differ"
    folds = np.array([int(ch, 36) for ch in meta["byo.folds"]])
    assert len(folds) == len(y), f"{name}: {len(folds)} folds for {len(y)} rows"
    pooled = np.empty(len(y))
    for k in np.unique(folds):
        tr, va = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        m = fit(design(x_raw, log1p, tr, tr), y[tr], alpha)
        pooled[va] = m.predict_proba(design(x_raw, log1p, tr, va))[:, 1]
    sk = roc_auc_score(y, pooled)
    our = model["validation_metrics"]["roc_auc"]
    return dict(name=name, rows=len(y), features=len(names), alpha=alpha, ours=our, sklearn=sk,
                model=model, x_raw=x_raw, log1p=log1p, y=y, spec=spec)


def bigml_holdout(fitted, tmp):
    """Score the 20 % file with the 80 % model; compare with scikit-learn on the same split."""
    file20 = os.path.join(DATA, "bigml-telecom-churn", "churn-bigml-20.csv")
    models = os.path.join(tmp, "bigml-telecom-churn")
    out = os.path.join(tmp, "out20")
    subprocess.run([BIN, "--quiet", "score", "--features", file20, "--models", models, "--out", out,
                    "--as-of", "2026-01-01"], check=True, stdout=subprocess.DEVNULL)
    risk = pd.read_csv(glob.glob(os.path.join(out, "run_date=*", "account_risk.csv"))[0])
    df20 = read_table(file20)
    y20 = labels(df20, "Churn").astype(int).to_numpy()
    row = risk["account_id"].str.removeprefix("row-").astype(int) - 1
    p_ours = np.empty(len(df20))
    p_ours[row.to_numpy()] = risk["churn_probability"].to_numpy()
    x20, _, _ = raw_matrix(df20, fitted["spec"])
    x80 = fitted["x_raw"]
    both = np.vstack([x80, x20])
    n80 = len(x80)
    tr, te = np.arange(n80), np.arange(n80, n80 + len(x20))
    m = fit(design(both, fitted["log1p"], tr, tr), fitted["y"], fitted["alpha"])
    p_sk = m.predict_proba(design(both, fitted["log1p"], tr, te))[:, 1]
    return roc_auc_score(y20, p_ours), roc_auc_score(y20, p_sk), np.abs(p_ours - p_sk).max()


def main():
    if not os.path.exists(BIN):
        sys.exit(f"no churn binary at {BIN}: build it (cargo build --release) or set CHURN_BIN")
    with tempfile.TemporaryDirectory() as tmp:
        results = [check(n, os.path.join(DATA, f), a, tmp) for n, f, a in DATASETS]
        print(f"{'data set':46} {'rows':>5} {'feats':>5} {'alpha':>6} {'ours':>7} {'sklearn':>7} {'diff':>8}")
        worst = 0.0
        for r in results:
            d = r["ours"] - r["sklearn"]
            worst = max(worst, abs(d))
            print(f"{r['name']:46} {r['rows']:5} {r['features']:5} {r['alpha']:6g} "
                  f"{r['ours']:7.4f} {r['sklearn']:7.4f} {d:+8.5f}")
        bigml = next(r for r in results if r["name"].startswith("bigml"))
        ours20, sk20, maxdiff = bigml_holdout(bigml, tmp)
        print(f"\nbigml official split (train 80 file, score 20 file): ours {ours20:.4f}, "
              f"sklearn {sk20:.4f}, diff {ours20 - sk20:+.5f}, max |P diff| {maxdiff:.2e}")
        worst = max(worst, abs(ours20 - sk20))
        print(f"largest |AUC difference|: {worst:.5f} (target < 0.005)")
        sys.exit(0 if worst < 0.005 else 1)


if __name__ == "__main__":
    main()
