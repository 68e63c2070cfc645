// VNetParsers: see docs/architecture.md
