"""Offline learning tools: labelled documents from families of dossiers, training, leave-one-family-out runs.

Not used at run time. The extractors ship the models these tools write (``extractors/models/``) and only read them;
retraining is one command (``python -m learn --help``). A *family* is a folder of dossiers of one layout family, each
with its ``expected.json`` (the corpus shape): ``../shared/corpus/dev``, ``../shared/corpus/dev-b`` and the fixture
builder's renderer families (``python -m tests.fixtures.builder batch --family NAME``).
"""
