//! The rule catalog of the model scanner (practice 1: runtime threats).

use seawall_core::RuleMeta;

const PICKLE_REFS: &[&str] = &[
    "https://docs.python.org/3/library/pickle.html#restricting-globals",
    "https://github.com/python/cpython/blob/main/Lib/pickle.py",
    "https://pytorch.org/docs/stable/generated/torch.load.html",
];

seawall_core::rules! {
    pub(crate) kind: Model;
    /// Code execution when the model is loaded (a called callable is a code-execution primitive or
    /// outside the allowlist).
    CODE_EXEC = "SW-MODEL-001", Critical, 1, "Model file executes code when loaded",
        why: "Unpickling calls every callable the stream names through `REDUCE`, `OBJ`, `INST` (and `BUILD` \
     via `__setstate__`). This file calls a callable that is a code-execution primitive (`os.system`, \
     `builtins.exec`, `subprocess.Popen`, a rebuilt code object …) or that is not on the allowlist of \
     callables that model frameworks legitimately use, so `torch.load(weights_only=False)`, \
     `pickle.load`, `joblib.load` or `np.load(allow_pickle=True)` runs attacker-chosen code inside \
     the container, with its credentials and network.",
        fix: "Do not load the file. Obtain the model from a trusted source and prefer a format that cannot carry \
     code:\n\n```python\nfrom safetensors.torch import save_file, load_file\nsave_file(model.state_dict(), \
     \"model.safetensors\")\nstate = load_file(\"model.safetensors\")\n```\n\nIf a pickle is \
     unavoidable, load it with `torch.load(path, weights_only=True)`.",
        refs: PICKLE_REFS;

    /// File or network access when the model is loaded.
    FILE_NET = "SW-MODEL-002", High, 1, "Model file accesses files or the network when loaded",
        why: "The pickle calls a callable that reads, writes or deletes files or opens network connections \
     (`shutil.rmtree`, `socket.create_connection`, `webbrowser.open`, `urllib.request.urlopen`, \
     `builtins.open` …). Loading it can destroy data, exfiltrate secrets or download a second stage.",
        fix: "Do not load the file; re-export the weights from a trusted environment as safetensors:\n\n\
     ```python\nsave_file(model.state_dict(), \"model.safetensors\")\n```",
        refs: PICKLE_REFS;

    /// Dynamic attribute / import gadgets.
    GADGET = "SW-MODEL-003", Critical, 1, "Model file uses a dynamic import or getattr gadget",
        why: "Callables such as `builtins.getattr`, `builtins.__import__`, `importlib.import_module`, \
     `operator.attrgetter`/`methodcaller`, `functools.partial`, `pydoc.locate` or \
     `pkgutil.resolve_name` let a pickle reach any function by a *string* argument, so no dangerous \
     module name ever appears as a global. Scanners that only look at global names miss them; loading \
     the file runs arbitrary code.",
        fix: "Do not load the file. Rebuild the model from trusted code and save tensors only:\n\n```python\n\
     torch.save(model.state_dict(), \"model.pt\")  # then load with weights_only=True\n```",
        refs: PICKLE_REFS;

    /// BUILD / SETITEM / APPEND on a class or module object.
    MUTATE_GLOBAL = "SW-MODEL-004", High, 1, "Model file modifies a class or module while loading",
        why: "`BUILD`, `SETITEM(S)`, `APPEND(S)` or `ADDITEMS` applied to a class, function or module object \
     (instead of a freshly built instance) sets attributes or calls methods on live interpreter \
     objects (`os.environ`, a class's `__setstate__`, `__reduce__` overrides). This is a known way to \
     patch library code during unpickling and to reach code execution later.",
        fix: "Do not load the file; state dictionaries never need it. Re-save with \
     `torch.save(model.state_dict(), path)` or safetensors.",
        refs: PICKLE_REFS;

    /// Unknown global referenced (not called).
    UNKNOWN_GLOBAL = "SW-MODEL-005", Medium, 1, "Model file references a global outside the allowlist",
        why: "The pickle imports a class or function that is not on the allowlist of globals model frameworks \
     use (torch rebuild functions and storages, numpy reconstructors, sklearn/xgboost/lightgbm/transformers \
     classes, collections, …). Importing a module runs its top-level code, and an unknown class may \
     run arbitrary code in `__setstate__`/`__new__`. Typical benign cause: a whole `nn.Module` of a user \
     class was pickled instead of its `state_dict`.",
        fix: "Verify the named global is your own code. Prefer saving weights only:\n\n```python\n\
     torch.save(model.state_dict(), \"model.pt\")\n```\n\nand rebuild the module from source when loading.",
        refs: PICKLE_REFS;

    /// Dangerous global imported but not called.
    DANGEROUS_REF = "SW-MODEL-006", High, 1, "Model file imports a dangerous global",
        why: "The pickle imports a code-execution, file or network callable (for example `os.system`) even if \
     the emulation did not see it called. A legitimate model never needs it; it is usually a payload \
     that reaches the callable through a path the loader takes later (a `__setstate__`, a default \
     factory, a callback).",
        fix: "Do not load the file; obtain the model from a trusted source, ideally as safetensors.",
        refs: PICKLE_REFS;

    /// Unscannable: fail closed.
    UNSCANNABLE = "SW-MODEL-007", High, 1, "Model file could not be proven safe (unscannable)",
        why: "The file looks like a model format that can carry code but could not be analyzed completely: \
     parse error, truncated stream, opcode or size limit, memo anomaly, unsupported compression or an \
     inline array of unknown size. Real loaders are more permissive than scanners, and many published \
     scanner bypasses hide the payload exactly where a scanner gives up, so seawall fails closed.",
        fix: "Re-export the model from a trusted environment in a code-free format (safetensors, GGUF, ONNX \
     without custom ops), or investigate the reason given in the message.",
        refs: &["https://github.com/advisories?query=picklescan", "https://github.com/protectai/modelscan"];

    /// Zip anomalies (CVE-2025-1944 / CVE-2025-1945 class).
    ZIP_ANOMALY = "SW-MODEL-008", High, 1, "Model archive has inconsistent zip headers",
        why: "The local file headers and the central directory of this zip disagree (names, flags, sizes, \
     offsets), or entries carry encryption/unknown flag bits. PyTorch reads archives through the central \
     directory and ignores such flags, while Python's `zipfile` (used by several scanners) raises and \
     the scanner skips the member: CVE-2025-1944 and CVE-2025-1945 hid payloads this way.",
        fix: "Rewrite the archive with a standard tool from trusted content, e.g. \
     `torch.save(torch.load(p, weights_only=True), p2)`.",
        refs: &["https://nvd.nist.gov/vuln/detail/CVE-2025-1944", "https://nvd.nist.gov/vuln/detail/CVE-2025-1945",];

    /// Keras Lambda with bytecode.
    KERAS_LAMBDA = "SW-MODEL-009", Critical, 1, "Keras model contains code (Lambda layer, pickled torch module)",
        why: "A Keras `Lambda` layer stores its function as marshalled Python bytecode or as source text; \
     `load_model` (Keras 2, or Keras 3 with `safe_mode=False`) rebuilds and runs it. A \
     `TorchModuleWrapper` layer restores a pickled torch module with `torch.load`, which runs any \
     code the pickle names.",
        fix: "Replace the Lambda layer by a registered custom layer whose code ships with your application, \
     and load with `keras.models.load_model(path, safe_mode=True)`.",
        refs: &["https://keras.io/api/models/model_saving_apis/model_saving_and_loading/"];

    /// Keras config naming arbitrary modules.
    KERAS_MODULE = "SW-MODEL-010", Critical, 1, "Keras model config references a non-Keras module",
        why: "Keras 3 deserializes objects by importing the `module` named in `config.json` and calling the \
     named class or function with the stored arguments. Before Keras 3.9 `safe_mode` did not block \
     this (CVE-2025-1550): a config naming `os`/`subprocess` runs commands at load time.",
        fix: "Upgrade Keras to ≥ 3.9, load with `safe_mode=True`, and only accept configs whose objects come \
     from `keras.*`; register custom objects explicitly:\n\n```python\n\
     keras.saving.load_model(p, custom_objects={\"MyLayer\": MyLayer}, safe_mode=True)\n```",
        refs: &["https://nvd.nist.gov/vuln/detail/CVE-2025-1550"];

    /// TFSMLayer.
    KERAS_TFSM = "SW-MODEL-011", High, 1, "Keras model loads an external TensorFlow SavedModel (TFSMLayer)",
        why: "A `TFSMLayer` loads a SavedModel from a path named in the config, outside the reviewed archive; \
     SavedModel graphs can read and write files.",
        fix: "Inline the layers in the model, or review and pin the referenced SavedModel.",
        refs: &["https://keras.io/api/layers/backend_specific_layers/tfsm_layer/"];

    /// SavedModel file ops.
    TF_FILE_OPS = "SW-MODEL-012", High, 1, "TensorFlow graph uses file-system operations",
        why: "The graph contains ops such as `ReadFile`, `WriteFile`, `MatchingFiles` or `Save`/`Restore` \
     outside the standard checkpoint saver: running the model reads or writes arbitrary files.",
        fix: "Remove the ops (re-export the model from trusted code) or serve it with a sandbox that has no \
     file access.",
        refs: &["https://www.tensorflow.org/api_docs/python/tf/io/read_file"];

    /// SavedModel Python ops.
    TF_PYFUNC = "SW-MODEL-013", Critical, 1, "TensorFlow graph calls Python (PyFunc)",
        why: "`PyFunc`/`EagerPyFunc` ops call back into arbitrary Python code when the graph runs.",
        fix: "Re-export the model without `tf.py_function`/`tf.numpy_function`.",
        refs: &["https://www.tensorflow.org/api_docs/python/tf/py_function"];

    /// ONNX external data traversal.
    ONNX_EXTERNAL = "SW-MODEL-014", High, 1, "ONNX external data points outside the model directory",
        why: "An initializer stores its data externally with a `location` that is absolute or contains `..`: \
     loading the model reads an arbitrary file (`/etc/shadow`, credentials) into a tensor, which can \
     then be exfiltrated through the model's outputs.",
        fix: "Keep external data files next to the model with plain relative names (`weights.bin`), or save \
     with `onnx.save_model(m, p, save_as_external_data=False)`.",
        refs: &["https://onnx.ai/onnx/repo-docs/ExternalData.html"];

    /// ONNX custom ops.
    ONNX_CUSTOM_OP = "SW-MODEL-015", Medium, 1, "ONNX model uses a custom operator domain",
        why: "Operators from a non-standard domain need a custom-op shared library registered at load time; \
     such libraries run native code.",
        fix: "Use standard `ai.onnx` operators, or ship and review the custom-op library with the model.",
        refs: &["https://onnxruntime.ai/docs/reference/operators/add-custom-op.html"];

    /// GGUF chat template SSTI.
    GGUF_SSTI = "SW-MODEL-016", Critical, 1, "GGUF chat template contains a Jinja2 template-injection payload",
        why: "`tokenizer.chat_template` is rendered with Jinja2 by llama-cpp-python and other servers; \
     templates that reach `__globals__`, `__class__`, `__subclasses__` or gadgets such as `lipsum`/\
     `cycler` escape to Python and run commands (CVE-2024-34359).",
        fix: "Remove the template or replace it with the model family's reference template; upgrade \
     llama-cpp-python ≥ 0.2.72 (sandboxed rendering).",
        refs: &["https://nvd.nist.gov/vuln/detail/CVE-2024-34359"];

    /// Malformed headers.
    MALFORMED = "SW-MODEL-017", High, 1, "Model file header is malformed (out-of-bounds lengths or offsets)",
        why: "Header lengths, tensor offsets or table counts point outside the file or overlap. Such files \
     target memory-safety bugs in native loaders (out-of-bounds reads, huge allocations) and cannot be \
     trusted.",
        fix: "Re-export the model with the reference library (`safetensors.torch.save_file`, `gguf` writer).",
        refs: &[
        "https://github.com/huggingface/safetensors#format",
        "https://github.com/ggml-org/ggml/blob/master/docs/gguf.md"
    ];

    /// TorchScript code.
    TORCHSCRIPT_CODE = "SW-MODEL-018", Medium, 1, "TorchScript archive embeds code",
        why: "TorchScript archives carry compiled model code (`code/` members) that `torch.jit.load` compiles \
     and runs; it can call any registered operator, including file I/O ops.",
        fix: "Review the embedded code or prefer exporting weights as safetensors and the graph as ONNX.",
        refs: &["https://pytorch.org/docs/stable/jit.html"];

    /// Crafted pickle structure (parser differentials).
    PICKLE_ANOMALY = "SW-MODEL-019", High, 1, "Pickle stream has a structure no pickler writes",
        why: "The stream contains framing or opcodes that `pickle.dump` never produces: a `FRAME` whose length \
     ends inside an opcode or that starts before the previous frame ended, a `PROTO` opcode after the \
     start of a pickle. CPython's C unpickler, its pure-Python unpickler and the parsers of model \
     scanners read such streams differently, which is how scanner bypasses hide payloads (a scanner \
     sees data where the loader sees a call). A real model never contains them.",
        fix: "Do not load the file; re-export the model from a trusted environment, preferably as safetensors.",
        refs: &["https://github.com/trailofbits/fickling", "https://docs.python.org/3/library/pickletools.html"];
}

/// Every rule of this crate.
pub static RULES: &[RuleMeta] = ALL;

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
