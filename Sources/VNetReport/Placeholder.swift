// Report renderers; see docs/architecture.md
