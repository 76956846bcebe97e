"""JWT checks for the `$connect` authorizer.

`config` reads the settings, `jwks` fetches and caches the issuer's signing
keys, `tokens` verifies one token, `policy` builds the IAM policy API Gateway
expects. PyJWT (and through it `cryptography`) is imported lazily, on the
first token, so importing this package stays cheap.
"""
