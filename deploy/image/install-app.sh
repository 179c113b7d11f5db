#!/bin/sh
# Installs one Mediaops app into the uv environment, exactly as its image does: the
# Dockerfile runs this, and tests/deploy/test_images.py runs it into a temporary directory
# (UV_PROJECT_ENVIRONMENT), so an image whose environment misses a library fails a test.
#
#   deploy/image/install-app.sh SERVICE MODULE
#
#   SERVICE  uv workspace package (`name` in the member's pyproject.toml)
#   MODULE   its python package; `python -m MODULE check` must import the whole app
#
# Package mirror (for builders in China, or behind a proxy), both optional:
#   PYPI_MIRROR        a simple index replacing https://pypi.org/simple,
#                      e.g. https://mirrors.aliyun.com/pypi/simple
#   PYPI_FILES_MIRROR  where that mirror serves the files of files.pythonhosted.org/packages,
#                      e.g. https://mirrors.aliyun.com/pypi/packages
# uv installs from the URLs the lock file records; the mirror rewrites them in the build's
# copy of uv.lock only. The hashes stay, so every file is still checked against the lock.
set -eu

SERVICE=${1:?usage: install-app.sh SERVICE MODULE}
MODULE=${2:?usage: install-app.sh SERVICE MODULE}
UV=${UV:-uv}

if [ -n "${PYPI_MIRROR:-}" ] || [ -n "${PYPI_FILES_MIRROR:-}" ]; then
    sed -i \
        -e "s|https://pypi.org/simple|${PYPI_MIRROR:-https://pypi.org/simple}|g" \
        -e "s|https://files.pythonhosted.org/packages|${PYPI_FILES_MIRROR:-https://files.pythonhosted.org/packages}|g" \
        uv.lock
fi

# --locked: install what the lock says, and fail when it no longer matches a pyproject.toml
# (a dependency added or dropped without `uv lock`); --no-dev: no test tools in an image.
"$UV" sync --locked --no-dev --package "$SERVICE"

# Import the whole app (not just find its package): a missing library fails the build.
"${UV_PROJECT_ENVIRONMENT:-.venv}/bin/python" -m "$MODULE" check
