# soundlab-grader as a container image: `docker run --rm -v "$PWD:/work" soundlab-grader exercises/`.
# CPU-only torch: the default wheels bring about 5 GB of CUDA that grading never uses.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch and torchaudio first, from the PyTorch CPU index, so that `pip install .` finds them
# already satisfied and this layer is reused when only the grader changes.
RUN python -m pip install --index-url https://download.pytorch.org/whl/cpu torch torchaudio

WORKDIR /opt/soundlab-grader
COPY pyproject.toml README.md ./
COPY grader ./grader
COPY reference ./reference
# A system-wide install readable by every user: student processes may then take a uid of their own.
RUN python -m pip install . && rm -rf /opt/soundlab-grader/build

# Grading runs as an unprivileged user; the mounted submissions are its working directory.
RUN useradd --create-home --uid 1000 grader
USER grader
WORKDIR /work

ENTRYPOINT ["grade"]
CMD ["--help"]
