#!/bin/sh
# Installs the Debian packages listed in debian-packages.txt that are not
# installed yet. Never downloads anything but Debian packages.
set -eu
here=$(dirname "$0")/..
list=$(grep -v '^#' "$here/debian-packages.txt" | tr -s ' \n' ' ')
missing=""
for entry in $list; do
  p=${entry%%:*}
  cmd=${entry#*:}
  if [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$missing; run as root or install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
