"""150 profiles that offer something at the expo, in Chinese, English or both, across the
expo's industries; a few are hard negatives on purpose (they share words with needs but not
their meaning: 二手车交易平台 against a data trading platform, cold-storage refrigeration
against liquid-cooled servers, security guards against data security, power banks against
computing power, a home-theatre cabinet against server racks)."""

from __future__ import annotations

from typing import Any

BOTH = ["zh", "en"]
ZH = ["zh"]
EN = ["en"]


def offer(
    id: str,
    industries: list[str],
    text: str,
    need: str = "",
    *,
    intents: list[str] | None = None,
    languages: list[str] | None = None,
    exhibitor: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "intents": intents or ["sell"],
        "industries": industries,
        "offer": text,
        "need": need,
        "languages": languages or BOTH,
        "exhibitor": exhibitor or f"x-{id}",
    }


OFFERS: list[dict[str, Any]] = [
    # --- computing power ---
    offer(
        "cp1",
        ["computing-power"],
        "东数西算枢纽节点算力租赁，提供A100/H800 GPU集群按小时计费",
        "寻找大模型企业客户",
    ),
    offer("cp2", ["computing-power"], "算力调度平台，跨区域算力网络统一调度与结算"),
    offer(
        "cp3",
        ["computing-power", "cloud"],
        "GPU cloud for AI training: on-demand H100 clusters in Guizhou, billed per hour",
        languages=EN,
    ),
    offer(
        "cp4",
        ["computing-power"],
        "超算中心科学计算服务，气象模拟与基因测序高性能计算",
        languages=ZH,
    ),
    offer(
        "cp5",
        ["computing-power", "data-centres"],
        "Computing power brokerage between western data centres and eastern enterprises",
    ),
    offer(
        "cp6",
        ["computing-power", "ai"],
        "智算中心建设EPC总包 / turnkey AI computing centre construction",
        intents=["sell", "partner"],
    ),
    # --- data centres ---
    offer(
        "dc1",
        ["data-centres"],
        "贵安新区数据中心机柜租赁，T3+机房，双路市电，PUE 1.25",
        exhibitor="x-guian",
    ),
    offer(
        "dc2",
        ["data-centres"],
        "Colocation racks in Guiyang with 2N power and carrier-neutral connectivity",
    ),
    offer("dc3", ["data-centres"], "数据中心运维外包，7×24小时驻场巡检", exhibitor="x-guian"),
    offer(
        "dc4",
        ["data-centres"],
        "数据中心投资运营，三个园区在建",
        "采购液冷机柜与模块化UPS",
        intents=["buy", "partner"],
    ),
    offer("dc5", ["data-centres"], "Modular prefabricated data centre units, deployed in 12 weeks"),
    offer(
        "dc6",
        ["data-centres", "servers-cooling"],
        "数据中心绿电直供与节能改造，降低PUE",
        languages=ZH,
    ),
    # --- servers, storage, cooling ---
    offer("sc1", ["servers-cooling"], "冷板式液冷服务器整机柜交付，单柜功率50kW"),
    offer(
        "sc2",
        ["servers-cooling"],
        "Immersion cooling tanks and dielectric fluid for high-density GPU racks",
        languages=EN,
    ),
    offer("sc3", ["servers-cooling"], "国产信创服务器与分布式存储一体机"),
    offer("sc4", ["servers-cooling", "databases"], "全闪存储阵列，适用数据库与虚拟化"),
    offer("sc5", ["servers-cooling"], "Refurbished rack servers and storage, three-year warranty"),
    offer(
        "sc7", ["smart-terminals"], "Home and office air cooling units, wholesale", languages=EN
    ),  # hard negative: cooling
    # --- cloud ---
    offer("cl1", ["cloud", "digital-government"], "政务云与行业私有云建设，通过等保三级"),
    offer("cl2", ["cloud"], "Managed hybrid cloud and cloud migration for manufacturers"),
    offer("cl3", ["cloud"], "公有云资源代理，云主机、对象存储、CDN折扣", languages=ZH),
    offer(
        "cl4",
        ["cloud", "software"],
        "Kubernetes platform and DevOps consulting for cloud-native apps",
    ),
    offer("cl5", ["cloud"], "云桌面与云手机解决方案，适合呼叫中心与远程办公"),
    offer(
        "cl7",
        ["cloud"],
        "云服务产品线，招募西南地区渠道代理商",
        "寻找渠道代理商与分销伙伴",
        intents=["sell", "partner"],
    ),
    # --- data trading ---
    offer("dt1", ["data-trading"], "数据交易撮合服务，数据产品登记、定价与合规审查"),
    offer("dt2", ["data-trading"], "数据交易所会员服务，协助数据产品挂牌交易", languages=ZH),
    offer(
        "dt3",
        ["data-trading", "software"],
        "Data marketplace software: listing, pricing and usage-based settlement",
    ),
    offer("dt4", ["data-trading"], "数据资产评估与入表咨询"),
    offer(
        "dt5",
        ["data-trading", "scenario-big-data"],
        "Alternative data feeds for finance: shipping, satellite and consumer spending data",
    ),
    offer(
        "dt6",
        ["data-trading"],
        "金融风控模型与反欺诈服务",
        "采购企业工商与司法数据",
        intents=["buy", "sell"],
    ),
    # --- data security ---
    offer("ds1", ["data-security"], "数据安全合规评估：数据分类分级、数据出境安全评估"),
    offer(
        "ds2",
        ["data-security"],
        "Privacy computing platform: federated learning and secure multi-party computation",
    ),
    offer("ds3", ["data-security"], "网络安全靶场建设与红蓝攻防演练", languages=ZH),
    offer("ds4", ["data-security"], "等保测评与渗透测试服务"),
    offer("ds5", ["data-security"], "Database encryption and data masking for banks and hospitals"),
    offer("ds6", ["data-security"], "数据防泄漏DLP与终端安全管理"),
    offer("ds7", ["logistics"], "安全帽、反光衣等劳保用品批发", languages=ZH),  # hard negative
    # --- industrial internet ---
    offer("ii1", ["industrial-internet"], "工业互联网标识解析二级节点建设与运营"),
    offer("ii2", ["industrial-internet", "software"], "MES制造执行系统，离散制造工厂数字化"),
    offer(
        "ii3",
        ["industrial-internet", "ai"],
        "Predictive maintenance for CNC machines with vibration sensors and AI",
    ),
    offer("ii4", ["industrial-internet", "iot"], "设备联网与工业数据采集网关", languages=ZH),
    offer(
        "ii5", ["industrial-internet"], "Digital transformation consulting for manufacturing SMEs"
    ),
    offer(
        "ii6",
        ["industrial-internet"],
        "酱香白酒酿造与销售",
        "寻找工厂数字化改造服务商，实现酿造过程数据采集",
        intents=["buy"],
        languages=ZH,
    ),
    offer("ii7", ["industrial-internet", "scenario-big-data"], "工业大数据平台，能耗监测与优化"),
    # --- smart terminals ---
    offer("st1", ["smart-terminals"], "智能终端EMS代工，SMT贴片与整机组装"),
    offer("st2", ["smart-terminals"], "Rugged Android tablets for field work and warehouses"),
    offer("st3", ["smart-terminals"], "智能手表与可穿戴设备ODM"),
    offer("st4", ["smart-terminals"], "PCB电路板打样与批量生产"),
    offer(
        "st5",
        ["smart-terminals"],
        "Power banks and chargers wholesale, OEM available",
        languages=EN,
    ),  # hard negative: power
    offer(
        "st6", ["smart-terminals"], "家庭影院机柜与音响安装", languages=ZH
    ),  # hard negative: 机柜
    # --- software ---
    offer("sw1", ["software"], "软件定制开发与外包，Java/Go团队50人"),
    offer("sw2", ["software"], "Low-code platform for internal business apps"),
    offer("sw3", ["software", "databases"], "系统集成与信创适配迁移"),
    offer(
        "sw4",
        ["software"],
        "Cloud ERP for restaurants: ordering, inventory and payroll",
        languages=EN,
    ),  # hard negative: cloud
    offer("sw5", ["software"], "电子签名与合同管理SaaS"),
    offer("sw6", ["software"], "QA and test automation outsourcing"),
    offer("sw7", ["software"], "微信小程序与App开发", languages=ZH),
    # --- databases ---
    offer("db1", ["databases"], "国产分布式数据库，兼容MySQL，金融级高可用"),
    offer("db2", ["databases", "iot"], "Time-series database for IoT and industrial telemetry"),
    offer("db3", ["databases"], "Oracle到国产数据库迁移服务"),
    offer("db4", ["databases", "ai"], "图数据库与知识图谱平台"),
    offer("db5", ["databases"], "Database performance tuning and DBAs on call"),
    offer("db6", ["software"], "题库与试题数据库，在线考试系统", languages=ZH),  # hard negative
    # --- blockchain ---
    offer("bc1", ["blockchain"], "联盟链BaaS平台，电子存证与司法链对接"),
    offer(
        "bc2",
        ["blockchain", "agriculture"],
        "Blockchain traceability for farm products: QR codes from farm to shelf",
    ),
    offer("bc3", ["blockchain"], "数字藏品发行平台"),
    offer("bc4", ["blockchain"], "区块链供应链金融平台", languages=ZH),
    offer("bc5", ["blockchain", "data-security"], "Smart contract audit and security review"),
    offer("bc6", ["blockchain", "agriculture"], "区块链农产品溯源，茶叶与中药材"),
    offer("bc7", ["software"], "供应链管理咨询与精益生产培训", languages=ZH),  # hard negative: 链
    # --- AI ---
    offer("ai1", ["ai"], "行业大模型私有化部署与微调"),
    offer(
        "ai2",
        ["ai", "industrial-internet"],
        "Computer vision for quality inspection on production lines",
    ),
    offer("ai3", ["ai"], "AI虚拟人直播与数字人主播定制"),
    offer("ai4", ["ai"], "智能客服与语音机器人，支持电话和微信"),
    offer(
        "ai5",
        ["ai"],
        "Data labelling and annotation services: 300 annotators, Chinese and English corpora",
    ),
    offer("ai6", ["ai"], "OCR票据识别与文档智能"),
    offer(
        "ai7",
        ["ai"],
        "电商平台运营",
        "采购大模型API，用于商品文案生成",
        intents=["buy"],
        languages=ZH,
    ),
    offer(
        "ai8",
        ["ai"],
        "Speech recognition for minority languages; we are raising our Series A",
        "Series A investment and pilot customers",
        intents=["partner", "sell"],
    ),
    offer("ai9", ["ai"], "数据标注众包平台，图像与语音标注", languages=ZH),
    # --- 5G ---
    offer("g1", ["5g"], "5G专网建设，工厂与矿山场景"),
    offer("g2", ["5g"], "5G industrial routers and CPE"),
    offer("g3", ["5g", "metaverse"], "5G+AR远程协作与专家指导运维"),
    offer("g4", ["5g"], "基站节能与铁塔共享", languages=ZH),
    offer("g5", ["5g"], "Private 5G networks for ports and campuses"),
    # --- IoT ---
    offer("io1", ["iot"], "NB-IoT智能水表与燃气表"),
    offer(
        "io2",
        ["iot", "agriculture"],
        "LoRa sensors for environmental monitoring: soil moisture and temperature",
    ),
    offer("io3", ["iot"], "物联网平台，设备接入与远程管理"),
    offer("io4", ["iot", "logistics"], "冷链温湿度监测传感器与平台"),
    offer("io5", ["iot"], "Smart building IoT: lighting and HVAC control"),
    offer("io6", ["iot", "smart-terminals"], "智能门锁与智能家居", languages=ZH),
    # --- digital government ---
    offer("gv1", ["digital-government"], "一网统管城市运行管理平台"),
    offer(
        "gv2",
        ["digital-government", "ai"],
        "Smart city video analytics: traffic flow and incident detection",
    ),
    offer("gv3", ["digital-government"], "政务数据共享交换平台与数据治理"),
    offer("gv4", ["digital-government"], "一网通办政务服务系统", languages=ZH),
    offer(
        "gv5",
        ["digital-government"],
        "区县大数据局",
        "寻找城市大脑与数字孪生城市建设方案",
        intents=["buy"],
        languages=ZH,
    ),
    offer("gv6", ["digital-government", "metaverse"], "Digital twin of cities for urban planning"),
    # --- healthcare ---
    offer("hc1", ["healthcare", "ai"], "医疗影像AI辅助诊断，肺结节与眼底筛查"),
    offer(
        "hc2", ["healthcare"], "Hospital data platform: patient records integration and analytics"
    ),
    offer("hc3", ["healthcare"], "医保控费与DRG数据分析"),
    offer("hc4", ["healthcare"], "互联网医院建设与远程问诊", languages=ZH),
    offer(
        "hc5", ["healthcare"], "Anonymised health data for pharma research, with consent management"
    ),
    # --- logistics ---
    offer("lg1", ["logistics"], "车货匹配平台，整车零担运力撮合"),
    offer("lg2", ["logistics"], "Cold chain logistics with real-time temperature tracking"),
    offer("lg3", ["logistics"], "智能仓储WMS与AGV搬运机器人"),
    offer("lg4", ["logistics"], "跨境物流与东南亚海外仓"),
    offer("lg5", ["logistics", "software"], "Route optimisation software for delivery fleets"),
    offer("lg6", ["logistics"], "冷链冷库制冷设备安装", languages=ZH),  # hard negative: 冷
    offer("lg7", ["logistics"], "二手车交易平台与车辆检测", languages=ZH),  # hard negative
    # --- flexible employment ---
    offer("fe1", ["flexible-employment"], "灵活用工平台，薪酬结算与个税代缴"),
    offer("fe2", ["flexible-employment"], "Gig worker platform for delivery and retail staff"),
    offer("fe3", ["flexible-employment", "software"], "IT人才外包与驻场开发工程师"),
    offer(
        "fe4", ["flexible-employment"], "Security guards and event security staffing", languages=EN
    ),  # hard negative: security
    offer("fe5", ["flexible-employment", "ai"], "众包数据采集与标注兼职平台"),
    # --- agriculture ---
    offer("ag1", ["agriculture", "iot"], "茶园物联网与智慧种植管理系统"),
    offer("ag2", ["agriculture"], "Satellite imagery and crop yield prediction"),
    offer("ag3", ["agriculture"], "农产品电商直播与供应链"),
    offer("ag4", ["agriculture"], "畜禽养殖数字化管理平台", languages=ZH),
    offer(
        "ag5",
        ["agriculture"],
        "Organic green tea from Guizhou, exporter",
        "Buyers in Europe; organic and traceability certification",
        intents=["sell", "buy"],
    ),
    offer("ag6", ["agriculture"], "健康食品与保健品批发", languages=ZH),  # hard negative: 健康
    offer("ag7", ["agriculture"], "农业大数据平台，气象与土壤数据服务"),
    # --- film and TV rendering ---
    offer("fr1", ["film-tv-rendering"], "影视云渲染农场，万核CPU与GPU渲染节点，按帧计费"),
    offer(
        "fr2",
        ["film-tv-rendering"],
        "Cloud rendering for animation studios: Maya, Houdini and Blender supported",
    ),
    offer("fr3", ["film-tv-rendering"], "影视特效制作与后期合成"),
    offer("fr4", ["film-tv-rendering", "metaverse"], "虚拟制片LED摄影棚租赁", languages=ZH),
    offer(
        "fr5", ["film-tv-rendering", "cloud"], "Video transcoding and CDN for streaming platforms"
    ),
    offer(
        "fr6",
        ["film-tv-rendering"],
        "动画工作室，承接三维动画",
        "寻找稳定的渲染算力，春节档项目",
        intents=["buy", "sell"],
    ),
    # --- metaverse ---
    offer("mv1", ["metaverse", "industrial-internet"], "数字孪生工厂三维可视化"),
    offer("mv2", ["metaverse"], "Virtual showrooms and 3D product configurators for expos"),
    offer("mv3", ["metaverse"], "元宇宙展厅与虚拟发布会平台"),
    offer("mv4", ["metaverse"], "VR安全培训课程：电力与煤矿"),  # near miss for security
    offer("mv5", ["metaverse"], "3D scanning and photogrammetry of heritage sites"),
    offer("mv6", ["metaverse", "smart-terminals"], "AR眼镜与空间计算设备"),
    # --- scenario big data ---
    offer("sb1", ["scenario-big-data"], "文旅大数据，景区客流分析与预测"),
    offer(
        "sb2",
        ["scenario-big-data"],
        "Retail analytics: footfall, user profiling and precision marketing",
    ),
    offer("sb3", ["scenario-big-data"], "数据治理与数据中台建设"),
    offer("sb4", ["scenario-big-data"], "电力大数据，用电行为分析", languages=ZH),
    offer("sb5", ["scenario-big-data"], "BI dashboards and data visualisation consulting"),
    offer("sb6", ["scenario-big-data"], "交通大数据与出行分析"),
    # --- personal data centres ---
    offer("pd1", ["personal-data-centres"], "个人数据中心（PDC）平台，个人数据授权与存储"),
    offer(
        "pd2",
        ["personal-data-centres", "data-security"],
        "Consent management platform for personal information protection compliance",
    ),
    offer("pd3", ["personal-data-centres", "healthcare"], "个人健康数据管理App"),
    offer("pd4", ["personal-data-centres"], "家庭NAS私有云存储设备"),
    offer(
        "pd5",
        ["personal-data-centres"],
        "Personal data wallet app",
        "Pilot partners (banks, telecoms)",
        intents=["partner"],
    ),
    # --- investors and services around them ---
    offer(
        "iv1",
        ["data-security", "computing-power"],
        "大数据产业基金，投资A轮前后的数据安全与算力项目",
        "寻找早期项目",
        intents=["invest"],
    ),
    offer(
        "iv2",
        ["ai"],
        "Venture capital investing in AI and data infrastructure, seed to Series B",
        "Early-stage founders",
        intents=["invest"],
    ),
    offer(
        "iv3",
        ["digital-government"],
        "政府引导基金，支持落地贵州的数字经济企业",
        intents=["invest"],
        languages=ZH,
    ),
    offer("iv4", ["software"], "知识产权代理与高新技术企业认定", languages=ZH),
    offer(
        "iv5", ["data-security"], "Legal counsel on data compliance and cross-border data transfer"
    ),
    offer("iv6", ["digital-government"], "数字经济产业园招商：办公场地、人才补贴与落地政策"),
    offer("iv7", ["flexible-employment", "ai"], "猎头服务：大数据与AI高端人才", languages=ZH),
    # --- more of the expo's everyday offers ---
    offer("mx1", ["data-centres"], "UPS、精密空调与配电柜，数据中心配套"),
    offer("mx2", ["ai", "computing-power"], "AI inference servers with domestic accelerators"),
    offer("mx3", ["cloud", "data-security"], "云安全托管：WAF、DDoS防护与安全运营中心"),
    offer("mx4", ["software", "databases"], "数据仓库与湖仓一体平台"),
    offer("mx5", ["logistics", "iot"], "GPS fleet tracking devices for trucks"),
    offer("mx6", ["healthcare", "iot"], "智能养老监护手环"),
    offer("mx7", ["agriculture", "logistics"], "农产品冷链仓储与产地集配中心"),
    offer("mx8", ["film-tv-rendering", "ai"], "AIGC视频生成与短视频批量制作"),
    offer(
        "mx9",
        ["scenario-big-data", "digital-government"],
        "Census and survey data collection with tablets",
    ),
    offer("mx10", ["metaverse", "ai"], "数字人客服与虚拟导览"),
    offer("mx11", ["5g", "iot"], "5G智慧杆与城市物联感知"),
    offer("mx12", ["industrial-internet", "servers-cooling"], "工业边缘计算服务器，宽温防尘"),
    offer("mx13", ["data-trading", "personal-data-centres"], "个人征信数据合规查询接口"),
    offer("mx14", ["blockchain", "metaverse"], "Blockchain games and digital collectibles studio"),
    offer(
        "mx15",
        ["software"],
        "Translation and localisation of software into English, Japanese, Korean",
    ),
]
