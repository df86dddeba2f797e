#!/usr/bin/env bash
# Installs the system packages elk's tests need on Debian 12 (bookworm):
# Mesa's lavapipe Vulkan driver and the Vulkan loader from bookworm-backports (Dawn needs a newer Mesa
# than bookworm's), and Debian's Chromium for the browser tests. Idempotent; needs root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system.sh: run as root (it calls apt-get)" >&2
  exit 1
fi

backports=/etc/apt/sources.list.d/elk-bookworm-backports.sources
if [ ! -f "$backports" ]; then
  # Reuse the mirror and keyring of the existing Debian source.
  mirror=$(grep -hsE '^URIs:.*debian/?$' /etc/apt/sources.list.d/*.sources | head -n 1 | awk '{print $2}')
  keyring=$(grep -hsE '^Signed-By:.*debian-archive-keyring' /etc/apt/sources.list.d/*.sources | head -n 1 | awk '{print $2}')
  mirror=${mirror:-http://deb.debian.org/debian}
  keyring=${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}
  cat > "$backports" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: $keyring
SOURCES
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
apt-get install -y -qq chromium >/dev/null
echo "install-system.sh: lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), chromium $(dpkg-query -W -f='${Version}' chromium)"
