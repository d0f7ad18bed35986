"""A small reader for Go composite literals in `*_test.go` files (used by inventory-parity.py).

It tokenizes Go source, groups brackets, and turns `{...}` groups into `Lit` objects whose elements
are `(key, value)` pairs; values are strings, identifiers, calls or nested literals. Enough to read
the table-driven test cases of osv-scalibr and Syft, not a Go parser.
"""
import re

TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<lc>//[^\n]*)|(?P<bc>/\*.*?\*/)|(?P<raw>`[^`]*`)|(?P<str>"(?:\\.|[^"\\\n])*")"""
    r"""|(?P<rune>'(?:\\.|[^'\\])+')|(?P<num>\d[\w.]*)|(?P<id>[A-Za-z_][\w]*)|(?P<op>:=|\.\.\.|&&|\|\||==|!=|<=|>=|<-|[{}()\[\],;:.&*+\-/%<>=!|^])""",
    re.S,
)


def unquote(tok):
    if tok.startswith("`"):
        return tok[1:-1]
    body = tok[1:-1]
    return bytes(body, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def tokens(src):
    out = []
    pos = 0
    while pos < len(src):
        m = TOKEN.match(src, pos)
        if not m:
            pos += 1
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "lc", "bc"):
            continue
        out.append((kind, m.group()))
    return out


class Group:
    def __init__(self, open_, items):
        self.open = open_
        self.items = items  # tokens and nested groups

    def __repr__(self):
        return f"Group({self.open}, {len(self.items)})"


def group(toks):
    stack = [Group("", [])]
    pairs = {"{": "}", "(": ")", "[": "]"}
    for kind, t in toks:
        if t in pairs and kind == "op":
            stack.append(Group(t, []))
        elif kind == "op" and t in ("}", ")", "]") and len(stack) > 1:
            g = stack.pop()
            stack[-1].items.append(g)
        else:
            stack[-1].items.append((kind, t))
    while len(stack) > 1:
        g = stack.pop()
        stack[-1].items.append(g)
    return stack[0]


def split(items, sep=","):
    parts, cur = [], []
    for it in items:
        if isinstance(it, tuple) and it == ("op", sep):
            parts.append(cur)
            cur = []
        else:
            cur.append(it)
    if cur:
        parts.append(cur)
    return parts


class Lit:
    """A composite literal: `kv` (key → value) and `elems` (positional values), `type` (tokens before)."""

    def __init__(self, typ, kv, elems):
        self.type, self.kv, self.elems = typ, kv, elems

    def __repr__(self):
        return f"Lit({self.type}, {list(self.kv)}, {len(self.elems)})"


class Call:
    def __init__(self, name, args):
        self.name, self.args = name, args

    def __repr__(self):
        return f"Call({self.name}, {self.args})"


class Ident(str):
    pass


def value(items):
    """Interprets a token/group sequence as a value."""
    if not items:
        return None
    # string concatenation "a" + "b"
    if all(isinstance(i, tuple) for i in items) and items[0][0] in ("str", "raw"):
        if all((k in ("str", "raw")) or (k, t) == ("op", "+") for k, t in items):
            return "".join(unquote(t) for k, t in items if k in ("str", "raw"))
    last = items[-1]
    if isinstance(last, Group) and last.open == "{":
        typ = "".join(i[1] if isinstance(i, tuple) else ("[]" if i.open == "[" else "") for i in items[:-1])
        return literal(typ, last)
    if isinstance(last, Group) and last.open == "(":
        name = "".join(t for i in items[:-1] if isinstance(i, tuple) for _, t in [i])
        return Call(name, [value(p) for p in split(last.items)])
    if len(items) == 1 and isinstance(items[0], tuple):
        k, t = items[0]
        if k in ("str", "raw"):
            return unquote(t)
        if k == "id":
            return Ident(t)
        return t
    if all(isinstance(i, tuple) for i in items):
        return Ident("".join(t for _, t in items))
    return items


def literal(typ, g):
    kv, elems = {}, []
    for part in split(g.items):
        if not part:
            continue
        # key: value at top level
        idx = next((i for i, it in enumerate(part) if it == ("op", ":")), None)
        if idx is not None and idx >= 1:
            key = "".join(t for it in part[:idx] if isinstance(it, tuple) for _, t in [it])
            kv.setdefault(key, value(part[idx + 1 :]))
        else:
            elems.append(value(part))
    return Lit(typ, kv, elems)


def walk(v):
    """Yields every Lit and Call inside a value, depth first."""
    if isinstance(v, Lit):
        yield v
        for x in list(v.kv.values()) + v.elems:
            yield from walk(x)
    elif isinstance(v, Call):
        yield v
        for a in v.args:
            yield from walk(a)
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, Group):
                yield from walk(literal("", x) if x.open == "{" else [y for y in x.items])
            elif isinstance(x, (Lit, Call, list)):
                yield from walk(x)


def all_literals(src):
    """Every top-level `{...}` group of the file read as a literal (functions bodies included), with
    the string constants of the file (`const X = "..."`, `X := "..."`)."""
    root = group(tokens(src))
    consts = {}
    flat = []

    def visit(g):
        items = g.items
        for i, it in enumerate(items):
            if isinstance(it, Group):
                visit(it)
            elif it[0] == "id" and i + 2 < len(items):
                nxt, val = items[i + 1], items[i + 2]
                if nxt in (("op", "="), ("op", ":=")) and isinstance(val, tuple) and val[0] in ("str", "raw"):
                    consts.setdefault(it[1], unquote(val[1]))
        if g.open == "{":
            flat.append(literal("", g))

    visit(root)
    return flat, consts


def functions(src):
    """{name: body Group} of the top-level `func Name(...) {...}` declarations."""
    root = group(tokens(src))
    out = {}
    items = root.items
    for i, it in enumerate(items):
        if it == ("id", "func") and i + 1 < len(items) and isinstance(items[i + 1], tuple) and items[i + 1][0] == "id":
            name = items[i + 1][1]
            # the body is the first `{` group after the parameter list (and result types)
            for j in range(i + 2, min(i + 12, len(items))):
                g = items[j]
                if isinstance(g, Group) and g.open == "{":
                    out[name] = g
                    break
    return out


def body_assignments(body):
    """`name := value` / `name = value` at any depth of a function body: strings and composite
    literals (`[]pkg.Package{...}`, `pkg.Package{...}`)."""
    out = {}

    def visit(items):
        for i, it in enumerate(items):
            if isinstance(it, Group):
                visit(it.items)
                continue
            if it[0] != "id" or i + 2 >= len(items) or items[i + 1] not in (("op", ":="), ("op", "=")):
                continue
            v = items[i + 2]
            if isinstance(v, tuple) and v[0] in ("str", "raw"):
                out.setdefault(it[1], unquote(v[1]))
                continue
            seq = []
            for x in items[i + 2 : i + 12]:
                seq.append(x)
                if isinstance(x, Group) and x.open == "{":
                    out.setdefault(it[1], value(seq))
                    break
                if isinstance(x, tuple) and x[0] == "id" and x[1] in ("func", "for", "if", "return"):
                    break

    visit(body.items)
    return out


def body_calls(body, name):
    """Every call `name(...)` (dotted, e.g. `pkgtest.TestFileParser`) in a body: its argument values."""
    want = name.split(".")
    out = []

    def visit(items):
        for i, it in enumerate(items):
            if isinstance(it, Group):
                visit(it.items)
                continue
            n = len(want) * 2 - 1
            seq = items[i : i + n]
            if len(seq) == n and all(isinstance(x, tuple) for x in seq):
                words = [x[1] for x in seq]
                if words[::2] == want and all(w == "." for w in words[1::2]) and i + n < len(items):
                    g = items[i + n]
                    if isinstance(g, Group) and g.open == "(":
                        out.append([value(p) for p in split(g.items)])

    visit(body.items)
    return out


def body_literals(body):
    """Every `{...}` group inside a body read as a literal."""
    out = []

    def visit(g):
        for it in g.items:
            if isinstance(it, Group):
                visit(it)
        if g.open == "{":
            out.append(literal("", g))

    visit(body)
    return out
