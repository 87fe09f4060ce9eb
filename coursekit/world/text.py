"""评价文本：按“方面 × 情感”的短语模板拼出中文评论，并给出配套的情感词典与方面关键词。

五个方面：物流 质量 客服 包装 价格。每条评论由 0–1 句开场、1–3 个方面短语和 0–1 句收尾组成。
所有短语都是本课程自己写的。第 6 章可以直接用 ``POSITIVE_WORDS`` / ``NEGATIVE_WORDS`` /
``ASPECT_KEYWORDS``（也可以自己扩充），用 jieba 分词后计数即可还原“评分越低、负面词越多”。
"""

from __future__ import annotations

import numpy as np

ADVERBS = ["非常", "特别", "超级", "很", "挺", "相当", "真的"]

PHRASES: dict[str, dict[str, list[str]]] = {
    "物流": {
        "pos": [
            "物流{adv}快，{n}天就到了",
            "快递小哥{adv}负责，还送货上门",
            "发货速度{adv}快",
            "隔天就送到了，物流给力",
            "配送{adv}及时，点赞",
            "下单当天就发货了，快递也快",
        ],
        "neg": [
            "物流{adv}慢，等了{n}天才到",
            "快递太慢了，比承诺的晚了好几天",
            "发货拖拖拉拉，催了好几次",
            "物流信息一直不更新，{adv}着急",
            "送货延迟，差点耽误使用",
            "快递慢得离谱，大促也不能这么慢",
        ],
    },
    "质量": {
        "pos": [
            "{item}质量{adv}好，做工精细",
            "用料扎实，{item}手感不错",
            "品质{adv}好，和描述一致",
            "{item}质量没得说，值得推荐",
            "做工精致，看得出是用心做的",
            "质量{adv}稳定，回购好几次了",
        ],
        "neg": [
            "{item}质量{adv}差，用了两天就坏了",
            "做工粗糙，有明显瑕疵",
            "和描述不符，质量{adv}失望",
            "质量一般般，感觉像次品",
            "{item}有股异味，质量堪忧",
            "做工{adv}差，线头到处都是",
        ],
    },
    "客服": {
        "pos": [
            "客服{adv}耐心，回复很快",
            "有问题找客服，马上就解决了",
            "客服态度{adv}好",
            "售后服务到位，点赞",
            "客服小姐姐{adv}热情，解答清楚",
        ],
        "neg": [
            "客服半天不回复，态度{adv}差",
            "找客服问问题一直没人理",
            "售后推来推去，{adv}失望",
            "客服敷衍了事，问题没解决",
            "联系客服等了好久，{adv}糟糕",
        ],
    },
    "包装": {
        "pos": ["包装{adv}用心，完好无损", "包装严实，送人也体面", "包装精美，{adv}有档次", "包装干净整洁，{adv}满意"],
        "neg": [
            "包装{adv}简陋，盒子都压扁了",
            "收到时外包装破损",
            "包装太随便，东西都漏出来了",
            "盒子被压坏了，包装{adv}差",
        ],
    },
    "价格": {
        "pos": ["价格实惠，性价比{adv}高", "活动价买的，{adv}划算", "这个价格买到{adv}值", "用券之后价格{adv}便宜"],
        "neg": ["价格偏贵，性价比不高", "刚买完就降价了，{adv}不爽", "价格虚高，不值这个钱", "价格比别家贵，{adv}坑"],
    },
}
OPENERS = {
    "pos": ["{adv}满意", "{adv}喜欢", "好评", "第二次买了", "东西收到了，{adv}好"],
    "neu": ["还行吧", "一般般", "中规中矩", "凑合能用", "东西收到了"],
    "neg": ["{adv}失望", "差评", "不会再买了", "{adv}后悔", "体验{adv}糟糕"],
}
CLOSERS = {
    "pos": ["推荐购买", "会回购的", "下次还来", "值得入手"],
    "neu": ["再观察看看", "就这样吧", "看后续使用"],
    "neg": ["已申请退货", "劝大家别买", "再也不来了", "差评"],
}

# 情感词典（与上面的短语对应；jieba 分词后逐词计数即可）
POSITIVE_WORDS = sorted(
    {
        "满意",
        "喜欢",
        "好评",
        "推荐",
        "回购",
        "很快",
        "快",
        "给力",
        "及时",
        "点赞",
        "负责",
        "精细",
        "扎实",
        "不错",
        "精致",
        "稳定",
        "用心",
        "耐心",
        "解决",
        "到位",
        "热情",
        "清楚",
        "完好无损",
        "严实",
        "体面",
        "精美",
        "档次",
        "干净",
        "整洁",
        "实惠",
        "划算",
        "便宜",
        "值得",
        "好",
        "入手",
        "上门",
    }
)
NEGATIVE_WORDS = sorted(
    {
        "慢",
        "太慢",
        "拖拖拉拉",
        "着急",
        "延迟",
        "耽误",
        "离谱",
        "差",
        "坏",
        "粗糙",
        "瑕疵",
        "失望",
        "不符",
        "次品",
        "异味",
        "堪忧",
        "线头",
        "不回复",
        "没人理",
        "推来推去",
        "敷衍",
        "糟糕",
        "简陋",
        "压扁",
        "破损",
        "随便",
        "漏",
        "压坏",
        "偏贵",
        "降价",
        "不爽",
        "虚高",
        "不值",
        "贵",
        "坑",
        "差评",
        "后悔",
        "退货",
        "别买",
        "一般般",
        "凑合",
    }
)
ASPECT_KEYWORDS: dict[str, list[str]] = {
    "物流": ["物流", "快递", "发货", "配送", "送货", "送到"],
    "质量": ["质量", "做工", "品质", "用料", "瑕疵", "次品"],
    "客服": ["客服", "售后"],
    "包装": ["包装", "盒子"],
    "价格": ["价格", "性价比", "划算", "降价", "便宜"],
}


def _fill(template: str, rng: np.random.Generator, item: str) -> str:
    """填充模板里的 {adv}/{n}/{item}。"""
    return template.format(adv=ADVERBS[rng.integers(len(ADVERBS))], n=int(rng.integers(2, 9)), item=item)


def _pick(options: list[str], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]


def compose_review(
    rng: np.random.Generator, rating: int, item: str, neg_aspects: list[str], pos_aspects: list[str]
) -> str:
    """拼一条评论：开场（可选）+ 方面短语 + 收尾（可选）。"""
    mood = "pos" if rating >= 4 else ("neg" if rating <= 2 else "neu")
    parts: list[str] = []
    if rng.random() < 0.55:
        parts.append(_fill(_pick(OPENERS[mood], rng), rng, item))
    aspect_parts = [_fill(_pick(PHRASES[a]["neg"], rng), rng, item) for a in neg_aspects]
    aspect_parts += [_fill(_pick(PHRASES[a]["pos"], rng), rng, item) for a in pos_aspects]
    if rating == 3 and len(aspect_parts) == 2 and rng.random() < 0.5:
        aspect_parts = [aspect_parts[1], "但是" + aspect_parts[0]]
    parts.extend(aspect_parts)
    if rng.random() < 0.35:
        parts.append(_fill(_pick(CLOSERS[mood], rng), rng, item))
    end = "！" if mood == "pos" and rng.random() < 0.3 else "。"
    return "，".join(parts) + end
