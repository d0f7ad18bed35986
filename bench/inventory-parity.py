#!/usr/bin/env python3
"""Inventory parity with osv-scalibr and Syft on their own extractor suites (issue 14).

    bench/inventory-parity.py SCALIBR SYFT [--seawall target/debug/seawall] [--details FILE] [--keep DIR]

SCALIBR and SYFT are checkouts of google/osv-scalibr and anchore/syft (a work tree, or a bare git
directory such as the `fetch` tool's snapshot: the needed subtrees are exported to a temp dir). For
each extractor family the script reads the table-driven tests (`*_test.go`) next to the testdata,
takes every case's fixture and expected packages (name, version), lays the fixture out at a
real-system path in a fresh directory (`var/lib/dpkg/status`, `app/node_modules/x/package.json`,
…), runs `seawall scan fs DIR --scanners inventory --format json` on it and compares.

Only cases run with the extractor's default configuration count (cases that switch on options such
as scalibr's IncludeNotInstalled are listed as skipped). Matching is by (name, version) after the
documented normalisations (PEP 503 names, Maven artifact for Syft, Go `stdlib` for scalibr's `go`
toolchain package and the `v` prefix); a package whose version differs only in a documented way
(a range taken as a version by the peer, RPM epoch) counts as found "by equivalence". Cases that
expect an error are checked for a seawall warning naming the file. Nothing is written outside the
temp directory; no third-party file is copied into the repository.

Prints the Markdown table for docs/benchmarks.md and, with --details, every miss and extra.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golit import Call, Ident, Lit, all_literals, body_assignments, body_calls, body_literals, functions  # noqa: E402


# --------------------------------------------------------------------------------------------
# Sources


def export_tree(repo, subtrees, dest):
    """A directory holding `subtrees` of `repo` (a work tree, or a bare git dir exported here)."""
    if not os.path.isdir(os.path.join(repo, "objects")) or os.path.isdir(os.path.join(repo, subtrees[0])):
        return repo, []
    missing = []
    out = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "HEAD", "--"] + subtrees,
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        _, typ, obj = meta.split()
        if typ != "blob":
            continue
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        r = subprocess.run(["git", "-C", repo, "cat-file", "blob", obj], capture_output=True)
        if r.returncode != 0:
            missing.append(path)
            continue
        with open(target, "wb") as f:
            f.write(r.stdout)
    return dest, missing


# --------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    family: str
    fixture: str  # path of the fixture in the peer's repository
    files: dict  # real path in the scan root -> bytes (or (bytes, mode))
    expected: list  # [(name, version or None)]
    expect_error: bool = False
    note: str = ""


@dataclass
class Family:
    name: str  # "scalibr dpkg"
    tool: str  # scalibr | syft
    ecosystems: tuple  # seawall ecosystems (prefix match) compared for this family
    cases: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (fixture, why)
    missing_files: list = field(default_factory=list)
    explain: str = ""


def read(path):
    with open(path, "rb") as f:
        return f.read()


def s(v, consts=None):
    """A Go value as a string, resolving identifiers through `consts`."""
    if isinstance(v, Ident):
        return (consts or {}).get(str(v), None)
    if isinstance(v, str):
        return v
    if isinstance(v, Call) and v.name in ("filepath.FromSlash", "filepath.Join") and v.args:
        return "/".join(x for x in (s(a, consts) for a in v.args) if x)
    return None


PATH_KEYS = ("path", "Path", "inputPath", "fixture", "Fixture", "fixturePath", "fixtureName")
WANT_KEYS = ("wantPackages", "WantPackages", "want", "expected", "expectedPkgs", "wantPkgs", "expectedPackages",
             "ExpectedPkg", "ExpectedMetadata")


def case_path(lit, consts):
    for k in PATH_KEYS:
        if k in lit.kv:
            v = s(lit.kv[k], consts)
            if v is not None:
                return v
    for k in ("InputConfig", "inputConfig"):
        if isinstance(lit.kv.get(k), Lit):
            return case_path(lit.kv[k], consts)
    return None


def packages_in(v, consts, helpers=None, name_key="Name", version_key="Version", types=("Package", "Entry")):
    """(name, version) of every package literal (or helper call) inside a Go value; identifiers
    naming literals in `consts` are followed."""
    out = []
    helpers = helpers or {}

    def visit(x, in_pkg_list=False, depth=0):
        if depth > 50:
            return
        if isinstance(x, Ident) and isinstance(consts.get(str(x)), (Lit, list)):
            visit(consts[str(x)], in_pkg_list, depth + 1)
            return
        if isinstance(x, Lit):
            if name_key in x.kv and any(t in x.type for t in types) or (name_key in x.kv and (in_pkg_list or x.type == "")):
                n = s(x.kv.get(name_key), consts)
                ver = s(x.kv.get(version_key), consts)
                if n is not None:
                    out.append((n, ver or ""))
                return
            list_of_pkgs = x.type.startswith("[]") and ("Package" in x.type or "Entry" in x.type)
            for e in x.elems:
                visit(e, list_of_pkgs, depth + 1)
            for val in x.kv.values():
                visit(val, False, depth + 1)
        elif isinstance(x, Call):
            if x.name in helpers:
                res = helpers[x.name](x.args, consts)
                if res is not None:
                    out.extend(res)
                    return
            for a in x.args:
                visit(a, False, depth + 1)
        elif isinstance(x, list):
            for y in x:
                visit(y, False, depth + 1)

    visit(v)
    return out


def table_cases(test_file, consts_extra=None, helpers=None, name_key="Name", version_key="Version", lits=None):
    """Every case literal of a Go test file that has a fixture path and an expectation:
    (lit, path, expected, expects_error)."""
    with open(test_file, encoding="utf-8") as f:
        all_lits, consts = all_literals(f.read())
    lits = all_lits if lits is None else lits
    consts.update(consts_extra or {})
    found = []
    for lit in lits:
        wk = next((k for k in WANT_KEYS if k in lit.kv), None)
        err = any(k.lower() == "wanterr" and str(lit.kv[k]) not in ("nil", "None") and "NoError" not in repr(lit.kv[k])
                  for k in lit.kv)
        path = case_path(lit, consts)
        if path is None or (wk is None and not err):
            continue
        expected = packages_in(lit.kv[wk], consts, helpers, name_key, version_key) if wk else []
        found.append((lit, path, expected, err))
    return found


def non_default(lit, keys):
    """True when the case literal sets one of `keys` (options off by default) to a true value."""
    for k in keys:
        v = lit.kv.get(k)
        if v is not None and str(v) not in ("false", "nil", "0", '""'):
            return True
    return False


# --------------------------------------------------------------------------------------------
# Running seawall and comparing


def run_seawall(seawall, root):
    r = subprocess.run([seawall, "scan", "fs", root, "--scanners", "inventory", "--format", "json", "--offline", "--quiet",
                        "--no-cache"], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"seawall failed on {root}: {r.stderr}")
    return json.loads(r.stdout)


def lay_out(root, files):
    for rel, content in files.items():
        mode = None
        if isinstance(content, tuple):
            content, mode = content
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(content)
        if mode:
            os.chmod(p, mode)


def pep503(n):
    return re.sub(r"[-_.]+", "-", n).lower()


def normalise(family, eco, name, version):
    """(name, version) for comparison."""
    if family.ecosystems[0] == "PyPI":
        name = pep503(name)
    if family.ecosystems[0] == "Go":
        if name == "go" and family.tool == "scalibr":
            name = "stdlib"
        version = version[1:] if version.startswith("v") and version[1:2].isdigit() else version
    if family.ecosystems[0] == "Maven" and family.tool == "syft":
        name = name.split(":")[-1]
    if family.ecosystems[0] == "PyPI" and family.tool == "syft":
        name = re.sub(r"\[.*\]$", "", name)  # Syft keeps extras in the name: `celery[redis, pytest]`
    return name, version


def equivalent(family, exp_version, got):
    """A documented difference in the version only."""
    v = got["version"]
    props = got.get("properties", {})
    if exp_version in ("", None):
        return False
    # A range or a wildcard taken as a version by the peer: seawall reports no version and the
    # specifier as `constraint`.
    if v == "" and exp_version in props.get("constraint", ""):
        return True
    # Text the peer keeps after the version on an invalid line (`foo==1.0 trailing text`).
    if v and exp_version.startswith(v + " "):
        return True
    # RPM epochs: seawall's version carries `epoch:`; the purl keeps them apart.
    if re.fullmatch(r"\d+:" + re.escape(exp_version), v):
        return True
    return False


def compare(family, case, report):
    # A package is a distinct (name, version) per fixture: seawall's report merges identical
    # packages found in the same file (a lock file listing `x@1.0` under two parents is one x@1.0).
    seen, expected = set(), []
    for n, v in case.expected:
        k = normalise(family, family.ecosystems[0], n, v or "")
        if k not in seen:
            seen.add(k)
            expected.append((n, v))
    got = [p for p in report.get("packages", [])
           if any(p["ecosystem"].startswith(e) for e in family.ecosystems)]
    pool = collections.Counter()
    by_key = {}
    for p in got:
        k = normalise(family, p["ecosystem"], p["name"], p["version"])
        pool[k] += 1
        by_key.setdefault(k, []).append(p)
    found, equiv, missed = [], [], []
    for n, v in expected:
        k = normalise(family, family.ecosystems[0], n, v or "")
        if pool[k] > 0:
            pool[k] -= 1
            found.append((n, v))
            continue
        # name match with a documented version difference
        cand = [(kk, p) for kk, ps in by_key.items() for p in ps if kk[0] == k[0] and pool[kk] > 0]
        hit = next(((kk, p) for kk, p in cand if equivalent(family, k[1], p)), None)
        if hit:
            pool[hit[0]] -= 1
            equiv.append((n, v, hit[1]["version"]))
        else:
            missed.append((n, v))
    extra = [k for k, c in pool.items() for _ in range(c)]
    warned = [w for w in report.get("warnings", []) if w.get("location")]
    return found, equiv, missed, extra, warned


# --------------------------------------------------------------------------------------------
# scalibr families

SC = "extractor/filesystem"


def scalibr_families(root):
    fams = []
    base = os.path.join(root, SC)

    def fam(name, ecos, explain=""):
        f = Family(f"scalibr {name}", "scalibr", ecos, explain=explain)
        fams.append(f)
        return f

    # dpkg / opkg ------------------------------------------------------------------------
    d = os.path.join(base, "os/dpkg")
    f = fam("dpkg", ("Debian", "OpenWrt"))
    seen = set()
    for lit, path, exp, err in table_cases(os.path.join(d, "dpkg_test.go")):
        if "cfg" in lit.kv:
            f.skipped.append((path, "IncludeNotInstalled option"))
            continue
        if path in seen:
            continue
        seen.add(path)
        rel = path.removeprefix("testdata/")
        if rel.startswith("opkg/"):
            real = "usr/lib/opkg/status"
        elif rel.startswith("dpkg/status.d/"):
            real = "var/lib/dpkg/status.d/" + rel.split("/")[-1]
        else:
            real = "var/lib/dpkg/status"
        f.cases.append(Case(f.name, f"{SC}/os/dpkg/{path}", {real: read(os.path.join(d, path))}, exp, err))

    # apk --------------------------------------------------------------------------------
    d = os.path.join(base, "os/apk")
    f = fam("apk", ("Alpine",))
    seen = set()
    for lit, path, exp, err in table_cases(os.path.join(d, "apk_test.go"), helpers={
        "getPackage": lambda a, c: [(s(a[1], c), s(a[3], c))]}):
        if path in seen:
            continue
        seen.add(path)
        f.cases.append(Case(f.name, f"{SC}/os/apk/{path}", {"lib/apk/db/installed": read(os.path.join(d, path))}, exp, err))

    # rpm --------------------------------------------------------------------------------
    d = os.path.join(base, "os/rpm")
    f = fam("rpm", ("Red Hat",))
    for fx in ("Packages", "Packages.db", "rpmdb.sqlite"):
        p = os.path.join(d, "testdata", fx)
        if not os.path.exists(p):
            f.missing_files.append(f"{SC}/os/rpm/testdata/{fx}")

    # wheelegg -----------------------------------------------------------------------------
    d = os.path.join(base, "language/python/wheelegg")
    f = fam("wheelegg (Python dist-info/egg)", ("PyPI",),
            "a `.whl` file is a distributable, not an installed package: seawall reports what is installed")
    sp = "usr/lib/python3.10/site-packages/"
    place = {
        "distinfo_meta": sp + "pip-22.2.2.dist-info/METADATA",
        "egginfo_pkginfo": sp + "setuptools-57.4.0-py3.9.egg/EGG-INFO/PKG-INFO",
        "egginfo": sp + "pycups-2.0.1.egg-info",
        "pkginfo": sp + "httplib2-0.20.4.egg-info/PKG-INFO",
        "malformed_pkginfo": sp + "passlib-1.7.4.egg-info/PKG-INFO",
        "monotonic-1.6-py3.10.egg": sp + "monotonic-1.6-py3.10.egg",
        "monotonic-1.6-py2.py3-none-any.whl": "wheelhouse/monotonic-1.6-py2.py3-none-any.whl",
        "monotonic_no_pkginfo-1.6-py3.10.egg": sp + "monotonic_no_pkginfo-1.6-py3.10.egg",
        "mixed_case": sp + "httplib2-1.0.dist-info/METADATA",
        "special_chars": sp + "backports.ssl_match_hostname-3.5.0.1.dist-info/METADATA",
        "pyopenssl-26.0.0.dist-info": sp + "pyOpenSSL-26.0.0.dist-info/METADATA",
        "repeated_pkginfo": sp + "root-1.0.0.dist-info/METADATA",
        "empty": sp + "empty-1.0.dist-info/METADATA",
    }
    seen = set()
    for lit, path, exp, err in table_cases(os.path.join(d, "wheelegg_test.go")):
        fx = path.removeprefix("testdata/")
        if path in seen or fx not in place:
            continue
        seen.add(path)
        f.cases.append(Case(f.name, f"{SC}/language/python/wheelegg/{path}", {place[fx]: read(os.path.join(d, path))}, exp, err))

    # requirements ---------------------------------------------------------------------------
    d = os.path.join(base, "language/python/requirements")
    f = fam("requirements", ("PyPI",))
    for lit, path, exp, err in table_cases(os.path.join(d, "requirements_test.go")):
        files = {"app/requirements.txt": read(os.path.join(d, path))}
        # files it includes, at their own names beside it
        for m in re.finditer(rb"^-r\s*(\S+)", files["app/requirements.txt"], re.M):
            inc = m.group(1).decode()
            p = os.path.join(d, "testdata", inc)
            if os.path.exists(p):
                files["app/" + inc] = read(p)
        f.cases.append(Case(f.name, f"{SC}/language/python/requirements/{path}", files, exp, err))

    # lock files ---------------------------------------------------------------------------
    for sub, real, label in (("poetrylock", "app/poetry.lock", "poetry.lock"),
                             ("pipfilelock", "app/Pipfile.lock", "Pipfile.lock"),
                             ("uvlock", "app/uv.lock", "uv.lock")):
        d = os.path.join(base, "language/python", sub)
        f = fam(label, ("PyPI",))
        helpers = {"pkg": lambda a, c: [(s(a[1], c), s(a[2], c))]}
        for lit, path, exp, err in table_cases(os.path.join(d, f"{sub}_test.go"), helpers=helpers):
            if not path.startswith("testdata/"):
                continue
            f.cases.append(Case(f.name, f"{SC}/language/python/{sub}/{path}", {real: read(os.path.join(d, path))}, exp, err))

    # conda --------------------------------------------------------------------------------
    d = os.path.join(base, "language/python/condameta")
    f = fam("condameta", ("conda",))
    for lit, path, exp, err in table_cases(os.path.join(d, "condameta_test.go")):
        if not path.startswith("testdata/"):
            continue
        f.cases.append(Case(f.name, f"{SC}/language/python/condameta/{path}",
                            {"opt/conda/conda-meta/" + path.split("/")[-1] + ".json": read(os.path.join(d, path))}, exp, err))

    # Cargo.lock ---------------------------------------------------------------------------
    d = os.path.join(base, "language/rust/cargolock")
    f = fam("Cargo.lock", ("crates.io",))
    for lit, path, exp, err in table_cases(os.path.join(d, "cargolock_test.go")):
        if not path.startswith("testdata/"):
            continue
        f.cases.append(Case(f.name, f"{SC}/language/rust/cargolock/{path}", {"src/Cargo.lock": read(os.path.join(d, path))}, exp, err))

    # cargo-auditable ----------------------------------------------------------------------
    d = os.path.join(base, "language/rust/cargoauditable")
    f = fam("cargo-auditable", ("crates.io",))
    for lit, path, exp, err in table_cases(os.path.join(d, "cargoauditable_test.go")):
        if not path.startswith("testdata/") or not os.path.exists(os.path.join(d, path)):
            continue
        f.cases.append(Case(f.name, f"{SC}/language/rust/cargoauditable/{path}",
                            {"usr/local/bin/" + path.split("/")[-1]: (read(os.path.join(d, path)), 0o755)}, exp, err))

    # Go binaries ----------------------------------------------------------------------------
    fams.append(scalibr_gobinary(base))

    # package.json ---------------------------------------------------------------------------
    d = os.path.join(base, "language/javascript/packagejson")
    f = fam("package.json", ("npm",),
            "a project's own `package.json` (outside `node_modules`) is the project, not an installed dependency")
    place = {
        "package.json": "app/package.json",
        "vscode-extension.json": "root/.vscode/extensions/publisher.ext-1.0.0/package.json",
        "vscode-extension-only-required.json": "root/.vscode/extensions/publisher.min-1.0.0/package.json",
        "unity-package.json": "app/Packages/com.unity.x/package.json",
        "undici-package.json": "app/node_modules/undici/package.json",
        "not-vscode.json": "app/node_modules/jsonparse/package.json",
    }
    for lit, path, exp, err in table_cases(os.path.join(d, "packagejson_test.go")):
        if not path.startswith("testdata/") or "Call" in repr(lit.kv.get("wantPackages", "")):
            continue
        if non_default(lit, ("includeDeps",)):
            f.skipped.append((path, "IncludeDependencies option"))
            continue
        fx = path.removeprefix("testdata/")
        if fx.startswith("deps/"):
            parts = fx.split("/")[1:-1]  # deps/with/deps/acorn/package.json -> with, deps, acorn
            real = "app/node_modules/" + "/node_modules/".join(p for p in parts if p != "deps") + "/package.json"
        else:
            real = place.get(fx)
        if real is None:
            continue
        # scalibr also lists the package's people (Name: author) in Metadata; keep packages only.
        exp = [(n, v) for n, v in exp if v]
        f.cases.append(Case(f.name, f"{SC}/language/javascript/packagejson/{path}", {real: read(os.path.join(d, path))}, exp, err))

    # package-lock.json ----------------------------------------------------------------------
    d = os.path.join(base, "language/javascript/packagelockjson")
    f = fam("package-lock.json", ("npm",))
    by_dir = {}
    for tf in ("packagelockjson-v1_test.go", "packagelockjson-v2_test.go", "packagelockjson_test.go"):
        for lit, path, exp, err in table_cases(os.path.join(d, tf)):
            if not path.startswith("testdata/"):
                continue
            full = os.path.join(d, path)
            parent = os.path.dirname(full)
            if os.path.basename(parent) != "testdata":
                # A directory holding package-lock.json and/or npm-shrinkwrap.json: laid out whole;
                # its cases (one per file) together say what a scan of the directory finds.
                key = os.path.relpath(parent, d)
                files = {"app/" + n: read(os.path.join(parent, n)) for n in sorted(os.listdir(parent))}
                prev = by_dir.get(key)
                by_dir[key] = Case(f.name, f"{SC}/language/javascript/packagelockjson/{key}/", files,
                                   (prev.expected if prev else []) + exp, err)
                continue
            f.cases.append(Case(f.name, f"{SC}/language/javascript/packagelockjson/{path}",
                                {"app/package-lock.json": read(full)}, exp, err))
    f.cases.extend(by_dir.values())

    # Java archives --------------------------------------------------------------------------
    fams.append(scalibr_java(base))
    return fams


def scalibr_gobinary(base):
    d = os.path.join(base, "language/golang/gobinary")
    f = Family("scalibr gobinary", "scalibr", ("Go",),
               explain="scalibr names the toolchain `go`, seawall `stdlib` (OSV's name for Go standard-library advisories); "
               "versions compared without the `v` prefix scalibr strips")
    with open(os.path.join(d, "gobinary_test.go"), encoding="utf-8") as fh:
        src = fh.read()
    # var X = []*extractor.Package{ goPackage("name", "version"), ... }
    lists = {}
    for m in re.finditer(r"(\w+)\s*=\s*\[\]\*extractor\.Package\{(.*?)\n\t\}", src, re.S):
        lists[m.group(1)] = re.findall(r'goPackage\("([^"]+)",\s*"([^"]+)"\)', m.group(2))
    tool = re.search(r'Toolchain\s*=\s*goPackage\("([^"]+)",\s*"([^"]+)"\)', src)
    for m in re.finditer(r'path:\s*"(testdata/[^"]+)",\s*\n\s*wantPackages:\s*createPackagesWithMain\(append\((\w+),\s*(\w+)\)', src):
        path, lst, extra = m.group(1), m.group(2), m.group(3)
        if not os.path.exists(os.path.join(d, path)):
            f.missing_files.append(f"{SC}/language/golang/gobinary/{path}")
            continue
        main = path.removeprefix("testdata/").split("-")[0]
        exp = list(lists.get(lst, [])) + [(main, "(devel)")]
        if extra == "Toolchain" and tool:
            exp.append((tool.group(1), tool.group(2)))
        f.cases.append(Case(f.name, f"{SC}/language/golang/gobinary/{path}",
                            {"usr/local/bin/" + path.split("/")[-1]: (read(os.path.join(d, path)), 0o755)}, exp))
    for fx in ("nginx-ingress-controller",):
        if not os.path.exists(os.path.join(d, "testdata", fx)):
            f.missing_files.append(f"{SC}/language/golang/gobinary/testdata/{fx}")
    dummy = os.path.join(d, "testdata/dummy")
    if os.path.exists(dummy):
        f.cases.append(Case(f.name, f"{SC}/language/golang/gobinary/testdata/dummy", {"usr/local/bin/dummy": (read(dummy), 0o755)}, []))
    return f


def make_jar(entries):
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in entries:
            z.writestr(n, data)
    return buf.getvalue()


def scalibr_java(base):
    d = os.path.join(base, "language/java/archive")
    f = Family("scalibr Java archive", "scalibr", ("Maven",),
               explain="the file name is evidence by default in seawall (scalibr's production default too; its tests mostly switch it off)")
    by_fixture = {}
    for lit, path, exp, err in table_cases(os.path.join(d, "archive_test.go")):
        if non_default(lit, ("maxOpenedBytes", "extractFromPomXML")):
            f.skipped.append((path, "MaxOpenedBytes / ExtractFromPomXML option"))
            continue
        content = s(lit.kv.get("contentPath"))
        key = (path, content)
        filename_on = non_default(lit, ("extractFilename",))
        # prefer the case with file-name extraction on (the production default)
        if key in by_fixture and not filename_on:
            continue
        by_fixture[key] = (exp, err, filename_on)
    for (path, content), (exp, err, _) in sorted(by_fixture.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        name = path.split("/")[-1]
        if not re.search(r"\.(jar|war|ear|hpi|jpi|jmod|par|sar|nar|lpkg|kar)$", name, re.I):
            name += ".jar"  # the tests call Extract on any name; on disk an archive has its extension
        if content:
            data = make_jar([("META-INF/MANIFEST.MF", read(os.path.join(d, content)))])
            fx = f"{SC}/language/java/archive/{content} (as {name})"
        else:
            full = os.path.join(d, path)
            if not os.path.exists(full):
                f.missing_files.append(path)
                continue
            data = read(full)
            fx = f"{SC}/language/java/archive/{path}"
        f.cases.append(Case(f.name, fx, {"opt/app/lib/" + name: data}, exp, err))
    return f


# --------------------------------------------------------------------------------------------
# Syft families

SY = "syft/pkg/cataloger"


def function_cases(test_file, name_key="Name", version_key="Version", types=("Package", "Entry")):
    """Cases written as test functions: `pkgtest.TestFileParser(t, fixture, parser, expected, …)`,
    `NewCatalogTester().FromFile|FromDirectory(t, fixture).Expects(expected, …)` (with
    `.WithError()` marking an error case), and table-driven cases inside the function.
    Returns (function, fixture, expected, expects_error, case literal or None)."""
    with open(test_file, encoding="utf-8") as f:
        src = f.read()
    _, consts = all_literals(src)
    out = []
    for fname, body in functions(src).items():
        vars_ = dict(consts)
        vars_.update(body_assignments(body))

        def res(v):
            return vars_.get(str(v)) if isinstance(v, Ident) else v

        for args in body_calls(body, "pkgtest.TestFileParser"):
            fx, exp = (res(args[1]), res(args[3])) if len(args) >= 4 else (None, None)
            if isinstance(fx, str) and exp is not None:
                out.append((fname, fx, packages_in(exp, vars_, None, name_key, version_key, types), False, None))
        err = bool(body_calls(body, "WithError"))
        exps = body_calls(body, "Expects")
        for call in ("FromFile", "FromDirectory"):
            for args in body_calls(body, call):
                fx = res(args[1]) if len(args) >= 2 else None
                if isinstance(fx, str):
                    e = res(exps[0][0]) if exps and exps[0] else None
                    out.append((fname, fx, packages_in(e, vars_, None, name_key, version_key, types) if e is not None else [], err, None))
        for lit, path, exp, e in table_cases(test_file, vars_, None, name_key, version_key, lits=body_literals(body)):
            out.append((fname, path, exp, e, lit))
    return out


SCRATCH_COPY = re.compile(r"^\s*FROM\s+scratch\s+COPY\s+\.\s+\.\s*$", re.I)


def dir_files(d, prefix=""):
    files = {}
    for dp, _, fns in os.walk(d):
        for n in fns:
            full = os.path.join(dp, n)
            rel = os.path.relpath(full, d)
            if rel == "Dockerfile":
                continue
            files[prefix + rel] = read(full)
    return files


def syft_families(root):
    base = os.path.join(root, SY)
    fams = []

    def fam(name, ecos, explain=""):
        f = Family(f"Syft {name}", "syft", ecos, explain=explain)
        fams.append(f)
        return f

    def add(f, test, files, exp, err, seen):
        key = tuple(sorted((k, hash(v if isinstance(v, bytes) else v[0])) for k, v in files.items()))
        if key in seen:
            # the same layout tested twice (e.g. with and without license enrichment): once
            return
        seen.add(key)
        f.cases.append(Case(f.name, f"{SY}/{test}", files, exp, err))

    # dpkg / opkg ------------------------------------------------------------------------------
    d = os.path.join(base, "debian")
    f = fam("dpkg", ("Debian", "OpenWrt"))
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_dpkg_db_test.go"), name_key="Package"):
        if not fx.startswith("testdata/var/lib/"):
            continue
        real = fx.removeprefix("testdata/")
        add(f, f"debian/{fx}", {real: read(os.path.join(d, fx))}, exp, err, seen)
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "cataloger_test.go")):
        pass
    for name in ("image-dpkg", "image-distroless-deb"):
        img = os.path.join(d, "testdata", name)
        if os.path.exists(os.path.join(img, "Dockerfile")) and SCRATCH_COPY.match(open(os.path.join(img, "Dockerfile")).read()):
            lits = [l for l in all_literals(open(os.path.join(d, "cataloger_test.go")).read())[0] if s(l.kv.get("name")) == name]
            exp = packages_in(lits[0].kv.get("expected"), {}) if lits else []
            add(f, f"debian/testdata/{name}/ (FROM scratch, COPY . .)", dir_files(img), exp, False, seen)

    # apk ----------------------------------------------------------------------------------------
    d = os.path.join(base, "alpine")
    f = fam("apk", ("Alpine",))
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_apk_db_test.go")):
        p = os.path.join(d, fx)
        if os.path.isfile(p):
            add(f, f"alpine/{fx}", {"lib/apk/db/installed": read(p)}, exp, err, seen)
    corrupt = os.path.join(d, "testdata/corrupt/lib/apk/db/installed")
    if os.path.exists(corrupt):
        add(f, "alpine/testdata/corrupt/lib/apk/db/installed", {"lib/apk/db/installed": read(corrupt)}, [], True, seen)

    # rpm ----------------------------------------------------------------------------------------
    d = os.path.join(base, "redhat")
    f = fam("rpm", ("Red Hat",), "seawall's rpm version carries the epoch (`1:…`), Syft keeps it apart")
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_rpm_db_test.go"), types=("pkg.Package",)):
        if fx == "testdata/Packages":
            add(f, f"redhat/{fx}", {"var/lib/rpm/Packages": read(os.path.join(d, fx))}, exp, err, seen)

    # Python ---------------------------------------------------------------------------------------
    d = os.path.join(base, "python")
    f = fam("Python installed packages", ("PyPI",))
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "cataloger_test.go")):
        if fn != "Test_InstalledPackageCataloger":
            continue
        # A fixture that is itself a metadata directory keeps its name (`partial.dist-info/METADATA`).
        keep = os.path.basename(fx) + "/" if re.search(r"\.(dist|egg)-info$", fx, re.I) else ""
        add(f, f"python/{fx}", dir_files(os.path.join(d, fx), "app/" + keep), exp, err, seen)
    for test in ("TestParseWheelEggMetadata", "TestParseWheelEggMetadataInvalid"):
        for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_wheel_egg_metadata_test.go")):
            if fn != test or not fx.startswith("testdata/"):
                continue
            real = "usr/lib/python3/site-packages/" + fx.removeprefix("testdata/").replace("PKG-INFO-INVALID", "PKG-INFO")
            add(f, f"python/{fx}", {real: read(os.path.join(d, fx))}, exp, err, seen)

    f = fam("Python lock and requirement files", ("PyPI",),
            "a uv/Poetry project's own entry is the project; Syft's `GuessUnpinnedRequirements` is off by default")
    seen = set()
    for tf in ("parse_requirements_test.go", "parse_poetry_lock_test.go", "parse_pipfile_lock_test.go",
               "parse_uv_lock_test.go", "parse_pdm_lock_test.go"):
        for fn, fx, exp, err, lit in function_cases(os.path.join(d, tf)):
            if "LicenseEnrichment" in fn or "pypi-remote" in fx:
                continue
            cfg = lit.kv.get("cfg") if lit is not None else None
            if isinstance(cfg, Lit) and str(cfg.kv.get("GuessUnpinnedRequirements")) == "true":
                f.skipped.append((fx, "GuessUnpinnedRequirements option"))
                continue
            p = os.path.join(d, fx)
            if not os.path.isfile(p):
                continue
            add(f, f"python/{fx}", {"app/" + os.path.basename(fx): read(p)}, exp, err, seen)

    # conda ----------------------------------------------------------------------------------------
    d = os.path.join(base, "conda")
    f = fam("conda", ("conda",))
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "cataloger_test.go")):
        if os.path.isdir(os.path.join(d, fx)):
            add(f, f"conda/{fx}", dir_files(os.path.join(d, fx), "opt/conda/"), exp, err, seen)

    # Cargo.lock -------------------------------------------------------------------------------------
    d = os.path.join(base, "rust")
    f = fam("Cargo.lock", ("crates.io",))
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_cargo_lock_test.go")):
        p = os.path.join(d, fx)
        if os.path.isfile(p):
            add(f, f"rust/{fx}", {"src/Cargo.lock": read(p)}, exp, err, seen)

    # npm --------------------------------------------------------------------------------------------
    d = os.path.join(base, "javascript")
    f = fam("package.json (installed)", ("npm",))
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_package_json_test.go")):
        p = os.path.join(d, fx)
        if not os.path.isfile(p):
            continue
        name = exp[0][0] if exp else os.path.splitext(os.path.basename(fx))[0]
        add(f, f"javascript/{fx}", {f"app/node_modules/{name}/package.json": read(p)}, exp, err, seen)
    f = fam("package-lock.json", ("npm",),
            "the project's own root entry (`packages[\"\"]`) is the project, not a dependency")
    seen = set()
    for fn, fx, exp, err, lit in function_cases(os.path.join(d, "parse_package_lock_test.go")):
        p = os.path.join(d, fx)
        if os.path.isfile(p):
            add(f, f"javascript/{fx}", {"app/package-lock.json": read(p)}, exp, err, seen)
    # TestParsePackageLockAlias loops over two fixtures with a shared expectation.
    with open(os.path.join(d, "parse_package_lock_test.go"), encoding="utf-8") as fh:
        src = fh.read()
    body = functions(src).get("TestParsePackageLockAlias")
    if body is not None:
        v = body_assignments(body)
        common = packages_in(v.get("commonPkgs"), v)
        v2 = packages_in(v.get("v2Pkg"), v)
        for fx, exp in ((v.get("packageLockV1"), common), (v.get("packageLockV2"), common + v2)):
            if isinstance(fx, str) and os.path.isfile(os.path.join(d, fx)):
                add(f, f"javascript/{fx}", {"app/package-lock.json": read(os.path.join(d, fx))}, exp, False, seen)

    # Java -------------------------------------------------------------------------------------------
    fams.extend(syft_java(base))
    return fams


def syft_java(base):
    d = os.path.join(base, "java")
    fams = []
    # File names (archive_filename_test.go): each case is one archive name -> (name, version).
    f = Family("Syft Java archive file names", "syft", ("Maven",),
               explain="each case is an archive holding no metadata, named as the test names it")
    fams.append(f)
    for lit in all_literals(open(os.path.join(d, "archive_filename_test.go")).read())[0]:
        fn, name, version = s(lit.kv.get("filename")), s(lit.kv.get("name")), s(lit.kv.get("version"))
        if fn is None or name is None:
            continue
        base_name = fn.replace(":", "/").rsplit("/", 1)[-1]
        ext = base_name.rsplit(".", 1)[-1].lower()
        if ext not in ("jar", "war", "ear", "par", "sar", "nar", "kar", "jpi", "hpi", "lpkg", "zap"):
            f.skipped.append((fn, f"`.{ext}` is not a Java archive extension seawall reads"))
            continue
        exp = [(name, version)] if version else []
        f.cases.append(Case(f.name, f"{SY}/java/archive_filename_test.go: {fn}",
                            {"opt/app/lib/" + base_name: make_jar([("a/B.class", b"\xca\xfe\xba\xbe")])}, exp))
    # jar-metadata fixtures zipped as the tests do (Test_parseJavaArchive_regressions).
    f = Family("Syft Java archives (jar-metadata)", "syft", ("Maven",),
               explain="Syft names Java packages by artifactId (compared so), seawall `group:artifact`")
    fams.append(f)
    src = open(os.path.join(d, "archive_parser_test.go")).read()
    fns = functions(src)
    body = fns.get("Test_parseJavaArchive_regressions")
    if body is not None:
        v = body_assignments(body)
        for lit in body_literals(body):
            fx = s(lit.kv.get("fixtureName"))
            if fx is None or "expectedPkgs" not in lit.kv:
                continue
            ext = s(lit.kv.get("fileExtension")) or "jar"
            root = os.path.join(d, "testdata/jar-metadata", fx)
            if not os.path.isdir(root):
                f.missing_files.append(f"java/testdata/jar-metadata/{fx}")
                continue
            entries = [(os.path.relpath(os.path.join(dp, n), root), read(os.path.join(dp, n)))
                       for dp, _, ns in os.walk(root) for n in ns]
            exp = packages_in(lit.kv["expectedPkgs"], v)
            f.cases.append(Case(f.name, f"{SY}/java/testdata/jar-metadata/{fx}", {f"opt/app/lib/{fx}.{ext}": make_jar(entries)}, exp))
    return fams


# --------------------------------------------------------------------------------------------
# Robustness: every fixture file at every path an inventory analyzer claims; mutated rpm databases

ANALYZER_PATHS = [
    "etc/os-release", "var/lib/dpkg/status", "var/lib/dpkg/status.d/pkg", "usr/lib/opkg/status",
    "lib/apk/db/installed", "var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/python3/site-packages/x-1.0.dist-info/METADATA", "usr/lib/python3/site-packages/y-1.0.egg-info",
    "usr/lib/python3/site-packages/z-1.0-py3.11.egg", "usr/lib/python3/site-packages/w.egg-link",
    "app/requirements.txt", "app/dev.in", "app/poetry.lock", "app/uv.lock", "app/Pipfile.lock", "app/pdm.lock",
    "opt/conda/conda-meta/x-1.0-0.json", "app/node_modules/x/package.json", "app/package-lock.json",
    "app/Cargo.lock", "usr/local/bin/tool", "opt/app/lib/x-1.0.jar",
]

ROBUSTNESS_DIRS = {
    "scalibr": [f"{SC}/os/dpkg/testdata", f"{SC}/os/apk/testdata", f"{SC}/os/rpm/testdata",
                f"{SC}/language/python", f"{SC}/language/rust", f"{SC}/language/golang/gobinary/testdata",
                f"{SC}/language/javascript/packagejson/testdata", f"{SC}/language/javascript/packagelockjson/testdata",
                f"{SC}/language/java/archive/testdata"],
    "syft": [f"{SY}/{d}/testdata" for d in ("debian", "alpine", "redhat", "python", "conda", "rust", "javascript", "java")],
}


def robustness(seawall, roots, tmp, mutants=372):
    """(fixture files, scans, crashes, mutated rpm databases) — a crash is any exit other than 0/1,
    output that is not a JSON report, or a scan running over 60 s."""
    files = []
    for tool, dirs in ROBUSTNESS_DIRS.items():
        for d in dirs:
            full = os.path.join(roots[tool], d)
            for dp, _, ns in os.walk(full):
                if "/testdata" not in dp + "/":
                    continue
                files += [os.path.join(dp, n) for n in ns if not n.endswith(".go")]
    crashes = []
    scans = 0

    def scan(root, what):
        nonlocal scans
        scans += 1
        try:
            r = subprocess.run([seawall, "scan", "fs", root, "--scanners", "inventory", "--format", "json", "--offline",
                                "--quiet", "--no-cache"], capture_output=True, text=True, timeout=60)
            if r.returncode not in (0, 1):
                crashes.append(f"{what}: exit {r.returncode}: {r.stderr[-300:]}")
            else:
                json.loads(r.stdout)
        except (subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            crashes.append(f"{what}: {type(e).__name__}")

    for i, fx in enumerate(sorted(files)):
        root = os.path.join(tmp, "robust", str(i))
        os.makedirs(root)
        data = read(fx)
        lay_out(root, {p: (data, 0o755) for p in ANALYZER_PATHS})
        scan(root, fx)
        shutil.rmtree(root)
    # Mutated Berkeley DB rpm databases: byte flips, zeroed pages, truncations of every real one.
    import random
    rng = random.Random(14)
    seeds = [f for f in files if os.path.basename(f) in ("Packages", "Packages.db", "rpmdb.sqlite") and os.path.getsize(f) > 512]
    made = 0
    for k in range(mutants if seeds else 0):
        src = bytearray(read(seeds[k % len(seeds)]))
        how = k % 3
        if how == 0:
            for _ in range(rng.randint(1, 16)):
                src[rng.randrange(len(src))] = rng.randrange(256)
        elif how == 1:
            page = rng.randrange(max(1, len(src) // 512)) * 512
            src[page:page + 512] = bytes(min(512, len(src) - page))
        else:
            src = src[: rng.randrange(1, len(src))]
        root = os.path.join(tmp, "robust", f"rpm-{k}")
        os.makedirs(root)
        name = os.path.basename(seeds[k % len(seeds)])
        lay_out(root, {f"var/lib/rpm/{name}": bytes(src)})
        scan(root, f"rpm mutant {k}")
        shutil.rmtree(root)
        made += 1
    return len(files), scans, crashes, made


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scalibr")
    ap.add_argument("syft")
    ap.add_argument("--seawall", default="target/debug/seawall")
    ap.add_argument("--details", help="write every miss, extra and warning check here")
    ap.add_argument("--keep", help="lay the cases out here and keep them (default: a temp dir, removed)")
    ap.add_argument("--family", help="only families whose name contains this")
    ap.add_argument("--no-robustness", action="store_true", help="skip the no-crash sweep")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="inventory-parity-")
    try:
        sc_root, sc_missing = export_tree(args.scalibr, [f"{SC}/os", f"{SC}/language"], os.path.join(tmp, "scalibr"))
        sy_root, sy_missing = export_tree(args.syft, [SY], os.path.join(tmp, "syft"))
        fams = scalibr_families(sc_root) + syft_families(sy_root)
        if args.family:
            fams = [f for f in fams if args.family in f.name]
        cases_root = args.keep or os.path.join(tmp, "cases")
        rows, details = [], []
        totals = collections.Counter()
        for fam in fams:
            c = collections.Counter()
            for i, case in enumerate(fam.cases):
                root = os.path.join(cases_root, re.sub(r"\W+", "-", fam.name), str(i))
                shutil.rmtree(root, ignore_errors=True)
                os.makedirs(root)
                lay_out(root, case.files)
                report = run_seawall(args.seawall, root)
                found, equiv, missed, extra, warned = compare(fam, case, report)
                c["files"] += 1
                c["expected"] += len(found) + len(equiv) + len(missed)
                c["found"] += len(found) + len(equiv)
                c["equiv"] += len(equiv)
                c["missed"] += len(missed)
                c["extra"] += len(extra)
                if case.expect_error:
                    c["error_cases"] += 1
                    c["error_warned"] += 1 if warned else 0
                if missed or extra or equiv or (case.expect_error and not warned):
                    details.append(f"- {fam.name} `{case.fixture}` → {', '.join(case.files)}")
                    for m in missed:
                        details.append(f"  - missed {m[0]} {m[1]!r}")
                    for e in extra:
                        details.append(f"  - extra {e[0]} {e[1]!r}")
                    for e in equiv:
                        details.append(f"  - equivalent {e[0]}: peer {e[1]!r}, seawall {e[2]!r}")
                    if case.expect_error and not warned:
                        details.append("  - peer expects an error; seawall gave no warning")
            for fx, why in fam.skipped:
                details.append(f"- {fam.name} `{fx}` skipped: {why}")
            for fx in fam.missing_files:
                details.append(f"- {fam.name} `{fx}` not in the snapshot (large blob)")
            pct = f"{100 * c['found'] / c['expected']:.1f} %" if c["expected"] else "—"
            err = f"{c['error_warned']}/{c['error_cases']}" if c["error_cases"] else "—"
            rows.append((fam.name, c["files"], c["expected"], c["found"], c["equiv"], c["missed"], c["extra"], pct, err,
                         len(fam.missing_files)))
            totals.update(c)
        print("| family | files | expected | found | of which by equivalence | missed | extra | found % | error fixtures warned | fixtures absent |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print("| " + " | ".join(str(x) for x in r) + " |")
        pct = f"{100 * totals['found'] / totals['expected']:.1f} %" if totals["expected"] else "—"
        print(f"| **total** | {totals['files']} | {totals['expected']} | {totals['found']} | {totals['equiv']} | "
              f"{totals['missed']} | {totals['extra']} | {pct} | {totals['error_warned']}/{totals['error_cases']} | |")
        if not args.no_robustness:
            n, scans, crashes, mutants = robustness(args.seawall, {"scalibr": sc_root, "syft": sy_root}, tmp)
            print(f"\nRobustness: {n} fixture files of these extractors, each at {len(ANALYZER_PATHS)} analyzer paths, "
                  f"and {mutants} mutated rpm databases: {scans} scans, {len(crashes)} crashes.")
            details += [f"- crash: {c}" for c in crashes]
        if args.details:
            with open(args.details, "w") as fh:
                fh.write("\n".join(details) + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
