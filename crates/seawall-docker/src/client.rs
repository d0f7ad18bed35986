//! Connecting to the Docker Engine with bollard.

use bollard::Docker;
use seawall_core::Environment;

use crate::error::DockerError;

/// Connects to the Engine: `host` when given (`unix:///path`, `tcp://host:port`, `http://…`), else
/// `DOCKER_HOST` of `env`, else the local socket. With `DOCKER_TLS_VERIFY` set in `env`, TCP
/// connections use TLS with the certificates in `DOCKER_CERT_PATH` (default `~/.docker`).
pub fn connect(host: Option<&str>, env: &Environment) -> Result<Docker, DockerError> {
    let endpoint = host
        .map(str::to_string)
        .or_else(|| env.docker_host().map(str::to_string))
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
    let err = |e: bollard::errors::Error| DockerError::Connect {
        endpoint: endpoint.clone(),
        message: e.to_string(),
    };
    let tls = env.docker_tls_verify();
    if let Some(path) = endpoint.strip_prefix("unix://") {
        return Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION).map_err(err);
    }
    if tls {
        if host.is_none() {
            return Docker::connect_with_ssl_defaults().map_err(err);
        }
        let certs = env
            .docker_cert_path
            .as_ref()
            .map(std::path::PathBuf::from)
            .or_else(|| env.home.as_ref().map(|h| std::path::PathBuf::from(h).join(".docker")))
            .unwrap_or_default();
        return Docker::connect_with_ssl(
            &endpoint,
            &certs.join("key.pem"),
            &certs.join("cert.pem"),
            &certs.join("ca.pem"),
            120,
            bollard::API_DEFAULT_VERSION,
        )
        .map_err(err);
    }
    Docker::connect_with_http(&endpoint, 120, bollard::API_DEFAULT_VERSION).map_err(err)
}
