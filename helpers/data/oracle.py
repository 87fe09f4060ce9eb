"""库存策略模拟器（oracle）：拿世界真实的 2024 年需求，试一试别的补货参数会怎样。

它不读发布的文件，而是在本机重跑生成器的库存模拟（同一批订单、同一个随机数流），
所以第一次调用要先构建一次世界（small 约几秒），之后同一进程里每次约 1 秒。
"""

from __future__ import annotations

import math

from helpers.data.schema import DEFAULT_SEED


def inventory_policy(
    service_z: float = 1.65, cover_days: float = 14, *, scale: str = "small", seed: int = DEFAULT_SEED
) -> dict[str, float]:
    """评估一个“每周盘点 + 再订货点”补货策略在 2024 年的表现。

    参数：``service_z`` 安全系数（越大安全库存越多），``cover_days`` 补货时多备几天的需求。
    默认值就是世界自己的策略，此时结果与发布的 inventory 表 2024 年完全一致。
    返回 dict：stockout_days（缺货的 商品×仓库×日 数）、unmet_units（未满足件数）、
    holding_cost（持有成本，元：每日期末库存 × 成本 × 25% / 365 之和），以及所用参数。

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


__all__ = ["inventory_policy"]
