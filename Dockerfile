# phiner's HTTP service on CPU. Build from the repository root:
#   docker build -t phiner .
# Run with a model folder (run, merged or ONNX export) mounted under /models, or none for the shipped model:
#   docker run -p 8000:8000 -e PHINER_API_KEY=change-me -v "$PWD/runs/my-run:/models/my-run:ro" \
#       -e PHINER_MODEL=/models/my-run phiner
# Arguments after the image name go on to `phiner serve` (e.g. --rules /models/rules.yaml).
FROM python:3.11-slim

# torch's CPU build, from its own index: the default wheel brings CUDA libraries of several GB.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    PHINER_HOST=0.0.0.0 \
    PHINER_PORT=8000 \
    PHINER_MODEL=

WORKDIR /build
RUN pip install --index-url "$TORCH_INDEX" "torch==2.13.0"
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install . && rm -rf /build
COPY docker/serve.sh /usr/local/bin/phiner-serve

RUN useradd --create-home --uid 10001 phiner && mkdir /models && chown phiner /models
USER phiner
WORKDIR /home/phiner
# The shipped model's base (me5-small) converted once, into the image, so that a container starts without it.
RUN python -c "from phiner.model.me5 import me5_small_path; print(me5_small_path())"
VOLUME /models
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/health' % os.environ['PHINER_PORT'], timeout=4)"]
ENTRYPOINT ["phiner-serve"]
