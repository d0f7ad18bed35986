//! Symbolic values on the emulated unpickler's stack and memo.
//!
//! Values keep only what judging needs: small strings and ints (module names, `getattr` names,
//! array shapes), tuples up to a few elements, small dicts (for `NumpyArrayWrapper` state), and for
//! call results the global that produced them. Large byte and string arguments are never held.

use std::{cell::RefCell, rc::Rc};

/// Longest string argument kept (longer ones become [`V::LongStr`]).
pub(crate) const STR_KEEP: usize = 1024;
/// Longest tuple whose elements are kept.
pub(crate) const TUPLE_KEEP: usize = 32;
/// Most entries tracked per dict.
pub(crate) const DICT_KEEP: usize = 32;

/// One symbolic Python object.
#[derive(Debug, Clone)]
pub(crate) enum V {
    /// `None`.
    None,
    /// `True`/`False`.
    Bool(bool),
    /// An int that fits in i64.
    Int(i64),
    /// A larger int.
    BigInt,
    /// A float.
    Float,
    /// A (small) str.
    Str(Rc<str>),
    /// A str too long to keep.
    LongStr,
    /// bytes / bytearray / buffer.
    Bytes,
    /// bytes that were scanned as an embedded model (argument of `_load_from_bytes`).
    ScannedBytes,
    /// A global (index into the stream's global table).
    Global(u32),
    /// The result of calling or instantiating something.
    Obj(Rc<Obj>),
    /// A tuple with its elements (nesting bounded by [`MAX_TUPLE_DEPTH`]).
    Tuple(Rc<TupleV>),
    /// A tuple too long to keep.
    BigTuple,
    /// A list (elements not tracked).
    List,
    /// A set or frozenset (elements not tracked).
    Set,
    /// A dict, mutable and shared (memo aliasing works as in CPython).
    Dict(Rc<RefCell<DictV>>),
    /// A frozen copy of a dict (stored as object state).
    Frozen(Rc<[(V, V)]>),
    /// A dict whose entries are not tracked (no joblib wrapper in the stream).
    OpaqueDict,
    /// The result of `persistent_load`.
    Pers,
}

/// Deepest tuple nesting kept: deeper tuples become [`V::BigTuple`], so that no recursion (in
/// messages or in `Drop`) can be driven deep by input.
pub(crate) const MAX_TUPLE_DEPTH: u8 = 8;

/// A kept tuple.
#[derive(Debug)]
pub(crate) struct TupleV {
    /// 1 + the deepest nested tuple.
    pub(crate) depth: u8,
    /// Elements.
    pub(crate) items: Box<[V]>,
}

/// Builds a tuple value, dropping the elements of tuples that are too long or too deep.
pub(crate) fn new_tuple(items: Vec<V>) -> V {
    if items.len() > TUPLE_KEEP {
        return V::BigTuple;
    }
    let depth = 1 + items.iter().map(|v| if let V::Tuple(t) = v { t.depth } else { 0 }).max().unwrap_or(0);
    if depth > MAX_TUPLE_DEPTH {
        return V::BigTuple;
    }
    V::Tuple(Rc::new(TupleV { depth, items: items.into_boxed_slice() }))
}

/// Entries of a tracked dict.
#[derive(Debug, Default)]
pub(crate) struct DictV {
    /// Tracked entries (detached values).
    pub(crate) items: Vec<(V, V)>,
    /// True when entries were dropped.
    pub(crate) overflow: bool,
}

/// A call or instantiation result.
#[derive(Debug)]
pub(crate) struct Obj {
    /// The class (or callable) that produced it, if it was a global.
    pub(crate) class: Option<u32>,
    /// Arguments, kept for the few callables whose result we need to understand (`numpy.dtype`).
    pub(crate) args: Option<V>,
    /// State given by `BUILD`.
    pub(crate) state: RefCell<Option<V>>,
}

impl V {
    /// Short type name for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            V::None => "None",
            V::Bool(_) => "bool",
            V::Int(_) | V::BigInt => "int",
            V::Float => "float",
            V::Str(_) | V::LongStr => "str",
            V::Bytes | V::ScannedBytes => "bytes",
            V::Global(_) => "global",
            V::Obj(_) => "object",
            V::Tuple(_) | V::BigTuple => "tuple",
            V::List => "list",
            V::Set => "set",
            V::Dict(_) | V::Frozen(_) | V::OpaqueDict => "dict",
            V::Pers => "persistent id",
        }
    }

    /// A copy safe to store inside a container or object state: live dicts become frozen copies,
    /// object states are dropped below a small depth, so that no reference cycle can form.
    pub(crate) fn detach(&self, depth: u32) -> V {
        match self {
            V::Dict(d) if depth > 0 => match d.try_borrow() {
                Ok(d) => V::Frozen(
                    d.items.iter().map(|(k, v)| (k.detach(depth - 1), v.detach(depth - 1))).collect(),
                ),
                // a dict inside itself
                Err(_) => V::Frozen(Rc::from(Vec::new())),
            },
            V::Dict(_) => V::Frozen(Rc::from(Vec::new())),
            V::Tuple(t) if depth > 0 => new_tuple(t.items.iter().map(|x| x.detach(depth - 1)).collect()),
            V::Tuple(_) => V::BigTuple,
            V::Obj(o) => {
                let state = if depth > 0 {
                    o.state.try_borrow().ok().and_then(|st| st.as_ref().map(|s| s.detach(depth - 1)))
                } else {
                    None
                };
                V::Obj(Rc::new(Obj {
                    class: o.class,
                    args: if depth > 0 { o.args.as_ref().map(|a| a.detach(depth - 1)) } else { None },
                    state: RefCell::new(state),
                }))
            }
            other => other.clone(),
        }
    }

    /// The tuple elements, if this is a kept tuple.
    pub(crate) fn tuple(&self) -> Option<&[V]> {
        match self {
            V::Tuple(t) => Some(&t.items),
            _ => None,
        }
    }

    /// The string, if this is a kept str.
    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a str key in a dict or frozen dict.
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        let find =
            |items: &[(V, V)]| items.iter().find(|(k, _)| k.str() == Some(key)).map(|(_, v)| v.clone());
        match self {
            V::Dict(d) => d.try_borrow().ok().and_then(|d| find(&d.items)),
            V::Frozen(f) => find(f),
            _ => None,
        }
    }
}
