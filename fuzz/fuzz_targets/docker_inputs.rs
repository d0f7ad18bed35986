//! Live Docker inputs: /proc/net/tcp, sockstat, docker inspect JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = seawall_monitor::parse_proc_net_tcp(&s);
    let _ = seawall_monitor::procnet::tcp_in_use(&s);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let c = seawall_docker::LiveContainer::from_inspect(&v);
        let _ = seawall_docker::audit::check_container(&c);
    }
});
