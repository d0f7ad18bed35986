//! The rule catalog of the model scanner (practice 1: runtime threats).

use seawall_core::{FindingKind, RuleMeta, Severity};

const PICKLE_REFS: &[&str] = &[
    "https://docs.python.org/3/library/pickle.html#restricting-globals",
    "https://github.com/python/cpython/blob/main/Lib/pickle.py",
    "https://pytorch.org/docs/stable/generated/torch.load.html",
];

macro_rules! rule {
    ($id:literal, $sev:ident, $title:literal, $why:literal, $fix:literal, $refs:expr) => {
        RuleMeta {
            id: $id,
            kind: FindingKind::Model,
            severity: Severity::$sev,
            practice: 1,
            title: $title,
            rationale: $why,
            fix: $fix,
            references: $refs,
        }
    };
}

/// Code execution when the model is loaded (a called callable is a code-execution primitive or
/// outside the allowlist).
pub(crate) static CODE_EXEC: RuleMeta = rule!(
    "SW-MODEL-001",
    Critical,
    "Model file executes code when loaded",
    "Unpickling calls every callable the stream names through `REDUCE`, `OBJ`, `INST` (and `BUILD` \
     via `__setstate__`). This file calls a callable that is a code-execution primitive (`os.system`, \
     `builtins.exec`, `subprocess.Popen`, a rebuilt code object …) or that is not on the allowlist of \
     callables that model frameworks legitimately use, so `torch.load(weights_only=False)`, \
     `pickle.load`, `joblib.load` or `np.load(allow_pickle=True)` runs attacker-chosen code inside \
     the container, with its credentials and network.",
    "Do not load the file. Obtain the model from a trusted source and prefer a format that cannot carry \
     code:\n\n```python\nfrom safetensors.torch import save_file, load_file\nsave_file(model.state_dict(), \
     \"model.safetensors\")\nstate = load_file(\"model.safetensors\")\n```\n\nIf a pickle is \
     unavoidable, load it with `torch.load(path, weights_only=True)`.",
    PICKLE_REFS
);

/// File or network access when the model is loaded.
pub(crate) static FILE_NET: RuleMeta = rule!(
    "SW-MODEL-002",
    High,
    "Model file accesses files or the network when loaded",
    "The pickle calls a callable that reads, writes or deletes files or opens network connections \
     (`shutil.rmtree`, `socket.create_connection`, `webbrowser.open`, `urllib.request.urlopen`, \
     `builtins.open` …). Loading it can destroy data, exfiltrate secrets or download a second stage.",
    "Do not load the file; re-export the weights from a trusted environment as safetensors:\n\n\
     ```python\nsave_file(model.state_dict(), \"model.safetensors\")\n```",
    PICKLE_REFS
);

/// Dynamic attribute / import gadgets.
pub(crate) static GADGET: RuleMeta = rule!(
    "SW-MODEL-003",
    Critical,
    "Model file uses a dynamic import or getattr gadget",
    "Callables such as `builtins.getattr`, `builtins.__import__`, `importlib.import_module`, \
     `operator.attrgetter`/`methodcaller`, `functools.partial`, `pydoc.locate` or \
     `pkgutil.resolve_name` let a pickle reach any function by a *string* argument, so no dangerous \
     module name ever appears as a global. Scanners that only look at global names miss them; loading \
     the file runs arbitrary code.",
    "Do not load the file. Rebuild the model from trusted code and save tensors only:\n\n```python\n\
     torch.save(model.state_dict(), \"model.pt\")  # then load with weights_only=True\n```",
    PICKLE_REFS
);

/// BUILD / SETITEM / APPEND on a class or module object.
pub(crate) static MUTATE_GLOBAL: RuleMeta = rule!(
    "SW-MODEL-004",
    High,
    "Model file modifies a class or module while loading",
    "`BUILD`, `SETITEM(S)`, `APPEND(S)` or `ADDITEMS` applied to a class, function or module object \
     (instead of a freshly built instance) sets attributes or calls methods on live interpreter \
     objects (`os.environ`, a class's `__setstate__`, `__reduce__` overrides). This is a known way to \
     patch library code during unpickling and to reach code execution later.",
    "Do not load the file; state dictionaries never need it. Re-save with \
     `torch.save(model.state_dict(), path)` or safetensors.",
    PICKLE_REFS
);

/// Unknown global referenced (not called).
pub(crate) static UNKNOWN_GLOBAL: RuleMeta = rule!(
    "SW-MODEL-005",
    Medium,
    "Model file references a global outside the allowlist",
    "The pickle imports a class or function that is not on the allowlist of globals model frameworks \
     use (torch rebuild functions and storages, numpy reconstructors, sklearn/xgboost/lightgbm/transformers \
     classes, collections, …). Importing a module runs its top-level code, and an unknown class may \
     run arbitrary code in `__setstate__`/`__new__`. Typical benign cause: a whole `nn.Module` of a user \
     class was pickled instead of its `state_dict`.",
    "Verify the named global is your own code. Prefer saving weights only:\n\n```python\n\
     torch.save(model.state_dict(), \"model.pt\")\n```\n\nand rebuild the module from source when loading.",
    PICKLE_REFS
);

/// Dangerous global imported but not called.
pub(crate) static DANGEROUS_REF: RuleMeta = rule!(
    "SW-MODEL-006",
    High,
    "Model file imports a dangerous global",
    "The pickle imports a code-execution, file or network callable (for example `os.system`) even if \
     the emulation did not see it called. A legitimate model never needs it; it is usually a payload \
     that reaches the callable through a path the loader takes later (a `__setstate__`, a default \
     factory, a callback).",
    "Do not load the file; obtain the model from a trusted source, ideally as safetensors.",
    PICKLE_REFS
);

/// Unscannable: fail closed.
pub(crate) static UNSCANNABLE: RuleMeta = rule!(
    "SW-MODEL-007",
    High,
    "Model file could not be proven safe (unscannable)",
    "The file looks like a model format that can carry code but could not be analyzed completely: \
     parse error, truncated stream, opcode or size limit, memo anomaly, unsupported compression or an \
     inline array of unknown size. Real loaders are more permissive than scanners, and many published \
     scanner bypasses hide the payload exactly where a scanner gives up, so seawall fails closed.",
    "Re-export the model from a trusted environment in a code-free format (safetensors, GGUF, ONNX \
     without custom ops), or investigate the reason given in the message.",
    &["https://github.com/advisories?query=picklescan", "https://github.com/protectai/modelscan"]
);

/// Zip anomalies (CVE-2025-1944 / CVE-2025-1945 class).
pub(crate) static ZIP_ANOMALY: RuleMeta = rule!(
    "SW-MODEL-008",
    High,
    "Model archive has inconsistent zip headers",
    "The local file headers and the central directory of this zip disagree (names, flags, sizes, \
     offsets), or entries carry encryption/unknown flag bits. PyTorch reads archives through the central \
     directory and ignores such flags, while Python's `zipfile` (used by several scanners) raises and \
     the scanner skips the member: CVE-2025-1944 and CVE-2025-1945 hid payloads this way.",
    "Rewrite the archive with a standard tool from trusted content, e.g. \
     `torch.save(torch.load(p, weights_only=True), p2)`.",
    &["https://nvd.nist.gov/vuln/detail/CVE-2025-1944", "https://nvd.nist.gov/vuln/detail/CVE-2025-1945",]
);

/// Keras Lambda with bytecode.
pub(crate) static KERAS_LAMBDA: RuleMeta = rule!(
    "SW-MODEL-009",
    Critical,
    "Keras model contains code (Lambda layer, pickled torch module)",
    "A Keras `Lambda` layer stores its function as marshalled Python bytecode or as source text; \
     `load_model` (Keras 2, or Keras 3 with `safe_mode=False`) rebuilds and runs it. A \
     `TorchModuleWrapper` layer restores a pickled torch module with `torch.load`, which runs any \
     code the pickle names.",
    "Replace the Lambda layer by a registered custom layer whose code ships with your application, \
     and load with `keras.models.load_model(path, safe_mode=True)`.",
    &["https://keras.io/api/models/model_saving_apis/model_saving_and_loading/"]
);

/// Keras config naming arbitrary modules.
pub(crate) static KERAS_MODULE: RuleMeta = rule!(
    "SW-MODEL-010",
    Critical,
    "Keras model config references a non-Keras module",
    "Keras 3 deserializes objects by importing the `module` named in `config.json` and calling the \
     named class or function with the stored arguments. Before Keras 3.9 `safe_mode` did not block \
     this (CVE-2025-1550): a config naming `os`/`subprocess` runs commands at load time.",
    "Upgrade Keras to ≥ 3.9, load with `safe_mode=True`, and only accept configs whose objects come \
     from `keras.*`; register custom objects explicitly:\n\n```python\n\
     keras.saving.load_model(p, custom_objects={\"MyLayer\": MyLayer}, safe_mode=True)\n```",
    &["https://nvd.nist.gov/vuln/detail/CVE-2025-1550"]
);

/// TFSMLayer.
pub(crate) static KERAS_TFSM: RuleMeta = rule!(
    "SW-MODEL-011",
    High,
    "Keras model loads an external TensorFlow SavedModel (TFSMLayer)",
    "A `TFSMLayer` loads a SavedModel from a path named in the config, outside the reviewed archive; \
     SavedModel graphs can read and write files.",
    "Inline the layers in the model, or review and pin the referenced SavedModel.",
    &["https://keras.io/api/layers/backend_specific_layers/tfsm_layer/"]
);

/// SavedModel file ops.
pub(crate) static TF_FILE_OPS: RuleMeta = rule!(
    "SW-MODEL-012",
    High,
    "TensorFlow graph uses file-system operations",
    "The graph contains ops such as `ReadFile`, `WriteFile`, `MatchingFiles` or `Save`/`Restore` \
     outside the standard checkpoint saver: running the model reads or writes arbitrary files.",
    "Remove the ops (re-export the model from trusted code) or serve it with a sandbox that has no \
     file access.",
    &["https://www.tensorflow.org/api_docs/python/tf/io/read_file"]
);

/// SavedModel Python ops.
pub(crate) static TF_PYFUNC: RuleMeta = rule!(
    "SW-MODEL-013",
    Critical,
    "TensorFlow graph calls Python (PyFunc)",
    "`PyFunc`/`EagerPyFunc` ops call back into arbitrary Python code when the graph runs.",
    "Re-export the model without `tf.py_function`/`tf.numpy_function`.",
    &["https://www.tensorflow.org/api_docs/python/tf/py_function"]
);

/// ONNX external data traversal.
pub(crate) static ONNX_EXTERNAL: RuleMeta = rule!(
    "SW-MODEL-014",
    High,
    "ONNX external data points outside the model directory",
    "An initializer stores its data externally with a `location` that is absolute or contains `..`: \
     loading the model reads an arbitrary file (`/etc/shadow`, credentials) into a tensor, which can \
     then be exfiltrated through the model's outputs.",
    "Keep external data files next to the model with plain relative names (`weights.bin`), or save \
     with `onnx.save_model(m, p, save_as_external_data=False)`.",
    &["https://onnx.ai/onnx/repo-docs/ExternalData.html"]
);

/// ONNX custom ops.
pub(crate) static ONNX_CUSTOM_OP: RuleMeta = rule!(
    "SW-MODEL-015",
    Medium,
    "ONNX model uses a custom operator domain",
    "Operators from a non-standard domain need a custom-op shared library registered at load time; \
     such libraries run native code.",
    "Use standard `ai.onnx` operators, or ship and review the custom-op library with the model.",
    &["https://onnxruntime.ai/docs/reference/operators/add-custom-op.html"]
);

/// GGUF chat template SSTI.
pub(crate) static GGUF_SSTI: RuleMeta = rule!(
    "SW-MODEL-016",
    Critical,
    "GGUF chat template contains a Jinja2 template-injection payload",
    "`tokenizer.chat_template` is rendered with Jinja2 by llama-cpp-python and other servers; \
     templates that reach `__globals__`, `__class__`, `__subclasses__` or gadgets such as `lipsum`/\
     `cycler` escape to Python and run commands (CVE-2024-34359).",
    "Remove the template or replace it with the model family's reference template; upgrade \
     llama-cpp-python ≥ 0.2.72 (sandboxed rendering).",
    &["https://nvd.nist.gov/vuln/detail/CVE-2024-34359"]
);

/// Malformed headers.
pub(crate) static MALFORMED: RuleMeta = rule!(
    "SW-MODEL-017",
    High,
    "Model file header is malformed (out-of-bounds lengths or offsets)",
    "Header lengths, tensor offsets or table counts point outside the file or overlap. Such files \
     target memory-safety bugs in native loaders (out-of-bounds reads, huge allocations) and cannot be \
     trusted.",
    "Re-export the model with the reference library (`safetensors.torch.save_file`, `gguf` writer).",
    &[
        "https://github.com/huggingface/safetensors#format",
        "https://github.com/ggml-org/ggml/blob/master/docs/gguf.md"
    ]
);

/// TorchScript code.
pub(crate) static TORCHSCRIPT_CODE: RuleMeta = rule!(
    "SW-MODEL-018",
    Medium,
    "TorchScript archive embeds code",
    "TorchScript archives carry compiled model code (`code/` members) that `torch.jit.load` compiles \
     and runs; it can call any registered operator, including file I/O ops.",
    "Review the embedded code or prefer exporting weights as safetensors and the graph as ONNX.",
    &["https://pytorch.org/docs/stable/jit.html"]
);

/// Every rule of this crate.
pub static RULES: &[RuleMeta] = &[
    CODE_EXEC,
    FILE_NET,
    GADGET,
    MUTATE_GLOBAL,
    UNKNOWN_GLOBAL,
    DANGEROUS_REF,
    UNSCANNABLE,
    ZIP_ANOMALY,
    KERAS_LAMBDA,
    KERAS_MODULE,
    KERAS_TFSM,
    TF_FILE_OPS,
    TF_PYFUNC,
    ONNX_EXTERNAL,
    ONNX_CUSTOM_OP,
    GGUF_SSTI,
    MALFORMED,
    TORCHSCRIPT_CODE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_and_well_formed() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            assert!(r.id.starts_with("SW-MODEL-"), "{}", r.id);
            assert_eq!(r.practice, 1);
            assert!(!r.references.is_empty() && r.rationale.len() > 60 && !r.fix.is_empty());
        }
    }
}
