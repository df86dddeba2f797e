#!/bin/bash
# One device call comparing how `evaluate` reads the status (checkEvery k, readAhead r) on quasi-DEER over the
# small and middle cells of the grid, where the host's reads cost most; each setting is a gpu-grid sub-run
# writing to $OUT/reads-kK-rR/gpu-grid/ (rehearsed, no sequential reference).
#
# Here:   pnpm --filter @elk/bench bundle && bash ../shared/device/pack.sh
# Device: (run tool, carry [".device-carry", "apps/bench/dist"]) bash apps/bench/scripts/h200-reads.sh
# Back here: tsx apps/bench/scripts/gpu-grid-report.ts DIR $OUT/reads-*/gpu-grid/partial.jsonl
#
# Environment: READS_SETTINGS (default "8:0 2:2 1:2 1:4 4:1", k:r pairs), READS_DIMS (default 8,16),
# READS_LENGTHS (default 30000,100000,300000), READS_SECONDS (each setting's limit, default 60).
set -uo pipefail

OUT=${OUT:?set OUT to the folder that receives the results}
cd "$(dirname "${BASH_SOURCE[0]}")/../../.." || exit 1
if [ -z "${DAWN_NODE:-}" ] && ! command -v node >/dev/null && [ -f .device-carry/enter.sh ]; then
  # shellcheck disable=SC1091
  source .device-carry/enter.sh
fi

for setting in ${READS_SETTINGS:-8:0 2:2 1:2 1:4 4:1}; do
  k=${setting%%:*}
  r=${setting##*:}
  name="reads-k$k-r$r"
  echo "[$(date -u +%T)] $name" | tee -a "$OUT/reads.log"
  ELK_CHECK_EVERY=$k ELK_READ_AHEAD=$r timeout "${READS_SECONDS:-60}" node apps/bench/dist/bench.mjs gpu-grid --full \
    --parts grid --rehearse --methods quasi-deer --sequential-max-length 1 \
    --dims "${READS_DIMS:-8,16}" --lengths "${READS_LENGTHS:-30000,100000,300000}" \
    --out "$OUT/$name" >"$OUT/$name.log" 2>&1
  echo "[$(date -u +%T)] $name: exit $?" | tee -a "$OUT/reads.log"
done
