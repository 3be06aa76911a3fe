# Candor: two commands do all the set-up on a fresh machine.
#   make demo   runs a real audit on the bundled models
#   make test   builds in release mode and runs every test
# Each installs what it needs first (Debian packages, model files), idempotently.

SWIFT      ?= swift
CONFIG     ?= release
BUILD_FLAGS = -c $(CONFIG)
APT_PACKAGES = libpcre2-dev libsqlite3-dev pkg-config

.PHONY: deps build test demo clean

## deps: install the Debian packages Candor links against (only those missing)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

test: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build

demo: build
	$(SWIFT) run $(BUILD_FLAGS) candor validate

clean:
	rm -rf .build
