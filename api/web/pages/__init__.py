"""The workspace's pages, one module per page or group of pages, each with its own router.

``api.web.install.install_web`` includes them all, in one place. Shared by the pages: ``api.web.rendering``
(templates, headers, the signed-in router) and ``lookup`` (the row a page is about, or 404).
"""
