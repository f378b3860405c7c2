"""gunicorn's settings for cho40 in production (README, "Production"): from this folder, with the
app's environment, `gunicorn -c gunicorn.conf.py`. The environment variables named below change
a setting; so does the command line (`gunicorn -c gunicorn.conf.py --workers 3`)."""
import multiprocessing
import os

wsgi_app = "app:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")

# Processes: two per core and one, the usual for work that waits on the database half the time;
# threads in each for the requests that wait. A placard sheet for a market is laid out in the
# request (a 1,000-vendor market: about 165 MB at peak, seconds of CPU), so memory, not cores,
# may be what limits WEB_CONCURRENCY on a small machine: count 250 MB a process.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))

# A request taking longer than this is killed with its worker (and logged): a market's sheet of
# placards is the longest request; anything longer is a job for the RQ worker.
timeout = int(os.environ.get("TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A process is replaced after this many requests (give or take the jitter, so they are not all
# replaced at once): WeasyPrint's fonts and caches otherwise only grow. Not much more often: a
# replacement closes the kept-alive connections of the process it replaces and warms a new one
# up (post_fork), and at 2,000 the open-loop bench (bench/open_loop.py, 150 registrations/s)
# saw each process replaced every half minute, with connections reset each time.
max_requests = 20000
max_requests_jitter = 2000

# The app is made once, in the master, before the workers are forked: a configuration error
# stops gunicorn at once instead of every worker failing in turn, and the workers share the
# imported code's memory.
preload_app = True

accesslog = "-"
errorlog = "-"
# Behind a reverse proxy or load balancer, FORWARDED_ALLOW_IPS (read by gunicorn itself) names
# the addresses whose X-Forwarded-Proto is trusted.


def _warming_up() -> bool:
    return os.environ.get("CHO40_WARM_UP", "1") != "0"


def on_starting(server):
    """In the master, once the app is made (preload_app): the templates compiled, for every
    worker forked from it (warmup.py)."""
    if _warming_up():
        from warmup import compile_templates

        seconds = compile_templates(server.app.wsgi())
        server.log.info("Templates compiled in %.2f s", seconds)


def post_fork(server, worker):
    """In each new worker, before its first request: its own database connections, and the first
    placard laid out (warmup.py) unless CHO40_WARM_UP=0."""
    from db import db

    app = server.app.wsgi()
    with app.app_context():
        # Connections the master may have opened are not this process's to use.
        db.engine.dispose(close=False)
    if _warming_up():
        from warmup import lay_out_placard

        timings = lay_out_placard()
        worker.log.info("Worker %s warmed up: %s", worker.pid,
                        ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
