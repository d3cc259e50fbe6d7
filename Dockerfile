# TradeTheHype: the chat bots (`tradethehype run`) with FinBERT prepared at build time.
#
#   docker build -t tradethehype .                          # FinBERT built in (needs the hub)
#   docker build --build-arg SKIP_MODEL=1 -t tradethehype .  # FinBERT fetched at first start
#
# Python 3.11: the version `make test` and CI run on, so the image runs what was tested.
ARG BASE=python:3.11-slim
# 0 or 1: it also picks the final stage below (model-0 or model-1).
ARG SKIP_MODEL=0

FROM ${BASE} AS builder
WORKDIR /src
COPY pyproject.toml README.md ./
COPY scripts/install.sh scripts/
COPY engine engine
COPY chat chat
COPY adapters adapters
COPY bot bot
# The same script as `make`; torch from PyTorch's CPU-only index (PyPI's pulls in CUDA).
RUN --mount=type=cache,target=/root/.cache/pip \
    TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu scripts/install.sh /opt/venv --no-editable

ARG SKIP_MODEL
ENV HF_HOME=/opt/models/hf TRADETHEHYPE_CACHE=/opt/models/onnx
# Download ProsusAI/finbert and export it to int8 ONNX (the export is found again by a key of the
# model files' names, sizes and modification times to the second, which image layers keep).
RUN mkdir -p /opt/models \
    && if [ "$SKIP_MODEL" != 1 ]; then /opt/venv/bin/tradethehype model prepare; fi

FROM ${BASE} AS runtime
RUN useradd --uid 10001 --user-group --create-home tth \
    && mkdir /data && chown tth:tth /data
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/models /opt/models
# The store (tradethehype.db), config.toml and an updated ticker list all live in /data.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 TRADETHEHYPE_DATA_DIR=/data
WORKDIR /data
VOLUME /data

# FinBERT is in the image: never reach for the hub at run time.
FROM runtime AS model-0
ENV HF_HOME=/opt/models/hf TRADETHEHYPE_CACHE=/opt/models/onnx HF_HUB_OFFLINE=1

# No model in the image: the first start downloads and exports it onto the volume, once.
FROM runtime AS model-1
ENV XDG_CACHE_HOME=/data/.cache

FROM model-${SKIP_MODEL}
# matplotlib's font list, built now so the bot's first chart does not scan the system's fonts;
# owned by the bot's user (matplotlib rebuilds it elsewhere on every start if it cannot write).
ENV MPLCONFIGDIR=/opt/mplconfig
RUN python -c "import matplotlib.font_manager" && chown -R tth:tth /opt/mplconfig
USER tth
# `health` exits 1 when unhealthy and 2 for a bad config; Docker documents only 0 and 1
HEALTHCHECK --interval=60s --timeout=20s --start-period=120s CMD tradethehype health || exit 1
CMD ["tradethehype", "run"]
