"""比较规则：把（读回的）学生答案与期望值比较，给出中文反馈，绝不泄露正确答案。

每个规则是一个不可变的 dataclass，``compare(value, expected) -> Verdict``。
默认宽容：不在意 dtype 细节（int/float、object/str/category），不在意行顺序，
除非题目要求（``ordered=True``）。数值用 ``rtol``/``atol`` 比较。
偏差只按档位描述（“相差 1%–10%，偏大”），不给精确的相对误差，以免反推出答案。
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from coursekit.exercises.plain import AxesSummary, BigInt, Other


@dataclass
class Verdict:
    """一次比较的结论：是否正确、哪里不对、提示。"""

    ok: bool
    problems: list[str] = field(default_factory=list)
    hint: str = ""
    state: str = "wrong"  # correct / wrong / unanswered / unreadable

    @classmethod
    def correct(cls) -> "Verdict":
        return cls(ok=True, state="correct")


class CompareError(Exception):
    """内部用：答案形态不对，带一条中文说明。"""


# ---------------------------------------------------------------- 通用小工具


def _is_num(v: Any) -> bool:
    return type(v) in (int, float)


def _is_nan(v: Any) -> bool:
    if v is None:
        return True
    if type(v) is float and math.isnan(v):
        return True
    try:
        import pandas as pd

        return v is pd.NaT or v is pd.NA
    except ImportError:  # pragma: no cover
        return False


_PLAIN_TYPE_NAMES: dict[type, str] = {
    bool: "布尔值 (bool)", int: "整数 (int)", float: "小数 (float)", str: "字符串 (str)",
    list: "列表 (list)", tuple: "元组 (tuple)", dict: "字典 (dict)",
}


def type_name(v: Any) -> str:
    """答案类型的中文名，用于“类型不对”的反馈。"""
    import pandas as pd

    if v is None:
        return "None（空值；是不是把 print(...) 或 plt.show() 的返回值赋给了答案？）"
    if v is Ellipsis:
        return "...（尚未作答）"
    if type(v) in _PLAIN_TYPE_NAMES:  # 只认确切的内置类型：子类（如自定义 __eq__ 的 float 子类）不算
        return _PLAIN_TYPE_NAMES[type(v)]
    if isinstance(v, pd.DataFrame):
        return f"DataFrame（{v.shape[0]} 行 × {v.shape[1]} 列）"
    if isinstance(v, pd.Series):
        return f"Series（长度 {len(v)}）"
    if isinstance(v, pd.Index):
        return "Index"
    if isinstance(v, BigInt):
        return f"极大的整数（约 {int(v.digits)} 位）"
    if isinstance(v, AxesSummary):
        return "图表 (Axes)"
    if isinstance(v, Other):
        extra = f"，{v.reason}" if v.reason else ""
        return f"{v.type_name}{extra}"
    return type(v).__name__


def describe_gap(value: float, expected: float) -> str:
    """用档位描述数值偏差（方向 + 大致幅度），不给出期望值本身。"""
    if _is_nan(value):
        return "结果是 NaN（缺失值）"
    if math.isinf(value):
        return "结果是无穷大（除以 0 了？）"
    if expected != 0 and value != 0 and (value > 0) != (expected > 0):
        return "正负号反了"
    direction = "偏大" if value > expected else "偏小"
    if expected == 0:
        return f"{direction}"
    ratio = abs(value / expected)
    for target, label in ((100, "约 100 倍"), (0.01, "约 1/100"), (1000, "约 1000 倍"), (0.001, "约 1/1000")):
        if abs(ratio / target - 1) < 0.02:
            return f"{direction}，差了{label}（百分比和小数、元和千元搞混了？）"
    rel = abs(value - expected) / abs(expected)
    if rel < 0.01:
        band = "相差不到 1%（最常见的原因是筛选条件或时间范围差了一点：订单状态、起止日期是否含当天、是否多算/少算了个别记录；最后才是取整）"
    elif rel < 0.1:
        band = "相差 1%–10%"
    elif rel < 0.5:
        band = "相差 10%–50%"
    else:
        band = "相差超过 50%"
    return f"{direction}，{band}"


def close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    """两个值是否“相等”：数值带容差，NaN 与 NaN 相等，其余按 == 比较。"""
    if _is_nan(a) and _is_nan(b):
        return True
    if _is_nan(a) or _is_nan(b):
        return False
    if _is_num(a) and _is_num(b):
        try:
            return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol)
        except OverflowError:
            return False
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - 读回的值只有内置/pandas 类型，这里只防意外
        return False


def _label(v: Any) -> str:
    text = str(v)
    return repr(text) if isinstance(v, str) else text


def _few(items: list, n: int = 3) -> str:
    shown = "、".join(_label(v) for v in items[:n])
    return shown + (f" 等 {len(items)} 个" if len(items) > n else "")


def _sort_key(v: Any) -> tuple:
    if _is_nan(v):
        return (2, "")
    if _is_num(v) or type(v) is bool:
        return (0, float(v), "")
    return (1, 0.0, str(v))


# ---------------------------------------------------------------- 规则


class Rule:
    """所有规则的基类。"""

    def compare(self, value: Any, expected: Any) -> Verdict:  # pragma: no cover - 抽象
        raise NotImplementedError

    def describe(self) -> str:
        """给出题人看的规则说明。"""
        return type(self).__name__


@dataclass(frozen=True)
class Number(Rule):
    """一个数（int/float），带相对/绝对容差。"""

    rtol: float = 1e-6
    atol: float = 1e-9

    def compare(self, value: Any, expected: Any) -> Verdict:
        import pandas as pd

        if isinstance(value, (pd.Series, pd.DataFrame)) and value.size == 1:
            return Verdict(False, [f"需要一个数，得到的是 {type_name(value)}"], "可以用 .iloc[0] 或 .item() 取出其中的数。")
        if isinstance(value, BigInt):
            return Verdict(False, [f"得到的是{type_name(value)}，远超合理范围"])
        if not _is_num(value):
            return Verdict(False, [f"需要一个数，得到的是 {type_name(value)}"])
        if close(value, expected, self.rtol, self.atol):
            return Verdict.correct()
        return Verdict(False, [f"数值不对：{describe_gap(float(value), float(expected))}"])


@dataclass(frozen=True)
class Label(Rule):
    """一个标签/字符串（如类目名），忽略首尾空格。"""

    casefold: bool = True

    def compare(self, value: Any, expected: Any) -> Verdict:
        if type(value) is not str:
            return Verdict(False, [f"需要一个字符串，得到的是 {type_name(value)}"])
        a, b = value.strip(), str(expected).strip()
        if self.casefold:
            a, b = a.casefold(), b.casefold()
        if a == b:
            return Verdict.correct()
        return Verdict(False, ["答案不对（注意与数据里的写法完全一致）"])


def _series_like(value: Any, what: str = "Series") -> Any:
    import pandas as pd

    if isinstance(value, pd.Series):
        return value
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        raise CompareError(f"需要 {what}，得到的是只有一列的 DataFrame（可以用 df['列名'] 或 .squeeze() 取出这一列）")
    raise CompareError(f"需要 pandas {what}，得到的是 {type_name(value)}")


def _compare_aligned(
    got: list, exp: list, labels: list, rtol: float, atol: float, where: str
) -> list[str]:
    """逐个比较对齐后的值，返回问题描述。"""
    bad = [i for i, (a, b) in enumerate(zip(got, exp)) if not close(a, b, rtol, atol)]
    if not bad:
        return []
    i = bad[0]
    a, b = got[i], exp[i]
    if _is_nan(b) and not _is_nan(a):
        detail = "这里应为缺失值 (NaN)：这一格本来就没有数据（例如还没到的时期），不要填 0 或别的数"
    elif _is_num(a) and _is_num(b):
        detail = describe_gap(float(a), float(b))
    elif _is_nan(a):
        detail = "是缺失值 (NaN)"
    elif type(a) is not type(b) and not (_is_num(a) and _is_num(b)):
        detail = f"类型不对（{type_name(a)}）"
    else:
        detail = "值不对"
    return [f"{where}有 {len(bad)} 个值不对，例如 {_label(labels[i])}：{detail}"]


@dataclass(frozen=True)
class SeriesRule(Rule):
    """一个 Series：按索引标签对齐比较；``ordered=True`` 时还要求顺序一致。"""

    rtol: float = 1e-6
    atol: float = 1e-9
    ordered: bool = False
    order_hint: str = ""

    def compare(self, value: Any, expected: Any) -> Verdict:
        try:
            s = _series_like(value)
        except CompareError as exc:
            return Verdict(False, [str(exc)])
        e = expected
        problems: list[str] = []
        got_labels, exp_labels = list(s.index), list(e.index)
        if len(set(map(_hashable, got_labels))) != len(got_labels):
            problems.append("索引里有重复的标签（是不是忘了 groupby 之后聚合？）")
        if len(s) != len(e):
            problems.append(f"长度为 {len(s)}，应为 {len(e)}")
        got_set = {_hashable(x) for x in got_labels}
        exp_set = {_hashable(x) for x in exp_labels}
        missing = [x for x in exp_labels if _hashable(x) not in got_set]
        extra = [x for x in got_labels if _hashable(x) not in exp_set]
        if missing:
            problems.append(f"缺少索引标签：{_few(missing)}")
        if extra:
            problems.append(f"多出索引标签：{_few(extra)}")
        if problems:
            return Verdict(False, problems, "检查分组的键是否正确、是否过滤掉了不该要的记录。")
        if s.isna().any() and not e.isna().any():
            problems.append("结果里有缺失值 (NaN)")
        pos = {_hashable(x): i for i, x in enumerate(got_labels)}
        got_vals = [s.iloc[pos[_hashable(x)]] for x in exp_labels]
        problems += _compare_aligned(_py(got_vals), _py(list(e)), exp_labels, self.rtol, self.atol, "")
        if problems:
            return Verdict(False, problems)
        if self.ordered and [_hashable(x) for x in got_labels] != [_hashable(x) for x in exp_labels]:
            return Verdict(False, ["数值都对，但顺序不对"], self.order_hint or "看清题目要求的排序方式。")
        return Verdict.correct()


def _hashable(x: Any) -> Any:
    try:
        hash(x)
        return x
    except TypeError:
        return repr(x)


def _py(values: list) -> list:
    """把 numpy 标量转成 Python 标量，便于 ``close`` 比较。"""
    out = []
    for v in values:
        item = getattr(v, "item", None)
        if item is not None and type(v).__module__ == "numpy":
            v = item()
        out.append(v)
    return out


def _normalise_frame(df: Any) -> Any:
    """命名的索引层变成普通列，未命名的索引丢弃（学生用 groupby 后是否 reset_index 都算对）。"""
    import pandas as pd

    df = df.copy()
    names = list(df.index.names)
    named = [n for n in names if n is not None]
    if named:
        df = df.reset_index(level=[i for i, n in enumerate(names) if n is not None])
    df = df.reset_index(drop=True)
    df.columns = [str(c) if not isinstance(c, tuple) else "_".join(map(str, c)) for c in df.columns]
    return df


@dataclass(frozen=True)
class FrameRule(Rule):
    """一个 DataFrame：列名集合、行数、逐列数值（不看行顺序，除非 ``ordered``）。"""

    rtol: float = 1e-6
    atol: float = 1e-9
    ordered: bool = False
    allow_extra_columns: bool = False
    order_hint: str = ""

    def compare(self, value: Any, expected: Any) -> Verdict:
        import pandas as pd

        if isinstance(value, pd.Series):
            return Verdict(False, [f"需要 DataFrame，得到的是 {type_name(value)}"], "可以用 .reset_index() 或 .to_frame() 把 Series 变成 DataFrame。")
        if not isinstance(value, pd.DataFrame):
            return Verdict(False, [f"需要 DataFrame，得到的是 {type_name(value)}"])
        got, exp = _normalise_frame(value), _normalise_frame(expected)
        problems: list[str] = []
        if len(set(got.columns)) != len(got.columns):
            problems.append("有重复的列名")
        missing = [c for c in exp.columns if c not in set(got.columns)]
        extra = [c for c in got.columns if c not in set(exp.columns)]
        if missing:
            problems.append(f"缺少列：{_few(missing, 5)}")
        if extra and not self.allow_extra_columns:
            problems.append(f"多出列：{_few(extra, 5)}")
        if len(got) != len(exp):
            problems.append(f"行数为 {len(got)}，应为 {len(exp)}")
        if problems:
            return Verdict(False, problems, "先对照题目检查列名和筛选条件。")
        cols = list(exp.columns)
        got, exp = got[cols], exp[cols]
        rows_got = [_py(list(r)) for r in got.itertuples(index=False, name=None)]
        rows_exp = [_py(list(r)) for r in exp.itertuples(index=False, name=None)]
        if self.ordered:
            problems = self._compare_rows(rows_got, rows_exp, cols)
            if problems and not self._compare_rows(_sorted(rows_got), _sorted(rows_exp), cols):
                return Verdict(False, ["数值都对，但行的顺序不对"], self.order_hint or "看清题目要求的排序方式。")
        else:
            problems = self._compare_rows(_sorted(rows_got), _sorted(rows_exp), cols)
        if problems:
            return Verdict(False, problems)
        return Verdict.correct()

    def _compare_rows(self, got: list[list], exp: list[list], cols: list[str]) -> list[str]:
        problems: list[str] = []
        for j, col in enumerate(cols):
            g = [r[j] for r in got]
            e = [r[j] for r in exp]
            if any(_is_nan(v) for v in g) and not any(_is_nan(v) for v in e):
                problems.append(f"列 {col!r} 里有缺失值 (NaN)")
                continue
            labels = [f"第 {i + 1} 行" for i in range(len(e))]
            problems += _compare_aligned(g, e, labels, self.rtol, self.atol, f"列 {col!r} ")
        return problems


def _sorted(rows: list[list]) -> list[list]:
    return sorted(rows, key=lambda r: tuple(_sort_key(v) for v in r))


@dataclass(frozen=True)
class PlotRule(Rule):
    """一张图：标题/坐标轴标签非空，图形种类，柱子个数与高度（默认不看顺序）。"""

    kind: str = "bar"  # bar / line / any
    need_title: bool = True
    need_xlabel: bool = True
    need_ylabel: bool = True
    check_values: bool = True
    rtol: float = 1e-6
    atol: float = 1e-9
    ordered: bool = False

    def compare(self, value: Any, expected: Any) -> Verdict:
        if not isinstance(value, AxesSummary):
            return Verdict(
                False,
                [f"需要图表对象 (matplotlib Axes)，得到的是 {type_name(value)}"],
                "例如 ax = s.plot.bar(...) 或 fig, ax = plt.subplots()，然后把 ax 赋给答案变量。",
            )
        problems: list[str] = []
        if self.need_title and not (value.get("title") or value.get("suptitle")):
            problems.append("图没有标题（用 ax.set_title(...) 加一个中文标题）")
        if self.need_xlabel and not value.get("xlabel"):
            problems.append("横轴没有标签（ax.set_xlabel(...)）")
        if self.need_ylabel and not value.get("ylabel"):
            problems.append("纵轴没有标签（ax.set_ylabel(...)）")
        if self.kind == "bar":
            problems += self._bars(value, expected)
        elif self.kind == "line":
            problems += self._lines(value, expected)
        if problems:
            return Verdict(False, problems)
        return Verdict.correct()

    def _bars(self, value: AxesSummary, expected: AxesSummary) -> list[str]:
        got = [v for c in value.get("bars", []) for v in c["values"]]
        exp = [v for c in expected.get("bars", []) for v in c["values"]]
        if not got:
            return ["图里没有柱子（题目要求柱状图，用 .plot.bar() / .plot.barh() / ax.bar()）"]
        if len(got) != len(exp):
            return [f"柱子有 {len(got)} 根，应为 {len(exp)} 根"]
        if not self.check_values:
            return []
        g, e = (got, exp) if self.ordered else (sorted(got), sorted(exp))
        labels = [f"第 {i + 1} 根柱子" if self.ordered else f"从低到高第 {i + 1} 根柱子" for i in range(len(e))]
        return _compare_aligned(g, e, labels, self.rtol, self.atol, "柱子高度")

    def _lines(self, value: AxesSummary, expected: AxesSummary) -> list[str]:
        got, exp = value.get("lines", []), expected.get("lines", [])
        if not got:
            return ["图里没有折线（题目要求折线图，用 .plot() / ax.plot()）"]
        if len(got) != len(exp):
            return [f"折线有 {len(got)} 条，应为 {len(exp)} 条"]
        for i, (g, e) in enumerate(zip(got, exp)):
            if len(g) != len(e):
                return [f"第 {i + 1} 条折线有 {len(g)} 个点，应为 {len(e)} 个"]
            if self.check_values:
                labels = [f"第 {k + 1} 个点" for k in range(len(e))]
                probs = _compare_aligned(g, e, labels, self.rtol, self.atol, f"第 {i + 1} 条折线")
                if probs:
                    return probs
        return []


def judge(rule: Rule | None, value: Any, expected: Any, hint: str = "") -> Verdict:
    """统一入口：处理未作答、无法读取，再交给规则比较；任何意外都变成“无法判定”而不是异常。"""
    if value is Ellipsis:
        return Verdict(False, ["还没有作答（答案仍是 ...）"], state="unanswered")
    if isinstance(value, Other) and value.reason:
        return Verdict(False, [f"答案无法读取：{value.reason}"], state="unreadable")
    if rule is None:
        return Verdict(False, ["这是开放题，不做自动检查"], state="open")
    try:
        verdict = rule.compare(value, expected)
    except RecursionError:
        verdict = Verdict(False, ["答案结构太复杂，无法比较"], state="unreadable")
    except Exception as exc:  # noqa: BLE001 - 读回的值是纯数据，这里兜底防止判分中断
        verdict = Verdict(False, [f"答案无法与标准比较（{type(exc).__name__}）；请检查答案的类型和形状"], state="unreadable")
    if not verdict.ok and not verdict.hint:
        verdict.hint = hint
    return verdict
