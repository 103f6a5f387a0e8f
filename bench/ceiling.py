"""Ground-truth ceiling: the ROC AUC of the simulator's own churn probabilities.

For an observation date T, the true probability of churn within (T, T+H] is
1 - prod(1 - monthly_hazard)^(days of each month inside the window / days in month),
from _truth/monthly_hazard.parquet written by `churn generate --truth`. Its AUC against
the labels in the exported feature matrix is the best any model could reach.

usage: python3 bench/ceiling.py DATA_DIR FEATURES.parquet [HORIZON_DAYS]

`ceiling(data, labels, horizon)` is also imported by bench/sklearn_check.py.
"""
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def true_probability(truth, rows, horizon=90):
    """P(churn in (T, T + horizon]) per row of `rows` (account_id, observation_date),
    NaN when the account has no truth at all. A month without truth (the as-of month,
    when the horizon ends on the as-of date) is skipped."""
    out = np.full(len(rows), np.nan)
    rows = rows.reset_index(drop=True)
    for t, part in rows.groupby("observation_date"):
        days = pd.date_range(t + pd.Timedelta(days=1), t + pd.Timedelta(days=horizon))
        months = pd.Series(days.to_period("M").to_timestamp()).value_counts()
        # weight of each month: its days inside the horizon / its length
        weight = {m: n / m.days_in_month for m, n in months.items()}
        h = truth[truth["month_start"].isin(list(weight))]
        h = h.assign(w=h["month_start"].map(weight))
        log_surv = (h["w"] * np.log1p(-h["monthly_hazard"])).groupby(h["account_id"]).sum()
        p = 1 - np.exp(log_surv)
        out[part.index.to_numpy()] = part["account_id"].map(p).to_numpy(dtype=float)
    return out


def load_truth(data):
    truth = pd.read_parquet(f"{data}/_truth/monthly_hazard.parquet")
    truth["month_start"] = pd.to_datetime(truth["month_start"])
    return truth


def ceiling(data, labelled, horizon=90):
    """(AUC, rows) of the true probability against the labels of `labelled`
    (account_id, observation_date as datetime64, label)."""
    p = true_probability(load_truth(data), labelled[["account_id", "observation_date"]], horizon)
    ok = ~np.isnan(p)
    return roc_auc_score(labelled["label"].to_numpy()[ok].astype(int), p[ok]), int(ok.sum())


def main():
    data, feats = sys.argv[1], sys.argv[2]
    horizon = int(sys.argv[3]) if len(sys.argv) > 3 else 90
    m = pd.read_parquet(feats, columns=["account_id", "observation_date", "label"])
    m = m[m["label"].notna()].reset_index(drop=True)
    m["observation_date"] = pd.to_datetime(m["observation_date"])
    truth = load_truth(data)
    m["p"] = true_probability(truth, m[["account_id", "observation_date"]], horizon)
    last = m["observation_date"].max()
    for name, part in [
        ("validation date " + str(last.date()), m[m["observation_date"] == last]),
        ("all dates", m),
    ]:
        ok = part["p"].notna()
        auc = roc_auc_score(part["label"][ok].astype(int), part["p"][ok])
        print(f"ceiling ROC AUC, {name}: {auc:.4f} ({ok.sum()} rows)")
    per_date = [
        roc_auc_score(g["label"].astype(int), g["p"])
        for _, g in m[m["p"].notna()].groupby("observation_date")
    ]
    print(f"ceiling ROC AUC, mean over the {len(per_date)} dates: {np.mean(per_date):.4f}")


if __name__ == "__main__":
    main()
