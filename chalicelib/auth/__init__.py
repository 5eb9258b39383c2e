"""Sign-in: bearer JWTs from the company's OpenID Connect provider, and who the caller is."""
