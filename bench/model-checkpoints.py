#!/usr/bin/env python3
"""Writes real, benign checkpoints with the real libraries, for bench/model-suites.py
(`--checkpoints DIR`): every file must come out of seawall with no finding at all.

    python3 -m venv /var/tmp/model-bench/gen
    /var/tmp/model-bench/gen/bin/pip install torch keras transformers scikit-learn xgboost joblib
    KERAS_BACKEND=torch /var/tmp/model-bench/gen/bin/python bench/model-checkpoints.py OUT_DIR

Nothing is downloaded: models are built from configs with random weights.
"""

import functools
import os
import pickle
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import joblib
import numpy as np

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)


def write(rel, fn):
    p = out / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    fn(p)
    print(p, p.stat().st_size)


# ---- torch
import torch

net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
net(torch.randn(4, 8)).sum().backward()
opt.step()
write("torch/state_dict.pt", lambda p: torch.save(net.state_dict(), p))
write("torch/state_dict_legacy.pt", lambda p: torch.save(net.state_dict(), p, _use_new_zipfile_serialization=False))
write("torch/full_module.pt", lambda p: torch.save(net, p))
write(
    "torch/checkpoint.pt",
    lambda p: torch.save(
        {"epoch": 3, "model": net.state_dict(), "optimizer": opt.state_dict(), "rng": torch.get_rng_state()}, p
    ),
)
write("torch/scripted.pt", lambda p: torch.jit.save(torch.jit.script(net), p))
qnet = torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
write("torch/quantized_state_dict.pt", lambda p: torch.save(qnet.state_dict(), p))
write("torch/half_bf16.pt", lambda p: torch.save({k: v.to(torch.bfloat16) for k, v in net.state_dict().items()}, p))

# ---- transformers (random init from a config: nothing is downloaded)
import transformers

cfg = transformers.BertConfig(
    vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
)
bert = transformers.BertForSequenceClassification(cfg)
write("transformers/bert-safetensors", lambda p: bert.save_pretrained(p))
write("transformers/bert-bin", lambda p: bert.save_pretrained(p, safe_serialization=False))
gcfg = transformers.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=2, n_positions=64)
write("transformers/gpt2-bin", lambda p: transformers.GPT2LMHeadModel(gcfg).save_pretrained(p, safe_serialization=False))
args = transformers.TrainingArguments(output_dir=str(out / "tmp-trainer"), report_to=[])
write("transformers/training_args.bin", lambda p: torch.save(args, p))
adam = torch.optim.AdamW(bert.parameters())
bert(torch.randint(0, 100, (2, 8)), labels=torch.tensor([0, 1])).loss.backward()
adam.step()
write("transformers/optimizer.pt", lambda p: torch.save(adam.state_dict(), p))
sched = torch.optim.lr_scheduler.LambdaLR(adam, lambda s: 1.0)
write("transformers/scheduler.pt", lambda p: torch.save(sched.state_dict(), p))

# ---- scikit-learn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

X = np.random.RandomState(0).rand(64, 4)
y = (X[:, 0] > 0.5).astype(int)
models = {
    "pipeline": Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression())]).fit(X, y),
    "forest": RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y),
    "gbm": GradientBoostingClassifier(n_estimators=5).fit(X, y),
    "log1p": Pipeline([("log", FunctionTransformer(np.log1p)), ("lr", LogisticRegression())]).fit(X, y),
    "partial": Pipeline(
        [("clip", FunctionTransformer(functools.partial(np.clip, a_min=0, a_max=1))), ("lr", LogisticRegression())]
    ).fit(X, y),
    "columns": ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), [0]), ("s", StandardScaler(), [1, 2])]).fit(
        np.round(X * 3), y
    ),
}
for name, m in models.items():
    for proto in (2, 4, 5):
        write(f"sklearn/{name}_p{proto}.pkl", lambda p: p.write_bytes(pickle.dumps(m, protocol=proto)))
    write(f"sklearn/{name}.joblib", lambda p: joblib.dump(m, p))
    write(f"sklearn/{name}_z.joblib", lambda p: joblib.dump(m, p, compress=3))
    for c in ("gzip", "bz2", "xz", "lzma", "lz4", "zlib"):
        try:
            write(f"sklearn/{name}.{c}.joblib", lambda p: joblib.dump(m, p, compress=(c, 3)))
        except Exception as e:  # lz4 needs the lz4 package
            print("skip", c, e)

# ---- xgboost
import xgboost

xgb = xgboost.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)
write("xgboost/model.json", lambda p: xgb.save_model(p))
write("xgboost/model.ubj", lambda p: xgb.save_model(p))
write("xgboost/model.pkl", lambda p: p.write_bytes(pickle.dumps(xgb)))
write("xgboost/model.joblib", lambda p: joblib.dump(xgb, p))
write("xgboost/booster.pkl", lambda p: p.write_bytes(pickle.dumps(xgb.get_booster())))

# ---- Keras 3
import keras

km = keras.Sequential(
    [keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dropout(0.1), keras.layers.Dense(2, activation="softmax")]
)
km.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
km.fit(np.random.rand(16, 8), np.random.randint(0, 2, 16), epochs=1, verbose=0)
write("keras/model.keras", lambda p: km.save(p))
write("keras/model.h5", lambda p: km.save(p))
write("keras/model.weights.h5", lambda p: km.save_weights(p))
write("keras/model.pkl", lambda p: p.write_bytes(pickle.dumps(km)))
inp = keras.Input((8,))
x = keras.layers.Dense(4, activation="gelu")(inp)
fm = keras.Model(inp, keras.layers.Dense(1)(x))
write("keras/functional.keras", lambda p: fm.save(p))
write("keras/functional.pkl", lambda p: p.write_bytes(pickle.dumps(fm)))

# ---- numpy
write("numpy/array.npy", lambda p: np.save(p, np.arange(12.0).reshape(3, 4)))
write("numpy/arrays.npz", lambda p: np.savez_compressed(p, a=np.ones(4), b=np.zeros((2, 2))))
write("numpy/strings.npy", lambda p: np.save(p, np.array(["a", "bc"], dtype=object), allow_pickle=True))
