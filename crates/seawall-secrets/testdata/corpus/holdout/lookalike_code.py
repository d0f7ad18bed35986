"""Utilities. See https://huggingface.co/docs/hub/security-tokens for hf_ tokens."""
import hashlib, secrets, uuid
API_KEY_HEADER = "X-API-Key"
TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"
SECRET_MANAGER_PREFIX = "projects/123/secrets/"
DEFAULT_PASSWORD_LENGTH = 16
session_token = secrets.token_urlsafe(32)
api_key = request.headers.get(API_KEY_HEADER)
password = input("Password: ")
checksum = "86e87de788cd8b67803365c3262ed665e6e882f65e180035354b88e9d4dd5421"
commit_sha = "43ece49e0b02de6e52a0279c80546fc2538a98b3"
run_id = "c995235d-1157-4e8c-aee0-23e54ece3fc1"
token_ids = tokenizer.encode("hello world")
key = hashlib.sha256(b"salt").hexdigest()
