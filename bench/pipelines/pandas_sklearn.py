"""The churn job written the usual data-science way: pandas + scikit-learn.

Reasonably optimised, as a careful analyst would write it: only the needed columns are
read (pyarrow), one row group at a time, strings arrive as categoricals, instants
become integer days, and each chunk is reduced at once to daily totals per (account,
day) and distinct (account, user/feature) pairs per 30-day window, so memory follows
the aggregates rather than the rows; every per-date step is a vectorised filter +
groupby.

Computes every feature of docs/features.md at churn's observation dates (see
common.py), fits LogisticRegression(lbfgs, C = 1/alpha) with churn's preprocessing and
scores the as-of rows.

usage: python3 bench/pipelines/pandas_sklearn.py DATA_DIR OUT_DIR [--as-of YYYY-MM-DD]
       [--features-out FILE.parquet] [--alpha 10]
"""
import argparse
import datetime as dt
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import common as C
from common import COL, US_PER_DAY, US_PER_HOUR


def usage_parts(data_dir, acc_ids, days):
    """Reads usage one row group at a time (so memory follows the aggregates, not the
    rows: the whole table as categoricals needed about 4 GB at 20k accounts and would
    need about 20 GB at 100k) and reduces each chunk at once to
    - daily totals per (account, day): events and quantity;
    - distinct (account, user) and (account, feature) pairs per 30-day window.
    Chunks are combined at the end (an account may span chunks)."""
    origin, end = int(days.min()) - 180, int(days.max())
    index = pd.Index(acc_ids)
    daily, users, feats = [], [], []
    gid = {"user_id": {}, "feature": {}}  # string -> global code, across chunks

    def codes(col, name):
        g = gid[name]
        glob = np.array([g.setdefault(v, len(g)) for v in col.cat.categories], dtype=np.int32)
        cc = col.cat.codes.to_numpy()
        return np.where(cc >= 0, glob[cc] if len(glob) else -1, -1)

    for path in C.parquet_files(C.table_path(data_dir, "usage")):
        f = pq.ParquetFile(path, read_dictionary=["account_id", "user_id", "feature"])
        for rg in range(f.num_row_groups):
            t = f.read_row_group(rg, columns=["account_id", "ts", "user_id", "feature", "quantity"])
            df = t.to_pandas()
            del t
            acc = index.get_indexer(df["account_id"].cat.categories)[df["account_id"].cat.codes.to_numpy()]
            day = df["ts"].dt.as_unit("us").astype("int64").to_numpy() // US_PER_DAY
            # Each chunk has its own dictionary: codes are translated to global ones
            # (a dictionary lookup per distinct value, not per row).
            c = pd.DataFrame(
                {
                    "acc": acc.astype(np.int32),
                    "day": day.astype(np.int32),
                    "user": codes(df["user_id"], "user_id"),
                    "feat": codes(df["feature"], "feature"),
                    "qty": df["quantity"].fillna(1).astype(np.float64),
                }
            )
            del df
            c = c[(c["acc"] >= 0) & (c["day"] >= origin) & (c["day"] < end)]
            daily.append(c.groupby(["acc", "day"], sort=False, observed=True).agg(n=("qty", "size"), q=("qty", "sum")).reset_index())
            for j, t in enumerate(days):
                w = c[(c["day"] >= t - 30) & (c["day"] < t)]
                if len(w):
                    u = w.loc[w["user"] >= 0, ["acc", "user"]].drop_duplicates()
                    f_ = w.loc[w["feat"] >= 0, ["acc", "feat"]].drop_duplicates()
                    users.append(u.assign(j=np.int16(j)))
                    feats.append(f_.assign(j=np.int16(j)))
    daily = pd.concat(daily).groupby(["acc", "day"], sort=False).agg(n=("n", "sum"), q=("q", "sum")).reset_index()
    return daily, pd.concat(users), pd.concat(feats)


def usage_features(daily, users, feats, days, key, x):
    """Window counts, active days, last use, distinct users and features per row."""
    n_users = users.drop_duplicates().groupby(["j", "acc"]).size()
    n_feats = feats.drop_duplicates().groupby(["j", "acc"]).size()
    for j, t in enumerate(days):
        t = int(t)
        d = daily[(daily["day"] >= t - 180) & (daily["day"] < t)]
        age = t - d["day"]
        w = pd.DataFrame(
            {
                "acc": d["acc"],
                "e7": d["n"].where(age <= 7, 0),
                "e30": d["n"].where(age <= 30, 0),
                "ep": d["n"].where((age > 30) & (age <= 60), 0),
                "e90": d["n"].where(age <= 90, 0),
                "q30": d["q"].where(age <= 30, 0.0),
                "qp": d["q"].where((age > 30) & (age <= 60), 0.0),
                "a30": (age <= 30).astype(np.int32),
                "ap": ((age > 30) & (age <= 60)).astype(np.int32),
                "last": d["day"],
            }
        )
        g = w.groupby("acc").agg(
            e7=("e7", "sum"), e30=("e30", "sum"), ep=("ep", "sum"), e90=("e90", "sum"),
            q30=("q30", "sum"), qp=("qp", "sum"), a30=("a30", "sum"), ap=("ap", "sum"), last=("last", "max"),
        )
        rows = key[j]  # account index -> row of the matrix (or -1)
        put = lambda series, name: _put(x, rows, series, COL[name])
        for col, name in [
            ("e7", "events_7d"), ("e30", "events_30d"), ("ep", "events_prev_30d"), ("e90", "events_90d"),
            ("q30", "quantity_30d"), ("qp", "quantity_prev_30d"), ("a30", "active_days_30d"),
            ("ap", "active_days_prev_30d"),
        ]:
            put(g[col], name)
        put(np.minimum(t - g["last"], 180), "days_since_last_use")
        if j in n_users.index.get_level_values(0):
            put(n_users.loc[j], "users_30d")
        if j in n_feats.index.get_level_values(0):
            put(n_feats.loc[j], "features_30d")


def _put(x, rows, series, k):
    r = rows[series.index.to_numpy()]
    ok = r >= 0
    x[r[ok], k] = series.to_numpy(dtype=np.float64)[ok]


def read_small(data_dir, name, columns, acc_ids):
    df = pd.read_parquet(C.table_path(data_dir, name), columns=columns)
    df["acc"] = pd.Index(acc_ids).get_indexer(df["account_id"])
    df = df[df["acc"] >= 0]
    for c in df.columns:
        if isinstance(df[c].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(df[c]):
            v = df[c].dt.tz_localize(None) if isinstance(df[c].dtype, pd.DatetimeTZDtype) else df[c]
            df[c] = v.astype("datetime64[us]").astype("int64").where(df[c].notna(), C.NULL)
    return df.reset_index(drop=True)


def ticket_features(tk, days, key, x):
    tk = tk.copy()
    tk["urg"] = tk["priority"].str.strip().str.lower().isin(["high", "urgent", "critical"])
    for j, t in enumerate(days):
        at = int(t) * US_PER_DAY
        d = tk[tk["opened_at"] < at]
        recent = d["opened_at"] >= at - 90 * US_PER_DAY
        res = d["resolved_at"]
        is_open = (res == C.NULL) | (res >= at)
        fr = d["first_response_at"]
        w = pd.DataFrame(
            {
                "acc": d["acc"],
                "recent": recent.astype(np.int32),
                "open": is_open.astype(np.int32),
                "urgent": (is_open & d["urg"]).astype(np.int32),
                "age": ((at - d["opened_at"]) / US_PER_DAY).where(is_open, 0.0),
                "resp": ((fr - d["opened_at"]) / US_PER_HOUR).where(recent & (fr != C.NULL) & (fr < at)),
                "resol": ((res - d["opened_at"]) / US_PER_HOUR).where(recent & (res != C.NULL) & (res < at)),
            }
        )
        g = w.groupby("acc").agg(
            recent=("recent", "sum"), open=("open", "sum"), urgent=("urgent", "sum"), age=("age", "max"),
            resp=("resp", "median"), resol=("resol", "median"),
        )
        rows = key[j]
        for col, name in [
            ("recent", "tickets_90d"), ("open", "open_tickets"), ("urgent", "open_urgent_tickets"),
            ("age", "oldest_open_ticket_days"),
        ]:
            _put(x, rows, g[col], COL[name])
        for col, name in [("resp", "median_first_response_hours_90d"), ("resol", "median_resolution_hours_90d")]:
            _put(x, rows, g[col], COL[name])  # NaN where no ticket qualified


def survey_features(sv, days, key, x):
    sv = sv.copy()
    sv["kind"] = sv["kind"].str.strip().str.lower()
    sv["row"] = np.arange(len(sv))
    scale = sv["scale_max"].astype(float)
    nps = sv[(sv["kind"] == "nps") & (scale.isna() | (scale == 10)) & sv["score"].between(0, 10)]
    sc = scale.fillna(5.0)
    csat = sv[(sv["kind"] == "csat") & sc.isin([3.0, 5.0, 7.0, 10.0]) & (sv["score"] >= 1) & (sv["score"] <= sc)].copy()
    cs = csat["scale_max"].astype(float).fillna(5.0)
    csat["sat"] = ((1.0 + (csat["score"] - 1.0) * 4.0 / (cs - 1.0)) >= 4.0 - 1e-9).astype(np.int32)
    nps = nps.sort_values(["acc", "responded_at", "row"])
    for j, t in enumerate(days):
        at = int(t) * US_PER_DAY
        rows = key[j]
        n = nps[(nps["responded_at"] < at) & (nps["responded_at"] >= at - 365 * US_PER_DAY)]
        latest = n.groupby("acc").tail(1).set_index("acc")
        s = latest["score"].astype(float)
        _put(x, rows, s, COL["nps_latest"])
        _put(x, rows, (s <= 6).astype(float), COL["nps_detractor"])
        _put(x, rows, ((s >= 7) & (s < 9)).astype(float), COL["nps_passive"])
        _put(x, rows, (s >= 9).astype(float), COL["nps_promoter"])
        _put(x, rows, (at - latest["responded_at"]) / US_PER_DAY, COL["days_since_nps"])
        c = csat[(csat["responded_at"] < at) & (csat["responded_at"] >= at - 180 * US_PER_DAY)]
        g = c.groupby("acc")["sat"].agg(["size", "sum"])
        _put(x, rows, g["size"], COL["csat_answers_180d"])
        _put(x, rows, 100.0 * g["sum"] / g["size"], COL["csat_pct_180d"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--as-of")
    ap.add_argument("--features-out")
    ap.add_argument("--alpha", type=float, default=10.0)
    ap.add_argument("--grid", action="store_true", help="select alpha over churn's grid out of time, as churn run does")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    T = C.Timer()
    with T("import scikit-learn"):
        import sklearn.linear_model  # noqa: F401  (seconds on a busy machine: shown apart)

    with T("read accounts, tickets, surveys"):
        acc = C.read_accounts(a.data)
        ids = acc["ids"]
        tk = read_small(
            a.data, "tickets",
            ["account_id", "opened_at", "first_response_at", "resolved_at", "priority"], ids,
        )
        sv = read_small(a.data, "surveys", ["account_id", "responded_at", "kind", "score", "scale_max"], ids)
        as_of = (
            dt.date.fromisoformat(a.as_of)
            if a.as_of
            else C.default_as_of(a.data, acc, [tk["opened_at"].max(), tk["resolved_at"].max(), sv["responded_at"].max()])
        )
        days = C.plan(as_of)
    with T("population"):
        rows_a, rows_j, labels = C.population(acc, days)
        n_acc = len(ids)
        x = np.zeros((len(rows_a), len(C.NAMES)))
        key = np.full((len(days), n_acc), -1, dtype=np.int64)
        key[rows_j, rows_a] = np.arange(len(rows_a))
        x[:, COL["days_since_last_use"]] = 180.0
        x[:, [COL["median_first_response_hours_90d"], COL["median_resolution_hours_90d"]]] = np.nan
        for n in ("nps_latest", "days_since_nps", "csat_pct_180d"):
            x[:, COL[n]] = np.nan
    with T("read usage, daily totals, distinct pairs per window"):
        daily, users, feats = usage_parts(a.data, ids, days)
    with T("usage features"):
        usage_features(daily, users, feats, days, key, x)
        del daily, users, feats
    with T("ticket, survey, account features"):
        ticket_features(tk, days, key, x)
        survey_features(sv, days, key, x)
        C.account_features(acc, rows_a, rows_j, days, x)
        C.usage_ratios(x, acc["seats"][rows_a])
    if a.features_out:
        with T("write features"):
            C.write_matrix(a.features_out, ids, rows_a, rows_j, labels, days, x)
    with T("fit and score"):
        p, width, iters, alpha = C.fit_and_score(x, rows_j, labels, len(days), a.alpha, a.grid)
    with T("write scores"):
        C.write_scores(os.path.join(a.out, "scores.parquet"), ids, rows_a[rows_j == len(days) - 1], p)
    T.report("pandas+sklearn", {"rows": int(len(rows_a)), "design_columns": width, "lbfgs_iterations": iters, "alpha": alpha, "as_of": str(as_of)})


if __name__ == "__main__":
    main()
