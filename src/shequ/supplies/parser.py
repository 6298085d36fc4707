"""Orders as residents write them in a building's WeChat group: one pure function, ``parse_message``.

A message (its sender's group nickname and its text) becomes the household's address
(building-unit-room, from the text or else the nickname: ``9-2-502 张嫂子``, ``3栋1单元201``,
``12号楼3单元601 王``), the items with quantity and unit (``面粉5斤``, ``两袋面粉``, ``三斤半`` = 3.5,
``半斤姜``, ``鸡蛋一打`` = 12 个, ``可乐x2``, ``牛奶*3``, ``土豆、洋葱各2斤`` = 2 斤 each), the kind
(order, medicine, errand, help, distress, other) and whether it is urgent. Group-buy lines
(``+1 蔬菜套餐A 一份``, ``接龙 4-2-201 套餐B 两份``) are orders whose item names a package.

It reads nothing but its arguments (no database, no clock), so the paste page, ``POST
/api/v1/supplies/parse`` and ``shequ parse-orders`` give the same answer, and the corpus in
tests/supplies/corpus.txt holds it to what people write. ``split_messages`` cuts a pasted run of
group messages into (sender, text) pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shequ.core.address import parse_address
from shequ.core.text import chinese_number, normalize


class Kind:
    """The kinds of message, most urgent first (a message of several is the most urgent one)."""

    DISTRESS = "distress"
    HELP = "help"
    MEDICINE = "medicine"
    ERRAND = "errand"
    ORDER = "order"
    OTHER = "other"


KINDS = (Kind.DISTRESS, Kind.HELP, Kind.MEDICINE, Kind.ERRAND, Kind.ORDER, Kind.OTHER)
URGENT_KINDS = frozenset({Kind.DISTRESS, Kind.HELP, Kind.MEDICINE})


@dataclass(frozen=True)
class Item:
    name: str
    quantity: Decimal | None = None
    unit: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "quantity": number_json(self.quantity), "unit": self.unit}


@dataclass(frozen=True)
class Parsed:
    address: str | None
    kind: str
    urgent: bool
    items: tuple[Item, ...] = field(default_factory=tuple)
    # The compound named with the address ("富通小区9-2-502"), "" when none was.
    compound: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"address": self.address, "kind": self.kind, "urgent": self.urgent,
                "items": [i.as_json() for i in self.items]}


def number_json(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# -- vocabulary ------------------------------------------------------------------------------------------

UNITS = ("公斤", "千克", "斤", "克", "个", "瓶", "袋", "箱", "提", "罐", "桶", "盒", "包", "份", "把", "根", "颗",
         "板", "只", "块", "条", "支", "听", "卷", "串", "棵", "头", "排", "盘", "片", "粒", "双", "套", "张", "kg", "g")
_UNIT_NAMES = {"千克": "公斤", "kg": "公斤", "g": "克"}
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_CN_NUM = "零〇一二两三四五六七八九十百"
# A number: Arabic (2, 2.5), or Chinese numerals (两, 十二) - the latter only before a unit or 打,
# since names hold numerals too (五花肉, 八角, 三明治).
_ARABIC = r"\d+(?:\.\d+)?"
_QTY = re.compile(
    rf"(?:(?P<times>[x×*X])\s*(?P<tn>{_ARABIC}|[{_CN_NUM}]+)(?P<tu>{_UNIT})?"
    rf"|(?P<n>{_ARABIC}|[{_CN_NUM}]+|半)\s*(?:(?P<u>{_UNIT})(?P<half>半)?|(?P<dozen>打))"
    rf"|(?P<bare>{_ARABIC}))"
)

_DISTRESS = ("不想活", "活不下去", "活着没意思", "想死", "去死", "自杀", "轻生", "跳楼", "割腕", "撑不下去", "撑不住了",
             "绝望", "崩溃了", "没有活路", "了结", "结束自己", "不如死", "死了算了", "一了百了", "熬不下去")
_HELP = ("摔倒", "摔了", "跌倒", "晕倒", "昏倒", "倒地", "起不来", "漏水", "水管爆", "爆管", "淹了", "被困", "困在",
         "出不来", "锁在", "救命", "急救", "120", "停电", "没电了", "停水", "没暖气", "暖气不热", "煤气", "燃气泄漏",
         "着火", "冒烟", "呼吸困难", "胸闷", "发高烧", "抽搐", "出血", "流血", "门打不开", "钥匙")
_MEDICINE = ("药", "胰岛素", "胶囊", "布洛芬", "对乙酰氨基酚", "退烧贴", "感冒灵", "连花清瘟", "阿莫西林", "二甲双胍",
             "硝苯地平", "阿司匹林", "速效救心丸", "氨氯地平", "拜糖平", "血糖试纸", "针头", "碘伏", "头孢",
             "维生素", "眼药水", "喷剂", "止咳", "降压", "降糖")
# The kind of a message follows what it asks for; where words of errands and help meet the words of
# another kind, the order of the checks decides (distress, help, medicine, errand, order).
_ERRAND = ("缴费", "交费", "电费", "水费", "燃气费", "话费", "物业费", "充值", "快递", "取件", "包裹", "驿站", "倒垃圾",
           "倒垃圾", "扔垃圾", "倒一下垃圾", "倒下垃圾", "代缴", "银行", "取钱", "挂号", "复印", "打印", "遛狗", "喂猫", "喂狗", "寄快递")
_URGENT_WORDS = ("急", "紧急", "马上", "尽快", "赶紧", "十万火急", "立刻", "救急")
# Urgent whatever the kind: infant formula.
_URGENT_GOODS = ("奶粉", "婴儿米粉")
_QUESTION = ("请问", "什么时候", "几点", "怎么", "吗", "?", "能不能", "有没有", "是否", "多少钱")
_THANKS = ("谢谢", "感谢", "辛苦", "收到", "好的", "明白", "点赞", "了解")

# Words around the items that name none of them.
_LEAD = re.compile(
    r"^(?:(?:麻烦|请|帮忙|帮我|帮|给我|给|我家|我们家|家里|我|我们|还|再|另外|想|需要|要|买|采购|代购|来|订|"
    r"加|一下|下|点|些|能|想要|要买|需要买|急需|急|求|各位|大家|志愿者|社区|老师|您好|你好|"
    r"劳驾|拜托|就|都|也|先|和|还有|以及|跟|另|然后|共|再来|又|马上|尽快|赶紧|立刻)\s*)+")
_TAIL = re.compile(r"(?:\s*(?:谢谢|感谢|麻烦了|辛苦了|辛苦|拜托了|就行|就好|即可|吧|哈|呀|啊|了|的|呢|哦|吗|左右|"
                   r"多|一点|一些|些|点|急|急用|急需|!|~|\.|。))+$")
# 和 and 跟 do not split (诺和灵, 和牛): the name cleaning drops them at the start of a name.
_SPLIT = re.compile(r"[,，;；。!！?？\n/|]+|(?:还有|以及|另外|外加|再加)(?![\d])")
_EACH = re.compile(rf"(?P<names>[^,，;；。\s]+(?:[、和][^,，;；。\s、和]+)+)各\s*(?P<q>(?:{_ARABIC}|[{_CN_NUM}]+)\s*(?:{_UNIT})半?)")
_PLUS = re.compile(r"^\+\s*(?P<n>\d+)\s*")
_CHAIN = re.compile(r"^(?:接龙|团购|拼团|报名|#接龙)\s*[:：]?\s*")
_SERIAL = re.compile(r"^\d{1,3}\s*[.、)]\s*(?!\d)")

# Addresses inside a message: 9-2-502, 3栋1单元201, 12号楼3单元601(室), optionally after a compound name.
_CN_DIGIT = "零〇一二两三四五六七八九十"
_ADDRESS = re.compile(
    rf"(?P<compound>[\u4e00-\u9fff]{{2,8}}?(?:小区|花园|家园|苑|公寓|新村|社区))?\s*"
    rf"(?P<addr>(?<![\d.])\d{{1,3}}[A-Za-z]?\s*[-—–－_]\s*\d{{1,2}}\s*[-—–－_]\s*\d{{3,4}}(?![\d.])(?:室|号)?"
    rf"|(?:\d{{1,3}}[A-Za-z]?|[{_CN_DIGIT}]{{1,3}})\s*(?:号楼|号栋|栋|幢|号|楼)\s*"
    rf"(?:\d{{1,2}}|[{_CN_DIGIT}]{{1,3}})\s*(?:单元|门)\s*\d{{3,4}}(?:室|号)?)"
)
# A name or a form of address written after the address ("9-2-502 张嫂子", "601 王"): not an item.
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
                "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常")
_CALLED = re.compile(r"^(?:老)?[\u4e00-\u9fff]?(?:嫂子|嫂|阿姨|姨|大爷|大妈|奶奶|爷爷|姥姥|姥爷|叔|姐|哥|妹|家|师傅|老师|总|工|大哥|大姐)$")


def _called(token: str) -> bool:
    """A person's name or form of address: 王, 张嫂子, 李阿姨, 老刘, 王家, 张三丰."""
    if not token or not re.fullmatch(r"[\u4e00-\u9fff]{1,4}", token):
        return False
    if _CALLED.match(token):
        return token[0] in _SURNAMES or token[0] == "老"
    return token[0] in _SURNAMES and len(token) <= 3 and _QTY.search(token) is None and token not in _NOT_NAMES


# Goods that start with a surname character: not names.
_NOT_NAMES = {"白菜", "黄瓜", "金针菇", "马铃薯", "石榴", "黄豆", "白糖", "黄油", "杨梅", "胡萝卜", "江米", "龙眼",
              "林檎", "苏打", "方便面", "周黑鸭", "史努比", "万用", "高粱", "毛豆", "孔雀", "黎麦", "冯", "白米", "何首乌",
              "田螺", "梁", "谢", "常"}


def _number(text: str) -> Decimal | None:
    if text == "半":
        return Decimal("0.5")
    if re.fullmatch(_ARABIC, text):
        return Decimal(text)
    if text == "百":
        return Decimal(100)
    value = chinese_number(text)
    return None if value is None else Decimal(value)


def _quantity(m: re.Match[str]) -> tuple[Decimal | None, str | None]:
    if m["times"]:
        return _number(m["tn"]), _UNIT_NAMES.get(m["tu"] or "", m["tu"] or None)
    if m["bare"]:
        return Decimal(m["bare"]), None
    n = _number(m["n"])
    if n is None:
        return None, None
    if m["dozen"]:
        return n * 12, "个"
    if m["half"]:
        n += Decimal("0.5")
    unit = m["u"]
    return n, _UNIT_NAMES.get(unit, unit)


# Words of a sentence, not of goods: "家里只剩一支了", "宝宝奶粉快没了".
_SENTENCE = re.compile(r"[了没剩吃完我你他她在是送坏哭怕懂话说问]|家里|老人|孩子|宝宝")
_BUY = ("买", "要", "订", "需要", "急需", "来点")


def _clean_name(name: str) -> str:
    name = name.replace(" ", "").strip(":：-—~、")
    for _round in range(3):
        name = _LEAD.sub("", name)
        name = _TAIL.sub("", name).strip(" :：-—~、")
    return name


def _items_of(segment: str) -> list[Item]:
    """The items of one segment (between commas): "面粉5斤", "两袋面粉", "大米 10公斤 鸡蛋一打"."""
    found: list[Item] = []
    matches = [m for m in _QTY.finditer(segment) if _plausible(segment, m)]
    if not matches and any(w in segment for w in _QUESTION + _THANKS):
        return []
    if not matches:
        name = _clean_name(segment)
        return [Item(name)] if _goods_name(name, counted=False) else []
    # Each quantity takes the name before it (back to the previous quantity); a quantity at the start
    # takes the name after it ("两袋面粉").
    pos = 0
    pending: tuple[Decimal | None, str | None] | None = None
    for m in matches:
        before = _clean_name(segment[pos:m.start()])
        qty = _quantity(m)
        if pending is not None:
            if before:
                found.append(Item(before, *pending))
            pending = None
            if before:
                # the text between belonged to the quantity before; this one looks ahead
                pending = qty
                pos = m.end()
                continue
        if before:
            found.append(Item(before, *qty))
        else:
            pending = qty
        pos = m.end()
    rest = _clean_name(segment[pos:])
    if pending is not None:
        if rest:
            found.append(Item(rest, *pending))
        elif found:
            pass
    elif rest and _goods_name(rest, counted=False):
        found.append(Item(rest))
    return [i for i in found if _goods_name(i.name, counted=i.quantity is not None)]


def _plausible(segment: str, m: re.Match[str]) -> bool:
    """A bare Arabic number is a quantity only beside a name ("可乐 2"), not inside one ("套餐A")."""
    if m["bare"]:
        after = segment[m.end():m.end() + 1]
        before = segment[m.start() - 1:m.start()] if m.start() else ""
        if re.match(r"[A-Za-z0-9.\u4e00-\u9fff]", after) or re.match(r"[A-Za-z]", before):
            return False
    return True


def _goods_name(name: str, *, counted: bool = True) -> bool:
    """A plausible name of goods; without a quantity ("需要退烧药") it must look more like one."""
    if not name or len(name) > 14:
        return False
    if counted and re.search(r"[剩没了吃]", name):
        return False
    if not counted and (len(name) < 2 or len(name) > 8 or _SENTENCE.search(name)):
        return False
    if any(w in name for w in _THANKS + _QUESTION):
        return False
    return re.search(r"[\u4e00-\u9fffA-Za-z]", name) is not None


def _find_address(text: str) -> tuple[str | None, str, str]:
    """(building-unit-room or None, compound name or "", the text without the address)."""
    m = _ADDRESS.search(text)
    if m is None:
        return None, "", text
    parsed = parse_address(m["addr"])
    if parsed is None or not parsed.unit:
        return None, "", text
    return parsed.short, (m["compound"] or ""), text[:m.start()] + " " + text[m.end():]


def _kind(text: str, items: list[Item]) -> str:
    if any(w in text for w in _DISTRESS):
        return Kind.DISTRESS
    if any(w in text for w in _HELP):
        return Kind.HELP
    if any(w in text.replace("山药", "") for w in _MEDICINE):
        return Kind.MEDICINE
    if any(w in text for w in _ERRAND):
        return Kind.ERRAND
    if items:
        return Kind.ORDER
    if any(w in text for w in _QUESTION + _THANKS):
        return Kind.OTHER
    if any(w in text for w in _BUY):
        return Kind.ORDER
    return Kind.OTHER


def _strip_name_after_address(text: str) -> str:
    """Drop the writer's name where it follows the address ("9-2-502 张嫂子 要面粉5斤")."""
    stripped = text.lstrip(" :：,，-")
    head, sep, rest = stripped.partition(" ")
    head_clean = head.rstrip(":：,，")
    if _called(head_clean) and (sep or head_clean != head):
        return rest
    m = re.match(r"^([\u4e00-\u9fff]{1,4})[:：,，]\s*(.*)$", stripped, re.S)
    if m and _called(m[1]):
        return m[2]
    return stripped


def parse_message(sender: str, text: str) -> Parsed:
    """One message of a WeChat group, parsed. Never raises: what it cannot read it leaves out (an
    address it cannot find is None, a message with no items and no known words is "other")."""
    body = normalize(str(text or "").replace("\r", "\n")).replace("\n", "，")
    nick = normalize(sender or "")
    address, compound, rest = _find_address(body)
    if address is None:
        address, compound, _nick_rest = _find_address(nick)
    else:
        rest = _strip_name_after_address(rest)
    rest = _CHAIN.sub("", rest.strip())
    rest = _SERIAL.sub("", rest)
    rest = _strip_name_after_address(rest)
    plus = _PLUS.match(rest)
    plus_n = None
    if plus:
        plus_n = Decimal(plus["n"])
        rest = rest[plus.end():]
    rest = _EACH.sub(lambda m: "，".join(n + m["q"] for n in re.split(r"[、和]", m["names"])), rest)
    kind_text = body.replace(address or "\0", "")
    items: list[Item] = []
    if not any(w in kind_text for w in _DISTRESS + _HELP):
        for segment in _SPLIT.split(rest):
            items.extend(_items_of(segment.strip()))
    if any(i.quantity is not None for i in items):
        # Beside counted items, an uncounted phrase is the sentence around them ("想买点水果，苹果3斤").
        items = [i for i in items if i.quantity is not None]
    elif plus is None and not any(w in kind_text for w in _BUY + _MEDICINE):
        # Nothing counted and nothing asked for: a remark, not an order ("一行看不懂的话").
        items = []
    if plus_n is not None:
        items = [Item(i.name, plus_n, i.unit) if i.quantity is None else i for i in items]
    kind = _kind(kind_text, items)
    if kind in (Kind.ERRAND, Kind.OTHER):
        items = []  # an errand is a service, described by its text
    urgent = kind in URGENT_KINDS or any(w in kind_text for w in _URGENT_WORDS + _URGENT_GOODS)
    return Parsed(address=address, kind=kind, urgent=urgent, items=tuple(items), compound=compound)


# -- a pasted run of messages -----------------------------------------------------------------------------

# "张嫂子 10:32" or "张嫂子 2022/1/27 10:32" on a line of its own: WeChat's copied header.
_HEADER = re.compile(r"^(?P<sender>[^:：]{1,30}?)\s+(?:\d{4}[/-]\d{1,2}[/-]\d{1,2}\s+)?\d{1,2}:\d{2}(?::\d{2})?$")
# "张嫂子: text" / "张嫂子：text" / "[张嫂子] text".
_SAID = re.compile(r"^(?:\[(?P<b>[^\]]{1,30})\]\s*|(?P<s>[^:：\s][^:：]{0,29}?)\s*[:：]\s*)(?P<text>.+)$")


def split_messages(paste: str) -> list[tuple[str, str]]:
    """A pasted run of group messages -> (sender, text), in order. A message is a line ``sender:
    text``, or a header line ``sender 10:32`` followed by its text lines; a line of neither kind
    continues the message before it, and a blank line ends one. Nothing is dropped: a line before
    any sender is a message without one."""
    messages: list[list[str]] = []
    current: list[str] | None = None
    for raw in str(paste or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            current = None
            continue
        header = _HEADER.match(line)
        if header:
            current = [header["sender"].strip(), ""]
            messages.append(current)
            continue
        said = _SAID.match(line)
        if said and not re.fullmatch(r"[\d\s:：]+", (said["b"] or said["s"] or "")) and _is_sender(said["b"] or said["s"]):
            current = [(said["b"] or said["s"]).strip(), said["text"].strip()]
            messages.append(current)
            continue
        if current is None:
            current = ["", line]
            messages.append(current)
        else:
            current[1] = f"{current[1]}\n{line}" if current[1] else line
    return [(s, t) for s, t in messages if t or s]


def _is_sender(name: str) -> bool:
    """A nickname before a colon, not the start of a sentence ("急：胰岛素", "备注：不要辣")."""
    name = name.strip()
    return name not in ("急", "紧急", "备注", "注", "地址", "电话", "数量", "接龙", "团购", "求助", "补充") and len(name) <= 30
