"""Running the grader on autograding hosts: a Gradescope autograder bundle and its
``run_autograder`` entry point, and GitHub Classroom's runner result.

Nothing below the CLI imports this package: it sits on top of grading, reports and the
gradebook exports, and only turns their results into what each host reads.
"""
