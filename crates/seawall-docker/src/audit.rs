//! Container and daemon checks on live data.

use seawall_core::Finding;

use crate::live::LiveContainer;

/// Checks one container (CIS Docker Benchmark section 5 and the AI/ML rules).
pub fn check_container(c: &LiveContainer) -> Vec<Finding> {
    let _ = c;
    Vec::new()
}
