#!/usr/bin/env bash
# Crash safety of the run folder: kill -9 `churn run` at random moments, many times,
# and check after each kill that
#   - an earlier run folder (another as-of date) is byte-for-byte intact,
#   - every visible run folder is complete (all four files, readable manifest),
#   - the next run succeeds and publishes outputs identical to an undisturbed run.
#
# usage: scripts/kill_test.sh [KILLS] [DATA_DIR]     (defaults: 25, data/)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-25}
data=${2:-data}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: a concurrent build must not swap the binary under the test.
cp target/release/churn "$work/churn"
bin="$work/churn"
out="$work/out"
models="$work/models"
run() { "$bin" --quiet run --data "$data" --out "$out" --models "$models" "$@"; }

# An earlier run (another date) that must survive every kill, and the reference outputs.
run --as-of 2026-10-15 >/dev/null
run >/dev/null
earlier=$(cd "$out/run_date=2026-10-15" && sha256sum account_risk.parquet account_risk.csv report.html manifest.json)
reference=$(cd "$out/run_date=2026-11-01" && sha256sum account_risk.parquet account_risk.csv)

# How long an undisturbed run takes, to spread the kills over it.
start=$(date +%s%N); run >/dev/null; end=$(date +%s%N)
span_ms=$(( (end - start) / 1000000 ))
echo "undisturbed run: ${span_ms} ms; killing $kills runs at random points within it"

visible_complete() {
  for d in "$out"/run_date=*; do
    for f in account_risk.parquet account_risk.csv report.html manifest.json; do
      [ -s "$d/$f" ] || { echo "INCOMPLETE: $d lacks $f"; return 1; }
    done
    python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$d/manifest.json" 2>/dev/null \
      || grep -q '"as_of"' "$d/manifest.json" || { echo "BROKEN manifest in $d"; return 1; }
  done
}

before_commit=0; after_commit=0
for i in $(seq 1 "$kills"); do
  rm -rf "$out/run_date=2026-11-01"    # so a kill before the rename shows as "no folder yet"
  delay_ms=$(( RANDOM % (span_ms * 3 / 2 + 1) ))
  # The binary itself in the background (not a subshell), so kill -9 hits it.
  "$bin" --quiet run --data "$data" --out "$out" --models "$models" >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  visible_complete
  now=$(cd "$out/run_date=2026-10-15" && sha256sum account_risk.parquet account_risk.csv report.html manifest.json)
  [ "$now" = "$earlier" ] || { echo "FAIL: the earlier run folder changed after kill $i"; exit 1; }
  if [ -d "$out/run_date=2026-11-01" ]; then after_commit=$((after_commit + 1)); else before_commit=$((before_commit + 1)); fi
done
echo "kills: $kills (run folder not yet published: $before_commit, already published: $after_commit)"

# The next run succeeds, cleans leftovers and publishes the same bytes as before.
run >/dev/null
visible_complete
got=$(cd "$out/run_date=2026-11-01" && sha256sum account_risk.parquet account_risk.csv)
[ "$got" = "$reference" ] || { echo "FAIL: outputs after the kills differ from an undisturbed run"; exit 1; }
leftovers=$(find "$out" -maxdepth 1 -name '.run_date=*' | wc -l)
[ "$leftovers" -eq 0 ] || { echo "FAIL: $leftovers hidden leftovers after a successful run"; exit 1; }
echo "ok: earlier folder intact after every kill, no partial folder visible, next run identical"
