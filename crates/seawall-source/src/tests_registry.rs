//! Tests of the registry source against a tiny distribution server on a loopback `TcpListener` thread.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine as _;

use crate::testutil::*;
use crate::{ImageSource, SourceError, SourceOptions, open};

#[derive(Clone)]
enum Auth {
    Anonymous,
    Basic(&'static str),
    /// Bearer tokens; the token endpoint demands these basic credentials when set.
    Bearer(Option<&'static str>),
}

struct Mock {
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

const TOKEN: &str = "t0k3n";

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn handle(
    mut stream: TcpStream,
    addr: &str,
    auth: &Auth,
    blobs: &BTreeMap<String, Vec<u8>>,
    tags: &BTreeMap<String, String>,
    log: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let authz = headers.get("authorization").cloned().unwrap_or_default();
    log.lock().unwrap().push(format!("{target} auth={authz}"));
    let basic = |creds: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(creds));
    if target.starts_with("/token") {
        if let Auth::Bearer(Some(creds)) = auth
            && authz != basic(creds)
        {
            return respond(&mut stream, "401 Unauthorized", &[], b"{}");
        }
        return respond(&mut stream, "200 OK", &[], format!(r#"{{"token":"{TOKEN}"}}"#).as_bytes());
    }
    let authorized = match auth {
        Auth::Anonymous => true,
        Auth::Basic(creds) => authz == basic(creds),
        Auth::Bearer(_) => authz == format!("Bearer {TOKEN}"),
    };
    if !authorized {
        let challenge = match auth {
            Auth::Basic(_) => r#"Basic realm="mock""#.to_string(),
            _ => format!(
                r#"Bearer realm="http://{addr}/token",service="mock",scope="repository:seawall/app:pull""#
            ),
        };
        return respond(&mut stream, "401 Unauthorized", &[("WWW-Authenticate", challenge)], b"{}");
    }
    let Some(rest) = target.strip_prefix("/v2/seawall/app/") else {
        return respond(&mut stream, if target == "/v2/" { "200 OK" } else { "404 Not Found" }, &[], b"{}");
    };
    let (kind, reference) = rest.split_once('/').unwrap_or((rest, ""));
    let digest = if kind == "manifests" && !reference.contains(':') {
        tags.get(reference).cloned()
    } else {
        Some(reference.to_string())
    };
    let Some(body) = digest
        .as_ref()
        .and_then(|d| d.strip_prefix("sha256:"))
        .and_then(|h| blobs.get(&format!("blobs/sha256/{h}")))
    else {
        return respond(&mut stream, "404 Not Found", &[], b"{}");
    };
    let mut hdrs = vec![("Docker-Content-Digest", digest.clone().unwrap_or_default())];
    if kind == "manifests" {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        let mt = v["mediaType"].as_str().unwrap_or("application/vnd.oci.image.manifest.v1+json").to_string();
        hdrs.push(("Content-Type", mt));
    }
    respond(&mut stream, "200 OK", &hdrs, body);
}

fn serve(auth: Auth, blobs: BTreeMap<String, Vec<u8>>, tags: BTreeMap<String, String>) -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (a, l) = (addr.clone(), log.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200).flatten() {
            handle(stream, &a, &auth, &blobs, &tags, &l);
        }
    });
    Mock { addr, log }
}

struct Fixture {
    blobs: BTreeMap<String, Vec<u8>>,
    tags: BTreeMap<String, String>,
    manifests: BTreeMap<String, String>,
    amd: Vec<Vec<u8>>,
    arm: Vec<Vec<u8>>,
}

fn fixture() -> Fixture {
    let amd = vec![layer(&[("amd", "x86")]), layer(&[("app/x", "1")])];
    let arm = vec![layer(&[("arm", "aarch64")])];
    let other = vec![layer(&[("other", "o")])];
    let lay = oci_layout(&amd, &arm, &other);
    let index: serde_json::Value = serde_json::from_slice(&lay.files.files["index.json"]).unwrap();
    let mut tags = BTreeMap::new();
    tags.insert("multi".to_string(), index["manifests"][0]["digest"].as_str().unwrap().to_string());
    tags.insert("other".to_string(), lay.manifest_digests["other"].clone());
    Fixture { blobs: lay.files.files, tags, manifests: lay.manifest_digests, amd, arm }
}

fn read_layer(src: &dyn ImageSource, i: u32) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    src.open_layer(i).unwrap().read_to_end(&mut v)?;
    Ok(v)
}

fn insecure() -> SourceOptions {
    SourceOptions {
        insecure: true,
        docker_config: Some("/nonexistent/seawall-test/config.json".into()),
        ..Default::default()
    }
}

#[test]
fn bearer_token_with_docker_config_credentials_and_multi_arch_index() {
    let f = fixture();
    let mock = serve(Auth::Bearer(Some("bob:hunter2")), f.blobs.clone(), f.tags.clone());
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.json");
    let auth = base64::engine::general_purpose::STANDARD.encode("bob:hunter2");
    fs_err::write(&cfg, format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, mock.addr)).unwrap();
    let mut opts = insecure();
    opts.docker_config = Some(cfg);
    let reference = format!("{}/seawall/app:multi", mock.addr);
    let src = open(&reference, &opts).unwrap();
    assert_eq!(src.meta().name, reference);
    assert_eq!(src.meta().digest.as_ref(), f.manifests.get("amd64"));
    assert_eq!(src.meta().config.architecture, "amd64");
    assert_eq!(src.meta().layers.len(), 2);
    assert!(src.random_access());
    assert_eq!(read_layer(src.as_ref(), 0).unwrap(), f.amd[0]);
    assert_eq!(read_layer(src.as_ref(), 1).unwrap(), f.amd[1]);
    let log = mock.log.lock().unwrap().clone();
    let token_req = log.iter().find(|l| l.starts_with("/token")).expect("a token request");
    assert!(token_req.contains("scope=repository%3Aseawall%2Fapp%3Apull"), "{token_req}");
    assert!(token_req.contains("service=mock"), "{token_req}");
    assert!(token_req.contains("auth=Basic "), "{token_req}");
    assert!(log.iter().any(|l| l.contains("/blobs/") && l.contains(&format!("Bearer {TOKEN}"))), "{log:?}");

    opts.platform = Some("linux/arm64".into());
    let src = open(&reference, &opts).unwrap();
    assert_eq!(src.meta().digest.as_ref(), f.manifests.get("arm64"));
    assert_eq!(read_layer(src.as_ref(), 0).unwrap(), f.arm[0]);

    opts.platform = Some("windows/amd64".into());
    let err = open(&reference, &opts).err().unwrap();
    assert!(matches!(err, SourceError::NoMatchingManifest { .. }), "{err}");
}

#[test]
fn bearer_token_refused_without_credentials() {
    let f = fixture();
    let mock = serve(Auth::Bearer(Some("bob:hunter2")), f.blobs, f.tags);
    let err = open(&format!("{}/seawall/app:multi", mock.addr), &insecure()).err().unwrap();
    assert!(matches!(err, SourceError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("token endpoint"), "{err}");
}

#[test]
fn basic_auth_and_digest_references() {
    let f = fixture();
    let mock = serve(Auth::Basic("carol:pw"), f.blobs.clone(), f.tags.clone());
    let mut opts = insecure();
    opts.credentials = Some(crate::Credentials::new("carol", "pw"));
    let digest = f.manifests["amd64"].clone();
    let src = open(&format!("{}/seawall/app@{digest}", mock.addr), &opts).unwrap();
    assert_eq!(src.meta().digest.as_deref(), Some(digest.as_str()));
    assert_eq!(read_layer(src.as_ref(), 1).unwrap(), f.amd[1]);
    // Docker media types (v2 schema 2) by tag.
    let src = open(&format!("{}/seawall/app:other", mock.addr), &opts).unwrap();
    assert_eq!(src.meta().layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");

    opts.credentials = Some(crate::Credentials::new("carol", "wrong"));
    assert!(!format!("{opts:?}").contains("wrong"), "credentials never shown by Debug");
    let err = open(&format!("{}/seawall/app:other", mock.addr), &opts).err().unwrap();
    assert!(matches!(err, SourceError::Auth { .. }), "{err}");
    opts.credentials = None;
    let err = open(&format!("{}/seawall/app:other", mock.addr), &opts).err().unwrap();
    assert!(err.to_string().contains("no credentials"), "{err}");
}

#[test]
fn anonymous_missing_tags_and_corrupt_blobs() {
    let mut f = fixture();
    // Corrupt the second amd64 layer blob.
    let key = format!("blobs/sha256/{}", &crate::digest::sha256_of(&f.amd[1])[7..]);
    let mut bad = f.amd[1].clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    f.blobs.insert(key, bad);
    let mock = serve(Auth::Anonymous, f.blobs, f.tags);
    let src = open(&format!("{}/seawall/app:multi", mock.addr), &insecure()).unwrap();
    assert_eq!(read_layer(src.as_ref(), 0).unwrap(), f.amd[0]);
    // Served as stored; it does not hash to the digest the manifest names (the consumer reports it).
    let served = read_layer(src.as_ref(), 1).unwrap();
    let claim = src.meta().layers[1].digest.clone().unwrap();
    assert_eq!(claim, crate::digest::sha256_of(&f.amd[1]));
    assert_ne!(crate::digest::sha256_of(&served), claim);
    let err = open(&format!("{}/seawall/app:nope", mock.addr), &insecure()).err().unwrap();
    assert!(matches!(err, SourceError::Missing { .. }), "{err}");
    // Without --insecure the client speaks TLS and fails against the plain-HTTP mock.
    let mut secure = insecure();
    secure.insecure = false;
    let err = open(&format!("{}/seawall/app:multi", mock.addr), &secure).err().unwrap();
    assert!(matches!(err, SourceError::Http { .. }), "{err}");
    assert!(err.to_string().contains("--insecure"), "{err}");
}
