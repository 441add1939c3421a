#!/bin/sh
# The image's entrypoint: `phiner serve` on $PHINER_HOST:$PHINER_PORT (all interfaces in the image) with the model
# mounted at $PHINER_MODEL, or the one shipped with phiner where it is empty; arguments go on to `phiner serve`.
set -eu
set -- --host "${PHINER_HOST:-0.0.0.0}" --port "${PHINER_PORT:-8000}" "$@"
if [ -n "${PHINER_MODEL:-}" ]; then
    set -- --model "$PHINER_MODEL" "$@"
fi
exec phiner serve "$@"
