#!/usr/bin/env bash
# What ./test.sh needs, made present and running: PostgreSQL (a fresh database `signaal_ci`, exported
# as SIGNAAL_TEST_POSTGRES_URL), Python's aiosmtpd for the mail tests (in a venv, exported as
# SIGNAAL_TEST_SMTP_PYTHON, with SIGNAAL_TEST_SMTP=required), Debian's Chromium and the browser
# tests' node modules.
# Sourced, because it exports: `source scripts/test-deps.sh`. Idempotent, and quick when all is there.
# Installs with apt-get (as root, or with password-less sudo); when it cannot, it says what to install
# and fails, so the PostgreSQL and browser tests are never skipped silently.

_signaal_test_deps() {
  local root sudo="" apt_updated=""
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; fi

  _deps_say() { echo "test-deps: $*"; }
  _deps_fail() { echo "test-deps: ERROR: $*" >&2; return 1; }
  _deps_apt_install() { # why package...
    local why=$1; shift
    if ! command -v apt-get >/dev/null; then
      _deps_fail "$why need Debian's $*, and there is no apt-get here: install it with your package manager"; return 1
    fi
    if [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
      _deps_fail "$why need $*: run \`sudo apt-get install $*\` (not root, and no password-less sudo)"; return 1
    fi
    _deps_say "installing $* for $why (apt-get)"
    if [ -z "$apt_updated" ]; then
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || { _deps_fail "apt-get update failed"; return 1; }
      apt_updated=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
      || { _deps_fail "apt-get install $* failed"; return 1; }
  }

  # --- PostgreSQL: use the one on 127.0.0.1:5432, or install and start one. ---
  if [ -n "${SIGNAAL_TEST_POSTGRES_URL:-}" ]; then
    _deps_say "PostgreSQL: using the SIGNAAL_TEST_POSTGRES_URL already set"
  else
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
      if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        _deps_apt_install "the PostgreSQL tests" postgresql || return 1
      fi
      local version conf
      version=$(ls /etc/postgresql | sort -V | tail -1)
      conf=/etc/postgresql/$version/main
      # Trust local connections: this is a throwaway test server on the loopback only.
      $sudo sed -i -E 's/^(local|host)(\s+all\s+all.*)\s(peer|scram-sha-256|md5)$/\1\2 trust/' "$conf/pg_hba.conf" \
        || { _deps_fail "cannot edit $conf/pg_hba.conf"; return 1; }
      _deps_say "starting PostgreSQL $version"
      # Reload when the package's install already started it, so the trust lines take effect.
      $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main reload
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 \
      || { _deps_fail "PostgreSQL does not answer on 127.0.0.1:5432 (install and start the postgresql package)"; return 1; }
    # WITH (FORCE): a test run that was killed may have left connections open.
    PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "DROP DATABASE IF EXISTS signaal_ci WITH (FORCE)" -c "CREATE DATABASE signaal_ci" \
      || { _deps_fail "cannot recreate database signaal_ci as user postgres on 127.0.0.1:5432 (trust auth expected)"; return 1; }
    export SIGNAAL_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/signaal_ci"
    _deps_say "PostgreSQL: fresh database signaal_ci on 127.0.0.1:5432"
  fi

  # --- aiosmtpd: the mail server the mail tests start (tests/smtp/capture.py), in a venv of its own. ---
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/signaal-test-python"
  if ! "$venv/bin/python" -c "import aiosmtpd" 2>/dev/null; then
    if ! command -v python3 >/dev/null; then
      _deps_apt_install "the mail tests" python3 || return 1
    fi
    # Debian splits venv support (ensurepip) into its own package.
    if ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
      _deps_apt_install "the mail tests" python3-venv || return 1
      python3 -m venv --clear "$venv" || { _deps_fail "python3 -m venv $venv failed"; return 1; }
    fi
    _deps_say "installing aiosmtpd for the mail tests (pip, in $venv)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check aiosmtpd \
      || { _deps_fail "pip install aiosmtpd failed"; return 1; }
  fi
  export SIGNAAL_TEST_SMTP_PYTHON="$venv/bin/python"
  # Required: without aiosmtpd the mail tests fail instead of skipping.
  export SIGNAAL_TEST_SMTP=required
  _deps_say "aiosmtpd: $("$venv/bin/python" -c 'import aiosmtpd; print(aiosmtpd.__version__)') in $venv"

  # --- Chromium: Debian's package; Playwright may not download browsers of its own. ---
  if [ ! -x /usr/bin/chromium ]; then
    _deps_apt_install "the browser tests" chromium || return 1
    [ -x /usr/bin/chromium ] || { _deps_fail "apt-get installed chromium, yet /usr/bin/chromium is missing"; return 1; }
  fi

  # --- Node.js and the browser tests' modules (playwright-core, axe-core). ---
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || node_major=0
  if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null; then
    _deps_fail "the browser tests need Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none))"
    return 1
  fi
  local e2e="$root/tests/e2e"
  # npm writes node_modules/.package-lock.json on every install: older than the lock file means stale.
  if [ ! -f "$e2e/node_modules/.package-lock.json" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    _deps_say "installing the browser tests' node modules (npm ci)"
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error) || { _deps_fail "npm ci in tests/e2e failed"; return 1; }
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  # Run rather than sourced: the setup still happens, but the export is lost with this shell.
  _signaal_test_deps || exit 1
  echo "test-deps: ready; source this file (\`source scripts/test-deps.sh\`) to get SIGNAAL_TEST_POSTGRES_URL"
else
  _signaal_test_deps || return 1
fi
