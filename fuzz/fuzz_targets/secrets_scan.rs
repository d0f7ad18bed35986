//! The secrets engine on files of several syntaxes, notebooks and assignments, in memory and streamed.
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
    // The streaming reader (buffer filled with `read_to_end`, chunk overlap, size limit) over the same
    // bytes must find what the in-memory scan finds, and count every byte it read.
    let whole = seawall_secrets::scan_bytes("app/config.py", Some(0), data);
    if let Ok(streamed) = seawall_secrets::scan_reader("app/config.py", Some(0), &mut &data[..], u64::MAX) {
        assert_eq!(streamed.bytes, data.len() as u64);
        if !streamed.binary {
            assert_eq!(streamed.findings.len(), whole.len());
        }
    }
    let cut = data.len() as u64 / 2;
    if let Ok(limited) = seawall_secrets::scan_reader("app/.env", None, &mut &data[..], cut) {
        assert!(limited.bytes <= cut);
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
