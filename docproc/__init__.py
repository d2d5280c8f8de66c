"""docproc: completeness checks of cost-reimbursement dossiers."""

PIPELINE_VERSION = "0.1.0"
