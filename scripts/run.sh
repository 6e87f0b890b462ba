#!/usr/bin/env bash
# One entry point for a fresh clone: sets up everything the project needs, then runs a job.
#   scripts/run.sh demo    local Neo4j, synthetic corpus, load, graphlets, analyses, report
#   scripts/run.sh test    the whole test suite, integration tests against a real Neo4j included
#   scripts/run.sh setup   only the set-up
# Needs Python 3.11+, Java 17+ and Maven on the PATH; installs the rest into .venv (and, for the
# browser and MySQL tests, Debian's chromium and mariadb-server when missing and we may install them).
set -euo pipefail
cd "$(dirname "$0")/.."

job="${1:-demo}"
shift || true

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setting up .venv with $($python_bin --version)" >&2
  "$python_bin" -m venv .venv
fi
stamp=.venv/.mlprov-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[dev]" >&2
  touch "$stamp"
fi

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "chromium is missing: install Debian's chromium (apt-get install chromium) for the browser tests" >&2
    return 1
  fi
}

# The MySQL tests start their own throwaway MariaDB from Debian's binaries (and make TLS certificates
# for it with openssl); nothing of a system MariaDB service is used or started.
ensure_mariadb() {
  local missing=()
  command -v mariadb-install-db >/dev/null 2>&1 && [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's ${missing[*]} for the MySQL tests" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "${missing[*]} missing: install Debian's ${missing[*]} (apt-get install ${missing[*]}) for the MySQL tests" >&2
    return 1
  fi
}

case "$job" in
  setup)
    .venv/bin/mlprov server assemble
    ;;
  demo)
    exec .venv/bin/mlprov demo "$@"
    ;;
  test)
    ensure_chromium
    ensure_mariadb
    # ml-metadata pins an old protobuf: it gets its own venv, used by the cross-check tests only.
    if [ ! -x .venv-mlmd/bin/python ] || ! .venv-mlmd/bin/python -c "import ml_metadata" 2>/dev/null; then
      echo "setting up .venv-mlmd with ml-metadata 1.17.1" >&2
      "$python_bin" -m venv .venv-mlmd
      .venv-mlmd/bin/python -m pip install --quiet "ml-metadata==1.17.1" >&2
    fi
    export MLPROV_MLMD_PYTHON="$PWD/.venv-mlmd/bin/python"
    .venv/bin/mlprov server assemble
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: scripts/run.sh demo|test|setup [args...]" >&2
    exit 2
    ;;
esac
