#!/usr/bin/env python3
"""Generates the labelled secrets corpus (fake but correctly shaped tokens, plus look-alikes).

Usage: python3 gen_corpus.py   (writes corpus/ and corpus/labels.tsv next to this script)
Deterministic (fixed seed). Every true secret is registered with `S(rule, value)`; labels are the
lines of every occurrence of the registered value in the written file.
"""
import base64, json, os, random, shutil, string, uuid

R = random.Random(20261128)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
LOWER, UPPER, DIG = string.ascii_lowercase, string.ascii_uppercase, string.digits
B62 = LOWER + UPPER + DIG

def rnd(alpha, n):
    while True:
        s = "".join(R.choice(alpha) for _ in range(n))
        low = s.lower()
        if any(bad in low for bad in ("example", "xxxx", "abcdef", "123456", "fake", "test", "secret", "token", "sample", "dummy")):
            continue
        return s

def b62(n): return rnd(B62, n)
def hexs(n): return rnd("0123456789abcdef", n)
def tok(n): return rnd(B62 + "_-", n)
def b64(n): return rnd(B62 + "+/", n)
def uid(): return str(uuid.UUID(int=R.getrandbits(128), version=4))
def b64url(s): return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")

files = {}   # path -> content
secrets = {} # path -> [(rule, value)]
cur = None

def S(rule, value):
    secrets.setdefault(cur, []).append((rule, value))
    return value

def F(path, content):
    files[path] = content

def begin(path):
    global cur
    cur = path

# ---- token factories -------------------------------------------------------------------------
def hf(): return "hf_" + rnd(LOWER + UPPER, 34)
def openai_proj(): return "sk-proj-" + tok(58) + "T3BlbkFJ" + tok(58)
def openai_legacy(): return "sk-" + b62(20) + "T3BlbkFJ" + b62(20)
def anthropic(): return "sk-ant-api03-" + tok(93) + "AA"
def replicate(): return "r8_" + b62(37)
def groq(): return "gsk_" + b62(52)
def langsmith(): return "lsv2_pt_" + hexs(32) + "_" + hexs(10)
def pcsk(): return "pcsk_" + b62(5) + "_" + b62(63)
def neptune():
    j = json.dumps({"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai", "api_key": uid()})
    return base64.b64encode(j.encode()).decode()
def together(): return "tgp_v1_" + tok(43)
def dapi(): return "dapi" + hexs(32)
def akia(): return "AKIA" + rnd(UPPER + "234567", 16)
def aws_secret(): return rnd(B62 + "/+", 40)
def aiza(): return "AIza" + tok(35)
def gocspx(): return "GOCSPX-" + tok(28)
def azure_key(): return b64(86) + "=="
def aad(): return b62(3) + str(R.randint(0, 9)) + "Q~" + rnd(B62 + "_~.-", 34)
def ghp(): return "ghp_" + b62(36)
def ghs(): return "ghs_" + b62(36)
def gho(): return "gho_" + b62(36)
def gh_fine(): return "github_pat_" + b62(22) + "_" + b62(59)
def glpat(): return "glpat-" + tok(20)
def xoxb(): return "xoxb-" + str(R.randint(10**10, 10**11)) + "-" + str(R.randint(10**12, 10**13)) + "-" + b62(24)
def stripe_live(): return "sk_live_" + b62(99)
def stripe_rk(): return "rk_live_" + b62(99)
def npm(): return "npm_" + b62(36)
def pypi(): return "pypi-AgEIcHlwaS5vcmc" + tok(150)
def dckr(): return "dckr_pat_" + tok(27)
def jwt():
    h = b64url(json.dumps({"alg": "RS256", "kid": hexs(16), "typ": "JWT"}))
    p = b64url(json.dumps({"iss": "https://auth.corp.internal", "sub": "svc-" + b62(8), "exp": 1893456000}))
    return h + "." + p + "." + tok(86)
def pw(): return b62(6) + R.choice("!#%&*+-=?@^_") + b62(7)
def upw(): return b62(6) + R.choice("!*+-_.~") + b62(7)  # URL-safe (no @ / # ? %)
def pem_body_lines(n=25): return [b64(64) for _ in range(n)] + [b64(40) + "=="]

# ---- files with secrets ----------------------------------------------------------------------
begin(".env")
F(cur, f"""# runtime configuration
APP_ENV=production
HF_TOKEN={S('SW-SEC-001', hf())}
OPENAI_API_KEY={S('SW-SEC-002', openai_proj())}
ANTHROPIC_API_KEY={S('SW-SEC-003', anthropic())}
WANDB_API_KEY={S('SW-SEC-004', hexs(40))}
WANDB_PROJECT=llama-finetune
KAGGLE_USERNAME=mlops-team
KAGGLE_KEY={S('SW-SEC-005', hexs(32))}
REPLICATE_API_TOKEN={S('SW-SEC-006', replicate())}
COHERE_API_KEY={S('SW-SEC-007', b62(40))}
GROQ_API_KEY={S('SW-SEC-008', groq())}
LANGSMITH_API_KEY={S('SW-SEC-009', langsmith())}
LANGSMITH_TRACING=true
PINECONE_API_KEY={S('SW-SEC-010', pcsk())}
PINECONE_ENVIRONMENT=us-east-1
COMET_API_KEY={S('SW-SEC-011', b62(25))}
NEPTUNE_API_TOKEN={S('SW-SEC-012', neptune())}
MISTRAL_API_KEY={S('SW-SEC-013', b62(32))}
TOGETHER_API_KEY={S('SW-SEC-014', together())}
DATABRICKS_HOST=https://adb-1234.5.azuredatabricks.net
DATABRICKS_TOKEN={S('SW-SEC-015', dapi())}
MAX_TOKENS=4096
LOG_LEVEL=info
""")

begin("config/.env.production")
F(cur, f"""DATABASE_URL=postgresql://mlflow:{S('SW-SEC-031', upw())}@mlflow-db.internal:5432/mlflow
REDIS_URL=redis://:{S('SW-SEC-031', upw())}@redis.internal:6379/0
SECRET_KEY={S('SW-SEC-035', b62(50))}
DB_PASSWORD={S('SW-SEC-035', pw())}
SMTP_PASS={S('SW-SEC-035', pw())}
STRIPE_SECRET_KEY={S('SW-SEC-024', stripe_live())}
SLACK_BOT_TOKEN={S('SW-SEC-023', xoxb())}
SENTRY_DSN=https://{hexs(32)}@o123.ingest.sentry.io/456
FEATURE_FLAGS=a,b,c
""")

begin(".env.example")
F(cur, """# copy to .env and fill in
HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
OPENAI_API_KEY=sk-...
ANTHROPIC_API_KEY=<your-anthropic-key>
WANDB_API_KEY=your_api_key_here
DB_PASSWORD=changeme
SECRET_KEY=
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
DATABASE_URL=postgresql://user:password@localhost:5432/app
GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
STRIPE_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx
""")

begin("train/settings.py")
F(cur, f'''import os

# Django-style settings used by the labelling UI
SECRET_KEY = "{S('SW-SEC-035', b62(50))}"
DEBUG = False
HF_TOKEN = os.environ.get("HF_TOKEN")
OPENAI_API_KEY = os.getenv("OPENAI_API_KEY", "")
password = getpass.getpass("password: ")
api_key = config["api_key"]
token = self._get_token()
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
max_new_tokens = 256
pad_token = "<pad>"
if token == "anonymous":
    pass
client = OpenAI(api_key="{S('SW-SEC-002', openai_legacy())}")
co = cohere.Client("{S('SW-SEC-007', b62(40))}")
login(token="{S('SW-SEC-001', hf())}")
wandb.login(key="{S('SW-SEC-004', hexs(40))}")
comet_ml.init(api_key="{S('SW-SEC-011', b62(25))}")
DB = {{"ENGINE": "postgresql", "PASSWORD": "{S('SW-SEC-035', pw())}", "HOST": "db"}}
STRIPE_RESTRICTED = "{S('SW-SEC-024', stripe_rk())}"
''')

begin("scripts/upload.sh")
F(cur, f'''#!/bin/sh
set -eu
export GITHUB_TOKEN={S('SW-SEC-021', ghp())}
export NPM_TOKEN={S('SW-SEC-025', npm())}
twine upload -u __token__ -p {S('SW-SEC-026', pypi())} dist/*
echo "{S('SW-SEC-027', dckr())}" | docker login -u mlops --password-stdin
curl -H "Authorization: Bearer {S('SW-SEC-034', b62(40))}" https://api.internal.corp/v1/models
curl -s https://api.github.com/user -H "Authorization: token $GITHUB_TOKEN"
git clone https://github.com/org/private-models.git
''')

begin("root/.bash_history")
F(cur, f'''ls -la
huggingface-cli login --token {S('SW-SEC-001', hf())}
export OPENAI_API_KEY={S('SW-SEC-002', openai_proj())}
python train.py --epochs 3
mysql -h db -u root --password={S('SW-SEC-035', pw())}
aws configure set aws_secret_access_key {S('SW-SEC-017', aws_secret())}
docker run --gpus all -e HF_TOKEN -p 8888:8888 jupyter
kubectl get pods -n ml
cd /tmp && rm -rf cache
''')

begin("root/.aws/credentials")
F(cur, f'''[default]
aws_access_key_id = {S('SW-SEC-016', akia())}
aws_secret_access_key = {S('SW-SEC-017', aws_secret())}
region = us-east-1

[training]
aws_access_key_id = {S('SW-SEC-016', "ASIA" + rnd(UPPER + "234567", 16))}
aws_secret_access_key = {S('SW-SEC-017', aws_secret())}
aws_session_token = {S('SW-SEC-035', b64(180))}
''')

begin("root/.netrc")
F(cur, f'''machine api.wandb.ai
  login user
  password {S('SW-SEC-004', hexs(40))}
machine artifacts.corp.internal login ci password {S('SW-SEC-033', pw())}
''')

begin("root/.git-credentials")
F(cur, f'''https://mlops:{S('SW-SEC-021', ghp())}@github.com
https://ci-bot:{S('SW-SEC-032', upw())}@git.corp.internal
https://oauth2:{S('SW-SEC-022', glpat())}@gitlab.com
''')

begin("root/.pypirc")
F(cur, f'''[distutils]
index-servers = pypi internal

[pypi]
username = __token__
password = {S('SW-SEC-026', pypi())}

[internal]
repository = https://pypi.corp.internal/
username = deploy
password = {S('SW-SEC-035', pw())}
''')

begin("etc/pip.conf")
F(cur, f'''[global]
index-url = https://deploy:{S('SW-SEC-032', upw())}@pypi.corp.internal/simple
extra-index-url = https://download.pytorch.org/whl/cu121
trusted-host = pypi.corp.internal
''')

begin("home/app/.npmrc")
F(cur, f'''registry=https://registry.npmjs.org/
//registry.npmjs.org/:_authToken={S('SW-SEC-025', npm())}
//npm.corp.internal/:_authToken=${{NPM_TOKEN}}
always-auth=true
''')

begin("root/.docker/config.json")
auth = base64.b64encode(("mlops:" + pw()).encode()).decode()
F(cur, json.dumps({"auths": {"registry.corp.internal": {"auth": S('SW-SEC-028', auth)},
                             "https://index.docker.io/v1/": {}},
                   "credsStore": "", "HttpHeaders": {"User-Agent": "Docker-Client/24.0.7 (linux)"}}, indent=2) + "\n")

begin("root/.kaggle/kaggle.json")
F(cur, json.dumps({"username": "mlops-team", "key": S('SW-SEC-005', hexs(32))}) + "\n")

begin("root/.cache/huggingface/token")
F(cur, S('SW-SEC-001', hf()))

begin("repo/dot-git/config")  # a `.git` path component cannot be committed
F(cur, f'''[core]
\trepositoryformatversion = 0
\tbare = false
[remote "origin"]
\turl = https://x-access-token:{S('SW-SEC-021', ghs())}@github.com/org/llm-serving.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[remote "mirror"]
\turl = https://mirror:{S('SW-SEC-032', upw())}@git.corp.internal/llm-serving.git
[branch "main"]
\tremote = origin
''')

begin("secrets/gcp-sa.json")
pem = "\n".join(["-----BEGIN PRIVATE KEY-----"] + pem_body_lines() + ["-----END PRIVATE KEY-----", ""])
body0 = pem.split("\n")[1]
sa = {"type": "service_account", "project_id": "vertex-train", "private_key_id": S('SW-SEC-018', hexs(40)),
      "private_key": pem, "client_email": "trainer@vertex-train.iam.gserviceaccount.com",
      "client_id": str(R.randint(10**20, 10**21)), "auth_uri": "https://accounts.google.com/o/oauth2/auth",
      "token_uri": "https://oauth2.googleapis.com/token"}
S('SW-SEC-030', body0[:24])
F(cur, json.dumps(sa, indent=2) + "\n")

begin("deploy/keys/server.key")
lines = pem_body_lines()
S('SW-SEC-030', lines[0])
F(cur, "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----\n")

begin("deploy/keys/id_ed25519")
ssh = ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"] + [b64(70) for _ in range(4)]
S('SW-SEC-030', ssh[0])
F(cur, "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(ssh) + "\n-----END OPENSSH PRIVATE KEY-----\n")

begin("deploy/keys/signing.asc")
pgp = [b64(64) for _ in range(12)]
S('SW-SEC-030', pgp[0])
F(cur, "-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: release signing\n\n" + "\n".join(pgp) + "\n=" + b64(4) + "\n-----END PGP PRIVATE KEY BLOCK-----\n")

begin("src/tls.py")
ec = [b64(64), b64(64), b64(48)]
S('SW-SEC-030', ec[0])
F(cur, 'TEST_KEY = """-----BEGIN EC PRIVATE KEY-----\n' + "\n".join(ec) + '\n-----END EC PRIVATE KEY-----\n"""\n'
    + 'PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n'
    + 'def is_private(pem: str) -> bool:\n    return "PRIVATE KEY-----" in pem\n')

begin("deploy/k8s/inference.yaml")
F(cur, f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          env:
            - name: HUGGING_FACE_HUB_TOKEN
              value: "{S('SW-SEC-001', hf())}"
            - name: VLLM_API_KEY
              value: {S('SW-SEC-035', b62(32))}
            - name: MODEL_NAME
              value: meta-llama/Llama-3.1-8B-Instruct
            - name: OPENAI_API_KEY
              valueFrom:
                secretKeyRef:
                  name: openai
                  key: api-key
---
apiVersion: v1
kind: Secret
metadata:
  name: registry
type: Opaque
stringData:
  password: {S('SW-SEC-035', pw())}
  token: {S('SW-SEC-029', jwt())}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  AZURE_STORAGE_CONNECTION_STRING: "DefaultEndpointsProtocol=https;AccountName=mlartifacts;AccountKey={S('SW-SEC-020', azure_key())};EndpointSuffix=core.windows.net"
  MONGO_URI: mongodb+srv://reader:{S('SW-SEC-031', upw())}@cluster0.abcde.mongodb.net/features
''')

begin("docker-compose.yml")
F(cur, f'''services:
  mlflow:
    image: ghcr.io/mlflow/mlflow:v2.16.0
    environment:
      - MLFLOW_BACKEND_STORE_URI=postgresql://mlflow:{S('SW-SEC-031', upw())}@db:5432/mlflow
      - AWS_ACCESS_KEY_ID={S('SW-SEC-016', akia())}
      - AWS_SECRET_ACCESS_KEY={S('SW-SEC-017', aws_secret())}
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: {S('SW-SEC-035', pw())}
      POSTGRES_USER: mlflow
  worker:
    build:
      context: .
      args:
        HF_TOKEN: {S('SW-SEC-001', hf())}
        PIP_INDEX_URL: ${{PIP_INDEX_URL}}
    environment:
      OPENAI_API_KEY: ${{OPENAI_API_KEY}}
      GROQ_API_KEY: "{S('SW-SEC-008', groq())}"
    secrets:
      - hf_token
secrets:
  hf_token:
    file: ./hf_token.txt
''')

begin("Dockerfile")
F(cur, f'''FROM python:3.11-slim
ARG HF_TOKEN={S('SW-SEC-001', hf())}
ENV TOGETHER_API_KEY={S('SW-SEC-014', hexs(64))}
ENV PIP_INDEX_URL=https://ci:{S('SW-SEC-032', upw())}@pypi.corp.internal/simple
ENV REPLICATE_API_TOKEN {S('SW-SEC-006', replicate())}
RUN --mount=type=secret,id=hf_token,env=HF_TOKEN huggingface-cli download org/model
RUN pip install --no-cache-dir torch==2.4.0 --index-url https://download.pytorch.org/whl/cu121
COPY --chown=1000:1000 . /app
USER 1000
''')

begin("infra/main.tf")
F(cur, f'''resource "azuread_application_password" "ci" {{
  application_object_id = azuread_application.ci.object_id
}}
locals {{
  client_secret = "{S('SW-SEC-020', aad())}"
  sb_conn       = "Endpoint=sb://ml-events.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={S('SW-SEC-020', b64(43) + "=")}"
  sas_url       = "https://mlartifacts.blob.core.windows.net/models?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig={S('SW-SEC-020', b64(43) + "%3D")}"
  google_key    = "{S('SW-SEC-019', aiza())}"
  oauth_secret  = "{S('SW-SEC-019', gocspx())}"
}}
variable "db_password" {{
  type      = string
  sensitive = true
}}
''')

begin("ci/pipeline.yml")
F(cur, f'''stages: [build, deploy]
variables:
  GITLAB_DEPLOY: "{S('SW-SEC-022', "gldt-" + tok(20))}"
  RUNNER_TOKEN: "{S('SW-SEC-022', "glrt-" + tok(20))}"
  DOCKER_AUTH_CONFIG: $DOCKER_AUTH_CONFIG
build:
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - curl -X POST -d "payload" https://hooks.slack.com/services/{S('SW-SEC-023', "T" + rnd(UPPER + DIG, 8) + "/B" + rnd(UPPER + DIG, 10) + "/" + b62(24))}
    - export GH_FINE={S('SW-SEC-021', gh_fine())}
''')

begin("app/config.toml")
F(cur, f'''[server]
host = "0.0.0.0"
port = 8000

[auth]
jwt_secret = "{S('SW-SEC-035', b62(48))}"
admin_password = "{S('SW-SEC-035', pw())}"
oauth_token = "{S('SW-SEC-021', gho())}"
token_ttl = 3600
password_min_length = 12

[vectors]
pinecone_api_key = "{S('SW-SEC-010', uid())}"
mistral_api_key = "{S('SW-SEC-013', b62(32))}"
''')

begin("app/application.properties")
F(cur, f'''spring.datasource.url=jdbc:mysql://db:3306/features
spring.datasource.username=features
spring.datasource.password={S('SW-SEC-035', pw())}
spring.kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required;
management.endpoints.web.exposure.include=health
''')

begin("services/gateway.js")
F(cur, f'''const express = require("express");
const GROQ = process.env.GROQ_API_KEY;
const headers = {{ Authorization: "Bearer {S('SW-SEC-034', b62(48))}" }};
const stripe = require("stripe")("{S('SW-SEC-024', "sk_live_" + b62(99))}");
const apiKey = "{S('SW-SEC-035', b62(32))}";
const tokenizerName = "cl100k_base";
function getToken(req) {{ return req.headers["x-api-token"]; }}
module.exports = {{ headers, stripe }};
''')

begin("services/lambda_handler.py")
F(cur, f'''import boto3
session = boto3.Session(
    aws_access_key_id="{S('SW-SEC-016', akia())}",
    aws_secret_access_key="{S('SW-SEC-017', aws_secret())}",
)
SLACK_WEBHOOK = "https://hooks.slack.com/services/{S('SW-SEC-023', "T" + rnd(UPPER + DIG, 9) + "/B" + rnd(UPPER + DIG, 9) + "/" + b62(24))}"
ENGINE_URL = "postgresql+psycopg2://etl:{S('SW-SEC-031', upw())}@warehouse:5432/dw"
JWT = "{S('SW-SEC-029', jwt())}"
''')

begin("logs/train.log")
F(cur, f'''2024-05-01 10:00:01 INFO starting run 7f3c2a1b
2024-05-01 10:00:02 DEBUG env: NEPTUNE_API_TOKEN={S('SW-SEC-012', neptune())}
2024-05-01 10:00:03 INFO wandb: Run data is saved locally in ./wandb/run-20240501_100003-{b62(8).lower()}
2024-05-01 10:00:04 DEBUG request headers: {{'Authorization': 'Bearer {S('SW-SEC-034', tok(64))}'}}
2024-05-01 10:00:05 INFO loaded tokenizer with 32000 tokens, pad_token_id=0
2024-05-01 10:00:06 INFO checkpoint sha256={hexs(64)}
2024-05-01 10:00:07 INFO request_id={uid()} trace_id={hexs(32)}
2024-05-01 10:00:08 DEBUG using groq key {S('SW-SEC-008', groq())}
''')

begin("notebooks/finetune.ipynb")
hf_nb = hf()
oa_nb = openai_proj()
S('SW-SEC-001', hf_nb)
S('SW-SEC-002', oa_nb)
ls_nb = S('SW-SEC-009', langsmith())
gk_nb = S('SW-SEC-008', groq())
rep_nb = S('SW-SEC-006', replicate())
nb = {"cells": [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tune\n", "Log in with `huggingface-cli login` first; never paste tokens (hf_...) here.\n"]},
    {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": [
        "import os\n", "from huggingface_hub import login\n", f'login(token="{hf_nb}")\n',
        f'os.environ["OPENAI_API_KEY"] = "{oa_nb}"\n', "tokenizer = AutoTokenizer.from_pretrained(model_id)"]},
    {"cell_type": "code", "execution_count": 2, "metadata": {}, "source": ["!env | grep -i key"],
     "outputs": [{"name": "stdout", "output_type": "stream", "text": [
         f"LANGCHAIN_API_KEY={ls_nb}\n", "PATH=/usr/local/bin:/usr/bin\n", f"GROQ_API_KEY={gk_nb}\n"]}]},
    {"cell_type": "code", "execution_count": 3, "metadata": {}, "source": [f"import replicate\n", f"client = replicate.Client(api_token='{rep_nb}')"],
     "outputs": [{"output_type": "display_data", "metadata": {}, "data": {
         "image/png": base64.b64encode(bytes(R.getrandbits(8) for _ in range(3000))).decode(),
         "text/plain": ["<Figure size 640x480 with 1 Axes>"]}}]},
], "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
F(cur, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")

begin("notebooks/rag.ipynb")
pc_nb = S('SW-SEC-010', pcsk())
ant_nb = S('SW-SEC-003', anthropic())
nb = {"cells": [
    {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": [
        "from pinecone import Pinecone\n", f"pc = Pinecone(api_key=\"{pc_nb}\")\n", "index = pc.Index(\"docs\")"]},
    {"cell_type": "code", "execution_count": 2, "metadata": {}, "source": ["client"],
     "outputs": [{"output_type": "execute_result", "execution_count": 2, "metadata": {}, "data": {
         "text/plain": [f"Anthropic(api_key='{ant_nb}', base_url='https://api.anthropic.com')"]}}]},
    {"cell_type": "markdown", "metadata": {}, "source": "Set `PINECONE_API_KEY` in the environment. The secret to good retrieval is chunking."},
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
F(cur, json.dumps(nb, indent=1) + "\n")

# ---- look-alikes only (no labels) ------------------------------------------------------------
begin("lookalike/package-lock.json")
deps = {}
for i in range(30):
    deps[f"node_modules/pkg-{i}"] = {"version": f"1.{i}.0", "resolved": f"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.{i}.0.tgz",
        "integrity": "sha512-" + base64.b64encode(bytes(R.getrandbits(8) for _ in range(64))).decode()}
F(cur, json.dumps({"name": "ui", "lockfileVersion": 3, "packages": deps}, indent=2) + "\n")

begin("lookalike/poetry.lock")
F(cur, "\n".join(f'''[[package]]
name = "pkg{i}"
version = "0.{i}.1"
files = [
    {{file = "pkg{i}-0.{i}.1-py3-none-any.whl", hash = "sha256:{hexs(64)}"}},
    {{file = "pkg{i}-0.{i}.1.tar.gz", hash = "sha256:{hexs(64)}"}},
]
''' for i in range(20)))

begin("lookalike/requirements.txt")
F(cur, "\n".join(f"pkg{i}==1.{i}.0 \\\n    --hash=sha256:{hexs(64)}" for i in range(20)) + "\n--extra-index-url https://download.pytorch.org/whl/cu121\n")

begin("lookalike/RECORD")
F(cur, "\n".join(f"transformers/models/m{i}/tokenization_m{i}.py,sha256={base64.urlsafe_b64encode(bytes(R.getrandbits(8) for _ in range(32))).decode().rstrip('=')},{R.randint(1000, 90000)}" for i in range(40)) + "\n")

begin("lookalike/README.md")
F(cur, f'''---
license: apache-2.0
tags: [text-generation]
---
# Model card: llama-3-8b-ft

Access requires a Hugging Face token. Run `huggingface-cli login` or set `HF_TOKEN=hf_...`.

```python
from huggingface_hub import hf_hub_download
path = hf_hub_download(repo_id="org/model", filename="model.safetensors", token=True)
tokenizer = AutoTokenizer.from_pretrained("org/model", token=os.environ["HF_TOKEN"])
client = OpenAI(api_key="sk-...")  # replace with your key
```

Training used `max_tokens=2048`, `token_type_ids`, and special tokens `<s>`, `</s>`, `<unk>`.
Export your key: `export OPENAI_API_KEY=<your-openai-key>`.
Use `AKIAIOSFODNN7EXAMPLE` / `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY` as shown in the AWS docs.
The example JWT eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c decodes to John Doe.
The secret to good fine-tuning is data quality; the password policy is documented elsewhere.
Checksums: model.safetensors sha256 {hexs(64)}; commit {hexs(40)}; run {uid()}.
Install scikit-learn (sk-learn is not a package), mount /dev/disk-by-uuid, see task-oriented-dialogue.
Connect with `postgresql://user:password@localhost/db` or `https://user:pass@example.com/`.
Authorization: Bearer YOUR_TOKEN_HERE
''')

begin("lookalike/tokenizer_config.json")
F(cur, json.dumps({"add_bos_token": True, "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
    "model_max_length": 4096, "tokenizer_class": "LlamaTokenizer", "clean_up_tokenization_spaces": False,
    "added_tokens_decoder": {str(i): {"content": f"<|reserved_special_token_{i}|>", "special": True} for i in range(10)}}, indent=2) + "\n")

begin("lookalike/tokenizer.json")
vocab = {rnd(LOWER, R.randint(2, 9)): i for i in range(400)}
F(cur, json.dumps({"version": "1.0", "model": {"type": "BPE", "vocab": vocab}}, indent=None) + "\n")

begin("lookalike/k8s-ok.yaml")
F(cur, f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: triton
  annotations:
    checksum/config: {hexs(64)}
spec:
  template:
    spec:
      serviceAccountName: triton
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver@sha256:{hexs(64)}
          env:
            - name: HF_TOKEN
              valueFrom:
                secretKeyRef:
                  name: hf
                  key: token
            - name: AWS_SECRET_ACCESS_KEY
              valueFrom: {{secretKeyRef: {{name: aws, key: secret}}}}
            - name: TOKENIZERS_PARALLELISM
              value: "false"
            - name: SECRET_NAME
              value: hf-token-secret
          volumeMounts:
            - name: token
              mountPath: /var/run/secrets/tokens
      volumes:
        - name: token
          projected:
            sources:
              - serviceAccountToken: {{path: token, expirationSeconds: 3600}}
''')

begin("lookalike/compose-ok.yml")
F(cur, '''services:
  app:
    image: app@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
    environment:
      HF_TOKEN: ${HF_TOKEN}
      OPENAI_API_KEY: ${OPENAI_API_KEY:?set it}
      DB_PASSWORD_FILE: /run/secrets/db_password
      PASSWORD: "{{ vault_db_password }}"
      API_KEY: !vault |
          $ANSIBLE_VAULT;1.1;AES256
    secrets: [db_password]
secrets:
  db_password:
    external: true
''')

begin("lookalike/Dockerfile.ok")
F(cur, '''FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04@sha256:9c4c8a1b6e3a2b0b8c3f4f1a6d2e7a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f
ENV PYTHON_SHA256=3126f59592c9b0d798584755f2bf7b081fa1ca35ce7a6fea980108d752a05bb1
ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
ARG HF_TOKEN
RUN --mount=type=secret,id=hf_token,env=HF_TOKEN python download.py
RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install -r requirements.txt
ENV TOKENIZERS_PARALLELISM=false
''')

begin("lookalike/blobs.json")
F(cur, json.dumps({"thumbnail": base64.b64encode(bytes(R.getrandbits(8) for _ in range(2000))).decode(),
    "embedding_b64": base64.b64encode(bytes(R.getrandbits(8) for _ in range(1500))).decode(),
    "ids": [uid() for _ in range(20)], "shas": [hexs(40) for _ in range(20)],
    "etag": hexs(32), "md5": hexs(32), "session_id": b62(32), "nonce": b62(24), "cursor": b62(40)}, indent=2) + "\n")

begin("lookalike/client.py")
F(cur, '''import os, getpass
from typing import Optional

class TokenClient:
    def __init__(self, token: Optional[str] = None, api_key: str = "", password: str | None = None):
        self.token = token or os.environ.get("HF_TOKEN")
        self.api_key = api_key
        self.secret_name = "projects/p/secrets/hf/versions/latest"
        self._password = password

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

def main():
    password = getpass.getpass()
    token_url = "https://oauth2.googleapis.com/token"
    secret = load_secret(name="db-password")
    access_token = response.json()["access_token"]
    api_key = os.environ["OPENAI_API_KEY"]
    assert password != "", "empty"
    TOKEN_PATTERN = r"hf_[A-Za-z]{34}"
    SECRET_KEY = "SECRET_KEY"
    password_hash = "$2b$12$KIXQJ8h9sEq3w1Zc6lR3QeQmZ0e8V3g5yB7l6G9x1F2a3b4c5d6e7"
''')

begin("lookalike/certs.pem")
F(cur, "-----BEGIN CERTIFICATE-----\n" + "\n".join(b64(64) for _ in range(15)) + "\n-----END CERTIFICATE-----\n"
    + "-----BEGIN PUBLIC KEY-----\n" + "\n".join(b64(64) for _ in range(5)) + "\n-----END PUBLIC KEY-----\n"
    + "-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n")

begin("lookalike/urls.txt")
F(cur, f'''https://github.com/org/repo.git
git@github.com:org/repo.git
ssh://git@gitlab.com:22/org/repo.git
https://user@bitbucket.org/org/repo.git
https://pypi.org/simple/
postgresql://localhost:5432/app
redis://redis:6379/0
mongodb://mongo:27017
https://download.pytorch.org/whl/cu121
https://huggingface.co/meta-llama/Llama-3.1-8B/resolve/main/config.json
https://${{USER}}:${{PASSWORD}}@pypi.corp.internal/simple
http://proxy:3128
s3://bucket/models/{uid()}/model.safetensors
arn:aws:iam::123456789012:role/sagemaker-exec
https://mlartifacts.blob.core.windows.net/models/model.onnx
''')

begin("lookalike/colors.css")
F(cur, "\n".join(f".c{i} {{ color: #{hexs(6)}; background: url(data:image/png;base64,{b64(120)}); }}" for i in range(30)) + "\n")

begin("lookalike/wandb-summary.json")
F(cur, json.dumps({"_wandb": {"runtime": 1234}, "_step": 99, "train/loss": 0.123, "_runtime": 1200.5,
    "run_id": b62(8).lower(), "sweep_id": b62(8).lower(), "artifact_digest": hexs(32), "wandb_version": "0.17.0"}) + "\n")

begin("lookalike/history.txt")
F(cur, '''huggingface-cli login
export HF_TOKEN=$(cat /run/secrets/hf_token)
docker login -u mlops --password-stdin < token.txt
kubectl create secret generic hf --from-literal=token="$HF_TOKEN"
python -c "import secrets; print(secrets.token_hex(32))"
git log --format=%H -n 5
sha256sum model.safetensors
''')

# ---- holdout: written after the detectors were tuned; not tuned against ----------------------
begin("holdout/.github/workflows/release.yml")
F(cur, f"""name: release
on: push
env:
  HUGGINGFACE_TOKEN: "{S('SW-SEC-001', hf())}"
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: twine upload dist/* -u __token__ -p "${{{{ secrets.PYPI_TOKEN }}}}"
      - run: echo "token={S('SW-SEC-021', ghp())}" >> $GITHUB_OUTPUT
      - run: docker login -u bot -p {S('SW-SEC-027', dckr())}
""")

begin("holdout/terraform.tfvars")
F(cur, f"""region          = "us-west-2"
instance_type   = "g5.2xlarge"
db_password     = "{S('SW-SEC-035', pw())}"
openai_api_key  = "{S('SW-SEC-002', openai_proj())}"
aws_access_key  = "{S('SW-SEC-016', akia())}"
aws_secret_key  = "{S('SW-SEC-017', aws_secret())}"
model_bucket    = "s3://models-prod/{uid()}"
ami_id          = "ami-0{hexs(16)}"
""")

begin("holdout/main.go")
F(cur, f"""package main

const slackToken = "{S('SW-SEC-023', xoxb())}"
var dsn = "mysql://svc:{S('SW-SEC-031', upw())}@db:3306/ml"

func main() {{
	client := anthropic.NewClient(option.WithAPIKey("{S('SW-SEC-003', anthropic())}"))
	tokenizer := tiktoken.GetEncoding("cl100k_base")
	_ = client
	_ = tokenizer
}}
""")

begin("holdout/settings.ini")
F(cur, f"""[database]
host = db.internal
user = trainer
password = {S('SW-SEC-035', pw())}

[mlflow]
tracking_uri = http://mlflow:5000
databricks_token = {S('SW-SEC-015', dapi())}

[notify]
webhook = https://hooks.slack.com/services/{S('SW-SEC-023', "T" + rnd(UPPER + DIG, 10) + "/B" + rnd(UPPER + DIG, 10) + "/" + b62(24))}
""")

begin("holdout/deploy.sh")
F(cur, f"""#!/usr/bin/env bash
export REPLICATE_API_TOKEN="{S('SW-SEC-006', replicate())}"
export GOOGLE_API_KEY='{S('SW-SEC-019', aiza())}'
export HF_HOME=/models/cache
curl -u admin:secret https://nexus.corp.internal/repository/models/
psql "postgres://analytics:{S('SW-SEC-031', upw())}@warehouse.internal/analytics" -c 'select 1'
sha256sum -c model.sha256
""")

begin("holdout/values.yaml")
F(cur, f"""image:
  repository: ghcr.io/org/serve
  tag: 1.4.2
  digest: sha256:{hexs(64)}
secrets:
  existingSecret: serve-secrets
env:
  LANGCHAIN_API_KEY: {S('SW-SEC-009', langsmith())}
  TOGETHER_API_KEY: "{S('SW-SEC-014', together())}"
  PINECONE_INDEX: docs-prod
redis:
  auth:
    password: "{S('SW-SEC-035', pw())}"
    existingSecretPasswordKey: redis-password
""")

begin("holdout/analysis.ipynb")
gsk_h = S('SW-SEC-008', groq())
aws_h = S('SW-SEC-016', akia())
nb = {"cells": [
    {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": [
        "import boto3, os\n", f"os.environ['AWS_ACCESS_KEY_ID'] = '{aws_h}'\n", "s3 = boto3.client('s3')"], "outputs": []},
    {"cell_type": "code", "execution_count": 2, "metadata": {}, "source": ["from groq import Groq\n", "client = Groq()"],
     "outputs": [{"output_type": "error", "ename": "AuthenticationError", "evalue": "invalid",
                  "traceback": [f"AuthenticationError: Invalid API Key provided: {gsk_h}"]}]},
    {"cell_type": "markdown", "metadata": {}, "source": ["Token counts: 1,204,331 tokens; secret sauce: more data.\n", f"run id {uid()}"]},
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
F(cur, json.dumps(nb, indent=1) + "\n")

begin("holdout/lookalike_code.py")
F(cur, '"""Utilities. See https://huggingface.co/docs/hub/security-tokens for hf_ tokens."""\n'
    'import hashlib, secrets, uuid\n'
    'API_KEY_HEADER = "X-API-Key"\n'
    'TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"\n'
    'SECRET_MANAGER_PREFIX = "projects/123/secrets/"\n'
    'DEFAULT_PASSWORD_LENGTH = 16\n'
    'session_token = secrets.token_urlsafe(32)\n'
    'api_key = request.headers.get(API_KEY_HEADER)\n'
    'password = input("Password: ")\n'
    f'checksum = "{hexs(64)}"\n'
    f'commit_sha = "{hexs(40)}"\n'
    f'run_id = "{uid()}"\n'
    'token_ids = tokenizer.encode("hello world")\n'
    'key = hashlib.sha256(b"salt").hexdigest()\n')

begin("holdout/lookalike_config.yaml")
F(cur, f"""auth:
  type: oidc
  issuer: https://accounts.google.com
  client_id: 1234567890-{b62(32).lower()}.apps.googleusercontent.com
  token_ttl: 1h
  password_policy: strong
storage:
  bucket: ml-artifacts
  kms_key: projects/p/locations/global/keyRings/r/cryptoKeys/k
model:
  sha256: {hexs(64)}
  revision: {hexs(40)}
  tokenizer: meta-llama/Llama-3.1-8B
  max_tokens: 8192
""")

# ---- added for issue 13: Bedrock keys, curl credentials, API-key headers, Slack/GitLab shapes ----
begin("scripts/bedrock_smoke.sh")
F(cur, f"""#!/bin/sh
# smoke test of the Bedrock endpoint
export AWS_BEARER_TOKEN_BEDROCK={S("SW-SEC-036", "ABSKQmVkcm9ja0FQSUtleS1" + b64(108) + "=")}
curl -s https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse \\
  -H "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK" -d @body.json
SHORT={S("SW-SEC-036", "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbi" + b64(180))}
""")

begin("scripts/es_backup.sh")
F(cur, f"""#!/bin/sh
curl --cacert ca.crt -u elastic:{S("SW-SEC-037", b62(14))} https://es:9200/_snapshot/backup
curl -s --user 'api:{S("SW-SEC-037", b62(10) + "!" + b62(3))}' \\
    https://api.mailgun.net/v3/mg.acme.dev/messages
curl -u ":{S("SW-SEC-037", b62(24))}" https://api.acme.dev/v1/jobs
curl -u "$ES_USER:$ES_PASSWORD" https://es:9200/_cluster/health
curl -u admin:changeme https://localhost:9200
curl -X POST -H "Api-Token: {S("SW-SEC-038", b62(22))}" https://api.acme.dev/v1/deploy
curl -H 'X-Octopus-ApiKey: {S("SW-SEC-038", "API-" + rnd(UPPER + DIG, 27))}' https://octopus.acme.dev/api
curl -H "Content-Type: application/json" -H "X-Api-Key: $API_KEY" https://api.acme.dev/
""")

begin("ci/notify.env")
F(cur, f"""SLACK_BOT={S("SW-SEC-023", "xoxb-" + str(R.randint(10**10, 10**11)) + "-" + str(R.randint(10**12, 10**13)) + "-" + b62(24))}
SLACK_WORKFLOW=https://hooks.slack.com/workflows/T{rnd(UPPER + DIG, 10)}/A{rnd(UPPER + DIG, 10)}/{R.randint(10**17, 10**18)}/{S("SW-SEC-023", b62(24))}
SLACK_PLACEHOLDER=xoxb-abcdef-abcdef
SLACK_DOCS=xoxb-YourBotAccessTokenHere
SLACK_MASK=xoxb-####-####-####
GITLAB_SESSION=_gitlab_session={S("SW-SEC-022", rnd(LOWER + DIG, 32))}
GITLAB_FEED=glft-{S("SW-SEC-022", "glft-" + tok(20))[5:]}
""")

# ---- issue 13: provider rules added from gitleaks' rule list (1Password … Telegram) ------------------
def ops_token():
    doc = json.dumps({"signInAddress": "acme.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256",
                      "iterations": 650000, "salt": b62(22)}, "email": rnd(LOWER + DIG, 13) + "@1passwordserviceaccounts.com",
                      "srpX": hexs(64), "muk": {"alg": "A256GCM", "k": tok(43)}, "secretKey": "A3-" + rnd(UPPER + DIG, 32)},
                     separators=(",", ":"))
    return "ops_" + base64.b64encode(doc.encode()).decode().rstrip("=")

def sentry_org():
    doc = json.dumps({"iat": 1729278581.081153, "url": "https://sentry.io", "region_url": "https://us.sentry.io",
                      "org": rnd(LOWER, 8)}, separators=(",", ":"))
    return "sntrys_" + base64.b64encode(doc.encode()).decode() + "_" + b62(43)

begin("deploy/providers.env")
F(cur, f"""OP_SERVICE_ACCOUNT_TOKEN={S("SW-SEC-039", ops_token())}
OP_SECRET_KEY={S("SW-SEC-039", "A3-" + "-".join(rnd(UPPER + DIG, n) for n in (6, 11, 5, 5, 5)))}
OP_DOCS=ops_eyJzaWduSW5BZGRyZXNzIjoiaHR0cHM6...
EASYPOST_API_KEY={S("SW-SEC-040", "EZAK" + b62(54))}
FACEBOOK_APP_SECRET={S("SW-SEC-041", hexs(32))}
FB_PAGE_TOKEN={S("SW-SEC-041", "EAAM" + b62(160))}
FLY_API_TOKEN={S("SW-SEC-042", "fo1_" + tok(43))}
NOTION_TOKEN={S("SW-SEC-043", "ntn_" + "".join(R.choice(DIG) for _ in range(11)) + b62(35))}
SENTRY_AUTH_TOKEN={S("SW-SEC-044", sentry_org())}
SENTRY_USER_TOKEN={S("SW-SEC-044", "sntryu_" + hexs(64))}
INTRA42_SECRET={S("SW-SEC-045", "s-s4t2ud-" + hexs(64))}
TELEGRAM_BOT_TOKEN={S("SW-SEC-048", str(R.randint(10**8, 10**9)) + ":A" + tok(34))}
TELEGRAM_MALFORMED=8923:A{tok(34)}
""")

begin("config/NuGet.Config")
F(cur, f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSourceCredentials>
    <Contoso>
      <add key="Username" value="ci@contoso.com" />
      <add key="ClearTextPassword" value="{S("SW-SEC-046", b62(52))}" />
    </Contoso>
    <Docs>
      <add key="ClearTextPassword" value="33f!!lloppa" />
      <add key="ClearTextPassword" value="%FEED_TOKEN%" />
    </Docs>
  </packageSourceCredentials>
</configuration>
""")

K8S_USER = base64.b64encode(b"feast").decode()
K8S_DOC_PW = base64.b64encode(b"mypassword").decode()
K8S_CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIDxDCCAqygAwIBAgIU\n-----END CERTIFICATE-----\n").decode()
begin("deploy/k8s/db-secret.yaml")
F(cur, f"""apiVersion: v1
kind: Secret
metadata:
  name: feature-store-db
type: Opaque
data:
  username: {K8S_USER}
  password: {S("SW-SEC-047", base64.b64encode((b62(14) + "!$").encode()).decode())}
---
apiVersion: v1
kind: Secret
metadata:
  name: docs-example
data:
  password: {K8S_DOC_PW}
  ca.crt: {K8S_CA}
""")

# ---- write ------------------------------------------------------------------------------------
if os.path.isdir(OUT):
    shutil.rmtree(OUT)
labels = []
for path, content in files.items():
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as fh:
        fh.write(content)
    for rule, value in secrets.get(path, []):
        start = 0
        found = False
        while True:
            i = content.find(value, start)
            if i < 0:
                break
            found = True
            line = content.count("\n", 0, i) + 1
            labels.append((path, line, rule))
            start = i + len(value)
        assert found, (path, rule)
labels = sorted(set(labels))
with open(os.path.join(OUT, "labels.tsv"), "w") as fh:
    fh.write("# path\tline\trule   (generated by gen_corpus.py; every true secret in corpus/)\n")
    for p, l, r in labels:
        fh.write(f"{p}\t{l}\t{r}\n")
print(len(files), "files,", len(labels), "labels")
