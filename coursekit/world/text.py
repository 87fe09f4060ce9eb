"""评价文本（world v2）：写得像真实网购评价的中文短评，并给出每条评论的方面标签。

五个方面：物流 质量 客服 包装 价格。每个方面 × 情感有四档说法——``pos``（夸）、``ok``（还行）、
``mild``（小毛病，常带“有点/稍微”）和 ``neg``（差评）——每档十来种句式，里面有同义词、否定
（不太好、并不差、没有想象中好、不是很满意）、程度词（有点、稍微、非常、太…了）。
一条评论由开场（可选，含网络用语：绝绝子、yyds、踩雷、种草、拔草、一言难尽）、1–3 个方面短语
（3 星和带小毛病的 4 星用 但是/不过/就是 连接）、按商品类目写的一句使用体验
（可选，如“穿着一点都不勒”“用完脸上又红又痒”；不算五个方面之一，不进方面标签）、收尾（可选）拼成，再随机加 emoji、重复标点
（！！！）和常见错别字（的/得、在/再、做/作）。另有一部分只写两三个字（好评、还行、差），这类评论
不提方面，方面标签为空。少数评论文字与评分相反（``P_MISMATCH``：手滑打错星、五星只给快递小哥），
方面标签按文字给，review id 在 truth["review_text"]["mismatch"]。

第 6 章不得依赖本模块的任何词表：``POSITIVE_WORDS`` / ``NEGATIVE_WORDS`` / ``ASPECT_KEYWORDS`` /
``SLANG`` / ``TYPOS`` 只供生成器自身（truth 里的文本多样性统计、生成器自检测试）使用；
用它们给本店评论打分等于“用出题人的答案批改”，证明不了方法在真实评论上可用。
情感词典、方面词典要从数据和公开资源里建，并在 tests/data/real_style_reviews.csv 这类
另写的评论上检验。所有短语都是本课程自己写的，没有摘抄任何真实评论或其他项目。

只打分不写字的评论，``review_text`` 为空（None），不写平台默认文案“此用户未填写评价”：
空值的比例是与 Olist 对照的口径（见 shapes），默认文案留给 6.1.1/6.1.2 的采集页面去演示。
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from coursekit.world.catalog import SUBCATEGORIES

STRONG = ["非常", "特别", "超级", "十分", "相当", "真的", "巨", "贼", "超", "真心"]  # 强程度词
MODERATE = ["很", "挺", "蛮", "还挺", "比较", "算是"]  # 一般程度词
MILD = ["有点", "稍微有点", "略微", "有些", "稍稍有点", "多少有点"]  # 轻程度词

# 方面 × 档位 → 句式。{adv}=强/一般程度词，{mild}=轻程度词，{n}=天数，{item}=商品小类
PHRASES: dict[str, dict[str, list[str]]] = {
    "物流": {
        "pos": [
            "物流{adv}快，{n}天就到了",
            "快递小哥{adv}负责，还送货上门",
            "发货速度{adv}快",
            "头天晚上下单第二天就到货了，物流太给力了",
            "配送{adv}及时",
            "下单当天就发货了，快递也快",
            "快递一点也不慢，比预计的还早",
            "物流快得很，{n}天就拿到手了",
            "发货发得很快，点个赞",
            "快递员态度{adv}好，打电话约了时间才送",
            "物流没得挑，全程都能查到",
            "顺丰发货，{adv}放心",
        ],
        "ok": [
            "物流还行，{n}天到",
            "快递速度中规中矩",
            "物流不算快也不算慢",
            "发货速度还可以",
            "快递正常时效，没什么好说的",
            "配送还算准时",
        ],
        "mild": [
            "物流{mild}慢",
            "快递比预计的晚了一天",
            "发货{mild}拖，等了{n}天",
            "物流不是很快",
            "快递没有想象中快",
            "物流信息更新得{mild}慢",
            "送货上门要另外约，{mild}麻烦",
        ],
        "neg": [
            "物流{adv}慢，等了{n}天才到",
            "快递太慢了，比承诺的晚了好几天",
            "发货拖拖拉拉，催了好几次",
            "物流信息一直不更新，{adv}着急",
            "送货延迟，差点耽误使用",
            "快递慢得离谱，大促也不能这么慢",
            "物流太慢了，等到花都谢了",
            "说好48小时发货，结果第{n}天才发货",
            "快递直接扔驿站，电话也不打",
            "物流一点都不靠谱，显示签收了其实没送到",
            "发货慢得要命，问就是在排队",
            "快递不送上门，还得自己跑去拿",
        ],
    },
    "质量": {
        "pos": [
            "{item}质量{adv}好，做工精细",
            "用料扎实，{item}手感不错",
            "品质{adv}好，和描述一致",
            "{item}质量没得说，值得推荐",
            "做工精致，看得出是用心做出来的",
            "质量{adv}稳定，回购好几次了",
            "质量并不差，比实体店的还好",
            "{item}做得很好，细节也到位",
            "材质摸着{adv}舒服，没有异味",
            "质量超出预期，用了一段时间也没问题",
            "做工挑不出毛病",
            "{item}质感{adv}好，拿在手里沉甸甸的",
            "品质在线，一分钱一分货",
        ],
        "ok": [
            "质量还行，能用",
            "{item}质量中规中矩",
            "做工一般般，不算差",
            "质量对得起描述吧",
            "{item}品质还算可以",
            "质量凑合，日常用用够了",
        ],
        "mild": [
            "质量{mild}一般",
            "做工{mild}粗糙，有个小线头",
            "{item}质量没有想象中好",
            "质量不是很好，但也能用",
            "材质{mild}薄，和图片不太一样",
            "做工不太好，边角没处理干净",
            "{item}质量不怎么样，有点小瑕疵",
        ],
        "neg": [
            "{item}质量{adv}差，用了两天就坏了",
            "做工粗糙，有明显瑕疵",
            "和描述不符，质量{adv}失望",
            "质量一般般，感觉像次品",
            "{item}有股异味，质量堪忧",
            "做工{adv}差，线头到处都是",
            "质量太差了，一碰就掉漆",
            "{item}质量真的不行，第一次用就出问题",
            "材质{adv}廉价，跟图片完全两个东西",
            "收到就是坏的，品质管控一塌糊涂",
            "质量不太好，没用几次就裂了",
            "做工差得离谱，明显是残次品",
            "{item}质量很一般，完全不值得",
        ],
    },
    "客服": {
        "pos": [
            "客服{adv}耐心，回复很快",
            "有问题找客服，马上就解决了",
            "客服态度{adv}好",
            "售后服务到位，点赞",
            "客服小姐姐{adv}热情，解答清楚",
            "客服一点也不敷衍，问什么答什么",
            "售后{adv}给力，二话不说就给换了",
            "客服秒回，{adv}专业",
            "咨询客服推荐的尺码刚刚好",
            "售后处理得很快，没有推脱",
        ],
        "ok": [
            "客服回复还算及时",
            "客服态度还可以",
            "售后流程正常",
            "客服问了也能答上来",
            "客服中规中矩",
        ],
        "mild": [
            "客服回复{mild}慢",
            "客服态度不是很热情",
            "问客服要等好一会儿",
            "售后流程{mild}繁琐",
            "客服答非所问，{mild}无语",
            "客服说话没有想象中客气",
        ],
        "neg": [
            "客服半天不回复，态度{adv}差",
            "找客服问问题一直没人理",
            "售后推来推去，{adv}失望",
            "客服敷衍了事，问题没解决",
            "联系客服等了好久，{adv}糟糕",
            "客服只会复制粘贴，一点用都没有",
            "售后态度太差了，还说是我用的不对",
            "客服不理人，申请售后也不处理",
            "客服机器人一样，根本解决不了问题",
            "售后一拖再拖，{adv}气人",
        ],
    },
    "包装": {
        "pos": [
            "包装{adv}用心，完好无损",
            "包装严实，送人也体面",
            "包装精美，{adv}有档次",
            "包装干净整洁，{adv}满意",
            "包装里三层外三层，一点也没磕着",
            "盒子{adv}好看，拆开很有仪式感",
            "包装得很仔细，还有气泡膜",
            "包装没得挑，送礼{adv}合适",
        ],
        "ok": [
            "包装普普通通",
            "包装还行，没有破",
            "包装简单但还算完整",
            "包装中规中矩",
        ],
        "mild": [
            "包装{mild}简陋",
            "盒子{mild}压瘪了，不影响使用",
            "包装不是很严实",
            "包装没有想象中好看",
            "外面的盒子{mild}脏",
        ],
        "neg": [
            "包装{adv}简陋，盒子都压扁了",
            "收到时外包装破损",
            "包装太随便，东西都漏出来了",
            "盒子被压坏了，包装{adv}差",
            "包装就一个塑料袋，{adv}敷衍",
            "包装破了个大洞，东西差点掉出来",
            "盒子烂得不成样子，没法送人",
            "包装太差了，里面的东西都碎了",
        ],
    },
    "价格": {
        "pos": [
            "价格实惠，性价比{adv}高",
            "活动价买的，{adv}划算",
            "这个价格买到{adv}值",
            "用券之后价格{adv}便宜",
            "性价比{adv}高，比超市便宜不少",
            "价格一点也不贵，买得值",
            "赶上大促，价格美丽",
            "这个价钱还要什么自行车",
            "价格很良心，划算",
        ],
        "ok": [
            "价格还算合理",
            "价格不贵不便宜",
            "性价比一般吧",
            "价格正常，没什么优惠",
            "这个价位也就这样",
        ],
        "mild": [
            "价格{mild}小贵",
            "性价比不是很高",
            "价格没有想象中便宜",
            "买完就降价了，{mild}郁闷",
            "价格稍微贵了点",
        ],
        "neg": [
            "价格偏贵，性价比不高",
            "刚买完就降价了，{adv}不爽",
            "价格虚高，不值这个钱",
            "价格比别家贵，{adv}坑",
            "这个价格买这种东西，{adv}不值",
            "先涨价再打折，价格套路太深了",
            "性价比太低了，交智商税了",
            "价钱不便宜，东西却这么差",
        ],
    },
}

# 使用体验：按类目 × 情感写的句子，不提五个方面的关键词（不计入方面标签）
USAGE: dict[str, dict[str, list[str]]] = {
    "服饰": {
        "pos": [
            "上身效果{adv}好，显瘦",
            "穿了一整天也不闷",
            "尺码标准，按平时的码买刚刚好",
            "洗过一次没缩水也没掉色",
            "版型很正，穿出去被同事夸了",
            "面料软软的，贴身穿也不扎",
            "颜色和图片一样，没有色差",
            "穿着{adv}舒服，一点都不勒",
        ],
        "neu": ["尺码偏大一点，能穿", "颜色比图片暗一些", "上身效果一般，不难看", "洗了一次有点皱"],
        "neg": [
            "洗一次就缩水了",
            "掉色掉得厉害，盆里的水都染了",
            "尺码完全不对，穿不进去",
            "穿上一点都不舒服，扎得慌",
            "版型奇怪，穿上像麻袋",
            "起球起得厉害，没法穿出门",
        ],
    },
    "美妆": {
        "pos": [
            "用了一周皮肤{adv}水润",
            "不刺激，敏感肌也没有泛红",
            "味道淡淡的{adv}好闻",
            "吸收快，一点也不油腻",
            "上脸很服帖，不卡粉",
            "效果{adv}明显，已经离不开了",
            "用完头发顺顺的，不毛躁",
        ],
        "neu": ["效果不明显，再用用看", "味道有点重，能接受", "肤感一般，没有惊喜", "不过敏，但也没觉得有什么用"],
        "neg": [
            "用完脸上又红又痒",
            "闷痘，冒了好几颗闭口",
            "味道刺鼻，闻着头晕",
            "黏糊糊的很难推开",
            "一点效果都没有，白花钱",
            "用了就过敏，不敢再用",
        ],
    },
    "食品": {
        "pos": [
            "味道{adv}好，一家人都爱吃",
            "新鲜，日期也是最近的",
            "口感香脆，不会太甜",
            "吃着放心，没有奇怪的添加",
            "孩子一口气吃了好多",
            "冲出来{adv}香，早上来一杯很提神",
            "分量足，够吃好久",
        ],
        "neu": ["味道一般，没有特别惊艳", "有的好吃有的不好吃", "偏甜了点，能吃", "口感普通"],
        "neg": [
            "吃起来有股怪味",
            "一点都不新鲜，都受潮了",
            "日期都快过期了",
            "难吃到吐，全扔了",
            "吃完肚子不舒服",
            "味道和以前买的完全不一样",
        ],
    },
    "家居": {
        "pos": [
            "用起来{adv}顺手",
            "摸着软软的，睡得很踏实",
            "放在家里{adv}好看，提升幸福感",
            "吸水性好，洗了几次也不掉毛",
            "用了一个月，没出过问题",
            "家里人都说好用",
            "安装简单，几分钟就弄好了",
        ],
        "neu": ["能用，没有想象中好用", "颜色有点色差", "用着还行，说不上好", "尺寸比想象的小一点"],
        "neg": [
            "用了没几天就不好使了",
            "有一股很重的味道，散了好几天",
            "一洗就掉毛",
            "尺寸和标的不一样，放不进去",
            "根本不好用，闲置了",
            "用了一次就坏了，白买",
        ],
    },
    "数码": {
        "pos": [
            "用起来很流畅，一点也不卡",
            "续航{adv}给力，一天一充足够",
            "连接稳定，没断过",
            "音质{adv}好，低音很足",
            "手感很好，不沾指纹",
            "充电快，半小时就充满大半",
            "贴合度很高，没有气泡",
        ],
        "neu": ["续航一般，够用", "偶尔会断连，能接受", "功能比较基础", "手感一般，用着还行"],
        "neg": [
            "用着特别卡，反应慢半拍",
            "经常断连，烦死了",
            "充不进电，插了半天没反应",
            "发热严重，烫手",
            "续航虚标，半天就没电了",
            "按键失灵，用了几天就不行了",
        ],
    },
    "母婴": {
        "pos": [
            "宝宝用了{adv}舒服，没有红屁屁",
            "孩子{adv}喜欢，天天抱着玩",
            "温和不刺激，宝宝的皮肤也能用",
            "吸收快，一晚上都干爽",
            "宝宝喝了不上火",
            "边角圆润，孩子玩着放心",
        ],
        "neu": ["宝宝不太感兴趣", "能用，和别的牌子差不多", "孩子玩了两天就不玩了", "还要再观察一下宝宝的反应"],
        "neg": [
            "宝宝用了起红疹",
            "晚上漏了，床单湿了一片",
            "有刺鼻的味道，不敢给孩子用",
            "孩子不爱喝，喝了还吐",
            "边角很锋利，差点划到孩子",
            "零件掉了，孩子差点放嘴里",
        ],
    },
    "运动": {
        "pos": [
            "跑起来脚很轻松，一点都不累",
            "防滑效果{adv}好，出汗也不滑",
            "穿着运动很透气",
            "练了一个月，{adv}好用",
            "分量刚好，握着不磨手",
            "回弹很好，膝盖没有不适",
        ],
        "neu": ["运动的时候还行，没什么特别", "有点滑，要适应一下", "分量比想象的轻", "透气性一般"],
        "neg": [
            "跑两步就磨脚",
            "一出汗就打滑，差点摔了",
            "穿着闷脚，一点也不透气",
            "用了两次就开裂了",
            "味道很冲，放阳台散了好久",
            "分量不足，和标的差很多",
        ],
    },
}

# 开场、收尾与只写几个字的评论；都不提任何方面词
OPENERS = {
    "pos": [
        "{adv}满意",
        "{adv}喜欢",
        "好评",
        "第二次买了",
        "东西收到了，{adv}好",
        "绝绝子",
        "yyds",
        "种草很久了终于入手",
        "闭眼入不会错",
        "宝藏店铺",
        "已经推荐给朋友了",
        "回购无数次了",
        "比想象中好太多了",
        "给家里人买的，都说好",
        "爱了爱了",
        "不得不说{adv}惊喜",
    ],
    "neu": [
        "还行吧",
        "一般般",
        "中规中矩",
        "凑合能用",
        "东西收到了",
        "没有想象中好，也不算差",
        "不好不坏",
        "怎么说呢",
        "一言难尽",
        "马马虎虎",
        "刚用没几天",
    ],
    "neg": [
        "{adv}失望",
        "差评",
        "不会再买了",
        "{adv}后悔",
        "体验{adv}糟糕",
        "踩雷了",
        "一言难尽",
        "避雷",
        "拔草了，再也不种草了",
        "第一次给差评",
        "不是很满意",
        "气死我了",
        "大家千万别买",
        "心累",
    ],
}
CLOSERS = {
    "pos": [
        "推荐购买",
        "会回购的",
        "下次还来",
        "值得入手",
        "五星好评",
        "下次再来",
        "已经安利给闺蜜了",
        "姐妹们冲",
        "买买买",
        "总体{adv}满意",
    ],
    "neu": ["再观察看看", "就这样吧", "看后续使用", "凑合用吧", "不会特意回购", "将就着用"],
    "neg": [
        "已申请退货",
        "劝大家别买",
        "再也不来了",
        "差评",
        "不会再买了",
        "大家避雷",
        "浪费感情",
        "真的心累",
        "不推荐",
        "非常不满意",
    ],
}
SHORT = {
    "pos": ["好评", "好", "不错", "满意", "很好", "五星好评", "推荐", "赞", "挺好的", "非常好", "好评！", "yyds"],
    "neu": ["还行", "一般", "凑合", "还可以", "中规中矩", "就那样", "一般般"],
    "neg": ["差", "差评", "垃圾", "失望", "退了", "别买", "太差了", "不好", "坑"],
}
CONNECT_BUT = ["但是", "不过", "就是", "可惜", "只是"]  # 转折：先夸后批
CONNECT_LUCKY = ["好在", "还好", "不过"]  # 转折：先批后夸
EMOJI = {
    "pos": ["👍", "😊", "❤️", "🥰", "😄", "💯", "👍👍👍"],
    "neu": ["😐", "🤔", "😶"],
    "neg": ["😡", "💔", "😤", "🙄", "😞", "👎", "😡😡"],
}
# 错别字：正确写法 → 常见误写（的/得、在/再、做/作）；只替换第一处
TYPOS = {
    "得很": "的很",
    "做得": "做的",
    "再来": "在来",
    "再买": "在买",
    "再也": "在也",
    "做工": "作工",
    "已经": "以经",
    "在线": "再线",
}
SLANG = ["绝绝子", "yyds", "种草", "拔草", "踩雷", "避雷", "一言难尽", "爱了爱了", "闭眼入", "宝藏", "智商税", "姐妹们冲", "安利"]  # fmt: skip
NEGATION_RE = "不太|不是很|并不|没有想象|不怎么|一点也不|一点都不|不算|不好|不行|不值|不靠谱|不满意|不推荐|不会再"
DEGREE_RE = "|".join(STRONG + MODERATE + ["有点", "稍微", "略微", "有些", "稍稍", "太"])

# 生成概率（设计参数）
P_SHORT = {"pos": 0.16, "neu": 0.14, "neg": 0.10}  # 只写两三个字
P_OPENER, P_CLOSER = 0.5, 0.35
P_USAGE = 0.55  # 加一句按类目写的使用体验
P_EMOJI, P_TYPO = 0.12, 0.35  # P_TYPO：有可替换写法时误写的概率
P_BANG = 0.12  # ！！！ / 。。。 / ？？？
P_MILD_NEG_4STAR = 0.12  # 4 星评论里“就是…有点…”的小毛病
P_OK_AT_3 = 0.6  # 3 星评论的正面方面用“还行”档
P_MISMATCH = {"pos": 0.03, "neg": 0.05}  # 文字与评分相反（手滑打错星、五星给快递小哥等）

DRAWS_PER_REVIEW = 64  # 每条评论预抽的均匀随机数个数（实际至多用约 40 个）
CATEGORY_OF = {sub: cat for cat, sub, *_ in SUBCATEGORIES}  # 子类目 → 类目（选使用体验句）

# 情感词典与方面关键词：只供生成器自检，不给第 6 章用（见模块说明）
POSITIVE_WORDS = sorted(
    {
        "满意", "喜欢", "好评", "推荐", "回购", "很快", "快", "给力", "及时", "点赞", "负责", "精细", "扎实",
        "不错", "精致", "稳定", "用心", "耐心", "解决", "到位", "热情", "清楚", "完好无损", "严实", "体面",
        "精美", "档次", "干净", "整洁", "实惠", "划算", "便宜", "值得", "好", "入手", "上门", "放心", "舒服",
        "惊喜", "绝绝子", "yyds", "爱", "赞", "良心", "专业", "好看", "合适", "仔细", "美丽", "宝藏", "超出",
        "不差", "很好", "挺好", "非常好", "秒回", "仪式感", "好用", "好闻", "流畅", "透气", "干爽", "水润",
        "顺手", "踏实", "新鲜", "香", "爱吃", "显瘦", "轻松",
    }
)  # fmt: skip
NEGATIVE_WORDS = sorted(
    {
        "慢", "太慢", "拖拖拉拉", "着急", "延迟", "耽误", "离谱", "差", "坏", "粗糙", "瑕疵", "失望", "不符",
        "次品", "异味", "堪忧", "线头", "不回复", "没人理", "推来推去", "敷衍", "糟糕", "简陋", "压扁", "破损",
        "随便", "漏", "压坏", "偏贵", "降价", "不爽", "虚高", "不值", "贵", "坑", "差评", "后悔", "退货",
        "别买", "一般般", "凑合", "不太好", "垃圾", "踩", "雷", "避雷", "拔草", "一言难尽", "廉价", "残次品",
        "不行", "气人", "无语", "郁闷", "智商税", "心累", "麻烦", "繁琐", "不靠谱", "碎", "烂", "太差",
        "一塌糊涂", "气死", "浪费", "不好", "退", "小贵", "不推荐", "掉漆", "裂", "缩水", "掉色",
        "过敏", "刺鼻", "难吃", "卡", "断连", "磨脚", "打滑", "开裂", "怪味", "白花钱", "红疹", "发热",
    }
)  # fmt: skip
ASPECT_KEYWORDS: dict[str, list[str]] = {
    "物流": ["物流", "快递", "发货", "配送", "送货", "到货", "快递员"],
    "质量": ["质量", "做工", "品质", "用料", "材质", "瑕疵", "次品", "质感"],
    "客服": ["客服", "售后"],
    "包装": ["包装", "盒子"],
    "价格": ["价格", "性价比", "划算", "降价", "便宜", "价钱", "价位"],
}


def _pick(options: list[str], u: Iterator[float]) -> str:
    return options[int(next(u) * len(options))]


def _fill(template: str, u: Iterator[float], item: str) -> str:
    """填充模板里的 {adv}/{mild}/{n}/{item}（只为模板里有的槽位抽数）。"""
    slots: dict[str, object] = {"item": item}
    if "{adv}" in template:
        slots["adv"] = _pick(STRONG, u) if next(u) < 0.55 else _pick(MODERATE, u)
    if "{mild}" in template:
        slots["mild"] = _pick(MILD, u)
    if "{n}" in template:
        slots["n"] = 2 + int(next(u) * 7)
    return template.format(**slots)


def _mood(rating: int) -> str:
    return "pos" if rating >= 4 else ("neg" if rating <= 2 else "neu")


def _aspect_parts(
    u: Iterator[float], rating: int, item: str, neg_aspects: list[str], pos_aspects: list[str]
) -> list[str]:
    """方面短语：差评用 neg 档，3 星与 4 星的小毛病用 mild 档，3 星的优点多用 ok 档；转折词连接。"""
    neg_kind = "neg" if rating <= 2 else ("mild" if rating >= 4 or next(u) < 0.6 else "neg")
    pos_kind = "ok" if rating == 3 and next(u) < P_OK_AT_3 else "pos"
    negs = [_fill(_pick(PHRASES[a][neg_kind], u), u, item) for a in neg_aspects]
    poss = [_fill(_pick(PHRASES[a][pos_kind], u), u, item) for a in pos_aspects]
    if not (negs and poss):
        parts = negs + poss
        return [p for _, p in sorted((next(u), p) for p in parts)]  # 随机顺序
    if next(u) < 0.6:  # 先夸后批：质量不错，但是物流有点慢
        return poss + [_pick(CONNECT_BUT, u) + negs[0]] + negs[1:]
    return negs + [_pick(CONNECT_LUCKY, u) + poss[0]] + poss[1:]


def _decorate(text: str, u: Iterator[float], mood: str) -> str:
    """结尾标点、重复标点、emoji 与错别字。"""
    v = next(u)
    if v < P_BANG:
        end = {"pos": "！！！", "neu": "。。。", "neg": _pick(["！！！", "？？？", "。。。"], u)}[mood]
    elif v < P_BANG + 0.25:
        end = "！" if mood != "neu" else "～"
    elif v < P_BANG + 0.4:
        end = ""
    else:
        end = "。"
    text += end
    if next(u) < P_EMOJI:
        text += _pick(EMOJI[mood], u)
    hits = [k for k in TYPOS if k in text]
    if hits and next(u) < P_TYPO:
        k = _pick(hits, u)
        text = text.replace(k, TYPOS[k], 1)
    return text


def compose_short(u: Iterator[float], rating: int) -> str:
    """只写两三个字的评论（好评、还行、差），偶尔加 emoji 或感叹号。``u`` 是这条评论的均匀随机数。"""
    mood = _mood(rating)
    text = _pick(SHORT[mood], u)
    v = next(u)
    if v < 0.2:
        text += _pick(EMOJI[mood], u)
    elif v < 0.3 and mood != "neu":
        text += "！！！"
    return text


def compose_review(u: Iterator[float], rating: int, item: str, neg_aspects: list[str], pos_aspects: list[str]) -> str:
    """拼一条评论：开场（可选）+ 方面短语 + 使用体验（可选）+ 收尾（可选），再加标点、emoji 和错别字。

    ``u`` 是这条评论的均匀随机数（一行预先抽好的 [0,1) 数，至多用 ``DRAWS_PER_REVIEW`` 个），比逐个调用生成器快。
    """
    mood = _mood(rating)
    parts: list[str] = []
    if next(u) < P_OPENER:
        parts.append(_fill(_pick(OPENERS[mood], u), u, item))
    body = _aspect_parts(u, rating, item, neg_aspects, pos_aspects)
    usage = USAGE.get(CATEGORY_OF.get(item, ""))
    if usage and next(u) < P_USAGE:
        body.insert(int(next(u) * (len(body) + 1)), _fill(_pick(usage[mood], u), u, item))
    parts.extend(body)
    if next(u) < P_CLOSER:
        parts.append(_fill(_pick(CLOSERS[mood], u), u, item))
    sep = "，" if next(u) < 0.8 else " "
    return _decorate(sep.join(parts), u, mood)


def text_features(texts: pd.Series) -> pd.DataFrame:
    """每条评论的文本特征（布尔）：短评、否定、程度词、emoji、网络用语、错别字、重复标点。

    只供 truth 的多样性统计使用；空评论各列为 False。
    """
    s = texts.fillna("")
    has = s.str.len() > 0
    emoji = s.str.contains("[\U0001f300-\U0001faff\u2764]", regex=True)
    return pd.DataFrame(
        {
            "short": has & (s.str.len() <= 6),
            "negation": s.str.contains(NEGATION_RE, regex=True),
            "degree": s.str.contains(DEGREE_RE, regex=True),
            "emoji": emoji,
            "slang": s.str.contains("|".join(map(re.escape, SLANG)), regex=True),
            "typo": s.str.contains("|".join(TYPOS.values()), regex=True),
            "repeated_punct": s.str.contains("！！！|。。。|？？？", regex=True),
        }
    )


def _mean_or_none(x: np.ndarray) -> float | None:
    """均值（保留 4 位）；没有数据时为 None（tiny 规模可能一条都没有）。"""
    return round(float(x.mean()), 4) if len(x) else None


def review_text_truth(reviews: pd.DataFrame, labels: pd.DataFrame) -> dict:
    """truth["review_text"]：文本生成的设计参数与在生成的评论上实测的多样性。"""
    has = reviews["review_text"].notna().to_numpy()
    texts = reviews.loc[has, "review_text"]
    feats = text_features(texts)
    rating = reviews.loc[has, "rating"].to_numpy()
    mood = np.where(reviews["rating"] >= 4, "pos", np.where(reviews["rating"] <= 2, "neg", "neu"))
    mismatch = has & (labels["text_mood"].to_numpy() != mood)
    no_aspect = (labels.loc[has, "neg_aspects"] == "") & (labels.loc[has, "pos_aspects"] == "")
    n_phrases = sum(len(v) for a in PHRASES.values() for v in a.values())
    n_usage = sum(len(v) for a in USAGE.values() for v in a.values())
    return {
        "rule": (
            "评论文字按“方面 × 情感”的四档句式（夸/还行/小毛病/差评）加按类目的使用体验句拼成，"
            "含同义词、否定（不太好、并不差）、程度词、网络用语、emoji、重复标点、错别字和两三个字的短评；"
            "3 星是先夸后批的混合语气；没写字的评论 review_text 为空，不用平台默认文案。"
        ),
        "design_note": (
            "目的：让在本店评论上训练的方法也能用在真实评论上。在 tests/data/real_style_reviews.csv"
            "（课程另写、语气和用词都不同的 221 条正/负长评，其中 50 条留出集在生成器定稿后才写）上，"
            "只用本店 small 评论训练字 1–3 元 TF-IDF + 逻辑回归，正负二分类 macro-F1："
            "v1 模板文字 0.64（留出集 0.68），v2 0.86（留出集 0.82）；本店内部留出打分 0.94，"
            "比换数据高约 0.1——这正是第 6 章要讲的“同源打分会高估”。"
            "文献里中文电商评论二分类的同领域 TF-IDF 线性模型约 0.85–0.92、换领域常掉 5–15 个点，"
            "v2 在这个范围里而不是接近 1：句式仍比真实评论少，第 6 章应报告这个差距。"
            "文字与评分相反的评论约 3%，按真实平台的常见比例取小值；句式完全反向，交叉验证的模型几乎都能找出。"
            "本模块的词表只给生成器自检，第 6 章不得使用。emoji 不在 CJK 字体里，画词云前要按 \\w 过滤掉。"
        ),
        "stream": "review_text",
        "design": {
            "p_short": dict(P_SHORT),
            "p_opener": P_OPENER,
            "p_closer": P_CLOSER,
            "p_usage": P_USAGE,
            "p_emoji": P_EMOJI,
            "p_typo_if_possible": P_TYPO,
            "p_repeated_punct": P_BANG,
            "p_mild_neg_4star": P_MILD_NEG_4STAR,
            "p_ok_at_3star": P_OK_AT_3,
            "p_text_rating_mismatch": dict(P_MISMATCH),
            "n_aspect_phrases": int(n_phrases),
            "n_usage_phrases": int(n_usage),
        },
        "n_texts": int(has.sum()),
        "distinct_ratio": round(float(texts.nunique() / max(len(texts), 1)), 4),
        "shares": {k: round(float(v), 4) for k, v in feats.mean().items()},
        "no_aspect_share": round(float(no_aspect.mean()), 4),
        "mean_rating_with_negation_phrase": _mean_or_none(
            rating[texts.str.contains("不太好|不是很满意", regex=True).to_numpy()]
        ),
        "mean_len_chars": round(float(texts.str.len().mean()), 2),
        "mismatch": {
            "rule": "评分 ≥4 的评论约 3%、≤2 的约 5% 文字写成相反的情感（手滑打错星、五星只是给快递小哥的）",
            "review_ids": sorted(int(i) for i in labels.loc[mismatch, "review_id"]),
            "share_of_texts": round(float(mismatch[has].mean()), 4),
        },
    }
