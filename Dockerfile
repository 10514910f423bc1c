# zndeposit on top of the official DOLFINx v0.11.0 image.
#
# The base image already provides DOLFINx, petsc4py, MPICH, ADIOS2 and a
# source-built gmsh (Python API on PYTHONPATH=/usr/local/lib) inside the
# Python venv /dolfinx-env. zndeposit is therefore installed WITHOUT the
# `fem` extra: that extra pulls the PyPI DOLFINx wheel and PyPI gmsh, which
# would shadow the image's own builds.
#
# Build:  docker build -t zndeposit .
# Run:    docker run --rm --shm-size=1g -v "$PWD":/work zndeposit --help
FROM ghcr.io/fenics/dolfinx/dolfinx:v0.11.0

# Libraries that VTK (pulled in by pyvista) loads at runtime for off-screen
# rendering: GLX/EGL/OSMesa back-ends and the X client libraries.
# DL3008 (pin apt versions) ignored: versions follow the pinned base image.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libegl1 \
        libegl-mesa0 \
        libgl1 \
        libosmesa6 \
        libx11-6 \
        libxrender1 \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user with UID/GID 1000 (the usual first user on a Linux host,
# so files written to a mounted /work belong to that user). Ubuntu 24.04
# images ship a stock `ubuntu` user holding UID 1000; drop it first.
RUN if id ubuntu >/dev/null 2>&1; then userdel ubuntu && rm -rf /home/ubuntu; fi \
    && if getent group ubuntu >/dev/null; then groupdel ubuntu; fi \
    && groupadd --gid 1000 zn \
    && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash zn \
    && mkdir -p /work \
    && chown zn:zn /work

# Source lives outside /work so that mounting a host directory on /work
# never hides it. Non-editable install into the image's /dolfinx-env venv;
# numpy/mpi4py already present there are kept.
COPY . /opt/zndeposit/src
RUN python3 -m pip install --no-cache-dir /opt/zndeposit/src

ENV PYVISTA_OFF_SCREEN=true

USER 1000:1000
WORKDIR /work

ENTRYPOINT ["zndeposit"]
CMD ["--help"]
