#!/usr/bin/env python
"""Record how long each notebook's full run took, from the log of the runner that executed it.

    python scripts/record_run_times.py RUNNER_LOG

The runner (``jupyter nbconvert --execute --inplace`` per notebook, one after the other) writes lines
``START 02_dcgan.ipynb 03:10:02`` / ``END 02_dcgan.ipynb rc=0 812 s 03:23:34``; each successful END becomes
``{"notebooks/02_dcgan.ipynb": {"seconds": 812, "minutes": 13.5}}`` in benchmarks/notebook_run_times.json
(merged with the entries already there). ``scripts/check_claims.py`` uses it to back each notebook's stated
run time.
"""
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "notebook_run_times.json"


def main(log):
    times = json.loads(OUT.read_text()) if OUT.exists() else {}
    for line in Path(log).read_text().splitlines():
        m = re.match(r"END (\S+\.ipynb) rc=0 (\d+) s", line)
        if m:
            seconds = int(m.group(2))
            times[f"notebooks/{m.group(1)}"] = {"seconds": seconds, "minutes": round(seconds / 60, 1)}
    OUT.write_text(json.dumps(dict(sorted(times.items())), indent=1) + "\n")
    print(json.dumps(times, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
