"""判分吞吐量基准（脚本，不是测试）：把某章的解答本复制 N 份当作一个班的提交，实测判完要多久。

    .venv/bin/python benchmarks/bench_grade.py                       # 第 3 章，20 份；jobs 1 与 jobs = 核数
    .venv/bin/python benchmarks/bench_grade.py --n 200 --modes fork:2  # 一个 200 人的班，2 核
    .venv/bin/python benchmarks/bench_grade.py --nbgrader /path/to/side-venv/bin/python

模式 ``fork:J``（默认做法：Linux 上的 fork 服务器，J 份并行）与 ``classic:J``（每份提交新启动 worker 和内核，
Windows/macOS 的做法）。各模式轮流运行 ``--rounds`` 轮（A B A B …，机器速度漂移时比值仍可信），打印中位数、
每份秒数、每分钟份数，以及相对第一个模式的比值。

**与 nbgrader 对比**（它不是本套件的依赖，装在旁边的虚拟环境里）::

    python3 -m venv ../nbgrader-env
    ../nbgrader-env/bin/pip install -r requirements.lock nbgrader==0.9.6
    ../nbgrader-env/bin/pip install --no-deps -e .
    .venv/bin/python benchmarks/bench_grade.py --nbgrader ../nbgrader-env/bin/python

脚本把同一章的练习本转成 nbgrader 的作业（作答单元 = solution 单元；检查单元 = 带分值的 test 单元，
用与本判分器相同的规则和事先算好的期望值判对错），用同样的 N 份提交跑 ``nbgrader autograde``（串行），
与本判分器轮流计时。
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from coursekit.exercises.cells import role_of  # noqa: E402
from coursekit.grading.grade import Options, load_chapter, run_grade  # noqa: E402
from coursekit.grading.runner import Limits  # noqa: E402

NBGRADER_JUDGE = """import json as _json
from coursekit.exercises.plain import encode_value as _enc, from_plain as _fp
from coursekit.exercises.rules import judge as _judge
from coursekit.questions import find_question as _fq
_EXPECTED = _json.load(open({path!r}, encoding="utf-8"))

def _hemu_ok(qid, value):
    q = _fq(qid)
    return _judge(q.rule, _fp(_json.loads(_enc(value))), _fp(_json.loads(_EXPECTED[qid])), q.hint).ok
"""


def make_submissions(source: Path, folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        shutil.copy(source, folder / f"s{i:03d}.ipynb")


def grade_ours(chapter, subs: Path, mode: str) -> tuple[float, list[str]]:
    kind, jobs = mode.split(":")
    with tempfile.TemporaryDirectory(prefix="hemu-bench-out-") as out:
        t0 = time.perf_counter()
        rows, _ = run_grade(
            chapter, [str(subs)], Path(out) / "g.csv", Options(limits=Limits(), jobs=int(jobs), fork=kind == "fork")
        )
        took = time.perf_counter() - t0
    return took, sorted({r.result.status for r in rows})


def nbgrader_course(chapter, source: Path, base: Path, n: int) -> Path:
    """把练习本改写成 nbgrader 作业，并放好 n 份提交（submitted/sNNN/hw/hw.ipynb）。"""
    base.mkdir(parents=True)
    expected = {q.id: q.expected_json for q in chapter.questions if q.kind == "auto"}
    (base / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(NBGRADER_JUDGE.format(path=str(base / "expected.json"))))
    points = {q.id: q.points for q in chapter.questions}
    for k, cell in enumerate(nb.cells):
        r = role_of(cell)
        meta = {"schema_version": 3, "grade_id": f"cell{k}", "locked": False, "solution": False, "grade": False}
        if r.role == "answer":  # 作答单元 = solution；书面回答（Markdown）在 nbgrader 里必须带分值（人工评分）
            meta["solution"] = True
            if cell.cell_type == "markdown":
                meta.update(grade=True, points=points[r.qid])
        elif r.role == "check":
            cell.source = f"assert _hemu_ok({r.qid!r}, answer_{r.qid.replace('.', '_')})"
            meta.update(grade=True, locked=True, points=points[r.qid])
        else:
            continue
        cell.metadata["nbgrader"] = meta
    (base / "source" / "hw").mkdir(parents=True)
    nbformat.write(nb, base / "source" / "hw" / "hw.ipynb")
    (base / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'hemu'\nc.ExecutePreprocessor.timeout = 120\n",
        encoding="utf-8",
    )
    for i in range(n):
        d = base / "submitted" / f"s{i:03d}" / "hw"
        d.mkdir(parents=True)
        shutil.copy(base / "source" / "hw" / "hw.ipynb", d / "hw.ipynb")
    return base


def grade_nbgrader(python: str, course: Path) -> tuple[float, list[str]]:
    for d in ("autograded", "feedback"):
        shutil.rmtree(course / d, ignore_errors=True)
    (course / "gradebook.db").unlink(missing_ok=True)
    run = [python, "-m", "nbgrader"]
    # nbgrader 会直接调用同一环境里的 alembic 命令：把旁路环境的 bin/ 放到 PATH 前面
    env = {**os.environ, "PATH": str(Path(python).parent) + os.pathsep + os.environ.get("PATH", "")}
    gen = subprocess.run(
        [*run, "generate_assignment", "hw", "--force"], cwd=course, capture_output=True, text=True, env=env
    )
    if gen.returncode != 0:
        raise SystemExit(f"nbgrader generate_assignment 失败：\n{gen.stdout[-2000:]}{gen.stderr[-2000:]}")
    t0 = time.perf_counter()
    out = subprocess.run(
        [*run, "autograde", "hw", "--create", "--force"], cwd=course, capture_output=True, text=True, env=env
    )
    took = time.perf_counter() - t0
    graded = sorted((course / "autograded").glob("*/hw/hw.ipynb"))
    if out.returncode != 0 or not graded:
        return took, [f"failed: {out.stderr[-300:]}"]
    # 解答本应当每个 test 单元都通过：有报错就说明转换不对，这组数字不能用
    failed = [p.parent.parent.name for p in graded if _has_error(p)]
    return took, ["ok"] if not failed else [f"有报错：{failed[:3]}"]


def _has_error(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="提交份数（默认 20）")
    ap.add_argument("--chapter", default="ch03", help="章节（默认 ch03，用 solutions/ 里的解答本当作提交）")
    cores = os.cpu_count() or 1
    ap.add_argument("--modes", default=f"fork:1,fork:{cores}", help=f"逗号分隔，如 fork:1,classic:1,fork:{cores}")
    ap.add_argument("--rounds", type=int, default=3, help="每个模式轮流跑几轮（默认 3）")
    ap.add_argument("--nbgrader", default=None, help="装有 nbgrader 的旁路环境里的 python（见文件开头）")
    args = ap.parse_args()
    chapter = load_chapter(args.chapter)
    source = next((ROOT / "solutions").glob(f"{chapter.name}_*.ipynb"))
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if args.nbgrader:
        modes.append("nbgrader")
    times: dict[str, list[float]] = {m: [] for m in modes}
    bad = False
    with tempfile.TemporaryDirectory(prefix="hemu-bench-") as tmp:
        subs = Path(tmp) / "subs"
        make_submissions(source, subs, args.n)
        course = nbgrader_course(chapter, source, Path(tmp) / "nbg", args.n) if args.nbgrader else None
        for rnd in range(args.rounds):
            for m in modes:
                took, statuses = (
                    grade_nbgrader(args.nbgrader, course) if m == "nbgrader" else grade_ours(chapter, subs, m)
                )
                times[m].append(took)
                print(f"第 {rnd + 1} 轮 {m:>10}: {took:7.1f} 秒（{', '.join(statuses)}）", flush=True)
                bad |= statuses != ["ok"]
    print(
        f"\n机器：{platform.machine()}，{cores} 核，Python {platform.python_version()}；"
        f"{chapter.name} 的解答本 × {args.n} 份，每个模式 {args.rounds} 轮"
    )
    base = statistics.median(times[modes[0]])
    print(f"{'模式':>10} {'中位数 s':>9} {'每份 s':>7} {'份/分钟':>8} {'相对 ' + modes[0]:>14}")
    for m in modes:
        med = statistics.median(times[m])
        print(f"{m:>10} {med:9.1f} {med / args.n:7.2f} {args.n / med * 60:8.1f} {med / base:14.2f}")
    if bad:
        print("⚠ 有的提交没有判为 ok，以上数字无效。", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
