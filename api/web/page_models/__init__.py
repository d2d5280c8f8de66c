"""Page models: rows and results turned into what the pages (and the printed report) show, in Russian.

Nothing here writes: the pages (``api.web.pages``) load rows, these functions shape them, the
templates render them. One module per page or part of a page.
"""
