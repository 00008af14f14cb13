# The one test command of README.md: `make test`.
GO ?= go

# Go 1.27.3 (the go command fetches it from the module proxy) with the Go
# backend's AVX2/AVX-512 kernels: every build and test here runs with them.
export GOTOOLCHAIN := go1.27.3
export GOEXPERIMENT := simd

.PHONY: test setup build bench-sandbox demo notebooks browser-test lint-docker

setup:
	bash scripts/setup.sh

build:
	$(GO) build ./...

# -p 1: packages one at a time; several at once oversubscribe 2 cores and
# push compute-heavy reference solutions past their time limits.
test: setup
	$(GO) vet ./...
	$(GO) test -p 1 -count=1 -timeout 60m ./...
	$(MAKE) notebooks browser-test lint-docker

# Every notebook at the embedded scale under real Jupyter (GoNB kernel).
notebooks: setup
	bash scripts/notebooks.sh

# The quickstart notebook run in headless Chromium; the screenshot lands in docs/.
browser-test: setup
	node tools/node/browser_test.mjs notebooks docs/browser-quickstart.png

bench-sandbox: setup
	$(GO) run ./cmd/cocos bench sandbox

# README's main job: the whole CoCoS pipeline on the built-in suite.
demo:
	bash scripts/setup.sh --runtime
	$(GO) run ./cmd/cocos demo

# BuildKit's Dockerfile checks (what `docker build --check` runs), without a
# Docker engine, for both build variants; and every COPY source exists.
lint-docker:
	cd tools/dockerlint && $(GO) build -o ../bin/dockerlint .
	tools/bin/dockerlint -context . -arg BACKEND=cuda -arg BACKEND=cpu docker/Dockerfile
