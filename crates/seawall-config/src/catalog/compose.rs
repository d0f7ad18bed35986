//! Compose-specific rules (`SW-COMPOSE-*`): secrets in the file and network segmentation.

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    COMPOSE_SECRET_LITERAL = "SW-COMPOSE-001", High, 6, "Secret-like variable with a literal value in environment or build args",
        why: "Values in `environment:` and `build.args` are committed with the compose file, shown by `docker inspect` and, for build args, stored in the image history. Tokens for Hugging Face, W&B, OpenAI or databases leak this way.",
        fix: "Use top-level secrets mounted as files:\n\n```yaml\nservices:\n  api:\n    secrets: [hf_token]\n    environment:\n      HF_TOKEN_FILE: /run/secrets/hf_token\nsecrets:\n  hf_token:\n    file: ./secrets/hf_token.txt\n```",
        refs: &["https://docs.docker.com/compose/how-tos/use-secrets/", "https://docs.docker.com/reference/compose-file/secrets/"];
    COMPOSE_DEFAULT_NETWORK = "SW-COMPOSE-002", Low, 5, "Service on the default network",
        why: "Services without `networks:` join the project's default network, where every service can reach every other one; databases, model stores and the public UI end up on one flat network.",
        fix: "Put every service on explicit, purpose-named networks:\n\n```yaml\nservices:\n  ui:\n    networks: [frontend]\n  db:\n    networks: [backend]\n```",
        refs: &["https://docs.docker.com/compose/how-tos/networking/"];
    COMPOSE_BACKEND_NOT_INTERNAL = "SW-COMPOSE-003", Medium, 5, "Backend network is not internal",
        why: "A network that carries only internal traffic (no published ports on its services) but is not `internal: true` still gives its containers outbound internet access, which is the exfiltration path for stolen data and model weights.",
        fix: "```yaml\nnetworks:\n  backend:\n    internal: true\n```",
        refs: &["https://docs.docker.com/reference/compose-file/networks/#internal"];
    COMPOSE_DATA_PUBLISHED = "SW-COMPOSE-004", High, 5, "Database, cache, model store or ML control plane published to the host",
        why: "Redis, Postgres, MinIO, MLflow, Ray, Jupyter, TorchServe management, Triton and Ollama are designed for trusted networks; most have no or weak authentication. Publishing them with `ports:` makes them reachable from outside the host.",
        fix: "Remove `ports:` and reach the service from other containers over an internal network (or publish on 127.0.0.1 for local debugging):\n\n```yaml\nservices:\n  redis:\n    expose: [\"6379\"]\n    networks: [backend]\n```",
        refs: &["https://docs.docker.com/compose/how-tos/networking/", "https://docs.ray.io/en/latest/ray-security/index.html"];
    COMPOSE_DATA_SHARES_FRONT = "SW-COMPOSE-005", Medium, 5, "Sensitive service shares a network with a service published on all interfaces",
        why: "If a service published on all host interfaces is compromised, anything on the same network is one hop away; databases and ML control planes should sit on a backend network that the edge service cannot reach directly.",
        fix: "Split frontend and backend networks and connect only the API tier to both:\n\n```yaml\nservices:\n  ui:   {networks: [frontend]}\n  api:  {networks: [frontend, backend]}\n  db:   {networks: [backend]}\n```",
        refs: &["https://docs.docker.com/compose/how-tos/networking/"];
    COMPOSE_SECRET_DEFAULT = "SW-COMPOSE-006", High, 6, "Secret-like variable with a literal default (`${VAR:-value}`)",
        why: "`${POSTGRES_PASSWORD:-postgres}` or `${NEXTAUTH_SECRET:-mysecret}` silently falls back to a value committed with the compose file whenever the variable is not set: most deployments never set it, so the well-known default is the production credential.",
        fix: "Require the variable instead of defaulting it, so a missing secret stops the deployment:\n\n```yaml\nenvironment:\n  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}\n```",
        refs: &["https://docs.docker.com/reference/compose-file/interpolation/", "https://docs.docker.com/compose/how-tos/use-secrets/"];
}
