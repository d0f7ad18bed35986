//! A small YAML tree with line/column on every node, deserialized by `serde-saphyr` under a budget.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Largest YAML document accepted (bytes); larger files are reported as not analysed.
pub(crate) const MAX_YAML_BYTES: usize = 8 * 1024 * 1024;

/// One YAML node with its 1-based line and column (0 when unknown) and the index of the file it was
/// read from (in a [`crate::project::Sources`] table; 0 for single-file checks).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: u32,
    pub(crate) col: u32,
    pub(crate) src: u32,
    pub(crate) v: Val,
}

/// The value of a node. Numbers and booleans keep their text form so that `"0"` and `0` compare alike.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Spanned<Val> = Spanned::deserialize(d)?;
        let line = u32::try_from(s.referenced.line()).unwrap_or(0);
        let col = u32::try_from(s.referenced.column()).unwrap_or(0);
        Ok(Node { line, col, src: 0, v: s.value })
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val, E> {
        Ok(Val::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val, E> {
        Ok(Val::Num(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val, E> {
        Ok(Val::Num(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Val, E> {
        Ok(Val::Num(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Val, E> {
        Ok(Val::Num(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val, E> {
        Ok(Val::Num(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val, E> {
        Ok(Val::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Val, E> {
        Ok(Val::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Val, E> {
        Ok(Val::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Val, E> {
        Ok(Val::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val, E> {
        Ok(Val::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Val, D::Error> {
        Val::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
        let mut out = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            out.push(n);
        }
        Ok(Val::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
        let mut out: Vec<(Node, Node)> = Vec::new();
        let mut merged: Vec<(Node, Node)> = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            if k.as_str() == Some("<<") {
                // YAML merge key: entries of the merged mapping(s) apply unless set explicitly.
                match v.v {
                    Val::Map(m) => merged.extend(m),
                    Val::Seq(s) => {
                        for n in s {
                            if let Val::Map(m) = n.v {
                                merged.extend(m);
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            out.push((k, v));
        }
        for (k, v) in merged {
            if !out.iter().any(|(o, _)| o.as_str().is_some() && o.as_str() == k.as_str()) {
                out.push((k, v));
            }
        }
        Ok(Val::Map(out))
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

/// Why a YAML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    /// Larger than the 8 MiB YAML limit.
    #[error("YAML document of {0} bytes exceeds the limit")]
    TooLarge(usize),
    /// Not valid YAML (message from the parser, with line/column).
    #[error("invalid YAML: {0}")]
    Syntax(String),
}

/// Parser options: the library's budget (events, anchors, aliases) plus a tighter cap on alias
/// replay, since configuration files never need large expansions ("billion laughs").
fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.alias_limits.max_total_replayed_events = 100_000;
    if let Some(b) = o.budget.as_mut() {
        b.max_recorded_anchor_events = 100_000;
    }
    o
}

/// Parses a single-document YAML text.
pub(crate) fn parse_one(text: &str) -> Result<Node, YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError::TooLarge(text.len()));
    }
    serde_saphyr::from_str_with_options::<Node>(text, options()).map_err(|e| YamlError::Syntax(e.to_string()))
}

/// Parses a multi-document YAML text (`---` separated); empty documents are dropped.
pub(crate) fn parse_multi(text: &str) -> Result<Vec<Node>, YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError::TooLarge(text.len()));
    }
    let docs = serde_saphyr::from_multiple_with_options::<Option<Node>>(text, options())
        .map_err(|e| YamlError::Syntax(e.to_string()))?;
    Ok(docs.into_iter().flatten().filter(|n| n.v != Val::Null).collect())
}

impl Node {
    /// A node without a position (built by merges and patches).
    pub(crate) fn new(v: Val) -> Node {
        Node { line: 0, col: 0, src: 0, v }
    }
    /// A string scalar without a position.
    pub(crate) fn str(s: impl Into<String>) -> Node {
        Node::new(Val::Str(s.into()))
    }
    /// Stamps this node and every node below it with the file index `src`.
    pub(crate) fn set_src(&mut self, src: u32) {
        self.src = src;
        match &mut self.v {
            Val::Seq(s) => s.iter_mut().for_each(|n| n.set_src(src)),
            Val::Map(m) => m.iter_mut().for_each(|(k, v)| {
                k.set_src(src);
                v.set_src(src);
            }),
            _ => {}
        }
    }
    /// The value under a mapping key, mutable.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.v {
            Val::Map(m) => m.iter_mut().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }
    /// Sets a mapping key (replacing its value, or appending the entry); no-op on non-mappings.
    pub(crate) fn insert(&mut self, key: &str, value: Node) {
        if let Val::Map(m) = &mut self.v {
            match m.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
                Some((_, v)) => *v = value,
                None => m.push((Node { src: value.src, ..Node::str(key) }, value)),
            }
        }
    }
    /// Removes a mapping key, returning its value.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Node> {
        if let Val::Map(m) = &mut self.v {
            let i = m.iter().position(|(k, _)| k.as_str() == Some(key))?;
            return Some(m.remove(i).1);
        }
        None
    }
    /// The mapping at `key`, created (empty) when absent; `None` when something else is there.
    pub(crate) fn map_entry(&mut self, key: &str) -> Option<&mut Node> {
        if self.get(key).is_none() && self.is_map() {
            self.insert(key, Node::new(Val::Map(Vec::new())));
        }
        self.get_mut(key).filter(|n| n.is_map())
    }
    /// The value under a mapping key.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            Val::Map(m) => m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }
    /// The key node for a mapping key (for the location of the key itself).
    pub(crate) fn key(&self, key: &str) -> Option<&Node> {
        match &self.v {
            Val::Map(m) => m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, _)| k),
            _ => None,
        }
    }
    /// Follows a path of mapping keys.
    pub(crate) fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }
    /// The string form of a scalar (strings, numbers, booleans).
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.v {
            Val::Str(s) | Val::Num(s) => Some(s),
            Val::Bool(true) => Some("true"),
            Val::Bool(false) => Some("false"),
            _ => None,
        }
    }
    /// Scalar as an owned string (empty for null, `None` for collections).
    pub(crate) fn scalar(&self) -> Option<String> {
        match &self.v {
            Val::Null => Some(String::new()),
            _ => self.as_str().map(str::to_string),
        }
    }
    /// True for `true`, `"true"`, `yes`.
    pub(crate) fn is_true(&self) -> bool {
        matches!(self.as_str().map(str::to_ascii_lowercase).as_deref(), Some("true" | "yes" | "on"))
    }
    /// True for `false`, `"false"`, `no`.
    pub(crate) fn is_false(&self) -> bool {
        matches!(self.as_str().map(str::to_ascii_lowercase).as_deref(), Some("false" | "no" | "off"))
    }
    /// The elements of a sequence (empty otherwise).
    pub(crate) fn seq(&self) -> &[Node] {
        match &self.v {
            Val::Seq(s) => s,
            _ => &[],
        }
    }
    /// The entries of a mapping (empty otherwise).
    pub(crate) fn map(&self) -> &[(Node, Node)] {
        match &self.v {
            Val::Map(m) => m,
            _ => &[],
        }
    }
    /// True for a mapping.
    pub(crate) fn is_map(&self) -> bool {
        matches!(self.v, Val::Map(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_on_nested_nodes() {
        let n = parse_one("services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n").unwrap();
        let img = n.path(&["services", "web", "image"]).unwrap();
        assert_eq!(img.as_str(), Some("nginx"));
        assert_eq!((img.line, img.col), (3, 12));
        let p = &n.path(&["services", "web", "ports"]).unwrap().seq()[0];
        assert_eq!(p.line, 5);
        let k = n.path(&["services", "web"]).unwrap().key("ports").unwrap();
        assert_eq!((k.line, k.col), (4, 5));
    }

    #[test]
    fn multi_documents() {
        let d = parse_multi("a: 1\n---\n---\nb: [x]\n").unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].get("b").unwrap().seq()[0].line, 4);
    }

    #[test]
    fn merge_keys_and_garbage() {
        let n = parse_one("base: &a {p: 1, q: 3}\nsvc:\n  <<: *a\n  q: 2\n").unwrap();
        assert_eq!(n.path(&["svc", "p"]).and_then(Node::as_str), Some("1"));
        assert_eq!(n.path(&["svc", "q"]).and_then(Node::as_str), Some("2"));
        assert!(parse_one("a: [").is_err());
    }
}

#[cfg(test)]
mod bomb_tests {
    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let mut s = String::new();
        for i in 0..5000 {
            s.push_str(&" ".repeat(i));
            s.push_str("- \n");
        }
        assert!(super::parse_one(&s).is_err());
        assert!(super::parse_one(&"[".repeat(100_000)).is_err());
        assert!(super::parse_multi(&"{a: ".repeat(50_000)).is_err());
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        // Without the budget this would expand to 10^12 nodes and never finish; with it the parser
        // refuses after ~10^5 replayed events (well under a second in release builds; the bound here
        // is loose because debug builds share two cores with other test binaries).
        let t = std::time::Instant::now();
        let r = super::parse_one(&s);
        assert!(r.is_err(), "a 10^12-node expansion must be refused");
        assert!(t.elapsed().as_secs() < 30, "took {:?}", t.elapsed());
    }
}
