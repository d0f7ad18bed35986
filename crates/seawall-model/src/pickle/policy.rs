//! Which globals a pickle may import and call: an allowlist per framework plus a classification of
//! known-dangerous names (used for severity and messages, never as the only line of defence).

/// The class of a global after resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// On the allowlist.
    Safe,
    /// Not on the allowlist, not known to be dangerous.
    Unknown,
    /// Reads/writes files or opens network connections.
    FileNet,
    /// Dynamic attribute lookup or import by string.
    Gadget,
    /// Executes code (shell, interpreter, code objects, nested loaders).
    Exec,
}

/// Maps Python 2 names to Python 3 names the way `pickle`'s `fix_imports` does (the subset that
/// matters for judging).
pub(crate) fn fix_module(module: &str) -> &str {
    match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "commands" => "subprocess",
        "urllib2" => "urllib.request",
        "httplib" => "http.client",
        "thread" => "_thread",
        "cStringIO" | "StringIO" => "io",
        "UserDict" => "collections",
        other => other,
    }
}

/// Maps Python 2 `(module, name)` pairs whose name changed (`_compat_pickle.NAME_MAPPING` subset).
pub(crate) fn fix_name<'a>(module: &'a str, name: &'a str) -> (&'a str, &'a str) {
    match (module, name) {
        ("__builtin__", "xrange") => ("builtins", "range"),
        ("__builtin__", "unicode" | "basestring") => ("builtins", "str"),
        ("__builtin__", "long") => ("builtins", "int"),
        ("__builtin__", "unichr") => ("builtins", "chr"),
        ("__builtin__", "reduce") => ("functools", "reduce"),
        ("__builtin__", "intern") => ("sys", "intern"),
        ("__builtin__", "raw_input") => ("builtins", "input"),
        ("itertools", "izip") => ("builtins", "zip"),
        ("itertools", "imap") => ("builtins", "map"),
        ("UserDict", "UserDict") => ("collections", "UserDict"),
        _ => (module, name),
    }
}

/// Modules whose every member executes code or loads further untrusted content.
const EXEC_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "_posixsubprocess",
    "pty",
    "runpy",
    "code",
    "codeop",
    "ctypes",
    "_ctypes",
    "cffi",
    "marshal",
    "pickle",
    "_pickle",
    "pickletools",
    "shelve",
    "dill",
    "cloudpickle",
    "sys",
    "timeit",
    "cProfile",
    "profile",
    "pdb",
    "bdb",
    "trace",
    "doctest",
    "multiprocessing",
    "asyncio",
    "_winapi",
    "winreg",
    "_thread",
    "threading",
    "signal",
    "gc",
    "zipimport",
    "distutils",
    "setuptools",
    "pip",
    "ensurepip",
    "venv",
    "imp",
    "_imp",
    "site",
    "sysconfig",
    "platform",
    "uuid._popen",
    "torch.hub",
    "torch.jit",
    "torch.package",
    "torch.utils.cpp_extension",
    "torch.fx",
    "torch._dynamo",
    "torch._inductor",
    "torch.cuda.memory",
    "numpy.f2py",
    "numpy.testing",
    "numpy.distutils",
    "jinja2",
    "mako",
    "IPython",
    "keras.src.saving",
    "tensorflow.python.ops.script_ops",
    "types",
    // builds code from text (`ast.parse` + `compile`); no model needs it
    "ast",
];

/// Single callables that execute code.
const EXEC_NAMES: &[&str] = &[
    "builtins.eval",
    "builtins.exec",
    "builtins.compile",
    "builtins.execfile",
    "builtins.breakpoint",
    "builtins.input",
    "builtins.help",
    "builtins.memoryview",
    "builtins.type",
    "builtins.classmethod",
    "builtins.staticmethod",
    "builtins.property",
    "torch.load",
    "torch.serialization.load",
    "torch.storage._load_from_bytes",
    "torch._weights_only_unpickler.load",
    "numpy.load",
    "numpy.lib.npyio.load",
    "numpy.loads",
    "numpy.core.multiarray.loads",
    "joblib.load",
    "joblib.numpy_pickle.load",
    "pandas.read_pickle",
    "pandas.io.pickle.read_pickle",
    "keras.models.load_model",
    "keras.saving.load_model",
    "tensorflow.saved_model.load",
    "functools.reduce",
    "copyreg.add_extension",
    "copyreg.pickle",
    "codecs.decode",
    "_codecs.decode",
    "base64.b64decode",
    "zlib.decompress",
    "bz2.decompress",
    "lzma.decompress",
];

/// Dynamic getattr / import gadgets.
const GADGET_NAMES: &[&str] = &[
    "builtins.getattr",
    "builtins.setattr",
    "builtins.delattr",
    "builtins.__import__",
    "builtins.globals",
    "builtins.locals",
    "builtins.vars",
    "builtins.object.__getattribute__",
    "operator.attrgetter",
    "operator.methodcaller",
    "operator.getitem",
    "operator.call",
    "_operator.attrgetter",
    "_operator.methodcaller",
    "_operator.getitem",
    "_operator.call",
    "functools.partial",
    "_functools.partial",
    "functools.partialmethod",
    "pydoc.locate",
    "pydoc.pipepager",
    "pydoc.tempfilepager",
    "pkgutil.resolve_name",
    "pkgutil.get_importer",
    "pkgutil.find_loader",
    "pkgutil.iter_modules",
];
const GADGET_MODULES: &[&str] = &["importlib", "pkgutil", "pydoc", "inspect"];

/// Modules that touch files or the network.
const FILE_NET_MODULES: &[&str] = &[
    "shutil",
    "socket",
    "_socket",
    "socketserver",
    "ssl",
    "select",
    "selectors",
    "webbrowser",
    "urllib",
    "http",
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
    "ftplib",
    "smtplib",
    "telnetlib",
    "poplib",
    "imaplib",
    "nntplib",
    "xmlrpc",
    "tempfile",
    "glob",
    "fileinput",
    "zipfile",
    "tarfile",
    "sqlite3",
    "mmap",
    "dbm",
    "filecmp",
    "logging",
    "fsspec",
    "huggingface_hub",
    "boto3",
    "botocore",
    "paramiko",
];
const FILE_NET_NAMES: &[&str] = &[
    "builtins.open",
    "io.open",
    "io.open_code",
    "io.FileIO",
    "_io.open",
    "_io.FileIO",
    "codecs.open",
    "pathlib.Path.write_text",
    "pathlib.Path.write_bytes",
    "pathlib.Path.read_text",
    "pathlib.Path.read_bytes",
    "pathlib.Path.unlink",
    "pathlib.Path.rmdir",
    "pathlib.Path.open",
    "numpy.save",
    "numpy.fromfile",
    "numpy.memmap",
    "numpy.loadtxt",
    "numpy.genfromtxt",
    "torch.save",
    "torch.from_file",
    "sklearn.datasets.fetch_openml",
];

/// Builtins that compute on data and run nothing else (when their arguments are data).
pub(crate) const PURE_BUILTINS: &[&str] = &[
    "builtins.len",
    "builtins.min",
    "builtins.max",
    "builtins.abs",
    "builtins.sum",
    "builtins.sorted",
    "builtins.round",
    "builtins.divmod",
    "builtins.pow",
    "builtins.all",
    "builtins.any",
    "builtins.chr",
    "builtins.ord",
    "builtins.hex",
    "builtins.oct",
    "builtins.bin",
    "builtins.ascii",
    "builtins.repr",
    "builtins.hash",
    "builtins.format",
    "builtins.zip",
    "builtins.enumerate",
];

/// `functools.partial`: binds a callable to arguments. Harmless in itself; the bound callable is
/// judged where the partial is built (a callable obtained at load time is a gadget) and called.
pub(crate) fn is_partial(full: &str) -> bool {
    matches!(full, "functools.partial" | "_functools.partial")
}

/// Exact allowlist.
const SAFE_NAMES: &[&str] = &[
    // builtins and stdlib data types
    "builtins.set",
    "builtins.frozenset",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.complex",
    "builtins.slice",
    "builtins.range",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.bool",
    "builtins.object",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "builtins.reversed",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "_collections.OrderedDict",
    "_collections.defaultdict",
    "_collections.deque",
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    "codecs.encode",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "pathlib.Path",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.PurePath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
    "pathlib._local.PosixPath",
    "pathlib._local.WindowsPath",
    "argparse.Namespace",
    "random.Random",
    "typing.Any",
    "typing.Dict",
    "typing.List",
    "typing.Optional",
    "typing.Union",
    "typing.Tuple",
    "types.SimpleNamespace",
    "io.BytesIO",
    "_io.BytesIO",
    "enum.Enum",
    "re._compile",
    // numpy
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core._internal._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.matrix",
    "numpy.matrixlib.defmatrix.matrix",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._generator.Generator",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._pcg64.PCG64DXSM",
    "numpy.random._philox.Philox",
    "numpy.random._sfc64.SFC64",
    "numpy.random.bit_generator.SeedSequence",
    "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
    // type lookups by name (dill / cloudpickle): the returned type is itself judged when called
    "dill._dill._load_type",
    "cloudpickle.cloudpickle._builtin_type",
    // joblib
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle.NDArrayWrapper",
    "joblib.numpy_pickle.ZNDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
    // torch
    "torch._tensor._rebuild_from_type_v2",
    "torch._tensor._rebuild_from_type",
    "torch.Size",
    "torch.device",
    "torch.Tensor",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.storage._LegacyStorage",
    "torch.serialization._get_layout",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "torch.contiguous_format",
    "torch.channels_last",
    "torch.preserve_format",
    "torch.strided",
    "torch.sparse_coo",
    "torch.sparse_csr",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.Buffer",
    "torch.nn.parameter.UninitializedParameter",
    "torch.nn.parameter.UninitializedBuffer",
    "torch.amp.grad_scaler.GradScaler",
    "torch.cuda.amp.grad_scaler.GradScaler",
    "torch.distributed.optim.ZeroRedundancyOptimizer",
    "torch.utils.data.dataloader.DataLoader",
    "torch.utils.hooks.RemovableHandle",
    "torch.utils.hooks._remove_by_id",
    // scipy
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csc.csc_matrix",
    "scipy.sparse._coo.coo_matrix",
    "scipy.sparse.csr.csr_matrix",
    "scipy.sparse.csc.csc_matrix",
    "scipy.sparse._csr.csr_array",
    "scipy.sparse._csc.csc_array",
];

/// torch dtype attributes (`torch.float32`, …).
const TORCH_DTYPES: &[&str] = &[
    "float32",
    "float",
    "float64",
    "double",
    "float16",
    "half",
    "bfloat16",
    "int64",
    "long",
    "int32",
    "int",
    "int16",
    "short",
    "int8",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex32",
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
    "chalf",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "bits8",
    "bits16",
];

/// numpy scalar types.
const NUMPY_SCALARS: &[&str] = &[
    "float64",
    "float32",
    "float16",
    "longdouble",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint64",
    "uint32",
    "uint16",
    "uint8",
    "bool_",
    "bool",
    "complex64",
    "complex128",
    "clongdouble",
    "str_",
    "bytes_",
    "object_",
    "datetime64",
    "timedelta64",
    "void",
    "intc",
    "uintc",
    "int_",
    "uint",
    "longlong",
    "ulonglong",
    "single",
    "double",
    "half",
];

/// numpy functions that compute on arrays and nothing else (ufuncs and reductions a
/// `FunctionTransformer` or a `functools.partial` in a pipeline refers to by name).
const NUMPY_MATH: &[&str] = &[
    "log",
    "log1p",
    "log2",
    "log10",
    "exp",
    "expm1",
    "exp2",
    "sqrt",
    "cbrt",
    "square",
    "abs",
    "absolute",
    "fabs",
    "sign",
    "negative",
    "reciprocal",
    "clip",
    "round",
    "around",
    "rint",
    "floor",
    "ceil",
    "trunc",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "add",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "floor_divide",
    "power",
    "mod",
    "remainder",
    "mean",
    "median",
    "sum",
    "prod",
    "std",
    "var",
    "amax",
    "amin",
    "max",
    "min",
    "cumsum",
    "cumprod",
    "nanmean",
    "nanmedian",
    "nansum",
    "nanstd",
    "nanmax",
    "nanmin",
    "argmax",
    "argmin",
    "sort",
    "argsort",
    "ravel",
    "transpose",
    "reshape",
    "asarray",
    "array",
    "isnan",
    "isfinite",
    "isinf",
    "nan_to_num",
    "where",
    "digitize",
    "percentile",
    "quantile",
    "logaddexp",
    "hypot",
    "deg2rad",
    "rad2deg",
    "sigmoid",
];

/// Module prefixes whose classes (CamelCase, non-dotted names) are allowed.
const CLASS_PREFIXES: &[&str] = &[
    "sklearn.",
    "scipy.sparse.",
    "scipy.stats.",
    "xgboost.",
    "lightgbm.",
    "catboost.",
    "transformers.",
    "tokenizers.",
    "accelerate.",
    "peft.",
    "sentence_transformers.",
    "torch.nn.modules.",
    "torch.optim.",
    "torch.ao.nn.",
    "numpy.dtypes.",
    "pandas.core.",
    "pandas._libs.",
    "timm.",
    "lightning.",
    "pytorch_lightning.",
    "lightning_fabric.",
    "torch.distributed.fsdp.",
    "torch.ao.quantization.",
    "omegaconf.",
    // Keras layer/model classes (Keras pickles models through `_unpickle_model`, judged in the VM)
    "keras.",
    "tf_keras.",
    // data pickles shipped in OS images and Python packages (locale data, tokenizer data)
    "babel.",
    "nltk.",
];

/// Module prefixes where functions (lowercase) are also allowed (pure tensor functions).
const FUNCTION_PREFIXES: &[&str] = &[
    "torch._utils._rebuild_",
    // TorchScript archives: classes compiled from the archive's own code/ (reported separately) and
    // the restore helpers of the C++ unpickler, which resolves nothing else
    "__torch__.",
    "torch.jit._pickle.",
    "torch.nn.functional.",
    "torch._C._nn.",
    "pandas._libs.",
    "pandas.core.internals.",
    "pandas.core.indexes.base._new_",
    "pandas.core.arrays.",
    "sklearn.tree._tree.",
];

/// Names never allowed through a prefix rule even if the module is trusted.
const NEVER_VIA_PREFIX: &[&str] = &[
    "os",
    "sys",
    "system",
    "popen",
    "eval",
    "exec",
    "compile",
    "load",
    "loads",
    "open",
    "getattr",
    "setattr",
    "__import__",
    "import_module",
    "run",
    "call",
    "check_output",
    "check_call",
    "spawn",
    "fork",
    "execv",
    "remove",
    "rmtree",
    "urlopen",
    "subprocess",
    "builtins",
    "pickle",
    "marshal",
    "importlib",
];

fn module_match(full: &str, modules: &[&str]) -> bool {
    modules.iter().any(|m| full.len() > m.len() && full.starts_with(m) && full.as_bytes()[m.len()] == b'.')
}

fn is_camel(name: &str) -> bool {
    // `Linear`, also private classes such as `_BinMapper`
    name.trim_start_matches('_').as_bytes().first().is_some_and(u8::is_ascii_uppercase)
}

/// True for an identifier path (`a.b_c.D1`): what CPython can import / getattr.
pub(crate) fn is_dotted_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && s.split('.').all(|p| {
            let mut c = p.chars();
            c.next().is_some_and(|f| f == '_' || f.is_alphabetic())
                && c.all(|x| x == '_' || x.is_alphanumeric())
        })
}

/// Classifies one fully qualified name (no suffix search).
fn classify_exact(full: &str) -> Option<Kind> {
    if GADGET_NAMES.contains(&full) || module_match(full, GADGET_MODULES) || GADGET_MODULES.contains(&full) {
        return Some(Kind::Gadget);
    }
    if EXEC_NAMES.contains(&full) || module_match(full, EXEC_MODULES) || EXEC_MODULES.contains(&full) {
        return Some(Kind::Exec);
    }
    if FILE_NET_NAMES.contains(&full)
        || module_match(full, FILE_NET_MODULES)
        || FILE_NET_MODULES.contains(&full)
    {
        return Some(Kind::FileNet);
    }
    None
}

fn is_safe(module: &str, name: &str, full: &str) -> bool {
    if SAFE_NAMES.contains(&full) || PURE_BUILTINS.contains(&full) || is_partial(full) {
        return true;
    }
    if name.contains('.')
        || NEVER_VIA_PREFIX.contains(&name)
        || (name.starts_with("__") && name.ends_with("__"))
    {
        return false;
    }
    if module == "torch" && (TORCH_DTYPES.contains(&name) || name.ends_with("Storage")) {
        return true;
    }
    // abstract base classes and `from __future__` feature records: data, no behaviour
    if matches!(module, "collections.abc" | "_collections_abc" | "__future__") {
        return true;
    }
    if module == "numpy" && (NUMPY_SCALARS.contains(&name) || NUMPY_MATH.contains(&name)) {
        return true;
    }
    if module.starts_with("sklearn.datasets") {
        return false;
    }
    if FUNCTION_PREFIXES.iter().any(|p| full.starts_with(p)) {
        return true;
    }
    // Cython `newObj(cls)` helpers of sklearn trees / metrics: `cls.__new__(cls)` (judged as NEWOBJ)
    if name == "newObj" && module.starts_with("sklearn.") {
        return true;
    }
    // classes of namespaces that load or write files are never allowed through a prefix
    // (Keras: its utils/saving namespaces hold loaders and downloaders)
    const IO_MODULES: &[&str] = &[".saving", ".utils", ".callbacks", ".export", ".datasets"];
    let keras = full.starts_with("keras.") || full.starts_with("tf_keras.");
    is_camel(name)
        && CLASS_PREFIXES.iter().any(|p| full.starts_with(p))
        && !(keras && IO_MODULES.iter().any(|m| module.contains(&format!("{m}.")) || module.ends_with(m)))
}

/// Resolution of one `(module, name)` pair.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// `module.name` after `fix_imports`.
    pub(crate) full: String,
    /// What it effectively is (for dotted names, the dangerous suffix, e.g. `os.system`).
    pub(crate) effective: String,
    /// The verdict.
    pub(crate) kind: Kind,
}

/// Classifies a global the way CPython resolves it: `fix_imports` on the module, then dotted
/// attribute traversal on the name (`("pathlib", "os.system")` is `os.system` when `pathlib` imports
/// `os`). Every suffix of the dotted path that names a known-dangerous object makes the global
/// dangerous.
pub(crate) fn classify(module: &str, name: &str) -> Resolved {
    let (module, name) = fix_name(module, name);
    let module = fix_module(module);
    let full = format!("{module}.{name}");
    if is_safe(module, name, &full) {
        return Resolved { effective: full.clone(), full, kind: Kind::Safe };
    }
    let parts: Vec<&str> = full.split('.').collect();
    let mut best: Option<(Kind, String)> = None;
    for i in 0..parts.len() {
        let cand = parts[i..].join(".");
        let cand = if i > 0 {
            // `x.__builtins__.eval`, `x.builtins.eval`: normalise to builtins.
            cand.strip_prefix("__builtins__.").map(|r| format!("builtins.{r}")).unwrap_or(cand)
        } else {
            cand
        };
        if let Some(k) = classify_exact(&cand)
            && best.as_ref().is_none_or(|(bk, _)| k > *bk)
        {
            best = Some((k, cand));
        }
    }
    // Single dunder attributes reached through a dotted path are always a gadget
    // (`__globals__`, `__builtins__`, `__subclasses__`, `__getattribute__`, `__reduce__`, …).
    if best.is_none()
        && name.contains('.')
        && parts.iter().skip(1).any(|p| p.starts_with("__") && p.ends_with("__"))
    {
        best = Some((Kind::Gadget, full.clone()));
    }
    // A dotted name that walks through a lowercase attribute (a module or function, not a nested
    // class `Outer.Inner`) reaches whatever that module imported: a gadget.
    if best.is_none() && name.split('.').next().is_some_and(|first| !is_camel(first)) && name.contains('.') {
        best = Some((Kind::Gadget, full.clone()));
    }
    match best {
        Some((kind, effective)) => Resolved { full, effective, kind },
        None => Resolved { effective: full.clone(), full, kind: Kind::Unknown },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify("torch._utils", "_rebuild_tensor_v2").kind, Kind::Safe);
        assert_eq!(classify("torch", "FloatStorage").kind, Kind::Safe);
        assert_eq!(classify("torch", "float32").kind, Kind::Safe);
        assert_eq!(classify("__builtin__", "set").kind, Kind::Safe);
        assert_eq!(classify("sklearn.linear_model._logistic", "LogisticRegression").kind, Kind::Safe);
        assert_eq!(classify("sklearn.base", "system").kind, Kind::Unknown);
        assert_eq!(classify("os", "system").kind, Kind::Exec);
        assert_eq!(classify("posix", "system").kind, Kind::Exec);
        assert_eq!(classify("__builtin__", "eval").kind, Kind::Exec);
        assert_eq!(classify("builtins", "getattr").kind, Kind::Gadget);
        assert_eq!(classify("shutil", "rmtree").kind, Kind::FileNet);
        assert_eq!(classify("corpus_models", "TinyNet").kind, Kind::Unknown);
        let r = classify("pathlib", "os.system");
        assert_eq!((r.kind, r.effective.as_str()), (Kind::Exec, "os.system"));
        let r = classify("torch.serialization", "os.system");
        assert_eq!(r.kind, Kind::Exec);
        assert_eq!(classify("sklearn.base", "BaseEstimator.__reduce__.__globals__").kind, Kind::Gadget);
        assert_eq!(classify("torch.nn.modules.linear", "Linear").kind, Kind::Safe);
        assert_eq!(classify("torch.nn.modules.linear", "Linear.__init__").kind, Kind::Gadget);
        assert_eq!(classify("torch.nn.modules.linear", "Linear.forward").kind, Kind::Unknown);
        assert_eq!(classify("commands", "getoutput").kind, Kind::Exec);
        assert_eq!(classify("__torch__.torch.nn.modules.linear", "Linear").kind, Kind::Safe);
        assert_eq!(classify("torch.jit._pickle", "build_tensor_from_id").kind, Kind::Safe);
        assert_eq!(classify("torch.jit", "load").kind, Kind::Exec);
        assert_eq!(classify("numpy.random._pickle", "__randomstate_ctor").kind, Kind::Safe);
        assert_eq!(classify("__builtin__", "xrange").kind, Kind::Safe);
        assert_eq!(classify("__builtin__", "reduce").kind, Kind::Exec);
        assert_eq!(classify("keras.src.models.sequential", "Sequential").kind, Kind::Safe);
        assert_ne!(classify("keras.src.saving.saving_lib", "H5IOStore").kind, Kind::Safe);
        assert_eq!(classify("collections.abc", "Mapping").kind, Kind::Safe);
        assert_eq!(classify("builtins", "len").kind, Kind::Safe);
        assert_eq!(classify("numpy", "log1p").kind, Kind::Safe);
        assert_eq!(classify("__future__", "_ssl.RAND_bytes").kind, Kind::Gadget);
        assert_eq!(classify("mylib", "Outer.Inner").kind, Kind::Unknown);
        assert_eq!(classify("ast", "parse").kind, Kind::Exec);
        assert_eq!(classify("accelerate.utils.dataclasses", "DistributedType").kind, Kind::Safe);
    }

    #[test]
    fn idents() {
        assert!(is_dotted_ident("os.path"));
        assert!(!is_dotted_ident("os..path"));
        assert!(!is_dotted_ident("a b"));
        assert!(!is_dotted_ident("1a"));
    }
}
