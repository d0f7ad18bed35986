//! Local OSV vulnerability database (SQLite), imports and updates, and package matching.
