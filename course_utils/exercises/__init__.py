"""One module per chapter, each registering that chapter's exercises with ``course_utils.checks``.

A module is named after the chapter slug (the part of an exercise id before the dot).
"""
