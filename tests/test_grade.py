"""./course grade as an instructor uses it: a folder of submissions in, gradebooks and a report out.

The submissions are generated now from whatever the notebooks hold (coursetools.grade_samples):
chapter 01's learner edition filled with the solutions, with the typical mistakes of each exercise's
own list, with every kind of tampering, and with every bad input of issue #16; plus every other
chapter's learner edition filled with its solutions (none of those may lose a point or raise a
problem: a false alarm would cost an honest learner). The grader runs three times, as a command:

1. it is killed (SIGKILL, as a crash) after some submissions are done;
2. the same command resumes: what was graded is reused untouched, the rest is graded;
3. ``--chapter 01``: everything is reused, and the notebooks of other chapters are refused.

Then the files are checked, and the report is read in real Chromium with the network blocked.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from coursetools.grade_samples import Chapter, _bytes, sample_set, write
from coursetools.notebooks import ROOT, chapter_notebooks

CHAPTER = "01"
COMMAND = [sys.executable, "-m", "coursetools.grade"]
LIMITS = ["--cell-timeout", "4", "--timeout", "300"]

ISOLATION_PROBE = """\
import os, socket, subprocess
found = []
if os.getuid() == 0:
    found.append("runs as root")
if len([p for p in os.listdir("/proc") if p.isdigit()]) > 12:
    found.append("sees the machine's other processes")
for path in (%(course)r, "/etc/hostname", %(home)r):  # from a shell: the audit hook is not there, the kernel is
    if subprocess.run(["sh", "-c", f"echo x >> '{path}'"], capture_output=True).returncode == 0:
        found.append(f"could write {path}")
if subprocess.run(["sh", "-c", "ls /root"], capture_output=True, text=True).stdout.strip() not in ("", ".pyenv"):
    found.append("sees the instructor's home")
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
socket.create_connection(server.getsockname(), timeout=5).close()  # loopback works (chapter 15's DDP needs it)
assert not found, found
"""


def _run(args: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(COMMAND + args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _results(out: Path) -> dict[str, dict]:
    found = {}
    for path in (out / "results").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[Path(data["file"]).name] = data
    return found


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("classroom")
    subs, out = base / "submissions", base / "graded"
    samples = sample_set(CHAPTER, out, subs, rounds=3)
    expected = write(samples, subs)
    ch = Chapter(CHAPTER)
    import nbformat

    probe = ch.notebook(ch.solved())
    probe.cells.insert(2, nbformat.v4.new_code_cell(ISOLATION_PROBE % {"course": str(ROOT / "README.md"),
                                                                        "home": str(Path.home() / "probe.txt")}))
    (subs / f"isolation_probe-{ch.stem}.ipynb").write_bytes(_bytes(probe))
    expected[f"isolation_probe-{ch.stem}.ipynb"] = {"graded": True, "reason": "", "problem": "", "note": "",
                                                    "exercises": {e: ["correct", None] for e in ch.exercises}}
    solved = []
    for notebook in chapter_notebooks():
        if notebook.name.startswith(CHAPTER + "_"):
            continue
        other = Chapter(notebook.stem[:2])
        name = f"solved-{notebook.name}"
        (subs / name).write_bytes(_bytes(other.notebook(other.solved())))
        solved.append((name, other.exercises))
    files_before = {p.name: p.read_bytes() for p in subs.iterdir()}
    args = [str(subs), "--out", str(out), *LIMITS]

    # 1. a crash part-way
    crashed = subprocess.Popen(COMMAND + args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    executed = lambda: [p for p in (out / "results").glob("*.json")  # noqa: E731
                        if json.loads(p.read_text()).get("status") == "graded"] if (out / "results").is_dir() else []
    deadline = time.monotonic() + 300
    while len(executed()) < 3 and crashed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # polling the results folder of a process that runs on its own
    os.killpg(crashed.pid, signal.SIGKILL)
    crashed.wait(timeout=30)
    before_resume = {p.name: p.read_bytes() for p in executed()}
    leftovers = _sandbox_processes()
    for _ in range(50):  # the kernel delivers the parent-death signals in a moment; give it up to 10 s
        if not leftovers:
            break
        time.sleep(0.2)
        leftovers = _sandbox_processes()

    # 2. the same command again
    started = time.monotonic()
    resumed = _run(args)
    resumed_seconds = time.monotonic() - started
    after_resume = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    full = _results(out)
    # 3. one chapter only
    chapter_run = _run(args + ["--chapter", CHAPTER])
    return {"subs": subs, "out": out, "expected": expected, "solved": solved, "files_before": files_before,
            "crash_output": crashed.stdout.read().decode(errors="replace") if crashed.stdout else "",
            "before_resume": before_resume, "after_resume": after_resume, "leftovers": leftovers,
            "resumed": resumed, "resumed_seconds": resumed_seconds, "full": full, "chapter_run": chapter_run,
            "final": _results(out)}


def _sandbox_processes() -> list[str]:
    """Processes still running under the sandbox's user ids (only meaningful with namespaces, as root)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        uid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:")))
        if 61000 <= uid < 61100:
            found.append(name)
    return found


def test_a_crash_loses_nothing_and_the_same_command_resumes(classroom: dict) -> None:
    assert classroom["resumed"].returncode == 0, classroom["resumed"].stdout + classroom["resumed"].stderr
    assert len(classroom["before_resume"]) >= 3, classroom["crash_output"][-2000:]
    resumed = {json.loads(data)["file"]: json.loads(data) for data in classroom["after_resume"].values()}
    reused = 0
    for name, data in classroom["before_resume"].items():
        before = json.loads(data)
        if classroom["after_resume"].get(name) == data:
            reused += 1
        else:  # graded again: only right if the course itself changed meanwhile (others edit it as this runs)
            assert resumed[before["file"]]["course"] != before["course"], f"{name} was graded again for nothing"
    if reused:
        assert int(classroom["resumed"].stdout.split("Reusing ")[1].split()[0]) >= reused
    assert len(classroom["full"]) == len(classroom["files_before"])
    assert classroom["leftovers"] == [], "a killed grader left sandboxed processes running"


def test_submissions_are_graded_in_parallel(classroom: dict) -> None:
    spans = sorted((r["started"], r["finished"]) for r in classroom["full"].values() if "started" in r)
    assert any(later_start < end for (_, end), (later_start, _) in zip(spans, spans[1:])), \
        "no two submissions were ever graded at the same time"


def test_each_sample_gets_the_verdicts_it_must(classroom: dict) -> None:
    results = classroom["full"]
    for name, want in classroom["expected"].items():
        if name.startswith("other_chapter"):
            continue  # graded as its own chapter in this run; refused in the --chapter run
        got = results[name]
        if not want["graded"]:
            assert got["status"] == "not_graded" and want["reason"] in got["reason"], (name, got["reason"])
            continue
        assert got["status"] == "graded", (name, got.get("reason"))
        statuses = {e: (v["status"], v["mistake"]) for e, v in got["exercises"].items()}
        assert statuses == {e: tuple(v) for e, v in want["exercises"].items()}, name
        problems = " | ".join(got["problems"])
        if want["problem"]:
            assert want["problem"] in problems, (name, problems)
        elif not name.startswith("tamper"):
            assert not got["problems"], (name, problems)
        if want["note"]:
            assert any(want["note"] in note for note in got["notes"]), (name, got["notes"])
    for name, got in results.items():
        for exercise_id, entry in got.get("exercises", {}).items():
            assert (entry["score"] == 1) == (entry["status"] == "correct"), (name, exercise_id)


def test_the_sandbox_isolates_what_it_says(classroom: dict) -> None:
    probe = next(r for n, r in classroom["full"].items() if n.startswith("isolation_probe"))
    if probe.get("sandbox") != "namespaces":
        pytest.skip("namespaces need Linux and root; the process sandbox is tested by the other samples")
    assert probe["errors"] == [] and probe["total"] == probe["max"], probe["errors"]


def test_tampering_scores_zero_and_says_what_was_found(classroom: dict) -> None:
    results = classroom["full"]
    found = {n: r for n, r in results.items() if n.startswith("tamper")}
    assert len(found) == sum(1 for n in classroom["expected"] if n.startswith("tamper")) >= 6
    for name, result in found.items():
        tampered = [e for e, v in result["exercises"].items() if v["status"] == "tampered"]
        assert len(tampered) == 1 and result["exercises"][tampered[0]]["score"] == 0, name
        assert any("tampering" in p and "scored 0" in p for p in result["problems"]), name
    obfuscated = next(r for n, r in found.items() if n.startswith("tamper_obfuscated"))
    message = next(v["message"] for v in obfuscated["exercises"].values() if v["status"] == "tampered")
    assert "solution was replaced" in message  # the run-time fingerprint, where no static scan could see it


def test_every_other_chapter_filled_with_its_solutions_scores_full_marks_without_a_problem(classroom: dict) -> None:
    results = classroom["full"]
    for name, exercises in classroom["solved"]:
        got = results[name]
        assert got["status"] == "graded", (name, got.get("reason"))
        assert {e: v["status"] for e, v in got["exercises"].items()} == {e: "correct" for e in exercises}, name
        assert got["problems"] == [] and got["tampering"] == [] and got["errors"] == [], (name, got["problems"])


def test_one_chapter_reuses_everything_and_refuses_the_others(classroom: dict) -> None:
    run = classroom["chapter_run"]
    assert run.returncode == 0, run.stdout + run.stderr
    final, full = classroom["final"], classroom["full"]
    again = [n for n, r in final.items() if r.get("status") == "graded" and r["key"] != full[n]["key"]]
    for name in again:  # graded again: only right if the course itself changed meanwhile (others edit it)
        assert final[name]["course"] != full[name]["course"], f"{name} was graded again for nothing"
    if not again:
        assert "warming up" not in run.stdout  # nothing had to run: every result was reused
    for name, _ in classroom["solved"]:
        assert final[name]["status"] == "not_graded" and "not chapter 01" in final[name]["reason"], name
    other = next(r for n, r in final.items() if n.startswith("other_chapter"))
    assert "is chapter 02" in other["reason"]


def test_nothing_outside_a_submission_was_touched(classroom: dict) -> None:
    now = {p.name: p.read_bytes() for p in classroom["subs"].iterdir()}
    assert now == classroom["files_before"]  # deleting, reading and writing stayed inside each sandbox
    for name in ("gradebook.csv", "gradebook_canvas.csv", "misconceptions.csv", "report.html"):
        assert (classroom["out"] / name).stat().st_size > 100


def _expected_ch01(classroom: dict) -> dict:
    """Pass rates and mistake counts the report must show, from the samples' own expectations."""
    passed, graded, mistakes = Counter(), Counter(), Counter()
    for name, want in classroom["expected"].items():
        if not want["graded"]:
            continue
        for exercise_id, (status, mistake) in want["exercises"].items():
            graded[exercise_id] += 1
            passed[exercise_id] += status == "correct"
            if status == "wrong":
                mistakes[(exercise_id, mistake or "(not a recognised mistake)")] += 1
    return {"passed": passed, "graded": graded, "mistakes": mistakes, "learners": sum(
        1 for w in classroom["expected"].values() if w["graded"])}


def test_gradebook_and_misconceptions_hold_the_expected_numbers(classroom: dict) -> None:
    want = _expected_ch01(classroom)
    out = classroom["out"]
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(classroom["files_before"])  # one row per submission, graded or not
    ch01 = [r for r in rows if r["chapter"] == "01 first_gradients"]
    assert len(ch01) == want["learners"]
    for exercise_id, count in want["passed"].items():
        assert sum(int(r[exercise_id]) for r in ch01) == count, exercise_id
    assert all(int(r["total"]) == sum(int(r[e]) for e in want["graded"]) for r in ch01)
    by_file = {r["file"].rsplit("/", 1)[-1]: r for r in rows}
    assert "not valid JSON" in by_file["not_json.ipynb"]["problems"] and by_file["not_json.ipynb"]["total"] == ""
    assert "tampering" in by_file[next(n for n in by_file if n.startswith("tamper_patch_table"))]["problems"]
    with open(out / "gradebook_canvas.csv", newline="", encoding="utf-8") as handle:
        canvas = list(csv.reader(handle))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and len(canvas) - 2 == len({r["learner"] for r in ch01})
    with open(out / "misconceptions.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert {(r["exercise"], r["mistake"]): int(r["submissions"]) for r in table} == dict(want["mistakes"])


def test_the_report_in_chromium_shows_pass_rates_mistakes_and_what_could_not_be_graded(classroom: dict) -> None:
    from tests.browser import SCREENSHOTS, browser_page

    want = _expected_ch01(classroom)
    report = classroom["out"] / "report.html"
    with browser_page(1280, 900) as page:
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(report.as_uri(), wait_until="load")
        assert [u for u in requests if not u.startswith("file:")] == []  # self-contained: nothing fetched
        rates = page.eval_on_selector_all("#pass-rates tbody tr", "rows => rows.map(r => [r.dataset.exercise, "
                                          "r.querySelector('.rate').textContent, r.cells[3].textContent])")
        assert {e: (p, n) for e, p, n in rates} == {
            e: (f"{round(100 * want['passed'][e] / want['graded'][e])}%", f"{want['passed'][e]} of {want['graded'][e]}")
            for e in want["graded"]}
        shown = page.eval_on_selector_all("#mistakes tbody tr", "rows => rows.map(r => [r.dataset.exercise, "
                                          "r.dataset.mistake, Number(r.dataset.count), r.cells[3].textContent])")
        assert {(e, m): c for e, m, c, _ in shown} == dict(want["mistakes"])
        assert all(told.startswith(("this looks like", "the ", "at least one")) or told for *_, told in shown)
        hint = page.eval_on_selector("#mistakes tbody tr td:last-child", "td => td.textContent")
        assert len(hint) > 20  # the hint a second try would give
        not_graded = page.eval_on_selector_all("#not-graded tbody tr", "rows => rows.map(r => r.textContent)")
        for name, expected in classroom["expected"].items():
            if not expected["graded"]:
                assert any(name in row and expected["reason"] in row for row in not_graded), name
        tampering = page.eval_on_selector_all("#tampering tbody tr", "rows => rows.map(r => r.textContent)")
        assert sum(1 for row in tampering if "tamper_" in row) >= 6
        box = page.eval_on_selector("#chart svg",
                                    "svg => { const b = svg.getBoundingClientRect(); return [b.width, b.height] }")
        assert box[0] > 600 and box[1] > 150  # the chart is drawn, and large enough to read
        assert page.errors == []
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "grade-report.png"), full_page=True)


PROCESS_SAMPLES = ("correct", "reads_grader_files", "opens_socket", "deletes_files", "forks_forever", "memory_hog",
                   "tamper_patch_table", "loops_forever")


def test_without_namespaces_the_process_sandbox_still_refuses_and_reports(classroom: dict,
                                                                          tmp_path: Path) -> None:
    """``--isolation process``: what an instructor without root gets (own session, limits, the audit hook)."""
    subs, out = tmp_path / "subs", tmp_path / "graded"
    subs.mkdir()
    chosen = {n: w for n, w in classroom["expected"].items() if n.split("-")[0] in PROCESS_SAMPLES}
    for name in chosen:
        data = classroom["files_before"][name]
        if name.startswith("reads_grader_files"):  # it names the main run's folders: point it at this run's
            data = data.replace(str(classroom["out"]).encode(), str(out).encode())
            data = data.replace(str(classroom["subs"]).encode(), str(subs).encode())
        (subs / name).write_bytes(data)
    run = _run([str(subs), "--out", str(out), *LIMITS, "--isolation", "process"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sandbox: process" in run.stdout
    results = _results(out)
    for name, want in chosen.items():
        got = results[name]
        assert {e: (v["status"], v["mistake"]) for e, v in got["exercises"].items()} == {
            e: tuple(v) for e, v in want["exercises"].items()}, name
        if want["problem"]:
            assert want["problem"] in " | ".join(got["problems"]), (name, got["problems"])
    assert {p.name for p in subs.iterdir()} == set(chosen)  # the deleting sample only emptied its own folder
