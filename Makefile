# The one test command of README.md: `make test`.
GO ?= go

.PHONY: test setup build bench-sandbox

setup:
	bash scripts/setup.sh

build:
	$(GO) build ./...

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m ./...

bench-sandbox: setup
	$(GO) run ./cmd/cocos bench sandbox
