//! Listening sockets from `/proc/<pid>/net/tcp` and `tcp6` (the network namespace of a container process).

use std::collections::BTreeSet;

/// A listening TCP socket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Listener {
    /// Local address as text (`0.0.0.0`, `127.0.0.1`, `::`, …).
    pub address: String,
    /// Local port.
    pub port: u16,
}

impl std::fmt::Display for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.address.contains(':') {
            write!(f, "[{}]:{}", self.address, self.port)
        } else {
            write!(f, "{}:{}", self.address, self.port)
        }
    }
}

/// The number of TCP sockets in use from `/proc/PID/net/sockstat` (`TCP: inuse N`) or `sockstat6`
/// (`TCP6: inuse N`); `None` when the line is missing. Reading `net/tcp` walks the kernel's whole TCP
/// hash table whatever the namespace (milliseconds each), so the sampler checks this cheap counter
/// first and skips namespaces without sockets.
pub fn tcp_in_use(sockstat: &str) -> Option<u64> {
    sockstat.lines().find_map(|l| {
        let rest = l.strip_prefix("TCP: ").or_else(|| l.strip_prefix("TCP6: "))?;
        let mut it = rest.split_whitespace();
        while let Some(k) = it.next() {
            if k == "inuse" {
                return it.next()?.parse().ok();
            }
        }
        None
    })
}

/// Parses the content of `/proc/net/tcp` or `/proc/net/tcp6` and returns the sockets in state LISTEN
/// (`0A`). Malformed lines are skipped; never panics.
pub fn parse_proc_net_tcp(text: &str) -> BTreeSet<Listener> {
    let mut out = BTreeSet::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 4 || cols[3] != "0A" {
            continue;
        }
        let Some((addr_hex, port_hex)) = cols[1].split_once(':') else {
            continue;
        };
        let Ok(port) = u16::from_str_radix(port_hex, 16) else {
            continue;
        };
        let Some(address) = decode_addr(addr_hex) else {
            continue;
        };
        out.insert(Listener { address, port });
    }
    out
}

/// `/proc/net/tcp` addresses are little-endian 32-bit words in hex.
fn decode_addr(hex: &str) -> Option<String> {
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    match words.as_slice() {
        [w] => Some(std::net::Ipv4Addr::from(w.swap_bytes()).to_string()),
        [a, b, c, d] if hex.len() == 32 => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            Some(std::net::Ipv6Addr::from(bytes).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listeners() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n\
   2: 0100007F:1F90 0100007F:D1C2 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n\
   garbage line\n";
        let l = parse_proc_net_tcp(tcp);
        assert_eq!(l.len(), 2);
        assert!(l.contains(&Listener { address: "0.0.0.0".into(), port: 8888 }));
        assert!(l.contains(&Listener { address: "127.0.0.1".into(), port: 8080 }));
        let tcp6 = "header\n   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0 0 0 0\n";
        let l6 = parse_proc_net_tcp(tcp6);
        assert!(l6.contains(&Listener { address: "::".into(), port: 8080 }));
    }

    #[test]
    fn sockstat_counts() {
        assert_eq!(tcp_in_use("sockets: used 1\nTCP: inuse 3 orphan 0 tw 0 alloc 2 mem 131\n"), Some(3));
        assert_eq!(tcp_in_use("TCP6: inuse 0\nUDP6: inuse 0\n"), Some(0));
        assert_eq!(tcp_in_use("garbage"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,400}") {
            let _ = parse_proc_net_tcp(&s);
        }
    }
}
