"""Reference solutions, one module per exercise, as pluggy hook implementations.

These run only in the grader's process, never in a student's. Implementations take every
argument positionally in the spec's order (the grader always passes all of them).
"""
