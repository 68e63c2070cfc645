// VNetSnapshot: see docs/architecture.md
