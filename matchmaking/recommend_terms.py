"""The bilingual vocabulary recommendations read offers and needs through: concepts, each
with its Chinese and English terms, so a need written in English meets an offer written in
Chinese ("data trading platform" ↔ "数据交易撮合服务").

Data only. Every industry of expo/industries.py is a concept under its own key (its labels are
terms of it, with the hand-written ones below); other core terms of the expo's trade have
concepts of their own. Chinese terms are found as substrings (Chinese has no spaces), English
terms as whole stemmed words in order (recommend_text.py).

Keep terms specific: a term shared by unrelated trades ("安全" alone is work safety as often as
data security) makes false matches; write the longer phrase instead.
"""

from __future__ import annotations

# concept -> (Chinese terms, English terms)
TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # --- the industries (keys of expo/industries.py) ---
    "computing-power": (
        ("算力", "东数西算", "算力网络", "算力调度", "智算", "超算", "算力租赁"),
        (
            "computing power",
            "compute",
            "computing capacity",
            "gpu cluster",
            "hpc",
            "supercomputing",
            "east data west computing",
        ),
    ),
    "data-centres": (
        ("数据中心", "机房", "IDC", "机柜", "托管"),
        (
            "data centre",
            "data center",
            "datacenter",
            "colocation",
            "server room",
            "rack space",
            "idc",
        ),
    ),
    "servers-cooling": (
        ("服务器", "液冷", "散热", "存储设备", "分布式存储", "冷板", "浸没式"),
        ("server", "liquid cooling", "cooling", "storage array", "immersion", "cold plate"),
    ),
    "cloud": (
        ("云服务", "云计算", "公有云", "私有云", "混合云", "上云", "云平台", "云主机"),
        (
            "cloud service",
            "cloud computing",
            "public cloud",
            "private cloud",
            "hybrid cloud",
            "cloud migration",
            "cloud platform",
            "cloud hosting",
        ),
    ),
    "data-trading": (
        (
            "数据交易",
            "数据流通",
            "数据交易所",
            "数据产品",
            "数据资产",
            "数据要素",
            "数据撮合",
            "数据定价",
            "数据确权",
        ),
        (
            "data trading",
            "data exchange",
            "data marketplace",
            "data product",
            "data asset",
            "data circulation",
            "data pricing",
            "data brokerage",
        ),
    ),
    "data-security": (
        (
            "数据安全",
            "网络安全",
            "隐私计算",
            "等保",
            "安全靶场",
            "数据脱敏",
            "加密",
            "渗透测试",
            "安全合规",
            "数据合规",
        ),
        (
            "data security",
            "cybersecurity",
            "cyber security",
            "privacy computing",
            "privacy-preserving",
            "security range",
            "cyber range",
            "data masking",
            "encryption",
            "penetration test",
            "security compliance",
            "data compliance",
        ),
    ),
    "industrial-internet": (
        ("工业互联网", "标识解析", "智能制造", "工厂数字化", "设备联网", "MES", "数字化转型"),
        (
            "industrial internet",
            "identifier resolution",
            "smart manufacturing",
            "factory digitalisation",
            "factory digitalization",
            "mes",
            "digital transformation",
            "industrial iot",
        ),
    ),
    "smart-terminals": (
        ("智能终端", "电子制造", "代工", "整机", "PCB", "贴片", "手机", "平板"),
        (
            "smart terminal",
            "electronics manufacturing",
            "oem",
            "ems",
            "pcb",
            "smt",
            "smartphone",
            "tablet",
            "device manufacturing",
        ),
    ),
    "software": (
        ("软件开发", "软件外包", "信息服务", "系统集成", "定制开发", "SaaS", "低代码"),
        (
            "software development",
            "software outsourcing",
            "it service",
            "system integration",
            "custom development",
            "saas",
            "low-code",
            "low code",
        ),
    ),
    "databases": (
        ("数据库", "国产数据库", "分布式数据库", "信创"),
        ("database", "domestic database", "distributed database", "sql"),
    ),
    "blockchain": (
        ("区块链", "联盟链", "数字藏品", "上链", "存证", "智能合约"),
        (
            "blockchain",
            "consortium chain",
            "digital collectible",
            "nft",
            "smart contract",
            "on-chain",
            "notarisation",
            "notarization",
        ),
    ),
    "ai": (
        (
            "人工智能",
            "大模型",
            "机器学习",
            "深度学习",
            "计算机视觉",
            "语音识别",
            "AI",
            "智能客服",
            "虚拟人",
            "数字人",
        ),
        (
            "artificial intelligence",
            "ai",
            "large language model",
            "llm",
            "machine learning",
            "deep learning",
            "computer vision",
            "speech recognition",
            "virtual human",
            "digital human",
            "chatbot",
        ),
    ),
    "5g": (("5G", "专网", "基站"), ("5g", "private network", "base station")),
    "iot": (
        ("物联网", "传感器", "智能硬件", "NB-IoT", "LoRa"),
        ("iot", "internet of things", "sensor", "connected device", "lora"),
    ),
    "digital-government": (
        ("数字政府", "智慧城市", "一网统管", "一网通办", "政务", "城市大脑"),
        ("digital government", "smart city", "e-government", "government", "city brain"),
    ),
    "healthcare": (
        ("医疗", "医院", "健康", "病历", "医保", "影像诊断"),
        ("healthcare", "medical", "hospital", "health data", "patient record", "medical imaging"),
    ),
    "logistics": (
        ("物流", "货运", "运力", "冷链", "仓储", "快递", "车货匹配"),
        ("logistics", "freight", "trucking", "cold chain", "warehousing", "shipping", "delivery"),
    ),
    "flexible-employment": (
        ("灵活用工", "零工", "众包", "人力外包", "兼职"),
        ("flexible employment", "gig", "crowdsourcing", "staffing", "freelance", "part-time"),
    ),
    "agriculture": (
        ("农业", "农产品", "种植", "养殖", "茶园", "农户", "溯源"),
        ("agriculture", "agricultural", "farm", "farming", "crop", "produce", "traceability"),
    ),
    "film-tv-rendering": (
        ("渲染", "影视", "特效", "动画", "云渲染", "渲染农场"),
        (
            "rendering",
            "render farm",
            "film",
            "visual effects",
            "vfx",
            "animation",
            "post-production",
        ),
    ),
    "metaverse": (
        ("元宇宙", "数字孪生", "虚拟现实", "VR", "AR", "三维建模", "虚拟展厅"),
        (
            "metaverse",
            "digital twin",
            "virtual reality",
            "vr",
            "ar",
            "3d modelling",
            "3d modeling",
            "virtual showroom",
        ),
    ),
    "scenario-big-data": (
        ("场景大数据", "大数据应用", "数据分析", "数据治理", "用户画像", "精准营销"),
        (
            "scenario big data",
            "big data application",
            "data analytics",
            "data analysis",
            "data governance",
            "user profiling",
            "precision marketing",
        ),
    ),
    "personal-data-centres": (
        ("个人数据中心", "个人数据", "数据授权", "个人信息"),
        (
            "personal data centre",
            "personal data center",
            "personal data",
            "data consent",
            "personal information",
        ),
    ),
    # --- core terms of the trade, across industries ---
    "financing": (
        ("融资", "投资", "天使轮", "A轮", "B轮", "股权", "基金", "资本", "早期项目", "初创"),
        (
            "funding",
            "investment",
            "investor",
            "seed round",
            "series a",
            "series b",
            "equity",
            "fund",
            "venture capital",
            "financing",
            "early-stage",
            "startup",
            "raising",
        ),
    ),
    "recruiting": (
        ("招聘", "人才", "猎头", "工程师", "团队扩张"),
        (
            "hiring",
            "hire",
            "recruit",
            "recruiting",
            "headhunting",
            "talent",
            "engineer",
            "developer",
        ),
    ),
    "distribution": (
        ("渠道", "代理商", "经销", "分销", "出海"),
        (
            "distribution",
            "distributor",
            "reseller",
            "channel partner",
            "overseas market",
            "go-to-market",
        ),
    ),
    "energy": (
        ("绿电", "电力", "能耗", "节能", "PUE", "新能源"),
        (
            "green power",
            "renewable energy",
            "electricity",
            "energy efficiency",
            "pue",
            "energy saving",
        ),
    ),
    "gpu": (("GPU", "显卡", "算力卡", "训练集群"), ("gpu", "graphics card", "training cluster")),
    "annotation": (
        ("数据标注", "标注", "语料"),
        ("data labelling", "data labeling", "annotation", "training data", "corpus"),
    ),
    "identity": (
        ("身份认证", "实名认证", "人脸识别", "电子签名"),
        ("identity verification", "authentication", "face recognition", "e-signature"),
    ),
    "payments": (
        ("支付", "结算", "供应链金融", "征信"),
        ("payment", "settlement", "supply chain finance", "credit scoring"),
    ),
    "tourism": (("旅游", "景区", "文旅"), ("tourism", "scenic area", "travel")),
    "education": (("教育", "培训", "课程"), ("education", "course", "e-learning")),
    # --- finer concepts inside an industry: a specific match outranks a same-industry one ---
    "liquid-cooling": (
        ("液冷", "冷板", "浸没"),
        ("liquid cooling", "immersion cooling", "cold plate"),
    ),
    "colocation": (("机柜", "机房", "托管"), ("colocation", "rack", "cabinet")),
    "rendering": (("渲染",), ("rendering", "render", "render farm")),
    "cyber-range": (
        ("靶场", "攻防演练", "红蓝对抗", "红蓝攻防"),
        ("cyber range", "security range", "red team", "blue team"),
    ),
    "pentest": (("渗透测试", "等保测评", "等保"), ("penetration test", "pentest", "mlps")),
    "privacy-computing": (
        ("隐私计算", "联邦学习", "多方安全计算"),
        ("privacy computing", "federated learning", "multi-party computation"),
    ),
    "masking-encryption": (("脱敏", "加密"), ("data masking", "masking", "encryption", "encrypt")),
    "compliance": (
        ("合规", "出境", "跨境数据"),
        ("compliance", "cross-border data", "data export"),
    ),
    "consent": (("授权", "同意管理"), ("consent",)),
    "llm": (
        ("大模型", "微调", "私有化部署"),
        ("large language model", "llm", "fine-tune", "on premises"),
    ),
    "virtual-human": (("虚拟人", "数字人"), ("virtual human", "digital human", "avatar")),
    "service-bot": (
        ("智能客服", "客服机器人", "语音机器人"),
        ("chatbot", "customer service bot", "voice bot", "call centre", "call center"),
    ),
    "outsourcing": (("外包", "驻场"), ("outsource", "outsourcing", "outsourced")),
    "migration": (("迁移", "上云"), ("migrate", "migration")),
    "domestic": (("国产", "信创"), ("domestic", "xinchuang")),
    "traceability": (("溯源", "追溯"), ("traceability", "trace")),
    "time-series": (("时序数据库", "时序"), ("time-series", "time series")),
    "cloud-desktop": (("云桌面", "云手机"), ("cloud desktop", "cloud phone")),
    "data-sharing": (("数据共享", "共享交换"), ("data sharing", "sharing and exchange")),
    "data-integration": (("数据集成", "集成"), ("data integration", "integration")),
    "analytics": (("分析", "预测"), ("analytics", "analysis", "prediction", "forecast")),
    "soil-weather": (("土壤", "墒情", "气象"), ("soil", "moisture", "weather")),
    "meters": (("水表", "燃气表", "电表"), ("water meter", "gas meter", "smart meter", "meter")),
    "marketing": (
        ("用户画像", "精准营销", "营销"),
        ("user profiling", "precision marketing", "marketing"),
    ),
    "ocr": (("票据识别", "发票识别", "文字识别"), ("ocr", "invoice recognition")),
    "live-commerce": (
        ("直播带货", "电商直播", "直播"),
        ("live commerce", "livestream selling", "live streaming"),
    ),
    "e-signature": (
        ("电子签名", "电子合同"),
        ("e-signature", "electronic signature", "e-contract"),
    ),
}
