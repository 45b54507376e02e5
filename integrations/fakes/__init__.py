"""Local stand-ins for outside services, for development, the sandbox and tests (never production)."""
