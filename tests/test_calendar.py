"""唯一一份促销日历：helpers.data.promo_calendar() 与生成器的日历效应一致。"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.world import calendar
from coursekit.world.config import DAYS
from helpers.data import promo_calendar, promo_period
from helpers.data.calendar import SPRING_FESTIVAL


def _in_windows(rows) -> np.ndarray:
    inside = np.zeros(len(DAYS), dtype=bool)
    for start, end in rows:
        inside |= np.asarray((DAYS >= pd.Timestamp(start)) & (DAYS <= pd.Timestamp(end)))
    return inside


def test_generator_promo_days_are_exactly_the_calendar_windows():
    """生成器里倍数不是 1 的日子 = 日历里的大促窗口 ∪ 春节，一天不多、一天不少。"""
    cal = promo_calendar()
    promo = _in_windows(zip(cal["start"], cal["end"], strict=True))
    spring = _in_windows(SPRING_FESTIVAL)
    assert not (promo & spring).any()
    m = calendar.promo_multiplier(DAYS)
    assert ((m != 1.0) == (promo | spring)).all()
    peaks = {d.strftime("%Y-%m-%d") for d in cal["peak_date"]}
    assert set(calendar.PROMO_PEAKS) == peaks
    for r in cal.itertuples():  # 峰值日是各自窗口里倍数最高的一天
        window = np.asarray((DAYS >= r.start) & (DAYS <= r.end))
        assert m[DAYS.get_loc(r.peak_date)] == m[window].max() > 1.0


def test_calendar_shape_and_period_labels():
    cal = promo_calendar()
    assert list(cal.columns) == ["name", "level", "year", "start", "end", "peak_date"]
    assert len(cal) == 6 and (cal["start"] <= cal["peak_date"]).all() and (cal["peak_date"] <= cal["end"]).all()
    s = pd.Series(pd.to_datetime(["2024-06-18 23:59", "2024-10-30 00:00", "2024-12-13 08:00"]))
    assert promo_period(s).tolist() == ["618", "平常日", "双十二"]
    assert promo_period(pd.DatetimeIndex(["2023-11-11"])).tolist() == ["双十一"]


def test_promo_period_rejects_bad_input():
    with pytest.raises(ValueError, match="Series"):
        promo_period(["2024-11-11"])
    with pytest.raises(ValueError, match="日期"):
        promo_period(pd.Series(["不是日期"]))
