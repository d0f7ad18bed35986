import os

# Django-style settings used by the labelling UI
SECRET_KEY = "8SlvXgbi4CE8kchNSo995WdgsiKOuQ5K3DepRm7NBtAodpjdxI"
DEBUG = False
HF_TOKEN = os.environ.get("HF_TOKEN")
OPENAI_API_KEY = os.getenv("OPENAI_API_KEY", "")
password = getpass.getpass("password: ")
api_key = config["api_key"]
token = self._get_token()
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
max_new_tokens = 256
pad_token = "<pad>"
if token == "anonymous":
    pass
client = OpenAI(api_key="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")
co = cohere.Client("zPXiObwjwbgouDlaBixWmHssNxnMc0WAjyO8qxjP")
login(token="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")
wandb.login(key="1ca571e9101106b3ddd8b9dffba1e18edf6f835e")
comet_ml.init(api_key="txSma8sLzxEU0CaNd3zafV2Xw")
DB = {"ENGINE": "postgresql", "PASSWORD": "0RELp9+0ChSHRG", "HOST": "db"}
STRIPE_RESTRICTED = "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"
