//! The secret rule catalog: one [`RuleMeta`] per detector family.

use seawall_core::{FindingKind, RuleMeta, Severity};

/// Shared "how to fix" text: move the secret out of the image and the repository.
macro_rules! move_out {
    () => {
        "\n\nThen keep it out of images and repositories:\n\n\
* **Build time**: use a BuildKit secret mount instead of `ARG`/`ENV`/`COPY` (build args and `ENV` are \
recorded in the image config and history, and a file deleted in a later layer is still in the earlier one):\n\n\
```dockerfile\n# syntax=docker/dockerfile:1\nRUN --mount=type=secret,id=hf_token,env=HF_TOKEN \\\n    \
huggingface-cli download org/model\n```\n\n`docker build --secret id=hf_token,env=HF_TOKEN .`\n\n\
* **Run time**: inject it from a secret store, never bake it in: Docker/Compose secrets (`secrets:` mounted \
at `/run/secrets/<name>`), Kubernetes `Secret`s synced from an external store (External Secrets Operator, \
Vault Agent / CSI driver, cloud secret managers) and referenced with `valueFrom.secretKeyRef`.\n\
* **Repositories and notebooks**: read it from the environment (`os.environ[\"HF_TOKEN\"]`), keep `.env` \
files in `.gitignore`/`.dockerignore`, clear notebook outputs before committing.\n\
* After rotation, add the finding's fingerprint to `.seawallignore` only if the value is confirmed dead."
    };
}

/// Shared references appended to every rule.
macro_rules! refs {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            "https://docs.docker.com/build/building/secrets/",
            "https://kubernetes.io/docs/concepts/configuration/secret/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/798.html",
        ]
    };
}

/// Builds one secret rule (kind Secret, practice 6).
macro_rules! rule {
    ($id:expr, $sev:ident, $title:expr, $why:expr, $fix:expr, [$($r:expr),* $(,)?]) => {
        RuleMeta {
            id: $id,
            kind: FindingKind::Secret,
            severity: Severity::$sev,
            practice: 6,
            title: $title,
            rationale: $why,
            fix: concat!($fix, move_out!()),
            references: refs!($($r),*),
        }
    };
}

/// Every secret rule, in id order.
pub static RULES: &[RuleMeta] = &[
    rule!(
        "SW-SEC-001",
        Critical,
        "Hugging Face access token",
        "A Hugging Face user or organisation token (`hf_…`, `api_org_…`) grants read and often write access to \
private models, datasets and Spaces. A write token lets an attacker replace model weights with a \
code-executing pickle that every consumer of the repository then loads.",
        "Revoke the token at https://huggingface.co/settings/tokens, create a fine-grained read-only token, and \
pass it at run time as `HF_TOKEN`.",
        ["https://huggingface.co/docs/hub/security-tokens"]
    ),
    rule!(
        "SW-SEC-002",
        Critical,
        "OpenAI API key",
        "An OpenAI key (`sk-…`, `sk-proj-…`, `sk-svcacct-…`) bills usage to the owning organisation and exposes \
its files, assistants and fine-tuned models. Leaked keys are harvested from public images within minutes.",
        "Delete the key at https://platform.openai.com/api-keys, create a project-scoped key with restricted \
permissions, and pass it at run time as `OPENAI_API_KEY`.",
        ["https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety"]
    ),
    rule!(
        "SW-SEC-003",
        Critical,
        "Anthropic API key",
        "An Anthropic key (`sk-ant-…`) bills usage to the workspace and exposes its data; admin keys manage \
the whole organisation.",
        "Disable the key in the Anthropic Console (Settings → API keys), create a new workspace-scoped key and pass \
it at run time as `ANTHROPIC_API_KEY`.",
        ["https://docs.anthropic.com/en/api/getting-started"]
    ),
    rule!(
        "SW-SEC-004",
        High,
        "Weights & Biases API key",
        "A W&B API key (40 hex characters, in `WANDB_API_KEY`, `wandb.login(key=…)` or `~/.netrc` for \
`api.wandb.ai`) gives full access to the user's projects: experiment data, artifacts and model checkpoints.",
        "Revoke the key at https://wandb.ai/authorize (User settings → API keys) and supply the new one at run \
time through `WANDB_API_KEY`.",
        ["https://docs.wandb.ai/guides/track/environment-variables/"]
    ),
    rule!(
        "SW-SEC-005",
        High,
        "Kaggle API key",
        "A Kaggle key (`kaggle.json`, `KAGGLE_KEY`) lets anyone download private datasets and competition data \
and publish under the owner's name.",
        "Expire the token on https://www.kaggle.com/settings (API → Expire token) and mount `kaggle.json` at run \
time from a secret (mode 0600), never `COPY` it into the image.",
        ["https://github.com/Kaggle/kaggle-api#api-credentials"]
    ),
    rule!(
        "SW-SEC-006",
        High,
        "Replicate API token",
        "A Replicate token (`r8_…`) runs paid predictions and trainings and reads the owner's private models.",
        "Revoke the token at https://replicate.com/account/api-tokens and pass a new one at run time as \
`REPLICATE_API_TOKEN`.",
        ["https://replicate.com/docs/reference/http#authentication"]
    ),
    rule!(
        "SW-SEC-007",
        High,
        "Cohere API key",
        "A Cohere key (40 characters, in `COHERE_API_KEY`/`CO_API_KEY` or `cohere.Client(…)`) bills usage and \
exposes fine-tuned models and datasets.",
        "Delete the key in the Cohere dashboard (API keys) and pass a new one at run time as `CO_API_KEY`.",
        ["https://docs.cohere.com/docs/rate-limits"]
    ),
    rule!(
        "SW-SEC-008",
        High,
        "Groq API key",
        "A Groq key (`gsk_…`) bills inference usage to the owning organisation.",
        "Delete the key at https://console.groq.com/keys and pass a new one at run time as `GROQ_API_KEY`.",
        ["https://console.groq.com/docs/quickstart"]
    ),
    rule!(
        "SW-SEC-009",
        High,
        "LangSmith API key",
        "A LangSmith key (`lsv2_pt_…`, `lsv2_sk_…`) exposes traces, which routinely contain prompts, completions, \
user data and other credentials.",
        "Revoke the key in LangSmith (Settings → API keys) and pass a new one at run time as `LANGSMITH_API_KEY`.",
        [
            "https://docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key"
        ]
    ),
    rule!(
        "SW-SEC-010",
        High,
        "Pinecone API key",
        "A Pinecone key (`pcsk_…` or a UUID in `PINECONE_API_KEY`) reads and overwrites vector indexes: the \
retrieval corpus of a RAG system, which an attacker can poison.",
        "Delete the key in the Pinecone console (API keys), create a new one with the narrowest role and pass it \
at run time as `PINECONE_API_KEY`.",
        ["https://docs.pinecone.io/guides/projects/manage-api-keys"]
    ),
    rule!(
        "SW-SEC-011",
        High,
        "Comet API key",
        "A Comet ML key (`COMET_API_KEY`, `comet_ml.init(api_key=…)`) exposes experiments, artifacts and registered \
models of the workspace.",
        "Regenerate the key in Comet (Account settings → API keys) and pass it at run time as `COMET_API_KEY`.",
        ["https://www.comet.com/docs/v2/guides/experiment-management/configure-sdk/"]
    ),
    rule!(
        "SW-SEC-012",
        High,
        "Neptune API token",
        "A Neptune token (base64 JSON starting `eyJhcGlfYWRkcmVzcyI6`, in `NEPTUNE_API_TOKEN`) exposes runs, \
metadata and model registry entries of the workspace.",
        "Reset the token in Neptune (user menu → Get your API token → reset) and pass it at run time as \
`NEPTUNE_API_TOKEN`.",
        ["https://docs.neptune.ai/setup/setting_api_token/"]
    ),
    rule!(
        "SW-SEC-013",
        High,
        "Mistral AI API key",
        "A Mistral key (32 characters, `MISTRAL_API_KEY`) bills inference and fine-tuning to the workspace.",
        "Delete the key at https://console.mistral.ai/api-keys and pass a new one at run time as \
`MISTRAL_API_KEY`.",
        ["https://docs.mistral.ai/getting-started/quickstart/"]
    ),
    rule!(
        "SW-SEC-014",
        High,
        "Together AI API key",
        "A Together key (`tgp_v1_…` or 64 hex characters in `TOGETHER_API_KEY`) bills inference, fine-tuning \
and GPU clusters to the account.",
        "Rotate the key at https://api.together.ai/settings/api-keys and pass it at run time as \
`TOGETHER_API_KEY`.",
        ["https://docs.together.ai/docs/quickstart"]
    ),
    rule!(
        "SW-SEC-015",
        Critical,
        "Databricks personal access token",
        "A Databricks token (`dapi…`) acts as the user on the workspace: notebooks, clusters, Unity Catalog data \
and MLflow models.",
        "Revoke the token (User settings → Developer → Access tokens), prefer OAuth machine-to-machine auth for \
automation, and pass credentials at run time as `DATABRICKS_TOKEN`.",
        ["https://docs.databricks.com/en/dev-tools/auth/pat.html"]
    ),
    rule!(
        "SW-SEC-016",
        High,
        "AWS access key ID",
        "An AWS access key id (`AKIA…`, `ASIA…`) identifies a long-lived or temporary IAM credential; the secret \
key is usually nearby, and the id alone reveals the account.",
        "Deactivate and delete the key in IAM (`aws iam delete-access-key`), and give workloads IAM roles \
(instance profiles, IRSA, ECS task roles) instead of static keys.",
        ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"]
    ),
    rule!(
        "SW-SEC-017",
        Critical,
        "AWS secret access key",
        "An AWS secret access key (40 characters after `aws_secret_access_key`) signs API requests as the IAM \
principal: S3 training data, SageMaker endpoints, and whatever else the policy allows.",
        "Deactivate the key pair in IAM, review CloudTrail for its use, and switch the workload to an IAM role \
(IRSA, instance profile) so that no static key exists.",
        ["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"]
    ),
    rule!(
        "SW-SEC-018",
        Critical,
        "Google Cloud service account key",
        "A service-account JSON key (`\"type\": \"service_account\"` with `private_key_id`/`private_key`) is a \
long-lived credential for the service account on GCP: Vertex AI, GCS buckets, BigQuery.",
        "Delete the key (`gcloud iam service-accounts keys delete KEY_ID --iam-account …`) and use Workload \
Identity (GKE) or Workload Identity Federation instead of key files.",
        ["https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"]
    ),
    rule!(
        "SW-SEC-019",
        High,
        "Google API key or OAuth client secret",
        "A Google API key (`AIza…`) or OAuth client secret (`GOCSPX-…`) bills quota-metered APIs (Gemini, Maps) to \
the project or lets an attacker impersonate the OAuth application.",
        "Delete or restrict the key (API and application restrictions) in the Cloud console Credentials page; \
reset the OAuth client secret.",
        ["https://cloud.google.com/docs/authentication/api-keys"]
    ),
    rule!(
        "SW-SEC-020",
        Critical,
        "Azure storage key, connection string or client secret",
        "An Azure storage `AccountKey`, Service Bus/Event Hub `SharedAccessKey`, SAS signature or Entra ID client \
secret gives direct access to blobs, queues or the application's identity.",
        "Rotate the storage or shared access key (or revoke the SAS / client secret), and use managed identities \
with Azure RBAC instead of keys.",
        ["https://learn.microsoft.com/en-us/azure/storage/common/storage-account-keys-manage"]
    ),
    rule!(
        "SW-SEC-021",
        Critical,
        "GitHub token",
        "A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`) acts as a user or GitHub App: \
private source code, packages, and often push rights to repositories whose CI deploys to production.",
        "Revoke the token (Settings → Developer settings → Personal access tokens, or the App's installation), \
prefer fine-grained tokens with minimal scope, and in CI use the job's `GITHUB_TOKEN` or OIDC.",
        [
            "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens"
        ]
    ),
    rule!(
        "SW-SEC-022",
        Critical,
        "GitLab token",
        "A GitLab personal, project, deploy, runner or CI token (`glpat-`, `gldt-`, `glrt-`, …) reads or writes \
repositories, registries and pipelines.",
        "Revoke the token in GitLab (User settings → Access tokens, or the project/runner settings) and use CI/CD \
variables marked masked and protected.",
        ["https://docs.gitlab.com/ee/security/tokens/"]
    ),
    rule!(
        "SW-SEC-023",
        High,
        "Slack token or webhook",
        "A Slack bot/user/app token (`xoxb-`, `xoxp-`, `xapp-`) or incoming-webhook URL reads channels or posts as \
the workspace's app, a favourite phishing vector.",
        "Revoke the token or webhook in the Slack app's settings (OAuth & Permissions / Incoming Webhooks) and \
load it at run time from a secret.",
        ["https://api.slack.com/authentication/token-types"]
    ),
    rule!(
        "SW-SEC-024",
        Critical,
        "Stripe secret or restricted key",
        "A Stripe secret or restricted key (`sk_live_`, `rk_live_`) moves money and reads customer data; test keys \
(`sk_test_`) expose test-mode data and are reported at lower severity.",
        "Roll the key in the Stripe dashboard (Developers → API keys) and pass it at run time from a secret store.",
        ["https://docs.stripe.com/keys"]
    ),
    rule!(
        "SW-SEC-025",
        High,
        "npm access token",
        "An npm token (`npm_…`, `_authToken=` in `.npmrc`) publishes packages as the owner: a supply-chain takeover \
of everything that depends on them.",
        "Revoke the token (`npm token revoke`), use granular tokens or trusted publishing, and mount `.npmrc` as a \
BuildKit secret during `npm ci`.",
        ["https://docs.npmjs.com/about-access-tokens"]
    ),
    rule!(
        "SW-SEC-026",
        Critical,
        "PyPI upload token",
        "A PyPI API token (`pypi-AgEIcHlwaS5vcmc…`) uploads releases of the owner's projects: a supply-chain \
takeover of every user of the package.",
        "Remove the token at https://pypi.org/manage/account/token/ and switch to Trusted Publishing (OIDC) from CI.",
        ["https://docs.pypi.org/trusted-publishers/"]
    ),
    rule!(
        "SW-SEC-027",
        High,
        "Docker Hub access token",
        "A Docker Hub personal or organisation access token (`dckr_pat_`, `dckr_oat_`) pushes images: an attacker \
can replace the tags your deployments pull.",
        "Delete the token at https://app.docker.com/settings/personal-access-tokens and use a credential helper \
or CI secret for `docker login`.",
        ["https://docs.docker.com/security/for-developers/access-tokens/"]
    ),
    rule!(
        "SW-SEC-028",
        High,
        "Registry credentials in Docker config.json",
        "An `auths.<registry>.auth` entry in `.docker/config.json` is `base64(user:password)`, readable by anyone \
who can read the image or the home directory.",
        "Change the registry password/token, configure a credential helper (`credsStore`/`credHelpers`), and never \
copy `~/.docker/config.json` into an image.",
        ["https://docs.docker.com/reference/cli/docker/login/#credential-stores"]
    ),
    rule!(
        "SW-SEC-029",
        Medium,
        "JSON Web Token",
        "A JWT is a bearer credential: until it expires, whoever holds it is the subject (service accounts, \
session tokens, Kubernetes service-account tokens often never expire).",
        "Invalidate the token (rotate the signing key or revoke the session / service-account token) and obtain \
tokens at run time (projected service-account tokens, OIDC).",
        ["https://datatracker.ietf.org/doc/html/rfc8725"]
    ),
    rule!(
        "SW-SEC-030",
        High,
        "Private key",
        "A PEM, OpenSSH or PGP private key lets an attacker impersonate the server, sign code or log in wherever \
the public half is trusted. Keys in images are copied to every registry and host that pulls them.",
        "Revoke and re-issue the key pair (certificate, SSH authorized_keys, signing key), then mount the private \
key at run time from a secret (`/run/secrets/…`, k8s `Secret` volume with mode 0400).",
        ["https://cwe.mitre.org/data/definitions/321.html"]
    ),
    rule!(
        "SW-SEC-031",
        High,
        "Database URL with password",
        "A connection string with an embedded password (`postgresql://user:pass@host/db`) gives direct access to \
the database: feature stores, experiment tracking (MLflow backend store), user data.",
        "Change the database password and build the URL at run time from a secret-provided password \
(`POSTGRES_PASSWORD_FILE=/run/secrets/db_password`, k8s `secretKeyRef`).",
        ["https://cwe.mitre.org/data/definitions/259.html"]
    ),
    rule!(
        "SW-SEC-032",
        High,
        "URL with embedded credentials",
        "A URL of the form `scheme://user:password@host` (pip `index-url`, `.git-credentials`, `.git/config` \
remotes, proxies) stores the password in clear text and leaks it into logs and process listings.",
        "Change the password or token, then use a credential helper (`git credential`, `keyring` for pip, \
`PIP_INDEX_URL` from a BuildKit secret) instead of credentials in URLs.",
        [
            "https://pip.pypa.io/en/stable/topics/authentication/",
            "https://cwe.mitre.org/data/definitions/522.html"
        ]
    ),
    rule!(
        "SW-SEC-033",
        High,
        "Password in .netrc",
        "A `.netrc` `machine … login … password …` entry stores a clear-text password used automatically by curl, \
git, pip and wandb.",
        "Change the password, delete the `.netrc` from the image, and provide it at run time from a secret mount \
when a tool needs it.",
        ["https://everything.curl.dev/usingcurl/netrc.html"]
    ),
    rule!(
        "SW-SEC-034",
        High,
        "Credential in an HTTP Authorization header",
        "A hard-coded `Authorization: Bearer …`/`Basic …` header (shell history, notebooks, scripts) is a live \
bearer credential for the API it is sent to.",
        "Revoke the token and read it at run time from the environment or a mounted secret \
(`-H \"Authorization: Bearer $API_TOKEN\"`).",
        ["https://datatracker.ietf.org/doc/html/rfc6750#section-5"]
    ),
    rule!(
        "SW-SEC-035",
        Medium,
        "Secret assigned to a secret-like name",
        "A high-entropy value assigned to a name such as `password`, `secret`, `api_key` or `*_TOKEN` is very \
likely a credential, even when its format is not one seawall recognises.",
        "Confirm what the value is; if it is a credential, rotate it and supply it at run time from a secret \
store.",
        ["https://cwe.mitre.org/data/definitions/259.html"]
    ),
];

/// The catalog entry for a rule id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_sorted_and_documented() {
        let mut prev = "";
        for r in RULES {
            assert!(r.id > prev, "{} out of order", r.id);
            prev = r.id;
            assert!(r.id.starts_with("SW-SEC-"));
            assert_eq!(r.kind, FindingKind::Secret);
            assert_eq!(r.practice, 6);
            assert!(r.rationale.len() > 60, "{}", r.id);
            assert!(r.fix.contains("--mount=type=secret"), "{}", r.id);
            assert!(r.references.len() >= 4, "{}", r.id);
        }
        assert_eq!(RULES.len(), 35);
        assert!(rule("SW-SEC-001").is_some());
        assert!(rule("SW-SEC-999").is_none());
    }
}
