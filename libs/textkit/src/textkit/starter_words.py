"""A built-in starter list of words that get posts removed, throttled or fined.

Categories: `advertising_law` (absolute or superlative claims banned in ads by China's
Advertising Law, article 9), `medical_claim` (health claims ordinary products may not
make), `vulgar`, `political` (left empty here: each workspace maintains its own) and
`platform_taboo` (phrases platforms throttle, such as pushes off-platform).
Workspaces add their own lists on top; this is only a start.
"""

from __future__ import annotations

from textkit.scanner import ScanWord

WORD_CATEGORIES = (
    "political",
    "vulgar",
    "advertising_law",
    "medical_claim",
    "platform_taboo",
    "competitor",
    "custom",
)

_ADVERTISING_LAW = """最好 最佳 最优 最强 最大 最高 最低 最便宜 最先进 最受欢迎 最具
最时尚 最流行 最赚 最新科技 最高级 最高档 最奢侈 最舒适 最安全
最底价 最低价 全网最低 史上最低 第一 第一品牌 NO.1 No.1
TOP1 唯一 首个 首选 首家 独家 顶级 顶尖 极品 极致 国家级
世界级 全球级 宇宙级 绝对 百分之百 100% 万能 永久 王牌
领袖品牌 领导品牌 销量冠军 巅峰 史无前例 前无古人 填补国内空白
国际领先 遥遥领先""".split()

_MEDICAL_CLAIM = """治愈 根治 疗效 药到病除 包治 无副作用 抗癌 防癌 降血压 降血糖
减肥神器 排毒 延年益寿 祛斑 消炎 杀菌 治疗 康复 处方""".split()

_VULGAR = """傻逼 他妈的 操你 狗日 脑残 滚蛋""".split()

_PLATFORM_TABOO = """加微信 加V 加vx 私信领取 点击链接 扫码领取 关注领取 转发抽奖
集赞 诱导分享 淘宝搜索 复制口令""".split()

STARTER_WORDS: tuple[ScanWord, ...] = (
    *(ScanWord(word, "advertising_law") for word in _ADVERTISING_LAW),
    *(ScanWord(word, "medical_claim") for word in _MEDICAL_CLAIM),
    *(ScanWord(word, "vulgar") for word in _VULGAR),
    *(ScanWord(word, "platform_taboo") for word in _PLATFORM_TABOO),
)
