#!/usr/bin/env bash
# Installs Debian's PostgreSQL for the gradebook tests (tests/integration/test_postgres_gradebook.py), only
# where its server programs are missing. The tests start their own throw-away cluster; no
# system service is used. COURSE_SKIP_PG_TESTS=1 skips those tests (and this step) on purpose.
set -euo pipefail

have_postgres() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

skip="${COURSE_SKIP_PG_TESTS:-0}"
if [ -n "$skip" ] && [ "$skip" != 0 ]; then
    echo "COURSE_SKIP_PG_TESTS is set: not installing PostgreSQL, its tests will be SKIPPED"
    exit 0
fi
have_postgres && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL is missing and there is no apt-get to install it: install PostgreSQL's" >&2
    echo "server programs, or set COURSE_SKIP_PG_TESTS=1 to skip the gradebook tests on it." >&2
    exit 0  # the tests themselves fail with the same advice
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing PostgreSQL for the gradebook tests (apt-get install postgresql)"
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
have_postgres || { echo "postgresql was installed but initdb is not found" >&2; exit 1; }
