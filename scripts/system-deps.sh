#!/bin/sh
# Installs the Debian packages the tests use, when run as root and they are missing.
# Not root: prints what is missing; the tests that need it then skip locally
# (and fail under HELIN_REQUIRE_ALL=1, as in CI).
set -eu
# gcc and python3-dev: the compiled build (scripts/compile.py) that the tests run as well
PACKAGES="postgresql espeak-ng sip-tester baresip chromium gcc python3-dev"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
    echo "missing Debian packages (install as root):$missing" >&2
fi
