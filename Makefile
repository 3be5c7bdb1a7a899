# btfgen build. `make` installs what is missing (Debian packages, npm deps),
# builds the gimli wasm module and the TypeScript.
SHELL := /bin/bash
DEB_PKGS := rustc cargo libstd-rust-dev-wasm32 librust-gimli-dev lld dwarves bpftool \
            llvm-19 clang-14 clang-19 gcc gcc-aarch64-linux-gnu elfutils python3-pyelftools bpftrace dwz
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WASM := wasm/btfgen_dwarf.wasm
WASM_SRC := $(wildcard wasm/src/*.rs) wasm/build.rs src/dwarf/records.ts wasm/Cargo.toml wasm/Cargo.lock wasm/.cargo/config.toml
TS_SRC := $(shell find src -name '*.ts')
# The kernel debug package: BTFGEN_KERNEL_DIR (what the tests and scripts read) or KERNEL_DIR.
KERNEL_DIR ?= $(or $(BTFGEN_KERNEL_DIR),$(HOME)/.cache/btfgen/kernel)
KERNEL_PKG ?= linux-image-6.1.0-56-cloud-amd64-dbg

.PHONY: all deps build test demo kernel bench clean
all: build

# Debian packages: install only those that are missing.
.stamp-apt:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: .stamp-apt node_modules/.stamp

$(WASM): $(WASM_SRC) .stamp-apt
	cd wasm && RUSTC=/usr/bin/rustc /usr/bin/cargo build --release --offline
	cp wasm/target/wasm32-unknown-unknown/release/btfgen_dwarf.wasm $@

dist/.stamp: $(TS_SRC) tsconfig.json node_modules/.stamp scripts/bundle.mjs
	npx tsc -p tsconfig.json
	node scripts/bundle.mjs
	@touch $@

build: deps $(WASM) dist/.stamp

test: build
	BTFGEN_KERNEL_DIR=$(KERNEL_DIR) npx vitest run

# Main job on the embedded default: a bundled fixture object.
DEMO_OBJ ?= testdata/obj/all-gcc12-O2-dwarf5-x86_64
demo: build
	@mkdir -p out
	node dist/cli/main.js $(DEMO_OBJ) -o out/demo.func_info.btf
	node dist/cli/main.js stats out/demo.func_info.btf --base out/demo.func_info.base.btf
	node dist/cli/main.js sites out/demo.func_info.btf --base out/demo.func_info.base.btf

# The real Debian kernel (dbg package, ~280 MB), fetched with apt-get download.
kernel: .stamp-apt
	@mkdir -p $(KERNEL_DIR)
	@if [ ! -d $(KERNEL_DIR)/root/usr/lib/debug/boot ]; then \
	  cd $(KERNEL_DIR) && apt-get download $(KERNEL_PKG) && dpkg-deb -x $(KERNEL_PKG)_*.deb root; \
	fi
	@ls $(KERNEL_DIR)/root/usr/lib/debug/boot/vmlinux-*

bench: build kernel
	bash bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf dist wasm/target $(WASM) .stamp-apt node_modules/.stamp
