import boto3
session = boto3.Session(
    aws_access_key_id="AKIACMU753CITNQEXBUK",
    aws_secret_access_key="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",
)
SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
ENGINE_URL = "postgresql+psycopg2://etl:C4pXVX~S9Q1x84@warehouse:5432/dw"
JWT = "eyJhbGciOiAiUlMyNTYiLCAia2lkIjogImRiYjYxNWU1YjY0Mjg0NDIiLCAidHlwIjogIkpXVCJ9.eyJpc3MiOiAiaHR0cHM6Ly9hdXRoLmNvcnAuaW50ZXJuYWwiLCAic3ViIjogInN2Yy1ZREI0aDVNOSIsICJleHAiOiAxODkzNDU2MDAwfQ.dDO2o9PkM-8tgmtYiiS63Gep-6W0j_K0EhYrnySDdfr5_zBnBMByTXAkLA-UEF6cj7WQPh7KK7PaC3ytyzF2ZZ"
