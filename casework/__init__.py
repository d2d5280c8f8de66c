"""The casework of applications and their documents: the service layer under the API, the web
workspace, the worker's jobs and ``docproc batch --queue``.

It owns what those callers must do the same way: who may do what (``access``, ``api_keys``), taking in
applications and documents (``intake``), check rounds (``rounds``: open, plan, queue;
``checking``: the dossier check of a round and re-checking at once), a reviewer's corrections
(``corrections``: the field model; ``correcting``: the one correction path), the one audit writer
(``audit``), webhook subscriptions and their scheduling (``webhooks``, ``webhook_targets``), and the
database side of readings (``extraction_cache``). ``connections``, ``queues`` and ``job_metrics`` are
the process handles, queue names and counters that callers and workers share.

It raises its own errors (``errors``: a stable code and a Russian message); ``api.errors`` maps them
to HTTP status codes. It imports neither ``api`` nor ``worker`` nor any web framework: the worker's
jobs are queued by dotted path (``rounds.DOCUMENT_JOB`` …), so the CLI can use it without FastAPI.
"""
