"""Chinese of the navigation's menus (minsheng/accounts/context_processors.py)."""

ZH = {
    "One window": "一门受理",
    "Assistance": "救助保障",
    "Administration": "系统管理",
}
