#!/bin/bash
# One H200 round of issue 10's measurements in one device call (<= 600 s), ordered by importance; every
# step writes its results under $OUT as it goes, so a call cut short still yields data.
#
# Here, in the project's root:
#   pnpm --filter @elk/bench bundle && bash ../shared/device/pack.sh
# On the device (run tool, carry [".device-carry", "apps/bench/dist"], timeout_s 600):
#   bash apps/bench/scripts/h200-round.sh
# Back here: the merged report is $OUT/report/ (table.txt, gpu-grid.json, CSVs); rebuild it with
#   tsx apps/bench/scripts/gpu-grid-report.ts DIR $OUT/*/gpu-grid/partial.jsonl $OUT/cudnn.jsonl
#
# Steps (each under `timeout`, never past the round's budget; a failed step does not stop the round; names in
# ROUND_SKIP are skipped):
#   00-check      machine record, bundle check, a tiny grid case that proves dawn.node finds the GPU
#   01-d64-t1e6   D = 64, T = 10^6 alone (4 GiB per array: the binding windows of @elk/webgpu)
#   02-cudnn      cuDNN's GRU over the grid (JSON lines in cudnn.jsonl; the report folds them in)
#   03-bandwidth  copy and diagonal-scan bandwidth at 10^7, 10^8, 5*10^8 elements (one binding each)
#   04-grid-d8-16 D = 8, 16, every T, every method (the sequential kernel at every T)
#   05-grid-d32   D = 32, every T, every method (the sequential kernel at every T)
#   06-d64        D = 64, T <= 3*10^5, every method
# At the end everything under $OUT is packed into $OUT/round.tgz (the device returns at most 8 files), beside
# $OUT/table.txt.
# After every step the merged report in $OUT/report is rebuilt from all partial files so far.
#
# Environment: ROUND_SECONDS (budget, default 570), ROUND_TINY=1 (tiny sizes: a dry run on any adapter),
# ROUND_GRID_FLAGS (extra gpu-grid flags for the grid steps, e.g. "--rehearse --repeat 3 --repeat-max-length 300000":
# an untimed run first, then the median of three timed runs where T <= 3*10^5), ROUND_METHODS (the methods of
# steps 04-06, e.g. "sequential,quasi-deer"; default every method), ROUND_SEQUENTIAL_MAX_LENGTH (the longest T
# at which steps 04-06 run the sequential kernel; default every T).
set -uo pipefail

OUT=${OUT:?set OUT to the folder that receives the results}
cd "$(dirname "${BASH_SOURCE[0]}")/../../.." || exit 1
if [ -z "${DAWN_NODE:-}" ] && ! command -v node >/dev/null && [ -f .device-carry/enter.sh ]; then
  # shellcheck disable=SC1091
  source .device-carry/enter.sh
fi

budget=${ROUND_SECONDS:-570} # the device call's 600 s, less the tool's own margin
reserve=15 # seconds kept for the last report
bench=apps/bench/dist/bench.mjs
reporter=apps/bench/dist/gpu-grid-report.mjs
cudnn_script=.device-carry/cudnn_gru.py
start=0 # SECONDS counts from the script's start, enter.sh included
mkdir -p "$OUT/report"

if [ "${ROUND_TINY:-0}" = 1 ]; then
  big_d=4 long_t=3000 d64_lengths=500,1000 small_dims=2,3 mid_d=3 grid_lengths=500,1000,3000
  scan=1e5,1e6
else
  big_d=64 long_t=1000000 d64_lengths=30000,100000,300000 small_dims=8,16 mid_d=32
  grid_lengths=30000,100000,300000,1000000 scan=1e7,1e8,5e8
fi

log() { echo "[$(date -u +%T) +$((SECONDS - start))s] $*" | tee -a "$OUT/round.log"; }

report() {
  local files=()
  for file in "$OUT"/*/gpu-grid/partial.jsonl "$OUT/cudnn.jsonl"; do
    [ -s "$file" ] && files+=("$file")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  timeout 60 node "$reporter" "$OUT/report" "${files[@]}" >"$OUT/report/table.txt" 2>"$OUT/report/report.log" ||
    log "report: exit $? (see report/report.log)"
}

# step NAME CAP_SECONDS COMMAND...: runs COMMAND (output in NAME.log) for at most CAP seconds and never past
# the budget less the reserve; records the exit code (124: the step's time ran out) in steps.txt.
step() {
  local name=$1 cap=$2
  shift 2
  if [[ " ${ROUND_SKIP:-} " == *" $name "* ]]; then
    log "$name: skipped (ROUND_SKIP)"
    echo "$name skipped" >>"$OUT/steps.txt"
    return
  fi
  local remaining=$((budget - (SECONDS - start) - reserve))
  local limit=$((cap < remaining ? cap : remaining))
  if [ "$limit" -lt 10 ]; then
    log "$name: not started (${remaining}s left)"
    echo "$name not-started" >>"$OUT/steps.txt"
    return
  fi
  log "$name: start, limit ${limit}s"
  local began=$SECONDS
  # Through bash -c so that a step may be one of the functions below (exported).
  timeout --kill-after=5 "$limit" bash -c '"$@"' "$name" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  log "$name: exit $rc after $((SECONDS - began))s"
  echo "$name rc=$rc seconds=$((SECONDS - began)) limit=$limit" >>"$OUT/steps.txt"
  report
}

grid() { # grid NAME ARGS...: a gpu-grid sub-run writing to $OUT/NAME/gpu-grid/
  local name=$1
  shift
  # shellcheck disable=SC2086 # ROUND_GRID_FLAGS is a list of flags
  node "$bench" gpu-grid --full --parts grid --out "$OUT/$name" ${ROUND_GRID_FLAGS:-} "$@"
}

export OUT bench reporter cudnn_script small_dims
export -f grid

# 00: what ran where (even if nothing else works), then the bundle and the GPU.
{
  date -u
  uname -a
  lscpu 2>/dev/null | grep -E 'Model name|^CPU\(s\)|Thread|Socket|MHz' || grep -m1 'model name' /proc/cpuinfo
  echo "cores: $(nproc)"
  free -g 2>/dev/null | head -2
  echo "node: $(node --version 2>&1)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  echo "bundle: $(cat apps/bench/dist/bundle-info.json 2>&1)"
} >"$OUT/machine.txt" 2>&1
check() {
  test -f "$bench" || { echo "missing $bench: run pnpm --filter @elk/bench bundle here first"; return 1; }
  test -f "$reporter" || { echo "missing $reporter"; return 1; }
  grep -q '"uncommittedChanges": true' apps/bench/dist/bundle-info.json &&
    echo "warning: the bundle was built from a working tree with uncommitted changes"
  node "$bench" --help >/dev/null || return 1
  grid 00-check --dims "$small_dims" --lengths 1000 --methods quasi-deer
}
export -f check
step 00-check 60 check

# 01: the largest case, on its own, so that it is attempted whatever else happens.
# At most 64 iterations each (12-13 everywhere measured so far), so that a case that fails to converge is still
# recorded within the step's time.
step 01-d64-t1e6 170 grid 01-d64-t1e6 --dims "$big_d" --lengths "$long_t" --methods sequential,quasi-deer,quasi-elk --max-iterations 64 --sequential-max-length "$long_t"

# 02: cuDNN's sequential GRU (the baseline of the ratios), straight to JSON lines.
cudnn() {
  test -f "$cudnn_script" || { echo "no $cudnn_script (pack.sh copies it)"; return 1; }
  python3 "$cudnn_script" >"$OUT/cudnn.jsonl"
}
export -f cudnn
step 02-cudnn 90 cudnn

# 03: bandwidth, every array within one storage binding.
step 03-bandwidth 60 node "$bench" gpu-grid --full --parts bandwidth --scan-elements "$scan" --out "$OUT/03-bandwidth"

# 04-06: the grid, with the sequential kernel up to ROUND_SEQUENTIAL_MAX_LENGTH (|delta seq| there).
methods=()
[ -n "${ROUND_METHODS:-}" ] && methods=(--methods "$ROUND_METHODS")
sequential_max=${ROUND_SEQUENTIAL_MAX_LENGTH:-$long_t}
step 04-grid-d8-16 200 grid 04-grid-d8-16 --dims "$small_dims" --lengths "$grid_lengths" --sequential-max-length "$sequential_max" "${methods[@]}"
step 05-grid-d32 200 grid 05-grid-d32 --dims "$mid_d" --lengths "$grid_lengths" --sequential-max-length "$sequential_max" "${methods[@]}"
step 06-d64 150 grid 06-d64 --dims "$big_d" --lengths "$d64_lengths" --sequential-max-length "$sequential_max" "${methods[@]}"

report
log "done; merged report in $OUT/report/table.txt"
cat "$OUT/steps.txt"
cp "$OUT/report/table.txt" "$OUT/table.txt" 2>/dev/null
cat "$OUT/table.txt" 2>/dev/null
# The device returns at most 8 files: pack the rest.
(cd "$OUT" && tar czf /tmp/round.tgz --exclude=table.txt . && find . -mindepth 1 -maxdepth 1 ! -name table.txt -exec rm -rf {} + && mv /tmp/round.tgz .)
