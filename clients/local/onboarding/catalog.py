"""The onboarding item catalogue (DOMAIN.md A1–A4): sections, items, dependencies, evidence.

Titles live here (not only in the TUI catalog) because the server names items in its own
messages, e.g. the prerequisite that is missing, in the request's language.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("not_started", "in_progress", "done", "not_applicable", "blocked")
AREAS = ("坪东", "下五屯", "桔山", "安龙")
TOKEN_TYPES = ("undecided", "ukey", "etoken")
ETOKEN_LIMIT = 100_000  # CNY per transaction and per day (A4); above it: UKey + SMS
UKEY_SMS_LIMIT = 1_000_000


@dataclass(frozen=True)
class ItemDef:
    id: str
    section: str
    zh: str
    en: str
    requires: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    may_skip: bool = False
    """Whether the marketer may mark it not applicable."""

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh-CN" else self.en


SECTIONS = ("checklist", "materials", "documents", "credit")

ITEMS: tuple[ItemDef, ...] = (
    # A1 — readiness checklist, confirmed before the on-site guidance visit
    ItemDef(
        "card",
        "checklist",
        "客户持有我行卡、存折或信用卡",
        "Holds a PSBC debit card, passbook or credit card",
    ),
    ItemDef(
        "online_banking",
        "checklist",
        "已开通个人网上银行",
        "Personal online banking opened",
        requires=("card",),
    ),
    ItemDef(
        "security_device",
        "checklist",
        "已发放 UKey 或电子令牌",
        "UKey or e-token issued",
        requires=("online_banking",),
        evidence=("ukey_serial", "etoken_number"),
    ),
    ItemDef(
        "ukey_installed",
        "checklist",
        "UKey 已安装在订货付款的电脑上",
        "UKey installed on the ordering computer",
        requires=("security_device",),
        may_skip=True,
    ),
    ItemDef(
        "activated",
        "checklist",
        "网银已激活并修改初始密码",
        "Online banking activated, initial password changed",
        requires=("online_banking",),
        evidence=("activation_date",),
    ),
    ItemDef(
        "xsm_account",
        "checklist",
        "已申请新商盟账号和密码",
        "Xinshangmeng account and password applied for",
    ),
    # A2 — Xinshangmeng account application materials
    ItemDef(
        "m_licence_copy", "materials", "卷烟零售许可证复印件", "Copy of the tobacco retail licence"
    ),
    ItemDef(
        "m_id_copy", "materials", "零售户姓名及身份证复印件", "Retailer's name and ID card copy"
    ),
    ItemDef("m_area", "materials", "零售户所属片区", "Retailer's area"),
    ItemDef(
        "m_trained_signed",
        "materials",
        "已培训并签署培训确认书、申请书、免责声明",
        "Trained; training confirmation, application and disclaimer signed",
    ),
    ItemDef(
        "m_sent_corporate",
        "materials",
        "材料已交公司部转烟草公司",
        "Materials sent to the corporate department",
        requires=("m_licence_copy", "m_id_copy", "m_area", "m_trained_signed"),
    ),
    # A3 — documents signed once the customer can order and pay alone
    ItemDef(
        "d_settlement_application", "documents", "网上结算业务申请", "Online settlement application"
    ),
    ItemDef(
        "d_disclaimer", "documents", "卷烟网上结算免责声明", "Online tobacco settlement disclaimer"
    ),
    ItemDef("d_training_confirmation", "documents", "培训确认书", "Training confirmation"),
    ItemDef("d_area", "documents", "客户所属片区", "Customer's area"),
    # A4 — credit card for tobacco retailers (only when the customer applies)
    ItemDef("c_application_form", "credit", "信用卡申请表", "Application form", may_skip=True),
    ItemDef("c_id_copy", "credit", "身份证复印件", "ID copy", may_skip=True),
    ItemDef(
        "c_group_note", "credit", "团办项目说明", "Group-application project note", may_skip=True
    ),
    ItemDef("c_group_table", "credit", "团办申请人信息表", "Group applicant table", may_skip=True),
    ItemDef(
        "c_business_licence", "credit", "营业执照复印件", "Business licence copy", may_skip=True
    ),
    ItemDef(
        "c_tobacco_licence",
        "credit",
        "烟草专卖许可证复印件",
        "Tobacco monopoly licence copy",
        may_skip=True,
    ),
    ItemDef(
        "c_merchant_table",
        "credit",
        "烟草商户明细表",
        "Tobacco merchant detail table",
        may_skip=True,
    ),
)

BY_ID: dict[str, ItemDef] = {item.id: item for item in ITEMS}
DEPENDENTS: dict[str, tuple[str, ...]] = {
    item.id: tuple(other.id for other in ITEMS if item.id in other.requires) for item in ITEMS
}
SECTION_TITLES = {
    "checklist": ("准备事项", "Readiness checklist"),
    "materials": ("新商盟申请材料", "Xinshangmeng application materials"),
    "documents": ("培训后签署文件", "Documents signed after training"),
    "credit": ("信用卡材料", "Credit-card materials"),
}


def section_title(section: str, lang: str) -> str:
    zh, en = SECTION_TITLES[section]
    return zh if lang == "zh-CN" else en


def applies(item: ItemDef, token_type: str) -> bool:
    """Item 4 (UKey installed) applies only when the customer's security device is a UKey."""
    return not (item.id == "ukey_installed" and token_type == "etoken")
