#!/usr/bin/env python3
"""Differential check of seawall's tar reader against Go's archive/tar: seeds written by GNU tar and
Python's tarfile (sparse formats, PAX, GNU long names, links), then random mutations that keep header
checksums valid. Prints disagreements."""
import io, os, random, subprocess, sys, tarfile, tempfile

GO = sys.argv[1]
RS = sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 500
random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
work = os.environ.get("DIFFTAR_WORK") or tempfile.mkdtemp(prefix="difftar-")
os.makedirs(work, exist_ok=True)

def run(tool, path):
    out = subprocess.run([tool, path], capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
    lines = out.strip().splitlines()
    errs = [l for l in lines if l.startswith("ERR")]
    if errs:
        run.last_err[tool] = errs[0]
        return "ERR"
    return "\n".join(lines)
run.last_err = {}

def seeds():
    out = []
    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "app"), exist_ok=True)
    with open(os.path.join(root, "app", "sparse.bin"), "wb") as f:
        f.write(b"head")
        f.seek(70000); f.write(b"middle data")
        f.seek(300000); f.write(b"tail")
    with open(os.path.join(root, "app", "many.bin"), "wb") as f:
        for i in range(30):
            f.seek(i * 20000); f.write(b"frag%02d" % i)
    with open(os.path.join(root, "app", "small.txt"), "wb") as f:
        f.write(b"hello\n" * 50)
    os.symlink("/etc", os.path.join(root, "e"))
    for args in (["--format=gnu"], ["--format=posix", "--sparse-version=0.0"], ["--format=posix", "--sparse-version=0.1"],
                 ["--format=posix", "--sparse-version=1.0"], ["--format=ustar"], ["--format=v7"]):
        p = os.path.join(work, "seed-%d.tar" % len(out))
        sparse = ["--sparse"] if args[0] in ("--format=gnu", "--format=posix") else []
        subprocess.run(["tar", *sparse, *args, "-cf", p, "-C", root, "app", "e"], check=True, capture_output=True)
        out.append(open(p, "rb").read())
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT):
        b = io.BytesIO()
        extra = {"pax_headers": {"comment": "global record", "path": "ignored"}} if fmt == tarfile.PAX_FORMAT else {}
        with tarfile.open(fileobj=b, mode="w", format=fmt, **extra) as t:
            ti = tarfile.TarInfo("d/" + "x" * 120 + "/file.txt"); data = b"content" * 10; ti.size = len(data)
            if fmt != tarfile.USTAR_FORMAT or len(ti.name) <= 100:
                try: t.addfile(ti, io.BytesIO(data))
                except ValueError: pass
            ti = tarfile.TarInfo("lnk"); ti.type = tarfile.SYMTYPE; ti.linkname = "target" * 30 if fmt != tarfile.USTAR_FORMAT else "target"
            t.addfile(ti)
            ti = tarfile.TarInfo("hard"); ti.type = tarfile.LNKTYPE; ti.linkname = "lnk"; t.addfile(ti)
            ti = tarfile.TarInfo("dir"); ti.type = tarfile.DIRTYPE; t.addfile(ti)
            ti = tarfile.TarInfo("big-uid"); ti.uid = 9999999999 if fmt != tarfile.USTAR_FORMAT else 1; data = b"u"; ti.size = 1; t.addfile(ti, io.BytesIO(data))
            ti = tarfile.TarInfo("fifo"); ti.type = tarfile.FIFOTYPE; t.addfile(ti)
            if fmt == tarfile.PAX_FORMAT:
                ti = tarfile.TarInfo("decoy"); data = b"0\n" + b"\0" * 510
                ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "etc/shadow", "GNU.sparse.realsize": "1000"}
                ti.size = len(data); t.addfile(ti, io.BytesIO(data))
                ti = tarfile.TarInfo("p"); data = b"abcdefgh"
                ti.pax_headers = {"GNU.sparse.size": "100", "GNU.sparse.numblocks": "2", "GNU.sparse.map": "0,4,50,4", "path": "x/y"}
                ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        out.append(b.getvalue())
    return out

def fix_checksums(b):
    b = bytearray(b)
    # Recompute the checksum of every block that looks like a header (has a plausible checksum field).
    for off in range(0, len(b) - 511, 512):
        blk = b[off:off + 512]
        if blk[257:262] == b"ustar" or (blk[0] != 0 and blk[148:156].strip(b" \0").isdigit()):
            s = sum(blk[:148]) + 8 * 32 + sum(blk[156:512])
            b[off + 148:off + 156] = b"%06o\0 " % s
    return bytes(b)

def mutate(b):
    b = bytearray(b)
    for _ in range(random.randint(1, 4)):
        op = random.random()
        if op < 0.35 and len(b) > 0:
            i = random.randrange(len(b)); b[i] = random.randrange(256)
        elif op < 0.55 and len(b) > 512:
            blk = random.randrange(len(b) // 512) * 512
            field = random.choice([(124, 136), (156, 157), (0, 100), (157, 257), (345, 500), (482, 495), (386, 482)])
            for i in range(*field):
                if random.random() < 0.3:
                    b[blk + i] = random.choice(b"0123456789 \0/.xS2L5")
        elif op < 0.7 and len(b) > 1024:
            i = random.randrange(len(b) // 512) * 512; b[i:i] = b[i:i + 512]
        elif op < 0.8 and len(b) > 512:
            del b[random.randrange(len(b)):]
        elif op < 0.9:
            i = random.randrange(len(b) // 512 + 1) * 512; b[i:i] = bytes(512)
        else:
            text = random.choice([b"GNU.sparse.", b"path=", b"size=", b"../", b"\0", b"1\n", b"10 ", b"\n"])
            i = random.randrange(max(1, len(b))); b[i:i] = text
    return fix_checksums(bytes(b)) if random.random() < 0.8 else bytes(b)

bad = 0
cases = [(f"seed{i}", s) for i, s in enumerate(seeds())]
base = list(cases)
for n in range(N):
    name, s = random.choice(base)
    cases.append((f"{name}-m{n}", mutate(s)))
agree = {"both-ok": 0, "both-err": 0}
for name, data in cases:
    p = os.path.join(work, "case.tar")
    open(p, "wb").write(data)
    g, r = run(GO, p), run(RS, p)
    if g == r:
        agree["both-err" if g == "ERR" else "both-ok"] += 1
        continue
    bad += 1
    keep = os.path.join(work, f"disagree-{bad}.tar")
    open(keep, "wb").write(data)
    print(f"DISAGREE {name} -> {keep}\n  go:   {g[:300] if g != 'ERR' else run.last_err.get(GO)}\n  rust: {r[:300] if r != 'ERR' else run.last_err.get(RS)}")
print(f"{len(cases)} cases: {agree['both-ok']} agree (both read), {agree['both-err']} agree (both refuse), {bad} disagree; files in {work}")
