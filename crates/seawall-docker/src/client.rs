//! Connecting to the Docker Engine with bollard.

use bollard::Docker;

use crate::error::DockerError;

/// Connects to the Engine: `host` when given (`unix:///path`, `tcp://host:port`, `http://…`), else
/// `DOCKER_HOST`, else the local socket. With `DOCKER_TLS_VERIFY` set, TCP connections use TLS with the
/// certificates in `DOCKER_CERT_PATH`.
pub fn connect(host: Option<&str>) -> Result<Docker, DockerError> {
    let endpoint = host
        .map(str::to_string)
        .or_else(|| std::env::var("DOCKER_HOST").ok())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
    let err = |e: bollard::errors::Error| DockerError::Connect {
        endpoint: endpoint.clone(),
        message: e.to_string(),
    };
    let tls = std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty() && v != "0");
    if let Some(path) = endpoint.strip_prefix("unix://") {
        return Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION).map_err(err);
    }
    if tls {
        if host.is_none() {
            return Docker::connect_with_ssl_defaults().map_err(err);
        }
        let certs = std::env::var_os("DOCKER_CERT_PATH")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker")))
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
