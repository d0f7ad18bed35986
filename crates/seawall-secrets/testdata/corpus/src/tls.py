TEST_KEY = """-----BEGIN EC PRIVATE KEY-----
jcPjaVBLEqJaNxFagGzGhIm+ZL8RvdUt6xEcABVMX6uLW4C6tMNeIZWQbftJ6dCw
X571RdQUiYCv1a5+DGyd4LqQ2Yrvc6i/8MYkgChwzn9n1ixNvJ8uV0Jh7jyu6HS3
guIOIF4er6zY/G+EIKM0QJkIxdUDcdYKTBfJ/dmKG1/wo/gl
-----END EC PRIVATE KEY-----
"""
PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
def is_private(pem: str) -> bool:
    return "PRIVATE KEY-----" in pem
