//! The secrets engine on files of several syntaxes, notebooks and assignments.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for path in [
        "app/.env",
        "app/config.py",
        "k8s/app.yaml",
        "notebook.ipynb",
        "history[0]",
        "main.go",
        "/usr/lib/python3/site-packages/x/ci.py",
    ] {
        let _ = seawall_secrets::scan_bytes(path, Some(0), data);
    }
    let s = String::from_utf8_lossy(data);
    if let Some((k, v)) = s.split_once('=') {
        let _ = seawall_secrets::scan_assignment(k, v, seawall_core::Location::file("config.env"));
    }
    // redaction keeps everything but the secrets, and never panics on any text
    let red = seawall_secrets::redact_text(&s);
    assert!(seawall_secrets::secret_spans(&red).iter().all(|sp| red.get(sp.range.clone()).is_some()));
    let _ = seawall_secrets::looks_binary(data);
});
