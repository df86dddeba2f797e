#!/bin/bash
set -uo pipefail
source .device-carry/enter.sh
mkdir -p /tmp/r
G="node apps/bench/dist/bench.mjs gpu-grid --full --parts grid --rehearse"
run() { name=$1; shift; echo "== $name $(date +%T)"; timeout 200 env "$@" > /tmp/r/$name.log 2>&1; grep -E "quasi-deer" /tmp/r/$name.log | head -8; }
run a-predict ELK_TIMELINE=1 $G --repeat 7 --methods quasi-deer --dims 8,16 --lengths 30000 --out /tmp/r/a-predict
run b-plain ELK_TIMELINE=1 ELK_PREDICT_STOP=false $G --repeat 7 --methods quasi-deer --dims 8,16 --lengths 30000 --out /tmp/r/b-plain
run c-predict ELK_TIMELINE=1 $G --repeat 7 --methods quasi-deer --dims 8,16 --lengths 30000 --out /tmp/r/c-predict
run d-wide $G --repeat 3 --repeat-max-length 300000 --methods quasi-deer --dims 64,32,16,8 --lengths 30000,100000 --out /tmp/r/d-wide
cd /tmp/r && tar czf $OUT/r.tgz .
