#!/usr/bin/env python3
"""Is the validation AUC the job reports an honest self-assessment?

usage: bench/honest_validation.py CHURN DATA_DIR [--horizon 90]

Runs `churn run --as-of D` with D a horizon before the data ends (so the whole horizon
after D is in the data), then compares the out-of-time validation ROC AUC the job
reports (manifest.json) with the ROC AUC its scores reach against what happened:
accounts' churned_at in (D, D + horizon]. Prints both and their difference.
"""
import argparse, datetime as dt, glob, json, subprocess, sys, tempfile

import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score

ap = argparse.ArgumentParser()
ap.add_argument("churn")
ap.add_argument("data")
ap.add_argument("--horizon", type=int, default=90)
a = ap.parse_args()

accounts = pq.read_table(f"{a.data}/accounts.parquet").to_pandas()
# The data ends the day before the generator's as-of date; take the latest instant.
latest = max(
    accounts["started_at"].max(),
    accounts["churned_at"].max(),
)
usage_max = max(pq.ParquetFile(f).metadata.row_group(i).column(
    pq.ParquetFile(f).schema_arrow.get_field_index("ts")).statistics.max
    for f in glob.glob(f"{a.data}/usage/**/*.parquet", recursive=True)
    for i in range(pq.ParquetFile(f).metadata.num_row_groups))
end = max(latest.to_pydatetime().replace(tzinfo=None), usage_max.replace(tzinfo=None))
data_end = (end + dt.timedelta(days=1)).date()
as_of = data_end - dt.timedelta(days=a.horizon)

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([a.churn, "--quiet", "run", "--data", a.data, "--as-of", str(as_of),
                    "--out", f"{tmp}/out", "--models", f"{tmp}/models", "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    folder = glob.glob(f"{tmp}/out/run_date=*")[0]
    m = json.load(open(f"{folder}/manifest.json"))
    risk = pq.read_table(f"{folder}/account_risk.parquet", columns=["account_id", "churn_probability"]).to_pandas()

t0 = dt.datetime.combine(as_of, dt.time())
t1 = t0 + dt.timedelta(days=a.horizon)
churned = accounts.set_index("account_id")["churned_at"].dt.tz_localize(None)
c = churned.reindex(risk["account_id"]).to_numpy()
import numpy as np
c = np.array([x for x in c], dtype="datetime64[us]")
y = (~np.isnat(c)) & (c > np.datetime64(t0)) & (c <= np.datetime64(t1))
realised = roc_auc_score(y, risk["churn_probability"])
reported = m["model"]["validation"]["roc_auc"]
print(f"{a.data}: as of {as_of}, {len(risk)} accounts scored, {int(y.sum())} churned in the next {a.horizon} days")
print(f"  validation ROC AUC reported {reported:.4f}, realised {realised:.4f}, difference {reported - realised:+.4f}")
