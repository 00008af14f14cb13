# The one test command of README.md: `make test`.
GO ?= go

.PHONY: test setup build bench-sandbox demo

setup:
	bash scripts/setup.sh

build:
	$(GO) build ./...

# -p 1: packages one at a time; several at once oversubscribe 2 cores and
# push compute-heavy reference solutions past their time limits.
test: setup
	$(GO) vet ./...
	$(GO) test -p 1 -count=1 -timeout 60m ./...

bench-sandbox: setup
	$(GO) run ./cmd/cocos bench sandbox

# README's main job: the whole CoCoS pipeline on the built-in suite.
demo:
	bash scripts/setup.sh --runtime
	$(GO) run ./cmd/cocos demo
