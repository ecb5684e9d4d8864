# Every target runs on the project's own Node 22 (node_modules/.bin/node, from
# the npm registry's `node` package), not on whatever Node the machine has.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages for development and tests: speech engines and voices for test
# speech, PocketSphinx and its model, audio and video tools, shellcheck;
# systemd (systemd-analyze, systemd-notify) and python3 (the test's notify socket);
# libturbojpeg0 (the camera's sharpest-frame choice decodes JPEGs at 1/8 scale).
# flac (libFLAC's decoder: a test checks the in-process FLAC encoder against it).
# wabt (wat2wasm: a test checks assets/rnnoise/int8-linear.wasm against its source).
# chromium: the console's browser tests drive Debian's (playwright-core cannot download its own here).
# festvox-kdlpc16k (ked, a held-out speaker) and festvox-us-slt-hts (slt, a training speaker) for the keyword detector.
DEB_PACKAGES := alsa-utils sox libsox-fmt-all ffmpeg flac espeak-ng flite festival festvox-kallpc16k \
                festvox-kdlpc16k festvox-us-slt-hts \
                pocketsphinx pocketsphinx-en-us libpocketsphinx3 pocketsphinx-testdata shellcheck \
                systemd python3 libturbojpeg0 libspeexdsp1 wabt chromium

.PHONY: setup deps build test run demo bench train-keywords fake-openai clean install uninstall release package config-table

# onnxruntime-node's install script would fetch GPU parts from outside the npm registry; its CPU build ships in the package.
setup: deps
	ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
	$(MAKE) build

deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES) >/dev/null; \
	else \
	  missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then echo "not root: install these Debian packages first: sudo apt-get install" $$missing; exit 1; fi; \
	fi

# From scratch each time: a deleted source must not leave its compiled test behind in dist/.
# tsc writes files without the run bit; package.json's bin (npx snapask) needs it.
# Without tsc (a copied tree, a release), dist/ is left as it is: never deleted when it cannot be rebuilt.
build:
	@command -v tsc >/dev/null || { echo "make build: tsc not found (run npm ci, or make setup); dist/ left as it is" >&2; exit 1; }
	rm -rf dist
	tsc -p tsconfig.json
	chmod +x dist/src/cli/main.js

# The last line is the plain "N passed, N failed" CI reads, after jest's own summary.
test: build
	@mkdir -p build
	@status=0; jest --ci --json --outputFile=build/jest-results.json || status=$$?; \
	node -e 'const r=require("./build/jest-results.json"); console.log(`jest: $${r.numPassedTests} passed, $${r.numFailedTests} failed, $${r.numPendingTests} skipped`)'; \
	exit $$status

run: build
	node --max-semi-space-size=4 dist/src/cli/main.js run $(if $(CONFIG),--config $(CONFIG))

demo: build
	node dist/test/demo/main.js

bench: build
	node dist/test/bench/main.js $(ONLY)

# The learned keyword detector's heads (assets/keywords/*.json), from speech made here by the training
# speakers only; WORDS="snapshot reply" for some, SCALE=0.3 for a quick smaller set. Deterministic.
train-keywords: build
	WORDS="$(WORDS)" SCALE="$(or $(SCALE),1)" node dist/test/keywords-training/main.js

# docs/configuration.md's table, from the config schema (src/config/config-schema.ts); a test fails when they differ.
config-table: build
	node -e 'const fs=require("fs"),t=require("./dist/src/config/config-table");fs.writeFileSync("docs/configuration.md",t.readmeWithTable(fs.readFileSync("docs/configuration.md","utf8")))'

fake-openai: build
	node dist/test/fake-openai/main.js --port $(or $(PORT),8787)

# The release archive for the device, build/snapask-<version>.tar.gz (one folder, snapask-<version>/):
# the built service (dist/src, no tests), package.json and its lock file, deploy/, assets/, hardware/,
# README.md. On the Pi: tar xzf snapask-*.tar.gz && cd snapask-* && sudo ./deploy/install.sh, which runs
# only npm ci --omit=dev there. `make package` packs the dist/ already built (OUT=DIR: where to).
OUT ?= build
RELEASE = snapask-$(shell node -p 'require("./package.json").version')
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)

release: build
	$(MAKE) package

package:
	@test -x dist/src/cli/main.js || { echo "make package: no executable dist/src/cli/main.js: make build first" >&2; exit 1; }
	@node -e 'const b=require("./package.json").bin; if (!b || b.snapask !== "dist/src/cli/main.js") { console.error("package.json bin.snapask must be dist/src/cli/main.js"); process.exit(1) }'
	rm -rf $(OUT)/$(RELEASE) $(OUT)/$(RELEASE).tar.gz
	mkdir -p $(OUT)/$(RELEASE)/dist
	cp -R --preserve=mode,timestamps dist/src $(OUT)/$(RELEASE)/dist/src
	cp -R --preserve=mode,timestamps package.json package-lock.json README.md deploy assets hardware $(OUT)/$(RELEASE)/
	if [ -f LICENSE ]; then cp LICENSE $(OUT)/$(RELEASE)/; fi
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(SOURCE_DATE_EPOCH) \
	  -C $(OUT) -cf - $(RELEASE) | gzip -9n > $(OUT)/$(RELEASE).tar.gz
	rm -rf $(OUT)/$(RELEASE)
	@echo "$(OUT)/$(RELEASE).tar.gz"

# On the Raspberry Pi, as root: the service from this tree (deploy/install.sh;
# ARGS=--dry-run to see what it would do). It builds first only where it can
# (tsc here); a tree with a built dist/ and no tsc is installed as it is.
# uninstall keeps the config and the spool unless ARGS=--purge.
install:
	@if command -v tsc >/dev/null; then $(MAKE) build; \
	elif [ -f dist/src/cli/main.js ]; then echo "no tsc here: installing the dist/ already built"; \
	else echo "make install: no dist/ and no tsc: use a release archive (make release elsewhere), or make setup first" >&2; exit 1; fi
	deploy/install.sh $(ARGS)

uninstall:
	deploy/uninstall.sh $(ARGS)

clean:
	rm -rf dist build

# The installer proven on arm64 (slow, root, not in make test): the release archive installed by deploy/install.sh
# into a clean Debian arm64 root (debootstrap, qemu-user-static), then the installed service started there on the
# fake devices until READY=1. Work and caches in build/arm64-check/. See docs/testing.md.
.PHONY: check-install-arm64
check-install-arm64: release
	node dist/test/deploy/check-install-arm64.js build/$(RELEASE).tar.gz
