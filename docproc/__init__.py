"""docproc: the application layer — the CLI, batch runs and the pipeline drivers over the stages."""
