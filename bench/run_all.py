"""Runs every benchmark script in this folder and prints their figures, `name: value unit`.

Each bench/*.py script (other than this one) prints its own lines; a script that fails is
reported on stderr and makes the run exit non-zero, so a missing figure is never silent. What a
script writes on stderr otherwise (pages.py: which database and cache its figures come from) is
passed on to stderr.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    failed = []
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"run_all.py", "__init__.py"} or script.name.startswith("_"):
            continue
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, capture_output=True, text=True)
        sys.stdout.write(result.stdout)
        sys.stdout.flush()
        if result.returncode == 0 and result.stderr:
            sys.stderr.write(result.stderr)  # what a script says about its figures (e.g. which backends)
            sys.stderr.flush()
        if result.returncode != 0:
            failed.append(script.name)
            sys.stderr.write(f"{script.name} failed:\n{result.stderr}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
