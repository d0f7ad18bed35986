import pickle, numpy as np, os
d = os.environ.get("BENCH_DIR", "/tmp/seawall-model-bench")
os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(0)
# array-heavy: 64 float32 arrays of 8 MiB each (512 MiB), like a state_dict pickled with numpy
arrays = {f"layer{i}.weight": rng.random(2 * 1024 * 1024, dtype=np.float32) for i in range(64)}
with open(f"{d}/array_heavy.pkl", "wb") as f:
    pickle.dump(arrays, f, protocol=4)
del arrays
# opcode-dense: ~30 MB of small dicts, ints, floats, short strings (memo-heavy)
rows = [{"id": i, "name": f"tok{i}", "score": i * 0.5, "tags": ("a", i % 7)} for i in range(700_000)]
with open(f"{d}/opcode_dense.pkl", "wb") as f:
    pickle.dump(rows, f, protocol=4)
for n in os.listdir(d):
    print(n, os.path.getsize(f"{d}/{n}"))
# legacy-torch-like: stacked pickles followed by 256 MiB of raw float32 storage (probed, not parsed)
rng = np.random.default_rng(1)
with open(f"{d}/legacy_like.pt", "wb") as f:
    for obj in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}, {"w": "storage"}, ["0"]):
        pickle.dump(obj, f, protocol=2)
    f.write(rng.standard_normal(64 * 1024 * 1024, dtype=np.float32).tobytes())
# torch-like zip written to an unseekable stream: stored members with data descriptors (like torch.save)
import zipfile


class _Unseekable:
    def __init__(self, path):
        self.f = open(path, "wb")

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        self.f.flush()


with zipfile.ZipFile(_Unseekable(f"{d}/torch_like_zip.pt"), "w", compression=zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", pickle.dumps({"w": 1.0}, protocol=2))
    with z.open("archive/data/0", "w", force_zip64=True) as f:
        buf = np.random.default_rng(2).standard_normal(4 * 1024 * 1024, dtype=np.float32).tobytes()
        for _ in range(16):
            f.write(buf)
    z.writestr("archive/version", "3\n")
