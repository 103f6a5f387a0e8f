#!/usr/bin/env bash
# End-to-end performance benchmark on one data folder.
#
# usage: bench/run_bench.sh DATA_DIR [--reps N] [--skip pandas,duckdb] [--no-threads]
#
# Runs, back to back in each repetition and each under /usr/bin/time -v:
#   churn   `churn run` with a fresh output and models folder (trains, scores, writes)
#   scan    the bare scan floor (bench/scan.rs): decodes the usage columns only
#   duckdb  bench/pipelines/duckdb_sklearn.py (same features and model)
#   pandas  bench/pipelines/pandas_sklearn.py (same features and model)
# and prints wall time and peak RSS of each, and per-repetition ratios (ratios of runs
# made back to back are much steadier than absolute times on a shared machine):
#   pandas / churn, duckdb / churn (end to end), and
#   churn (ingest + as-of date + features stages, from manifest.json timings) / scan.
# Then `churn run --threads 1` against `--threads 2` (feature-stage ratio) and a check
# that both give byte-identical account_risk.parquet and .csv.
#
# Environment: CARGO_TARGET_DIR (where churn and scan are built; default ./target),
# CHURN and SCAN (binaries, to skip the build), WORK (scratch folder), PYTHON,
# PIPELINE_ARGS (extra arguments for both Python pipelines, e.g. --grid).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DATA=""
REPS=3
SKIP=""
THREADS_CHECK=1
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --skip) SKIP=$2; shift 2 ;;
    --no-threads) THREADS_CHECK=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) DATA=$1; shift ;;
  esac
done
[ -n "$DATA" ] || { echo "usage: $0 DATA_DIR [--reps N] [--skip pandas,duckdb] [--no-threads]" >&2; exit 2; }
DATA=$(cd "$DATA" && pwd)
PYTHON=${PYTHON:-python3}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=${WORK:-$(mktemp -d /tmp/churn-bench.XXXXXX)}
mkdir -p "$WORK"
LOG="$WORK/results.tsv"
: > "$LOG"

if [ -z "${CHURN:-}" ]; then
  cargo build --release --quiet --bin churn
  CHURN=$TARGET/release/churn
fi
if [ -z "${SCAN:-}" ]; then
  SCAN=$(cargo build --release --quiet --bench scan --message-format=json 2>/dev/null \
    | "$PYTHON" -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "scan" and m.get("executable"):
        print(m["executable"])')
fi
echo "data: $DATA ($(du -sh "$DATA" | cut -f1)); churn: $CHURN; scan: $SCAN; work: $WORK; reps: $REPS"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

skipped() { case ",$SKIP," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# measure NAME REP CMD...: runs CMD under /usr/bin/time -v, appends name, rep, wall
# seconds, peak RSS (MB) and the extra field set by the caller to the log.
measure() {
  local name=$1 rep=$2; shift 2
  local tv="$WORK/time.$name.$rep"
  if ! /usr/bin/time -v -o "$tv" "$@" > "$WORK/out.$name.$rep" 2> "$WORK/err.$name.$rep"; then
    echo "$name failed (rep $rep): see $WORK/err.$name.$rep" >&2
    tail -5 "$WORK/err.$name.$rep" >&2
    return 1
  fi
  local wall cpu rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s}' "$tv")
  cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$tv")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$tv")
  printf "%s\t%s\t%s\t%s\tcpu=%s \n" "$name" "$rep" "$wall" "$rss" "$cpu" >> "$LOG"
  printf "  %-8s rep %s: %8.2f s wall, %8.2f s CPU (user+sys), %6s MB peak RSS   [load %s]\n" \
    "$name" "$rep" "$wall" "$cpu" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
}

# churn_stages MANIFEST: "ingest+asof+features=S features=S train=S" from the timings.
churn_stages() {
  "$PYTHON" - "$1" <<'EOF'
import json, sys
t = {x["stage"]: x["seconds"] for x in json.load(open(sys.argv[1]))["timings"]}
read = t.get("ingest", 0) + t.get("as-of date", 0) + t.get("features", 0)
print(f"read_features={read:.3f} features={t.get('features', 0):.3f} ingest={t.get('ingest', 0):.3f} train={t.get('train', 0):.3f}")
EOF
}

# pipeline_stages OUT: "prep=S fit=S" from a pipeline's JSON report: prep is reading
# and features (everything but importing scikit-learn, the fit and writing scores).
pipeline_stages() {
  "$PYTHON" - "$1" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
st = r["stages"]
fit = st.get("fit and score", 0)
prep = r["total_seconds"] - fit - st.get("import scikit-learn", 0) - st.get("write scores", 0)
print(f"prep={prep:.3f} fit={fit:.3f}")
EOF
}

run_churn() { # NAME REP [extra args]
  local name=$1 rep=$2; shift 2
  local d="$WORK/$name.$rep"
  rm -rf "$d"; mkdir -p "$d"
  EXTRA="" measure "$name" "$rep" "$CHURN" run --data "$DATA" --out "$d/out" --models "$d/models" --quiet --force "$@" || return 1
  local m
  m=$(ls "$d"/out/run_date=*/manifest.json)
  local stages
  stages=$(churn_stages "$m")
  # Attach the stage timings to the line just written.
  sed -i '$ s/ $/ '"$stages"'/' "$LOG"
  echo "           $stages"
}

echo
echo "== end to end (each repetition runs all tools back to back)"
for rep in $(seq 1 "$REPS"); do
  run_churn churn "$rep"
  EXTRA="" measure scan "$rep" "$SCAN" "$DATA"
  sed -i '$ s/ $/ '"$(tr -d '{}" ' < "$WORK/out.scan.$rep" | tr ',' ' ' | tr ':' '=')"'/' "$LOG"
  for tool in duckdb pandas; do
    skipped $tool && continue
    measure $tool "$rep" "$PYTHON" bench/pipelines/${tool}_sklearn.py "$DATA" "$WORK/$tool.$rep" ${PIPELINE_ARGS:-}
    sed -i '$ s/ $/ '"$(pipeline_stages "$WORK/out.$tool.$rep")"'/' "$LOG"
  done
done

if [ "$THREADS_CHECK" = 1 ]; then
  echo
  echo "== churn run --threads 1 vs --threads 2 (alternating)"
  for rep in $(seq 1 "$REPS"); do
    run_churn t1 "$rep" --threads 1
    run_churn t2 "$rep" --threads 2
    for f in account_risk.parquet account_risk.csv; do
      if cmp -s "$WORK"/t1."$rep"/out/run_date=*/"$f" "$WORK"/t2."$rep"/out/run_date=*/"$f"; then
        echo "           $f: identical for 1 and 2 threads"
        printf "identical\t%s\t%s\t1\n" "$rep" "$f" >> "$LOG"
      else
        echo "           $f: DIFFERS between 1 and 2 threads"
        printf "identical\t%s\t%s\t0\n" "$rep" "$f" >> "$LOG"
      fi
    done
  done
fi

echo
"$PYTHON" - "$LOG" <<'EOF'
import statistics as st, sys
from collections import defaultdict

runs = defaultdict(dict)  # name -> rep -> (wall, rss, fields)
ident = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "identical":
        ident.append(f[3] == "1")
        continue
    extra = dict(kv.split("=", 1) for kv in f[4].split()) if len(f) > 4 else {}
    runs[f[0]][f[1]] = (float(f[2]), float(f[3]), extra)

def med(v):
    return st.median(v) if v else float("nan")

def per_rep(a, b, fa, fb):
    reps = sorted(set(runs.get(a, {})) & set(runs.get(b, {})))
    return [fa(runs[a][k]) / fb(runs[b][k]) for k in reps]

wall = lambda r: r[0]
cpu = lambda r: float(r[2]["cpu"])
fmt = lambda v: ", ".join(f"{x:.2f}" for x in v)

print("== summary (medians over repetitions; ratios are medians of per-repetition ratios)")
print(f"{'tool':8} {'wall s':>9} {'(min-max)':>17} {'CPU s':>9} {'peak RSS MB':>12}")
for name, reps in runs.items():
    w = [r[0] for r in reps.values()]
    print(f"{name:8} {med(w):9.2f} {min(w):8.2f}-{max(w):<8.2f} {med([cpu(r) for r in reps.values()]):9.2f} "
          f"{med([r[1] for r in reps.values()]):12.0f}")
for a in ("pandas", "duckdb"):
    v = per_rep(a, "churn", wall, wall)
    if v:
        c = per_rep(a, "churn", cpu, cpu)
        print(f"{a} / churn, end to end: wall {med(v):.2f}x (per rep {fmt(v)}); CPU time {med(c):.2f}x")
for a in ("pandas", "duckdb"):
    v = per_rep(a, "churn", lambda r: float(r[2]["prep"]), lambda r: float(r[2]["read_features"]))
    if v:
        m = per_rep(a, "churn", lambda r: float(r[2]["fit"]), lambda r: float(r[2]["train"]))
        print(f"   {a} reading + features / churn ingest + as-of + features stages: {med(v):.2f}x (per rep {fmt(v)}); "
              f"{a} model fit / churn train stage: {med(m):.2f}x")
v = per_rep("churn", "scan", lambda r: float(r[2]["read_features"]), lambda r: float(r[2]["seconds"]))
if v:
    fs = [float(r[2]["read_features"]) for r in runs["churn"].values()]
    ss = [float(r[2]["seconds"]) for r in runs["scan"].values()]
    print(f"churn ingest + as-of + features stages / bare scan: {med(v):.2f}x (per rep {fmt(v)}); "
          f"medians {med(fs):.2f} s vs {med(ss):.2f} s")
    c = per_rep("churn", "scan", cpu, cpu)
    print(f"   (whole churn run CPU / scan CPU: {med(c):.2f}x)")
v = per_rep("t1", "t2", lambda r: float(r[2]["features"]), lambda r: float(r[2]["features"]))
if v:
    print(f"features stage, --threads 1 / --threads 2: {med(v):.2f}x (per rep {fmt(v)})")
    print(f"whole churn run, --threads 1 / --threads 2: {med(per_rep('t1', 't2', wall, wall)):.2f}x")
if ident:
    print(f"outputs byte-identical across 1 and 2 threads: {'yes' if all(ident) else 'NO'} "
          f"({sum(ident)}/{len(ident)} file comparisons)")
EOF
echo "raw results: $LOG"
