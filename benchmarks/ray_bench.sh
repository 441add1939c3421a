#!/bin/bash
# Ray against one process on the same notes (issue 15): `phiner redact` of the default recipe's 900 generated
# notes twice under other ids (1,800 rows, one Parquet file), with one and two threads in one process and with
# one and two Ray workers of one CPU each. Prints the wall time of each job, its start-up included, and the Ray
# workers' peak RSS (sampled every 0.5 s). Needs `phiner train --recipe default` to have built
# data/recipe-default (or any folder given as $1 holding gen-notes/{train,test}.jsonl).
#   bash benchmarks/ray_bench.sh [data/recipe-default] [/tmp/ray-bench]
set -euo pipefail
DATA=${1:-data/recipe-default}; WORK=${2:-/tmp/ray-bench}
export HF_HUB_OFFLINE=1
mkdir -p "$WORK"
.venv/bin/python - "$DATA" "$WORK" <<'PY'
import json, sys
import pyarrow as pa, pyarrow.parquet as pq
data, work = sys.argv[1:]
rows = [json.loads(line) for split in ("test", "train") for line in open(f"{data}/gen-notes/{split}.jsonl")] * 2
pq.write_table(pa.table({
    "note_id": [f"n{i}" for i in range(len(rows))],
    "patient_id": [f"p{i % 97}" for i in range(len(rows))],
    "text": [r["text"] for r in rows],
}), f"{work}/notes.parquet")
print(f"{len(rows)} notes, {sum(len(r['text']) for r in rows)} characters")
PY
sample() { : > "$WORK/rss-$1"; while sleep 0.5; do ps -eo rss,args | grep -E "MapWorker|MapBatches" | grep -v grep | awk '{print $1}' >> "$WORK/rss-$1" || true; done; }
run() {
  tag=$1; shift; rm -rf "$WORK/out-$tag"; sample "$tag" & S=$!
  /usr/bin/time -f "$tag: wall %e s, peak RSS %M KB (the driver)" "$@" --input "$WORK/notes.parquet" --output "$WORK/out-$tag" --id-column note_id \
    --patient-column patient_id --operator surrogate --seed 1 --batch-size 50 > "$WORK/log-$tag" 2>&1
  kill $S; tail -1 "$WORK/log-$tag"; echo "$tag: workers' peak RSS $(sort -n "$WORK/rss-$tag" | tail -1) KB"
}
OMP_NUM_THREADS=1 run one-process-1-thread .venv/bin/phiner redact
OMP_NUM_THREADS=2 run one-process-2-threads .venv/bin/phiner redact
run ray-1-worker .venv/bin/phiner redact --engine ray --workers 1 --num-cpus-per-worker 1
run ray-2-workers .venv/bin/phiner redact --engine ray --workers 2 --num-cpus-per-worker 1
