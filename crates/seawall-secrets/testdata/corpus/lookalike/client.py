import os, getpass
from typing import Optional

class TokenClient:
    def __init__(self, token: Optional[str] = None, api_key: str = "", password: str | None = None):
        self.token = token or os.environ.get("HF_TOKEN")
        self.api_key = api_key
        self.secret_name = "projects/p/secrets/hf/versions/latest"
        self._password = password

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

def main():
    password = getpass.getpass()
    token_url = "https://oauth2.googleapis.com/token"
    secret = load_secret(name="db-password")
    access_token = response.json()["access_token"]
    api_key = os.environ["OPENAI_API_KEY"]
    assert password != "", "empty"
    TOKEN_PATTERN = r"hf_[A-Za-z]{34}"
    SECRET_KEY = "SECRET_KEY"
    password_hash = "$2b$12$KIXQJ8h9sEq3w1Zc6lR3QeQmZ0e8V3g5yB7l6G9x1F2a3b4c5d6e7"
