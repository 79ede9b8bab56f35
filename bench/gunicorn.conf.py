"""The served gunicorn.conf.py, for bench/load.py: each worker also says when it has loaded the
matcher (a file named by its pid in BENCH_READY_DIR), so the benchmark starts once every worker
serves, as a deployed server's workers do some seconds after a start. Its first responses came
from one worker while the other was still loading; that one served its first pages cold."""

import os
import runpy
from pathlib import Path

_served = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
globals().update({name: value for name, value in _served.items() if not name.startswith("_")})


def post_worker_init(worker):
    _served["post_worker_init"](worker)
    (Path(os.environ["BENCH_READY_DIR"]) / str(worker.pid)).touch()
