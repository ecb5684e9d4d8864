#!/usr/bin/env bash
# Removes the snapask service, its program files and the snapask command. The
# spool, remembered conversation and secrets (/var/lib/snapask) and the config
# (/etc/snapask) stay unless --purge, which also removes the snapask user.
#
#   sudo deploy/uninstall.sh [--purge] [--dry-run] [--root DIR]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=deploy/lib.sh
. "$HERE/lib.sh"

PURGE=0
while [ $# -gt 0 ]; do
  rc=0; parse_common "$@" || rc=$?
  case $rc in
    0) shift ;;
    2) shift 2 ;;
    *) case "$1" in
         --purge) PURGE=1; shift ;;
         -h|--help) header_of "${BASH_SOURCE[0]}"; exit 0 ;;
         *) die "unknown option $1 (--purge, --dry-run, --root DIR)" ;;
       esac ;;
  esac
done
if on_real_root && [ "$(id -u)" != 0 ]; then die "run as root (sudo $0), or --dry-run to see what it would do"; fi

if [ "$ROOT" = / ] && ! systemd_running; then
  # A chroot or an image being built: nothing runs it; disabled is the enabling symlink gone.
  target=$(sed -n 's/^WantedBy=//p' /etc/systemd/system/snapask.service 2>/dev/null || true)
  [ -z "$target" ] || run rm -f "/etc/systemd/system/$target.wants/snapask.service"
  run rm -f /etc/systemd/system/snapask.service
else
  if [ "$ROOT" != / ] || systemctl list-unit-files snapask.service >/dev/null 2>&1; then
    system systemctl disable --now snapask.service
  fi
  run rm -f "$(r /etc/systemd/system/snapask.service)"
  system systemctl daemon-reload
fi
run rm -rf "$(r /opt/snapask)" "$(r /var/cache/snapask)" "$(r /usr/local/lib/libvosk.so)"
# The snapask command on PATH, if it is the one install.sh wrote.
if grep -q '^# snapask: installed by deploy/install.sh' "$(r /usr/local/bin/snapask)" 2>/dev/null; then
  run rm -f "$(r /usr/local/bin/snapask)"
fi
if [ "$PURGE" = 1 ]; then
  run rm -rf "$(r /etc/snapask)" "$(r /var/lib/snapask)"
  if [ "$ROOT" != / ] || id snapask >/dev/null 2>&1; then system userdel snapask; fi
else
  say "kept: /etc/snapask (config) and /var/lib/snapask (spool, secrets); --purge removes them"
fi
