"""Long jobs (a province's placards, big exports): a row per job with its progress, run by an RQ
worker over Redis when REDIS_URL is set, else in a thread of the web process."""
