"""Shared parts of the Python comparison pipelines (bench only, never a runtime
dependency of churn).

Both pipelines compute the features of docs/features.md at the same observation dates
as `churn` (training dates every 30 days for 365 days back from as-of minus 90 days,
then the as-of date), from rows strictly before each date, with the same label, then
fit the same model: log1p transforms, missing indicators with the training median,
standardisation with training means and population sds, and scikit-learn's
LogisticRegression(lbfgs, C = 1/alpha).

What is shared here (and so identical in both pipelines): the plan of dates, reading
the small accounts table, the population and the account features (tenure, renewal,
contract, MRR, seats: 100k accounts x 14 dates, computed with numpy), the model and
the output. Usage, ticket and survey features are each pipeline's own work.
"""
import datetime as dt
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

US_PER_DAY = 86_400_000_000
US_PER_HOUR = 3_600_000_000
EPOCH = dt.date(1970, 1, 1)

# (name, log1p?) in churn's column order (src/features/defs.rs).
FEATURES = [
    ("events_30d", True),
    ("events_prev_30d", True),
    ("quantity_30d", True),
    ("quantity_prev_30d", True),
    ("usage_trend_30d", False),
    ("events_7d", True),
    ("usage_trend_7d", False),
    ("events_90d", True),
    ("usage_trend_90d", False),
    ("active_days_30d", False),
    ("active_days_prev_30d", False),
    ("days_since_last_use", False),
    ("users_30d", True),
    ("seat_utilisation", False),
    ("features_30d", False),
    ("tickets_90d", True),
    ("open_tickets", True),
    ("open_urgent_tickets", True),
    ("oldest_open_ticket_days", True),
    ("median_first_response_hours_90d", True),
    ("median_resolution_hours_90d", True),
    ("nps_latest", False),
    ("nps_detractor", False),
    ("nps_passive", False),
    ("nps_promoter", False),
    ("days_since_nps", True),
    ("csat_pct_180d", False),
    ("csat_answers_180d", True),
    ("tenure_days", True),
    ("days_to_renewal", False),
    ("renewal_in_horizon", False),
    ("monthly_contract", False),
    ("annual_renewal_in_horizon", False),
    ("mrr", True),
    ("seats", True),
]
NAMES = [n for n, _ in FEATURES]
COL = {n: k for k, n in enumerate(NAMES)}


class Timer:
    """Wall time per stage, printed as JSON at the end."""

    def __init__(self):
        self.stages = []
        self.start = time.perf_counter()

    def __call__(self, name):
        timer = self

        class _Stage:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                timer.stages.append((name, time.perf_counter() - self.t))
                print(f"  {name}: {timer.stages[-1][1]:.2f} s", file=sys.stderr, flush=True)

        return _Stage()

    def report(self, pipeline, extra=None):
        out = {
            "pipeline": pipeline,
            "total_seconds": time.perf_counter() - self.start,
            "stages": {k: v for k, v in self.stages},
        }
        out.update(extra or {})
        print(json.dumps(out))


def table_path(data_dir, name):
    """`NAME.parquet` or the folder `NAME/`, as the data contract allows."""
    f = os.path.join(data_dir, f"{name}.parquet")
    return f if os.path.isfile(f) else os.path.join(data_dir, name)


def parquet_files(path):
    if os.path.isfile(path):
        return [path]
    out = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        out += [os.path.join(root, f) for f in sorted(files) if f.endswith(".parquet") and not f.startswith((".", "_"))]
    return sorted(out)


def micros(col):
    """A timestamp or date column as int64 microseconds UTC (nulls -> None mask)."""
    if pa.types.is_date(col.type):
        col = pc.cast(col, pa.date32())
        v = pc.multiply(pc.cast(pc.cast(col, pa.int32()), pa.int64()), US_PER_DAY)
    else:
        v = pc.cast(pc.cast(col, pa.timestamp("us", tz="UTC") if col.type.tz else pa.timestamp("us")), pa.int64())
    return v


def as_int64(col, fill):
    return pc.fill_null(micros(col), fill).to_numpy()


def date_to_day(d):
    return (d - EPOCH).days


def day_to_date(k):
    return EPOCH + dt.timedelta(days=int(k))


def default_as_of(data_dir, accounts, maxima):
    """The day after the latest instant in the data (`maxima`: the latest ticket and
    survey instants, microseconds); usage from Parquet statistics."""
    latest = [accounts["started_at"].max(), accounts["churned_at"].max()] + [m for m in maxima if m is not None]
    for f in parquet_files(table_path(data_dir, "usage")):
        md = pq.ParquetFile(f).metadata
        idx = md.schema.to_arrow_schema().get_field_index("ts")
        for rg in range(md.num_row_groups):
            st = md.row_group(rg).column(idx).statistics
            if st is not None and st.has_min_max:
                m = st.max
                latest.append(int((m - dt.datetime(1970, 1, 1, tzinfo=m.tzinfo)) / dt.timedelta(microseconds=1)))
    latest = max(int(v) for v in latest if v is not None and v > NULL)
    return day_to_date(latest // US_PER_DAY + 1)


def plan(as_of, horizon=90, snapshot=30, history=365):
    """Observation days (days since the epoch): training dates oldest first, then as-of."""
    last = as_of - dt.timedelta(days=horizon)
    count = history // snapshot + 1
    training = [last - dt.timedelta(days=k * snapshot) for k in range(count)][::-1]
    return np.array([date_to_day(d) for d in training + [as_of]], dtype=np.int64)


NULL = np.iinfo(np.int64).min


def read_accounts(data_dir):
    t = pq.read_table(
        table_path(data_dir, "accounts"),
        columns=["account_id", "started_at", "churned_at", "renewal_date", "mrr", "seats"],
    )
    ids = t["account_id"].to_numpy(zero_copy_only=False).astype(object)
    num = lambda c: pc.cast(t[c], pa.float64()).to_numpy(zero_copy_only=False)
    return {
        "ids": ids,
        "started_at": as_int64(t["started_at"], NULL),
        "churned_at": as_int64(t["churned_at"], NULL),
        "renewal_date": as_int64(t["renewal_date"], NULL),
        "mrr": np.where(np.isnan(num("mrr")), np.nan, num("mrr")),
        "seats": num("seats"),
    }


def population(acc, days, horizon=90):
    """(account index, date index, label) of accounts active at each date, date-major;
    label -1 on the as-of date (unknown), else 0/1 churn within (T, T + horizon]."""
    n = len(acc["ids"])
    started, churned = acc["started_at"], acc["churned_at"]
    rows_a, rows_j, labels = [], [], []
    for j, t in enumerate(days):
        at = int(t) * US_PER_DAY
        active = (started <= at) & ((churned == NULL) | (churned > at))
        idx = np.nonzero(active)[0]
        rows_a.append(idx)
        rows_j.append(np.full(len(idx), j))
        if j == len(days) - 1:
            labels.append(np.full(len(idx), -1))
        else:
            c = churned[idx]
            labels.append(((c != NULL) & (c > at) & (c <= at + horizon * US_PER_DAY)).astype(np.int64))
    return np.concatenate(rows_a), np.concatenate(rows_j), np.concatenate(labels)


def _ymd(day):
    d = np.asarray(day, dtype="datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def _days_in_month(y, m):
    first = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    return ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)


def _to_day(y, m, d):
    first = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]").astype("datetime64[D]")
    return (first + (d - 1)).astype(np.int64)


def account_features(acc, rows_a, rows_j, days, x, horizon=90):
    """Tenure, renewal and contract features, MRR and seats into matrix x."""
    t = days[rows_j]
    at = t * US_PER_DAY
    x[:, COL["tenure_days"]] = (at - acc["started_at"][rows_a]) / US_PER_DAY
    ren = acc["renewal_date"][rows_a]
    has = ren != NULL
    r_day = np.where(has, ren, 0) // US_PER_DAY
    s_day = acc["started_at"][rows_a] // US_PER_DAY
    ry, rm, rd = _ymd(r_day)
    sy, sm, sd = _ymd(s_day)
    # Renewals fall on an anchor day clamped to short months (as churn's Renewals):
    # the start's day when the stored renewal is on it, else the renewal's own day.
    on_start_day = rd == np.minimum(sd, _days_in_month(ry, rm))
    monthly = on_start_day & (rm != sm)
    step = np.where(monthly, 1, 12)
    anchor = np.where(on_start_day, sd, rd)

    def date_in(k):
        y, m = k // 12, k % 12 + 1
        return _to_day(y, m, np.minimum(anchor, _days_in_month(y, m)))

    # The first renewal month at or after the date's month, then a step either way.
    k0 = ry * 12 + (rm - 1)
    ty, tm, _ = _ymd(t)
    k = k0 - step * ((k0 - (ty * 12 + (tm - 1))) // step)
    while True:
        mask = has & (date_in(k) < t)
        if not mask.any():
            break
        k = np.where(mask, k + step, k)
    while True:
        mask = has & (date_in(k - step) >= t)
        if not mask.any():
            break
        k = np.where(mask, k - step, k)
    to_ren = (date_in(k) - t).astype(np.float64)
    x[:, COL["days_to_renewal"]] = np.where(has, to_ren, np.nan)
    in_h = has & (to_ren <= horizon)
    x[:, COL["renewal_in_horizon"]] = in_h.astype(np.float64)
    x[:, COL["monthly_contract"]] = np.where(has, monthly.astype(np.float64), np.nan)
    x[:, COL["annual_renewal_in_horizon"]] = (in_h & ~monthly).astype(np.float64)
    x[:, COL["mrr"]] = acc["mrr"][rows_a]
    x[:, COL["seats"]] = acc["seats"][rows_a]


def usage_ratios(x, seats_of_row):
    """Features derived from the window counts (same formulas as churn)."""
    e30, ep, e7, e90 = (x[:, COL[c]] for c in ("events_30d", "events_prev_30d", "events_7d", "events_90d"))
    q30, qp = x[:, COL["quantity_30d"]], x[:, COL["quantity_prev_30d"]]
    x[:, COL["usage_trend_30d"]] = np.log((q30 + 1.0) / (qp + 1.0))
    x[:, COL["usage_trend_7d"]] = np.log((e7 * 30.0 / 7.0 + 1.0) / (e30 + 1.0))
    x[:, COL["usage_trend_90d"]] = np.log((e30 * 3.0 + 1.0) / (e90 + 1.0))
    u = x[:, COL["users_30d"]]
    ok = (~np.isnan(seats_of_row)) & (seats_of_row > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x[:, COL["seat_utilisation"]] = np.where(ok, u / np.where(ok, seats_of_row, 1.0), np.nan)


def design(x, fit_rows, apply_rows):
    """Churn's preprocessing learned on `fit_rows`: log1p, a missing indicator and the
    training median for features with missing values, standardisation with the mean
    and population sd (sd 1 for a constant column). Returns both design matrices."""
    logf = np.array([f for _, f in FEATURES])
    xt = x.copy()
    xt[:, logf] = np.log1p(np.maximum(xt[:, logf], 0.0))  # NaN stays NaN
    cols_fit, cols_apply = [], []
    for k in range(xt.shape[1]):
        v = xt[:, k]
        tr = v[fit_rows]
        miss = np.isnan(tr)
        med = np.median(tr[~miss]) if (~miss).any() else 0.0
        filled = np.where(np.isnan(v), med, v)
        cols = [filled]
        if miss.any():
            cols.append(np.isnan(v).astype(np.float64))
        for c in cols:
            ct = c[fit_rows]
            lo, hi = ct.min(), ct.max()
            mean, sd = (lo, 1.0) if lo == hi else (ct.mean(), ct.std())
            cols_fit.append((ct - mean) / sd)
            cols_apply.append((c[apply_rows] - mean) / sd)
    return np.column_stack(cols_fit), np.column_stack(cols_apply)


GRID = [0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0]  # churn's default --alphas


def fit_and_score(x, rows_j, labels, n_dates, alpha=10.0, grid=False):
    """The same preprocessing and model as churn. By default one fit at `alpha`; with
    `grid`, churn's model selection too: every alpha of churn's grid fitted on the
    training dates but the latest and scored on the latest by log loss (two fits at a
    time), the best refitted on all training dates. Returns P(churn) of the as-of rows,
    the design width, L-BFGS iterations and the alpha used."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    train = rows_j < n_dates - 1
    score = ~train
    y = labels[train]
    if grid:
        from joblib import Parallel, delayed

        inner, valid = rows_j < n_dates - 2, rows_j == n_dates - 2
        xi, xv = design(x, inner, valid)
        yi, yv = labels[inner], labels[valid]

        def one(a):
            m = LogisticRegression(C=1.0 / a, solver="lbfgs", max_iter=500, tol=1e-4).fit(xi, yi)
            return log_loss(yv, m.predict_proba(xv)[:, 1], labels=[0, 1])

        losses = Parallel(n_jobs=2, prefer="threads")(delayed(one)(a) for a in GRID)
        best = min(losses)
        alpha = max(a for a, l in zip(GRID, losses) if l == best)  # a tie goes to the larger alpha
    xtr, xsc = design(x, train, score)
    model = LogisticRegression(C=1.0 / alpha, solver="lbfgs", max_iter=500, tol=1e-4)
    model.fit(xtr, y)
    return model.predict_proba(xsc)[:, 1], xtr.shape[1], int(model.n_iter_[0]), alpha


def write_matrix(path, acc_ids, rows_a, rows_j, labels, days, x):
    cols = {
        "account_id": pa.array(acc_ids[rows_a].astype(str)),
        "observation_date": pa.array(days[rows_j].astype(np.int32), type=pa.date32()),
        "label": pa.array(np.where(labels < 0, None, labels == 1).tolist(), type=pa.bool_()),
    }
    for k, n in enumerate(NAMES):
        v = x[:, k]
        cols[n] = pa.array(v, mask=np.isnan(v), type=pa.float64())
    pq.write_table(pa.table(cols), path, compression="zstd")


def write_scores(path, acc_ids, rows_a_scored, p):
    order = np.argsort(-p, kind="stable")
    t = pa.table(
        {
            "account_id": pa.array(acc_ids[rows_a_scored[order]].astype(str)),
            "churn_probability": pa.array(p[order]),
            "risk_rank": pa.array(np.arange(1, len(p) + 1, dtype=np.int32)),
        }
    )
    pq.write_table(t, path, compression="zstd")
