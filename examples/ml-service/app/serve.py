"""Tiny inference API: loads a pickled model at startup (never do this with untrusted files)."""
import pickle

from fastapi import FastAPI

app = FastAPI()

with open("models/classifier.pkl", "rb") as f:
    model = pickle.load(f)  # executes whatever the pickle says


@app.post("/predict")
def predict(features: list[float]) -> dict:
    return {"label": str(model.predict([features])[0])}
