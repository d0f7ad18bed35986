//! ML-serving exposure rules (`SW-ML-*`), evaluated on Dockerfile RUN/CMD/ENTRYPOINT/ENV, compose
//! `command`/`entrypoint`/`environment` and Kubernetes `command`/`args`/`env`.

seawall_core::rules! {
    pub(crate) kind: Misconfiguration;
    ML_JUPYTER_OPEN = "SW-ML-001", Critical, 5, "Jupyter listens on all interfaces without a token or password",
        why: "A Jupyter server bound to 0.0.0.0 with an empty token/password is remote code execution for anyone who reaches the port: the notebook API runs arbitrary Python as the server user. `--allow-root` makes that user root. Exposed notebooks are routinely mined for cryptocurrency and credentials.",
        fix: "Bind to localhost and keep token authentication (reach it through an SSH tunnel or an authenticating proxy):\n\n```sh\njupyter lab --ip=127.0.0.1 --IdentityProvider.token=\"$JUPYTER_TOKEN\"\n```",
        refs: &["https://jupyter-server.readthedocs.io/en/latest/operators/security.html", "https://jupyter-notebook.readthedocs.io/en/stable/security.html"];
    ML_JUPYTER_ROOT = "SW-ML-002", High, 4, "Jupyter started with --allow-root",
        why: "Jupyter refuses to run as root unless told otherwise, because every notebook cell then runs as root; a notebook is an interactive shell for whoever has the token.",
        fix: "Run Jupyter as an unprivileged user:\n\n```dockerfile\nUSER 1000\nCMD [\"jupyter\", \"lab\", \"--ip=127.0.0.1\"]\n```",
        refs: &["https://jupyter-server.readthedocs.io/en/latest/operators/security.html"];
    ML_RAY_DASHBOARD = "SW-ML-003", High, 5, "Ray dashboard / job API bound to all interfaces",
        why: "The Ray dashboard (8265) exposes the Jobs API, which runs arbitrary commands on the cluster without authentication (the ShadowRay campaign, CVE-2023-48022, is Ray's documented behaviour, not a bug). Ray must never be reachable from untrusted networks.",
        fix: "Keep the dashboard on localhost and access it through a tunnel or an authenticating proxy:\n\n```sh\nray start --head --dashboard-host=127.0.0.1\n```",
        refs: &["https://docs.ray.io/en/latest/ray-security/index.html", "https://nvd.nist.gov/vuln/detail/CVE-2023-48022"];
    ML_MLFLOW_NOAUTH = "SW-ML-004", High, 5, "MLflow server on all interfaces without authentication",
        why: "An MLflow tracking server without `--app-name basic-auth` lets anyone on the network read experiments and artifacts and register or replace models (a poisoned model is code execution for its consumers); several MLflow CVEs give file read/write on top.",
        fix: "Enable authentication and bind to an internal interface behind a proxy:\n\n```sh\nmlflow server --host 127.0.0.1 --app-name basic-auth\n```",
        refs: &["https://mlflow.org/docs/latest/auth/index.html", "https://nvd.nist.gov/vuln/detail/CVE-2023-43472"];
    ML_OLLAMA_OPEN = "SW-ML-005", High, 5, "Ollama API bound to all interfaces (OLLAMA_HOST=0.0.0.0)",
        why: "The Ollama API has no authentication: anyone who reaches port 11434 can pull, delete and run models, exhaust the GPU, and exploit API bugs (CVE-2024-37032 path traversal to RCE). Thousands of Ollama servers are exposed on the internet.",
        fix: "Bind to localhost and put an authenticating proxy in front when remote access is needed:\n\n```dockerfile\nENV OLLAMA_HOST=127.0.0.1:11434\n```",
        refs: &["https://github.com/ollama/ollama/blob/main/docs/faq.md#how-do-i-configure-ollama-server", "https://nvd.nist.gov/vuln/detail/CVE-2024-37032"];
    ML_TENSORBOARD_BIND_ALL = "SW-ML-006", Medium, 5, "TensorBoard started with --bind_all",
        why: "TensorBoard has no authentication; `--bind_all` exposes training data samples, hyperparameters, embeddings and file paths to the whole network.",
        fix: "Bind to localhost and tunnel:\n\n```sh\ntensorboard --logdir runs --host 127.0.0.1\n```",
        refs: &["https://github.com/tensorflow/tensorboard/blob/master/README.md"];
    ML_TORCHSERVE_MGMT = "SW-ML-007", High, 5, "TorchServe management exposed or token authorization disabled",
        why: "The TorchServe management API (8081) registers models from URLs; with token authorization disabled, the model API enabled or the management address on 0.0.0.0, anyone on the network can load a malicious .mar file and execute code (ShellTorch, CVE-2023-43654).",
        fix: "Keep token auth on, the model API off and management on localhost:\n\n```properties\nmanagement_address=http://127.0.0.1:8081\nenable_model_api=false\n```",
        refs: &["https://pytorch.org/serve/token_authorization_api.html", "https://nvd.nist.gov/vuln/detail/CVE-2023-43654"];
    ML_GRADIO_SHARE = "SW-ML-008", Medium, 5, "Gradio share link enabled",
        why: "`share=True` (or `GRADIO_SHARE=true`) tunnels the app through a public `*.gradio.live` URL, bypassing every firewall and network policy around the container; the demo and its model become reachable from the internet.",
        fix: "Disable sharing and publish through your own authenticated ingress:\n\n```python\ndemo.launch(server_name=\"127.0.0.1\", share=False, auth=(user, password))\n```",
        refs: &["https://www.gradio.app/guides/sharing-your-app#security-and-file-access"];
    ML_VLLM_NO_API_KEY = "SW-ML-009", High, 5, "vLLM OpenAI-compatible server without an API key",
        why: "vLLM's OpenAI-compatible server listens on all interfaces by default and serves every request unless `--api-key` (or `VLLM_API_KEY`) is set: anyone who reaches the port can use the GPUs, read model outputs and, with LoRA/model-loading endpoints enabled, change what is served.",
        fix: "Require an API key from a secret and keep the port internal:\n\n```yaml\nenvironment:\n  VLLM_API_KEY_FILE: /run/secrets/vllm_api_key   # read by your entrypoint\ncommand: [\"--model\", \"mistralai/Mistral-7B-Instruct-v0.2\", \"--api-key\", \"$${VLLM_API_KEY}\"]\n```",
        refs: &["https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html", "https://docs.vllm.ai/en/latest/usage/security.html"];
}
