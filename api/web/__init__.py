"""The reviewers' workspace: server-rendered pages on the API's FastAPI app (``api.web.install``).

Pages and their routers in ``pages/``, what they show in ``page_models/``; sign-in and permissions
beside them (the accounts themselves are casework: ``casework.user_accounts``, which the CLI's
``docproc users`` uses). This package file imports nothing, so that importing one of its modules
does not load the web framework with it.
"""
