"""docproc: completeness checks of cost-reimbursement dossiers."""

from docproc.versions import pipeline_version

# The release plus every stage's version (docproc/versions.py): results and caches name it.
PIPELINE_VERSION = pipeline_version()
