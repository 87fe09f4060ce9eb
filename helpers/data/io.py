"""读数据：清单 manifest.json 与校验、按 schema 带类型地读入。

写数据的一半（确定性的 CSV、gzip、写清单）在生成器里：``coursekit/world/write.py``。
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from helpers.data.schema import MANIFEST_FILE, TableSpec

REPO_ROOT = Path(__file__).resolve().parents[2]


def datasets_root() -> Path:
    """数据根目录：默认是仓库里的 datasets/，可用环境变量 HEMU_DATASETS 覆盖。

    示例::

        >>> datasets_root().name
        'datasets'
        >>> (datasets_root() / "small" / "manifest.json").exists()
        True
    """
    return Path(os.environ.get("HEMU_DATASETS", REPO_ROOT / "datasets"))


def rebuild_command(scale: str, out: Path | str | None = None) -> str:
    """重新生成某个规模数据的命令（目录不是默认位置时带上 --out）。

    示例::

        >>> rebuild_command("small")
        'python -m helpers data build --scale small'
        >>> rebuild_command("tiny", datasets_root() / "tiny")
        'python -m helpers data build --scale tiny'
        >>> rebuild_command("tiny", "scratch/tiny")
        'python -m helpers data build --scale tiny --out scratch/tiny'
    """
    cmd = f"python -m helpers data build --scale {scale}"
    if out is not None and Path(out).resolve() != (datasets_root() / scale).resolve():
        cmd += f" --out {out}"
    return cmd


def file_info(path: Path) -> dict:
    """文件的 sha256 与字节数。

    示例::

        >>> path = datasets_root() / "small" / "products.csv"
        >>> info = file_info(path)
        >>> sorted(info)
        ['bytes', 'sha256']
        >>> len(info["sha256"]), info["bytes"] == path.stat().st_size
        (64, True)
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"sha256": h.hexdigest(), "bytes": path.stat().st_size}


# ---------------------------------------------------------------- 校验
def read_manifest(directory: Path, scale: str) -> dict:
    """读清单；不存在时给出中文错误和重建命令。

    示例::

        >>> manifest = read_manifest(datasets_root() / "small", "small")
        >>> manifest["scale"], manifest["files"]["products.csv"]["rows"]
        ('small', 400)
        >>> read_manifest(Path("no_such_dir"), "small")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        FileNotFoundError: 找不到数据清单 no_such_dir...manifest.json。请先生成数据：
            python -m helpers data build --scale small --out no_such_dir
    """
    path = directory / MANIFEST_FILE
    if not path.exists():
        raise FileNotFoundError(f"找不到数据清单 {path}。请先生成数据：\n    {rebuild_command(scale, directory)}")
    return json.loads(path.read_text(encoding="utf-8"))


def verify_dir(directory: Path, scale: str) -> list[str]:
    """逐个文件核对大小和 sha256，返回问题列表（空列表表示一切正常）。

    示例::

        >>> verify_dir(datasets_root() / "small", "small")
        []
    """
    manifest = read_manifest(directory, scale)
    problems = []
    for fname, info in sorted(manifest["files"].items()):
        path = directory / fname
        if not path.exists():
            problems.append(f"缺少文件 {path}")
            continue
        actual = file_info(path)
        if actual["bytes"] != info["bytes"]:
            problems.append(f"文件大小不对 {path}（应为 {info['bytes']} 字节，实际 {actual['bytes']}）")
        elif actual["sha256"] != info["sha256"]:
            problems.append(f"校验和不对 {path}（文件被改动或损坏）")
    return problems


_VERIFIED: dict[tuple[str, int, int], str] = {}


def checked_path(directory: Path, fname: str, scale: str) -> Path:
    """返回通过校验的文件路径；缺失或损坏时抛出中文错误（绝不悄悄读入半截数据）。

    示例::

        >>> directory = datasets_root() / "small"
        >>> checked_path(directory, "products.csv", "small").name
        'products.csv'
        >>> checked_path(directory, "no_such_table.csv", "small")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        FileNotFoundError: 找不到数据文件 ...no_such_table.csv。请运行下面的命令重新生成：
            python -m helpers data build --scale small
    """
    path = directory / fname
    if not path.exists():
        raise FileNotFoundError(
            f"找不到数据文件 {path}。请运行下面的命令重新生成：\n    {rebuild_command(scale, directory)}"
        )
    manifest = read_manifest(directory, scale)
    info = manifest["files"].get(fname)
    if info is None:
        raise ValueError(
            f"数据清单里没有 {fname}，数据目录可能不完整。请运行：\n    {rebuild_command(scale, directory)}"
        )
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(key) == info["sha256"]:
        return path
    actual = file_info(path)
    if actual["bytes"] != info["bytes"] or actual["sha256"] != info["sha256"]:
        raise ValueError(
            f"数据文件 {path} 与清单不符（大小或校验和不对），可能被改动或下载不完整。\n"
            f"请运行下面的命令重新生成：\n    {rebuild_command(scale, directory)}"
        )
    _VERIFIED[key] = info["sha256"]
    return path


# ---------------------------------------------------------------- 读入
_DTYPES = {"int": "int64", "Int64": "Int64", "float": "float64", "str": "str", "cat": "category"}


def read_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """按 schema 读入一张表：日期解析成 datetime64，中文类别列为 category。

    不做清单校验；学生请用 ``helpers.data.load``（先校验、再读、带缓存）。

    示例::

        >>> from helpers.data.schema import TABLES
        >>> spec = TABLES["products"]
        >>> df = read_table(datasets_root() / "small" / spec.filename, spec)
        >>> len(df), str(df["brand"].dtype)
        (400, 'category')
        >>> pd.api.types.is_datetime64_any_dtype(df["launch_date"])
        True
    """
    if spec.name == "orders_raw":
        return pd.read_csv(path, dtype=str, encoding="utf-8")
    dtypes = {c: _DTYPES[k] for c, k in spec.columns.items() if k in _DTYPES}
    dates = [c for c, k in spec.columns.items() if k in ("datetime", "date")]
    df = pd.read_csv(path, dtype=dtypes, encoding="utf-8")
    for c in dates:
        fmt = "%Y-%m-%d %H:%M:%S" if spec.columns[c] == "datetime" else "%Y-%m-%d"
        codes, uniques = pd.factorize(df[c])  # 只解析去重后的值：库存表 88 万行只有 731 个日期
        parsed = pd.DatetimeIndex(pd.to_datetime(pd.Series(uniques, dtype=object), format=fmt))
        df[c] = parsed.take(codes, allow_fill=True, fill_value=pd.NaT) if len(uniques) else pd.to_datetime(df[c])
    for c, k in spec.columns.items():
        if k == "bool":
            df[c] = df[c].astype(bool)
    return df


def read_answer_table(path: Path) -> pd.DataFrame:
    """读一张答案表（gzip CSV）：名为 date、以 _date 或 _time 结尾的列解析成 datetime64。

    不做清单校验；学生请用 ``helpers.data.truth_table``（先校验、再读、带缓存）。

    示例::

        >>> import gzip, tempfile
        >>> path = Path(tempfile.mkdtemp()) / "truth_demo.csv.gz"
        >>> _ = path.write_bytes(gzip.compress("customer_id,signup_date\\n7,2024-01-02\\n".encode()))
        >>> df = read_answer_table(path)
        >>> int(df.loc[0, "customer_id"]), str(df["signup_date"].dtype)
        (7, 'datetime64[us]')
    """
    df = pd.read_csv(path, encoding="utf-8")
    for c in df.columns:
        if c == "date" or c.endswith(("_date", "_time")):
            df[c] = pd.to_datetime(df[c])
    return df


def read_truth(path: Path) -> dict:
    """读答案 JSON。

    示例::

        >>> key = read_truth(datasets_root() / "small" / "truth.json")
        >>> sorted(key)[:3]
        ['bots', 'carriers', 'churn']
    """
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = [
    "checked_path",
    "datasets_root",
    "file_info",
    "read_answer_table",
    "read_manifest",
    "read_table",
    "read_truth",
    "rebuild_command",
    "verify_dir",
]
