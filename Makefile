# The one test command of README.md: `make test`.
GO ?= go

# Go 1.27.3 (the go command fetches it from the module proxy) with the Go
# backend's AVX2/AVX-512 kernels: every build and test here runs with them.
export GOTOOLCHAIN := go1.27.3
export GOEXPERIMENT := simd

.PHONY: test setup build bench-sandbox demo notebooks notebooks-commit examples browser-test lint-docker

setup:
	bash scripts/setup.sh

build:
	$(GO) build ./...

# -p 1: packages one at a time; several at once oversubscribe 2 cores and
# push compute-heavy reference solutions past their time limits.
test: setup
	$(GO) vet ./...
	$(GO) test -p 1 -count=1 -timeout 60m ./...
	$(MAKE) examples notebooks browser-test lint-docker

# Every notebook under real Jupyter (GoNB kernel) at the reduced scale, into
# a scratch copy (build/notebooks): the committed notebooks stay as they are.
notebooks: setup
	bash scripts/notebooks.sh

# Every notebook at the embedded scale, executed in place with its figures
# in notebooks/figures: what is committed (hours on 2 cores).
notebooks-commit: setup
	bash scripts/notebooks.sh --commit

# The example programs, built and run at the reduced scale.
examples:
	rm -rf build/examples
	COCOS_SCALE=reduced $(GO) run ./examples/gamma -seeds 1,2 -gammas 0,0.5 -out build/examples/gamma
	test -s build/examples/gamma/gamma.csv
	COCOS_SCALE=reduced $(GO) run ./examples/ablations -seeds 1 -out build/examples/ablations
	test -s build/examples/ablations/ablations.csv
	COCOS_SCALE=reduced $(GO) run ./examples/recipes -seeds 1 -recipes paper,released,paper+budget -gammas 0,2 -out build/examples/recipes
	test -s build/examples/recipes/effects.csv && test -s build/examples/recipes/gamma.csv

# The quickstart notebook run in headless Chromium; the screenshot lands in docs/.
browser-test: setup
	COCOS_SCALE=reduced COCOS_RUNS=$(CURDIR)/build/browser/runs COCOS_FIGURES=$(CURDIR)/build/browser/figures \
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
