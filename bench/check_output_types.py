"""Reads account_risk.parquet with DuckDB and pandas (as a BI tool would) and checks
every column's type against the contract. usage: python3 bench/check_output_types.py FILE"""
import sys

import duckdb
import pandas as pd

path = sys.argv[1]
expected = {
    "account_id": "VARCHAR", "account_name": "VARCHAR", "segment": "VARCHAR", "plan": "VARCHAR",
    "csm_owner": "VARCHAR", "mrr": "DOUBLE", "churn_probability": "DOUBLE", "risk_tier": "VARCHAR",
    "risk_rank": "UINTEGER", "revenue_at_risk": "DOUBLE", "nps_latest": "DOUBLE", "nps_category": "VARCHAR",
    "csat_pct": "DOUBLE", "recommended_action": "VARCHAR", "action_reason": "VARCHAR",
    "top_issues": "VARCHAR[]",
    "drivers": "STRUCT(feature VARCHAR, \"value\" DOUBLE, contribution DOUBLE)[]",
    "model_version": "VARCHAR", "as_of": "DATE",
}
got = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}', hive_partitioning=false)").fetchall()}
bad = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
extra = set(got) - set(expected)
print("duckdb types:", "all as expected" if not bad and not extra else f"MISMATCH {bad} extra {extra}")
print(duckdb.sql(f"SELECT recommended_action, count(*) n, round(avg(churn_probability), 4) p FROM read_parquet('{path}', hive_partitioning=false) GROUP BY 1 ORDER BY 1").fetchall())
print(duckdb.sql(f"SELECT account_id, drivers[1].feature, top_issues[1] FROM read_parquet('{path}', hive_partitioning=false) ORDER BY risk_rank LIMIT 2").fetchall())
df = pd.read_parquet(path)
print("pandas dtypes:", dict(df.dtypes.astype(str)))
sys.exit(1 if bad or extra else 0)
