"""禾木优选的促销日历：全课程只有这一份（生成器也从这里读日期）。

“大促”在本课程里指三个节点：618、双十一（两者为一级大促）和双十二（二级大促）。每个节点有一个
**活动窗口**（预热、正式开售到返场）和一个**峰值日**。章节里凡是说“大促期间 / 大促日 / 平常日”，
都按 :func:`promo_calendar` 的窗口划分，不再各自写日期。春节单独列出（下单少、物流慢），它不是促销。
"""

from __future__ import annotations

import pandas as pd

# (节点, 级别, 窗口开始月-日, 窗口结束月-日, 峰值日月-日)；2023、2024 两年相同
_PROMOS: tuple[tuple[str, str, str, str, str], ...] = (
    ("618", "一级", "05-31", "06-20", "06-18"),
    ("双十一", "一级", "10-31", "11-13", "11-11"),
    ("双十二", "二级", "12-10", "12-13", "12-12"),
)
_YEARS = (2023, 2024)
SPRING_FESTIVAL: tuple[tuple[str, str], ...] = (("2023-01-18", "2023-01-28"), ("2024-02-06", "2024-02-17"))


def promo_calendar() -> pd.DataFrame:
    """返回促销日历：每年每个大促一行。

    列：``name``（618 / 双十一 / 双十二）、``level``（一级 / 二级）、``year``、
    ``start`` 与 ``end``（活动窗口，两端都含）、``peak_date``（峰值日）。

    >>> cal = promo_calendar()
    >>> cal.loc[cal["year"] == 2024, "name"].tolist()
    ['618', '双十一', '双十二']
    >>> str(cal.loc[cal["name"] == "双十一", "peak_date"].iloc[0].date())
    '2023-11-11'
    """
    rows = [
        {
            "name": name,
            "level": level,
            "year": year,
            "start": pd.Timestamp(f"{year}-{start}"),
            "end": pd.Timestamp(f"{year}-{end}"),
            "peak_date": pd.Timestamp(f"{year}-{peak}"),
        }
        for year in _YEARS
        for name, level, start, end, peak in _PROMOS
    ]
    return pd.DataFrame(rows).sort_values("start", kind="stable").reset_index(drop=True)


def promo_period(dates: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """给每个日期（或时间戳）标上所属大促的名字；不在任何大促窗口内的标为“平常日”。

    >>> promo_period(pd.Series(pd.to_datetime(["2024-11-11 20:30", "2024-11-20 09:00", "2023-06-01 12:00"]))).tolist()
    ['双十一', '平常日', '618']
    """
    if not isinstance(dates, (pd.Series, pd.DatetimeIndex)):
        raise ValueError("promo_period 需要一列日期（pandas Series 或 DatetimeIndex）")
    s = pd.Series(dates)
    try:
        day = pd.to_datetime(s).dt.normalize()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"promo_period：这一列不能转成日期（{exc}）") from exc
    out = pd.Series("平常日", index=s.index, dtype=object)
    for r in promo_calendar().itertuples():
        out[(day >= r.start) & (day <= r.end)] = r.name
    return out


__all__ = ["SPRING_FESTIVAL", "promo_calendar", "promo_period"]
