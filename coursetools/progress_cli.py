"""``./course progress``: your exercise progress over the whole course, from the local attempt record.

    ./course progress                 every chapter, with each exercise's status
    ./course progress --chapter 04    one chapter
    ./course progress --reset         forget every attempt (asks first; --yes does not)
    ./course progress --reset 04      forget one chapter's attempts
    ./course progress --where         print where the attempts are recorded

The attempts are recorded by every ``check()`` on this machine only (see
``course_utils.attempts`` for where, and how to move the file with ``COURSE_PROGRESS_FILE``).
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course progress", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapter", help="one chapter: a number (04) or a slug (gradients_accumulate)")
    parser.add_argument("--reset", nargs="?", const="all", metavar="CHAPTER",
                        help="forget the recorded attempts (all, or of one chapter)")
    parser.add_argument("--yes", action="store_true", help="reset without asking")
    parser.add_argument("--where", action="store_true", help="print the file the attempts are recorded in")
    args = parser.parse_args(argv)

    from course_utils import attempts

    if args.where:
        path = attempts.progress_file()
        print(path if path is not None else f"recording is off ({attempts.ENV_VAR}=off)")
        return 0
    try:
        if args.reset:
            chapter = None if args.reset == "all" else args.reset
            what = "every recorded attempt" if chapter is None else f"the attempts of chapter {chapter}"
            if chapter is not None:
                attempts._chapter_slug(chapter)  # an unknown chapter fails before anything is asked
            if not args.yes:
                if not sys.stdin.isatty():
                    print(f"error: this would forget {what}; add --yes to confirm", file=sys.stderr)
                    return 2
                if input(f"Forget {what} in {attempts.progress_file()}? [y/N] ").strip().lower() not in {"y", "yes"}:
                    print("Nothing was changed.")
                    return 1
            removed = attempts.reset(chapter)
            print(f"Removed {removed} recorded attempt(s).")
            return 0
        print(attempts.show_progress(args.chapter or "all"))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
