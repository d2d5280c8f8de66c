"""OpenCV, configured once for this project: import ``cv2`` from here, never directly.

Parallelism comes from worker processes (one per core). OpenCV's own thread pool would run on the
other processes' cores and waste a third of its CPU time on 2 cores (measured: 430 ms of CPU for
285 ms of wall time a page, against 325 ms single-threaded). The setting is made at import, in
whichever process first uses OpenCV: calling it inside a forked child whose parent had already
started OpenCV's pool deadlocks (the child inherits the pool's locks but not its threads), which is
why it must not be repeated per page.
"""

import cv2

cv2.setNumThreads(1)

__all__ = ["cv2"]
