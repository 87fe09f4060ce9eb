"""模拟世界的“神谕”（oracle）：用世界的真实潜在结果回答“如果这样做会怎样”。

只读答案表，不重新模拟；真实业务里没有这种东西，只用来给策略打分。
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


# ---- 优惠券定向（故事 9 / 15b）----
def coupon_targeting(
    customer_ids: Iterable[int], coupon: str = "A2", scale: str = "small", *, root: str | Path | None = None
) -> dict:
    """给这批客户发某个券面臂（A1–A7）的券，真实会多出多少订单与毛利（券面实验窗口 14 天）。

    用 truth_coupon_ab_potential 里每位入组客户在“不发券 / 发这张券”下的潜在结果相减，
    所以是这一次世界里精确的增量，不是估计。客户须是券面实验的入组客户。

    示例::

        >>> from helpers.data.oracle import coupon_targeting
        >>> r = coupon_targeting([], coupon="A2", scale="tiny")  # doctest: +SKIP
        >>> r["n"]  # doctest: +SKIP
        0
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
