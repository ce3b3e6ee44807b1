"""The version stamped on every flag. Bump it whenever the rules or the knowledge base change.

Year, month and a running number within the month (not a day): 2026.11.32 follows 2026.11.31.
"""

RULES_VERSION = "2026.11.103"
