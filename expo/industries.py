"""The expo's industry vocabulary (expo-facts.md): stable keys with Chinese and English labels.

Exhibitors are filed under a key; matchmaking's offers and needs will use the same keys.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

INDUSTRIES: dict[str, tuple[str, str]] = {
    "computing-power": ("算力网络 · 东数西算", "Computing power network"),
    "data-centres": ("数据中心", "Data centres"),
    "servers-cooling": ("服务器、存储与散热", "Servers, storage and cooling"),
    "cloud": ("云服务", "Cloud services"),
    "data-trading": ("数据流通交易", "Data trading and exchanges"),
    "data-security": ("数据安全", "Data security"),
    "industrial-internet": ("工业互联网", "Industrial internet"),
    "smart-terminals": ("智能终端与电子制造", "Smart terminals and electronics"),
    "software": ("软件与信息服务", "Software and IT services"),
    "databases": ("国产数据库", "Domestic databases"),
    "blockchain": ("区块链", "Blockchain"),
    "ai": ("人工智能", "AI"),
    "5g": ("5G", "5G"),
    "iot": ("物联网", "IoT"),
    "digital-government": ("数字政府与智慧城市", "Digital government and smart cities"),
    "healthcare": ("医疗健康大数据", "Healthcare big data"),
    "logistics": ("物流与货运平台", "Logistics and freight platforms"),
    "flexible-employment": ("灵活用工平台", "Flexible employment platforms"),
    "agriculture": ("农业大数据", "Agriculture big data"),
    "film-tv-rendering": ("影视云渲染", "Film and TV cloud rendering"),
    "metaverse": ("元宇宙与数字孪生", "Metaverse and digital twins"),
    "scenario-big-data": ("场景大数据", "Scenario big data"),
    "personal-data-centres": ("个人数据中心", "Personal data centres"),
}


def industry_label(key: str) -> dict[str, str]:
    """The key with its labels; a key from before the vocabulary shows as itself."""
    zh, en = INDUSTRIES.get(key, (key, key))
    return {"key": key, "zh": zh, "en": en}


class IndustryLabel(BaseModel):
    """`industry_label`'s answer, as API documents describe it."""

    model_config = ConfigDict(extra="forbid")

    key: str
    zh: str
    en: str
