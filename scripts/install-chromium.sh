#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/e2e/browser/), only where no Chromium
# is found. Set COURSE_SKIP_BROWSER_TESTS=1 to skip the browser tests (and this step) on
# purpose; COURSE_CHROMIUM points at a browser somewhere else.
set -euo pipefail

have_chromium() {
    [ -n "${COURSE_CHROMIUM:-}" ] && [ -x "$COURSE_CHROMIUM" ] && return 0
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$name" >/dev/null 2>&1 && return 0
    done
    return 1
}

skip_browser="${COURSE_SKIP_BROWSER_TESTS:-0}"
if [ -n "$skip_browser" ] && [ "$skip_browser" != 0 ]; then
    echo "COURSE_SKIP_BROWSER_TESTS is set: not installing Chromium, browser tests will be SKIPPED"
    exit 0
fi
have_chromium && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "No Chromium found and no apt-get to install it: install Chromium or Chrome," >&2
    echo "or set COURSE_SKIP_BROWSER_TESTS=1 to skip the browser tests." >&2
    exit 0  # the browser tests themselves fail with the same advice
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Chromium for the browser tests (apt-get install chromium)"
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
have_chromium || { echo "chromium was installed but is not on PATH" >&2; exit 1; }
