"""“上帝视角”的答案函数：只有模拟世界才知道的反事实（学生用来检验自己的决策）。"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

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


__all__ = ["ad_budget"]
