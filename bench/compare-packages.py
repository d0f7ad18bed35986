#!/usr/bin/env python3
"""Compare the package lists of syft (-o json) and seawall (--format json) for the same image.

Usage: compare-packages.py SYFT.json SEAWALL.json [--json OUT.json]

Packages are compared by (name, version, type), with seawall's OSV ecosystem mapped to syft's package type
(Debian:12 → deb, PyPI → python, CPython → binary, ...). Python names are compared PEP 503-normalised (seawall
normalises, syft keeps the METADATA spelling); a pair that differs only by that is reported as its own class.
Every difference is put in a class:
  name-spelling     same package, Python name spelled differently (PEP 503 normalisation)
  version           same (type, name), different version string
  python environments differ  same Python package, reported in a different set of site-packages dirs
  purl differs      same package, different package URL
  syft-only/<type>  in syft's list only, per syft package type (and per location prefix)
  seawall-only/<ecosystem>  in seawall's list only, per seawall ecosystem
The first block of the output (up to the first blank line) is a summary; details follow.
"""
import collections
import json
import re
import sys

ECOSYSTEM_TO_SYFT = {
    "Debian": "deb",
    "Ubuntu": "deb",
    "Alpine": "apk",
    "Red Hat": "rpm",
    "Rocky Linux": "rpm",
    "AlmaLinux": "rpm",
    "PyPI": "python",
    "npm": "npm",
    "Go": "go-module",
    "crates.io": "rust-crate",
    "Maven": "java-archive",
    "conda": "conda",
    "CPython": "binary",
    "cuda": "cuda",  # no syft equivalent
}


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def norm_name(ptype, name):
    return pep503(name) if ptype in ("python", "binary") else name


def load_syft(path):
    doc = json.load(open(path))
    out = []
    for a in doc.get("artifacts", []):
        locs = [loc.get("path") or loc.get("realPath") or "" for loc in a.get("locations", [])]
        out.append({"name": a["name"], "version": a.get("version", ""), "type": a.get("type", "?"),
                    "locations": locs, "purl": a.get("purl", ""), "found_by": a.get("foundBy", "")})
    return out


def load_seawall(path):
    doc = json.load(open(path))
    out = []
    for p in doc.get("packages", []):
        base = p["ecosystem"].split(":")[0]
        ptype = ECOSYSTEM_TO_SYFT.get(base, "seawall:" + base)
        locs = [loc.get("path", "") for loc in p.get("locations", [])]
        out.append({"name": p["name"], "version": p.get("version", ""), "type": ptype,
                    "ecosystem": p["ecosystem"], "locations": locs, "purl": p.get("purl", ""),
                    "analyzer": p.get("properties", {}).get("analyzer", "")})
    return out


def site_dir(path):
    m = re.match(r"(.*?/(?:site|dist)-packages)/", path)
    return m.group(1) if m else None


def loc_prefix(locs):
    """A short location class: the directory that holds the package database or metadata."""
    if not locs:
        return "(no location)"
    p = sorted(locs)[0]
    m = re.match(r"(.*?/(?:site|dist)-packages)/", p)
    if m:
        return m.group(1)
    return p.rsplit("/", 1)[0] if "/" in p else p


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    syft, sea = load_syft(argv[1]), load_seawall(argv[2])
    out_json = argv[argv.index("--json") + 1] if "--json" in argv else None

    def index(pkgs):
        idx = collections.defaultdict(list)
        for p in pkgs:
            idx[(p["type"], norm_name(p["type"], p["name"]), p["version"])].append(p)
        return idx

    si, wi = index(syft), index(sea)
    classes = collections.defaultdict(list)
    matched = 0
    for key in sorted(set(si) | set(wi)):
        s, w = si.get(key), wi.get(key)
        if s and w:
            matched += 1
            if s[0]["name"] != w[0]["name"]:
                classes["name-spelling (PEP 503)"].append(f"{key[0]} syft {s[0]['name']!r} seawall {w[0]['name']!r} {key[2]}")
            sp = {p["purl"] for p in s if p["purl"]}
            wp = {p["purl"] for p in w if p["purl"]}
            if sp != wp:
                classes[f"purl differs ({key[0]})"].append(f"{key[1]} {key[2]}: syft {sorted(sp)} seawall {sorted(wp)}")
            if key[0] == "python":
                # The same Python package installed in several environments (system dist-packages and a venv):
                # compare the set of environments each tool reports it in.
                sd = {site_dir(l) for p in s for l in p["locations"]} - {None}
                wd = {site_dir(l) for p in w for l in p["locations"]} - {None}
                if sd != wd:
                    classes["python environments differ"].append(
                        f"{key[1]} {key[2]}: syft {sorted(sd)} seawall {sorted(wd)}")
    s_only = {k: v for k, v in si.items() if k not in wi}
    w_only = {k: v for k, v in wi.items() if k not in si}
    # Version differences: same (type, name) on both sides.
    s_by_name = collections.defaultdict(list)
    for (t, n, v) in s_only:
        s_by_name[(t, n)].append(v)
    w_by_name = collections.defaultdict(list)
    for (t, n, v) in w_only:
        w_by_name[(t, n)].append(v)
    for tn in sorted(set(s_by_name) & set(w_by_name)):
        classes["version differs"].append(
            f"{tn[0]} {tn[1]}: syft {sorted(s_by_name[tn])} seawall {sorted(w_by_name[tn])}")
        for v in s_by_name[tn]:
            s_only.pop((tn[0], tn[1], v), None)
        for v in w_by_name[tn]:
            w_only.pop((tn[0], tn[1], v), None)
    for (t, n, v), ps in sorted(s_only.items()):
        locs = sorted({l for p in ps for l in p["locations"]})
        classes[f"syft-only/{t} [{ps[0]['found_by']}] in {loc_prefix(locs)}"].append(f"{n} {v}  ({', '.join(locs[:3])})")
    for (t, n, v), ps in sorted(w_only.items()):
        locs = sorted({l for p in ps for l in p["locations"]})
        classes[f"seawall-only/{ps[0]['ecosystem']} [{ps[0]['analyzer']}] in {loc_prefix(locs)}"].append(
            f"{n} {v}  ({', '.join(locs[:3])})")
    dup_s = sum(len(v) - 1 for v in si.values() if len(v) > 1)
    dup_w = sum(len(v) - 1 for v in wi.values() if len(v) > 1)

    bytype_s = collections.Counter(p["type"] for p in syft)
    bytype_w = collections.Counter(p["ecosystem"] for p in sea)
    print(f"syft: {len(syft)} artifacts ({len(si)} distinct (type,name,version)) {dict(sorted(bytype_s.items()))}")
    print(f"seawall: {len(sea)} packages ({len(wi)} distinct) {dict(sorted(bytype_w.items()))}")
    print(f"identical (type, name, version): {matched}; duplicates syft {dup_s}, seawall {dup_w}")
    for c in sorted(classes):
        print(f"  {len(classes[c]):5d}  {c}")
    print()
    for c in sorted(classes):
        print(f"## {c} ({len(classes[c])})")
        for line in classes[c]:
            print("   ", line)
        print()
    if out_json:
        json.dump({"matched": matched, "classes": classes}, open(out_json, "w"), indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
