"""Ground-truth ceiling: the ROC AUC of the simulator's own churn probabilities.

For an observation date T, the true probability of churn within (T, T+H] is
1 - prod(1 - monthly_hazard)^(days of each month inside the window / days in month),
from _truth/monthly_hazard.parquet written by `churn generate --truth`. Its AUC against
the labels in the exported feature matrix is the best any model could reach.

usage: python3 bench/ceiling.py DATA_DIR FEATURES.parquet [HORIZON_DAYS]
"""
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

data, feats = sys.argv[1], sys.argv[2]
horizon = int(sys.argv[3]) if len(sys.argv) > 3 else 90
truth = pd.read_parquet(f"{data}/_truth/monthly_hazard.parquet")
truth["month_start"] = pd.to_datetime(truth["month_start"])
m = pd.read_parquet(feats, columns=["account_id", "observation_date", "label"])
m = m[m["label"].notna()]
m["observation_date"] = pd.to_datetime(m["observation_date"])
by_acc = {k: g.set_index("month_start")["monthly_hazard"] for k, g in truth.groupby("account_id")}


def p_true(acc, t):
    h = by_acc.get(acc)
    if h is None:
        return np.nan
    days = pd.date_range(t + pd.Timedelta(days=1), t + pd.Timedelta(days=horizon))
    months = days.to_period("M").to_timestamp()
    surv = 1.0
    for month, n in pd.Series(months).value_counts().items():
        hm = h.get(month, np.nan)
        if np.isnan(hm):
            continue
        surv *= (1 - hm) ** (n / month.days_in_month)
    return 1 - surv


last = m["observation_date"].max()
for name, part in [("validation date " + str(last.date()), m[m["observation_date"] == last]), ("all dates", m)]:
    p = np.array([p_true(a, t) for a, t in zip(part["account_id"], part["observation_date"])])
    ok = ~np.isnan(p)
    print(f"ceiling ROC AUC, {name}: {roc_auc_score(part['label'][ok].astype(int), p[ok]):.4f} ({ok.sum()} rows)")
