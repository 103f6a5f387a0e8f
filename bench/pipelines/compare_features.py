"""Checks that a comparison pipeline computes the same features as `churn features`.

Joins the pipeline's matrix (--features-out) with churn's export on (account_id,
observation_date) and reports, per feature, the largest absolute difference, the rows
that differ by more than the tolerance and the rows where only one side is missing.
Rows present on one side only are counted (a population difference). Exits 1 when any
feature differs.

usage: python3 bench/pipelines/compare_features.py CHURN_FEATURES.parquet OTHER.parquet
       [--tol 1e-9] [--show 3]
"""
import argparse
import sys

import numpy as np
import pandas as pd

from common import NAMES


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("churn")
    ap.add_argument("other")
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--show", type=int, default=3, help="example rows to print per differing feature")
    a = ap.parse_args()
    ours = pd.read_parquet(a.churn)
    theirs = pd.read_parquet(a.other)
    k = ["account_id", "observation_date"]
    for df in (ours, theirs):
        df["observation_date"] = pd.to_datetime(df["observation_date"])
    m = ours.merge(theirs, on=k, how="outer", suffixes=("", "__o"), indicator=True)
    only_ours = int((m["_merge"] == "left_only").sum())
    only_theirs = int((m["_merge"] == "right_only").sum())
    both = m[m["_merge"] == "both"]
    print(f"rows: churn {len(ours)}, other {len(theirs)}, joined {len(both)}, churn only {only_ours}, other only {only_theirs}")
    lab = both["label"].astype("float").fillna(-1).to_numpy() != both["label__o"].astype("float").fillna(-1).to_numpy()
    print(f"label: {int(lab.sum())} rows differ")
    bad = only_ours + only_theirs + int(lab.sum())
    print(f"{'feature':34} {'max abs diff':>13} {'rows > tol':>10} {'null mismatch':>13}")
    for n in NAMES:
        if n not in theirs.columns:
            print(f"{n:34} {'not computed':>13}")
            continue
        x = both[n].to_numpy(dtype=float, na_value=np.nan)
        y = both[n + "__o"].to_numpy(dtype=float, na_value=np.nan)
        nm = np.isnan(x) != np.isnan(y)
        ok = ~np.isnan(x) & ~np.isnan(y)
        d = np.abs(x - y)
        d[~ok] = 0.0
        # Relative tolerance for large values (sums of quantities), absolute otherwise.
        over = d > a.tol * np.maximum(1.0, np.abs(x))
        mx = d.max() if len(d) else 0.0
        flag = "" if not (over.any() or nm.any()) else "  <-- differs"
        print(f"{n:34} {mx:13.3g} {int(over.sum()):10d} {int(nm.sum()):13d}{flag}")
        if over.any() or nm.any():
            bad += 1
            ex = both[over | nm].head(a.show)
            for _, r in ex.iterrows():
                print(f"    {r['account_id']} {r['observation_date'].date()}: churn {r[n]!r}, other {r[n + '__o']!r}")
    print("IDENTICAL (within tolerance)" if bad == 0 else "DIFFERENCES FOUND")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
