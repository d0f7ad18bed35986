//! Streams image layers and directory trees once, offers entries to analyzers, applies whiteouts to facts.
