"""Grading a whole class: ``grade batch DIR``, its stored results, exports and class report.

Layers, top to bottom: ``runner`` (workers, progress, resume) and ``exports`` / ``class_report``
(what is written from a graded class) over ``model`` (the plain data of a graded class),
``store`` (results kept on disk between runs), ``roster`` and ``similarity``.
"""
