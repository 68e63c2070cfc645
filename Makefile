# Build and install vnetaudit with its man page and shell completions, both generated from the
# argument parser (never written by hand). `make install DESTDIR=/tmp/stage PREFIX=/usr` for packaging.

PREFIX     ?= /usr/local
DESTDIR    ?=
SWIFT      ?= swift
# Extra flags for every `swift build` (the tests pass --ignore-lock: `swift test` holds the lock).
SWIFT_FLAGS ?=
BINDIR      = $(PREFIX)/bin
MAN1DIR     = $(PREFIX)/share/man/man1
BASHDIR     = $(PREFIX)/share/bash-completion/completions
ZSHDIR      = $(PREFIX)/share/zsh/site-functions
FISHDIR     = $(PREFIX)/share/fish/vendor_completions.d

# What `build` makes and `install` copies: the release binary, and beside it what it generates.
BIN_DIR     = $(shell $(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)
GENERATED   = .build/generated

.PHONY: all build generated install uninstall clean-generated

all: build

build:
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product vnetaudit

# The man page (one page: every subcommand with its options and exit codes) from swift-argument-parser's
# generate-manual, the tool behind its `swift package plugin generate-manual` (same page; the plugin
# cannot skip the lock and rebuilds every target), fed by `vnetaudit --experimental-dump-help`; the
# completions from the binary itself.
generated: build
	rm -rf $(GENERATED) && mkdir -p $(GENERATED)/man
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product generate-manual
	$(BIN_DIR)/generate-manual $(BIN_DIR)/vnetaudit --output-directory $(GENERATED)/man
	$(BIN_DIR)/vnetaudit --generate-completion-script bash > $(GENERATED)/vnetaudit.bash
	$(BIN_DIR)/vnetaudit --generate-completion-script zsh > $(GENERATED)/_vnetaudit
	$(BIN_DIR)/vnetaudit --generate-completion-script fish > $(GENERATED)/vnetaudit.fish

install: generated
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	install -m 755 $(BIN_DIR)/vnetaudit $(DESTDIR)$(BINDIR)/vnetaudit
	install -m 644 $(GENERATED)/man/*.1 $(DESTDIR)$(MAN1DIR)/
	install -m 644 $(GENERATED)/vnetaudit.bash $(DESTDIR)$(BASHDIR)/vnetaudit
	install -m 644 $(GENERATED)/_vnetaudit $(DESTDIR)$(ZSHDIR)/_vnetaudit
	install -m 644 $(GENERATED)/vnetaudit.fish $(DESTDIR)$(FISHDIR)/vnetaudit.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vnetaudit $(DESTDIR)$(MAN1DIR)/vnetaudit.1 $(DESTDIR)$(MAN1DIR)/vnetaudit.*.1 \
	      $(DESTDIR)$(BASHDIR)/vnetaudit $(DESTDIR)$(ZSHDIR)/_vnetaudit $(DESTDIR)$(FISHDIR)/vnetaudit.fish

clean-generated:
	rm -rf $(GENERATED)
