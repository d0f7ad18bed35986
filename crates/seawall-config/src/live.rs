//! Rules only a running container can trigger (`SW-LIVE-*`): restart policy, healthcheck of a running
//! container, ML control-plane ports published on every host interface.
//!
//! They are checked by `seawall-docker` on `docker inspect` data (`seawall audit docker`, `seawall
//! monitor`) and declared here, with the other container rules, so that the catalog (`seawall rules`,
//! `seawall explain`, `docs/rules/`, SARIF metadata) lists them without depending on a Docker client.
//! They are not part of [`crate::RULES`], which holds the rules this crate's own checks fire.

seawall_core::rules! {
    pub kind: Misconfiguration;
    LIVE_RESTART_POLICY = "SW-LIVE-001", Low, 9, "Restart policy restarts forever (not on-failure with a retry limit)",
        why: "A container that crashes in a loop because it is being attacked, or because a payload keeps killing it, is restarted without bound under `always` / `unless-stopped`, which hides the incident and can exhaust the host (CIS Docker Benchmark 5.14).",
        fix: "Use `--restart on-failure:5` (compose: `restart: on-failure:5`, or `deploy.restart_policy.max_attempts: 5`).",
        refs: &["https://docs.docker.com/engine/containers/start-containers-automatically/"];
    LIVE_NO_HEALTHCHECK = "SW-LIVE-002", Low, 8, "Running container has no healthcheck",
        why: "Without a healthcheck the Engine cannot tell a hung or hijacked model server from a healthy one, and monitoring sees it as up (CIS Docker Benchmark 5.26).",
        fix: "Add `HEALTHCHECK CMD …` to the image or `--health-cmd` at run time, e.g. `HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1`.",
        refs: &["https://docs.docker.com/reference/dockerfile/#healthcheck"];
    LIVE_ML_PORT_PUBLIC = "SW-LIVE-003", High, 5, "ML control plane published on all host interfaces",
        why: "Jupyter (8888), the Ray dashboard and client (8265, 10001), MLflow (5000), TensorBoard (6006), Gradio (7860), Ollama (11434), TorchServe (8080-8082) and Triton (8000-8002) give code execution or model/data access to whoever reaches them; published on 0.0.0.0 they are reachable from the network.",
        fix: "Publish on loopback (`-p 127.0.0.1:8888:8888`) behind an authenticating reverse proxy, or do not publish and reach the service over an internal network.",
        refs: &[
            "https://docs.ray.io/en/latest/ray-security/index.html",
            "https://jupyter-server.readthedocs.io/en/latest/operators/security.html",
        ];
}

/// The live-only rules, for the catalog (the same slice as [`ALL`]).
pub static RULES: &[seawall_core::RuleMeta] = ALL;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_rules_are_well_formed_and_distinct_from_the_crate_catalog() {
        assert_eq!(RULES.len(), 3);
        for r in RULES {
            assert!(r.id.starts_with("SW-LIVE-"), "{}", r.id);
            assert!(crate::rule(r.id).is_none(), "{} also in seawall_config::RULES", r.id);
            assert!(r.rationale.len() > 60, "{} rationale too short", r.id);
            assert!(r.fix.contains('`'), "{} fix lacks an example", r.id);
            assert!(!r.references.is_empty() && r.references.iter().all(|u| u.starts_with("https://")));
            assert_eq!(r.kind, seawall_core::FindingKind::Misconfiguration);
        }
    }
}
