# Every target runs on the project's own Node 22 (node_modules/.bin/node, from
# the npm registry's `node` package), not on whatever Node the machine has.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages for development and tests: speech engines and voices for test
# speech, PocketSphinx and its model, audio and video tools, shellcheck;
# systemd (systemd-analyze, systemd-notify) and python3 (the test's notify socket);
# libturbojpeg0 (the camera's sharpest-frame choice decodes JPEGs at 1/8 scale).
# wabt (wat2wasm: a test checks assets/rnnoise/int8-linear.wasm against its source).
# festvox-kdlpc16k (ked, a held-out speaker) and festvox-us-slt-hts (slt, a training speaker) for the keyword detector.
DEB_PACKAGES := alsa-utils sox libsox-fmt-all ffmpeg espeak-ng flite festival festvox-kallpc16k \
                festvox-kdlpc16k festvox-us-slt-hts \
                pocketsphinx pocketsphinx-en-us libpocketsphinx3 pocketsphinx-testdata shellcheck \
                systemd python3 libturbojpeg0 libspeexdsp1 wabt

.PHONY: setup deps build test run demo bench train-keywords fake-openai clean install uninstall

setup: deps
	npm ci --no-audit --no-fund
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
build:
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

fake-openai: build
	node dist/test/fake-openai/main.js --port $(or $(PORT),8787)

# On the Raspberry Pi, as root: the service from this tree (deploy/install.sh;
# ARGS=--dry-run to see what it would do). uninstall keeps the config and the
# spool unless ARGS=--purge.
install: build
	deploy/install.sh $(ARGS)

uninstall:
	deploy/uninstall.sh $(ARGS)

clean:
	rm -rf dist build
