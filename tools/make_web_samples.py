"""生成第2章“离线采集”用的样例：店铺网页快照、物流接口的 JSON 响应、公开的行政区划代码表。

    python tools/make_web_samples.py            # 写到 datasets/web/
    python tools/make_web_samples.py --check    # 只比较，不写；与仓库里的文件不一致时退出码为 1

全部内容由 datasets/small 的表按固定种子确定地生成（同样的数据 → 字节相同的文件），
所以数据重新生成后请重跑本脚本。页面故意带一些真实网页常见的“脏”：两套页面模板、
空白与换行、HTML 实体、广告卡片、一页 GBK 编码、一件下架商品、两件前台价格没跟上后台调价的商品；
物流接口分页、嵌套，运单号是字符串、时间是 UTC、重量单位因承运商而异、运费以“分”计、
收件人手机号未脱敏（都是随机生成的假号码）。
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import data  # noqa: E402
from helpers.prep import PROVINCES  # noqa: E402

OUT = ROOT / "datasets" / "web"
SEED = 20241231
SNAPSHOT = pd.Timestamp("2024-12-31")
BASE = "https://shop.hemu.example"
PER_PAGE = 6
N_ITEMS = 18
STALE_PRICE_ITEMS = 2  # 前台价格没跟上后台调价的商品数
CARRIERS = [
    ("SF", "顺丰速运", "g"),
    ("YTO", "圆通速递", "kg"),
    ("ZTO", "中通快递", "kg"),
    ("YD", "韵达速递", "kg"),
    ("JD", "京东物流", "g"),
    ("EMS", "中国邮政EMS", "g"),
]

ROBOTS = """# 禾木优选店铺（课程示例，离线快照）的 robots.txt
User-agent: *
Disallow: /cart/
Disallow: /order/
Disallow: /user/
Disallow: /search
Allow: /list/
Allow: /item/
Crawl-delay: 2

User-agent: BadSpider
Disallow: /
"""

README = """# datasets/web：第2章离线采集样例

这些文件模拟“从外部采集来的数据”，供 notebooks/ch02_data_preparation.ipynb 离线练习网页解析和接口调用。
全部由 `python tools/make_web_samples.py` 从 datasets/small 的表确定地生成，**请勿手改**；
数据重新生成后重跑该脚本（`--check` 可检查是否同步）。网址一律使用保留域名 `*.example`，不指向任何真实网站。

| 路径 | 内容 |
|---|---|
| `shop/robots.txt` | 店铺网站的爬虫协议 |
| `shop/list/1.html` … | 商品列表页（分页，每页 {per_page} 件，含广告卡片） |
| `shop/item/<商品编号>.html` | 商品详情页（两套模板；一页为 GBK 编码；一件已下架） |
| `api/shipments_page_<n>.json` | 物流开放接口的分页响应（嵌套 JSON；时间为 UTC；运费单位为分） |
| `open_data/province_codes.csv` | 省级行政区划代码与国家统计局四大地区（公开资料整理） |

快照日期：{snapshot}。物流数据中的收件人手机号是随机生成的假号码，只用于演示脱敏。
"""


# ---------------------------------------------------------------- 小工具


def _yuan(v: float) -> str:
    return f"{v:,.2f}"


def _sales_text(n: int) -> str:
    """平台展示销量的方式：万以上写“x.x万+”，百以上取整百加“+”。"""
    if n >= 10_000:
        return f"{n / 10_000:.1f}万+"
    if n >= 100:
        return f"{n // 100 * 100}+"
    return str(n)


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<title>{html.escape(title)} - 禾木优选官方旗舰店</title>
<link rel="stylesheet" href="/static/shop.css">
</head>
<body>
<div class="site-nav"><a href="/">首页</a> | <a href="/list/1.html">全部商品</a> | <a href="/cart/">购物车</a> | <a href="/user/login">登录</a></div>
{body}
<div class="footer">
  <p>禾木优选官方旗舰店 &copy; 2024 &nbsp;|&nbsp; 客服热线 400-000-0000（示例）</p>
</div>
<script src="/static/track.js"></script>
</body>
</html>
"""


# ---------------------------------------------------------------- 选商品、算展示数据


def pick_items(products: pd.DataFrame, reviewed: pd.Index, rng: np.random.Generator) -> pd.DataFrame:
    """一件还没有评价的商品 + 每个大类至少一件，共 N_ITEMS 件；按商品编号排序。"""
    fresh = products[~products["product_id"].isin(reviewed)].sample(n=1, random_state=int(rng.integers(2**31)))
    others = products.drop(fresh.index)
    first = others.groupby("category", observed=True).sample(n=1, random_state=int(rng.integers(2**31)))
    rest = others.drop(first.index).sample(n=N_ITEMS - len(first) - 1, random_state=int(rng.integers(2**31)))
    return pd.concat([fresh, first, rest]).sort_values("product_id").reset_index(drop=True)


def display_facts(
    items: pd.DataFrame,
    orders: pd.DataFrame,
    order_items: pd.DataFrame,
    reviews: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """页面上展示的数字：累计销量、累计评价数、评分；再埋下价格不一致和下架。"""
    paid = orders[(orders["order_time"] <= SNAPSHOT + pd.Timedelta(days=1)) & (orders["status"] != "已取消")]
    sold = order_items[order_items["order_id"].isin(paid["order_id"])].groupby("product_id")["quantity"].sum()
    rv = reviews.groupby("product_id")["rating"].agg(["size", "mean"])
    out = items.copy()
    out["total_sales"] = out["product_id"].map(sold).fillna(0).astype(int)
    out["review_count"] = out["product_id"].map(rv["size"]).fillna(0).astype(int)
    out["rating"] = out["product_id"].map(rv["mean"]).round(1)
    out["shown_price"] = out["price"]
    out["original_price"] = np.where(rng.random(len(out)) < 0.5, np.round(out["price"] * 1.3, 0) - 0.1, np.nan)
    stale = rng.choice(len(out), STALE_PRICE_ITEMS + 1, replace=False)
    # 前两件：页面还挂着调价前的价格；第三件：已下架
    out.loc[stale[:STALE_PRICE_ITEMS], "shown_price"] = (out.loc[stale[:STALE_PRICE_ITEMS], "price"] + 20).round(2)
    out["on_shelf"] = True
    out.loc[stale[STALE_PRICE_ITEMS], "on_shelf"] = False
    out["template"] = np.where(rng.random(len(out)) < 0.35, "old", "new")
    out["encoding"] = "utf-8"
    out.loc[int(np.flatnonzero(out["template"].eq("old") & out["on_shelf"])[0]), "encoding"] = "gbk"
    return out


# ---------------------------------------------------------------- 页面


def list_pages(facts: pd.DataFrame) -> dict[str, str]:
    pages = {}
    n_pages = -(-len(facts) // PER_PAGE)
    for p in range(1, n_pages + 1):
        chunk = facts.iloc[(p - 1) * PER_PAGE : p * PER_PAGE]
        cards = []
        for i, r in enumerate(chunk.itertuples()):
            if i == 2:  # 每页第三个位置插一张广告卡片（没有 data-id）
                cards.append(
                    '  <li class="item-card ad"><a href="https://ad.example/click?id=77">'
                    '<span class="ad-tag">广告</span><p class="title">年货节满 300 减 40</p></a></li>'
                )
            price = (
                '<span class="price">已下架</span>'
                if not r.on_shelf
                else f'<span class="price">&yen;{_yuan(r.shown_price)}</span>'
            )
            cards.append(
                f'  <li class="item-card" data-id="{r.product_id}">\n'
                f'    <a href="/item/{r.product_id}.html"><img src="/img/{r.product_id}.jpg" alt="">\n'
                f'      <p class="title">  {html.escape(r.product_name)} </p></a>\n'
                f"    {price}\n"
                f'    <span class="sold">已售 {_sales_text(r.total_sales)}</span>\n'
                f"  </li>"
            )
        prev = (
            f'<a class="prev" href="/list/{p - 1}.html">上一页</a>'
            if p > 1
            else '<span class="prev disabled">上一页</span>'
        )
        nxt = (
            f'<a class="next" href="/list/{p + 1}.html">下一页</a>'
            if p < n_pages
            else '<span class="next disabled">下一页</span>'
        )
        nums = " ".join(
            f'<span class="current">{k}</span>' if k == p else f'<a href="/list/{k}.html">{k}</a>'
            for k in range(1, n_pages + 1)
        )
        body = (
            f'<h2 class="list-title">全部商品（第 {p} 页 / 共 {n_pages} 页）</h2>\n<ul class="item-list">\n'
            + "\n".join(cards)
            + f'\n</ul>\n<div class="pager">{prev} {nums} {nxt}</div>'
        )
        pages[f"list/{p}.html"] = _page(f"全部商品 第{p}页", body)
    return pages


def _rating_html(r) -> str:
    return "暂无评分" if r.review_count == 0 else f"{r.rating:.1f}"


def item_page(r) -> str:
    tags = (
        ["7天无理由退货", "48小时发货"]
        + (["包邮"] if r.price >= 59 else [])
        + (["赠运费险"] if r.category == "服饰" else [])
    )
    tag_html = "".join(f"<li>{t}</li>" for t in tags)
    specs = [("品牌", r.brand), ("类目", f"{r.category} &gt; {r.subcategory}"), ("商品编号", f"HM-{r.product_id}")]
    if r.template == "new":
        if r.on_shelf:
            origin = (
                ""
                if pd.isna(r.original_price)
                else f'\n      <del class="price-origin">&yen;{_yuan(r.original_price)}</del>'
            )
            price = (
                f'<div class="price-box">\n      <span class="price-now"><em>¥</em>{_yuan(r.shown_price)}</span>'
                f"{origin}\n    </div>"
            )
        else:
            price = '<div class="price-box"><span class="off-shelf">该商品已下架</span></div>'
        spec_html = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in specs)
        body = f"""<div class="detail" data-item-id="{r.product_id}">
  <h1 class="item-title">
      {html.escape(r.product_name)}
  </h1>
  {price}
  <div class="meta">
    <span class="sales">已售 {_sales_text(r.total_sales)}</span>
    <a href="#reviews" class="review-count">累计评价 <b>{r.review_count}</b></a>
    <span class="score">{_rating_html(r)}</span>
  </div>
  <ul class="tags">{tag_html}</ul>
  <table class="specs">{spec_html}</table>
</div>"""
    else:  # 旧模板：字段写在段落里，标签用顿号隔开
        price_txt = (
            f"价格：<strong>&yen;{_yuan(r.shown_price)}</strong>" if r.on_shelf else "价格：<strong>已下架</strong>"
        )
        spec_txt = "<br>".join(f"{k}：{v}" for k, v in specs)
        body = f"""<div id="goods" class="goods-old">
  <div class="goods-name">{html.escape(r.product_name)}&nbsp;</div>
  <p class="goods-price">{price_txt}</p>
  <p class="goods-sold">累计销量：{_sales_text(r.total_sales)}件 &nbsp; 评价：{r.review_count}条 &nbsp; 评分：{_rating_html(r)}</p>
  <p class="goods-service">服务：{"、".join(tags)}</p>
  <p class="goods-spec">{spec_txt}</p>
  <!-- 旧版模板 v1.3，待迁移 -->
</div>"""
    return _page(r.product_name, body, charset=r.encoding)


# ---------------------------------------------------------------- 物流接口


def shipments(orders: pd.DataFrame, customers: pd.DataFrame, rng: np.random.Generator, n: int = 25) -> list[dict]:
    pool = orders[
        (orders["order_time"].dt.strftime("%Y-%m-%d") == "2024-11-11")
        & (orders["status"] == "已完成")
        & orders["delivered_at"].notna()
    ]
    picked = pool.sample(n=n, random_state=int(rng.integers(2**31))).sort_values("order_id")
    picked = picked.merge(customers[["customer_id", "province", "city"]], on="customer_id", how="left")
    short = dict(zip(PROVINCES["province"], PROVINCES["short_name"], strict=True))
    out = []
    for r in picked.itertuples():
        code, name, unit = CARRIERS[int(rng.integers(len(CARRIERS)))]
        signed = r.delivered_at
        pickup = r.order_time + pd.Timedelta(minutes=int(rng.integers(120, 600)))
        transit = pickup + (signed - pickup) * 0.35
        dispatch = signed - pd.Timedelta(minutes=int(rng.integers(60, 240)))
        traces = [(pickup, 10), (transit, 20), (dispatch, 30), (signed, 40)]
        if rng.random() < 0.3:  # 部分运单多一条中转记录
            traces.insert(2, (transit + (dispatch - transit) / 2, 20))
        grams = int(rng.integers(150, 3000))
        weight = grams if unit == "g" else round(grams / 1000, 2)
        phone = "1" + str(int(rng.choice([3, 5, 7, 8, 9]))) + "".join(str(d) for d in rng.integers(0, 10, 9))
        prov = r.province if rng.random() < 0.5 else short.get(r.province, r.province)
        out.append(
            {
                "order_id": str(r.order_id),
                "waybill_no": f"{code}{int(rng.integers(10**9, 10**10))}",
                "carrier": {"code": code, "name": name},
                "receiver": {"phone": phone, "province": prov, "city": r.city},
                "package": {
                    "weight": weight,
                    "weight_unit": unit,
                    "fee_fen": int(rng.choice([800, 1000, 1200, 1500, 2300])),
                },
                "traces": [
                    {"time": (t - pd.Timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"), "status_code": c}
                    for t, c in traces
                ],
            }
        )
    return out


def api_pages(ships: list[dict], page_size: int = 10) -> dict[str, str]:
    pages = {}
    n_pages = -(-len(ships) // page_size)
    for p in range(1, n_pages + 1):
        resp = {
            "code": 0,
            "msg": "success",
            "data": {
                "page": p,
                "page_size": page_size,
                "total": len(ships),
                "has_more": p < n_pages,
                "list": ships[(p - 1) * page_size : p * page_size],
            },
            "status_dict": {"10": "已揽收", "20": "运输中", "30": "派送中", "40": "已签收"},
        }
        pages[f"api/shipments_page_{p}.json"] = json.dumps(resp, ensure_ascii=False, indent=2) + "\n"
    return pages


def open_data() -> str:
    t = PROVINCES.rename(
        columns={"code": "行政区划代码", "province": "省级行政区", "short_name": "简称", "region": "四大地区"}
    )
    return t[["行政区划代码", "省级行政区", "简称", "四大地区"]].to_csv(index=False, lineterminator="\n")


# ---------------------------------------------------------------- 汇总


def build_files() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    products = data.load("products")
    orders = data.load("orders")
    reviews = data.load("reviews")
    items = pick_items(products, pd.Index(reviews["product_id"].unique()), rng)
    facts = display_facts(items, orders, data.load("order_items"), reviews, rng)
    files: dict[str, bytes] = {"shop/robots.txt": ROBOTS.encode("utf-8")}
    for name, text in list_pages(facts).items():
        files[f"shop/{name}"] = text.encode("utf-8")
    for r in facts.itertuples():
        files[f"shop/item/{r.product_id}.html"] = item_page(r).encode(r.encoding)
    for name, text in api_pages(shipments(orders, data.load("customers"), rng)).items():
        files[name] = text.encode("utf-8")
    files["open_data/province_codes.csv"] = open_data().encode("utf-8")
    files["README.md"] = README.format(per_page=PER_PAGE, snapshot=SNAPSHOT.strftime("%Y-%m-%d")).encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="只检查 datasets/web 是否与数据同步")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    files = build_files()
    if args.check:
        bad = [n for n, b in files.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
        extra = sorted(
            str(p.relative_to(args.out))
            for p in args.out.rglob("*")
            if p.is_file() and str(p.relative_to(args.out)).replace("\\", "/") not in files
        )
        for n in bad:
            print(f"不同步：{n}")
        for n in extra:
            print(f"多余的文件：{n}")
        return 1 if bad or extra else 0
    for name, content in files.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for p in args.out.rglob("*"):
        if p.is_file() and str(p.relative_to(args.out)).replace("\\", "/") not in files:
            p.unlink()
    print(f"写出 {len(files)} 个文件到 {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
