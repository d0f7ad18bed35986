#!/usr/bin/env python3
"""Recall and false-positive rate of seawall (and optionally detect-secrets) on gitleaks' rule samples.

gitleaks declares, next to each rule, a list of true-positive (`tps`) and false-positive (`fps`) samples
(cmd/generate/config/rules/*.go) and checks its own regexes against them. Those lists are public test data.
This script evaluates them WITHOUT Go: it tokenizes the rule files, evaluates the string expressions the
samples are made of (literals, `+`, `fmt.Sprintf`, `utils.GenerateSampleSecrets`, `secrets.NewSecret(regex)`
through a regex-driven random generator, base64 helpers), writes one file per sample and runs the scanners.
Samples built by code it cannot evaluate (loops, closures) are counted as "not extracted".

Usage:
  # a gitleaks checkout or bare git dir (e.g. the search tool's `fetch github:gitleaks/gitleaks`)
  python3 bench/secrets-gitleaks.py --gitleaks /work/.mirror/gitleaks+gitleaks/repo \
      --seawall target/release/examples/scan_dir [--detect-secrets venv/bin/detect-secrets] \
      [--work /var/tmp/secrets-bench/gl] [--seed 1] [--misses]

Needs only Python 3.11+ (and detect-secrets for its column). Nothing of gitleaks is copied into this repository.
"""

import argparse
import base64
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import defaultdict


# ---------------------------------------------------------------------------------------------- tokenizer

class Tok:
    __slots__ = ("kind", "val")

    def __init__(self, kind, val):
        self.kind, self.val = kind, val

    def __repr__(self):
        return f"{self.kind}:{self.val!r}"


PUNCT = [":::=", "::=", "...", ":=", "==", "!=", "+=", "&&", "||", "<-", "++", "--", "<=", ">="]


def go_unquote(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
                  "f": "\f", "v": "\v"}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif n == "u":
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        elif n == "U":
            out.append(chr(int(body[i + 2:i + 10], 16)))
            i += 10
        elif n in "01234567":
            out.append(chr(int(body[i + 1:i + 4], 8)))
            i += 4
        else:
            raise ValueError(f"escape \\{n}")
    return "".join(out)


def tokenize(src):
    toks, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c == "\n":
            toks.append(Tok("nl", "\n"))
            i += 1
        elif c in " \t\r":
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "`":
            j = src.find("`", i + 1)
            toks.append(Tok("str", src[i + 1:j].replace("\r", "")))
            i = j + 1
        elif c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            toks.append(Tok("str", go_unquote(src[i + 1:j])))
            i = j + 1
        elif c == "'":
            j = i + 1
            while src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            toks.append(Tok("rune", go_unquote(src[i + 1:j])))
            i = j + 1
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            toks.append(Tok("id", src[i:j]))
            i = j
        elif c.isdigit():
            j = i
            while j < n and (src[j].isalnum() or src[j] == "."):
                j += 1
            toks.append(Tok("num", src[i:j]))
            i = j
        else:
            for p in PUNCT:
                if src.startswith(p, i):
                    toks.append(Tok("p", p))
                    i += len(p)
                    break
            else:
                toks.append(Tok("p", c))
                i += 1
    return toks


# -------------------------------------------------------------------------------------------------- parser

class ParseError(Exception):
    pass


class Unevaluable(Exception):
    pass


class Parser:
    def __init__(self, toks, pos=0):
        self.t, self.i, self.depth = toks, pos, 0

    def peek(self, skip_nl=None):
        skip = self.depth > 0 if skip_nl is None else skip_nl
        j = self.i
        while skip and j < len(self.t) and self.t[j].kind == "nl":
            j += 1
        return (self.t[j], j) if j < len(self.t) else (Tok("eof", None), j)

    def next(self):
        tok, j = self.peek()
        self.i = j + 1
        return tok

    def expect(self, val):
        tok = self.next()
        if tok.val != val:
            raise ParseError(f"expected {val}, got {tok}")

    def expr(self):
        left = self.unary()
        while True:
            tok, j = self.peek()
            if tok.val == "+":
                self.i = j + 1
                right = self.unary()
                left = ("add", left, right)
            else:
                return left

    def args(self, close=")"):
        self.depth += 1
        items = []
        spread = False
        while True:
            tok, j = self.peek()
            if tok.val == close:
                self.i = j + 1
                break
            items.append(self.element())
            tok, j = self.peek()
            if tok.val == "...":
                self.i = j + 1
                spread = True
                tok, j = self.peek()
            if tok.val == ",":
                self.i = j + 1
            elif tok.val != close:
                self.depth -= 1
                raise ParseError(f"bad list separator {tok}")
        self.depth -= 1
        return items, spread

    def element(self):
        e = self.expr()
        tok, j = self.peek()
        if tok.val == ":":  # map literal key: value
            self.i = j + 1
            return ("kv", e, self.expr())
        return e

    def typ(self):
        # []string, map[string]string, []byte: everything up to the `{` or `(` that follows
        parts = []
        while True:
            tok, j = self.peek()
            if tok.val in ("{", "(") or tok.kind == "eof":
                return "".join(parts)
            if not (tok.kind == "id" or tok.val in ("[", "]", "*", ".")):
                raise ParseError(f"bad type token {tok}")
            self.i = j + 1
            parts.append(tok.val)

    def unary(self):
        tok, j = self.peek()
        if tok.kind == "str":
            self.i = j + 1
            node = ("lit", tok.val)
        elif tok.kind == "rune":
            self.i = j + 1
            node = ("lit", tok.val)
        elif tok.kind == "num":
            self.i = j + 1
            node = ("num", tok.val)
        elif tok.val == "(":
            self.i = j + 1
            self.depth += 1
            node = self.expr()
            self.expect(")")
            self.depth -= 1
        elif tok.val in ("[", "map") or (tok.val == "&" and False):
            ty = self.typ()
            tok2, j2 = self.peek()
            if tok2.val == "{":
                self.i = j2 + 1
                items, _ = self.args("}")
                node = ("composite", ty, items)
            elif tok2.val == "(":
                self.i = j2 + 1
                items, _ = self.args(")")
                node = ("conv", ty, items)
            else:
                raise ParseError(f"type without literal {ty}")
        elif tok.kind == "id":
            self.i = j + 1
            name = tok.val
            while True:
                t2, j2 = self.peek(skip_nl=False)
                if t2.val == "." and j2 + 1 < len(self.t) and self.t[j2 + 1].kind == "id":
                    name += "." + self.t[j2 + 1].val
                    self.i = j2 + 2
                else:
                    break
            node = ("id", name)
        else:
            raise ParseError(f"unexpected {tok}")
        while True:
            tok, j = self.peek(skip_nl=False)
            if tok.val == "(":
                self.i = j + 1
                items, spread = self.args(")")
                node = ("call", node, items, spread)
            elif tok.val == "{" and node[0] == "id" and node[1].startswith(("config.", "utils.")):
                self.i = j + 1
                items, _ = self.args("}")
                node = ("composite", node[1], items)
            elif tok.val == "[":
                raise ParseError("index")
            else:
                return node


# ----------------------------------------------------------------------------------------------- evaluator

SAMPLE_TEMPLATES = None  # filled from utils/generate.go


def xeger(regex, rng):
    """A random string matching a Go regex (as gitleaks' `secrets.NewSecret`, which uses reggen with
    unbounded repeats limited to a few extra items)."""
    import re._parser as sre_parse  # Python 3.11+
    import re._constants as C

    py = regex.replace(r"\z", r"\Z").replace("(?-i:", "(?:")
    if r"\p{" in py or r"\P{" in py:
        raise Unevaluable("unicode class")
    try:
        tree = sre_parse.parse(py)
    except Exception as e:  # noqa: BLE001
        raise Unevaluable(f"regex {regex}: {e}")
    alphabet = [chr(c) for c in range(32, 127)]
    cats = {
        C.CATEGORY_DIGIT: "0123456789",
        C.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
        C.CATEGORY_SPACE: " ",
        C.CATEGORY_NOT_DIGIT: "abcdefghijklmnopqrstuvwxyz",
        C.CATEGORY_NOT_WORD: "-.+/",
        C.CATEGORY_NOT_SPACE: "abcdefghijklmnopqrstuvwxyz0123456789",
    }
    groups = {}

    def chars_of(items):
        neg, pool = False, set()
        for op, av in items:
            if op == C.NEGATE:
                neg = True
            elif op == C.LITERAL:
                pool.add(chr(av))
            elif op == C.RANGE:
                pool.update(chr(c) for c in range(av[0], av[1] + 1))
            elif op == C.CATEGORY:
                pool.update(cats.get(av, ""))
        if neg:
            pool = set(alphabet) - pool
        return sorted(pool)

    def gen(seq):
        out = []
        for op, av in seq:
            if op == C.LITERAL:
                out.append(chr(av))
            elif op == C.NOT_LITERAL:
                out.append(rng.choice([c for c in alphabet if ord(c) != av]))
            elif op == C.IN:
                pool = chars_of(av)
                if not pool:
                    raise Unevaluable("empty class")
                out.append(rng.choice(pool))
            elif op == C.ANY:
                out.append(rng.choice(alphabet[1:]))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                lo, hi, sub = av
                if hi == C.MAXREPEAT:
                    hi = lo + 1
                for _ in range(rng.randint(lo, hi)):
                    out.append(gen(sub))
            elif op == C.SUBPATTERN:
                gid, _, _, sub = av
                s = gen(sub)
                if gid:
                    groups[gid] = s
                out.append(s)
            elif op == C.BRANCH:
                out.append(gen(rng.choice(av[1])))
            elif op == C.GROUPREF:
                out.append(groups.get(av, ""))
            elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
                continue
            elif op == C.CATEGORY:
                out.append(rng.choice(cats.get(av, "a")))
            else:
                raise Unevaluable(f"regex op {op}")
        return "".join(out)

    return gen(tree)


PATTERNS = {
    "utils.Numeric": "[0-9]{%s}",
    "utils.Hex": "[a-f0-9]{%s}",
    "utils.AlphaNumeric": "[a-z0-9]{%s}",
    "utils.AlphaNumericExtendedShort": "[a-z0-9_-]{%s}",
    "utils.AlphaNumericExtended": r"[a-z0-9=_\-]{%s}",
    "utils.AlphaNumericExtendedLong": r"[a-z0-9\/=_\+\-]{%s}",
}


def go_sprintf(fmt, args):
    it = iter(args)

    def rep(m):
        if m.group(0) == "%%":
            return "%"
        return str(next(it))

    return re.sub(r"%%|%[-+# 0-9.]*[svdqx]", rep, fmt)


class Evaluator:
    def __init__(self, rng):
        self.rng = rng
        self.env = {}

    def ev(self, node):
        k = node[0]
        if k == "lit":
            return node[1]
        if k == "num":
            return int(node[1]) if node[1].isdigit() else node[1]
        if k == "add":
            a, b = self.ev(node[1]), self.ev(node[2])
            if isinstance(a, str) and isinstance(b, str):
                return a + b
            raise Unevaluable("add of non-strings")
        if k == "id":
            if node[1] in self.env:
                v = self.env[node[1]]
                if isinstance(v, Exception):
                    raise v
                return v
            raise Unevaluable(f"unknown identifier {node[1]}")
        if k == "composite":
            ty, items = node[1], node[2]
            if ty.startswith("map["):
                out = {}
                for it in items:
                    if it[0] != "kv":
                        raise Unevaluable("map element")
                    try:
                        out[self.ev(it[1])] = self.ev(it[2])
                    except Unevaluable:
                        out.setdefault("__skipped__", 0)
                        out["__skipped__"] += 1
                return out
            if ty in ("[]string",):
                return self.list_items(items)
            raise Unevaluable(f"composite {ty}")
        if k == "conv":
            if len(node[2]) != 1:
                raise Unevaluable("conv")
            return self.ev(node[2][0])
        if k == "call":
            return self.call(node)
        if k == "kv":
            raise Unevaluable("kv")
        raise Unevaluable(k)

    def list_items(self, items, spread_last=False):
        out = SkipList()
        for idx, it in enumerate(items):
            try:
                v = self.ev(it)
            except Unevaluable:
                out.skipped += 1
                continue
            if isinstance(v, list):
                out.extend(v)
                out.skipped += getattr(v, "skipped", 0)
            else:
                out.append(v)
        return out

    def call(self, node):
        fn = node[1][1] if node[1][0] == "id" else None
        items, spread = node[2], node[3]
        if fn == "append":
            base = self.ev(items[0])
            if not isinstance(base, list):
                raise Unevaluable("append base")
            out = SkipList(base)
            out.skipped = getattr(base, "skipped", 0)
            rest = self.list_items(items[1:])
            out.extend(rest)
            out.skipped += rest.skipped
            return out
        args = [self.ev(a) for a in items]
        if fn in PATTERNS:
            return PATTERNS[fn] % args[0]
        if fn == "utils.Hex8_4_4_4_12":
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if fn == "secrets.NewSecret":
            return xeger(args[0], self.rng)
        if fn == "newPlausibleSecret":
            for _ in range(100):
                s = xeger(args[0], self.rng)
                if re.search("[1-9]", s):
                    return s
            raise Unevaluable("plausible")
        if fn == "utils.GenerateSampleSecret":
            return f'{args[0]}_api_token = "{args[1]}"'
        if fn == "utils.GenerateSampleSecrets":
            i, s = args
            return SkipList(
                t.replace("{i}", i).replace("{I}", i.upper()).replace("{s}", s) for t in SAMPLE_TEMPLATES
            )
        if fn == "fmt.Sprintf":
            return go_sprintf(args[0], args[1:])
        if fn == "strings.Repeat":
            return args[0] * int(args[1])
        if fn == "strings.ToUpper":
            return args[0].upper()
        if fn == "strings.ToLower":
            return args[0].lower()
        if fn in ("string",):
            return args[0]
        if fn and fn.endswith("EncodeToString"):
            enc = fn.rsplit(".", 2)[-2]
            data = args[0].encode("latin-1") if isinstance(args[0], str) else args[0]
            out = {
                "StdEncoding": base64.standard_b64encode,
                "URLEncoding": base64.urlsafe_b64encode,
            }
            if enc in out:
                return out[enc](data).decode()
            if enc == "RawStdEncoding":
                return base64.standard_b64encode(data).decode().rstrip("=")
            if enc == "RawURLEncoding":
                return base64.urlsafe_b64encode(data).decode().rstrip("=")
        raise Unevaluable(f"call {fn}")


class SkipList(list):
    skipped = 0


def load_templates(utils_dir):
    src = open(os.path.join(utils_dir, "generate.go"), encoding="utf-8").read()
    body = src[src.index("samples := map[string]string{"):]
    body = body[: body.index("\n\t}\n")]
    toks = tokenize(body)
    out = []
    for a, b, c in zip(toks, toks[1:], toks[2:]):
        if a.kind == "str" and b.val == ":" and c.kind == "str":
            out.append(c.val)
    return out


def split_functions(src):
    parts = re.split(r"^func ", src, flags=re.M)
    return parts[1:]


def file_globals(src, rng):
    """Package-level `var name = expr` declarations of a rule file."""
    env = {"nil": SkipList()}
    for m in re.finditer(r"^var (\w+) = ", src, flags=re.M):
        toks = tokenize(src[m.end():])
        try:
            node = Parser(toks).expr()
            ev = Evaluator(rng)
            ev.env = dict(env)
            env[m.group(1)] = ev.ev(node)
        except (ParseError, Unevaluable, IndexError, ValueError) as e:
            env[m.group(1)] = Unevaluable(str(e))
    return env


def extract_file(path, rng):
    src = open(path, encoding="utf-8").read()
    results = []
    globs = file_globals(src, rng)
    for fsrc in split_functions(src):
        if "utils.Validate" not in fsrc:
            continue
        m = re.search(r'RuleID:\s*"([^"]+)"', fsrc)
        rule_id = m.group(1) if m else os.path.basename(path)
        toks = tokenize(fsrc)
        ev = Evaluator(rng)
        ev.env = dict(globs)
        i = 0
        found = None
        while i < len(toks):
            t = toks[i]
            # statement forms: NAME := EXPR | NAME = EXPR | var NAME = EXPR | return EXPR
            target = None
            start = None
            if t.kind == "id" and i + 1 < len(toks) and toks[i + 1].val in (":=", "="):
                target, start = t.val, i + 2
            elif t.val == "var" and i + 2 < len(toks) and toks[i + 2].val == "=":
                target, start = toks[i + 1].val, i + 3
            elif t.val == "return":
                target, start = "__return__", i + 1
            if start is None:
                i += 1
                continue
            p = Parser(toks, start)
            try:
                node = p.expr()
            except (ParseError, IndexError):
                i += 1
                continue
            i = p.i
            if target == "__return__":
                if node[0] == "call" and node[1][0] == "id" and node[1][1] in (
                    "utils.Validate", "utils.ValidateWithPaths"
                ):
                    found = (node[1][1], node[2])
                continue
            try:
                ev.env[target] = ev.ev(node)
            except (Unevaluable, ValueError, KeyError, TypeError) as e:
                ev.env[target] = Unevaluable(str(e))
        if not found:
            continue
        kind, args = found
        rec = {"rule": rule_id, "tp": [], "fp": [], "tp_skipped": 0, "fp_skipped": 0, "paths": kind.endswith("Paths")}
        for label, node in (("tp", args[1]), ("fp", args[2])):
            try:
                v = ev.ev(node)
            except Unevaluable:
                rec[label + "_skipped"] += 1
                continue
            if isinstance(v, dict):
                rec[label + "_skipped"] += v.pop("__skipped__", 0)
                rec[label] = [(p, s) for p, s in v.items()]
            else:
                rec[label + "_skipped"] += getattr(v, "skipped", 0)
                rec[label] = [(None, s) for s in v]
        results.append(rec)
    return results


# ------------------------------------------------------------------------------------------- well-formed

# Rules whose "secret" is a public identifier (an OAuth client id, an access id that is paired with a
# separate secret): not credentials on their own.
IDENTIFIER_RULE = re.compile(r"-(client|access)-id$")


def longest_run(t):
    best = run = 0
    prev = None
    for c in t:
        run = run + 1 if c == prev else 1
        prev = c
        best = max(best, run)
    return best


def longest_sequence(t):
    best = run = 0
    prev = None
    for c in t.lower():
        run = run + 1 if (prev is not None and c.isalnum() and prev.isalnum() and ord(c) == ord(prev) + 1) else 1
        prev = c
        best = max(best, run)
    return best


PLACEHOLDER_WORDS = ("example", "xxxx", "1234567890", "12345678", "abcd-abcd", "changeme", "your_", "your-", "<", "${")


def malformed(rule, text):
    """Why a true-positive sample is not a well-formed credential (None when it is).

    The secret is taken as the longest run of token characters in the sample; it is placeholder-shaped
    when it holds a documentation marker, a run of 8 identical characters (after the leading `A` run of
    app-only bearer tokens) or an ascending keyboard sequence of 6."""
    if IDENTIFIER_RULE.search(rule):
        return "public identifier, not a secret"
    toks = re.findall(r"[A-Za-z0-9+/=_.:~%-]{8,}", text)
    if not toks:
        return "no token in the sample"
    secret = max(toks, key=len)
    low = secret.lower()
    if any(w in low for w in PLACEHOLDER_WORDS):
        return "placeholder marker"
    judged = secret.lstrip("A") if secret.startswith("A" * 20) else secret
    if longest_run(judged) >= 8:
        return "run of one character"
    if longest_sequence(secret) >= 6:
        return "keyboard sequence"
    if secret.isdigit():
        return "digits only"
    return None


# ------------------------------------------------------------------------------------------------- running

def write_samples(recs, root):
    shutil.rmtree(root, ignore_errors=True)
    index = {}
    for r in recs:
        for label in ("tp", "fp"):
            for n, (path, text) in enumerate(r[label]):
                d = os.path.join(root, r["rule"], f"{label}{n:03d}")
                os.makedirs(d, exist_ok=True)
                name = os.path.basename(path) if path else "sample.txt"
                f = os.path.join(d, name)
                with open(f, "w", encoding="utf-8", errors="surrogateescape") as fh:
                    fh.write(text)
                index[d] = (r["rule"], label, text)
    return index


def run_seawall(bin_path, root):
    out = subprocess.run([bin_path, root], capture_output=True, text=True, check=True).stdout
    flagged = defaultdict(list)
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        parts = line.split("\t")
        # `RULE SEVERITY PATH:LINE …` (older builds print no severity)
        loc = (parts[2] if parts[1].isupper() else parts[1]).rsplit(":", 1)[0]
        flagged[os.path.dirname(loc)].append(parts[0])
    return flagged


def run_detect_secrets(bin_path, root):
    out = subprocess.run(
        [bin_path, "scan", "--all-files", root], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    data = json.loads(out)
    flagged = defaultdict(list)
    for f, items in data.get("results", {}).items():
        full = os.path.join(root, f)
        for it in items:
            flagged[os.path.dirname(full)].append(it["type"])
    return flagged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gitleaks", required=True, help="gitleaks checkout or bare git dir")
    ap.add_argument("--seawall", required=True, help="the scan_dir example binary")
    ap.add_argument("--detect-secrets")
    ap.add_argument("--work", default="/var/tmp/secrets-bench/gl")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--misses", action="store_true", help="print missed TPs and flagged FPs")
    a = ap.parse_args()
    a.seawall = os.path.abspath(a.seawall)
    if a.detect_secrets:
        a.detect_secrets = os.path.abspath(a.detect_secrets)

    src = os.path.join(a.work, "src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    if os.path.isdir(os.path.join(a.gitleaks, "cmd")):
        shutil.copytree(os.path.join(a.gitleaks, "cmd/generate/config"), os.path.join(src, "cmd/generate/config"))
    else:
        arch = subprocess.run(["git", "--git-dir", a.gitleaks, "archive", "HEAD", "cmd/generate/config"],
                              capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", src], input=arch, check=True)
    rev = subprocess.run(["git", "--git-dir", a.gitleaks, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()

    global SAMPLE_TEMPLATES
    SAMPLE_TEMPLATES = load_templates(os.path.join(src, "cmd/generate/config/utils"))
    rng = random.Random(a.seed)
    rules_dir = os.path.join(src, "cmd/generate/config/rules")
    recs = []
    for f in sorted(os.listdir(rules_dir)):
        if f.endswith(".go") and not f.endswith("_test.go"):
            recs.extend(extract_file(os.path.join(rules_dir, f), rng))

    samples = os.path.join(a.work, "samples")
    index = write_samples(recs, samples)
    tools = {"seawall": run_seawall(a.seawall, samples)}
    if a.detect_secrets:
        tools["detect-secrets"] = run_detect_secrets(a.detect_secrets, samples)

    n_tp = sum(len(r["tp"]) for r in recs)
    n_fp = sum(len(r["fp"]) for r in recs)
    sk_tp = sum(r["tp_skipped"] for r in recs)
    sk_fp = sum(r["fp_skipped"] for r in recs)
    print(f"gitleaks {rev}: {len(recs)} rules, {n_tp} true-positive samples ({sk_tp} not extracted), "
          f"{n_fp} false-positive samples ({sk_fp} not extracted), seed {a.seed}")
    why = defaultdict(int)
    for d, (rule, lab, text) in index.items():
        if lab == "tp":
            r = malformed(rule, text)
            if r:
                why[r] += 1
    print("not well-formed TP samples: " + ", ".join(f"{k} {v}" for k, v in sorted(why.items())))
    tp_texts = defaultdict(set)
    for d, (rule, lab, text) in index.items():
        if lab == "tp":
            tp_texts[rule].add(text)
    for name, flagged in tools.items():
        tp_hit = sum(1 for d, (rule, lab, _) in index.items() if lab == "tp" and d in flagged)
        fp_hit = sum(1 for d, (rule, lab, _) in index.items() if lab == "fp" and d in flagged)
        rules_full = defaultdict(lambda: [0, 0])
        for d, (rule, lab, _) in index.items():
            if lab == "tp":
                rules_full[rule][1] += 1
                rules_full[rule][0] += d in flagged
        covered = sum(1 for h, t in rules_full.values() if h == t)
        wf = [(d, rule) for d, (rule, lab, text) in index.items() if lab == "tp" and not malformed(rule, text)]
        wf_hit = sum(1 for d, _ in wf if d in flagged)
        print(f"{name:15} recall {tp_hit}/{n_tp} = {100 * tp_hit / max(n_tp, 1):.1f}%   "
              f"well-formed {wf_hit}/{len(wf)} = {100 * wf_hit / max(len(wf), 1):.1f}%   "
              f"false-positive samples flagged {fp_hit}/{n_fp} = {100 * fp_hit / max(n_fp, 1):.1f}%   "
              f"rules with every TP found {covered}/{len(rules_full)}")
        # gitleaks validates each rule alone, so a sibling rule's positive (Cloudflare's three key kinds) is
        # listed as a negative: shown separately, the headline figure above counts them.
        fp_other = [d for d, (rule, lab, text) in index.items()
                    if lab == "fp" and any(text in tp_texts[r] for r in tp_texts if r != rule)]
        fp_other_hit = sum(1 for d in fp_other if d in flagged)
        n_rest = n_fp - len(fp_other)
        print(f"{'':15} of the FP samples, {len(fp_other)} are TP samples of another gitleaks rule "
              f"({fp_other_hit} flagged); the other {n_rest}: {fp_hit - fp_other_hit} flagged = "
              f"{100 * (fp_hit - fp_other_hit) / max(n_rest, 1):.1f}%")
        if a.misses:
            for d, (rule, lab, text) in sorted(index.items()):
                if (lab == "tp") != (d in flagged):
                    what = "MISS" if lab == "tp" else "FP  " + ",".join(flagged[d])
                    if lab == "tp" and malformed(rule, text):
                        what = "MISS(malformed: " + malformed(rule, text) + ")"
                    print(f"  {name} {what} {rule}: {json.dumps(text[:200])}")


if __name__ == "__main__":
    sys.exit(main())
