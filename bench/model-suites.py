#!/usr/bin/env python3
"""Model-scanner detection on the public test suites of picklescan, modelscan, fickling and
ModelAudit, and on real checkpoints: seawall next to picklescan, modelscan and fickling, run on the
same files. Prints the markdown table recorded in docs/benchmarks.md.

Usage (the suites are checkouts made by the caller; nothing of theirs is committed here):

    python3 -m venv /var/tmp/model-bench/tools
    /var/tmp/model-bench/tools/bin/pip install picklescan modelscan fickling typing_extensions pytest
    # a second venv that can run the suites' own generators (torch, keras, sklearn, ...)
    python3 -m venv /var/tmp/model-bench/gen
    /var/tmp/model-bench/gen/bin/pip install torch keras transformers scikit-learn xgboost joblib \\
        dill cloudpickle h5py safetensors onnx pytest modelscan fickling picklescan
    cargo build --release -p seawall-cli
    /var/tmp/model-bench/tools/bin/python bench/model-suites.py \\
        --picklescan PICKLESCAN_CHECKOUT --modelscan MODELSCAN_CHECKOUT \\
        --fickling FICKLING_CHECKOUT --modelaudit MODELAUDIT_CHECKOUT \\
        --gen-python /var/tmp/model-bench/gen/bin/python \\
        --checkpoints CHECKPOINT_DIR (written by bench/model-checkpoints.py) \\
        --shared-models ../shared/data/models \\
        --seawall target/release/seawall --out /var/tmp/model-bench/run

Labels: a sample is malicious or benign as its suite expects it (picklescan and ModelAudit: the
file names and the suites' assertions; modelscan: the generated file names; fickling: every pickle
its passing tests hand to check_safety, labelled by the verdict those tests assert). A scanner
detects a sample when it reports it at HIGH or above (seawall: a finding >= HIGH; picklescan: a
dangerous global; modelscan: an issue >= HIGH; fickling: severity >= LIKELY_UNSAFE).
"""

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

# ---------------------------------------------------------------- sample collection


def add(manifest, root, suite, src, label, note=""):
    """Copies `src` (a file, or a directory such as a SavedModel) into the suite's sample folder
    (content-addressed, keeping the name)."""
    src = Path(src)
    if src.is_dir():
        h = hashlib.sha256(b"".join(f.read_bytes() for f in sorted(src.rglob("*")) if f.is_file())).hexdigest()[:10]
        dest = root / suite / label / h / src.name
        shutil.copytree(src, dest, dirs_exist_ok=True)
    else:
        data = src.read_bytes()
        h = hashlib.sha256(data).hexdigest()[:10]
        dest = root / suite / label / h / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    manifest.append({"suite": suite, "path": str(dest), "label": label, "name": src.name, "note": note})


PICKLESCAN_BENIGN = re.compile(
    r"^(benign.*|pytorch_model\.bin|new_pytorch_model\.bin|int_arrays?.*|object_arrays?.*|not_a_pickle\.bin|bad_pytorch\.pt)$"
)
PICKLESCAN_MALICIOUS = re.compile(
    r"^(malicious.*|GHSA-.*|.*exploit.*|io_FileIO\.pkl|urllib_request_urlopen\.pkl|logging_FileHandler\.pkl|"
    r"types_CodeType\.pkl|cloudpickle_codeinjection\.pkl|dns_exfiltration\.npy|sys_module_override_sploit\.pkl|"
    r"pytorch_magic_bypass\.pt|broken_model\.pkl)$"
)


def collect_picklescan(repo, root, manifest):
    for d in ["tests/data", "tests/data2"]:
        for f in sorted((repo / d).iterdir()):
            if not f.is_file():
                continue
            suite = "picklescan-advisories" if f.name.startswith("GHSA-") else "picklescan"
            if PICKLESCAN_MALICIOUS.match(f.name):
                add(manifest, root, suite, f, "malicious")
            elif PICKLESCAN_BENIGN.match(f.name):
                add(manifest, root, suite, f, "benign")


def run_suite_pytest(py, repo, tests, basetemp, extra=(), env=None, plugin_dir=None, plugin=None):
    cmd = [py, "-m", "pytest", "-q", "--no-header", "-p", "no:cacheprovider", f"--basetemp={basetemp}"]
    if plugin:
        cmd += ["-p", plugin]
    cmd += list(extra) + list(tests)
    e = dict(os.environ)
    e.update(env or {})
    if plugin_dir:
        e["PYTHONPATH"] = str(plugin_dir) + os.pathsep + e.get("PYTHONPATH", "")
    r = subprocess.run(cmd, cwd=repo, env=e, capture_output=True, text=True)
    return r


def collect_modelscan(repo, root, manifest, py, work):
    """modelscan's fixtures write its samples into pytest's basetemp (its TensorFlow/Keras fixtures
    need tensorflow and tf_keras in the generating venv); keep them."""
    base = work / "modelscan-basetemp"
    shutil.rmtree(base, ignore_errors=True)
    r = run_suite_pytest(py, repo, ["tests/test_modelscan.py"], base)
    (work / "modelscan-pytest.log").write_text(r.stdout + r.stderr)
    for f in sorted(base.rglob("*")):
        rel = str(f.relative_to(base)).lower()
        # a SavedModel directory is one sample (graph, Keras metadata, variables)
        if f.name == "saved_model.pb":
            f = f.parent
        elif not f.is_file() or "saved_model_" in rel:
            continue
        if "unsafe" in rel or "malicious" in rel or f.name == "test.zip":
            add(manifest, root, "modelscan", f, "malicious")
        elif "safe" in rel or "benign" in rel or f.name in ("bad_pytorch.pt", "password_protected.zip"):
            add(manifest, root, "modelscan", f, "benign")


FICKLING_PLUGIN = textwrap.dedent(
    '''
    """pytest plugin: records every pickle that a fickling test hands to check_safety."""
    import hashlib, json, os
    import fickling.analysis as A

    OUT = os.environ["SEAWALL_CAPTURE"]
    _orig = A.check_safety

    def check_safety(pickled, *a, **k):
        res = _orig(pickled, *a, **k)
        try:
            data = pickled.dumps()
        except Exception:
            return res
        h = hashlib.sha256(data).hexdigest()[:12]
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
        with open(os.path.join(OUT, h + ".pkl"), "wb") as f:
            f.write(data)
        with open(os.path.join(OUT, "index.jsonl"), "a") as f:
            f.write(json.dumps({"file": h + ".pkl", "test": test, "severity": res.severity.name,
                                "value": int(res.severity.value[0] if isinstance(res.severity.value, tuple) else res.severity.value)}) + "\\n")
        return res

    A.check_safety = check_safety
    import fickling
    fickling.check_safety = check_safety
    for mod in ("fickling.fickle", "fickling.loader", "fickling.hook", "fickling.cli"):
        try:
            m = __import__(mod, fromlist=["x"])
            if hasattr(m, "check_safety"):
                m.check_safety = check_safety
        except Exception:
            pass
    '''
)


def collect_fickling(repo, root, manifest, py, work):
    cap = work / "fickling-capture"
    shutil.rmtree(cap, ignore_errors=True)
    cap.mkdir(parents=True)
    plug = work / "fickling-plugin"
    plug.mkdir(parents=True, exist_ok=True)
    (plug / "seawall_capture.py").write_text(FICKLING_PLUGIN)
    # the test modules import check_safety by name: patch them before collection
    r = run_suite_pytest(
        py,
        repo,
        ["test/test_bypasses.py", "test/test_analysis.py", "test/test_pickle.py", "test/test_polyglot.py"],
        work / "fickling-basetemp",
        ["--continue-on-collection-errors"],
        env={"SEAWALL_CAPTURE": str(cap)},
        plugin_dir=plug,
        plugin="seawall_capture",
    )
    (work / "fickling-pytest.log").write_text(r.stdout + r.stderr)
    failed = set(re.findall(r"FAILED (\S+)", r.stdout))
    seen = {}
    idx = cap / "index.jsonl"
    if not idx.exists():
        return
    for line in idx.read_text().splitlines():
        e = json.loads(line)
        if any(e["test"].startswith(f) for f in failed):
            continue
        # LIKELY_SAFE is 0 in fickling's Severity: the tests assert "> LIKELY_SAFE" for payloads
        label = "malicious" if e["value"] > 0 else "benign"
        seen.setdefault(e["file"], (label, e["test"]))
    for f, (label, test) in sorted(seen.items()):
        add(manifest, root, "fickling", cap / f, label, test)


def collect_modelaudit(repo, root, manifest):
    assets = repo / "tests/assets"
    model_ext = {".pkl", ".pickle", ".pt", ".pth", ".bin", ".h5", ".keras", ".npy", ".npz", ".zip", ".7z",
                 ".safetensors", ".pb", ".onnx", ".joblib", ".dill", ".gguf", ".skops", ".tar", ".gz"}
    for f in sorted(assets.rglob("*")):
        if not f.is_file() or f.suffix.lower() not in model_ext:
            continue
        rel = str(f.relative_to(assets).with_suffix("")).lower()
        if "license_scenarios" in rel:
            continue
        if f.suffix == ".safetensors" and f.stem != "safe_model":
            # "suspicious metadata" text: safetensors never evaluates its metadata
            add(manifest, root, "modelaudit", f, "suspicious")
        elif re.search(r"malicious|exploit|attack|evil|unsafe|nested_pickle|decode_exec|path_traversal", rel):
            add(manifest, root, "modelaudit", f, "malicious")
        elif re.search(r"(^|[/_])(safe|benign)|simple_nested", rel):
            add(manifest, root, "modelaudit", f, "benign")


def collect_shared(d, root, manifest):
    """The project's own corpus: `manifest.csv` says malicious or benign for every file."""
    with open(Path(d) / "manifest.csv", newline="") as f:
        for row in csv.DictReader(f):
            add(manifest, root, "shared-corpus", Path(d) / row["path"], row["expected"], row["class"])


def collect_checkpoints(d, root, manifest):
    for f in sorted(Path(d).rglob("*")):
        if f.is_file():
            add(manifest, root, "checkpoints", f, "benign", str(f.relative_to(d)))


# ---------------------------------------------------------------- scanners


def run_seawall(binary, samples):
    """One scan per suite folder, findings grouped by top-level file. `binary` is the CLI
    (`seawall scan model DIR --format json`) or the model crate's example
    (`cargo build --release -p seawall-model --example scan`: the same analyzer and walk, `--tsv`)."""
    worst = {}
    for suite_dir in sorted(p for p in samples.iterdir() if p.is_dir()):
        if Path(binary).name == "scan":
            r = subprocess.run([binary, "--tsv", str(suite_dir)], capture_output=True, text=True)
            found = [line.split("\t")[1:3] for line in r.stdout.splitlines() if line.startswith("finding\t")]
        else:
            out = samples.parent / f"seawall-{suite_dir.name}.json"
            subprocess.run([binary, "scan", "model", str(suite_dir), "--format", "json", "--output", str(out),
                            "--quiet"], capture_output=True)
            rep = json.loads(out.read_text())
            found = [(f["location"]["path"], f["severity"]) for f in rep.get("findings", [])]
        for path, sev in found:
            p = str(suite_dir / path)
            worst[p] = max(worst.get(p, 0), SEV[sev])
    return worst


def seawall_verdict(worst, sample):
    """Worst severity over the sample (a file, or every file of a sample directory)."""
    pre = sample.rstrip("/") + "/"
    sevs = [s for p, s in worst.items() if p == sample or p.startswith(pre)]
    return max(sevs, default=0) >= SEV["HIGH"]


SEV = {"INFO": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


def run_peers(paths):
    """picklescan, modelscan and fickling through their Python APIs, one file at a time."""
    import logging

    logging.disable(logging.CRITICAL)
    from picklescan.scanner import scan_file_path
    from modelscan.modelscan import ModelScan
    import fickling
    from fickling.analysis import Severity as FS

    from picklescan.scanner import scan_directory_path

    res = {}
    for p in paths:
        r = {}
        try:
            sr = scan_directory_path(p) if Path(p).is_dir() else scan_file_path(p)
            r["picklescan"] = sr.infected_files > 0 or sr.issues_count > 0
        except Exception:
            r["picklescan"] = False
        try:
            ms = ModelScan()
            out = ms.scan(p)
            sev = [i.get("severity", "") for i in out.get("issues", [])]
            r["modelscan"] = any(s in ("HIGH", "CRITICAL") for s in sev)
        except Exception:
            r["modelscan"] = False
        try:
            files = [str(f) for f in sorted(Path(p).rglob("*")) if f.is_file()] if Path(p).is_dir() else [p]
            r["fickling"] = any(fickling.scan_file(f, graceful=True).severity >= FS.LIKELY_UNSAFE for f in files)
        except Exception:
            r["fickling"] = False
        res[p] = r
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--picklescan", type=Path)
    ap.add_argument("--modelscan", type=Path)
    ap.add_argument("--fickling", type=Path)
    ap.add_argument("--modelaudit", type=Path)
    ap.add_argument("--checkpoints", type=Path)
    ap.add_argument("--shared-models", type=Path, help="../shared/data/models (with manifest.csv)")
    ap.add_argument("--gen-python", default=sys.executable)
    ap.add_argument("--seawall", required=True)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    samples = a.out / "samples"
    shutil.rmtree(samples, ignore_errors=True)
    samples.mkdir(parents=True)
    work = a.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    manifest = []
    if a.picklescan:
        collect_picklescan(a.picklescan, samples, manifest)
    if a.modelscan:
        collect_modelscan(a.modelscan, samples, manifest, a.gen_python, work)
    if a.fickling:
        collect_fickling(a.fickling, samples, manifest, a.gen_python, work)
    if a.modelaudit:
        collect_modelaudit(a.modelaudit, samples, manifest)
    if a.checkpoints:
        collect_checkpoints(a.checkpoints, samples, manifest)
    if a.shared_models:
        collect_shared(a.shared_models, samples, manifest)
    with open(a.out / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["suite", "path", "label", "name", "note"])
        w.writeheader()
        w.writerows(manifest)

    sw = run_seawall(a.seawall, samples)
    peers = run_peers([m["path"] for m in manifest])
    tools = ["seawall", "picklescan", "modelscan", "fickling"]
    table = defaultdict(lambda: defaultdict(int))
    misses = []
    with open(a.out / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["suite", "label", "name", "path"] + tools)
        for m in manifest:
            v = {"seawall": seawall_verdict(sw, m["path"]), **peers[m["path"]]}
            w.writerow([m["suite"], m["label"], m["name"], m["path"]] + [int(v[t]) for t in tools])
            key = (m["suite"], m["label"])
            table[key]["n"] += 1
            for t in tools:
                table[key][t] += int(v[t])
            if m["label"] != "suspicious" and (m["label"] == "malicious") != v["seawall"]:
                misses.append(f"{m['suite']}/{m['label']}: {m['name']} {m['note']}")
    print("| suite | samples | seawall | picklescan | modelscan | fickling |")
    print("|---|---|---|---|---|---|")
    for (suite, label), c in sorted(table.items()):
        what = {
            "malicious": "detected (HIGH+)",
            "benign": "flagged HIGH+ (false positives)",
            "suspicious": "flagged HIGH+ (suspicious metadata text, not executable)",
        }[label]
        cells = " | ".join(f"{c[t]}/{c['n']}" for t in tools)
        print(f"| {suite} {label} — {what} | {c['n']} | {cells} |")
    if misses:
        print("\nseawall disagreements with the suites' labels:")
        for x in misses:
            print("  " + x)


if __name__ == "__main__":
    main()
