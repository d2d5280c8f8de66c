"""``docproc batch``: reprocess archives of many dossiers quickly, safely and without repeating work.

For every dossier source (``docproc.batch.sources``) in order:

1. load it (safely: archives are checked like uploads) and hash its input — application.json and
   every file's sha256;
2. decide (``docproc.batch.decide``) from the journal (``docproc.batch.journal``) whether it must run and why: new,
   input changed, a stage upgraded, failed or interrupted before — or skip it (unchanged and done,
   ``--since``, ``--only-failed``);
3. run it: locally, its documents spread over a process pool together with the other dossiers'
   (``docproc.pipeline.process_document``, whose stage caches make unchanged documents cost a file
   read), then the dossier check (itself cached by its inputs and versions); or, with ``--queue``,
   hand it to the service (the API's own intake functions) for the workers to do;
4. write its journal row (one transaction): a run killed at any moment resumes where it was.

Refused inputs (a hostile archive, no application.json) become ``refused`` rows with the Russian
reason; a crash of ours becomes a ``failed`` row (``--only-failed`` runs just those again); nothing
stops the rest of the batch.

The package: ``model`` (options, decisions, report rows), ``decide``, ``run`` (the pool and the
journal, ``run_batch``), ``service_queue`` (``--queue``), ``report`` (CSV / JSON), ``journal``, ``sources``.
"""
