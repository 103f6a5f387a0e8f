"""The churn job written with DuckDB for the features and scikit-learn for the model.

Reasonably optimised: DuckDB reads the Parquet files itself (projection, parallel row
groups), usage is aggregated to (account, day) once, windows come from an equality
join with a small (day, date, age) table instead of range joins over the big table,
days since last use from an ASOF join, and distinct users/features from one more scan
joined to the 30-day windows. Ticket and survey features are SQL too.

usage: python3 bench/pipelines/duckdb_sklearn.py DATA_DIR OUT_DIR [--as-of YYYY-MM-DD]
       [--features-out FILE.parquet] [--alpha 10] [--threads N]
"""
import argparse
import datetime as dt
import os

import duckdb
import numpy as np
import pandas as pd

import common as C
from common import COL, US_PER_DAY, US_PER_HOUR

DAY = US_PER_DAY


def source(data_dir, name):
    p = C.table_path(data_dir, name)
    files = C.parquet_files(p)
    return "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "], file_row_number = true, filename = true)"


def scatter(x, key, df, cols, index):
    """Writes result columns into the matrix rows of (account, date)."""
    if len(df) == 0:
        return
    a = index.get_indexer(df["account_id"])
    j = df["j"].to_numpy()
    ok = a >= 0
    rows = key[j[ok], a[ok]]
    ok2 = rows >= 0
    for col, name in cols:
        v = df[col].to_numpy(dtype=np.float64, na_value=np.nan)[ok][ok2]
        x[rows[ok2], COL[name]] = v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--as-of")
    ap.add_argument("--features-out")
    ap.add_argument("--alpha", type=float, default=10.0)
    ap.add_argument("--grid", action="store_true", help="select alpha over churn's grid out of time, as churn run does")
    ap.add_argument("--threads", type=int)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    T = C.Timer()
    with T("import scikit-learn"):
        import sklearn.linear_model  # noqa: F401  (seconds on a busy machine: shown apart)
    con = duckdb.connect()
    run = lambda sql: con.execute(sql).fetchall()  # statements without a result set
    if a.threads:
        run(f"SET threads = {a.threads}")
    run("SET preserve_insertion_order = false")

    with T("read accounts, plan"):
        acc = C.read_accounts(a.data)
        ids = acc["ids"]
        index = pd.Index(ids)
        tk_src, sv_src, us_src = source(a.data, "tickets"), source(a.data, "surveys"), source(a.data, "usage")
        run(
            f"CREATE TEMP TABLE tk AS SELECT account_id, epoch_us(opened_at) o, epoch_us(first_response_at) fr, "
            f"epoch_us(resolved_at) res, lower(trim(priority)) IN ('high','urgent','critical') urg FROM {tk_src}"
        )
        run(
            f"CREATE TEMP TABLE sv AS SELECT account_id, epoch_us(responded_at) w, lower(trim(kind)) kind, "
            f"CAST(score AS DOUBLE) score, CAST(scale_max AS DOUBLE) scale, filename, file_row_number rn FROM {sv_src}"
        )
        if a.as_of:
            as_of = dt.date.fromisoformat(a.as_of)
        else:
            t_max = con.execute("SELECT max(o), max(res) FROM tk").fetchall()[0]
            s_max = con.execute("SELECT max(w) FROM sv").fetchall()[0][0]
            as_of = C.default_as_of(a.data, acc, [t_max[0], t_max[1], s_max])
        days = C.plan(as_of)
    with T("population"):
        rows_a, rows_j, labels = C.population(acc, days)
        x = np.zeros((len(rows_a), len(C.NAMES)))
        key = np.full((len(days), len(ids)), -1, dtype=np.int64)
        key[rows_j, rows_a] = np.arange(len(rows_a))
        x[:, COL["days_since_last_use"]] = 180.0
        for n in ("median_first_response_hours_90d", "median_resolution_hours_90d", "nps_latest", "days_since_nps", "csat_pct_180d"):
            x[:, COL[n]] = np.nan
        dates = pd.DataFrame({"j": np.arange(len(days)), "t": days, "tus": days * DAY})
        win = pd.DataFrame(
            [(int(t) - age, j, age) for j, t in enumerate(days) for age in range(1, 91)], columns=["day", "j", "age"]
        )
        pop = pd.DataFrame({"account_id": ids[rows_a].astype(str), "j": rows_j, "t": days[rows_j]})
        con.register("dates", dates)
        con.register("win", win)
        con.register("pop", pop)
    origin, end = int(days.min()) - 180, int(days.max())
    with T("usage: daily aggregate"):
        run(
            f"""CREATE TEMP TABLE daily AS
            SELECT account_id, CAST(epoch_us(ts) // {DAY} AS INTEGER) AS day, count(*) AS n,
                   sum(coalesce(CAST(quantity AS DOUBLE), 1.0)) AS q
            FROM {us_src}
            WHERE epoch_us(ts) >= {origin * DAY} AND epoch_us(ts) < {end * DAY}
            GROUP BY ALL"""
        )
    with T("usage: windows, last use"):
        w = con.execute(
            """SELECT d.account_id, w.j,
                 sum(n) FILTER (WHERE age <= 7) e7, sum(n) FILTER (WHERE age <= 30) e30,
                 sum(n) FILTER (WHERE age > 30 AND age <= 60) ep, sum(n) e90,
                 sum(q) FILTER (WHERE age <= 30) q30, sum(q) FILTER (WHERE age > 30 AND age <= 60) qp,
                 count(*) FILTER (WHERE age <= 30) a30, count(*) FILTER (WHERE age > 30 AND age <= 60) ap
               FROM daily d JOIN win w ON d.day = w.day GROUP BY ALL"""
        ).df().fillna(0)
        scatter(x, key, w, [("e7", "events_7d"), ("e30", "events_30d"), ("ep", "events_prev_30d"), ("e90", "events_90d"),
                            ("q30", "quantity_30d"), ("qp", "quantity_prev_30d"), ("a30", "active_days_30d"),
                            ("ap", "active_days_prev_30d")], index)
        last = con.execute(
            """SELECT p.account_id, p.j, least(p.t - d.day, 180) since
               FROM pop p ASOF JOIN daily d ON p.account_id = d.account_id AND p.t > d.day"""
        ).df()
        scatter(x, key, last, [("since", "days_since_last_use")], index)
    with T("usage: distinct users, features"):
        dist = con.execute(
            f"""SELECT u.account_id, w.j, count(DISTINCT user_id) users, count(DISTINCT feature) feats
                FROM (SELECT account_id, user_id, feature, CAST(epoch_us(ts) // {DAY} AS INTEGER) AS day FROM {us_src}
                      WHERE epoch_us(ts) >= {origin * DAY} AND epoch_us(ts) < {end * DAY}) u
                JOIN (SELECT * FROM win WHERE age <= 30) w ON u.day = w.day GROUP BY ALL"""
        ).df()
        scatter(x, key, dist, [("users", "users_30d"), ("feats", "features_30d")], index)
    with T("ticket, survey, account features"):
        t = con.execute(
            f"""SELECT account_id, j,
                 count(*) FILTER (WHERE o >= tus - {90 * DAY}) recent,
                 count(*) FILTER (WHERE res IS NULL OR res >= tus) open,
                 count(*) FILTER (WHERE (res IS NULL OR res >= tus) AND urg) urgent,
                 coalesce(max(tus - o) FILTER (WHERE res IS NULL OR res >= tus), 0) / {DAY} age,
                 median((fr - o) / {US_PER_HOUR}) FILTER (WHERE o >= tus - {90 * DAY} AND fr < tus) resp,
                 median((res - o) / {US_PER_HOUR}) FILTER (WHERE o >= tus - {90 * DAY} AND res < tus) resol
               FROM tk JOIN dates ON o < tus GROUP BY ALL"""
        ).df()
        scatter(x, key, t, [("recent", "tickets_90d"), ("open", "open_tickets"), ("urgent", "open_urgent_tickets"),
                            ("age", "oldest_open_ticket_days"), ("resp", "median_first_response_hours_90d"),
                            ("resol", "median_resolution_hours_90d")], index)
        nps = con.execute(
            f"""SELECT account_id, j, score, (tus - w) / {DAY} since FROM sv JOIN dates ON w < tus AND w >= tus - {365 * DAY}
                WHERE kind = 'nps' AND (scale IS NULL OR scale = 10) AND score BETWEEN 0 AND 10
                QUALIFY row_number() OVER (PARTITION BY account_id, j ORDER BY w DESC, filename DESC, rn DESC) = 1"""
        ).df()
        nps["det"] = (nps["score"] <= 6).astype(float)
        nps["pas"] = ((nps["score"] >= 7) & (nps["score"] < 9)).astype(float)
        nps["pro"] = (nps["score"] >= 9).astype(float)
        scatter(x, key, nps, [("score", "nps_latest"), ("det", "nps_detractor"), ("pas", "nps_passive"),
                              ("pro", "nps_promoter"), ("since", "days_since_nps")], index)
        csat = con.execute(
            f"""SELECT account_id, j, count(*) n,
                 100.0 * count(*) FILTER (WHERE 1.0 + (score - 1.0) * 4.0 / (coalesce(scale, 5.0) - 1.0) >= 4.0 - 1e-9) / count(*) pct
               FROM sv JOIN dates ON w < tus AND w >= tus - {180 * DAY}
               WHERE kind = 'csat' AND coalesce(scale, 5.0) IN (3, 5, 7, 10) AND score >= 1 AND score <= coalesce(scale, 5.0)
               GROUP BY ALL"""
        ).df()
        scatter(x, key, csat, [("n", "csat_answers_180d"), ("pct", "csat_pct_180d")], index)
        C.account_features(acc, rows_a, rows_j, days, x)
        C.usage_ratios(x, acc["seats"][rows_a])
    if a.features_out:
        with T("write features"):
            C.write_matrix(a.features_out, ids, rows_a, rows_j, labels, days, x)
    with T("fit and score"):
        p, width, iters, alpha = C.fit_and_score(x, rows_j, labels, len(days), a.alpha, a.grid)
    with T("write scores"):
        C.write_scores(os.path.join(a.out, "scores.parquet"), ids, rows_a[rows_j == len(days) - 1], p)
    T.report("duckdb+sklearn", {"rows": int(len(rows_a)), "design_columns": width, "lbfgs_iterations": iters, "alpha": alpha, "as_of": str(as_of)})


if __name__ == "__main__":
    main()
