//! Parsing of the image reference forms accepted by `seawall scan image REF`.

use std::path::{Path, PathBuf};

use crate::SourceError;

/// The registry Docker Hub references resolve to.
pub const DOCKER_HUB: &str = "registry-1.docker.io";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageRef {
    /// `docker-archive:PATH[:TAG]`: a `docker save` tar (legacy or OCI-style layout, maybe compressed).
    DockerArchive {
        /// The tar file.
        path: PathBuf,
        /// The `RepoTags` entry to select when the archive holds several images.
        tag: Option<String>,
    },
    /// `oci:DIR[:TAG]`: an OCI image layout directory.
    OciDir {
        /// The layout directory.
        dir: PathBuf,
        /// The `org.opencontainers.image.ref.name` to select, if any.
        tag: Option<String>,
    },
    /// `oci-archive:PATH[:TAG]`: a tar of an OCI image layout.
    OciArchive {
        /// The tar file.
        path: PathBuf,
        /// The `org.opencontainers.image.ref.name` to select, if any.
        tag: Option<String>,
    },
    /// A bare path to a tar file: docker-archive or oci-archive, decided by content.
    TarFile(PathBuf),
    /// `docker:NAME[:TAG]`: an image in the local Docker Engine.
    Docker(String),
    /// `HOST[:PORT]/REPO[:TAG|@DIGEST]`: an image in an OCI distribution registry.
    Registry(RegistryRef),
}

/// A registry reference: `HOST[:PORT]/REPO[:TAG|@DIGEST]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// `host[:port]` as used in URLs (`registry-1.docker.io` for Docker Hub).
    pub registry: String,
    /// Repository path (`library/ubuntu`, `team/model-server`).
    pub repository: String,
    /// Tag, if given (`latest` is used when neither tag nor digest is given).
    pub tag: Option<String>,
    /// Manifest digest (`sha256:…`), if given.
    pub digest: Option<String>,
}

impl RegistryRef {
    /// The tag or digest to request from `/v2/<repo>/manifests/<reference>`.
    pub fn manifest_reference(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }

    /// Whether the registry is on a loopback address (where `--insecure` allows plain HTTP).
    pub fn is_loopback(&self) -> bool {
        let host = host_part(&self.registry);
        host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
    }

    /// The key under which `~/.docker/config.json` stores credentials for this registry.
    pub fn auth_keys(&self) -> Vec<String> {
        if self.registry == DOCKER_HUB {
            vec![
                "https://index.docker.io/v1/".to_string(),
                "index.docker.io".to_string(),
                "docker.io".to_string(),
                DOCKER_HUB.to_string(),
            ]
        } else {
            vec![
                self.registry.clone(),
                format!("https://{}", self.registry),
                format!("http://{}", self.registry),
                format!("https://{}/v2/", self.registry),
                format!("https://{}/v1/", self.registry),
            ]
        }
    }
}

fn host_part(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        // [::1]:5000
        return rest.split(']').next().unwrap_or(rest);
    }
    registry
        .rsplit_once(':')
        .map_or(registry, |(h, p)| if p.chars().all(|c| c.is_ascii_digit()) { h } else { registry })
}

impl std::fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn invalid(reference: &str, reason: impl Into<String>) -> SourceError {
    SourceError::InvalidReference { reference: reference.to_string(), reason: reason.into() }
}

/// Splits `PATH[:TAG]`: the first prefix before a `:` that exists is the path (so tags may hold `:`,
/// as in `docker-archive:app.tar:app:1`); otherwise a trailing `:TAG` without `/` is a tag.
fn split_path_tag(rest: &str) -> (PathBuf, Option<String>) {
    if !Path::new(rest).exists() {
        for (i, _) in rest.match_indices(':') {
            let (p, t) = (&rest[..i], &rest[i + 1..]);
            if !p.is_empty() && !t.is_empty() && Path::new(p).exists() {
                return (PathBuf::from(p), Some(t.to_string()));
            }
        }
    }
    if let Some((p, t)) = rest.rsplit_once(':')
        && !t.is_empty()
        && !t.contains('/')
        && !p.is_empty()
        && !Path::new(rest).exists()
    {
        return (PathBuf::from(p), Some(t.to_string()));
    }
    (PathBuf::from(rest), None)
}

impl ImageRef {
    /// Parses a reference string.
    ///
    /// Prefixed forms are taken literally; an existing file is a [`ImageRef::TarFile`]; an existing
    /// directory is an OCI layout; anything else is parsed as a registry reference.
    pub fn parse(reference: &str) -> Result<ImageRef, SourceError> {
        let reference_trim = reference.trim();
        if reference_trim.is_empty() {
            return Err(invalid(reference, "empty reference"));
        }
        if let Some(rest) = reference_trim.strip_prefix("docker-archive:") {
            if rest.is_empty() {
                return Err(invalid(reference, "docker-archive: needs a path"));
            }
            let (path, tag) = split_path_tag(rest);
            return Ok(ImageRef::DockerArchive { path, tag });
        }
        if let Some(rest) = reference_trim.strip_prefix("oci-archive:") {
            if rest.is_empty() {
                return Err(invalid(reference, "oci-archive: needs a path"));
            }
            let (path, tag) = split_path_tag(rest);
            return Ok(ImageRef::OciArchive { path, tag });
        }
        if let Some(rest) = reference_trim.strip_prefix("oci:") {
            if rest.is_empty() {
                return Err(invalid(reference, "oci: needs a directory"));
            }
            let (dir, tag) = split_path_tag(rest);
            return Ok(ImageRef::OciDir { dir, tag });
        }
        if let Some(rest) =
            reference_trim.strip_prefix("docker:").or_else(|| reference_trim.strip_prefix("docker-daemon:"))
        {
            let rest = rest.trim_start_matches("//");
            if rest.is_empty() {
                return Err(invalid(reference, "docker: needs an image name or ID"));
            }
            return Ok(ImageRef::Docker(rest.to_string()));
        }
        if let Some(rest) = reference_trim.strip_prefix("docker://") {
            return parse_registry(reference, rest).map(ImageRef::Registry);
        }
        let path = Path::new(reference_trim);
        if path.is_file() {
            return Ok(ImageRef::TarFile(path.to_path_buf()));
        }
        if path.is_dir() {
            return Ok(ImageRef::OciDir { dir: path.to_path_buf(), tag: None });
        }
        if reference_trim.ends_with(".tar")
            || reference_trim.starts_with('/')
            || reference_trim.starts_with('.')
        {
            return Err(SourceError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            ));
        }
        parse_registry(reference, reference_trim).map(ImageRef::Registry)
    }
}

/// Parses `HOST[:PORT]/REPO[:TAG|@DIGEST]` (Docker Hub short names such as `ubuntu:22.04` included).
pub fn parse_registry(reference: &str, s: &str) -> Result<RegistryRef, SourceError> {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => {
            let ok = d.split_once(':').is_some_and(|(alg, hex)| {
                !alg.is_empty() && !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
            });
            if !ok {
                return Err(invalid(reference, format!("bad digest {d:?}")));
            }
            (r, Some(d.to_string()))
        }
        None => (s, None),
    };
    let (host, path) = match rest.split_once('/') {
        Some((h, p)) if h.contains('.') || h.contains(':') || h == "localhost" || h.starts_with('[') => {
            (h.to_string(), p)
        }
        _ => ("docker.io".to_string(), rest),
    };
    // A tag is after the last ':' of the last path component.
    let (repo, tag) = match path.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, Some(t.to_string())),
        _ => (path, None),
    };
    if repo.is_empty() {
        return Err(invalid(reference, "empty repository"));
    }
    let valid_repo = repo.split('/').all(|c| {
        !c.is_empty()
            && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
    });
    if !valid_repo {
        return Err(invalid(reference, format!("invalid repository name {repo:?}")));
    }
    if let Some(t) = &tag {
        let valid_tag = t.len() <= 128
            && t.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
            && !t.starts_with(['.', '-']);
        if !valid_tag {
            return Err(invalid(reference, format!("invalid tag {t:?}")));
        }
    }
    let (registry, repository) = if host == "docker.io" || host == "index.docker.io" {
        let repo = if repo.contains('/') { repo.to_string() } else { format!("library/{repo}") };
        (DOCKER_HUB.to_string(), repo)
    } else {
        (host, repo.to_string())
    };
    let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
    Ok(RegistryRef { registry, repository, tag, digest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_forms() {
        assert_eq!(
            ImageRef::parse("docker-archive:/x/y.tar").unwrap(),
            ImageRef::DockerArchive { path: "/x/y.tar".into(), tag: None }
        );
        assert_eq!(
            ImageRef::parse("oci:/no/such/dir:v1").unwrap(),
            ImageRef::OciDir { dir: "/no/such/dir".into(), tag: Some("v1".into()) }
        );
        assert_eq!(
            ImageRef::parse("oci:/no/such/dir").unwrap(),
            ImageRef::OciDir { dir: "/no/such/dir".into(), tag: None }
        );
        assert_eq!(
            ImageRef::parse("docker-archive:/x/y.tar:app:1").unwrap(),
            ImageRef::DockerArchive { path: "/x/y.tar:app".into(), tag: Some("1".into()) }
        );
        assert_eq!(
            ImageRef::parse("docker-archive:/x/y.tar:v1").unwrap(),
            ImageRef::DockerArchive { path: "/x/y.tar".into(), tag: Some("v1".into()) }
        );
        assert_eq!(ImageRef::parse("docker:app:1").unwrap(), ImageRef::Docker("app:1".into()));
        assert!(ImageRef::parse("docker:").is_err());
        assert!(ImageRef::parse("").is_err());
    }

    #[test]
    fn registry_forms() {
        let r = |s: &str| match ImageRef::parse(s).unwrap() {
            ImageRef::Registry(r) => r,
            other => panic!("{other:?}"),
        };
        let a = r("127.0.0.1:5000/seawall/app:v2");
        assert_eq!(a.registry, "127.0.0.1:5000");
        assert_eq!(a.repository, "seawall/app");
        assert_eq!(a.tag.as_deref(), Some("v2"));
        assert!(a.is_loopback());
        let d = format!("sha256:{}", "a".repeat(64));
        let b = r(&format!("localhost:5000/app@{d}"));
        assert_eq!(b.digest.as_deref(), Some(d.as_str()));
        assert_eq!(b.manifest_reference(), d);
        assert!(b.is_loopback());
        let c = r("ubuntu:22.04");
        assert_eq!(c.registry, DOCKER_HUB);
        assert_eq!(c.repository, "library/ubuntu");
        assert!(!c.is_loopback());
        let e = r("ghcr.io/org/img");
        assert_eq!(e.tag.as_deref(), Some("latest"));
        assert!(ImageRef::parse("ghcr.io/Org/img").is_err());
        assert!(ImageRef::parse("ghcr.io/org/img@sha256:zz").is_err());
        assert_eq!(host_part("[::1]:5000"), "::1");
    }
}
