"""What the demo workspace is made of: the brand's words, posts, channels' readers and what
they ask. A coffee brand (星辰咖啡), in Chinese, as its team would write."""

from __future__ import annotations

from dataclasses import dataclass

WEBHOOK_SECRET = "demo-webhook-secret-0123456789"
STATES = ("draft", "in_review", "approved", "scheduled", "published", "archived")

WORDS = [
    ("某某咖啡", "competitor"),
    ("全网最低价", "advertising_law"),
    ("国家级", "advertising_law"),
    ("治愈失眠", "medical_claim"),
]


@dataclass(frozen=True)
class DemoPost:
    key: str
    title: str
    body: str
    state: str
    channels: tuple[str, ...] = ()
    campaign: bool = False
    tags: tuple[str, ...] = ()


POSTS = [
    DemoPost(
        "autumn",
        "秋季新品上市",
        "# 秋季新品\n\n今天我们发布了**三款**秋季新品：桂花拿铁、栗子摩卡和南瓜燕麦拿铁。\n\n"
        "## 到店尝鲜\n\n每款新品前三天第二杯半价，欢迎来门店品尝。",
        "published",
        ("feed", "xiaohongshu", "webhook"),
        campaign=True,
        tags=("新品", "秋季"),
    ),
    DemoPost(
        "beans",
        "云南咖啡豆的故事",
        "# 从云南到杯中\n\n一颗咖啡豆的旅程：种植、采摘、日晒、烘焙。\n\n"
        "## 产区\n\n我们的豆子来自普洱和保山的合作农场。",
        "published",
        ("feed", "xiaohongshu"),
        campaign=True,
        tags=("咖啡豆", "云南"),
    ),
    DemoPost(
        "pourover",
        "手冲咖啡入门",
        "# 手冲咖啡入门\n\n三样器具、一把秤、一壶热水，就能在家做出好喝的手冲。\n\n"
        "## 步骤\n\n1. 研磨\n2. 闷蒸\n3. 分段注水",
        "published",
        ("feed",),
        tags=("手冲",),
    ),
    DemoPost(
        "winter",
        "冬季限定预告",
        "# 冬季限定\n\n下周上线两款热饮，敬请期待。",
        "scheduled",
        ("feed", "xiaohongshu"),
        campaign=True,
    ),
    DemoPost(
        "openday",
        "门店开放日报名",
        "# 开放日\n\n欢迎来门店参观烘焙车间，名额有限，先到先得。",
        "approved",
    ),
    DemoPost("latteart", "拿铁拉花课程", "# 拉花课程\n\n小班教学，每班六人。", "in_review"),
    DemoPost(
        "flagged",
        "广告用语示例（待修改）",
        "# 全网最低价\n\n某某咖啡做不到的，我们做到了：国家级烘焙工艺，每天一杯治愈失眠。",
        "draft",
    ),
    DemoPost(
        "summer",
        "夏日冰饮回顾",
        "# 夏日冰饮\n\n感谢大家一个夏天的支持，冷萃和气泡美式是今年的人气王。",
        "archived",
        ("feed",),
    ),
]

MEMBERS = [
    ("xiaohongshu", "xhs-1001", "小鱼爱咖啡"),
    ("xiaohongshu", "xhs-1002", "早起的拿铁"),
    ("xiaohongshu", "xhs-1003", "豆子研究所"),
    ("xiaohongshu", "xhs-1004", "周末去探店"),
    ("wechat", "wx-openid-2001", "陈老师"),
    ("wechat", "wx-openid-2002", "阿杰"),
    ("wechat", "wx-openid-2003", "May"),
    ("wechat", "wx-openid-2004", "老王"),
    ("weibo", "wb-3001", "咖啡日记本"),
    ("weibo", "wb-3002", "城市漫步者"),
]
QUESTIONS = [
    "桂花拿铁多少钱？有没有燕麦奶可选？",
    "云南的豆子可以单独买吗？",
    "开放日需要提前报名吗？",
    "手冲用什么研磨度比较好？",
    "周末门店几点开门？",
]
COMMENTS = ["太好喝了，已经打卡！", "包装很好看", "期待冬季新品", "上次的冷萃很不错"]
