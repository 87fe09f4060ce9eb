"""答案的“纯数据”表示：只含 JSON 能表达的数、字符串、列表和带 ``__kind__`` 标签的字典。

学生端 ``check()`` 与判分器走同一条路径：值 → ``to_plain`` → JSON → ``from_plain`` → 比较。
判分时 ``to_plain`` 在学生的内核里运行（不可信），判分进程只读回 JSON，
所以学生定义的 ``__eq__``、子类或打补丁的函数都带不出内核。
本模块不得导入题库（``registry`` / ``questions``）。
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Any

MAX_ITEMS = 2_000_000  # 一个答案最多包含的元素个数（超过就当作“太大”）
MAX_DEPTH = 20  # 嵌套层数上限
MAX_STR = 10_000  # 单个字符串最多保留的字符数
MAX_EXPORT_BYTES = 20 * 1024 * 1024  # 判分时读回的导出文件上限
BIG_INT = 2**63


class PlainError(ValueError):
    """答案无法转换或读回时抛出。"""


class _Budget:
    """统计已转换的元素个数，防止超大答案拖垮内存。"""

    def __init__(self) -> None:
        self.items = 0

    def take(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise PlainError(f"答案太大（超过 {MAX_ITEMS} 个元素）")


def _other(value: Any, reason: str = "") -> dict:
    t = type(value)
    return {"__kind__": "other", "type": f"{t.__module__}.{t.__qualname__}", "reason": reason}


def _scalar(value: Any, budget: _Budget, depth: int) -> Any:
    """标量转换；不认识的类型返回 None 由调用方继续处理。"""
    t = type(value)
    if value is None or t is bool:
        return value
    if issubclass(t, bool):
        return bool(value)
    if issubclass(t, int):
        v = int.__index__(value)
        if -BIG_INT < v < BIG_INT:
            return v
        return {"__kind__": "bigint", "digits": v.bit_length() * 0.30103}
    if issubclass(t, float):
        return float.__float__(value)
    if issubclass(t, str):
        s = str.__str__(value)
        return s if len(s) <= MAX_STR else s[:MAX_STR]
    if issubclass(t, complex):
        return {"__kind__": "complex", "re": value.real, "im": value.imag}
    if issubclass(t, (_dt.datetime, _dt.date)):
        return {"__kind__": "ts", "iso": value.isoformat()}
    if issubclass(t, _dt.timedelta):
        return {"__kind__": "td", "seconds": value.total_seconds()}
    return _NOT_SCALAR


_NOT_SCALAR = object()


def _numpy_pandas(value: Any, budget: _Budget, depth: int) -> Any:
    import numpy as np
    import pandas as pd

    t = type(value)
    if value is pd.NaT:
        return None
    if value is pd.NA:
        return None
    if issubclass(t, np.generic):
        if issubclass(t, np.datetime64):
            ts = pd.Timestamp(value)
            return None if ts is pd.NaT else {"__kind__": "ts", "iso": ts.isoformat()}
        if issubclass(t, np.timedelta64):
            td = pd.Timedelta(value)
            return None if td is pd.NaT else {"__kind__": "td", "seconds": td.total_seconds()}
        return to_plain(value.item(), budget, depth)
    if issubclass(t, pd.Timestamp):
        return {"__kind__": "ts", "iso": value.isoformat()}
    if issubclass(t, pd.Timedelta):
        return {"__kind__": "td", "seconds": value.total_seconds()}
    if issubclass(t, pd.Period):  # 月份、自然周这样的时段（同期群的行标签）
        return {"__kind__": "period", "start": value.start_time.isoformat(), "freq": value.freqstr}
    if issubclass(t, pd.DataFrame):
        return _frame(value, budget, depth)
    if issubclass(t, pd.Series):
        return {
            "__kind__": "series",
            "name": to_plain(value.name, budget, depth + 1),
            "index": _index(value.index, budget, depth),
            "values": _column(value, budget, depth),
        }
    if issubclass(t, pd.Index):
        return _index(value, budget, depth)
    if issubclass(t, np.ndarray):
        budget.take(int(value.size))
        return {
            "__kind__": "array",
            "shape": [int(s) for s in value.shape],
            "values": _column(pd.Series(value.reshape(-1)), budget, depth),
        }
    return _NOT_SCALAR


def _column(s: Any, budget: _Budget, depth: int) -> dict:
    """一列（Series）的值：数值列转成 float/int 列表，其余逐个转换。"""
    import pandas as pd

    budget.take(len(s))
    dtype = str(s.dtype)
    kind = getattr(s.dtype, "kind", "O")
    if kind == "b":
        values: list = [bool(v) for v in s.tolist()]
    elif kind in "iu":
        values = [int(v) for v in s.tolist()]
    elif kind == "f":
        values = [float(v) for v in s.tolist()]
    elif kind == "M":
        values = [None if v is pd.NaT else v.isoformat() for v in pd.to_datetime(s).tolist()]
        return {"dtype": dtype, "ts": True, "values": values}
    else:
        values = [to_plain(v, budget, depth + 1) for v in s.tolist()]
    return {"dtype": dtype, "values": values}


def _index(idx: Any, budget: _Budget, depth: int) -> dict:
    import pandas as pd

    if isinstance(idx, pd.MultiIndex):
        levels = [_column(pd.Series(idx.get_level_values(i)), budget, depth) for i in range(idx.nlevels)]
        return {"__kind__": "multiindex", "names": [to_plain(n, budget, depth + 1) for n in idx.names], "levels": levels}
    if isinstance(idx, pd.RangeIndex):
        return {"__kind__": "range", "start": int(idx.start), "stop": int(idx.stop), "step": int(idx.step), "name": to_plain(idx.name, budget, depth + 1)}
    return {"__kind__": "index", "name": to_plain(idx.name, budget, depth + 1), "values": _column(pd.Series(idx), budget, depth)}


def _frame(df: Any, budget: _Budget, depth: int) -> dict:
    budget.take(int(df.shape[0]) * max(int(df.shape[1]), 1))
    return {
        "__kind__": "frame",
        "columns": _index(df.columns, budget, depth),
        "index": _index(df.index, budget, depth),
        "data": [_column(df.iloc[:, i], budget, depth) for i in range(df.shape[1])],
    }


def _axes_summary(ax: Any) -> dict:
    """Axes 的可检查摘要：标题、坐标轴标签、柱子、折线、图例（都是纯数据）。"""
    bars = []
    for cont in ax.containers:
        vals = getattr(cont, "datavalues", None)
        if vals is None:
            continue
        bars.append(
            {
                "orientation": str(getattr(cont, "orientation", "vertical")),
                "values": [float(v) for v in vals],
            }
        )
    lines = [[float(y) for y in line.get_ydata()] for line in ax.get_lines()]
    legend = ax.get_legend()
    ticks_x = [t.get_text() for t in ax.get_xticklabels()]
    ticks_y = [t.get_text() for t in ax.get_yticklabels()]
    return {
        "__kind__": "axes",
        "title": str(ax.get_title()),
        "suptitle": str(getattr(getattr(ax.figure, "_suptitle", None), "get_text", lambda: "")()),
        "xlabel": str(ax.get_xlabel()),
        "ylabel": str(ax.get_ylabel()),
        "bars": bars,
        "n_patches": len(ax.patches),
        "lines": lines,
        "n_collections": len(ax.collections),
        "legend": [t.get_text() for t in legend.get_texts()] if legend is not None else [],
        "xticklabels": ticks_x,
        "yticklabels": ticks_y,
    }


def _matplotlib(value: Any) -> Any:
    import sys

    if "matplotlib" not in sys.modules:
        return _NOT_SCALAR
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    t = type(value)
    if issubclass(t, Axes):
        return _axes_summary(value)
    if issubclass(t, Figure):
        axes = value.get_axes()
        if not axes:
            return {"__kind__": "figure", "n_axes": 0}
        summary = _axes_summary(axes[0])
        summary["n_axes"] = len(axes)
        return summary
    # seaborn 的 FacetGrid / JointGrid 等：取它的 figure
    fig = getattr(value, "figure", None)
    if type(fig).__name__ == "Figure" and type(value).__module__.startswith("seaborn"):
        return _matplotlib(fig)
    return _NOT_SCALAR


def to_plain(value: Any, budget: _Budget | None = None, depth: int = 0) -> Any:
    """把任意答案转成纯数据（可 JSON 序列化）；不认识的类型记为 ``other``，不会调用其 ``repr``。"""
    budget = budget or _Budget()
    if depth > MAX_DEPTH:
        raise PlainError(f"答案嵌套太深（超过 {MAX_DEPTH} 层）")
    if value is Ellipsis:
        return {"__kind__": "ellipsis"}
    out = _scalar(value, budget, depth)
    if out is not _NOT_SCALAR:
        return out
    t = type(value)
    mod = t.__module__ or ""
    if mod.startswith(("numpy", "pandas")):
        out = _numpy_pandas(value, budget, depth)
        if out is not _NOT_SCALAR:
            return out
    if issubclass(t, (list, tuple)):
        budget.take(len(value))
        return {"__kind__": "list", "tuple": issubclass(t, tuple), "items": [to_plain(v, budget, depth + 1) for v in list.__iter__(list(value))]}
    if issubclass(t, (set, frozenset)):
        budget.take(len(value))
        items = [to_plain(v, budget, depth + 1) for v in value]
        return {"__kind__": "set", "items": sorted(items, key=lambda x: json.dumps(x, sort_keys=True, default=str))}
    if issubclass(t, dict):
        budget.take(len(value))
        return {"__kind__": "dict", "items": [[to_plain(k, budget, depth + 1), to_plain(v, budget, depth + 1)] for k, v in dict.items(value)]}
    out = _numpy_pandas(value, budget, depth) if mod.startswith(("numpy", "pandas")) else _NOT_SCALAR
    if out is _NOT_SCALAR:
        out = _matplotlib(value)
    if out is not _NOT_SCALAR:
        return out
    return _other(value)


def dumps(plain: Any) -> str:
    """纯数据 → JSON 文本（允许 NaN/inf）。"""
    return json.dumps(plain, ensure_ascii=False, allow_nan=True, sort_keys=True)


def encode_value(value: Any) -> str:
    """值 → JSON；转换失败时编码成带原因的 ``other``（绝不抛出）。"""
    try:
        return dumps(to_plain(value))
    except RecursionError:
        return dumps(_other(value, "嵌套太深"))
    except (PlainError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        return dumps(_other(value, str(exc)[:200]))


def export_answer(var: str, path: str, token: str = "") -> None:
    """判分时注入到内核：把变量 ``var`` 导出为 JSON 文件 ``path``（内核里运行，结果不被信任）。

    ``token`` 是判分器为这一次导出临时生成的随机串，原样写进文件：同时判分的别的提交即使找到这个文件、
    改写了它，也拿不出正确的 token（判分器只认 token 对得上、且在导出单元一结束就读走的内容）。
    """
    import sys

    ns = sys.modules["__main__"].__dict__
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ns = ip.user_ns
    except Exception:  # noqa: BLE001 - IPython 被破坏时退回 __main__
        pass
    loaded = sorted(m for m in sys.modules if m == "coursekit.questions" or m.startswith("coursekit.questions."))
    if var not in ns:
        payload = '{"missing": true}'
    else:
        payload = '{"value": ' + encode_value(ns[var]) + "}"
    payload = payload[:-1] + ', "registry_loaded": ' + json.dumps(loaded) + ', "token": ' + json.dumps(token) + "}"
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(payload)
    os.replace(tmp, path)


def read_export(path: str) -> dict:
    """判分进程读回导出文件：限制大小，只解析 JSON，返回 ``{"value"|"missing", "registry_loaded"}``。"""
    size = os.path.getsize(path)
    if size > MAX_EXPORT_BYTES:
        raise PlainError(f"导出的答案太大（{size // (1024 * 1024)} MB）")
    with open(path, encoding="utf-8") as fh:
        data = json.loads(fh.read())
    if not isinstance(data, dict):
        raise PlainError("导出文件格式不对")
    return data


# ---------------------------------------------------------------- 读回（判分进程）


class Other:
    """无法表示成纯数据的答案（只记住类型名）。"""

    def __init__(self, type_name: str, reason: str = "") -> None:
        self.type_name = type_name
        self.reason = reason

    def __repr__(self) -> str:
        return f"Other({self.type_name})"


class BigInt:
    """超出 64 位的整数（只记位数）。"""

    def __init__(self, digits: float) -> None:
        self.digits = digits


class AxesSummary(dict):
    """图表摘要（来自 ``_axes_summary``）。"""


def _decode_column(col: dict) -> Any:
    import numpy as np
    import pandas as pd

    values = col.get("values", [])
    if col.get("ts"):
        return pd.Series(pd.to_datetime(values))
    decoded = [from_plain(v) for v in values]
    dtype = str(col.get("dtype", "object"))
    numeric = dtype.startswith(("float", "int", "uint", "Float", "Int", "UInt"))
    if numeric and all(type(v) is int for v in decoded):
        return pd.Series(np.array(decoded, dtype=np.int64) if decoded else np.array([], dtype=float))
    if numeric and all((type(v) in (int, float)) or v is None for v in decoded):
        return pd.Series(np.array([np.nan if v is None else v for v in decoded], dtype=float))
    if dtype in ("bool", "boolean"):
        return pd.Series(decoded, dtype=object)
    return pd.Series(decoded, dtype=object)


def _decode_index(d: dict) -> Any:
    import pandas as pd

    kind = d.get("__kind__")
    if kind == "range":
        return pd.RangeIndex(d["start"], d["stop"], d["step"], name=from_plain(d.get("name")))
    if kind == "multiindex":
        arrays = [_decode_column(c).tolist() for c in d["levels"]]
        return pd.MultiIndex.from_arrays(arrays, names=[from_plain(n) for n in d["names"]])
    return pd.Index(_decode_column(d["values"]).tolist(), name=from_plain(d.get("name")), dtype=object)


def from_plain(p: Any) -> Any:
    """纯数据 → Python / pandas 值（只构造内置类型与 pandas/numpy 对象，不执行任何学生代码）。"""
    import pandas as pd

    if p is None or type(p) in (bool, int, float, str):
        return p
    if type(p) is list:
        return [from_plain(v) for v in p]
    if type(p) is not dict:
        return Other(type(p).__name__)
    kind = p.get("__kind__")
    if kind == "ellipsis":
        return Ellipsis
    if kind == "list":
        items = [from_plain(v) for v in p.get("items", [])]
        return tuple(items) if p.get("tuple") else items
    if kind == "set":
        return [from_plain(v) for v in p.get("items", [])]
    if kind == "dict":
        out = {}
        for k, v in p.get("items", []):
            k2 = from_plain(k)
            try:
                out[k2] = from_plain(v)
            except TypeError:  # 不可哈希的键
                out[str(k2)] = from_plain(v)
        return out
    if kind == "ts":
        return pd.Timestamp(p["iso"])
    if kind == "td":
        return pd.Timedelta(seconds=p["seconds"])
    if kind == "period":
        return pd.Period(pd.Timestamp(p["start"]), freq=p["freq"])
    if kind == "complex":
        return complex(p["re"], p["im"])
    if kind == "bigint":
        return BigInt(float(p.get("digits", 0)))
    if kind == "series":
        s = _decode_column(p["values"])
        s.index = _decode_index(p["index"])
        s.name = from_plain(p.get("name"))
        return s
    if kind == "array":
        import numpy as np

        vals = _decode_column(p["values"]).to_numpy()
        try:
            return vals.reshape(p["shape"])
        except ValueError:
            return vals
    if kind == "frame":
        cols = [_decode_column(c) for c in p["data"]]
        df = pd.concat(cols, axis=1, ignore_index=True) if cols else pd.DataFrame(index=range(0))
        if cols:
            df.columns = _decode_index(p["columns"])
            df.index = _decode_index(p["index"])
        else:
            df = pd.DataFrame(index=_decode_index(p["index"]))
        return df
    if kind in ("index", "range", "multiindex"):
        return _decode_index(p)
    if kind in ("axes", "figure"):
        return AxesSummary(p)
    if kind == "other":
        return Other(str(p.get("type", "?")), str(p.get("reason", "")))
    return Other("dict")


def roundtrip(value: Any) -> Any:
    """学生端：值 → JSON → 值，与判分器走同一条路径。"""
    return from_plain(json.loads(encode_value(value)))

