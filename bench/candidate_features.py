"""Measure candidate account features before building them into the job.

Adds columns computed from the accounts table (segment, plan, tenure stages, an
onboarding-adoption interaction, price per seat) to an exported training matrix and
scores each candidate set like bench/feature_steps.py: scikit-learn on the model's
preparation, alpha chosen from `churn train`'s grid by validation log loss, ROC AUC on
the last observation date and the mean over the last four dates used as validation
dates in turn. LightGBM on the same columns and split (bench/sklearn_check.py's
settings) is shown for the sets marked with it, since a feature that helps LightGBM
as much as ours leaves the gap where it was.

usage: python3 bench/candidate_features.py DATA_DIR FEATURES.parquet MODEL.json|MODELS_DIR [SET ...]
"""
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from feature_steps import fit_auc  # noqa: E402
from sklearn_check import lightgbm_auc, load_model  # noqa: E402


def candidates(df, accounts):
    """Candidate columns, each computed from data known at the observation date:
    the account's static attributes and features already in the matrix."""
    df = df.merge(accounts[["account_id", "segment", "plan"]], on="account_id", how="left")
    out = {}
    for s in ("SMB", "Enterprise"):  # Mid-Market is the reference level
        out[f"segment_{s}"] = (df["segment"] == s).astype(float)
    for p in ("Starter", "Growth", "Business"):  # Enterprise is the reference level
        out[f"plan_{p}"] = (df["plan"] == p).astype(float)
    t = df["tenure_days"]
    out["tenure_under_15d"] = (t < 15).astype(float)
    out["tenure_15_to_120d"] = ((t >= 15) & (t < 120)).astype(float)
    out["tenure_under_365d"] = (t < 365).astype(float)
    # An account still onboarding whose seats are mostly unused.
    out["onboarding_unused_seats"] = (t < 120) * (1 - np.minimum(df["seat_utilisation"].fillna(1), 1))
    out["log_mrr_per_seat"] = np.log(df["mrr"] / df["seats"])
    return df.assign(**out)


GROUPS = {
    "segment": ["segment_SMB", "segment_Enterprise"],
    "plan": ["plan_Starter", "plan_Growth", "plan_Business"],
    "tenure stages": ["tenure_under_15d", "tenure_15_to_120d", "tenure_under_365d"],
    "onboarding x unused seats": ["onboarding_unused_seats"],
    "price per seat": ["log_mrr_per_seat"],
}
WITH_LGBM = {"(current features)", "+ segment", "+ segment + plan", "+ all candidates"}


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    data, features, model_path = sys.argv[1:4]
    only = set(sys.argv[4:])
    _, model = load_model(model_path)
    base = [(f["name"], f["transform"]) for f in model["model"]["features"]]
    df = pd.read_parquet(features)
    df = df[df["label"].notna()].reset_index(drop=True)
    df = candidates(df, pd.read_parquet(os.path.join(data, "accounts.parquet")))
    dates = np.sort(df["observation_date"].unique())
    group = np.searchsorted(dates, df["observation_date"].to_numpy())
    y = df["label"].to_numpy().astype(bool).astype(int)
    last = group.max()

    def extra(*names):
        return [(c, "identity") for n in names for c in GROUPS[n]]

    sets = [("(current features)", base)]
    sets += [(f"+ {n}", base + extra(n)) for n in GROUPS]
    sets += [
        ("+ segment + plan", base + extra("segment", "plan")),
        ("+ all candidates", base + extra(*GROUPS)),
    ]
    print(f"{'feature set':30s} {'AUC last date':>13s} {'alpha':>6s} {'mean AUC, 4 dates':>18s} {'LightGBM last date':>19s}")
    for label, ts in sets:
        if only and label not in only:
            continue
        x = df[[n for n, _ in ts]].to_numpy(dtype=float)
        aucs = [fit_auc(x, y, group, k, ts) for k in range(last - 3, last + 1)]
        lgbm = ""
        if label in WITH_LGBM:
            tr, va = group < last, group == last
            lgbm = f"{lightgbm_auc(x[tr], y[tr], group[tr], x[va], y[va])[0]:.4f}"
        print(f"{label:30s} {aucs[-1][0]:13.4f} {aucs[-1][1]:6g} {np.mean([a for a, _ in aucs]):18.4f} {lgbm:>19s}", flush=True)


if __name__ == "__main__":
    main()
