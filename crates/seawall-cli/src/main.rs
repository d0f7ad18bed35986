//! The seawall command-line interface.
fn main() {}
