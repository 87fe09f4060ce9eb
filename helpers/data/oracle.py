"""模拟世界的“神谕”（oracle）：用世界的真实过程回答“如果这样做会怎样”。

真实业务里没有这种东西：它只用来给学生的策略打分（和世界自己的策略比）。
有的只读答案表（券面定向），有的在本机重跑生成器的一段模拟（库存策略，第一次调用要先构建一次世界，
small 约几秒，之后同一进程里每次不到 1 秒）。生成器只在函数内部导入，``import helpers`` 不会加载它。
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from helpers.data.schema import DEFAULT_SEED


# ---- 库存策略（故事 15a）----
def inventory_policy(
    service_z: float = 1.65, cover_days: float = 14, *, scale: str = "small", seed: int = DEFAULT_SEED
) -> dict[str, float]:
    """评估一个“每周盘点 + 再订货点”补货策略在 2024 年的表现。

    参数：``service_z`` 安全系数（越大安全库存越多），``cover_days`` 补货时多备几天的需求。
    默认值就是世界自己的策略，此时结果与发布的 inventory 表 2024 年完全一致。
    返回 dict：stockout_days（缺货的 商品×仓库×日 数）、unmet_units（未满足件数）、
    holding_cost（持有成本，元：每日期末库存 × 成本 × 25% / 365 之和）、purchase_cost（2024 年下单的采购额）、
    transport_cost（2024 年出库、未取消订单的运费）、total_cost（三项之和），以及所用参数。
    口径与 ``truth()["supply_costs"]`` 相同；植入的供应中断（福建停工）也在这个“真实过程”里。

    示例::

        >>> inventory_policy(service_z=-1)
        Traceback (most recent call last):
        ...
        ValueError: service_z 必须是 0 到 5 之间的数（service_z must be in [0, 5]），收到 -1
    """
    for name, value, hi in (("service_z", service_z, 5.0), ("cover_days", cover_days, 90.0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} 必须是数（{name} must be a number），收到 {value!r}")
        if not 0 <= value <= hi:
            raise ValueError(f"{name} 必须是 0 到 {hi:g} 之间的数（{name} must be in [0, {hi:g}]），收到 {value!r}")
    from coursekit.world.supply_policy import evaluate_policy

    return evaluate_policy(scale, seed, service_z, cover_days)


# ---- 优惠券定向（故事 9 / 15b）----
def coupon_targeting(
    customer_ids: Iterable[int], coupon: str = "A2", scale: str = "small", *, root: str | Path | None = None
) -> dict:
    """给这批客户发某个券面臂（A1–A7）的券，真实会多出多少订单与毛利（券面实验窗口 14 天）。

    用 truth_coupon_ab_potential 里每位入组客户在“不发券 / 发这张券”下的潜在结果相减，
    所以是这一次世界里精确的增量，不是估计。客户须是券面实验的入组客户。

    示例::

        >>> r = coupon_targeting([], coupon="A2")
        >>> r["n"], r["incremental_orders"]
        (0, 0)
        >>> coupon_targeting([1], coupon="B9")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: coupon 须是券面实验的臂之一 [...]，收到 'B9'
    """
    import numpy as np
    import pandas as pd

    from helpers.data import truth_table

    pot = truth_table("coupon_ab_potential", scale=scale, root=root).set_index("customer_id")
    arms = sorted(c[len("conv_") :] for c in pot.columns if c.startswith("conv_A"))
    if coupon not in arms:
        raise ValueError(f"coupon 须是券面实验的臂之一 {arms}，收到 {coupon!r}")
    ids = pd.Index(np.asarray(list(customer_ids), dtype=np.int64))
    missing = ids.difference(pot.index)
    if len(missing):
        raise ValueError(f"customer_ids 中有 {len(missing)} 位不是券面实验的入组客户，例如 {int(missing[0])}")
    sub = pot.loc[ids]
    granted = int(sub[f"conv_{coupon}"].sum())
    base = int(sub["conv_对照"].sum())
    return {
        "coupon": coupon,
        "n": int(len(ids)),
        "orders_if_granted": granted,
        "orders_if_not": base,
        "incremental_orders": granted - base,
        "incremental_revenue": round(float((sub[f"revenue_{coupon}"] - sub["revenue_对照"]).sum()), 2),
        "incremental_margin": round(float((sub[f"margin_{coupon}"] - sub["margin_对照"]).sum()), 2),
    }


# ---- 挽回定向（故事 13 / 15，第 9.3.2、10.4 节）----
def winback_targeting(customer_ids: Iterable[int], scale: str = "small", *, root: str | Path | None = None) -> dict:
    """给这批客户发挽回专享券（2024-08-01，30 天窗口），真实会多出多少订单与毛利（期望值）。

    用答案表 truth_winback_uplift 里每位入组客户的 p0（不发）、p1（发）相减求和，所以是这个世界里
    精确的期望增量，不是估计。客户须是挽回实验的入组客户（winback_grants 里的 customer_id，两组都可以）。
    同时给出两个基准：``all``（世界自己的做法：给全部入组客户发）和 ``best``（同样人数下按真实个体效应
    挑人的上限），以及 ``random``（同样人数随机挑的期望）和 ``share_of_best``（你的增量订单 / 上限）。
    毛利 = 30% × 订单原价 × 增量概率 − 券成本（用券的期望）− 每条 0.05 元短信。

    示例::

        >>> r = winback_targeting([])
        >>> r["n"], r["incremental_orders"]
        (0, 0.0)
        >>> winback_targeting([1, 1])
        Traceback (most recent call last):
        ...
        ValueError: customer_ids 里有重复的客户（同一人只能发一次），例如 1
        >>> winback_targeting("123")
        Traceback (most recent call last):
        ...
        ValueError: customer_ids 须是客户编号（整数）的列表或数组，收到 str
    """
    import numpy as np
    import pandas as pd

    from helpers.data import truth_table

    if isinstance(customer_ids, (str, bytes, Mapping)) or not isinstance(customer_ids, Iterable):
        raise ValueError(f"customer_ids 须是客户编号（整数）的列表或数组，收到 {type(customer_ids).__name__}")
    raw = np.asarray(list(customer_ids))
    if len(raw) and not (np.issubdtype(raw.dtype, np.integer) and raw.ndim == 1):
        raise ValueError(f"customer_ids 须是客户编号（整数）的一维列表或数组，收到元素类型 {raw.dtype}")
    ids = pd.Index(raw.astype(np.int64))
    if ids.has_duplicates:
        raise ValueError(f"customer_ids 里有重复的客户（同一人只能发一次），例如 {int(ids[ids.duplicated()][0])}")
    up = truth_table("winback_uplift", scale=scale, root=root).set_index("customer_id")
    missing = ids.difference(up.index)
    if len(missing):
        raise ValueError(f"customer_ids 中有 {len(missing)} 位不是挽回实验的入组客户，例如 {int(missing[0])}")
    k = len(ids)
    sub = up.loc[ids]
    best = up.sort_values("tau", ascending=False, kind="stable").head(k)

    def _sums(d: pd.DataFrame) -> dict:
        return {
            "n": int(len(d)),
            "incremental_orders": round(float(d["tau"].sum()), 2),
            "incremental_margin": round(float(d["inc_margin"].sum()), 2),
        }

    out = _sums(sub)
    out["orders_if_sent"] = round(float(sub["p1"].sum()), 2)
    out["orders_if_not"] = round(float(sub["p0"].sum()), 2)
    out["all"] = _sums(up)
    out["best"] = _sums(best)
    out["random"] = {
        "n": k,
        "incremental_orders": round(float(up["tau"].mean() * k), 2),
        "incremental_margin": round(float(up["inc_margin"].mean() * k), 2),
    }
    b = out["best"]["incremental_orders"]
    out["share_of_best"] = round(out["incremental_orders"] / b, 4) if b > 0 else float("nan")
    return out


# ---- 广告预算（第 8.3 节，journeys）------------------------------------------------


def ad_budget(spend_by_channel: Mapping[str, float], scale: str = "small") -> pd.Series:
    """按一套 2024 年全年渠道预算（元），返回各渠道的真实新增转化数（期望值）。

    未列出的渠道视为 0 元。曲线参数来自 ``truth(scale)["journeys"]``；不含留出实验的损失。

    示例::

        >>> float(ad_budget({"信息流广告": 0.0}, scale="small").sum())
        0.0
        >>> ad_budget({"电视广告": 1.0})
        Traceback (most recent call last):
        ...
        ValueError: 未知的广告渠道 '电视广告'，可选：搜索广告, 信息流广告, 直播带货, 社交分享, 短信推送
    """
    from coursekit.world.config import AD_CHANNELS
    from coursekit.world.journeys import response_curve

    for ch, s in spend_by_channel.items():
        if ch not in AD_CHANNELS:
            raise ValueError(f"未知的广告渠道 {ch!r}，可选：{', '.join(AD_CHANNELS)}")
        if not float(s) >= 0:
            raise ValueError(f"渠道 {ch!r} 的预算须为非负数，收到 {s!r}")
    if not spend_by_channel:
        return pd.Series(0.0, index=list(AD_CHANNELS), name="incremental_conversions")
    from helpers.data import truth

    curves = truth(scale)["journeys"]["channels"]
    values = [
        response_curve(spend_by_channel.get(ch, 0.0), curves[ch]["curve"]["slope"], curves[ch]["curve"]["saturation"])
        for ch in AD_CHANNELS
    ]
    return pd.Series(values, index=list(AD_CHANNELS), name="incremental_conversions")


__all__ = ["ad_budget", "coupon_targeting", "inventory_policy", "winback_targeting"]
