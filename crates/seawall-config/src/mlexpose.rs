//! ML-serving exposure checks (`SW-ML-*`) on commands and environment variables, shared by the
//! Dockerfile, compose and Kubernetes checks.

use seawall_core::RuleMeta;

use crate::catalog::ml::*;
use crate::shell::SimpleCommand;

/// One match: the rule, the byte offset of the offending word (if any) and a message.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) rule: &'static RuleMeta,
    pub(crate) offset: Option<usize>,
    pub(crate) message: String,
}

fn is_all_interfaces(v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    let host = v.strip_prefix("http://").or_else(|| v.strip_prefix("https://")).unwrap_or(v);
    host == "*"
        || host.starts_with("0.0.0.0")
        || host == "::"
        || host.starts_with("[::]")
        || host.starts_with(":::")
}

/// The value of `--flag=value` or `--flag value` in `words`, with the offset of the flag word.
fn flag_value<'a>(words: &'a [crate::shell::Word], names: &[&str]) -> Option<(&'a str, usize)> {
    for (i, w) in words.iter().enumerate() {
        for n in names {
            if let Some(v) = w.text.strip_prefix(n) {
                if let Some(v) = v.strip_prefix('=') {
                    return Some((v, w.offset));
                }
                if v.is_empty() {
                    let next = words.get(i + 1).map_or("", |x| x.text.as_str());
                    return Some((next, w.offset));
                }
            }
        }
    }
    None
}

fn empty_quoted(v: &str) -> bool {
    v.trim_matches(|c| c == '"' || c == '\'').is_empty()
}

/// Checks one simple command for ML-serving exposure.
pub(crate) fn check_command(cmd: &SimpleCommand) -> Vec<Hit> {
    let mut hits = Vec::new();
    let words = cmd.program_words();
    let names: Vec<&str> = words.iter().map(|w| crate::shell::base_name(&w.text)).collect();
    let prog = names.first().copied().unwrap_or("");
    let module = if matches!(prog, "python" | "python3") && names.get(1) == Some(&"-m") {
        names.get(2).copied().unwrap_or("")
    } else {
        ""
    };
    let is = |n: &str| prog == n || module == n;

    // Jupyter
    if prog.starts_with("jupyter")
        || prog.starts_with("start-notebook")
        || prog.starts_with("start-singleuser")
        || module.starts_with("jupyter")
        || module == "notebook"
    {
        let ip = flag_value(words, &["--ip", "--ServerApp.ip", "--NotebookApp.ip"]);
        let token =
            flag_value(words, &["--ServerApp.token", "--NotebookApp.token", "--IdentityProvider.token"]);
        let password = flag_value(
            words,
            &["--ServerApp.password", "--NotebookApp.password", "--PasswordIdentityProvider.hashed_password"],
        );
        let token_empty = token.is_some_and(|(v, _)| empty_quoted(v));
        let pw_set = password.is_some_and(|(v, _)| !empty_quoted(v));
        if let Some((v, off)) = ip
            && is_all_interfaces(v)
            && token_empty
            && !pw_set
        {
            hits.push(Hit {
                rule: &ML_JUPYTER_OPEN,
                offset: Some(off),
                message: "Jupyter listens on all interfaces with an empty token and no password".into(),
            });
        }
        if let Some(w) = words.iter().find(|w| w.text == "--allow-root") {
            hits.push(Hit {
                rule: &ML_JUPYTER_ROOT,
                offset: Some(w.offset),
                message: "Jupyter started with --allow-root".into(),
            });
        }
    }
    // Ray
    if is("ray")
        && names.contains(&"start")
        && let Some((v, off)) = flag_value(words, &["--dashboard-host"])
        && is_all_interfaces(v)
    {
        hits.push(Hit {
            rule: &ML_RAY_DASHBOARD,
            offset: Some(off),
            message: format!("ray start --dashboard-host={v}"),
        });
    }
    // MLflow
    if is("mlflow") && (names.contains(&"server") || names.contains(&"ui")) {
        let host = flag_value(words, &["--host", "-h"]);
        let auth = flag_value(words, &["--app-name"]).is_some_and(|(v, _)| v.contains("basic-auth"));
        if let Some((v, off)) = host
            && is_all_interfaces(v)
            && !auth
        {
            hits.push(Hit {
                rule: &ML_MLFLOW_NOAUTH,
                offset: Some(off),
                message: format!("mlflow server --host {v} without --app-name basic-auth"),
            });
        }
    }
    // TensorBoard
    if is("tensorboard") {
        if let Some(w) = words.iter().find(|w| w.text == "--bind_all") {
            hits.push(Hit {
                rule: &ML_TENSORBOARD_BIND_ALL,
                offset: Some(w.offset),
                message: "tensorboard --bind_all".into(),
            });
        } else if let Some((v, off)) = flag_value(words, &["--host"])
            && is_all_interfaces(v)
        {
            hits.push(Hit {
                rule: &ML_TENSORBOARD_BIND_ALL,
                offset: Some(off),
                message: format!("tensorboard --host {v}"),
            });
        }
    }
    // TorchServe
    if is("torchserve") {
        for flag in ["--disable-token-auth", "--enable-model-api"] {
            if let Some(w) = words.iter().find(|w| w.text == flag) {
                hits.push(Hit {
                    rule: &ML_TORCHSERVE_MGMT,
                    offset: Some(w.offset),
                    message: format!("torchserve {flag}"),
                });
            }
        }
    }
    // Gradio share=True inside python -c, and `gradio` CLI with --share
    for w in words {
        let t = w.text.replace(' ', "");
        if t.contains("share=True") && (t.contains("launch(") || t.contains("gradio") || t.contains("gr.")) {
            hits.push(Hit {
                rule: &ML_GRADIO_SHARE,
                offset: Some(w.offset),
                message: "Gradio launched with share=True".into(),
            });
        }
        if t.contains("dashboard_host=\"0.0.0.0\"") || t.contains("dashboard_host='0.0.0.0'") {
            hits.push(Hit {
                rule: &ML_RAY_DASHBOARD,
                offset: Some(w.offset),
                message: "ray.init(dashboard_host=\"0.0.0.0\")".into(),
            });
        }
    }
    // Environment assignments on the command line (`OLLAMA_HOST=0.0.0.0 ollama serve`)
    for (k, v, off) in cmd.assignments() {
        for mut h in check_env(k, v) {
            h.offset = Some(off);
            hits.push(h);
        }
    }
    hits
}

/// Checks one environment variable for ML-serving exposure.
pub(crate) fn check_env(name: &str, value: &str) -> Vec<Hit> {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let truthy = matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes");
    let mut hits = Vec::new();
    match name {
        "OLLAMA_HOST" if is_all_interfaces(v) => {
            hits.push(Hit { rule: &ML_OLLAMA_OPEN, offset: None, message: format!("OLLAMA_HOST={v}") })
        }
        "TS_DISABLE_TOKEN_AUTHORIZATION" | "TS_ENABLE_MODEL_API" if truthy => {
            hits.push(Hit { rule: &ML_TORCHSERVE_MGMT, offset: None, message: format!("{name}={v}") })
        }
        "TS_MANAGEMENT_ADDRESS" if is_all_interfaces(v) => {
            hits.push(Hit { rule: &ML_TORCHSERVE_MGMT, offset: None, message: format!("{name}={v}") })
        }
        "GRADIO_SHARE" if truthy => {
            hits.push(Hit { rule: &ML_GRADIO_SHARE, offset: None, message: format!("{name}={v}") })
        }
        _ => {}
    }
    hits
}

/// Checks a TorchServe `config.properties` text; returns hits with byte offsets of the lines.
pub(crate) fn check_torchserve_properties(text: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim();
        if let Some((k, v)) = l.split_once('=') {
            let (k, v) = (k.trim(), v.trim());
            let bad = match k {
                "management_address" => is_all_interfaces(v),
                "disable_token_authorization" | "enable_model_api" => v.eq_ignore_ascii_case("true"),
                _ => false,
            };
            if bad {
                hits.push(Hit { rule: &ML_TORCHSERVE_MGMT, offset: Some(off), message: format!("{k}={v}") });
            }
        }
        off += line.len();
    }
    hits
}

/// True when a container runs vLLM's OpenAI-compatible server: a `vllm` image, `vllm serve`, or
/// `python -m vllm.entrypoints.openai.api_server`.
pub(crate) fn is_vllm(image: Option<&str>, argv: &[String]) -> bool {
    let img = image.is_some_and(|i| {
        let repo = i.split(['@', ':']).next().unwrap_or(i).to_ascii_lowercase();
        repo.rsplit('/').next().is_some_and(|n| n.starts_with("vllm"))
    });
    img || argv.windows(2).any(|w| crate::shell::base_name(&w[0]) == "vllm" && w[1] == "serve")
        || argv.iter().any(|a| a.contains("vllm.entrypoints.openai.api_server"))
}

/// True when the arguments set an API key.
pub(crate) fn has_api_key_flag(argv: &[String]) -> bool {
    argv.iter().any(|a| a == "--api-key" || a.starts_with("--api-key="))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::split;

    fn ids(text: &str) -> Vec<&'static str> {
        split(text).iter().flat_map(check_command).map(|h| h.rule.id).collect()
    }

    #[test]
    fn jupyter() {
        assert_eq!(
            ids("jupyter lab --ip=0.0.0.0 --ServerApp.token='' --allow-root"),
            vec!["SW-ML-001", "SW-ML-002"]
        );
        assert_eq!(ids("jupyter notebook --ip 0.0.0.0 --NotebookApp.token= --no-browser"), vec!["SW-ML-001"]);
        assert!(ids("jupyter lab --ip=0.0.0.0").is_empty(), "default token is random");
        assert_eq!(ids("start-notebook.sh --ip=0.0.0.0 --NotebookApp.token="), vec!["SW-ML-001"]);
        assert!(ids("jupyter lab --ip=127.0.0.1 --ServerApp.token=''").is_empty());
        assert!(
            ids("jupyter lab --ip=0.0.0.0 --ServerApp.token='' --ServerApp.password='sha1:abc'").is_empty()
        );
    }

    #[test]
    fn ray_mlflow_tensorboard_torchserve() {
        assert_eq!(ids("ray start --head --dashboard-host=0.0.0.0"), vec!["SW-ML-003"]);
        assert!(ids("ray start --head --dashboard-host=127.0.0.1").is_empty());
        assert_eq!(ids("mlflow server --host 0.0.0.0 --port 5000"), vec!["SW-ML-004"]);
        assert!(ids("mlflow server --host 0.0.0.0 --app-name basic-auth").is_empty());
        assert!(ids("mlflow server --host 127.0.0.1").is_empty());
        assert_eq!(ids("tensorboard --logdir /runs --bind_all"), vec!["SW-ML-006"]);
        assert!(ids("tensorboard --logdir /runs").is_empty());
        assert_eq!(
            ids("torchserve --start --disable-token-auth --enable-model-api"),
            vec!["SW-ML-007", "SW-ML-007"]
        );
        assert!(ids("torchserve --start --models all").is_empty());
    }

    #[test]
    fn env_and_gradio() {
        assert_eq!(ids("OLLAMA_HOST=0.0.0.0:11434 ollama serve"), vec!["SW-ML-005"]);
        assert!(ids("OLLAMA_HOST=127.0.0.1 ollama serve").is_empty());
        assert_eq!(check_env("OLLAMA_HOST", "0.0.0.0").len(), 1);
        assert_eq!(check_env("GRADIO_SHARE", "True").len(), 1);
        assert!(check_env("GRADIO_SHARE", "false").is_empty());
        assert_eq!(
            ids("python -c 'import gradio as gr; gr.Interface(f).launch(share=True)'"),
            vec!["SW-ML-008"]
        );
        assert!(ids("python -c 'demo.launch(share=False)'").is_empty());
    }

    #[test]
    fn torchserve_properties() {
        let h = check_torchserve_properties(
            "inference_address=http://0.0.0.0:8080\nmanagement_address=http://0.0.0.0:8081\n",
        );
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].offset, Some(38));
        assert!(check_torchserve_properties("management_address=http://127.0.0.1:8081\n").is_empty());
    }
}
