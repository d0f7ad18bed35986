//! The secret rule catalog: one [`RuleMeta`] per detector family.

use seawall_core::RuleMeta;

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

/// Shared rationale paragraph: how secrets inside installed third-party packages are reported.
macro_rules! third_party {
    () => {
        "\n\nInside installed third-party packages (`site-packages`, `dist-packages`, `node_modules`, conda \
`pkgs/`) a token on seawall's list of known public test tokens (for example the Hugging Face hub-CI sandbox \
token that ships in transformers) is reported at INFO with `details.known_public`; any other secret there keeps \
its severity and carries `details.third_party`. In your own files every secret keeps its severity. See \
`docs/secrets.md`."
    };
}

seawall_core::rules! {
    pub(crate) kind: Secret;
    HUGGING_FACE = "SW-SEC-001", Critical, 6, "Hugging Face access token",
        why: concat!("A Hugging Face user or organisation token (`hf_` and 34 letters or digits, `api_org_` and 34 letters) grants read and often write access to \
private models, datasets and Spaces. A write token lets an attacker replace model weights with a \
code-executing pickle that every consumer of the repository then loads.", third_party!()),
        fix: concat!("Revoke the token at https://huggingface.co/settings/tokens, create a fine-grained read-only token, and \
pass it at run time as `HF_TOKEN`.", move_out!()),
        refs: refs!("https://huggingface.co/docs/hub/security-tokens");
    OPENAI = "SW-SEC-002", Critical, 6, "OpenAI API key",
        why: concat!("An OpenAI key (`sk-…`, `sk-proj-…`, `sk-svcacct-…`) bills usage to the owning organisation and exposes \
its files, assistants and fine-tuned models. Leaked keys are harvested from public images within minutes.", third_party!()),
        fix: concat!("Delete the key at https://platform.openai.com/api-keys, create a project-scoped key with restricted \
permissions, and pass it at run time as `OPENAI_API_KEY`.", move_out!()),
        refs: refs!("https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety");
    ANTHROPIC = "SW-SEC-003", Critical, 6, "Anthropic API key",
        why: concat!("An Anthropic key (`sk-ant-api03-`, 93 characters and `AA`; admin keys `sk-ant-admin01-…`) bills usage to the \
workspace and exposes its data; admin keys manage the whole organisation.", third_party!()),
        fix: concat!("Disable the key in the Anthropic Console (Settings → API keys), create a new workspace-scoped key and pass \
it at run time as `ANTHROPIC_API_KEY`.", move_out!()),
        refs: refs!("https://docs.anthropic.com/en/api/getting-started");
    WANDB = "SW-SEC-004", High, 6, "Weights & Biases API key",
        why: concat!("A W&B API key (40 hex characters, in `WANDB_API_KEY`, `wandb.login(key=…)` or `~/.netrc` for \
`api.wandb.ai`) gives full access to the user's projects: experiment data, artifacts and model checkpoints.", third_party!()),
        fix: concat!("Revoke the key at https://wandb.ai/authorize (User settings → API keys) and supply the new one at run \
time through `WANDB_API_KEY`.", move_out!()),
        refs: refs!("https://docs.wandb.ai/guides/track/environment-variables/");
    KAGGLE = "SW-SEC-005", High, 6, "Kaggle API key",
        why: concat!("A Kaggle key (`kaggle.json`, `KAGGLE_KEY`) lets anyone download private datasets and competition data \
and publish under the owner's name.", third_party!()),
        fix: concat!("Expire the token on https://www.kaggle.com/settings (API → Expire token) and mount `kaggle.json` at run \
time from a secret (mode 0600), never `COPY` it into the image.", move_out!()),
        refs: refs!("https://github.com/Kaggle/kaggle-api#api-credentials");
    REPLICATE = "SW-SEC-006", High, 6, "Replicate API token",
        why: concat!("A Replicate token (`r8_…`) runs paid predictions and trainings and reads the owner's private models.", third_party!()),
        fix: concat!("Revoke the token at https://replicate.com/account/api-tokens and pass a new one at run time as \
`REPLICATE_API_TOKEN`.", move_out!()),
        refs: refs!("https://replicate.com/docs/reference/http#authentication");
    COHERE = "SW-SEC-007", High, 6, "Cohere API key",
        why: concat!("A Cohere key (40 characters, in `COHERE_API_KEY`/`CO_API_KEY` or `cohere.Client(…)`) bills usage and \
exposes fine-tuned models and datasets.", third_party!()),
        fix: concat!("Delete the key in the Cohere dashboard (API keys) and pass a new one at run time as `CO_API_KEY`.", move_out!()),
        refs: refs!("https://docs.cohere.com/docs/rate-limits");
    GROQ = "SW-SEC-008", High, 6, "Groq API key",
        why: concat!("A Groq key (`gsk_…`) bills inference usage to the owning organisation.", third_party!()),
        fix: concat!("Delete the key at https://console.groq.com/keys and pass a new one at run time as `GROQ_API_KEY`.", move_out!()),
        refs: refs!("https://console.groq.com/docs/quickstart");
    LANGSMITH = "SW-SEC-009", High, 6, "LangSmith API key",
        why: concat!("A LangSmith key (`lsv2_pt_…`, `lsv2_sk_…`) exposes traces, which routinely contain prompts, completions, \
user data and other credentials.", third_party!()),
        fix: concat!("Revoke the key in LangSmith (Settings → API keys) and pass a new one at run time as `LANGSMITH_API_KEY`.", move_out!()),
        refs: refs!("https://docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key");
    PINECONE = "SW-SEC-010", High, 6, "Pinecone API key",
        why: concat!("A Pinecone key (`pcsk_…` or a UUID in `PINECONE_API_KEY`) reads and overwrites vector indexes: the \
retrieval corpus of a RAG system, which an attacker can poison.", third_party!()),
        fix: concat!("Delete the key in the Pinecone console (API keys), create a new one with the narrowest role and pass it \
at run time as `PINECONE_API_KEY`.", move_out!()),
        refs: refs!("https://docs.pinecone.io/guides/projects/manage-api-keys");
    COMET = "SW-SEC-011", High, 6, "Comet API key",
        why: concat!("A Comet ML key (`COMET_API_KEY`, `comet_ml.init(api_key=…)`) exposes experiments, artifacts and registered \
models of the workspace.", third_party!()),
        fix: concat!("Regenerate the key in Comet (Account settings → API keys) and pass it at run time as `COMET_API_KEY`.", move_out!()),
        refs: refs!("https://www.comet.com/docs/v2/guides/experiment-management/configure-sdk/");
    NEPTUNE = "SW-SEC-012", High, 6, "Neptune API token",
        why: concat!("A Neptune token (base64 JSON starting `eyJhcGlfYWRkcmVzcyI6`, in `NEPTUNE_API_TOKEN`) exposes runs, \
metadata and model registry entries of the workspace.", third_party!()),
        fix: concat!("Reset the token in Neptune (user menu → Get your API token → reset) and pass it at run time as \
`NEPTUNE_API_TOKEN`.", move_out!()),
        refs: refs!("https://docs.neptune.ai/setup/setting_api_token/");
    MISTRAL = "SW-SEC-013", High, 6, "Mistral AI API key",
        why: concat!("A Mistral key (32 characters, `MISTRAL_API_KEY`) bills inference and fine-tuning to the workspace.", third_party!()),
        fix: concat!("Delete the key at https://console.mistral.ai/api-keys and pass a new one at run time as \
`MISTRAL_API_KEY`.", move_out!()),
        refs: refs!("https://docs.mistral.ai/getting-started/quickstart/");
    TOGETHER = "SW-SEC-014", High, 6, "Together AI API key",
        why: concat!("A Together key (`tgp_v1_…` or 64 hex characters in `TOGETHER_API_KEY`) bills inference, fine-tuning \
and GPU clusters to the account.", third_party!()),
        fix: concat!("Rotate the key at https://api.together.ai/settings/api-keys and pass it at run time as \
`TOGETHER_API_KEY`.", move_out!()),
        refs: refs!("https://docs.together.ai/docs/quickstart");
    DATABRICKS = "SW-SEC-015", Critical, 6, "Databricks personal access token",
        why: concat!("A Databricks token (`dapi…`) acts as the user on the workspace: notebooks, clusters, Unity Catalog data \
and MLflow models.", third_party!()),
        fix: concat!("Revoke the token (User settings → Developer → Access tokens), prefer OAuth machine-to-machine auth for \
automation, and pass credentials at run time as `DATABRICKS_TOKEN`.", move_out!()),
        refs: refs!("https://docs.databricks.com/en/dev-tools/auth/pat.html");
    AWS_ACCESS_KEY_ID = "SW-SEC-016", High, 6, "AWS access key ID",
        why: concat!("An AWS access key id (`AKIA…`, `ASIA…`) identifies a long-lived or temporary IAM credential; the secret \
key is usually nearby, and the id alone reveals the account.", third_party!()),
        fix: concat!("Deactivate and delete the key in IAM (`aws iam delete-access-key`), and give workloads IAM roles \
(instance profiles, IRSA, ECS task roles) instead of static keys.", move_out!()),
        refs: refs!("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html");
    AWS_SECRET_KEY = "SW-SEC-017", Critical, 6, "AWS secret access key",
        why: concat!("An AWS secret access key (40 characters after `aws_secret_access_key`) signs API requests as the IAM \
principal: S3 training data, SageMaker endpoints, and whatever else the policy allows.", third_party!()),
        fix: concat!("Deactivate the key pair in IAM, review CloudTrail for its use, and switch the workload to an IAM role \
(IRSA, instance profile) so that no static key exists.", move_out!()),
        refs: refs!("https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html");
    GCP_SERVICE_ACCOUNT = "SW-SEC-018", Critical, 6, "Google Cloud service account key",
        why: concat!("A service-account JSON key (`\"type\": \"service_account\"` with `private_key_id`/`private_key`) is a \
long-lived credential for the service account on GCP: Vertex AI, GCS buckets, BigQuery.", third_party!()),
        fix: concat!("Delete the key (`gcloud iam service-accounts keys delete KEY_ID --iam-account …`) and use Workload \
Identity (GKE) or Workload Identity Federation instead of key files.", move_out!()),
        refs: refs!("https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys");
    GOOGLE_API_KEY = "SW-SEC-019", High, 6, "Google API key or OAuth client secret",
        why: concat!("A Google API key (`AIza…`) or OAuth client secret (`GOCSPX-…`) bills quota-metered APIs (Gemini, Maps) to \
the project or lets an attacker impersonate the OAuth application.", third_party!()),
        fix: concat!("Delete or restrict the key (API and application restrictions) in the Cloud console Credentials page; \
reset the OAuth client secret.", move_out!()),
        refs: refs!("https://cloud.google.com/docs/authentication/api-keys");
    AZURE = "SW-SEC-020", Critical, 6, "Azure storage key, connection string or client secret",
        why: concat!("An Azure storage `AccountKey`, Service Bus/Event Hub `SharedAccessKey`, SAS signature or Entra ID client \
secret gives direct access to blobs, queues or the application's identity.", third_party!()),
        fix: concat!("Rotate the storage or shared access key (or revoke the SAS / client secret), and use managed identities \
with Azure RBAC instead of keys.", move_out!()),
        refs: refs!("https://learn.microsoft.com/en-us/azure/storage/common/storage-account-keys-manage");
    GITHUB = "SW-SEC-021", Critical, 6, "GitHub token",
        why: concat!("A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`) acts as a user or GitHub App: \
private source code, packages, and often push rights to repositories whose CI deploys to production.", third_party!()),
        fix: concat!("Revoke the token (Settings → Developer settings → Personal access tokens, or the App's installation), \
prefer fine-grained tokens with minimal scope, and in CI use the job's `GITHUB_TOKEN` or OIDC.", move_out!()),
        refs: refs!("https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens");
    GITLAB = "SW-SEC-022", Critical, 6, "GitLab token",
        why: concat!("A GitLab personal, project, deploy, runner, CI, feed or feature-flag token (`glpat-`, `gldt-`, `glrt-`, \
`glft-`, `glffct-`, …) or a `_gitlab_session` cookie reads or writes repositories, registries and pipelines, or acts \
as the signed-in user.", third_party!()),
        fix: concat!("Revoke the token in GitLab (User settings → Access tokens, or the project/runner settings) and use CI/CD \
variables marked masked and protected.", move_out!()),
        refs: refs!("https://docs.gitlab.com/ee/security/tokens/");
    SLACK = "SW-SEC-023", High, 6, "Slack token or webhook",
        why: concat!("A Slack bot/user/app/legacy token (`xoxb-`, `xoxp-`, `xoxe-`, `xoxo-`, `xapp-`, with Slack's numeric team and \
user ids) or an incoming, workflow or trigger webhook URL (`https://` or `http://hooks.slack.com/…`) reads \
channels or posts as the workspace's app, a favourite phishing vector. Placeholders (`xoxb-abcdef-abcdef`, \
`…AccessTokenHere`, `####` masks) are not reported.", third_party!()),
        fix: concat!("Revoke the token or webhook in the Slack app's settings (OAuth & Permissions / Incoming Webhooks) and \
load it at run time from a secret.", move_out!()),
        refs: refs!("https://api.slack.com/authentication/token-types");
    STRIPE = "SW-SEC-024", Critical, 6, "Stripe secret or restricted key",
        why: concat!("A Stripe secret or restricted key (`sk_live_`, `rk_live_`) moves money and reads customer data; test keys \
(`sk_test_`) expose test-mode data and are reported at lower severity.", third_party!()),
        fix: concat!("Roll the key in the Stripe dashboard (Developers → API keys) and pass it at run time from a secret store.", move_out!()),
        refs: refs!("https://docs.stripe.com/keys");
    NPM = "SW-SEC-025", High, 6, "npm access token",
        why: concat!("An npm token (`npm_…`, `_authToken=` in `.npmrc`) publishes packages as the owner: a supply-chain takeover \
of everything that depends on them.", third_party!()),
        fix: concat!("Revoke the token (`npm token revoke`), use granular tokens or trusted publishing, and mount `.npmrc` as a \
BuildKit secret during `npm ci`.", move_out!()),
        refs: refs!("https://docs.npmjs.com/about-access-tokens");
    PYPI = "SW-SEC-026", Critical, 6, "PyPI upload token",
        why: concat!("A PyPI API token (`pypi-AgEIcHlwaS5vcmc…`) uploads releases of the owner's projects: a supply-chain \
takeover of every user of the package.", third_party!()),
        fix: concat!("Remove the token at https://pypi.org/manage/account/token/ and switch to Trusted Publishing (OIDC) from CI.", move_out!()),
        refs: refs!("https://docs.pypi.org/trusted-publishers/");
    DOCKER_HUB = "SW-SEC-027", High, 6, "Docker Hub access token",
        why: concat!("A Docker Hub personal or organisation access token (`dckr_pat_`, `dckr_oat_`) pushes images: an attacker \
can replace the tags your deployments pull.", third_party!()),
        fix: concat!("Delete the token at https://app.docker.com/settings/personal-access-tokens and use a credential helper \
or CI secret for `docker login`.", move_out!()),
        refs: refs!("https://docs.docker.com/security/for-developers/access-tokens/");
    DOCKER_CONFIG_AUTH = "SW-SEC-028", High, 6, "Registry credentials in Docker config.json",
        why: concat!("An `auths.<registry>.auth` entry in `.docker/config.json` is `base64(user:password)`, readable by anyone \
who can read the image or the home directory.", third_party!()),
        fix: concat!("Change the registry password/token, configure a credential helper (`credsStore`/`credHelpers`), and never \
copy `~/.docker/config.json` into an image.", move_out!()),
        refs: refs!("https://docs.docker.com/reference/cli/docker/login/#credential-stores");
    JWT = "SW-SEC-029", Medium, 6, "JSON Web Token",
        why: concat!("A JWT is a bearer credential: until it expires, whoever holds it is the subject (service accounts, \
session tokens, Kubernetes service-account tokens often never expire).", third_party!()),
        fix: concat!("Invalidate the token (rotate the signing key or revoke the session / service-account token) and obtain \
tokens at run time (projected service-account tokens, OIDC).", move_out!()),
        refs: refs!("https://datatracker.ietf.org/doc/html/rfc8725");
    PRIVATE_KEY = "SW-SEC-030", High, 6, "Private key",
        why: concat!("A PEM, OpenSSH or PGP private key lets an attacker impersonate the server, sign code or log in wherever \
the public half is trusted. Keys in images are copied to every registry and host that pulls them.", third_party!()),
        fix: concat!("Revoke and re-issue the key pair (certificate, SSH authorized_keys, signing key), then mount the private \
key at run time from a secret (`/run/secrets/…`, k8s `Secret` volume with mode 0400).", move_out!()),
        refs: refs!("https://cwe.mitre.org/data/definitions/321.html");
    DATABASE_URL = "SW-SEC-031", High, 6, "Database URL with password",
        why: concat!("A connection string with an embedded password (`postgresql://user:pass@host/db`) gives direct access to \
the database: feature stores, experiment tracking (MLflow backend store), user data.", third_party!()),
        fix: concat!("Change the database password and build the URL at run time from a secret-provided password \
(`POSTGRES_PASSWORD_FILE=/run/secrets/db_password`, k8s `secretKeyRef`).", move_out!()),
        refs: refs!("https://cwe.mitre.org/data/definitions/259.html");
    URL_CREDENTIALS = "SW-SEC-032", High, 6, "URL with embedded credentials",
        why: concat!("A URL of the form `scheme://user:password@host` (pip `index-url`, `.git-credentials`, `.git/config` \
remotes, proxies) stores the password in clear text and leaks it into logs and process listings.", third_party!()),
        fix: concat!("Change the password or token, then use a credential helper (`git credential`, `keyring` for pip, \
`PIP_INDEX_URL` from a BuildKit secret) instead of credentials in URLs.", move_out!()),
        refs: refs!("https://pip.pypa.io/en/stable/topics/authentication/", "https://cwe.mitre.org/data/definitions/522.html");
    NETRC = "SW-SEC-033", High, 6, "Password in .netrc",
        why: concat!("A `.netrc` `machine … login … password …` entry stores a clear-text password used automatically by curl, \
git, pip and wandb.", third_party!()),
        fix: concat!("Change the password, delete the `.netrc` from the image, and provide it at run time from a secret mount \
when a tool needs it.", move_out!()),
        refs: refs!("https://everything.curl.dev/usingcurl/netrc.html");
    AUTHORIZATION_HEADER = "SW-SEC-034", High, 6, "Credential in an HTTP Authorization header",
        why: concat!("A hard-coded `Authorization: Bearer …`/`Basic …` header (shell history, notebooks, scripts) is a live \
bearer credential for the API it is sent to.", third_party!()),
        fix: concat!("Revoke the token and read it at run time from the environment or a mounted secret \
(`-H \"Authorization: Bearer $API_TOKEN\"`).", move_out!()),
        refs: refs!("https://datatracker.ietf.org/doc/html/rfc6750#section-5");
    GENERIC = "SW-SEC-035", Medium, 6, "Secret assigned to a secret-like name",
        why: concat!("A high-entropy value assigned to a name such as `password`, `secret`, `api_key` or `*_TOKEN` is very \
likely a credential, even when its format is not one seawall recognises.", third_party!()),
        fix: concat!("Confirm what the value is; if it is a credential, rotate it and supply it at run time from a secret \
store.", move_out!()),
        refs: refs!("https://cwe.mitre.org/data/definitions/259.html");
    AWS_BEDROCK = "SW-SEC-036", Critical, 6, "Amazon Bedrock API key",
        why: concat!("An Amazon Bedrock API key calls foundation models billed to the AWS account: a long-term key \
(`ABSK…`, base64 of `BedrockAPIKey-…`) is an IAM service-specific credential that lives until it is deleted; a \
short-term key (`bedrock-api-key-…`, a presigned request for `bedrock.amazonaws.com`) carries the creating \
principal's permissions for up to 12 hours.", third_party!()),
        fix: concat!("Delete the long-term key (IAM → Users → Security credentials → API keys for Amazon Bedrock, or \
`aws iam delete-service-specific-credential`); let a short-term key expire and review CloudTrail for its use. \
Give workloads an IAM role and call Bedrock with SigV4 instead of API keys.", move_out!()),
        refs: refs!("https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html");
    CURL_USER = "SW-SEC-037", High, 6, "Password in a curl -u / --user argument",
        why: concat!("`curl -u user:password` (also `--user`) sends HTTP Basic credentials; written in a script, a \
Dockerfile `RUN`, a notebook or a shell history, the password is in clear text and in every process listing of \
the command.", third_party!()),
        fix: concat!("Change the password, then let curl read it from a protected file (`--netrc-file \
/run/secrets/netrc`) or from the environment (`-u \"user:$API_PASSWORD\"`).", move_out!()),
        refs: refs!("https://everything.curl.dev/http/auth.html");
    API_KEY_HEADER = "SW-SEC-038", High, 6, "Credential in an API-key HTTP header",
        why: concat!("A hard-coded API-key header (`Api-Token: …`, `X-Api-Key: …`, `X-Octopus-ApiKey: …`, \
`apikey: …`) in a script, notebook or shell history is a live bearer credential for the API it is sent to.", third_party!()),
        fix: concat!("Revoke the key and read it at run time from the environment or a mounted secret \
(`-H \"X-Api-Key: $API_KEY\"`).", move_out!()),
        refs: refs!("https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#api-keys");
    ONEPASSWORD = "SW-SEC-039", Critical, 6, "1Password service account token or Secret Key",
        why: concat!("A 1Password service account token (`ops_` and a base64 JSON document) reads every vault the service \
account was granted, without a second factor; an account Secret Key (`A3-` and five or six groups of letters and \
digits) is one of the two factors that unlock a 1Password account.", third_party!()),
        fix: concat!("Revoke the service account token (1Password → Developer → Service accounts) or regenerate the Secret \
Key (account settings), then pass `OP_SERVICE_ACCOUNT_TOKEN` at run time from a secret store.", move_out!()),
        refs: refs!("https://developer.1password.com/docs/service-accounts/", "https://support.1password.com/secret-key-security/");
    EASYPOST = "SW-SEC-040", High, 6, "EasyPost API key",
        why: concat!("An EasyPost production key (`EZAK` and 54 letters or digits) buys postage and reads shipments, \
addresses and customer data of the account; test keys (`EZTK…`) expose test-mode data and are reported at lower \
severity.", third_party!()),
        fix: concat!("Delete the key in the EasyPost dashboard (Account settings → API keys), create a new one and pass it at \
run time as `EASYPOST_API_KEY`.", move_out!()),
        refs: refs!("https://docs.easypost.com/docs/authentication");
    FACEBOOK = "SW-SEC-041", High, 6, "Facebook (Meta) app secret or access token",
        why: concat!("A Facebook app secret (32 hex characters next to a `facebook` name), an app access token \
(`APP_ID|…`) or a user or page access token (`EAA…`) acts as the app or the page: it reads and posts page content, \
reads user data granted to the app and signs server calls.", third_party!()),
        fix: concat!("Reset the app secret (App dashboard → Settings → Basic) and invalidate the tokens, then load them at run \
time from a secret store.", move_out!()),
        refs: refs!("https://developers.facebook.com/docs/facebook-login/guides/access-tokens/");
    FLY_IO = "SW-SEC-042", High, 6, "Fly.io access token",
        why: concat!("A Fly.io token (`fo1_…` OAuth tokens, `fm1a_`/`fm1r_`/`fm2_` macaroons, often after `FlyV1 `) \
deploys, reads secrets of and destroys the organisation's apps and machines.", third_party!()),
        fix: concat!("Revoke the token (`fly tokens revoke`, or the dashboard's Tokens page), mint a deploy token scoped to \
one app and pass it at run time as `FLY_API_TOKEN`.", move_out!()),
        refs: refs!("https://fly.io/docs/security/tokens/");
    NOTION = "SW-SEC-043", High, 6, "Notion integration token",
        why: concat!("A Notion integration token (`ntn_` and 46 letters and digits) reads and edits every page and database \
shared with the integration.", third_party!()),
        fix: concat!("Refresh the integration secret at https://www.notion.so/profile/integrations and pass it at run time as \
`NOTION_TOKEN`.", move_out!()),
        refs: refs!("https://developers.notion.com/docs/authorization");
    SENTRY = "SW-SEC-044", High, 6, "Sentry auth token",
        why: concat!("A Sentry organization token (`sntrys_` and base64 JSON naming the organisation), user auth token \
(`sntryu_` and 64 hex characters, or 64 hex characters next to a `sentry` name) uploads releases and source maps \
and reads issues, whose events often carry request data, user data and other credentials.", third_party!()),
        fix: concat!("Revoke the token in Sentry (Settings → Auth Tokens, or Organization Tokens) and pass a new one at run time \
as `SENTRY_AUTH_TOKEN`.", move_out!()),
        refs: refs!("https://docs.sentry.io/account/auth-tokens/");
    INTRA42 = "SW-SEC-045", High, 6, "42 Intra API client secret",
        why: concat!("A 42 Intra OAuth application secret (`s-s4t2ud-` or `s-s4t2af-` and 64 hex characters) lets anyone \
act as the application against the 42 school API and read student data it was granted.", third_party!()),
        fix: concat!("Regenerate the secret in the application's settings on profile.intra.42.fr and pass it at run time \
from a secret store.", move_out!()),
        refs: refs!("https://api.intra.42.fr/apidoc/guides/getting_started");
    NUGET_PASSWORD = "SW-SEC-046", High, 6, "Clear-text password in NuGet.Config",
        why: concat!("A `packageSourceCredentials` entry `<add key=\"ClearTextPassword\" value=\"…\" />` in `NuGet.Config` \
stores the feed password or personal access token in clear text; with it anyone can read (and often publish to) \
the private package feed.", third_party!()),
        fix: concat!("Revoke the feed token, then supply it at run time (`dotnet nuget update source … --password \
$FEED_TOKEN`, `%FEED_TOKEN%` references in the config, or a credential provider) instead of writing it to the file.", move_out!()),
        refs: refs!("https://learn.microsoft.com/en-us/nuget/reference/nuget-config-file#packagesourcecredentials");
    KUBERNETES_SECRET = "SW-SEC-047", High, 6, "Kubernetes Secret manifest with data",
        why: concat!("A Kubernetes `Secret` manifest (`kind: Secret`) with `data:` (base64) or `stringData:` values holds \
the credentials themselves: base64 is an encoding, not encryption, and a manifest copied into an image or a \
repository hands them to every reader. Placeholder values (`mypassword`, templates) and certificates are not \
reported.", third_party!()),
        fix: concat!("Rotate the credentials in the Secret, keep the manifest out of the image and the repository, and create \
Secrets at deploy time from an external store (External Secrets Operator, Sealed Secrets, SOPS, Vault).", move_out!()),
        refs: refs!("https://kubernetes.io/docs/concepts/security/secrets-good-practices/");
    TELEGRAM = "SW-SEC-048", High, 6, "Telegram bot token",
        why: concat!("A Telegram bot token (the bot id, `:`, and 34–35 characters starting with `A`, next to a `telegram` \
name or in an `api.telegram.org/bot…` URL) controls the bot: it reads every message sent to it and posts as it \
in every chat it belongs to. Values of another shape under a `telegram` name are not reported, by this rule or \
the generic one.", third_party!()),
        fix: concat!("Revoke the token with @BotFather (`/revoke`) and pass the new one at run time as `TELEGRAM_BOT_TOKEN`.", move_out!()),
        refs: refs!("https://core.telegram.org/bots/api#authorizing-your-bot");
}

/// Every secret rule, in id order.
pub static RULES: &[RuleMeta] = ALL;

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
            assert_eq!(r.kind, seawall_core::FindingKind::Secret);
            assert_eq!(r.practice, 6);
            assert!(r.rationale.contains("docs/secrets.md"), "{}", r.id);
            assert!(r.rationale.len() > 60, "{}", r.id);
            assert!(r.fix.contains("--mount=type=secret"), "{}", r.id);
            assert!(r.references.len() >= 4, "{}", r.id);
        }
        assert_eq!(RULES.len(), 48);
        assert!(rule("SW-SEC-001").is_some());
        assert!(rule("SW-SEC-999").is_none());
    }
}
