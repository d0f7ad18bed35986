//! Keras model configs (`model_config` of `.h5`, `config.json` of `.keras`): Lambda layers with
//! bytecode, serialized objects naming non-Keras modules (CVE-2025-1550), `TFSMLayer`.

use std::io::Read;

use serde_json::Value;

use crate::ctx::{Ctx, Scope};
use crate::input::Input;
use crate::rules;

/// Largest config parsed.
pub(crate) const MAX_CONFIG: u64 = 64 << 20;

/// Keras' own packages (classes and functions they serialize are resolved inside them).
fn keras_package(m: &str) -> Option<&str> {
    const OK: &[&str] = &["keras", "tf_keras", "keras_nlp", "keras_hub", "keras_cv", "tensorflow.keras"];
    OK.iter().find(|p| m == **p || m.starts_with(&format!("{p}."))).map(|p| &m[p.len()..])
}

/// Keras namespaces that do I/O or load further content when called (`keras.utils.get_file`
/// downloads, `keras.saving.load_model` loads another model, callbacks write files).
fn io_namespace(rest: &str) -> bool {
    [
        ".utils",
        ".saving",
        ".export",
        ".callbacks",
        ".datasets",
        ".applications",
        ".legacy.saving",
        ".models.load_model",
        ".src.utils",
        ".src.saving",
        ".src.export",
        ".src.callbacks",
        ".src.datasets",
        ".src.applications",
        ".src.legacy.saving",
        "file_utils",
        "io_utils",
    ]
    .iter()
    .any(|x| rest.starts_with(x) || rest.contains(x))
}

/// Namespaces whose functions are pure tensor math (activations, losses, metrics, ops, …).
fn function_namespace(rest: &str) -> bool {
    let rest = rest.strip_prefix(".src").unwrap_or(rest);
    [
        ".activations",
        ".losses",
        ".metrics",
        ".ops",
        ".initializers",
        ".regularizers",
        ".constraints",
        ".backend",
        ".random",
        ".layers.activations",
        ".optimizers.schedules",
    ]
    .iter()
    .any(|x| rest == *x || rest.starts_with(&format!("{x}.")))
}

/// TensorFlow math/nn ops serialized as activation functions (TF-backed Keras); never the I/O,
/// file or Python-calling op modules.
fn tf_math(m: &str) -> bool {
    m.starts_with("tensorflow.python.ops.")
        && !["io_ops", "script_ops", "file_io", "gfile", "logging_ops", "string_ops"]
            .iter()
            .any(|x| m.contains(x))
}

/// True when the serialized object `(module, class_name)` resolves inside Keras (or TF math) to
/// something that runs no I/O: classes outside the I/O namespaces; functions only from the
/// activation/loss/metric/op namespaces.
fn keras_object_ok(m: &str, is_function: bool) -> bool {
    if tf_math(m) {
        return true;
    }
    match keras_package(m) {
        None => false,
        Some(rest) if io_namespace(rest) => false,
        Some(rest) if is_function => function_namespace(rest),
        Some(_) => true,
    }
}

/// Compatibility for tests and callers that only ask about the module.
#[cfg(test)]
fn keras_module(m: &str) -> bool {
    keras_object_ok(m, false)
}

/// True when the JSON looks like a Keras config (a serialized object at the top).
pub(crate) fn looks_like_keras(v: &Value) -> bool {
    v.get("class_name").is_some_and(Value::is_string)
        && (v.get("config").is_some() || v.get("module").is_some())
}

/// Checks a Keras config tree. `format`: `keras-h5` or `keras-v3`.
pub(crate) fn check_config(ctx: &mut Ctx, scope: &Scope, v: &Value, format: &str) {
    let mut hits: Vec<(&'static seawall_core::RuleMeta, String, String)> = Vec::new();
    walk(v, 0, &mut hits);
    hits.sort_by(|a, b| (a.0.id, &a.1).cmp(&(b.0.id, &b.1)));
    hits.dedup_by(|a, b| a.0.id == b.0.id && a.1 == b.1);
    for (rule, callable, msg) in hits.into_iter().take(50) {
        let callables = if callable.is_empty() { vec![] } else { vec![callable] };
        ctx.hit(scope, format, rule, callables, None, msg);
    }
}

fn walk(v: &Value, depth: u32, hits: &mut Vec<(&'static seawall_core::RuleMeta, String, String)>) {
    if depth > 200 {
        return;
    }
    match v {
        Value::Object(o) => {
            let class = o.get("class_name").and_then(Value::as_str).unwrap_or("");
            let layer = o.get("config").and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("");
            if class == "Lambda" {
                // A Lambda runs Python when the layer is called: marshalled bytecode (Keras 2
                // `function_type: "lambda"`, Keras 3 `__lambda__`) or source text alike. Only a
                // reference to a named Keras / TF math function is not code.
                let cfg = o.get("config");
                let f = cfg.and_then(|c| c.get("function"));
                let module = cfg.and_then(|c| c.get("module")).and_then(Value::as_str);
                let ftype = cfg.and_then(|c| c.get("function_type")).and_then(Value::as_str).unwrap_or("");
                let named_ok = match f {
                    Some(Value::String(_)) if ftype == "function" => {
                        module.is_some_and(|m| keras_object_ok(m, true))
                    }
                    Some(Value::Object(fo)) => {
                        fo.get("class_name").and_then(Value::as_str) == Some("function")
                            && fo
                                .get("module")
                                .and_then(Value::as_str)
                                .is_some_and(|m| keras_object_ok(m, true))
                    }
                    _ => false,
                };
                let what = match f {
                    Some(Value::Array(_)) => "marshalled Python bytecode",
                    Some(Value::Object(fo))
                        if fo.get("class_name").and_then(Value::as_str) == Some("__lambda__") =>
                    {
                        "marshalled Python bytecode"
                    }
                    Some(Value::String(_)) if ftype != "function" => "Python source",
                    _ => "a Python function",
                };
                if !named_ok && f.is_some() {
                    hits.push((
                        &rules::KERAS_LAMBDA,
                        String::new(),
                        format!("Lambda layer {layer:?} stores {what}, which runs when the model is loaded or called"),
                    ));
                }
            }
            if class == "TorchModuleWrapper" {
                hits.push((
                    &rules::KERAS_LAMBDA,
                    "torch.load".into(),
                    format!("TorchModuleWrapper {layer:?} restores a pickled torch module (torch.load runs pickle)"),
                ));
            }
            if class == "__lambda__" {
                hits.push((
                    &rules::KERAS_LAMBDA,
                    String::new(),
                    "serialized __lambda__ function with bytecode".into(),
                ));
            }
            if class == "TFSMLayer" {
                let path =
                    o.get("config").and_then(|c| c.get("filepath")).and_then(Value::as_str).unwrap_or("?");
                hits.push((
                    &rules::KERAS_TFSM,
                    String::new(),
                    format!("TFSMLayer {layer:?} loads the SavedModel at {path:?}"),
                ));
            }
            if let Some(m) = o.get("module").and_then(Value::as_str)
                && !keras_object_ok(m, class == "function")
            {
                let target = match o.get("config") {
                    Some(Value::String(s)) if class == "function" => s.clone(),
                    _ => class.to_owned(),
                };
                let callable = format!("{m}.{target}");
                hits.push((
                    &rules::KERAS_MODULE,
                    callable.clone(),
                    format!("serialized object refers to module {m:?} ({callable}); Keras imports and calls it when loading"),
                ));
            }
            for x in o.values() {
                walk(x, depth + 1, hits);
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, depth + 1, hits);
            }
        }
        _ => {}
    }
}

/// Reads a `config.json` member; if it is a Keras config, checks it and returns true.
pub(crate) fn scan_config_stream(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) -> bool {
    let mut buf = Vec::new();
    if (&mut *inp).take(MAX_CONFIG).read_to_end(&mut buf).is_err() {
        return false;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&buf) else {
        return false;
    };
    if !looks_like_keras(&v) {
        return false;
    }
    check_config(ctx, scope, &v, "keras-v3");
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lambda_and_modules() {
        let v: Value = serde_json::json!({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAA=", null, null], "function_type": "lambda"}},
            {"module": "keras.layers", "class_name": "Dense", "config": {"kernel_initializer": {"module": "subprocess", "class_name": "Popen", "config": {}}}}
        ]}});
        let mut hits = Vec::new();
        walk(&v, 0, &mut hits);
        assert!(hits.iter().any(|h| h.0.id == rules::KERAS_LAMBDA.id));
        assert!(hits.iter().any(|h| h.0.id == rules::KERAS_MODULE.id && h.1 == "subprocess.Popen"));
        let ok: Value = serde_json::json!({"module": "keras", "class_name": "Sequential", "config": {"layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"activation": "relu"}}]}});
        let mut hits = Vec::new();
        walk(&ok, 0, &mut hits);
        assert!(hits.is_empty());
        assert!(keras_module("tensorflow.python.ops.gen_nn_ops"));
        assert!(keras_object_ok("keras.src.activations.activations", true));
        assert!(keras_object_ok("keras.activations", true));
        assert!(!keras_object_ok("keras.utils", true));
        assert!(!keras_object_ok("keras.src.utils.file_utils", true));
        assert!(!keras_object_ok("keras.src.saving.saving_lib", true));
        assert!(!keras_object_ok("keras.layers", true), "layers are classes, not functions");
        assert!(keras_object_ok("keras.layers", false));
        assert!(!keras_module("tensorflow.python.ops.gen_io_ops"));
        assert!(!keras_module("os"));
    }
}
