"""``grade release OUT/``: a student edition of the grader, without solutions.

An edition holds the framework, each pack's specs, given modules and *public* checks (their
source rewritten without the hidden checks, see :mod:`grader.release.rewrite`), and the
reference's outcomes for those checks, recorded once at release time
(:mod:`grader.release.record`) and stored as data that cannot run code (the wire format).
In the edition, :mod:`grader.release.replay` stands in for each reference module: it serves
the recorded outcomes by key and never computes. :mod:`grader.release.build` writes it all.
"""
