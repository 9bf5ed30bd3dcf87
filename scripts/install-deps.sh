#!/bin/sh
# Installs, on a fresh Debian 12 machine, what flushpoint needs to build and
# test.  Only missing packages are installed; apt-get update runs first.
set -eu
PKGS="gcc clang cmake make pkg-config
      nbdkit nbdkit-plugin-dev libnbd-dev libnbd-bin python3-libnbd python3-pytest python3-jsonschema
      uuid-dev libxxhash-dev libjson-c-dev libclang-rt-14-dev qemu-utils
      fuse3 libfuse3-dev e2fsprogs xfsprogs btrfs-progs util-linux procps parallel
      chromium python3-pil sqlite3 git"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: everything is already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
