"""65 participants, each with what they need (zh, en or mixed) and the offers of offers.py
graded for them by hand: 3 exactly what they asked for, 2 strongly related, 1 worth a look;
every other offer is 0. Graded by reading the texts, never from any scorer's output.

Cross-language on purpose: most English needs have their best answers written in Chinese
(p01 → dt1, dt2) and some Chinese needs in English (p02 → sc2). Hard negatives are offers
sharing words but not meaning (p01: 二手车交易平台; p02: 冷链冷库制冷; p03: power banks)."""

from __future__ import annotations

from typing import Any


def person(
    id: str,
    industries: list[str],
    need: str,
    relevant: dict[str, int],
    *,
    offer: str = "",
    intents: list[str] | None = None,
    languages: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "intents": intents or ["buy"],
        "industries": industries,
        "offer": offer,
        "need": need,
        "languages": languages or (["en"] if need.isascii() else ["zh"]),
        "relevant": relevant,
    }


PARTICIPANTS: list[dict[str, Any]] = [
    person(
        "p01",
        ["data-trading"],
        "A data trading platform to list our logistics datasets",
        {"dt1": 3, "dt2": 3, "dt3": 3, "dt4": 1},
    ),
    person(
        "p02",
        ["servers-cooling", "data-centres"],
        "液冷服务器，单柜功率30kW以上",
        {"sc1": 3, "sc2": 3, "sc3": 1, "sc5": 1, "dc6": 1},
    ),
    person(
        "p03",
        ["computing-power", "ai"],
        "GPU computing power for training large language models",
        {"cp1": 3, "cp3": 3, "cp2": 2, "cp5": 2, "cp6": 1, "cp4": 1, "mx2": 1},
    ),
    person(
        "p04",
        ["film-tv-rendering"],
        "影视动画渲染算力，需要按帧计费的云渲染",
        {"fr1": 3, "fr2": 3, "cp1": 1, "cp3": 1, "fr3": 1},
    ),
    person(
        "p05",
        ["data-security"],
        "Data security compliance assessment before exporting data abroad",
        {"ds1": 3, "iv5": 3, "ds4": 1, "pd2": 1},
    ),
    person("p06", ["data-security"], "等保三级测评和渗透测试", {"ds4": 3, "ds3": 2, "ds1": 1}),
    person(
        "p07",
        ["blockchain", "agriculture"],
        "Blockchain traceability for our tea exports",
        {"bc2": 3, "bc6": 3, "bc1": 1, "ag1": 1},
    ),
    person(
        "p08",
        ["cloud"],
        "混合云迁移，帮助制造企业上云",
        {"cl2": 3, "cl4": 2, "cl1": 1, "cl3": 1, "sw3": 1},
    ),
    person(
        "p09",
        ["databases"],
        "Migrate from Oracle to a domestic distributed database",
        {"db3": 3, "db1": 3, "sw3": 2, "db5": 1},
    ),
    person(
        "p10",
        ["industrial-internet"],
        "工厂设备联网与数据采集",
        {"ii4": 3, "ii2": 2, "ii3": 2, "ii7": 2, "io3": 2, "g1": 1, "ii1": 1, "db2": 1, "mx12": 1},
    ),
    person(
        "p11",
        ["industrial-internet"],
        "An identifier resolution node for our industrial cluster",
        {"ii1": 3, "ii5": 1},
    ),
    person("p12", ["ai"], "数据标注服务，中英文语料", {"ai5": 3, "ai9": 3, "fe5": 2}),
    person(
        "p13",
        ["ai"],
        "A Chinese large language model deployed on premises and fine-tuned on our documents",
        {"ai1": 3, "ai6": 1, "ai4": 1, "cp1": 1, "cp3": 1, "mx2": 1},
    ),
    person(
        "p14",
        ["ai", "scenario-big-data"],
        "数字人主播，用于直播带货",
        {"ai3": 3, "mx10": 2, "mx8": 1, "mv3": 1, "ag3": 1},
    ),
    person(
        "p15", ["5g"], "A private 5G network for a coal mine", {"g1": 3, "g5": 3, "g2": 2, "g3": 1}
    ),
    person(
        "p16",
        ["iot", "agriculture"],
        "土壤墒情与气象传感器",
        {"io2": 3, "ag1": 2, "ag7": 2, "ag2": 1, "io3": 1},
    ),
    person(
        "p17",
        ["digital-government"],
        "City operations platform (unified city management)",
        {"gv1": 3, "gv2": 2, "gv6": 2, "gv3": 1, "gv4": 1},
    ),
    person(
        "p18",
        ["healthcare"],
        "医院临床数据集成与分析平台",
        {"hc2": 3, "hc3": 2, "hc1": 1, "hc4": 1, "sb3": 1},
    ),
    person(
        "p19",
        ["logistics"],
        "Cold chain transport with temperature monitoring for vaccines",
        {"lg2": 3, "io4": 3, "mx7": 1, "lg6": 1, "mx5": 1},
    ),
    person(
        "p20",
        ["logistics"],
        "整车运力，贵阳到广州干线运输",
        {"lg1": 3, "lg5": 1, "lg4": 1, "mx5": 1},
    ),
    person(
        "p21",
        ["flexible-employment"],
        "A flexible staffing platform with payroll and tax settlement",
        {"fe1": 3, "fe2": 2, "fe3": 1},
    ),
    person("p22", ["agriculture"], "卫星遥感农作物估产", {"ag2": 3, "ag7": 2}),
    person(
        "p23",
        ["film-tv-rendering"],
        "A render farm for a Houdini effects project",
        {"fr2": 3, "fr1": 3, "fr3": 1},
    ),
    person(
        "p24", ["metaverse"], "数字孪生工厂三维可视化", {"mv1": 3, "ii7": 1, "gv6": 1, "ii2": 1}
    ),
    person(
        "p25",
        ["metaverse"],
        "A virtual exhibition hall for our product launch",
        {"mv3": 3, "mv2": 3, "fr4": 1, "mv5": 1},
    ),
    person("p26", ["scenario-big-data"], "景区客流分析与预测", {"sb1": 3, "sb6": 2, "gv2": 1}),
    person(
        "p27",
        ["personal-data-centres"],
        "Personal data consent management for our app",
        {"pd2": 3, "pd1": 3, "ds1": 1, "iv5": 1, "hc5": 1},
    ),
    person(
        "p28",
        ["ai"],
        "寻找A轮融资，投资机构",
        {"iv2": 3, "iv1": 3, "iv3": 2},
        offer="少数民族语言语音识别技术",
        intents=["partner", "sell"],
    ),
    person(
        "p29",
        ["data-security"],
        "Investors, and pilot customers in finance",
        {"iv1": 3, "iv2": 3, "iv3": 2, "dt6": 2},
        offer="Privacy computing SDK for banks",
        intents=["sell", "partner"],
    ),
    person("p30", ["software"], "小程序开发，会员积分商城", {"sw7": 3, "sw1": 2, "sw2": 1}),
    person(
        "p31", ["software"], "An outsourced Java development team", {"sw1": 3, "fe3": 3, "sw6": 1}
    ),
    person("p32", ["software"], "电子合同与电子签名系统", {"sw5": 3, "bc1": 1}),
    person(
        "p33",
        ["computing-power", "data-centres"],
        "贵州 colocation racks: 20 cabinets, high power density",
        {"dc1": 3, "dc2": 3, "dc5": 1, "sc1": 1, "cp5": 1},
        languages=["zh", "en"],
    ),
    person(
        "p34",
        ["data-centres"],
        "数据中心节能改造，PUE降到1.3以下",
        {"dc6": 3, "sc1": 2, "sc2": 2, "dc3": 1, "ii7": 1, "mx1": 1},
    ),
    person(
        "p35",
        ["data-trading", "scenario-big-data"],
        "Consumer spending data for credit risk models",
        {"dt5": 3, "mx13": 2, "dt1": 1, "dt2": 1, "sb2": 1},
    ),
    person("p36", ["data-trading"], "数据资产入表与价值评估", {"dt4": 3, "dt2": 1, "dt1": 1}),
    person("p37", ["blockchain"], "A smart contract security audit", {"bc5": 3, "ds4": 1}),
    person("p38", ["blockchain"], "基于区块链的供应链金融平台", {"bc4": 3, "bc1": 1}),
    person(
        "p39",
        ["digital-government"],
        "A government data sharing and exchange platform",
        {"gv3": 3, "sb3": 2, "dt1": 1, "dt3": 1, "mx4": 1},
    ),
    person("p40", ["healthcare", "ai"], "肺结节影像AI辅助诊断", {"hc1": 3}),
    person(
        "p41",
        ["smart-terminals"],
        "An EMS partner for SMT assembly of our IoT devices",
        {"st1": 3, "st4": 2, "st3": 1},
    ),
    person("p42", ["smart-terminals", "logistics"], "三防平板，用于仓库盘点", {"st2": 3, "lg3": 1}),
    person(
        "p43",
        ["cloud"],
        "Cloud phones and cloud desktops for our call centre",
        {"cl5": 3, "ai4": 1},
    ),
    person("p44", ["ai"], "智能客服机器人，接入微信和电话", {"ai4": 3, "mx10": 2}),
    person(
        "p45",
        ["databases", "iot"],
        "A time-series database for sensor data",
        {"db2": 3, "db1": 1, "io3": 1, "mx4": 1},
    ),
    person("p46", ["data-security"], "隐私计算平台，联邦学习", {"ds2": 3}),
    person(
        "p47",
        ["data-security", "healthcare"],
        "Data masking and encryption for hospital databases",
        {"ds5": 3, "ds6": 1, "ds1": 1},
    ),
    person(
        "p48",
        ["ai", "computing-power"],
        "寻找AI与算力方向的早期项目",
        {"ai8": 3, "ai1": 1, "ai3": 1, "ai4": 1, "cp2": 1, "cp5": 1},
        offer="投资机构，关注人工智能与算力",
        intents=["invest"],
    ),
    person(
        "p49", ["ai"], "Hire machine learning engineers", {"iv7": 3, "fe3": 2}, intents=["hire"]
    ),
    person("p50", ["agriculture", "ai"], "农产品直播带货", {"ag3": 3, "ai3": 2, "mx8": 1}),
    person(
        "p51",
        ["logistics", "software"],
        "A warehouse management system and AGVs",
        {"lg3": 3, "lg5": 1, "st2": 1},
    ),
    person("p52", ["logistics"], "跨境海外仓，出口东南亚", {"lg4": 3}),
    person(
        "p53",
        ["industrial-internet"],
        "Vibration monitoring to predict failures of CNC machines",
        {"ii3": 3, "ii4": 2, "io3": 1, "ii7": 1},
    ),
    person("p54", ["5g", "industrial-internet"], "5G+AR远程专家指导", {"g3": 3, "mv6": 2, "g1": 1}),
    person("p55", ["iot"], "Smart water meters on NB-IoT", {"io1": 3, "io3": 1}),
    person("p56", ["film-tv-rendering"], "虚拟制片拍摄棚", {"fr4": 3, "fr3": 1}),
    person(
        "p57",
        ["film-tv-rendering"],
        "Video transcoding and a CDN for our live streaming app",
        {"fr5": 3, "cl3": 1},
    ),
    person("p58", ["scenario-big-data"], "用户画像与精准营销", {"sb2": 3, "sb5": 1}),
    person(
        "p59",
        ["cloud", "data-security"],
        "A cyber range for red team and blue team exercises",
        {"ds3": 3, "ds4": 1},
    ),
    person("p60", ["personal-data-centres"], "家庭NAS存储", {"pd4": 3, "pd1": 1}),
    person(
        "p61",
        ["servers-cooling"],
        "国产 servers with distributed storage for 信创 projects",
        {"sc3": 3, "sc4": 2, "db1": 1, "sw3": 1, "sc5": 1},
        languages=["zh", "en"],
    ),
    person(
        "p62",
        ["digital-government"],
        "数字经济园区的落地政策与人才补贴",
        {"iv6": 3, "iv3": 2},
        intents=["partner"],
    ),
    person(
        "p63",
        ["data-security", "software"],
        "Legal advice on cross-border data transfer",
        {"iv5": 3, "ds1": 3},
    ),
    person("p64", ["ai"], "OCR发票识别", {"ai6": 3}),
    person(
        "p65",
        ["film-tv-rendering", "cloud"],
        "Cloud rendering capacity for an animated feature film",
        {"fr1": 3, "fr2": 3, "cp1": 1, "cp3": 1},
    ),
]
