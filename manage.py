#!/usr/bin/env python
import os
import sys

# The demo's own commands, typed in a second terminal beside `make run`, which sets DEBUG=true for
# itself only. With neither DEBUG nor SECRET_KEY in the environment the settings could not load
# (a deployment must set SECRET_KEY), so this is a laptop: these commands then run with DEBUG on,
# as `make run` does. A deployment keeps DEBUG off, and demo_totp and seed_demo --reset refuse.
DEMO_COMMANDS = {"demo_totp", "seed_demo"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welltopia.settings")
    if len(sys.argv) > 1 and sys.argv[1] in DEMO_COMMANDS and "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
