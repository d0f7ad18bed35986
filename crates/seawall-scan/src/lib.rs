//! Scan orchestration: builds the analyzer registry, runs source to walk to analyzers to matchers, returns a Report.
