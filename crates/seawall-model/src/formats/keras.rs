//! Keras model configs (`model_config` of `.h5`, `config.json` of `.keras`): Lambda layers with
//! bytecode, serialized objects naming non-Keras modules (CVE-2025-1550), `TFSMLayer`.

use std::io::Read;

use serde_json::Value;

use crate::ctx::{Ctx, Scope};
use crate::input::Input;
use crate::rules;

/// Largest config parsed.
pub(crate) const MAX_CONFIG: u64 = 64 << 20;

fn keras_module(m: &str) -> bool {
    const OK: &[&str] = &["keras", "tf_keras", "keras_nlp", "keras_hub", "keras_cv", "tensorflow.keras"];
    if OK.iter().any(|p| m == *p || m.starts_with(&format!("{p}."))) {
        return true;
    }
    // TensorFlow math/nn ops serialized as activation functions (TF-backed Keras); never the I/O,
    // file or Python-calling op modules
    m.starts_with("tensorflow.python.ops.")
        && !["io_ops", "script_ops", "file_io", "gfile", "logging_ops", "string_ops"]
            .iter()
            .any(|x| m.contains(x))
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
                let cfg = o.get("config");
                let f = cfg.and_then(|c| c.get("function"));
                let ftype = cfg.and_then(|c| c.get("function_type")).and_then(Value::as_str).unwrap_or("");
                let bytecode = match f {
                    Some(Value::Array(a)) => a.first().is_some_and(Value::is_string) || ftype == "lambda",
                    Some(Value::String(_)) => ftype == "lambda",
                    Some(Value::Object(fo)) => {
                        fo.get("class_name").and_then(Value::as_str) == Some("__lambda__")
                    }
                    _ => false,
                };
                if bytecode {
                    hits.push((
                        &rules::KERAS_LAMBDA,
                        String::new(),
                        format!("Lambda layer {layer:?} stores marshalled Python bytecode"),
                    ));
                }
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
                && !keras_module(m)
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
        assert!(!keras_module("tensorflow.python.ops.gen_io_ops"));
        assert!(!keras_module("os"));
    }
}
