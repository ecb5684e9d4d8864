# shellcheck shell=bash
# Shared by install.sh and uninstall.sh: dry runs, an alternative root, logging.

DRY_RUN=0
ROOT=/

say() { printf '%s\n' "$*"; }
die() { printf 'snapask: %s\n' "$*" >&2; exit 1; }

# A path inside the target root.
r() { printf '%s%s' "${ROOT%/}" "$1"; }

# Runs a command, or prints it on a dry run.
run() {
  if [ "$DRY_RUN" = 1 ]; then say "would run: $*"; return 0; fi
  say "+ $*"
  "$@"
}

# Commands that change the running system (packages, users, services, network)
# only make sense on the real root; into another root they are listed, not run.
system() {
  if [ "$ROOT" != / ]; then say "skipped (--root $ROOT): $*"; return 0; fi
  run "$@"
}

# The comment block at the top of a script (after the #! line), without the "# ": its usage.
header_of() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }

# systemd is running when /run/systemd/system exists (sd_booted(3)); in a chroot or an image being built it is not.
systemd_running() { [ -d /run/systemd/system ]; }

on_real_root() { [ "$ROOT" = / ] && [ "$DRY_RUN" = 0 ]; }

parse_common() {
  case "$1" in
    --dry-run) DRY_RUN=1; return 0 ;;
    --root) [ -n "${2:-}" ] || die "--root needs a directory"; ROOT=$2; return 2 ;;
    --root=*) ROOT=${1#--root=}; return 0 ;;
  esac
  return 1
}
