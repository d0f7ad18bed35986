/// Normalises a tar member name into an image path without leading `/`.
///
/// Strips `./` and leading `/`, collapses `//` and `.` components and trailing `/`. Returns `None` for
/// names that try to escape the root (`..` components) or that are not valid UTF-8 after lossy decoding
/// produced replacement characters only — the caller reports those as warnings.
pub fn normalize_tar_path(raw: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(raw);
    let mut parts: Vec<&str> = Vec::new();
    for comp in s.split('/') {
        match comp {
            "" | "." => {}
            ".." => return None,
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// The ancestors of a display path, nearest first: `/a/b/c` → `/a/b`, `/a`.
pub(crate) fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut cur = path;
    std::iter::from_fn(move || {
        let idx = cur.rfind('/')?;
        cur = &cur[..idx];
        if cur.is_empty() { None } else { Some(cur) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize_tar_path(b"./etc/os-release").as_deref(), Some("etc/os-release"));
        assert_eq!(normalize_tar_path(b"/usr//lib/").as_deref(), Some("usr/lib"));
        assert_eq!(normalize_tar_path(b"./").as_deref(), Some(""));
        assert_eq!(normalize_tar_path(b"a/../../etc/passwd"), None);
    }

    #[test]
    fn ancestors_nearest_first() {
        let v: Vec<_> = ancestors("/a/b/c").collect();
        assert_eq!(v, vec!["/a/b", "/a"]);
        let r: Vec<_> = ancestors("a/b").collect();
        assert_eq!(r, vec!["a"]);
    }
}
