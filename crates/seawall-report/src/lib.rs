//! Report renderers: table, JSON, CycloneDX, SPDX, SARIF, HTML, Markdown.
