#!/usr/bin/env bash
# Before/after comparison of two churn binaries on the same data, alternating A and B
# so that both see the same machine load, with fresh output and models folders.
#
# usage: bench/ab.sh BIN_A BIN_B DATA_DIR [REPS] [extra churn run args, e.g. --threads 1]
#
# Prints per repetition the ingest + as-of + features stage time (from manifest.json
# `timings`), the features stage alone, wall and CPU time of the whole run, then the
# median of the per-repetition ratios A / B.
set -euo pipefail
A=$1 B=$2 DATA=$3
REPS=${4:-3}
shift 3; [ $# -gt 0 ] && shift
EXTRA=("$@")
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/churn-ab.XXXXXX)
LOG=$WORK/ab.tsv

one() { # LABEL BIN REP
  local d=$WORK/$1.$3
  mkdir -p "$d"
  /usr/bin/time -f "%e %U %S" -o "$d/time" "$2" run --data "$DATA" --out "$d/out" --models "$d/models" --quiet --force ${EXTRA[@]+"${EXTRA[@]}"} >/dev/null 2>"$d/err" \
    || { echo "run $1 failed: $d/err" >&2; tail -3 "$d/err" >&2; exit 1; }
  "$PYTHON" - "$1" "$3" "$d" <<'EOF' | tee -a "$LOG"
import glob, json, sys
label, rep, d = sys.argv[1:4]
m = json.load(open(glob.glob(f"{d}/out/run_date=*/manifest.json")[0]))
t = {x["stage"]: x["seconds"] for x in m["timings"]}
wall, user, sys_ = (float(v) for v in open(f"{d}/time").read().split())
print(f"{label}\t{rep}\t{t['ingest'] + t.get('as-of date', 0) + t['features']:.3f}\t{t['features']:.3f}\t{wall:.2f}\t{user + sys_:.2f}")
EOF
}

echo -e "bin\trep\tingest+features s\tfeatures s\twall s\tCPU s"
for rep in $(seq 1 "$REPS"); do
  if [ $((rep % 2)) = 1 ]; then
    one A "$A" "$rep" "$@"; one B "$B" "$rep" "$@"
  else
    one B "$B" "$rep" "$@"; one A "$A" "$rep" "$@"
  fi
done
"$PYTHON" - "$LOG" <<'EOF'
import statistics as st, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {(r[0], r[1]): [float(v) for v in r[2:]] for r in rows}
reps = sorted({r[1] for r in rows})
for k, name in enumerate(["ingest+features", "features", "wall", "CPU"]):
    v = [by[("A", r)][k] / by[("B", r)][k] for r in reps]
    print(f"A / B {name:16}: median {st.median(v):.2f}x  (per rep {', '.join(f'{x:.2f}' for x in v)})")
EOF
rm -rf "$WORK"
