"""What ``./course grade`` writes from its results: two gradebooks, the misconception table, the report page.

Layouts, checked against the importers' own source code (not by uploading to a live LMS):

- ``gradebook.csv`` (Moodle, "Import > CSV file", and any spreadsheet): a header row, then one row
  per submission. Moodle asks which column identifies the user (``learner``, or an ``email``,
  ``username`` or ``idnumber`` column from ``--ids``) and maps every other column to a grade item,
  a new one (named after the header) or none. Scores are plain numbers; an empty cell means "no
  grade", as Moodle's ``gradeimport_csv_load_data::update_grade_item`` reads ``''``. Text columns
  (``file``, ``problems``) are mapped to nothing, or ``problems`` to feedback.
- ``gradebook_canvas.csv`` (Canvas, Grades > Import): the header Canvas's ``GradebookImporter``
  requires: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column
  per exercise (a new assignment when Canvas has none of that name), a ``Points Possible`` row,
  one row per learner. Canvas finds the learner by ``ID`` (its user id: in the names of the files
  of a Canvas download, or from ``--ids``), else by the SIS ids, else by the name in ``Student``.
"""
from __future__ import annotations

import csv
import datetime as _dt
import html
import io
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
UNRECOGNISED = "(not a recognised mistake)"


def _exercise_columns(results: list[dict], editions: dict[str, Any]) -> list[str]:
    chapters = {r["chapter"] for r in results if r.get("status") == "graded"}
    ordered = sorted(chapters, key=lambda slug: editions[slug].number if slug in editions else slug)
    return [e for slug in ordered if slug in editions for e in editions[slug].exercises]


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(path)


def gradebook_rows(results: list[dict], editions: dict[str, Any]) -> list[list[Any]]:
    columns = _exercise_columns(results, editions)
    extras = sorted({k for r in results for k in r.get("identity", {}) if k != "learner"})
    rows: list[list[Any]] = [["learner", *extras, "file", "chapter", *columns, "total", "max", "problems"]]
    for r in results:
        graded = r.get("status") == "graded"
        scores = []
        for column in columns:
            entry = r.get("exercises", {}).get(column)
            scores.append("" if entry is None or entry["score"] is None else entry["score"])
        chapter = f"{r.get('chapter_number', '')} {r.get('chapter', '')}".strip() if r.get("chapter") else ""
        rows.append([r.get("learner", ""), *[r.get("identity", {}).get(k, "") for k in extras], r["file"], chapter,
                     *scores, r["total"] if graded else "", r["max"] if graded else "",
                     " | ".join(r.get("problems", []))])
    return rows


def canvas_rows(results: list[dict], editions: dict[str, Any]) -> list[list[Any]]:
    columns = _exercise_columns(results, editions)
    rows: list[list[Any]] = [[*CANVAS_IDENTITY, *columns], ["Points Possible", "", "", "", "", *([1] * len(columns))]]
    merged: dict[tuple, dict[str, Any]] = {}
    order: list[tuple] = []
    for r in results:
        if r.get("status") != "graded":
            continue
        who = r.get("identity", {})
        key = (who.get("ID") or "", who.get("SIS User ID") or "", who.get("SIS Login ID") or who.get("email") or "",
               who.get("Student") or who.get("name") or r.get("learner", ""))
        if key not in merged:
            merged[key] = {"who": who, "learner": r.get("learner", ""), "scores": {}}
            order.append(key)
        for exercise_id, entry in r.get("exercises", {}).items():
            if entry["score"] is not None:
                merged[key]["scores"][exercise_id] = entry["score"]  # a later submission of the same learner wins
    for key in order:
        item, who = merged[key], merged[key]["who"]
        rows.append([who.get("Student") or who.get("name") or item["learner"], who.get("ID", ""),
                     who.get("SIS User ID", ""), who.get("SIS Login ID") or who.get("email", ""),
                     who.get("Section", ""), *[item["scores"].get(c, "") for c in columns]])
    return rows


def misconceptions(results: list[dict], editions: dict[str, Any]) -> list[dict]:
    """Per exercise and recognised mistake: how many submissions made it, what they were told, the next hint."""
    from course_utils.checks.registry import EXERCISES

    graded_per_chapter = Counter(r["chapter"] for r in results if r.get("status") == "graded")
    counts: Counter = Counter()
    told: dict[tuple, Counter] = defaultdict(Counter)
    for r in results:
        if r.get("status") != "graded":
            continue
        for exercise_id, entry in r["exercises"].items():
            if entry["status"] != "wrong":
                continue
            key = (r["chapter"], exercise_id, entry.get("mistake") or UNRECOGNISED)
            counts[key] += 1
            told[key][entry.get("message", "")] += 1
    rows = []
    for (chapter, exercise_id, mistake), count in counts.items():
        exercise = EXERCISES.get(exercise_id)
        graded = graded_per_chapter[chapter]
        rows.append({"chapter": f"{editions[chapter].number} {chapter}" if chapter in editions else chapter,
                     "exercise": exercise_id, "title": getattr(exercise, "title", ""), "mistake": mistake,
                     "submissions": count, "graded": graded, "share": round(count / graded, 3) if graded else 0,
                     "told": told[(chapter, exercise_id, mistake)].most_common(1)[0][0],
                     "hint": getattr(exercise, "hint", "")})
    order = {e: k for k, e in enumerate(EXERCISES)}
    rows.sort(key=lambda row: (-row["submissions"], order.get(row["exercise"], 0), row["mistake"]))
    return rows


def write_tables(results: list[dict], editions: dict[str, Any], out: Path) -> None:
    """gradebook.csv, gradebook_canvas.csv and misconceptions.csv (cheap: rewritten after every submission)."""
    _write_csv(out / "gradebook.csv", gradebook_rows(results, editions))
    _write_csv(out / "gradebook_canvas.csv", canvas_rows(results, editions))
    fields = ["chapter", "exercise", "title", "mistake", "submissions", "graded", "share", "told", "hint"]
    rows = misconceptions(results, editions)
    _write_csv(out / "misconceptions.csv", [fields] + [[row[f] for f in fields] for row in rows])


# ---------------------------------------------------------------------------------- the page

def pass_rates(results: list[dict], editions: dict[str, Any]) -> list[dict]:
    """Per exercise of the chapters graded: passed, graded (the check could judge), rate."""
    from course_utils.checks.registry import EXERCISES

    rows = []
    for exercise_id in _exercise_columns(results, editions):
        entries = [r["exercises"][exercise_id] for r in results
                   if r.get("status") == "graded" and exercise_id in r.get("exercises", {})]
        judged = [e for e in entries if e["score"] is not None]
        passed = sum(e["score"] for e in judged)
        statuses = Counter(e["status"] for e in entries)
        rows.append({"exercise": exercise_id, "title": getattr(EXERCISES.get(exercise_id), "title", ""),
                     "passed": passed, "graded": len(judged), "rate": passed / len(judged) if judged else 0.0,
                     "statuses": statuses})
    return rows


def chart_svg(rates: list[dict], mistakes: list[dict]) -> str:
    """Both charts as one inline SVG (seaborn on matplotlib, text as paths: no fonts, no network)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    top = mistakes[:8]
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "course-grade", "font.size": 9}):
        sns.set_theme(style="whitegrid", rc={"svg.fonttype": "path"})
        height = max(2.2, 0.38 * max(len(rates), len(top), 1) + 1.0)
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, height), gridspec_kw={"width_ratios": [1, 1.25]})
        labels = [r["exercise"].partition(".")[2] or r["exercise"] for r in rates]
        sns.barplot(x=[100 * r["rate"] for r in rates], y=labels, ax=left, color="#4C72B0", orient="h")
        left.set_xlim(0, 100)
        left.set_xlabel("submissions that passed (%)")
        left.set_ylabel("")
        left.set_title("Pass rate per exercise")
        for k, r in enumerate(rates):
            left.text(min(100 * r["rate"] + 1.5, 88), k, f"{r['passed']}/{r['graded']}", va="center", fontsize=8)
        if top:
            names = [f"{m['exercise'].partition('.')[2]}: {m['mistake']}"[:48] for m in top]
            sns.barplot(x=[m["submissions"] for m in top], y=names, ax=right, color="#C44E52", orient="h")
            right.set_xlabel("submissions that made it")
            right.xaxis.get_major_locator().set_params(integer=True)
        else:
            right.text(0.5, 0.5, "no recognised mistakes", ha="center", va="center", transform=right.transAxes)
            right.set_xticks([])
            right.set_yticks([])
        right.set_ylabel("")
        right.set_title("Mistakes named most often")
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(figure)
        sns.reset_orig()
    text = buffer.getvalue()
    return text[text.index("<svg"):]


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       color: #1d1d1f; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f5f5f7; }
.bar { background: #e6ecf5; height: .9rem; width: 10rem; display: inline-block; vertical-align: middle; }
.bar > span { background: #4C72B0; height: 100%; display: block; }
.num { text-align: right; white-space: nowrap; } .muted { color: #666; } .bad { color: #a1262d; }
.chart svg { width: 100%; height: auto; } code { font-size: .88em; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _table(table_id: str, headers: list[str], rows: list[tuple[dict, list[str]]]) -> str:
    """An HTML table; each row is (its data attributes, its cells as HTML); a header "#..." is a number column."""
    head = "".join(f"<th class='num'>{_e(h[1:])}</th>" if h.startswith("#") else f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for data, cells in rows:
        attributes = "".join(f" data-{k}='{_e(v)}'" for k, v in data.items())
        tds = "".join(f"<td class='num'>{c}</td>" if h.startswith("#") else f"<td>{c}</td>"
                      for h, c in zip(headers, cells))
        body.append(f"<tr{attributes}>{tds}</tr>")
    return f"<table id='{table_id}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _rate_cell(rate: float) -> str:
    return (f"<span class='bar'><span style='width:{100 * rate:.0f}%'></span></span> "
            f"<span class='rate'>{100 * rate:.0f}%</span>")


def render(results: list[dict], editions: dict[str, Any], limits: Any = None, sandbox: str = "",
           skipped: list[str] | None = None) -> str:
    """The report as one HTML page that needs nothing else (no script, no font, no network)."""
    rates = pass_rates(results, editions)
    mistakes = misconceptions(results, editions)
    graded = [r for r in results if r.get("status") == "graded"]
    not_graded = [r for r in results if r.get("status") != "graded"]
    chapters = sorted({r["chapter"] for r in graded}, key=lambda s: editions[s].number if s in editions else s)
    title = ("Grading report: " + ", ".join(f"{editions[s].number} · {editions[s].title}" for s in chapters)
             if chapters else "Grading report")
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    setting = (f"; sandbox: {_e(sandbox)}" if sandbox else "") + (
        f"; limits: {_e(limits.describe())}" if limits is not None and hasattr(limits, "describe") else "")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style></head><body>",
             f"<h1>{_e(title)}</h1>",
             f"<p id='summary'>{len(results)} submission(s): <strong>{len(graded)}</strong> graded, "
             f"<strong>{len(not_graded)}</strong> could not be graded. Made {when}{setting}.</p>"]
    if rates:
        rows = []
        for r in rates:
            other = ", ".join(f"{n} {s}" for s, n in sorted(r["statuses"].items()) if s != "correct")
            rows.append(({"exercise": r["exercise"], "rate": f"{r['rate']:.4f}"},
                         [f"<code>{_e(r['exercise'])}</code>", _e(r["title"]), _rate_cell(r["rate"]),
                          f"{r['passed']} of {r['graded']}", f"<span class='muted'>{_e(other)}</span>"]))
        parts += ["<h2>Pass rate per exercise</h2>",
                  _table("pass-rates", ["exercise", "what it asks", "pass rate", "#passed", "not passed"], rows),
                  "<div class='chart' id='chart' role='img' aria-label='pass rates and the mistakes named most often'>"
                  f"{chart_svg(rates, mistakes)}</div>"]
    parts.append("<h2>Mistakes named most often</h2>")
    if mistakes:
        rows = [({"exercise": m["exercise"], "mistake": m["mistake"], "count": m["submissions"]},
                 [f"{m['submissions']} of {m['graded']}", f"<code>{_e(m['exercise'])}</code>", _e(m["mistake"]),
                  _e(m["told"]), f"<span class='muted'>{_e(m['hint'])}</span>"]) for m in mistakes]
        parts += ["<p>What the check recognised in wrong answers, with the message each submission got at its first "
                  "try and the hint a second try would add: the misconceptions to take up with the class.</p>",
                  _table("mistakes", ["#submissions", "exercise", "mistake", "what they were told", "the hint"], rows)]
    else:
        parts.append("<p>No wrong answers were given.</p>")
    parts.append("<h2>Could not be graded</h2>")
    if not_graded:
        rows = [({"file": r["file"]}, [f"<code>{_e(r['file'])}</code>", f"<span class='bad'>{_e(r['reason'])}</span>"])
                for r in not_graded]
        parts.append(_table("not-graded", ["file", "why"], rows))
    else:
        parts.append("<p>Every submission could be graded.</p>")
    parts += [f"<p class='muted'>{_e(line)}</p>" for line in skipped or []]
    parts.append("<h2>Tampering</h2>")
    seen: set[tuple] = set()
    rows = []
    for r in graded:
        for t in r.get("tampering", []):
            key = (r["file"], t["exercise"], t["what"])
            if key not in seen:
                seen.add(key)
                rows.append(({"file": r["file"]}, [_e(r.get("learner", "")), f"<code>{_e(r['file'])}</code>",
                                                   f"<code>{_e(t['exercise'] or '(no exercise)')}</code>",
                                                   f"<span class='bad'>{_e(t['what'])}</span>"]))
    if rows:
        parts += ["<p>Each exercise below scored 0: its check was bypassed, or the given code around it was changed. "
                  "Tampering outside any exercise was undone before the next cell.</p>",
                  _table("tampering", ["learner", "file", "exercise", "what was found"], rows)]
    else:
        parts.append("<p>None found.</p>")
    rows = []
    for r in results:
        score = f"{r['total']} of {r['max']}" if r.get("status") == "graded" else "not graded"
        problems = "<br>".join(_e(p) for p in r.get("problems", []))
        if r.get("suspicious"):
            problems += ("<br>" if problems else "") + (
                f"<span class='muted'>to look at: {_e('; '.join(r['suspicious']))}</span>")
        rows.append(({"file": r["file"]}, [_e(r.get("learner", "")), f"<code>{_e(r['file'])}</code>",
                                           f"{_e(r.get('chapter_number', ''))} {_e(r.get('chapter', ''))}", score,
                                           problems]))
    parts += ["<h2>Every submission</h2>",
              _table("submissions", ["learner", "file", "chapter", "#score", "problems"], rows),
              "<p class='muted'>Made by <code>./course grade</code>: the same checks as in the notebooks, run in a "
              "sandbox for each submission. gradebook.csv (Moodle, spreadsheets) and gradebook_canvas.csv (Canvas) "
              "hold the scores; misconceptions.csv the mistakes.</p></body></html>"]
    return "".join(parts)


def write_report(results: list[dict], editions: dict[str, Any], out: Path, **kwargs: Any) -> Path:
    path = out / "report.html"
    tmp = path.with_name(".report.html.tmp")
    tmp.write_text(render(results, editions, **kwargs), encoding="utf-8")
    tmp.replace(path)
    return path
