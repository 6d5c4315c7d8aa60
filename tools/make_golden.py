#!/usr/bin/python3
"""Regenerates every golden fixture under test/fixtures/ with Debian's PyTorch (/usr/bin/python3):
runs each tools/golden/<area>.py in turn (or only the areas named on the command line)."""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOLDEN = os.path.join(HERE, "golden")

areas = sys.argv[1:] or sorted(f[:-3] for f in os.listdir(GOLDEN) if f.endswith(".py"))
failed = []
for area in areas:
    script = os.path.join(GOLDEN, area + ".py")
    if not os.path.exists(script):
        sys.exit(f"make_golden: no tools/golden/{area}.py")
    t0 = time.time()
    r = subprocess.run([sys.executable, script], cwd=ROOT)
    print(f"{area}: {'ok' if r.returncode == 0 else 'FAILED'} ({time.time() - t0:.1f} s)")
    if r.returncode != 0:
        failed.append(area)
sys.exit(1 if failed else 0)
