"""Tiny inference API: loads weights from safetensors (data only, no code execution on load)."""
from fastapi import FastAPI
from safetensors.numpy import load_file

app = FastAPI()
weights = load_file("models/embedding.safetensors")


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/predict")
def predict(features: list[float]) -> dict:
    w = weights["w"]
    return {"score": float(sum(f * x for f, x in zip(features, w.ravel())))}
