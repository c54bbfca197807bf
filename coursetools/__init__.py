"""Maintainer tools for the course: execute notebooks, build the learner edition, stamp setup cells.

Not needed by learners; ``python -m coursetools --help`` lists the commands.
"""
