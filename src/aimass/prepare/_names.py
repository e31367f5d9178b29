"""Column and table names, English and Chinese, that point to each canonical column and table."""

from __future__ import annotations

import difflib
import re

__all__ = ["COLUMN_SYNONYMS", "TABLE_SYNONYMS", "name_score", "normalize_name", "table_name_score"]


def _words(text: str) -> list[str]:
    """Split a ``;``-separated list of names."""
    return [" ".join(word.split()) for word in text.split(";") if word.strip()]


_CUSTOMER = _words(
    """
    customer id; customer no; customer number; customer code; cust id; client id; member id; member
    no; member number; user id; uid; buyer id; 客户编号; 客户id; 客户号; 客户代码; 会员号;
    会员编号; 会员id; 用户id; 用户编号; 顾客编号; 买家id
    """
)
_PRODUCT = _words(
    """
    sku; product id; product code; product no; item id; item code; article; article no; sku id; sku
    code; 商品编号; 商品id; 商品编码; 商品代码; 货号; 产品编号; 产品id; sku编号
    """
)
_CAMPAIGN = _words(
    """
    campaign id; campaign; campaign code; 活动编号; 活动id; 活动代码
    """
)

#: Names (normalized: lower case, words separated by one space) that mean each canonical column.
COLUMN_SYNONYMS: dict[str, dict[str, list[str]]] = {
    "customers": {
        "customer_id": _CUSTOMER,
        "signup_at": _words(
            """
            signup date; sign up date; signup at; signup time; registered at; registration date;
            register date; registered; created at; join date; joined at; member since; 注册日期;
            注册时间; 入会日期; 入会时间; 开卡日期; 注册日
            """
        ),
        "birth_date": _words(
            """
            birth date; birthday; date of birth; dob; birthdate; 生日; 出生日期; 出生年月日
            """
        ),
        "gender": _words(
            """
            gender; sex; 性别
            """
        ),
        "region": _words(
            """
            region; province; state; area; 地区; 省份; 区域; 省
            """
        ),
        "city": _words(
            """
            city; town; 城市; 市; 所在城市
            """
        ),
        "channel": _words(
            """
            channel; acquisition channel; source channel; signup channel; source; 渠道; 注册渠道;
            来源渠道; 来源
            """
        ),
        "email_hash": _words(
            """
            email; e mail; email address; mail; email hash; 邮箱; 电子邮件; 电子邮箱; 邮件
            """
        ),
        "phone_hash": _words(
            """
            phone; mobile; phone number; mobile number; tel; telephone; cell; cellphone; phone
            hash; 手机; 手机号; 手机号码; 电话; 联系电话; 电话号码
            """
        ),
        "attrs": _words(
            """
            attrs; attributes; properties; extra; 属性
            """
        ),
    },
    "products": {
        "product_id": _PRODUCT,
        "name": _words(
            """
            name; title; title en; name en; product name; item name; product title; 商品名称; 名称;
            品名; 标题; 商品名; 产品名称
            """
        ),
        "category": _words(
            """
            category; cat; category name; department; 类别; 品类; 分类; 一级类目; 类目
            """
        ),
        "subcategory": _words(
            """
            subcategory; sub category; sub cat; 子类; 二级类目; 子类别; 子分类
            """
        ),
        "brand": _words(
            """
            brand; brand name; make; 品牌
            """
        ),
        "price": _words(
            """
            price; list price; retail price; unit price; selling price; 价格; 售价; 单价; 标价;
            零售价
            """
        ),
        "cost": _words(
            """
            cost; unit cost; cost price; purchase price; 成本; 进价; 成本价
            """
        ),
        "description": _words(
            """
            description; desc; description en; details; 描述; 商品描述; 详情; 说明
            """
        ),
        "image_path": _words(
            """
            image; image path; image url; picture; photo; img; image file; 图片; 图片路径; 主图
            """
        ),
        "attrs": _words(
            """
            attrs; attributes; properties; specs; 属性; 规格
            """
        ),
    },
    "orders": {
        "order_id": _words(
            """
            order no; order id; order number; order; order code; transaction id; receipt no;
            订单号; 订单编号; 订单id; 单号; 订单
            """
        ),
        "line_no": _words(
            """
            line; line no; line number; line item; item no; seq; position; 行号; 序号; 明细行; 行
            """
        ),
        "customer_id": _CUSTOMER,
        "product_id": _PRODUCT,
        "ordered_at": _words(
            """
            order date; order time; ordered at; order datetime; date; time; purchase date; purchase
            time; created at; transaction date; 下单时间; 订单日期; 下单日期; 日期; 时间; 交易时间;
            支付时间; 订单时间
            """
        ),
        "quantity": _words(
            """
            qty; quantity; units; count; pieces; 数量; 件数; 购买数量; 销量
            """
        ),
        "unit_price": _words(
            """
            unit price; price; item price; 单价; 价格; 售价; 成交价
            """
        ),
        "discount": _words(
            """
            discount; discount amount; markdown; 折扣; 优惠; 优惠金额; 折扣金额; 减免
            """
        ),
        "amount": _words(
            """
            line total; total; amount; line amount; sales; revenue; subtotal; net amount; 金额;
            小计; 实付金额; 总价; 合计; 销售额; 实付
            """
        ),
        "channel": _words(
            """
            channel; sales channel; order channel; 渠道; 销售渠道; 下单渠道
            """
        ),
        "payment_method": _words(
            """
            payment; payment method; pay method; payment type; pay type; tender; 支付方式;
            付款方式; 支付渠道
            """
        ),
        "coupon_id": _words(
            """
            coupon; coupon code; coupon id; voucher; promo code; 优惠券; 券码; 优惠码
            """
        ),
        "store_id": _words(
            """
            store; store id; shop; shop id; store code; branch; 门店; 店铺; 门店编号; 店铺编号
            """
        ),
    },
    "events": {
        "event_id": _words(
            """
            event id; event no; 事件id; 事件编号
            """
        ),
        "customer_id": _CUSTOMER,
        "session_id": _words(
            """
            session id; session; sid; visit id; 会话id; 会话
            """
        ),
        "event_type": _words(
            """
            type; event type; event; action; event name; behavior; behaviour; 事件类型; 行为;
            行为类型; 事件
            """
        ),
        "occurred_at": _words(
            """
            ts; timestamp; time; event time; occurred at; created at; datetime; date; 时间;
            发生时间; 事件时间; 时间戳
            """
        ),
        "product_id": _PRODUCT,
        "query": _words(
            """
            query; search; search query; search term; keyword; q; 搜索词; 关键词; 查询
            """
        ),
        "value": _words(
            """
            value; amount; revenue; 值; 金额
            """
        ),
        "context": _words(
            """
            context; properties; props; attributes; metadata; meta; 上下文; 属性
            """
        ),
    },
    "campaigns": {
        "campaign_id": _CAMPAIGN,
        "name": _words(
            """
            name; campaign name; title; 活动名称; 名称
            """
        ),
        "starts_at": _words(
            """
            start; start date; starts at; start time; begin; begins at; from; 开始时间; 开始日期
            """
        ),
        "ends_at": _words(
            """
            end; end date; ends at; end time; finish; until; to; 结束时间; 结束日期
            """
        ),
        "channel": _words(
            """
            channel; medium; 渠道
            """
        ),
        "offer_type": _words(
            """
            offer type; promo type; coupon type; 优惠类型; 券类型
            """
        ),
        "offer_value": _words(
            """
            offer value; discount value; coupon value; 优惠值; 面额; 优惠额度
            """
        ),
        "unit_cost": _words(
            """
            unit cost; cost per send; cost per contact; cost; 单位成本; 单价
            """
        ),
        "budget": _words(
            """
            budget; total budget; 预算
            """
        ),
    },
    "exposures": {
        "campaign_id": _CAMPAIGN,
        "customer_id": _CUSTOMER,
        "assigned_at": _words(
            """
            assigned at; assigned; assignment time; assigned date; 分组时间; 分配时间
            """
        ),
        "arm": _words(
            """
            arm; group; variant; treatment group; cell; 组别; 分组; 实验组
            """
        ),
        "propensity": _words(
            """
            propensity; probability; assignment probability; score; 倾向; 倾向分
            """
        ),
        "cost": _words(
            """
            cost; send cost; 成本; 费用
            """
        ),
        "sent_at": _words(
            """
            sent at; sent; send time; delivered at; 发送时间; 触达时间
            """
        ),
    },
}

#: Words in raw table names that point to each canonical table.
TABLE_SYNONYMS: dict[str, list[str]] = {
    "customers": _words(
        """
        customer; customers; member; members; user; users; client; clients; 客户; 会员; 用户
        """
    ),
    "products": _words(
        """
        product; products; item; items; sku; skus; catalog; catalogue; goods; 商品; 产品
        """
    ),
    "orders": _words(
        """
        order; orders; sale; sales; transaction; transactions; order lines; 订单; 销售; 交易
        """
    ),
    "events": _words(
        """
        event; events; click; clicks; log; logs; tracking; behavior; behaviour; 行为; 日志; 事件
        """
    ),
    "campaigns": _words(
        """
        campaign; campaigns; promotion; promotions; marketing; 活动; 营销
        """
    ),
    "exposures": _words(
        """
        exposure; exposures; assignment; assignments; send; sends; treatment; treatments; 曝光;
        触达; 分组
        """
    ),
}

_SINGULAR = {name: name.removesuffix("s") for name in TABLE_SYNONYMS}


def normalize_name(text: str) -> str:
    """Lower case words separated by single spaces; ``camelCase``, ``snake_case``, ``a__b`` and ``a.b`` split.

    Examples
    --------
    >>> normalize_name("Order No.")
    'order no'
    >>> normalize_name("offer__type"), normalize_name("customerId"), normalize_name(" 客户编号 ")
    ('offer type', 'customer id', '客户编号')
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", " ", spaced.lower()).strip()


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _partial(raw: str, synonym: str) -> float:
    """How much of ``raw`` a synonym covers when one contains the other (0 when neither does)."""
    if _is_cjk(raw) or _is_cjk(synonym):
        if len(synonym) >= 2 and synonym in raw:
            return float(0.8 * (len(synonym) / len(raw)) ** 0.5)
        return 0.0
    raw_words, synonym_words = raw.split(), synonym.split()
    if synonym_words and set(synonym_words) <= set(raw_words):
        return float(0.8 * (len(synonym_words) / len(raw_words)) ** 0.5)
    return 0.0


def name_score(raw: str, table: str, column: str, key: str | None = None) -> tuple[float, str]:
    """How strongly a raw column name points to ``table.column`` (0 to 1), and why.

    Parameters
    ----------
    raw : str
        The raw column name (or a struct field path such as ``title.en``).
    table, column : str
        The canonical table and column.
    key : str, optional
        The table's first key column: a raw column named just ``id`` points to it.

    Examples
    --------
    >>> name_score("Order No", "orders", "order_id")
    (1.0, "name 'Order No' is a synonym of order_id")
    >>> name_score("客户编号", "customers", "customer_id")[0]
    1.0
    """
    normalized = normalize_name(raw)
    if not normalized:
        return 0.0, ""
    synonyms = [normalize_name(column), *COLUMN_SYNONYMS.get(table, {}).get(column, [])]
    if normalized in synonyms:
        kind = "the canonical name" if normalized == synonyms[0] else "a synonym"
        return 1.0, f"name {raw!r} is {kind} of {column}"
    if normalized == "id" and column == key:
        return 0.85, f"name {raw!r} is the generic identifier of the table"
    singular = _SINGULAR.get(table, "")
    stripped = normalized.removeprefix(f"{singular} ") if singular else normalized
    if stripped != normalized and stripped in synonyms:
        return 0.95, f"name {raw!r} is {singular!r} + a synonym of {column}"
    best, why = 0.0, ""
    for synonym in synonyms:
        score = _partial(normalized, synonym)
        if score > best:
            best, why = score, f"name {raw!r} contains {synonym!r}, a synonym of {column}"
    for synonym in synonyms:
        ratio = difflib.SequenceMatcher(None, normalized, synonym).ratio()
        if ratio >= 0.85 and 0.7 * ratio > best:
            best, why = 0.7 * ratio, f"name {raw!r} is close to {synonym!r} (a synonym of {column})"
    return round(best, 3), why


def table_name_score(raw_table: str, canonical: str) -> float:
    """1.0 when the raw table's name holds a word for the canonical table, else 0.

    Examples
    --------
    >>> table_name_score("raw.orders_2024", "orders"), table_name_score("raw.会员", "customers")
    (1.0, 1.0)
    """
    name = normalize_name(raw_table.split(".", 1)[-1])
    words = set(name.split())
    for synonym in TABLE_SYNONYMS[canonical]:
        if (" " in synonym and synonym in name) or synonym in words or (_is_cjk(synonym) and synonym in name):
            return 1.0
    return 0.0
