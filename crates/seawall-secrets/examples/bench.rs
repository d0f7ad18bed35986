//! Throughput benchmark: MB/s per core on a large generated text corpus (source code, YAML, JSON,
//! Markdown, logs with a secret every ~40 KB), plus hostile inputs built to defeat the prefilter.
//!
//! `cargo run --release -p seawall-secrets --example bench [-- --mb 128] [-- --write DIR]`
//! (`--write DIR` also writes the corpus as 256 KiB files, for comparing other tools on the same bytes).
#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "an example program: what it prints is its output"
)]

use std::time::Instant;

use seawall_secrets::{scan_bytes, scan_reader};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn token(&mut self, n: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..n).map(|_| A[(self.next() % 62) as usize] as char).collect()
    }
}

const LINES: &[&str] = &[
    "import torch\nfrom transformers import AutoTokenizer, AutoModelForCausalLM\n",
    "tokenizer = AutoTokenizer.from_pretrained(model_id, token=os.environ.get(\"HF_TOKEN\"))\n",
    "    inputs = tokenizer(batch[\"text\"], padding=True, truncation=True, max_length=512, return_tensors=\"pt\")\n",
    "    outputs = model.generate(**inputs, max_new_tokens=256, pad_token_id=tokenizer.eos_token_id)\n",
    "def compute_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:\n",
    "        return F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)\n",
    "  - name: MODEL_NAME\n    value: meta-llama/Llama-3.1-8B-Instruct\n",
    "      resources:\n        limits:\n          nvidia.com/gpu: 1\n          memory: 32Gi\n",
    "    image: nvcr.io/nvidia/tritonserver:24.05-py3\n    ports:\n      - containerPort: 8000\n",
    "{\"id\": 1842, \"text\": \"The quick brown fox jumps over the lazy dog\", \"label\": 0, \"split\": \"train\"}\n",
    "{\"step\": 1200, \"loss\": 1.2345, \"lr\": 0.0002, \"grad_norm\": 0.87, \"tokens_per_second\": 5120.5}\n",
    "2024-05-01 10:00:03 INFO trainer: epoch 3 step 1200 loss=1.2345 lr=2e-4 throughput=5120 tok/s\n",
    "2024-05-01 10:00:04 DEBUG urllib3.connectionpool: https://huggingface.co:443 \"HEAD /api/models HTTP/1.1\" 200 0\n",
    "## Training details\n\nThe model was fine-tuned for three epochs on a mixture of instruction datasets.\n",
    "Set `HF_TOKEN` in the environment or run `huggingface-cli login`; never commit your access token.\n",
    "RUN pip install --no-cache-dir -r requirements.txt && rm -rf /root/.cache/pip\n",
    "sha256:3126f59592c9b0d798584755f2bf7b081fa1ca35ce7a6fea980108d752a05bb1  model.safetensors\n",
    "    \"integrity\": \"sha512-Bm4X3g0fqf8nF0w0mS7nq0mXl3Q6d2aY0h2P4bQnV3m7T8ZyA1kC9dE2fG5hJ6kL7mN8oP9qR0sT1uV2wX3yZ4==\",\n",
    "const session = await fetch(`${API}/v1/sessions`, { method: \"POST\", headers: { \"content-type\": \"application/json\" } });\n",
];

fn corpus(mb: usize) -> Vec<u8> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(mb << 20);
    let mut next_secret = 40_000;
    while out.len() < mb << 20 {
        out.push_str(r.pick(LINES));
        if out.len() > next_secret {
            next_secret += 30_000 + (r.next() % 20_000) as usize;
            let tok = match r.next() % 4 {
                0 => format!("HF_TOKEN=hf_{}\n", r.token(34)),
                1 => format!("export GITHUB_TOKEN=ghp_{}\n", r.token(36)),
                2 => format!("DB_PASSWORD={}!{}\n", r.token(6), r.token(6)),
                _ => format!("url = postgresql://app:{}@db:5432/app\n", r.token(12)),
            };
            out.push_str(&tok);
        }
    }
    out.into_bytes()
}

fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / (1 << 20) as f64 / secs
}

/// CPU time of this thread in seconds (`/proc/thread-self/schedstat`), so that the figure is MB per
/// CPU-second even on a loaded machine; falls back to wall time elsewhere.
struct Clock {
    wall: Instant,
    cpu: Option<u64>,
}

fn cpu_ns() -> Option<u64> {
    fs_err::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

impl Clock {
    fn start() -> Clock {
        Clock { wall: Instant::now(), cpu: cpu_ns() }
    }
    fn secs(&self) -> f64 {
        match (self.cpu, cpu_ns()) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mb = args
        .iter()
        .position(|a| a == "--mb")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(128);
    let data = corpus(mb);
    println!("corpus: {} MiB generated text", data.len() >> 20);

    if let Some(dir) = args.iter().position(|a| a == "--write").and_then(|i| args.get(i + 1)) {
        fs_err::create_dir_all(dir).unwrap();
        for (i, c) in data.chunks(256 << 10).enumerate() {
            // cut at a line boundary so files stay valid text
            fs_err::write(format!("{dir}/part{i:05}.txt"), c).unwrap();
        }
        println!("wrote {} files to {dir}", data.len().div_ceil(256 << 10));
    }

    // Warm up (engine compilation is lazy).
    let _ = scan_bytes("warmup.txt", None, b"HF_TOKEN=x");

    // 1. Files of 256 KiB, as the walker hands them over.
    let t = Clock::start();
    let mut n = 0;
    for c in data.chunks(256 << 10) {
        n += scan_bytes("part.txt", None, c).len();
    }
    let s = t.secs();
    println!("scan_bytes, 256 KiB files : {:7.1} MB/s/core  ({n} findings, {s:.2}s)", mbps(data.len(), s));

    // 2. One stream through the chunked reader.
    let t = Clock::start();
    let r = scan_reader("stream.txt", None, &mut data.as_slice(), u64::MAX).unwrap();
    let s = t.secs();
    println!(
        "scan_reader, one stream   : {:7.1} MB/s/core  ({} findings, {s:.2}s)",
        mbps(data.len(), s),
        r.findings.len()
    );

    // 3. Python source (`.py` syntax) — keyword-dense ML code.
    let t = Clock::start();
    for c in data.chunks(256 << 10) {
        let _ = scan_bytes("part.py", None, c);
    }
    let s = t.secs();
    println!("scan_bytes as .py         : {:7.1} MB/s/core", mbps(data.len(), s));

    // 4. Hostile inputs: a keyword every few bytes.
    if args.iter().any(|a| a == "--no-hostile") {
        return;
    }
    for unit in [
        "sk-",
        "hf_",
        "token=",
        "token=token",
        "eyJ",
        "-----BEGIN PRIVATE KEY-----\n",
        "://a:",
        "- name: A_TOKEN\n",
        "Bearer ",
        "AKIA",
        "password ",
        "curl ",
        "curl -u a:bcdefgh1 ",
        "-H 'X-Api-Key: ",
        "xoxb-1234567890-",
        "TOKEN=\"x\",",
        "kind: Secret\n",
        "kind: Secret\ndata:\n  password: UyFCXCpkJHpEc2I9\n",
        "A3-",
        "telegram 1234567:",
        "ops_eyJ",
    ] {
        let s = unit.repeat((8 << 20) / unit.len());
        let t = Clock::start();
        let _ = scan_bytes("hostile.env", None, s.as_bytes());
        let secs = t.secs();
        println!("hostile {:32} : {:7.1} MB/s/core", format!("{unit:?}"), mbps(s.len(), secs));
    }
}
