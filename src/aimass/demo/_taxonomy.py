"""The retailer's taxonomy: channels, payment methods, devices, cities and stores, colours, and the catalog's
categories and subcategories (display names in English and Chinese, median prices, margins, materials,
brands, size schemes).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ACQUISITION_CHANNELS",
    "CATEGORIES",
    "CHANNELS",
    "CITIES",
    "COLOURS",
    "DEVICES",
    "PAYMENTS",
    "SUBCATEGORIES",
    "CategorySpec",
    "SubcategorySpec",
]

CHANNELS: tuple[str, ...] = ("online", "app", "store")
PAYMENTS: tuple[str, ...] = ("alipay", "wechat_pay", "card", "cash", "apple_pay")
DEVICES: tuple[str, ...] = ("ios", "android", "desktop")
ACQUISITION_CHANNELS: tuple[str, ...] = (
    "organic_search",
    "social",
    "referral",
    "store",
    "app_store",
    "paid_ads",
)

#: (city, region, population weight, number of stores)
CITIES: tuple[tuple[str, str, float, int], ...] = (
    ("Shanghai", "East", 0.16, 3),
    ("Hangzhou", "East", 0.08, 2),
    ("Nanjing", "East", 0.06, 2),
    ("Suzhou", "East", 0.05, 1),
    ("Beijing", "North", 0.14, 3),
    ("Tianjin", "North", 0.05, 1),
    ("Guangzhou", "South", 0.09, 2),
    ("Shenzhen", "South", 0.10, 2),
    ("Chengdu", "Southwest", 0.08, 2),
    ("Chongqing", "Southwest", 0.05, 1),
    ("Wuhan", "Central", 0.06, 2),
    ("Changsha", "Central", 0.04, 1),
    ("Xi'an", "Northwest", 0.04, 1),
)

#: (English name, Chinese name, RGB)
COLOURS: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("Red", "红色", (196, 40, 40)),
    ("Blue", "蓝色", (40, 90, 200)),
    ("Black", "黑色", (25, 25, 25)),
    ("White", "白色", (245, 245, 240)),
    ("Grey", "灰色", (128, 128, 128)),
    ("Green", "绿色", (40, 150, 70)),
    ("Navy", "藏青色", (20, 30, 90)),
    ("Beige", "米色", (225, 205, 170)),
    ("Pink", "粉色", (240, 150, 180)),
    ("Yellow", "黄色", (240, 200, 40)),
    ("Brown", "棕色", (120, 75, 40)),
    ("Purple", "紫色", (120, 60, 160)),
)


@dataclass(frozen=True)
class SubcategorySpec:
    """A subcategory: its key, display names, median list price (CNY) and popularity in its category."""

    key: str
    label_en: str
    label_zh: str
    median_price: float
    weight: float


@dataclass(frozen=True)
class CategorySpec:
    """A category: products in the catalog, gross margin, materials, brands, size scheme, subcategories."""

    key: str
    label_zh: str
    n_products: int
    margin: float
    materials: tuple[tuple[str, str], ...]
    brands: tuple[str, ...]
    sizes: tuple[str, ...]
    subcategories: tuple[SubcategorySpec, ...]


def _sub(key: str, en: str, zh: str, price: float, weight: float) -> SubcategorySpec:
    return SubcategorySpec(key, en, zh, price, weight)


_FABRICS = (("Cotton", "棉质"), ("Linen", "亚麻"), ("Silk", "真丝"), ("Wool", "羊毛"), ("Denim", "牛仔"))
CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "clothing",
        "服装",
        400,
        0.55,
        _FABRICS,
        ("Urban Thread", "Silk Road", "Northwind", "Lotus Lane"),
        ("XS", "S", "M", "L", "XL", "XXL"),
        (
            _sub("shirts", "Shirt", "衬衫", 199, 0.25),
            _sub("trousers", "Trousers", "长裤", 249, 0.20),
            _sub("dresses", "Dress", "连衣裙", 399, 0.18),
            _sub("jackets", "Jacket", "夹克", 599, 0.15),
            _sub("t_shirts", "T-Shirt", "T恤", 99, 0.22),
        ),
    ),
    CategorySpec(
        "shoes",
        "鞋履",
        220,
        0.50,
        (("Leather", "皮革"), ("Canvas", "帆布"), ("Suede", "麂皮"), ("Mesh", "网面")),
        ("Stride", "Peak Step", "Cloudwalk"),
        ("35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45"),
        (
            _sub("sneakers", "Sneakers", "运动鞋", 499, 0.32),
            _sub("boots", "Boots", "靴子", 699, 0.14),
            _sub("heels", "Heels", "高跟鞋", 459, 0.16),
            _sub("sandals", "Sandals", "凉鞋", 199, 0.16),
            _sub("leather_shoes", "Leather Shoes", "皮鞋", 599, 0.22),
        ),
    ),
    CategorySpec(
        "accessories",
        "配饰",
        220,
        0.60,
        (("Leather", "皮革"), ("Canvas", "帆布"), ("Metal", "金属"), ("Straw", "草编")),
        ("Aurora", "Jade Line", "Meridian"),
        ("One Size",),
        (
            _sub("bags", "Bag", "包", 399, 0.30),
            _sub("belts", "Belt", "腰带", 159, 0.15),
            _sub("watches", "Watch", "手表", 899, 0.15),
            _sub("sunglasses", "Sunglasses", "太阳镜", 299, 0.15),
            _sub("hats", "Hat", "帽子", 99, 0.25),
        ),
    ),
    CategorySpec(
        "electronics",
        "数码",
        260,
        0.20,
        (("Aluminium", "铝合金"), ("Plastic", "塑料"), ("Glass", "玻璃"), ("Silicone", "硅胶")),
        ("Nova", "Astra", "Pulse", "Zenith"),
        ("One Size",),
        (
            _sub("phones", "Phone", "手机", 3299, 0.17),
            _sub("laptops", "Laptop", "笔记本电脑", 5999, 0.09),
            _sub("headphones", "Headphones", "耳机", 499, 0.20),
            _sub("phone_cases", "Phone Case", "手机壳", 79, 0.18),
            _sub("chargers", "Charger", "充电器", 99, 0.22),
            _sub("smartwatches", "Smartwatch", "智能手表", 1499, 0.14),
        ),
    ),
    CategorySpec(
        "home",
        "家居",
        280,
        0.45,
        (("Cotton", "棉质"), ("Bamboo", "竹制"), ("Ceramic", "陶瓷"), ("Steel", "不锈钢")),
        ("Hearth", "Bamboo Home", "Calm Living"),
        ("One Size",),
        (
            _sub("bedding", "Bedding Set", "床品套件", 399, 0.18),
            _sub("pillows", "Pillow", "枕头", 129, 0.16),
            _sub("kitchenware", "Cookware", "厨具", 159, 0.22),
            _sub("storage", "Storage Box", "收纳盒", 69, 0.16),
            _sub("decor", "Vase", "花瓶", 129, 0.14),
            _sub("lighting", "Lamp", "台灯", 199, 0.14),
        ),
    ),
    CategorySpec(
        "beauty",
        "美妆",
        200,
        0.60,
        (("Herbal", "草本"), ("Floral", "花香"), ("Mineral", "矿物"), ("Citrus", "柑橘")),
        ("Lumi", "Petal", "Herbal Lab"),
        ("50ml", "100ml", "200ml"),
        (
            _sub("shampoo", "Shampoo", "洗发水", 69, 0.22),
            _sub("conditioner", "Conditioner", "护发素", 69, 0.16),
            _sub("skincare", "Face Cream", "面霜", 259, 0.25),
            _sub("makeup", "Lipstick", "口红", 189, 0.22),
            _sub("perfume", "Perfume", "香水", 599, 0.15),
        ),
    ),
    CategorySpec(
        "sports",
        "运动",
        180,
        0.40,
        (("Rubber", "橡胶"), ("Nylon", "尼龙"), ("Steel", "钢制"), ("Foam", "泡棉")),
        ("Summit", "Flex", "Tidal"),
        ("S", "M", "L"),
        (
            _sub("yoga_mats", "Yoga Mat", "瑜伽垫", 129, 0.20),
            _sub("water_bottles", "Water Bottle", "运动水壶", 59, 0.20),
            _sub("fitness_equipment", "Dumbbells", "哑铃", 399, 0.20),
            _sub("sportswear", "Sports Top", "运动上衣", 199, 0.25),
            _sub("outdoor_gear", "Tent", "帐篷", 499, 0.15),
        ),
    ),
    CategorySpec(
        "grocery",
        "食品",
        240,
        0.25,
        (("Organic", "有机"), ("Imported", "进口"), ("Classic", "经典"), ("Premium", "优选")),
        ("Golden Field", "Fresh Farm", "Mountain Spring"),
        ("250g", "500g", "1kg"),
        (
            _sub("coffee", "Coffee Beans", "咖啡豆", 89, 0.15),
            _sub("milk", "Milk", "牛奶", 45, 0.18),
            _sub("snacks", "Snacks", "零食", 29, 0.20),
            _sub("rice", "Rice", "大米", 59, 0.12),
            _sub("cooking_oil", "Cooking Oil", "食用油", 69, 0.10),
            _sub("tea", "Tea", "茶叶", 129, 0.10),
            _sub("fruit", "Fruit", "水果", 39, 0.15),
        ),
    ),
)

#: Every subcategory in catalog order, with the index of its category.
SUBCATEGORIES: tuple[tuple[int, SubcategorySpec], ...] = tuple(
    (index, sub) for index, category in enumerate(CATEGORIES) for sub in category.subcategories
)
