"""锁文件、environment.yml、pyproject 与已安装环境彼此一致。"""

from __future__ import annotations

import re
import tomllib

from coursekit.doctor import check_versions, normalize, read_lock


def _yml_pins(text: str) -> dict[str, str]:
    pins = {}
    for m in re.finditer(r"^\s+-\s+([A-Za-z0-9_.\-]+)==([^\s#]+)\s*$", text, flags=re.M):
        pins[normalize(m.group(1))] = m.group(2)
    return pins


def test_environment_yml_pins_match_lock(repo_root):
    lock = read_lock(repo_root / "requirements.lock")
    yml = _yml_pins((repo_root / "environment.yml").read_text(encoding="utf-8"))
    assert lock, "锁文件为空"
    only_lock = sorted(set(lock) - set(yml))
    only_yml = sorted(set(yml) - set(lock))
    differ = sorted(n for n in set(lock) & set(yml) if lock[n] != yml[n])
    assert not (only_lock or only_yml or differ), (
        f"environment.yml 与 requirements.lock 不一致：只在锁文件 {only_lock}，只在 yml {only_yml}，版本不同 {differ}。"
        "请运行 python tools/lock.py --yml"
    )


def test_environment_yml_python_is_311(repo_root):
    assert re.search(r"^\s+-\s+python=3\.11\s*$", (repo_root / "environment.yml").read_text(encoding="utf-8"), re.M)


def test_every_direct_dependency_is_pinned(repo_root):
    deps = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    lock = read_lock(repo_root / "requirements.lock")
    names = [normalize(re.split(r"[<>=!\[; ]", d, maxsplit=1)[0]) for d in deps]
    missing = [n for n in names if n not in lock]
    assert not missing, f"这些直接依赖没有出现在锁文件中：{missing}"


def test_lock_lines_are_exact_pins(repo_root):
    for line in (repo_root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+!\-]+", line.strip()), line


def test_installed_versions_match_lock():
    finding = check_versions()
    assert finding.ok, finding.detail


def test_read_lock_rejects_unpinned_line(tmp_path):
    bad = tmp_path / "requirements.lock"
    bad.write_text("pandas>=2\n", encoding="utf-8")
    try:
        read_lock(bad)
    except ValueError as exc:
        assert "pandas>=2" in str(exc)
    else:
        raise AssertionError("未锁定的行应当报错")
