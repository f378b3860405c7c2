"""What the bench scripts share: the run that counts among several children's runs."""

from __future__ import annotations


def fastest(runs: list[dict]) -> dict:
    """The fastest of several children's runs (by "cpu"), with every run's CPU seconds and the
    highest peak RSS of them all."""
    best = dict(min(runs, key=lambda run: run["cpu"]))
    best["cpu_runs"] = [round(run["cpu"], 2) for run in runs]
    best["rss_mb"] = max(run["rss_mb"] for run in runs)
    return best
