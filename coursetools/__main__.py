"""Command line: ``python -m coursetools {execute,learner,check-learner,new}``.

    python -m coursetools execute                   # every chapter, outputs stored in place
    python -m coursetools execute notebooks/01_*.ipynb
    python -m coursetools learner [NB ...]          # rebuild notebooks/learner/ (all, or these chapters)
    python -m coursetools check-learner             # exit 1 if the learner edition is stale
    python -m coursetools run-twice notebooks/01_*.ipynb  # each cell twice, then Run All again, one kernel
    python -m coursetools stamp                     # badges + setup cell from coursetools/setup_cell.py
    python -m coursetools pictures screenshots/pictures  # every course picture as PNG
    python -m coursetools new 16 my_topic "My topic" # a new chapter from the template
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


NEEDS = {"execute": ("nbformat", "nbclient", "ipykernel"), "run-twice": ("nbformat", "nbclient", "ipykernel"),
         "learner": ("nbformat",), "check-learner": ("nbformat",), "stamp": ("nbformat",), "new": ("nbformat",),
         "pictures": ("matplotlib",)}


def _missing_tools(command: str) -> list[str]:
    import importlib.util

    return [name for name in NEEDS.get(command, ()) if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursetools", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute", help="re-execute notebooks in place in fresh kernels")
    run.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every chapter)")
    build = sub.add_parser("learner", help="rebuild the learner edition in notebooks/learner/")
    build.add_argument("paths", nargs="*", type=Path, help="solution notebooks (default: every chapter)")
    sub.add_parser("check-learner", help="fail if the learner edition is out of date")
    twice = sub.add_parser("run-twice", help="run each cell twice, then 'Run All' again, in one kernel; compare")
    twice.add_argument("paths", nargs="*", type=Path)
    stamp = sub.add_parser("stamp", help="rewrite every chapter's badges and setup cell from coursetools.setup_cell")
    stamp.add_argument("paths", nargs="*", type=Path)
    pictures = sub.add_parser("pictures", help="render every course picture to PNG in a folder")
    pictures.add_argument("out", type=Path, nargs="?", default=Path("screenshots/pictures"))
    new = sub.add_parser("new", help="start a chapter from the template: new NUMBER SLUG TITLE")
    new.add_argument("number", type=int)
    new.add_argument("slug")
    new.add_argument("title")
    args = parser.parse_args(argv)
    missing = _missing_tools(args.command)
    if missing:
        print(f"error: 'python -m coursetools {args.command}' needs {', '.join(missing)}, which is not installed; "
              "the maintainer tools come with the test set-up (./course test installs them)", file=sys.stderr)
        return 2

    if args.command == "execute":
        from coursetools.notebooks import chapter_notebooks, execute_all

        paths = [p.resolve() for p in args.paths] or chapter_notebooks()
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            parser.error(f"no such notebook: {', '.join(missing)}")
        try:
            execute_all(paths)
        except FileNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "run-twice":
        from coursetools.notebooks import chapter_notebooks, run_again

        failed = 0
        for path in [p.resolve() for p in args.paths] or chapter_notebooks():
            differences = run_again(path)
            print(f"{path.name}: {'same results twice' if not differences else 'DIFFERENT'}")
            for line in differences:
                print("   ", line)
            failed += bool(differences)
        return 1 if failed else 0
    if args.command == "stamp":
        from coursetools.authoring import stamp
        from coursetools.notebooks import chapter_notebooks

        for path in [p.resolve() for p in args.paths] or chapter_notebooks():
            print(f"{'updated' if stamp(path) else 'unchanged'} {path.name}")
        print("Now re-execute (./course execute) and rebuild the learner edition (./course learner).")
        return 0
    if args.command == "pictures":
        from coursetools.pictures import render_all

        for path in render_all(args.out):
            print(f"wrote {path}")
        return 0
    if args.command == "new":
        from coursetools.authoring import skeleton

        print(f"wrote {skeleton(args.number, args.slug, args.title)}")
        return 0
    from coursetools.learner import BuildError, out_of_date, write_all

    try:
        if args.command == "learner":
            sources = [p.resolve() for p in args.paths] or None
            missing = [str(p) for p in sources or [] if not p.is_file()]
            if missing:
                parser.error(f"no such notebook: {', '.join(missing)}")
            for path in write_all(sources):
                print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
            return 0
        problems = out_of_date()
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
