"""The reviewers' workspace: server-rendered pages on the API's FastAPI app (``api.web.install``).

Pages and their routers in ``pages/``, what they show in ``page_models/``; accounts, sign-in and
permissions beside them. This package file imports nothing, so that the CLI's ``docproc users``
(``api.web.accounts``) does not load the web framework with it.
"""
