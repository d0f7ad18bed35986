//! Registry notifications: the distribution registry's (`docker-registry`) webhook envelope.
//!
//! A registry configured with `notifications: endpoints:` POSTs
//! `{"events": [{"action", "target": {"mediaType", "digest", "repository", "url", "tag"}, "request": {"host"}, …}]}`
//! (media type `application/vnd.docker.distribution.events.v1+json`) for every push and pull of a
//! manifest or blob. [`parse_events`] keeps pushes of image manifests (Docker schema 2 and OCI) and
//! turns each into a digest-pinned reference `HOST/REPOSITORY@DIGEST` on the registry named by the
//! event's `target.url` (else `request.host`); pulls, blob events and index/list manifests (whose
//! platform manifests are pushed, and notified, one by one) are counted as ignored. Everything is
//! validated like a scan submission (including `--allow-registry`); an event that fails validation is
//! rejected with its reason and does not stop the others.

use serde::Deserialize;

use crate::harbor::{DOCKER_MANIFEST, OCI_MANIFEST, same_media_type};
use crate::validate;

/// Largest notification body accepted.
pub const MAX_EVENTS_BODY_BYTES: usize = 1 << 20;
/// Most events in one envelope.
pub const MAX_EVENTS: usize = 1000;

#[derive(Debug, Deserialize)]
struct Envelope {
    events: Vec<Event>,
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    target: Option<EventTarget>,
    #[serde(default)]
    request: Option<EventRequest>,
}

#[derive(Debug, Deserialize)]
struct EventTarget {
    #[serde(default, rename = "mediaType")]
    media_type: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    tag: Option<String>,
}

#[derive(Debug, Deserialize)]
struct EventRequest {
    #[serde(default)]
    host: Option<String>,
}

/// A pushed image manifest to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// `HOST[:PORT]/REPOSITORY@DIGEST`.
    pub reference: String,
    /// The manifest digest.
    pub digest: String,
    /// The registry was reached over plain HTTP (`target.url` is `http://…`).
    pub insecure: bool,
    /// The tag pushed, when the event names one.
    pub tag: Option<String>,
}

/// What an envelope holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Image-manifest pushes, in order, without duplicates.
    pub pushed: Vec<Pushed>,
    /// Events that are not image-manifest pushes.
    pub ignored: usize,
    /// Push events refused, each with its reason.
    pub rejected: Vec<String>,
}

/// The registry (`host[:port]`) and scheme of an event: from `target.url`, else `request.host`
/// (then HTTPS).
fn registry_of(target: &EventTarget, request: Option<&EventRequest>) -> Result<(String, bool), String> {
    if let Some(url) = target.url.as_deref().filter(|u| !u.is_empty()) {
        let (scheme, rest) = url.split_once("://").ok_or("target.url is not an absolute URL")?;
        let insecure = match scheme.to_ascii_lowercase().as_str() {
            "http" => true,
            "https" => false,
            _ => return Err("target.url is not http(s)".into()),
        };
        let host = rest.split('/').next().unwrap_or("");
        return Ok((host.to_ascii_lowercase(), insecure));
    }
    match request.and_then(|r| r.host.as_deref()).filter(|h| !h.is_empty()) {
        Some(h) => Ok((h.to_ascii_lowercase(), false)),
        None => Err("the event names no registry (neither target.url nor request.host)".into()),
    }
}

/// Parses a notification envelope; `allowed` is the server's `--allow-registry` list. Errors (400)
/// are for bodies that are not an envelope at all.
pub fn parse_events(body: &[u8], allowed: &[String]) -> Result<Parsed, String> {
    let env: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("not a registry notification envelope: {e}"))?;
    if env.events.len() > MAX_EVENTS {
        return Err(format!("more than {MAX_EVENTS} events in one envelope"));
    }
    let mut out = Parsed::default();
    for ev in env.events {
        let Some(target) = ev.target.as_ref() else {
            out.ignored += 1;
            continue;
        };
        let manifest = target
            .media_type
            .as_deref()
            .is_some_and(|m| same_media_type(m, DOCKER_MANIFEST) || same_media_type(m, OCI_MANIFEST));
        if ev.action.as_deref() != Some("push") || !manifest {
            out.ignored += 1;
            continue;
        }
        match pushed(target, ev.request.as_ref(), allowed) {
            Ok(p) => {
                if !out.pushed.contains(&p) {
                    out.pushed.push(p);
                }
            }
            Err(e) => out.rejected.push(e),
        }
    }
    Ok(out)
}

fn pushed(
    target: &EventTarget,
    request: Option<&EventRequest>,
    allowed: &[String],
) -> Result<Pushed, String> {
    let digest = target.digest.as_deref().ok_or("push event without target.digest")?;
    if !digest.starts_with("sha256:") && !digest.starts_with("sha512:") {
        return Err(format!(
            "target.digest {:?} is not a manifest digest",
            digest.chars().take(80).collect::<String>()
        ));
    }
    validate::validate_digest(digest)?;
    let repository = target.repository.as_deref().ok_or("push event without target.repository")?;
    if repository.is_empty()
        || repository.len() > 256
        || !repository.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b))
    {
        return Err(format!(
            "target.repository {:?}: lower-case letters, digits and `._-/`",
            repository.chars().take(80).collect::<String>()
        ));
    }
    let (host, insecure) = registry_of(target, request)?;
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control() || "@?#\\".contains(c)) {
        return Err("invalid registry host in the event".into());
    }
    // A bare host name would read as a Docker Hub namespace: give it the scheme's port.
    let host = if host.contains('.') || host.contains(':') || host == "localhost" {
        host
    } else {
        format!("{host}:{}", if insecure { 80 } else { 443 })
    };
    let reference = format!("{host}/{repository}@{digest}");
    let valid = validate::validate_reference(&reference, allowed)?;
    let tag = target
        .tag
        .as_deref()
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 128
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
        .map(str::to_string);
    Ok(Pushed { reference: valid.reference, digest: digest.to_string(), insecure, tag })
}

/// The parser on arbitrary input (fuzz target `fleet_registry_events`); it may not panic.
pub fn fuzz_events(data: &[u8]) {
    let _ = parse_events(data, &[]);
    let _ = parse_events(data, &["127.0.0.1:5000".to_string()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    /// An envelope shaped like distribution 2.8's (fields it sends that are not used are kept, to
    /// show they are ignored).
    fn envelope(events: &[String]) -> Vec<u8> {
        format!(r#"{{"events": [{}]}}"#, events.join(",")).into_bytes()
    }

    fn event(action: &str, media: &str, digest: &str, repo: &str, url: &str) -> String {
        format!(
            r#"{{"id": "e1", "timestamp": "2026-12-06T03:00:00Z", "action": {action:?},
                "target": {{"mediaType": {media:?}, "size": 528, "digest": {digest:?}, "length": 528,
                            "repository": {repo:?}, "url": {url:?}, "tag": "v1"}},
                "request": {{"id": "r1", "addr": "127.0.0.1:40000", "host": "127.0.0.1:5060", "method": "PUT",
                             "useragent": "skopeo"}},
                "actor": {{}}, "source": {{"addr": "host:5060", "instanceID": "i"}}}}"#
        )
    }

    #[test]
    fn manifest_pushes_become_pinned_references_everything_else_is_ignored() {
        let url = |dg: &str| format!("http://127.0.0.1:5060/v2/ml/app/manifests/{dg}");
        let body = envelope(&[
            event("push", DOCKER_MANIFEST, &d('a'), "ml/app", &url(&d('a'))),
            event("push", OCI_MANIFEST, &d('b'), "ml/app", &url(&d('b'))),
            event("push", DOCKER_MANIFEST, &d('a'), "ml/app", &url(&d('a'))),
            event("pull", DOCKER_MANIFEST, &d('c'), "ml/app", &url(&d('c'))),
            event(
                "push",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                &d('e'),
                "ml/app",
                "http://127.0.0.1:5060/v2/ml/app/blobs/x",
            ),
            event("push", "application/vnd.oci.image.index.v1+json", &d('f'), "ml/app", &url(&d('f'))),
            event("delete", DOCKER_MANIFEST, &d('a'), "ml/app", &url(&d('a'))),
        ]);
        let p = parse_events(&body, &[]).unwrap();
        assert_eq!(p.pushed.len(), 2, "{p:?}");
        assert_eq!(p.pushed[0].reference, format!("127.0.0.1:5060/ml/app@{}", d('a')));
        assert!(p.pushed[0].insecure);
        assert_eq!(p.pushed[0].tag.as_deref(), Some("v1"));
        assert_eq!(p.pushed[1].digest, d('b'));
        assert_eq!(p.ignored, 4);
        assert!(p.rejected.is_empty());
        // No target.url: request.host, over HTTPS.
        let no_url = envelope(&[event("push", OCI_MANIFEST, &d('a'), "x", "")]);
        let p = parse_events(&no_url, &[]).unwrap();
        assert_eq!(p.pushed[0].reference, format!("127.0.0.1:5060/x@{}", d('a')));
        assert!(!p.pushed[0].insecure);
    }

    #[test]
    fn bad_events_are_rejected_with_a_reason_and_bad_bodies_refused() {
        let body = envelope(&[
            event("push", DOCKER_MANIFEST, "sha256:short", "a", "http://127.0.0.1:5060/v2/a/manifests/x"),
            event("push", DOCKER_MANIFEST, &d('a'), "A/../x", "http://127.0.0.1:5060/v2/x"),
            event("push", DOCKER_MANIFEST, &d('a'), "a", "ftp://127.0.0.1/v2/a"),
            event("push", DOCKER_MANIFEST, &d('a'), "a", "http://evil@host/v2/a"),
            event("push", DOCKER_MANIFEST, &d('b'), "ok", "http://127.0.0.1:5060/v2/ok/manifests/x"),
        ]);
        let p = parse_events(&body, &[]).unwrap();
        assert_eq!(p.rejected.len(), 4, "{p:?}");
        assert_eq!(p.pushed.len(), 1);
        let p = parse_events(&body, &["other:5000".into()]).unwrap();
        assert!(p.pushed.is_empty());
        assert!(p.rejected.iter().any(|r| r.contains("--allow-registry")), "{p:?}");
        assert!(parse_events(b"{}", &[]).is_err());
        assert!(parse_events(b"[1]", &[]).is_err());
        assert!(parse_events(br#"{"events": 5}"#, &[]).is_err());
        let many = envelope(&vec![r#"{"action": "pull"}"#.to_string(); MAX_EVENTS + 1]);
        assert!(parse_events(&many, &[]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn event_parser_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            fuzz_events(&data);
        }
    }
}
