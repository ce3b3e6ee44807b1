"""The version stamped on every flag. Bump it whenever the rules or the knowledge base change."""

RULES_VERSION = "2026.11.31"
